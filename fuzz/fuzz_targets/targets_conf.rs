#![no_main]
use libfuzzer_sys::fuzz_target;
use nasguard_parse::import::{Imported, import_tgt};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let conf = nasguard_parse::tgt::parse(&text, std::path::Path::new("targets.conf"));
    let mut imported = Imported::default();
    import_tgt(&conf, &mut imported);
    let _ = imported.config.validate();
});
