//! Live probes over the network: each connects, sends what its codec
//! builds, reads with a deadline and a size cap, and returns a typed
//! observation or a clear error. Nothing here authenticates.

mod target;

#[cfg(feature = "responder")]
pub mod responder;

pub use target::{Target, TargetSpec, default_port, parse_targets};

use nasguard_model::Service;
use nasguard_policy::observed::{
    IscsiObserved, IscsiTargetLogin, LoginOutcome, NfsExport, NfsObserved, Observed, RpcProgram, SmbObserved,
    SshObserved,
};
use nasguard_wire::{WireError, iscsi, rpc, smb, ssh};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProbeError {
    #[error("cannot resolve {0}")]
    Resolve(String),
    #[error("connection refused (port closed)")]
    Refused,
    #[error("no answer within {0} ms (filtered, or not listening)")]
    Timeout(u64),
    #[error("the peer closed the connection before answering")]
    Closed,
    #[error("{0}")]
    Protocol(String),
    #[error("{0}")]
    Io(String),
}

/// Errors appear in JSON as their message, as users read them.
impl Serialize for ProbeError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl From<WireError> for ProbeError {
    fn from(e: WireError) -> Self {
        ProbeError::Protocol(e.to_string())
    }
}

/// The outcome for one target.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    pub target: Target,
    pub elapsed_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ProbeError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<Observed>,
}

async fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, ProbeError> {
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Err(_) => Err(ProbeError::Timeout(timeout.as_millis() as u64)),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Err(ProbeError::Refused),
        Ok(Err(e)) => Err(ProbeError::Io(e.to_string())),
        Ok(Ok(s)) => {
            let _ = s.set_nodelay(true);
            Ok(s)
        }
    }
}

/// Reads into `buf` until `parse` yields a value, the deadline passes, the
/// peer closes, or `cap` bytes arrived without a complete message.
async fn read_until<T>(
    protocol: &str,
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    deadline: Instant,
    cap: usize,
    mut parse: impl FnMut(&[u8]) -> Result<Option<T>, WireError>,
) -> Result<T, ProbeError> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(v) = parse(buf)? {
            return Ok(v);
        }
        if buf.len() > cap {
            return Err(ProbeError::Protocol(format!("no complete message in the first {cap} bytes")));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Err(_) => return Err(ProbeError::Timeout(0)),
            Ok(Ok(0)) if buf.is_empty() => return Err(ProbeError::Closed),
            Ok(Ok(0)) => {
                return Err(ProbeError::Protocol(format!(
                    "the peer sent {} bytes that are not {protocol}, then closed the connection",
                    buf.len()
                )));
            }
            Ok(Ok(n)) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => return Err(ProbeError::Closed),
            Ok(Err(e)) => return Err(ProbeError::Io(e.to_string())),
        }
    }
}

fn with_timeout(e: ProbeError, timeout: Duration) -> ProbeError {
    match e {
        ProbeError::Timeout(0) => ProbeError::Timeout(timeout.as_millis() as u64),
        other => other,
    }
}

/// SSH: the banner and the server's KEXINIT.
pub async fn probe_ssh(addr: SocketAddr, timeout: Duration) -> Result<SshObserved, ProbeError> {
    let deadline = Instant::now() + timeout;
    let mut s = connect(addr, timeout).await?;
    s.write_all(ssh::CLIENT_BANNER).await.map_err(|e| ProbeError::Io(e.to_string()))?;
    let mut buf = vec![];
    let (banner, used) = read_until("SSH", &mut s, &mut buf, deadline, 16_384, ssh::parse_banner)
        .await
        .map_err(|e| with_timeout(e, timeout))?;
    buf.drain(..used);
    let (kex, _) = read_until("SSH", &mut s, &mut buf, deadline, ssh::MAX_PACKET + 4, ssh::parse_kexinit_packet)
        .await
        .map_err(|e| with_timeout(e, timeout))?;
    Ok(SshObserved {
        banner: banner.raw,
        kex: kex.kex_algorithms(),
        hostkey: kex.hostkey.clone(),
        ciphers: kex.ciphers(),
        macs: kex.macs(),
        compression: kex.comp_s2c.clone(),
        strict_kex: kex.strict_kex(),
    })
}

