#![no_main]
//! The TrueNAS backup reader: any bytes, as an upload (SQLite image or
//! tar), then the mapping and the audit. It must return an error or a
//! result, never panic, within its caps.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, mapped)) = nasguard_truenas::load_bytes(data, "fuzz") {
        let _ = nasguard_truenas::audit(&mapped, "fuzz");
    }
});
