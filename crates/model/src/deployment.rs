//! How a state directory runs its daemons: the deployment `init` chose.
//!
//! **Invariant:** a deployment is a type, checked when it is made (`init`)
//! and when it is read back (opening the store): an unknown mode is an error,
//! never "the host system", so a mistyped or damaged record cannot make
//! nasguard write into `/etc`.

use crate::ValidationErrors;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Where the daemons run.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Everything under the state directory, daemons started directly.
    Sandbox,
    /// The host's real daemons and files, controlled through systemd.
    System,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Sandbox => "sandbox",
            Mode::System => "system",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which NFS server a deployment drives.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NfsBackend {
    /// The kernel's nfsd (`nfs-kernel-server`): `/etc/exports.d`, `exportfs`,
    /// unit `nfs-server`. Hosts only.
    Kernel,
    /// NFS-Ganesha in user space (+ rpcbind): `ganesha.conf`.
    Ganesha,
}

/// Which iSCSI target a deployment drives.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum IscsiBackend {
    /// The kernel's target (LIO), through rtslib-fb's saved JSON config and
    /// unit `rtslib-fb-targetctl`. Hosts only.
    Lio,
    /// tgt in user space (`tgtd`, `targets.conf`).
    Tgt,
}

impl NfsBackend {
    pub const ALL: [NfsBackend; 2] = [NfsBackend::Kernel, NfsBackend::Ganesha];

    pub fn name(self) -> &'static str {
        match self {
            NfsBackend::Kernel => "kernel",
            NfsBackend::Ganesha => "ganesha",
        }
    }
}

impl IscsiBackend {
    pub const ALL: [IscsiBackend; 2] = [IscsiBackend::Lio, IscsiBackend::Tgt];

    pub fn name(self) -> &'static str {
        match self {
            IscsiBackend::Lio => "lio",
            IscsiBackend::Tgt => "tgt",
        }
    }
}

impl std::str::FromStr for NfsBackend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        crate::by_name(&NfsBackend::ALL, NfsBackend::name, s)
    }
}

impl std::str::FromStr for IscsiBackend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        crate::by_name(&IscsiBackend::ALL, IscsiBackend::name, s)
    }
}

impl std::fmt::Display for NfsBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for IscsiBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The server behind each service that has a choice (SMB is Samba and SSH
/// is OpenSSH everywhere).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Backends {
    pub nfs: NfsBackend,
    pub iscsi: IscsiBackend,
}

impl Backends {
    /// What a sandbox can run: the user-space servers.
    pub const SANDBOX: Backends = Backends { nfs: NfsBackend::Ganesha, iscsi: IscsiBackend::Tgt };
    /// What a Debian NAS serves with: the kernel's servers.
    pub const HOST: Backends = Backends { nfs: NfsBackend::Kernel, iscsi: IscsiBackend::Lio };

    /// The default for a mode (`init` refines it with what is installed).
    pub fn default_for(mode: Mode) -> Backends {
        match mode {
            Mode::Sandbox => Backends::SANDBOX,
            Mode::System => Backends::HOST,
        }
    }
}

/// The sandbox port base when `init --sandbox` is given none.
pub const DEFAULT_PORT_BASE: u16 = 20000;

/// The highest sandbox port offset (iSCSI, N+3260): a port base above
/// `u16::MAX - MAX_PORT_OFFSET` would put a service past port 65535.
pub const MAX_PORT_OFFSET: u16 = 3260;

/// The deployment `init` records.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields, try_from = "Stored", into = "Stored")]
pub struct Deployment {
    mode: Mode,
    bind: IpAddr,
    port_base: Option<u16>,
    backends: Backends,
}

impl Deployment {
    /// A checked deployment: a sandbox's port base must leave room for every
    /// service's port; a system deployment uses the standard ports.
    pub fn new(mode: Mode, bind: IpAddr, port_base: Option<u16>) -> Result<Deployment, ValidationErrors> {
        match (mode, port_base) {
            (Mode::System, Some(_)) => Err(ValidationErrors::single(
                "deployment",
                "port_base",
                "a system deployment uses the standard ports; --port-base is for --sandbox",
            )),
            (Mode::Sandbox, Some(n)) if n > u16::MAX - MAX_PORT_OFFSET => Err(ValidationErrors::single(
                "deployment",
                "port_base",
                format!(
                    "{n} leaves no room for the sandbox's ports (up to N+{MAX_PORT_OFFSET}): use at most {}",
                    u16::MAX - MAX_PORT_OFFSET
                ),
            )),
            _ => Ok(Deployment { mode, bind, port_base, backends: Backends::default_for(mode) }),
        }
    }

    /// The same deployment with other backends: the kernel's servers only
    /// on a host (a sandbox cannot run them: they are the host's, one each).
    pub fn with_backends(self, backends: Backends) -> Result<Deployment, ValidationErrors> {
        if self.mode == Mode::Sandbox {
            if backends.nfs != NfsBackend::Ganesha {
                return Err(ValidationErrors::single(
                    "deployment",
                    "nfs_backend",
                    "a sandbox serves NFS with ganesha: the kernel's nfsd is the host's, one per machine",
                ));
            }
            if backends.iscsi != IscsiBackend::Tgt {
                return Err(ValidationErrors::single(
                    "deployment",
                    "iscsi_backend",
                    "a sandbox serves iSCSI with tgt: LIO is the host kernel's, one per machine",
                ));
            }
        }
        Ok(Deployment { backends, ..self })
    }

    pub fn backends(&self) -> Backends {
        self.backends
    }