async fn smb_exchange(addr: SocketAddr, timeout: Duration, request: Vec<u8>) -> Result<Option<Vec<u8>>, ProbeError> {
    let deadline = Instant::now() + timeout;
    let mut s = connect(addr, timeout).await?;
    s.write_all(&request).await.map_err(|e| ProbeError::Io(e.to_string()))?;
    let mut buf = vec![];
    let parse = |b: &[u8]| smb::unframe(b).map(|o| o.map(|(m, _)| m.to_vec()));
    match read_until("SMB", &mut s, &mut buf, deadline, smb::MAX_MESSAGE + 4, parse).await {
        Ok(m) => Ok(Some(m)),
        // A server that drops the connection refuses what was offered.
        Err(ProbeError::Closed) => Ok(None),
        Err(e) => Err(with_timeout(e, timeout)),
    }
}

/// SMB: is SMB1 accepted, which SMB2/3 dialects, is signing required.
pub async fn probe_smb(addr: SocketAddr, timeout: Duration) -> Result<SmbObserved, ProbeError> {
    let mut set = tokio::task::JoinSet::new();
    set.spawn(async move { (None, smb_exchange(addr, timeout, smb::smb1_negotiate()).await) });
    for d in smb::DIALECTS {
        set.spawn(async move { (Some(d), smb_exchange(addr, timeout, smb::smb2_negotiate(&[d])).await) });
    }
    let mut obs = SmbObserved::default();
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        let Ok((dialect, reply)) = joined else { continue };
        match (dialect, reply) {
            (_, Err(e)) => first_error = first_error.or(Some(e)),
            (None, Ok(Some(m))) => {
                let r = smb::parse_smb1_reply(&m)?;
                obs.smb1 = r.accepted;
                obs.smb1_signing_required = r.signing_required;
            }
            (Some(_), Ok(Some(m))) => {
                let r = smb::parse_smb2_reply(&m)?;
                if let Some(d) = r.dialect {
                    obs.dialects.push(smb::dialect_name(d));
                    obs.signing_required = r.signing_required;
                    obs.signing_enabled = r.signing_enabled;
                    obs.encryption |= r.encryption || d == 0x0311;
                }
            }
            (_, Ok(None)) => {}
        }
    }
    obs.dialects.sort();
    if obs.dialects.is_empty() && !obs.smb1 {
        return Err(first_error.unwrap_or(ProbeError::Protocol("no SMB dialect was accepted".into())));
    }
    Ok(obs)
}

async fn rpc_call(
    addr: SocketAddr,
    timeout: Duration,
    xid: u32,
    prog: u32,
    vers: u32,
    proc_: u32,
) -> Result<Vec<u8>, ProbeError> {
    let deadline = Instant::now() + timeout;
    let mut s = connect(addr, timeout).await?;
    s.write_all(&rpc::call(xid, prog, vers, proc_)).await.map_err(|e| ProbeError::Io(e.to_string()))?;
    let mut buf = vec![];
    let parse = |b: &[u8]| rpc::unframe(b).map(|o| o.map(|(r, _)| r));
    read_until("ONC RPC", &mut s, &mut buf, deadline, rpc::MAX_REPLY + 64, parse)
        .await
        .map_err(|e| with_timeout(e, timeout))
}

