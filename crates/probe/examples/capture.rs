//! Records what real servers answer to nasguard's probe requests, as
//! replay data for the wire codecs' tests:
//!
//!     cargo run -p nasguard-probe --example capture -- SERVICE HOST:PORT OUT_FILE
//!
//! SERVICE is ssh (banner + KEXINIT), smb1, smb2-DIALECT (hex, e.g. 0311),
//! rpc-dump, rpc-export, iscsi-discovery or iscsi-login:IQN.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::string_slice)]

use nasguard_wire::{iscsi, rpc, smb, ssh};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, what, addr, out] = &args[..] else { panic!("usage: capture SERVICE HOST:PORT OUT_FILE") };
    let request: Vec<u8> = match what.as_str() {
        "ssh" => ssh::CLIENT_BANNER.to_vec(),
        "smb1" => smb::smb1_negotiate(),
        w if w.starts_with("smb2-") => smb::smb2_negotiate(&[u16::from_str_radix(&w[5..], 16).unwrap()]),
        "rpc-dump" => rpc::call(1, rpc::PORTMAP, 2, 4),
        "rpc-export" => rpc::call(2, rpc::MOUNT, 3, 5),
        "iscsi-discovery" => iscsi::login(
            0,
            1,
            1,
            0,
            &[("InitiatorName", iscsi::INITIATOR), ("SessionType", "Discovery"), ("AuthMethod", "None")],
        ),
        w if w.starts_with("iscsi-login:") => iscsi::login(
            0,
            1,
            1,
            0,
            &[
                ("InitiatorName", iscsi::INITIATOR),
                ("SessionType", "Normal"),
                ("TargetName", &w[12..]),
                ("AuthMethod", "None"),
            ],
        ),
        other => panic!("unknown {other}"),
    };
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(700))).unwrap();
    s.write_all(&request).unwrap();
    let mut got = vec![];
    let mut buf = [0u8; 65536];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    std::fs::write(out, &got).unwrap();
    eprintln!("{what}: {} bytes -> {out}", got.len());
}
