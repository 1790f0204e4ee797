//! The certificate `serve` presents: one the admin configured
//! (`--tls-cert`/`--tls-key`), or the one nasguard makes on first start in
//! `STATE/tls/`, as Cockpit and Webmin do: ECDSA P-256, self-signed, valid
//! for 825 days (the most macOS and iOS accept), made anew 30 days before
//! it ends. Its SHA-256 fingerprint is printed at start and shown by
//! `status`: it is what an admin checks the browser's warning against.
//!
//! A certificate and key the admin put in `STATE/tls/` by hand (no record
//! of ours beside them, or one for another certificate) are theirs: used
//! as they are, never renewed or replaced.

use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose, SanType, SerialNumber};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use tokio_rustls::rustls::ServerConfig;

/// The generated certificate's folder in the state directory.
pub const DIR: &str = "tls";
pub const CERT: &str = "cert.pem";
pub const KEY: &str = "key.pem";
/// Our record of what we generated (fingerprint, end of validity).
const GENERATED: &str = "generated.json";
const VALID_DAYS: i64 = 825;
const RENEW_BEFORE_DAYS: i64 = 30;

/// The certificate being served and where it came from.
pub struct Served {
    pub config: Arc<ServerConfig>,
    pub cert: PathBuf,
    /// SHA-256 of the leaf certificate's DER, `AB:CD:...`.
    pub sha256: String,
    /// nasguard made it (now or earlier).
    pub generated: bool,
    /// End of validity, for a certificate nasguard made (RFC 3339).
    pub not_after: Option<String>,
    /// What happened on this start, for the log: made now, or renewed.
    pub made: Option<Made>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    /// There was none: first start.
    First,
    /// Ours was ending (or ended): replaced; the fingerprint changed.
    Renewed,
}

/// What we record beside a certificate we made.
#[derive(Serialize, Deserialize)]
struct Generated {
    sha256: String,
    not_after: String,
}

/// Failures loading or making a certificate, each naming the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Invalid(String),
    #[error("cannot make a certificate: {0}")]
    Generate(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::Io { path: path.to_path_buf(), source }
}

/// The admin's certificate chain and key (PEM).
pub fn configured(cert: &Path, key: &Path) -> Result<Served, TlsError> {
    let (config, sha256) = load(cert, key)?;
    Ok(Served { config, cert: cert.to_path_buf(), sha256, generated: false, not_after: None, made: None })
}

/// The certificate in `STATE/tls/`: made on first start (for `hosts`,
/// names or addresses), made anew when ours nears its end, or the admin's
/// own when they put one there.
pub fn generated(state_dir: &Path, hosts: &[String]) -> Result<Served, TlsError> {
    let dir = state_dir.join(DIR);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(io(&dir))?;
    // Two servers starting at once make one certificate, not two.
    let lock_path = dir.join(".lock");
    let lock = std::fs::File::create(&lock_path).map_err(io(&lock_path))?;
    lock.lock().map_err(io(&lock_path))?;
    let (cert, key) = (dir.join(CERT), dir.join(KEY));
    let made = match (cert.exists(), key.exists()) {
        (false, false) => Some(Made::First),
        (true, true) => match record(&dir) {
            // Ours, and ending: renew. Not ours: the admin's, left alone.
            Some(rec) if rec.sha256 == fingerprint_of(&cert)? && ends_soon(&rec.not_after) => Some(Made::Renewed),
            _ => None,
        },
        // Half a pair is not something to guess about.
        _ => {
            return Err(TlsError::Invalid(format!(
                "{} holds only one of {CERT} and {KEY}: put the missing one back, or remove both to have a \
                 certificate made",
                dir.display()
            )));
        }
    };
    if made.is_some() {
        make(&dir, hosts)?;
    }
    let (config, sha256) = load(&cert, &key)?;
    let rec = record(&dir).filter(|r| r.sha256 == sha256);
    Ok(Served { config, cert, sha256, generated: rec.is_some(), not_after: rec.map(|r| r.not_after), made })
}

fn record(dir: &Path) -> Option<Generated> {
    serde_json::from_str(&std::fs::read_to_string(dir.join(GENERATED)).ok()?).ok()
}

