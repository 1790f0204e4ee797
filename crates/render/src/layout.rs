//! Where each deployment keeps its files and which ports it uses.
//!
//! Pure path arithmetic: nothing here touches the filesystem.

use nasguard_model::deployment::Deployment;
pub use nasguard_model::deployment::{Backends, IscsiBackend, Mode, NfsBackend};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The ports each service listens on.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    pub ssh: u16,
    pub smb: u16,
    pub nfs: u16,
    pub mountd: u16,
    pub nlm: u16,
    pub rquota: u16,
    pub iscsi: u16,
}

impl Ports {
    pub const SYSTEM: Ports =
        Ports { ssh: 22, smb: 445, nfs: 2049, mountd: 20048, nlm: 32803, rquota: 875, iscsi: 3260 };

    /// Sandbox ports: SSH N+22, SMB N+445, NFS N+2049, mountd N+2050,
    /// NLM N+2051, rquota N+2052, iSCSI N+3260 (product.md's contract).
    pub fn from_base(n: u16) -> Option<Ports> {
        let at = |off: u16| n.checked_add(off);
        Some(Ports {
            ssh: at(22)?,
            smb: at(445)?,
            nfs: at(2049)?,
            mountd: at(2050)?,
            nlm: at(2051)?,
            rquota: at(2052)?,
            iscsi: at(3260)?,
        })
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub mode: Mode,
    pub state_dir: PathBuf,
    /// Sandbox: the one address every daemon listens on (overrides bindip).
    pub bind: IpAddr,
    pub ports: Ports,
    /// tgtd's management channel (`tgtd -C N`), unique per sandbox.
    pub tgt_control: u16,
    /// The servers behind NFS and iSCSI.
    pub backends: Backends,
    /// System: the root the host's files are under (`/`; another directory
    /// in tests, as `NASGUARD_SYSTEM_ROOT`). Unused by a sandbox.
    pub root: PathBuf,
}

impl Layout {
    /// Where a deployment keeps its files and which ports it uses.
    pub fn for_deployment(state_dir: &Path, d: &Deployment) -> Layout {
        Layout::for_host(state_dir, d, Path::new("/"))
    }

    /// As [`Layout::for_deployment`], a system deployment's files under `root`.
    pub fn for_host(state_dir: &Path, d: &Deployment, root: &Path) -> Layout {
        match d.mode() {
            Mode::Sandbox => Layout::sandbox(state_dir, d.bind(), d.sandbox_port_base())
                // A checked deployment's ports fit; the default base if not.
                .unwrap_or_else(|| Layout::sandbox_default(state_dir, d.bind())),
            Mode::System => {
                Layout { backends: d.backends(), root: root.to_path_buf(), ..Layout::system(state_dir, d.bind()) }
            }
        }
    }

    fn sandbox_default(state_dir: &Path, bind: IpAddr) -> Layout {
        let base = nasguard_model::deployment::DEFAULT_PORT_BASE;
        Layout {
            mode: Mode::Sandbox,
            state_dir: state_dir.to_path_buf(),
            bind,
            ports: Ports::from_base(base).unwrap_or(Ports::SYSTEM),
            tgt_control: base / 2,
            backends: Backends::SANDBOX,
            root: PathBuf::from("/"),
        }
    }

    pub fn sandbox(state_dir: &Path, bind: IpAddr, port_base: u16) -> Option<Layout> {
        Some(Layout {
            mode: Mode::Sandbox,
            state_dir: state_dir.to_path_buf(),
            bind,
            ports: Ports::from_base(port_base)?,
            // tgtd takes control ports up to 32767; two sandboxes' port ranges
            // never overlap, so their bases differ by far more than 2.
            tgt_control: (port_base / 2).max(1),
            backends: Backends::SANDBOX,
            root: PathBuf::from("/"),
        })
    }

