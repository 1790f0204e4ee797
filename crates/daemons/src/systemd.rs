//! The system supervisor: the host's units through `systemctl`.

use crate::{DaemonError, Result, Status, Supervisor};
use nasguard_model::Service;
use std::process::Command;

/// Debian's unit names.
pub fn unit(service: Service) -> &'static str {
    match service {
        Service::Smb => "smbd",
        Service::Ssh => "ssh",
        Service::Nfs => "nfs-ganesha",
        Service::Iscsi => "tgt",
    }
}

pub struct Systemd {
    /// `systemctl`, or a stand-in in tests.
    pub systemctl: std::path::PathBuf,
    pub address: String,
}

impl Systemd {
    fn run(&self, service: Service, verb: &str) -> Result<(bool, String)> {
        let out = Command::new(&self.systemctl)
            .arg(verb)
            .arg(unit(service))
            .output()
            .map_err(|e| DaemonError::Failed { service, message: format!("systemctl {verb}: {e}") })?;
        Ok((
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        ))
    }

    fn must(&self, service: Service, verb: &str) -> Result<()> {
        match self.run(service, verb)? {
            (true, _) => Ok(()),
            (false, out) => Err(DaemonError::Failed {
                service,
                message: format!("systemctl {verb} {}: {}", unit(service), out.trim()),
            }),
        }
    }

    pub fn enable(&self, service: Service, on: bool) -> Result<()> {
        self.must(service, if on { "enable" } else { "disable" })
    }
}

impl Supervisor for Systemd {
    fn start(&self, service: Service) -> Result<()> {
        self.must(service, "start")
    }

    fn stop(&self, service: Service) -> Result<()> {
        self.must(service, "stop")
    }

    fn reload(&self, service: Service) -> Result<()> {
        // tgt's unit reloads by re-reading targets.conf; the others support
        // reload natively.
        self.must(service, "reload-or-restart")
    }

    fn status(&self, service: Service) -> Result<Status> {
        let (active, _) = self.run(service, "is-active")?;
        let ports = match service {
            Service::Smb => vec![445],
            Service::Ssh => vec![22],
            Service::Nfs => vec![2049],
            Service::Iscsi => vec![3260],
        };
        Ok(Status { service, running: active, pid: None, address: self.address.clone(), ports })
    }
}