/// NFS: rpcbind's registrations (DUMP), then mountd's export list (EXPORT).
pub async fn probe_nfs(addr: SocketAddr, timeout: Duration) -> Result<NfsObserved, ProbeError> {
    let record = rpc_call(addr, timeout, 0x6e67_0001, rpc::PORTMAP, 2, 4).await?;
    let maps = rpc::parse_dump(&record, 0x6e67_0001)?;
    let programs: Vec<RpcProgram> = maps
        .iter()
        .map(|m| RpcProgram {
            program: m.prog,
            version: m.vers,
            protocol: match m.prot {
                6 => "tcp".into(),
                17 => "udp".into(),
                p => p.to_string(),
            },
            port: m.port,
        })
        .collect();
    let mountd = maps
        .iter()
        .find(|m| m.prog == rpc::MOUNT && m.vers == 3 && m.prot == 6)
        .and_then(|m| u16::try_from(m.port).ok());
    let exports = match mountd {
        None => None,
        Some(port) => {
            let record = rpc_call(SocketAddr::new(addr.ip(), port), timeout, 0x6e67_0002, rpc::MOUNT, 3, 5).await?;
            Some(
                rpc::parse_exports(&record, 0x6e67_0002)?
                    .into_iter()
                    .map(|e| NfsExport { path: e.path, groups: e.groups })
                    .collect(),
            )
        }
    };
    Ok(NfsObserved { programs, exports })
}

async fn iscsi_round(
    s: &mut TcpStream,
    buf: &mut Vec<u8>,
    deadline: Instant,
    pdu: Vec<u8>,
) -> Result<iscsi::Response, ProbeError> {
    s.write_all(&pdu).await.map_err(|e| ProbeError::Io(e.to_string()))?;
    let (resp, used) = read_until("iSCSI", s, buf, deadline, iscsi::MAX_DATA + 64, iscsi::parse).await?;
    buf.drain(..used.min(buf.len()));
    Ok(resp)
}

/// An unauthenticated login at `addr` with `keys`; the first response.
async fn iscsi_login(
    addr: SocketAddr,
    timeout: Duration,
    keys: &[(&str, &str)],
) -> Result<(TcpStream, Vec<u8>, iscsi::Response), ProbeError> {
    let deadline = Instant::now() + timeout;
    let mut s = connect(addr, timeout).await?;
    let mut buf = vec![];
    let resp = iscsi_round(&mut s, &mut buf, deadline, iscsi::login(iscsi::SECURITY, iscsi::OPERATIONAL, 1, 0, keys))
        .await
        .map_err(|e| with_timeout(e, timeout))?;
    Ok((s, buf, resp))
}

fn login_outcome(r: &iscsi::Response) -> LoginOutcome {
    if r.login_accepted(iscsi::OPERATIONAL) {
        return LoginOutcome::Open;
    }
    match (r.opcode, r.status) {
        (0x23, (2, 1)) => LoginOutcome::AuthenticationRequired,
        (0x23, (2, 2)) => LoginOutcome::NotAuthorized,
        (0x23, (2, 3)) => LoginOutcome::NotFound,
        (0x23, (c, d)) => LoginOutcome::Refused(c, d),
        (op, _) => LoginOutcome::NotALoginReply(op),
    }
}

/// iSCSI: a discovery login without authentication; if accepted,
/// SendTargets, then a normal login without authentication per target.
pub async fn probe_iscsi(addr: SocketAddr, timeout: Duration) -> Result<IscsiObserved, ProbeError> {
    let keys = [("InitiatorName", iscsi::INITIATOR), ("SessionType", "Discovery"), ("AuthMethod", "None")];
    let (mut s, mut buf, first) = iscsi_login(addr, timeout, &keys).await?;
    let mut obs = IscsiObserved { discovery_status: first.status, ..Default::default() };
    if !first.login_accepted(iscsi::OPERATIONAL) {
        return Ok(obs);
    }
    let deadline = Instant::now() + timeout;
    let op = [("HeaderDigest", "None"), ("DataDigest", "None"), ("MaxRecvDataSegmentLength", "65536")];
    let second =
        iscsi_round(&mut s, &mut buf, deadline, iscsi::login(iscsi::OPERATIONAL, iscsi::FULL_FEATURE, 1, 0, &op))
            .await
            .map_err(|e| with_timeout(e, timeout))?;
    if !second.login_accepted(iscsi::FULL_FEATURE) {
        return Ok(obs);
    }
    obs.discovery_open = true;
    let text = iscsi_round(&mut s, &mut buf, deadline, iscsi::text(2, 1, &[("SendTargets", "All")]))
        .await
        .map_err(|e| with_timeout(e, timeout))?;
    let names: Vec<String> =
        text.keys.iter().filter(|(k, _)| k == "TargetName").map(|(_, v)| v.clone()).take(256).collect();
    for name in names {
        let keys = [
            ("InitiatorName", iscsi::INITIATOR),
            ("SessionType", "Normal"),
            ("TargetName", name.as_str()),
            ("AuthMethod", "None"),
        ];
        let login = match iscsi_login(addr, timeout, &keys).await {
            Ok((_, _, r)) => login_outcome(&r),
            Err(e) => LoginOutcome::Error(e.to_string()),
        };
        obs.targets.push(IscsiTargetLogin { name, login });
    }
    Ok(obs)
}