    pub fn system(state_dir: &Path, bind: IpAddr) -> Layout {
        Layout {
            mode: Mode::System,
            state_dir: state_dir.to_path_buf(),
            bind,
            ports: Ports::SYSTEM,
            tgt_control: 0,
            backends: Backends::HOST,
            root: PathBuf::from("/"),
        }
    }

    fn under(&self, rel: &str) -> PathBuf {
        self.state_dir.join(rel)
    }

    /// A host path (`etc/...`, relative) under the layout's root.
    pub fn host(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// `path` as the host names it (the root taken off), for messages and
    /// the originals' manifest.
    pub fn host_name(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.root) {
            Ok(rel) => Path::new("/").join(rel),
            Err(_) => path.to_path_buf(),
        }
    }

    pub fn is_sandbox(&self) -> bool {
        self.mode == Mode::Sandbox
    }

    pub fn smb_conf(&self) -> PathBuf {
        if self.is_sandbox() { self.under("etc/smb.conf") } else { self.host("etc/samba/smb.conf") }
    }

    /// Samba's private state (lock, state, cache, pid, private, ncalrpc).
    pub fn samba_dir(&self) -> PathBuf {
        self.under("samba")
    }

    pub fn sshd_config(&self) -> PathBuf {
        if self.is_sandbox() { self.under("etc/sshd_config") } else { self.host("etc/ssh/sshd_config") }
    }

    pub fn ssh_dir(&self) -> PathBuf {
        self.under("ssh")
    }

    /// Host keys: the sandbox's own, or the system's.
    pub fn ssh_host_keys(&self) -> Vec<PathBuf> {
        if self.is_sandbox() {
            vec![self.ssh_dir().join("ssh_host_ed25519_key"), self.ssh_dir().join("ssh_host_rsa_key")]
        } else {
            vec![PathBuf::from("/etc/ssh/ssh_host_ed25519_key"), PathBuf::from("/etc/ssh/ssh_host_rsa_key")]
        }
    }

    /// Directory of the per-user authorized keys files nasguard manages
    /// (`user add --ssh-key-file`): root's own directory, so nasguard never
    /// writes below a user's home, where links the user made could send a
    /// root write anywhere.
    pub fn authorized_keys_dir(&self) -> PathBuf {
        if self.is_sandbox() { self.ssh_dir().join("authorized_keys") } else { "/etc/ssh/nasguard-keys".into() }
    }

    pub fn ganesha_conf(&self) -> PathBuf {
        if self.is_sandbox() { self.under("etc/ganesha.conf") } else { self.host("etc/ganesha/ganesha.conf") }
    }

    pub fn ganesha_dir(&self) -> PathBuf {
        self.under("ganesha")
    }

    pub fn exports(&self) -> PathBuf {
        if self.is_sandbox() { self.under("etc/exports") } else { self.host("etc/exports.d/nasguard.exports") }
    }

    /// Kernel nfsd's main exports file: nasguard takes it over only when it
    /// holds exports (imported into the model; its original is kept).
    pub fn exports_main(&self) -> PathBuf {
        self.host("etc/exports")
    }

    /// LIO's saved configuration, restored at boot by `rtslib-fb-targetctl`.
    pub fn lio_saveconfig(&self) -> PathBuf {
        self.host("etc/rtslib-fb-target/saveconfig.json")
    }

    /// nasguard's own nftables table (`table inet nasguard`).
    pub fn firewall_rules(&self) -> PathBuf {
        self.host("etc/nasguard/firewall.nft")
    }

    /// The unit that loads [`Layout::firewall_rules`] at boot.
    pub fn firewall_unit(&self) -> PathBuf {
        self.host("etc/systemd/system/nasguard-firewall.service")
    }

    pub fn tgt_conf(&self) -> PathBuf {
        if self.is_sandbox() { self.under("etc/targets.conf") } else { self.host("etc/tgt/conf.d/nasguard.conf") }
    }

    pub fn log_dir(&self) -> PathBuf {
        self.under("log")
    }

    pub fn run_dir(&self) -> PathBuf {
        self.under("run")
    }
}
