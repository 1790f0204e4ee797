#![no_main]
//! sshd_config: parse (with an Include glob resolving to a second file),
//! then import; never panic.
use libfuzzer_sys::fuzz_target;
use nasguard_parse::import::{Imported, import_sshd};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut files = nasguard_parse::MemFiles::default();
    files.0.insert("/etc/ssh/sshd_config".into(), text.to_string());
    files.0.insert("/etc/ssh/sshd_config.d/a.conf".into(), text.chars().rev().collect());
    let conf = nasguard_parse::sshd::parse(std::path::Path::new("/etc/ssh/sshd_config"), &files);
    let mut imported = Imported::default();
    import_sshd(&conf, &mut imported);
    let _ = imported.config.validate();
});
