#![no_main]
use libfuzzer_sys::fuzz_target;
use nasguard_wire::smb;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((msg, _))) = smb::unframe(data) {
        let _ = smb::parse_smb1_reply(msg);
        let _ = smb::parse_smb2_reply(msg);
    }
    let _ = smb::parse_smb1_reply(data);
    let _ = smb::parse_smb2_reply(data);
});
