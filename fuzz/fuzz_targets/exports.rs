#![no_main]
use libfuzzer_sys::fuzz_target;
use nasguard_parse::import::{Imported, import_exports};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let exports = nasguard_parse::exports::parse_text(&text);
    let mut imported = Imported::default();
    import_exports(&exports, &mut imported);
    let _ = imported.config.validate();
});
