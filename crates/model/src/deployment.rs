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
            _ => Ok(Deployment { mode, bind, port_base }),
        }
    }

    /// A sandbox on 127.0.0.1 (tests, benchmarks, tours).
    pub fn loopback_sandbox(port_base: Option<u16>) -> Deployment {
        let base = port_base.filter(|n| *n <= u16::MAX - MAX_PORT_OFFSET);
        Deployment { mode: Mode::Sandbox, bind: IpAddr::from([127, 0, 0, 1]), port_base: base }
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
        Deployment::new(mode, bind, s.port_base).map_err(|e| e.to_string())
    }
}

impl From<Deployment> for Stored {
    fn from(d: Deployment) -> Stored {
        Stored { mode: d.mode.name().into(), bind: d.bind.to_string(), port_base: d.port_base }
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
    fn port_bases_leave_room_for_every_port() {
        let lo = "127.0.0.1".parse().unwrap();
        assert!(Deployment::new(Mode::Sandbox, lo, Some(u16::MAX - MAX_PORT_OFFSET)).is_ok());
        let e = Deployment::new(Mode::Sandbox, lo, Some(u16::MAX - MAX_PORT_OFFSET + 1)).unwrap_err();
        assert_eq!(e.0[0].field, "port_base");
    }
}
