//! The benchmark fleet (feature `responder`, for benches and tests only):
//! one listener that answers on every loopback address (127.0.0.0/8) with
//! the replies the real daemons gave, captured in
//! `crates/wire/tests/captures`, so scans can be measured against more
//! hosts than one machine can run daemons for.
//!
//! It binds `0.0.0.0:PORT` with `SO_BINDTODEVICE lo`: the kernel hands it
//! connections to any 127.x.y.z, and nothing that arrives on another
//! interface.
//!
//! - SSH (OpenSSH 9.2's banner and KEXINIT): sent at once, then the client's
//!   bytes are read and dropped until it closes.
//! - SMB (Samba 4.17): an SMB1 NEGOTIATE is refused as Samba refuses it; an
//!   SMB2 NEGOTIATE offering 2.0.2 or 3.1.1 gets Samba's reply for that
//!   dialect (signing required); other dialects are closed on, which a
//!   client reads as refused (there is no capture to answer them with).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const SSH: &[u8] = include_bytes!("../../wire/tests/captures/openssh-9.2-kexinit.bin");
const SMB1_REFUSED: &[u8] = include_bytes!("../../wire/tests/captures/samba-4.17-smb1-refused.bin");
const SMB2_0202: &[u8] = include_bytes!("../../wire/tests/captures/samba-4.17-smb2-0202.bin");
const SMB2_0311: &[u8] = include_bytes!("../../wire/tests/captures/samba-4.17-smb2-0311-signing-required.bin");

/// Which daemon a listener plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ssh,
    Smb,
}

/// A running responder: its port, and how many connections it served.
/// Dropping it stops it.
pub struct Responder {
    pub port: u16,
    served: Arc<AtomicU64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Responder {
    /// Starts a responder of `kind` on `port` (0: any free port) on a
    /// thread of its own running `threads` tokio workers.
    pub fn start(kind: Kind, port: u16, threads: usize) -> std::io::Result<Responder> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads.max(1)).enable_all().build()?;
        let served = Arc::new(AtomicU64::new(0));
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let (bound, port_rx) = std::sync::mpsc::channel();
        let count = served.clone();
        let thread = std::thread::spawn(move || {
            rt.block_on(async move {
                let listen = || -> std::io::Result<tokio::net::TcpListener> {
                    let s = TcpSocket::new_v4()?;
                    s.set_reuseaddr(true)?;
                    s.bind_device(Some(b"lo"))?;
                    s.bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)))?;
                    s.listen(4096)
                };
                let socket = match listen() {
                    Ok(s) => {
                        let _ = bound.send(s.local_addr().map(|a| a.port()));
                        s
                    }
                    Err(e) => {
                        let _ = bound.send(Err(e));
                        return;
                    }
                };
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = socket.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            // Counted when accepted: a client can have its
                            // answer (and a test its assertion) before the
                            // task that served it has ended.
                            count.fetch_add(1, Ordering::Relaxed);
                            tokio::spawn(async move {
                                let _ = tokio::time::timeout(Duration::from_secs(10), serve(kind, stream)).await;
                            });
                        }
                    }
                }
            });
            rt.shutdown_background();
        });
        let port = port_rx.recv().map_err(|_| std::io::Error::other("the responder's thread ended"))??;
        Ok(Responder { port, served, stop: Some(stop), thread: Some(thread) })
    }

    /// Connections accepted so far.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn drain(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

async fn serve(kind: Kind, mut s: TcpStream) {
    let _ = s.set_nodelay(true);
    match kind {
        Kind::Ssh => {
            if s.write_all(SSH).await.is_ok() {
                drain(&mut s).await;
            }
        }
        Kind::Smb => {
            // One NetBIOS-framed request: 4 bytes of length, then the message.
            let mut head = [0u8; 4];
            if s.read_exact(&mut head).await.is_err() {
                return;
            }
            let len = usize::from(head[1]) << 16 | usize::from(head[2]) << 8 | usize::from(head[3]);
            let mut msg = vec![0u8; len.min(65_536)];
            if s.read_exact(&mut msg).await.is_err() {
                return;
            }
            let reply = if msg.starts_with(b"\xffSMB") {
                Some(SMB1_REFUSED)
            } else if msg.starts_with(b"\xfeSMB") {
                // NEGOTIATE: the dialect count at 64+2, the dialects from 64+36.
                let count = msg.get(66..68).map(|b| u16::from_le_bytes([b[0], b[1]])).unwrap_or(0);
                let dialects: Vec<u16> = (0..usize::from(count))
                    .filter_map(|i| msg.get(100 + 2 * i..102 + 2 * i).map(|b| u16::from_le_bytes([b[0], b[1]])))
                    .collect();
                if dialects.contains(&0x0311) {
                    Some(SMB2_0311)
                } else if dialects.contains(&0x0202) {
                    Some(SMB2_0202)
                } else {
                    None
                }
            } else {
                None
            };
            if let Some(r) = reply
                && s.write_all(r).await.is_ok()
            {
                drain(&mut s).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Target, scan};
    use nasguard_model::Service;

    #[test]
    fn answers_on_many_loopback_addresses_like_the_daemons() {
        let ssh = Responder::start(Kind::Ssh, 0, 1).unwrap();
        let smb = Responder::start(Kind::Smb, 0, 1).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut targets: Vec<Target> =
            (1..=50).map(|i| Target { service: Service::Ssh, host: format!("127.3.0.{i}"), port: ssh.port }).collect();
        targets.push(Target { service: Service::Smb, host: "127.9.9.9".into(), port: smb.port });
        let results = rt.block_on(scan(targets, 16, Duration::from_secs(5), Arc::new(|_, _| {})));
        assert_eq!(results.len(), 51);
        for r in &results[..50] {
            let o = r.observed.as_ref().and_then(|o| o.ssh.as_ref()).unwrap_or_else(|| panic!("{r:?}"));
            assert!(o.banner.starts_with("SSH-2.0-OpenSSH_9.2p1"), "{o:?}");
        }
        let smb_seen = results[50].observed.as_ref().and_then(|o| o.smb.as_ref()).unwrap();
        assert!(!smb_seen.smb1 && smb_seen.signing_required, "{smb_seen:?}");
        assert_eq!(smb_seen.dialects, ["2.0.2", "3.1.1"]);
        // Only loopback: the listener is bound to the lo device.
        assert!(ssh.served() >= 50);
    }
}