/// Probes one target.
pub async fn probe(target: Target, timeout: Duration) -> ProbeResult {
    let start = Instant::now();
    let addr = match tokio::net::lookup_host((target.host.as_str(), target.port)).await.map(|mut a| a.next()) {
        Ok(Some(a)) => a,
        _ => {
            return ProbeResult {
                error: Some(ProbeError::Resolve(target.host.clone())),
                target,
                elapsed_ms: 0,
                observed: None,
            };
        }
    };
    let result = match target.service {
        Service::Ssh => probe_ssh(addr, timeout).await.map(|o| Observed { ssh: Some(o), ..Default::default() }),
        Service::Smb => probe_smb(addr, timeout).await.map(|o| Observed { smb: Some(o), ..Default::default() }),
        Service::Nfs => probe_nfs(addr, timeout).await.map(|o| Observed { nfs: Some(o), ..Default::default() }),
        Service::Iscsi => probe_iscsi(addr, timeout).await.map(|o| Observed { iscsi: Some(o), ..Default::default() }),
    };
    let elapsed_ms = start.elapsed().as_millis() as u64;
    match result {
        Ok(o) => ProbeResult { target, elapsed_ms, error: None, observed: Some(o) },
        Err(e) => ProbeResult { target, elapsed_ms, error: Some(e), observed: None },
    }
}

/// Probes each target of `targets`, at most `concurrency` at a time, and
/// hands each result to `each` as it completes (completion order), with
/// the tag it came with. Targets are taken from the iterator only as
/// probes finish, so memory follows `concurrency`, not the number of
/// targets.
pub async fn scan_tagged<K: Send + 'static>(
    targets: impl IntoIterator<Item = (K, Target)>,
    concurrency: usize,
    timeout: Duration,
    mut each: impl FnMut(K, ProbeResult),
) {
    let limit = concurrency.max(1);
    let mut set = tokio::task::JoinSet::new();
    for (tag, t) in targets {
        while set.len() >= limit {
            if let Some(Ok((tag, r))) = set.join_next().await {
                each(tag, r);
            }
        }
        set.spawn(async move { (tag, probe(t, timeout).await) });
    }
    while let Some(joined) = set.join_next().await {
        if let Ok((tag, r)) = joined {
            each(tag, r);
        }
    }
}

/// [`scan_tagged`] without tags.
pub async fn scan_each(
    targets: impl IntoIterator<Item = Target>,
    concurrency: usize,
    timeout: Duration,
    mut each: impl FnMut(ProbeResult),
) {
    scan_tagged(targets.into_iter().map(|t| ((), t)), concurrency, timeout, |(), r| each(r)).await;
}

/// Probes every target, at most `concurrency` at a time; `progress` is
/// called after each one with (done, total). Results come in input order
/// (for bounded lists: the API and the web page; the CLI streams).
pub async fn scan(
    targets: Vec<Target>,
    concurrency: usize,
    timeout: Duration,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Vec<ProbeResult> {
    let total = targets.len();
    let mut out: Vec<Option<ProbeResult>> = (0..total).map(|_| None).collect();
    let mut done = 0;
    scan_tagged(targets.into_iter().enumerate(), concurrency, timeout, |i, r| {
        done += 1;
        progress(done, total);
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(r);
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
