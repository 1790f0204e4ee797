#![no_main]
//! What an SSH server (or anything on its port) sends: banner, then KEXINIT.
use libfuzzer_sys::fuzz_target;
use nasguard_wire::ssh;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((_, used))) = ssh::parse_banner(data) {
        let rest = data.get(used..).unwrap_or_default();
        if let Ok(Some((k, _))) = ssh::parse_kexinit_packet(rest) {
            let _ = (k.ciphers(), k.macs(), k.kex_algorithms(), k.strict_kex());
        }
    }
    let _ = ssh::parse_kexinit_packet(data);
});