fn ends_soon(not_after: &str) -> bool {
    let Ok(end) = OffsetDateTime::parse(not_after, &time::format_description::well_known::Rfc3339) else {
        // Our record is unreadable: make a new certificate rather than serve
        // one whose end we do not know.
        return true;
    };
    end - OffsetDateTime::now_utc() < Duration::days(RENEW_BEFORE_DAYS)
}

/// Makes a key and a self-signed certificate in `dir` (the key first, so a
/// crash leaves no certificate without its key), then our record.
fn make(dir: &Path, hosts: &[String]) -> Result<(), TlsError> {
    let gen_err = |e: rcgen::Error| TlsError::Generate(e.to_string());
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(gen_err)?;
    let mut params = CertificateParams::default();
    let mut names = vec![];
    for h in hosts {
        let san = match h.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            // A host name that is no valid DNS name is left out, not fatal.
            Err(_) => match h.clone().try_into() {
                Ok(name) if dns_name(h) => SanType::DnsName(name),
                _ => continue,
            },
        };
        if !params.subject_alt_names.contains(&san) {
            params.subject_alt_names.push(san);
            names.push(h.as_str());
        }
    }
    let cn = names.first().copied().unwrap_or("nasguard");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.distinguished_name.push(DnType::OrganizationName, "nasguard (self-signed)");
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    // A little slack for clocks that are slightly behind.
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(VALID_DAYS);
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).map_err(|e| TlsError::Generate(e.to_string()))?;
    serial[0] &= 0x7f;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key).map_err(gen_err)?;
    write(&dir.join(KEY), key.serialize_pem().as_bytes(), 0o600)?;
    write(&dir.join(CERT), cert.pem().as_bytes(), 0o644)?;
    let rec = Generated {
        sha256: fingerprint(cert.der()),
        not_after: params
            .not_after
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| TlsError::Generate(e.to_string()))?,
    };
    let text = serde_json::to_string_pretty(&rec).map_err(|e| TlsError::Generate(e.to_string()))?;
    write(&dir.join(GENERATED), text.as_bytes(), 0o644)
}

/// Letters, digits and hyphens in dot-separated labels of 1-63 characters,
/// none starting or ending with a hyphen.
fn dns_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Writes a file whole (temp file, fsync, rename) with `mode` from the start.
fn write(path: &Path, bytes: &[u8], mode: u32) -> Result<(), TlsError> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// SHA-256 of a certificate's DER as `AB:CD:...` (browsers and
/// `openssl x509 -noout -fingerprint -sha256` show it so).
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// The fingerprint of the first certificate in a PEM file.
fn fingerprint_of(cert: &Path) -> Result<String, TlsError> {
    let chain = read_chain(cert)?;
    chain.first().map(|c| fingerprint(c)).ok_or_else(|| no_cert(cert))
}

fn no_cert(cert: &Path) -> TlsError {
    TlsError::Invalid(format!("{}: no certificate in it (PEM expected)", cert.display()))
}

fn read_chain(cert: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bad = |e: rustls_pki_types::pem::Error| TlsError::Invalid(format!("{}: {e}", cert.display()));
    CertificateDer::pem_file_iter(cert).map_err(bad)?.collect::<Result<_, _>>().map_err(bad)
}

