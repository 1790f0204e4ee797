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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// systemd is not PID 1 on these machines, so the supervisor is driven
    /// against a stand-in `systemctl` that records its arguments and says
    /// `is-active` only for smbd.
    #[test]
    fn drives_systemctl_with_debian_unit_names() {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("calls");
        let fake = d.path().join("systemctl");
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\necho \"$@\" >> {}\n[ \"$1\" = is-active ] && [ \"$2\" != smbd ] && exit 3\nexit 0\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let sup = Systemd { systemctl: fake, address: "0.0.0.0".into() };
        sup.start(Service::Smb).unwrap();
        sup.reload(Service::Iscsi).unwrap();
        sup.stop(Service::Nfs).unwrap();
        sup.enable(Service::Ssh, true).unwrap();
        assert!(sup.status(Service::Smb).unwrap().running);
        assert!(!sup.status(Service::Ssh).unwrap().running);
        let calls = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            calls.lines().collect::<Vec<_>>(),
            [
                "start smbd",
                "reload-or-restart tgt",
                "stop nfs-ganesha",
                "enable ssh",
                "is-active smbd",
                "is-active ssh"
            ]
        );
    }

    #[test]
    fn a_failing_systemctl_is_an_error_with_its_output() {
        let d = tempfile::tempdir().unwrap();
        let fake = d.path().join("systemctl");
        std::fs::write(&fake, "#!/bin/sh\necho 'Job for smbd.service failed' >&2\nexit 1\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = Systemd { systemctl: fake, address: String::new() }.start(Service::Smb).unwrap_err();
        assert!(err.to_string().contains("Job for smbd.service failed"), "{err}");
    }
}
