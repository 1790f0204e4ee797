//! TLS to the fleet database, as libpq's URLs ask for it: `sslmode=require`
//! (or `verify-ca` / `verify-full`) makes TLS mandatory, and the server's
//! certificate is always verified, against `sslrootcert=FILE` (PEM) or the
//! system's CAs (`/etc/ssl/certs/ca-certificates.crt`), with its name
//! checked against the host in the URL. (libpq's `require` alone would not
//! verify: a login's password is not sent to whoever answers.) Without an
//! `sslmode` that asks for TLS the connection is plain, for loopback or a
//! tunnel.
//!
//! tokio-postgres knows neither `sslrootcert` nor the `verify-*` modes, so
//! [`parse`] takes them out of the URL first.

use crate::{FleetError, Result};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, pki_types::ServerName};

/// The CAs a URL without `sslrootcert` trusts (Debian's bundle).
pub const SYSTEM_ROOTS: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A fleet URL, ready to connect: tokio-postgres' settings, and the TLS
/// client when the URL asks for TLS.
pub struct DbUrl {
    pub config: tokio_postgres::Config,
    pub tls: Option<MakeRustls>,
}

/// Parses a fleet URL (`postgres://...?...` or `key=value ...`), taking out
/// what tokio-postgres does not know (`sslrootcert`, `sslmode=verify-*`).
pub fn parse(url: &str) -> Result<DbUrl> {
    let invalid = |m: String| FleetError::Invalid(format!("the fleet database URL: {m}"));
    let (rest, params) = split_params(url);
    let mut kept = vec![];
    let mut mode = None;
    let mut root = None;
    for (k, v) in params {
        match k.as_str() {
            "sslmode" => mode = Some(v),
            "sslrootcert" => root = Some(v),
            _ => kept.push((k, v)),
        }
    }
    let tls = match mode.as_deref() {
        None | Some("disable" | "allow" | "prefer") => {
            if root.is_some() {
                return Err(invalid("sslrootcert needs sslmode=require (or verify-ca, verify-full)".into()));
            }
            false
        }
        Some("require" | "verify-ca" | "verify-full") => true,
        Some(other) => return Err(invalid(format!("sslmode={other}: use disable, require or verify-full"))),
    };
    let plain = join_params(&rest, &kept, url.contains("://"));
    let mut config: tokio_postgres::Config = plain.parse().map_err(|e| invalid(format!("{e}")))?;
    config.ssl_mode(if tls {
        tokio_postgres::config::SslMode::Require
    } else {
        tokio_postgres::config::SslMode::Disable
    });
    let tls = match tls {
        false => None,
        true => Some(MakeRustls::new(&roots(root.as_deref().unwrap_or(SYSTEM_ROOTS))?)),
    };
    Ok(DbUrl { config, tls })
}

/// `postgres://...?a=b&c=d` -> ("postgres://...", [(a, b), (c, d)]); a
/// `key=value key=value` string -> ("", every pair).
fn split_params(url: &str) -> (String, Vec<(String, String)>) {
    if url.contains("://") {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let params = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), percent_decode(v))
            })
            .collect();
        (base.to_string(), params)
    } else {
        let params = url
            .split_whitespace()
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.to_string())
            })
            .collect();
        (String::new(), params)
    }
}

fn join_params(base: &str, params: &[(String, String)], is_url: bool) -> String {
    if is_url {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", percent_encode(v))).collect();
        if query.is_empty() { base.to_string() } else { format!("{base}?{}", query.join("&")) }
    } else {
        params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex =
            b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|c| match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => (c as char).to_string(),
            _ => format!("%{c:02X}"),
        })
        .collect()
}

/// The CAs of a PEM file.
fn roots(file: &str) -> Result<RootCertStore> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let io = |source| FleetError::Io { path: file.into(), source };
    let pem = std::fs::read(file).map_err(io)?;
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| FleetError::Invalid(format!("sslrootcert {file}: {e}")))?;
        store.add(cert).map_err(|e| FleetError::Invalid(format!("sslrootcert {file}: {e}")))?;
    }
    if store.is_empty() {
        return Err(FleetError::Invalid(format!("sslrootcert {file}: no certificate in it")));
    }
    Ok(store)
}

/// The TLS side of a connection that failed (its handshake or the
/// server's certificate): a refusal to fix, not a database that is away.
#[derive(Debug, thiserror::Error)]
#[error("TLS to the fleet database: {0}")]
pub struct TlsRefused(String);

/// tokio-postgres' TLS hook, on rustls (ring, as the web server).
#[derive(Clone)]
pub struct MakeRustls(Arc<ClientConfig>);

impl MakeRustls {
    fn new(roots: &RootCertStore) -> MakeRustls {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots.clone()).with_no_client_auth());
        // The provider's defaults always include a protocol version.
        MakeRustls(Arc::new(config.unwrap_or_else(|_| unreachable!("ring supports TLS 1.2 and 1.3"))))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> MakeTlsConnect<S> for MakeRustls {
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = TlsRefused;

    fn make_tls_connect(&mut self, domain: &str) -> std::result::Result<RustlsConnect, TlsRefused> {
        let name = ServerName::try_from(domain.to_string()).map_err(|e| TlsRefused(format!("{domain}: {e}")))?;
        Ok(RustlsConnect { config: self.0.clone(), name })
    }
}

pub struct RustlsConnect {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> TlsConnect<S> for RustlsConnect {
    type Stream = RustlsStream<S>;
    type Error = TlsRefused;
    type Future = Pin<Box<dyn Future<Output = std::result::Result<RustlsStream<S>, TlsRefused>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let tls = tokio_rustls::TlsConnector::from(self.config)
                .connect(self.name, stream)
                .await
                .map_err(|e| TlsRefused(e.to_string()))?;
            Ok(RustlsStream(tls))
        })
    }
}

pub struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_and_the_rest_kept() {
        let (base, p) = split_params("postgres://u:p%40w@h:5432/db?sslmode=require&sslrootcert=%2Fetc%2Fca.pem&x=1");
        assert_eq!(base, "postgres://u:p%40w@h:5432/db");
        assert_eq!(p[1], ("sslrootcert".into(), "/etc/ca.pem".into()));
        assert_eq!(join_params(&base, &p[2..], true), "postgres://u:p%40w@h:5432/db?x=1");
        let (base, p) = split_params("host=h user=u sslmode=disable");
        assert_eq!((base.as_str(), p.len()), ("", 3));
    }

    #[test]
    fn plain_unless_asked_and_nonsense_refused() {
        assert!(parse("postgres://u:p@127.0.0.1/db").unwrap().tls.is_none());
        assert!(parse("postgres://u:p@127.0.0.1/db?sslmode=disable").unwrap().tls.is_none());
        for bad in [
            "postgres://u:p@127.0.0.1/db?sslmode=sometimes",
            "postgres://u:p@127.0.0.1/db?sslrootcert=/etc/ca.pem",
            "postgres://u:p@127.0.0.1/db?sslmode=require&sslrootcert=/nonexistent/ca.pem",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
