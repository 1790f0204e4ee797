#![no_main]
//! smb.conf: parse any bytes (with includes pointing back at the same
//! file set), then import; never panic.
use libfuzzer_sys::fuzz_target;
use nasguard_parse::import::{Imported, import_smb};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut files = nasguard_parse::MemFiles::default();
    files.0.insert("/etc/samba/smb.conf".into(), text.to_string());
    files.0.insert("/etc/samba/inc.conf".into(), text.lines().rev().collect::<Vec<_>>().join("\n"));
    let conf = nasguard_parse::smb::parse(std::path::Path::new("/etc/samba/smb.conf"), &files);
    let mut imported = Imported::default();
    import_smb(&conf, &mut imported);
    let _ = imported.config.validate();
});