/// The server's TLS settings (TLS 1.2 and 1.3, rustls's safe defaults) and
/// the leaf's fingerprint.
fn load(cert: &Path, key: &Path) -> Result<(Arc<ServerConfig>, String), TlsError> {
    let chain = read_chain(cert)?;
    let sha256 = chain.first().map(|c| fingerprint(c)).ok_or_else(|| no_cert(cert))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Invalid(format!("{}: {e}", key.display())))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Invalid(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Invalid(format!("the certificate and key do not match or are unusable: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((Arc::new(config), sha256))
}

/// The names a generated certificate is for: this host's name, `localhost`,
/// the loopback addresses, and the address listened on when it is one.
pub fn hosts_for(listen: IpAddr) -> Vec<String> {
    let mut hosts = vec![];
    if let Ok(name) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let name = name.trim();
        if !name.is_empty() && name != "localhost" {
            hosts.push(name.to_string());
        }
    }
    hosts.extend(["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()]);
    if !listen.is_unspecified() {
        hosts.push(listen.to_canonical().to_string());
    }
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openssl(args: &[&str]) -> Option<String> {
        let o = std::process::Command::new("openssl").args(args).output().ok()?;
        assert!(o.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        Some(String::from_utf8_lossy(&o.stdout).into_owned())
    }

    #[test]
    fn first_start_makes_a_private_key_and_a_certificate_later_starts_reuse() {
        let state = tempfile::tempdir().unwrap();
        let hosts = vec!["nas".to_string(), "localhost".into(), "192.0.2.7".into(), "bad name!".into()];
        let first = generated(state.path(), &hosts).unwrap();
        assert_eq!(first.made, Some(Made::First));
        assert!(first.generated && first.not_after.is_some());
        let dir = state.path().join(DIR);
        let mode = |f: &str| std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(KEY), mode(CERT)), (0o600, 0o644));
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        let again = generated(state.path(), &hosts).unwrap();
        assert_eq!((again.made, &again.sha256), (None, &first.sha256), "the same certificate on the next start");
        // openssl sees the same fingerprint and what the certificate is for.
        let cert = dir.join(CERT);
        if let Some(fp) = openssl(&["x509", "-noout", "-fingerprint", "-sha256", "-in", cert.to_str().unwrap()]) {
            assert_eq!(fp.trim().rsplit('=').next(), Some(first.sha256.as_str()), "{fp}");
            let text = openssl(&["x509", "-noout", "-text", "-in", cert.to_str().unwrap()]).unwrap();
            for want in ["DNS:nas", "DNS:localhost", "IP Address:192.0.2.7", "TLS Web Server Authentication"] {
                assert!(text.contains(want), "{want} in {text}");
            }
            assert!(!text.contains("bad name"), "{text}");
            assert!(text.contains("CA:FALSE") || !text.contains("CA:TRUE"), "{text}");
        }
    }

    #[test]
    fn ours_is_renewed_near_its_end_the_admins_is_never_touched() {
        let state = tempfile::tempdir().unwrap();
        let hosts = vec!["nas".to_string()];
        let first = generated(state.path(), &hosts).unwrap();
        let dir = state.path().join(DIR);
        // Our record says it ends in ten days: renewed, new fingerprint.
        let soon = (OffsetDateTime::now_utc() + Duration::days(10))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let rec = Generated { sha256: first.sha256.clone(), not_after: soon };
        std::fs::write(dir.join(GENERATED), serde_json::to_string(&rec).unwrap()).unwrap();
        let renewed = generated(state.path(), &hosts).unwrap();
        assert_eq!(renewed.made, Some(Made::Renewed));
        assert_ne!(renewed.sha256, first.sha256);
        // The admin's own pair (no record of ours for it): used, kept byte for byte.
        let other = tempfile::tempdir().unwrap();
        generated(other.path(), &["theirs".to_string()]).unwrap();
        for f in [CERT, KEY] {
            std::fs::copy(other.path().join(DIR).join(f), dir.join(f)).unwrap();
        }
        let theirs = std::fs::read(dir.join(CERT)).unwrap();
        let used = generated(state.path(), &hosts).unwrap();
        assert_eq!((used.made, used.generated), (None, false));
        assert_eq!(std::fs::read(dir.join(CERT)).unwrap(), theirs);
        // Half a pair is refused, naming what is missing.
        std::fs::remove_file(dir.join(KEY)).unwrap();
        let err = generated(state.path(), &hosts).err().unwrap().to_string();
        assert!(err.contains("only one of cert.pem and key.pem"), "{err}");
        assert_eq!(std::fs::read(dir.join(CERT)).unwrap(), theirs);
    }

    #[test]
    fn a_configured_pair_that_does_not_match_is_refused() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        generated(a.path(), &["a".to_string()]).unwrap();
        generated(b.path(), &["b".to_string()]).unwrap();
        let err = configured(&a.path().join(DIR).join(CERT), &b.path().join(DIR).join(KEY)).err().unwrap();
        assert!(err.to_string().contains("do not match"), "{err}");
        let ok = configured(&a.path().join(DIR).join(CERT), &a.path().join(DIR).join(KEY)).unwrap();
        assert!(!ok.generated);
    }

    #[test]
    fn hosts_include_loopback_and_a_specific_listen_address() {
        let any = hosts_for("::".parse().unwrap());
        assert!(any.contains(&"localhost".to_string()) && any.contains(&"127.0.0.1".to_string()));
        assert!(!any.contains(&"::".to_string()));
        let one = hosts_for("::ffff:192.0.2.9".parse().unwrap());
        assert!(one.contains(&"192.0.2.9".to_string()), "{one:?}");
    }
}
