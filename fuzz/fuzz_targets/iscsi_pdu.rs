#![no_main]
use libfuzzer_sys::fuzz_target;
use nasguard_wire::iscsi;

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    // Several PDUs in a row, as a stream delivers them.
    while let Ok(Some((r, used))) = iscsi::parse(rest) {
        let _ = (r.login_accepted(iscsi::OPERATIONAL), r.key("TargetName"));
        match rest.get(used..) {
            Some(next) if used > 0 => rest = next,
            _ => break,
        }
    }
});
