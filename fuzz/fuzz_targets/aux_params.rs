#![no_main]
//! The auxiliary-parameter parsers and the normalisation that maps pasted
//! lines onto owned fields: any text, never a panic, and after
//! normalisation validation either passes or names a field.
use libfuzzer_sys::fuzz_target;
use nasguard_model::Config;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).to_string();
    let mut cfg = Config::default();
    cfg.smb.smb_options = text.clone();
    cfg.ssh.options = text;
    let _ = cfg.normalize();
    if let Err(errors) = cfg.validate() {
        assert!(errors.0.iter().all(|e| !e.field.is_empty()));
    }
});
