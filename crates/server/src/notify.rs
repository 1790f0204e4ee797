//! systemd's readiness protocol (`Type=notify`, sd_notify(3)): one datagram
//! to `$NOTIFY_SOCKET` once the server listens, so `systemctl start
//! nasguard` returns when the UI answers, not when the process exists.

use std::ffi::OsStr;
use std::os::unix::net::UnixDatagram;

/// Tells systemd the service is ready, with a status line for `systemctl
/// status`. Without `$NOTIFY_SOCKET` (not under systemd) it does nothing.
pub fn ready(status: &str) -> std::io::Result<()> {
    match std::env::var_os("NOTIFY_SOCKET") {
        Some(target) => send(&target, &ready_message(status)),
        None => Ok(()),
    }
}

fn ready_message(status: &str) -> String {
    format!("READY=1\nSTATUS={}", status.replace('\n', " "))
}

/// One datagram to a socket path, or to an abstract name (`@name`).
fn send(target: &OsStr, message: &str) -> std::io::Result<()> {
    let socket = UnixDatagram::unbound()?;
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(target);
    match bytes.strip_prefix(b"@") {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            socket.send_to_addr(message.as_bytes(), &addr)?;
        }
        None => {
            socket.send_to(message.as_bytes(), target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::linux::net::SocketAddrExt;

    #[test]
    fn the_ready_datagram_reaches_a_socket_path_or_an_abstract_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        send(path.as_os_str(), &ready_message("serving https://[::]:8443/\nx")).unwrap();
        let mut buf = [0u8; 256];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=serving https://[::]:8443/ x");

        let name = format!("nasguard-notify-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixDatagram::bind_addr(&addr).unwrap();
        send(OsStr::new(&format!("@{name}")), "READY=1").unwrap();
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
    }
}
