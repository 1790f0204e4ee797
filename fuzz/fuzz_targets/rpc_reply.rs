#![no_main]
use libfuzzer_sys::fuzz_target;
use nasguard_wire::rpc;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((record, _))) = rpc::unframe(data) {
        let _ = rpc::parse_dump(&record, 1);
        let _ = rpc::parse_exports(&record, 2);
    }
    let _ = rpc::parse_exports(data, 2);
});