    /// A sandbox on 127.0.0.1 (tests, benchmarks, tours).
    pub fn loopback_sandbox(port_base: Option<u16>) -> Deployment {
        let base = port_base.filter(|n| *n <= u16::MAX - MAX_PORT_OFFSET);
        Deployment {
            mode: Mode::Sandbox,
            bind: IpAddr::from([127, 0, 0, 1]),
            port_base: base,
            backends: Backends::SANDBOX,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn bind(&self) -> IpAddr {
        self.bind
    }

    pub fn port_base(&self) -> Option<u16> {
        self.port_base
    }

    /// The sandbox's port base (the default when `init` was given none).
    pub fn sandbox_port_base(&self) -> u16 {
        self.port_base.unwrap_or(DEFAULT_PORT_BASE)
    }

    pub fn is_sandbox(&self) -> bool {
        self.mode == Mode::Sandbox
    }
}

/// The record as stored (and as older stores wrote it: `bind` a string).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    mode: String,
    bind: String,
    port_base: Option<u16>,
    /// Absent in stores made before backends were a choice: the mode's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nfs_backend: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iscsi_backend: Option<String>,
}

impl TryFrom<Stored> for Deployment {
    type Error = String;

    fn try_from(s: Stored) -> Result<Self, String> {
        let mode = match s.mode.as_str() {
            "sandbox" => Mode::Sandbox,
            "system" => Mode::System,
            other => return Err(format!("unknown deployment mode {other:?} (sandbox or system)")),
        };
        let bind = s.bind.parse().map_err(|_| format!("deployment bind address {:?} is not an IP address", s.bind))?;
        let d = Deployment::new(mode, bind, s.port_base).map_err(|e| e.to_string())?;
        let mut backends = d.backends;
        if let Some(n) = &s.nfs_backend {
            backends.nfs = n.parse().map_err(|e| format!("nfs_backend: {e}"))?;
        }
        if let Some(i) = &s.iscsi_backend {
            backends.iscsi = i.parse().map_err(|e| format!("iscsi_backend: {e}"))?;
        }
        d.with_backends(backends).map_err(|e| e.to_string())
    }
}

impl From<Deployment> for Stored {
    fn from(d: Deployment) -> Stored {
        Stored {
            mode: d.mode.name().into(),
            bind: d.bind.to_string(),
            port_base: d.port_base,
            nfs_backend: Some(d.backends.nfs.name().into()),
            iscsi_backend: Some(d.backends.iscsi.name().into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_modes_and_addresses_are_read_back() {
        let ok: Deployment =
            serde_json::from_str(r#"{"mode":"sandbox","bind":"127.0.0.1","port_base":20000}"#).unwrap();
        assert!(ok.is_sandbox());
        for bad in [
            r#"{"mode":"sandbx","bind":"127.0.0.1","port_base":null}"#,
            r#"{"mode":"System","bind":"127.0.0.1","port_base":null}"#,
            r#"{"mode":"","bind":"127.0.0.1","port_base":null}"#,
            r#"{"mode":"sandbox","bind":"localhost","port_base":null}"#,
            r#"{"mode":"sandbox","bind":"127.0.0.1","port_base":65000}"#,
            r#"{"mode":"system","bind":"0.0.0.0","port_base":2000}"#,
        ] {
            assert!(serde_json::from_str::<Deployment>(bad).is_err(), "{bad}");
        }
        let back: Deployment = serde_json::from_str(&serde_json::to_string(&ok).unwrap()).unwrap();
        assert_eq!(back, ok);
    }

    #[test]
    fn backends_default_by_mode_and_the_kernel_ones_are_for_hosts() {
        let lo = "127.0.0.1".parse().unwrap();
        let sys = Deployment::new(Mode::System, lo, None).unwrap();
        assert_eq!(sys.backends(), Backends::HOST);
        let sb = Deployment::new(Mode::Sandbox, lo, None).unwrap();
        assert_eq!(sb.backends(), Backends::SANDBOX);
        let e = sb.with_backends(Backends { nfs: NfsBackend::Kernel, iscsi: IscsiBackend::Tgt }).unwrap_err();
        assert_eq!(e.0[0].field, "nfs_backend");
        let e = sb.with_backends(Backends { nfs: NfsBackend::Ganesha, iscsi: IscsiBackend::Lio }).unwrap_err();
        assert_eq!(e.0[0].field, "iscsi_backend");
        let tgt = sys.with_backends(Backends { nfs: NfsBackend::Kernel, iscsi: IscsiBackend::Tgt }).unwrap();
        let back: Deployment = serde_json::from_str(&serde_json::to_string(&tgt).unwrap()).unwrap();
        assert_eq!(back.backends().iscsi, IscsiBackend::Tgt);
        // A store written before backends were recorded: the mode's default.
        let old: Deployment = serde_json::from_str(r#"{"mode":"system","bind":"127.0.0.1","port_base":null}"#).unwrap();
        assert_eq!(old.backends(), Backends::HOST);
        for bad in [
            r#"{"mode":"system","bind":"127.0.0.1","port_base":null,"nfs_backend":"knfsd"}"#,
            r#"{"mode":"sandbox","bind":"127.0.0.1","port_base":null,"iscsi_backend":"lio"}"#,
        ] {
            assert!(serde_json::from_str::<Deployment>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn port_bases_leave_room_for_every_port() {
        let lo = "127.0.0.1".parse().unwrap();
        assert!(Deployment::new(Mode::Sandbox, lo, Some(u16::MAX - MAX_PORT_OFFSET)).is_ok());
        let e = Deployment::new(Mode::Sandbox, lo, Some(u16::MAX - MAX_PORT_OFFSET + 1)).unwrap_err();
        assert_eq!(e.0[0].field, "port_base");
    }
}
