//! Replays replies captured from the real daemons (Debian 12: OpenSSH
//! 9.2p1, Samba 4.17.12, rpcbind + NFS-Ganesha 4.3, tgt 1.0.85) to the
//! probe's own requests, recorded with `cargo run -p nasguard-probe
//! --example capture`. The sandbox was nasguard's defaults, then
//! `minimum_protocol=SMB1 server_signing=DEFAULT` for the "accepted" and
//! "optional" captures.

#![allow(clippy::unwrap_used)]

use nasguard_wire::{iscsi, rpc, smb, ssh};

#[test]
fn openssh_banner_and_kexinit() {
    let bytes = include_bytes!("captures/openssh-9.2-kexinit.bin");
    let (banner, used) = ssh::parse_banner(bytes).unwrap().unwrap();
    assert!(banner.software.starts_with("OpenSSH_9.2"), "{banner:?}");
    let (kex, _) = ssh::parse_kexinit_packet(&bytes[used..]).unwrap().unwrap();
    assert_eq!(
        kex.ciphers(),
        [
            "chacha20-poly1305@openssh.com",
            "aes128-ctr",
            "aes192-ctr",
            "aes256-ctr",
            "aes128-gcm@openssh.com",
            "aes256-gcm@openssh.com"
        ]
    );
    assert!(kex.strict_kex(), "Debian's 9.2p1 has the Terrapin fix");
    assert_eq!(kex.kex_algorithms()[0], "sntrup761x25519-sha512@openssh.com");
    assert_eq!(
        kex.macs(),
        ["hmac-sha2-512-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "umac-128-etm@openssh.com"]
    );
}

fn message(bytes: &[u8]) -> &[u8] {
    smb::unframe(bytes).unwrap().unwrap().0
}

#[test]
fn samba_smb1_refused_then_accepted() {
    assert!(!smb::parse_smb1_reply(message(include_bytes!("captures/samba-4.17-smb1-refused.bin"))).unwrap().accepted);
    let r = smb::parse_smb1_reply(message(include_bytes!("captures/samba-4.17-smb1-accepted.bin"))).unwrap();
    assert!(r.accepted && !r.signing_required);
}

#[test]
fn samba_smb2_dialects_and_signing() {
    let r =
        smb::parse_smb2_reply(message(include_bytes!("captures/samba-4.17-smb2-0311-signing-required.bin"))).unwrap();
    assert_eq!(r.dialect, Some(0x0311));
    assert!(r.signing_required);
    let r =
        smb::parse_smb2_reply(message(include_bytes!("captures/samba-4.17-smb2-0311-signing-optional.bin"))).unwrap();
    assert!(r.signing_enabled && !r.signing_required);
    let r = smb::parse_smb2_reply(message(include_bytes!("captures/samba-4.17-smb2-0202.bin"))).unwrap();
    assert_eq!(r.dialect, Some(0x0202));
}

#[test]
fn rpcbind_dump_and_ganesha_exports() {
    let (rec, _) = rpc::unframe(include_bytes!("captures/rpcbind-dump.bin")).unwrap().unwrap();
    let maps = rpc::parse_dump(&rec, 1).unwrap();
    assert!(maps.iter().any(|m| m.prog == rpc::MOUNT && m.vers == 3 && m.prot == 6 && m.port == 30050), "{maps:?}");
    assert!(maps.iter().any(|m| m.prog == rpc::NFS && m.vers == 4 && m.port == 30049), "{maps:?}");
    let (rec, _) = rpc::unframe(include_bytes!("captures/ganesha-4.3-export.bin")).unwrap().unwrap();
    let exports = rpc::parse_exports(&rec, 2).unwrap();
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].path, "/tmp/sb4x");
    assert!(!exports[0].groups.is_empty(), "{exports:?}");
}

#[test]
fn tgt_discovery_and_chap() {
    let (r, _) = iscsi::parse(include_bytes!("captures/tgt-1.0.85-discovery-accepted.bin")).unwrap().unwrap();
    assert!(r.login_accepted(iscsi::OPERATIONAL), "{r:?}");
    let (r, _) = iscsi::parse(include_bytes!("captures/tgt-1.0.85-login-chap-required.bin")).unwrap().unwrap();
    assert_eq!(r.opcode, 0x23);
    assert!(!r.login_accepted(iscsi::OPERATIONAL));
    assert_eq!(r.status, (2, 1), "{r:?}");
}
