#![no_main]
use libfuzzer_sys::fuzz_target;
use nasguard_parse::import::{Imported, import_ganesha};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (top, _) = nasguard_parse::ganesha::parse(&text, std::path::Path::new("ganesha.conf"));
    let mut imported = Imported::default();
    import_ganesha(&top, &mut imported);
    let _ = imported.config.validate();
});
