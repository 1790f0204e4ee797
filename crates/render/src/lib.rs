//! Model to daemon configuration text, one module per daemon.
//!
//! **Architecture invariants:** pure (no IO) and deterministic: the same
//! model and layout give the same bytes. Values reach the text
//! only after `nasguard-model` validated them; [`Writer`] additionally
//! refuses (by replacing) any control character, so a bug elsewhere cannot
//! turn into an injected line.

pub mod exports;
pub mod ganesha;
pub mod layout;
pub mod lio;
pub mod nft;
pub mod smb;
pub mod sshd;
pub mod tgt;

pub use layout::{Backends, IscsiBackend, Layout, Mode, NfsBackend, Ports};

use nasguard_model::{Config, Service};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// User and group ids, for the renderers that need numbers (NFS squashing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ids {
    pub users: BTreeMap<String, u32>,
    pub groups: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("nfs share {share}: user {name:?} does not exist on this system")]
    UnknownUser { share: u32, name: String },
    #[error("nfs share {share}: group {name:?} does not exist on this system")]
    UnknownGroup { share: u32, name: String },
}

/// What a file is: which checker judges it and how it is put to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    SmbConf,
    SshdConfig,
    GaneshaConf,
    /// `/etc/exports.d/nasguard.exports`.
    Exports,
    /// A host file whose settings nasguard took into its model (`/etc/exports`
    /// holding exports, another `exports.d` file, a tgt `conf.d` file): a
    /// stub saying where they went, so nothing is served twice.
    Absorbed,
    TgtConf,
    /// rtslib-fb's saveconfig.json.
    LioConfig,
    /// nasguard's nftables table.
    Firewall,
    /// The unit that loads the firewall table at boot.
    FirewallUnit,
}

/// One file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub service: Service,
    pub path: PathBuf,
    pub content: String,
    /// 0600 for files holding secrets (targets.conf, saveconfig.json), 0644 otherwise.
    pub mode: u32,
    pub kind: FileKind,
}

/// Every config file of a deployment, for its backends.
pub fn render_all(cfg: &Config, layout: &Layout, ids: &Ids) -> Result<Vec<RenderedFile>, RenderError> {
    let file = |service, path, content, mode, kind| RenderedFile { service, path, content, mode, kind };
    let mut out = vec![
        file(Service::Smb, layout.smb_conf(), smb::render(cfg, layout), 0o644, FileKind::SmbConf),
        file(Service::Ssh, layout.sshd_config(), sshd::render(cfg, layout), 0o644, FileKind::SshdConfig),
    ];
    match (layout.is_sandbox(), layout.backends.nfs) {
        (false, NfsBackend::Kernel) => {
            let exports = exports::render(cfg, ids)?;
            out.push(file(Service::Nfs, layout.exports(), exports, 0o644, FileKind::Exports));
        }
        _ => {
            let conf = ganesha::render(cfg, layout, ids)?;
            out.push(file(Service::Nfs, layout.ganesha_conf(), conf, 0o644, FileKind::GaneshaConf));
        }
    }
    match (layout.is_sandbox(), layout.backends.iscsi) {
        (false, IscsiBackend::Lio) => {
            out.push(file(Service::Iscsi, layout.lio_saveconfig(), lio::render(cfg), 0o600, FileKind::LioConfig));
        }
        _ => out.push(file(Service::Iscsi, layout.tgt_conf(), tgt::render(cfg), 0o600, FileKind::TgtConf)),
    }
    if !layout.is_sandbox() {
        out.push(file(Service::Iscsi, layout.firewall_rules(), nft::render(cfg), 0o644, FileKind::Firewall));
        out.push(file(Service::Iscsi, layout.firewall_unit(), nft::unit(layout), 0o644, FileKind::FirewallUnit));
    }
    Ok(out)
}

/// The stub of a host file whose settings nasguard absorbed: exports
/// files (`/etc/exports`, `/etc/exports.d/*.exports`) and tgt's config files
/// (`/etc/tgt/targets.conf` keeps its include of `conf.d`). `None` for a
/// path that is neither.
pub fn absorbed_stub(layout: &Layout, path: &std::path::Path) -> Option<RenderedFile> {
    let name = layout.host_name(path);
    let s = name.to_string_lossy();
    let (service, ours) = if s == "/etc/exports" || (s.starts_with("/etc/exports.d/") && s.ends_with(".exports")) {
        (Service::Nfs, layout.exports())
    } else if s == "/etc/tgt/targets.conf" || (s.starts_with("/etc/tgt/conf.d/") && s.ends_with(".conf")) {
        (Service::Iscsi, layout.tgt_conf())
    } else {
        return None;
    };
    if path == ours {
        return None;
    }
    let mut w = Writer::new('#', "nasguard ... (see the lines below)");
    w.comment(&format!(
        "nasguard took the settings this file held into its model; it serves them from {}.",
        layout.host_name(&ours).display()
    ));
    w.comment("The original file is kept under nasguard's state directory (`nasguard status` lists it);");
    w.comment("`nasguard release` puts it back.");
    if s == "/etc/tgt/targets.conf" {
        w.line("include /etc/tgt/conf.d/*.conf");
    }
    Some(RenderedFile { service, path: path.to_path_buf(), content: w.finish(), mode: 0o644, kind: FileKind::Absorbed })
}

/// Builds config text line by line, so no value can add a line.
pub(crate) struct Writer {
    out: String,
    comment: char,
}

impl Writer {
    /// No revision number is written: a file must change only when its
    /// settings do, or every apply would reload every service.
    pub(crate) fn new(comment: char, how: &str) -> Writer {
        let mut w = Writer { out: String::new(), comment };
        w.comment("Generated by nasguard. Do not edit: nasguard overwrites it (its previous version is NAME.prev).");
        w.comment(&format!("Change it with: {how}"));
        w
    }

    /// Appends one line; control characters become `?` (validation has
    /// already refused them, this is the belt to its braces).
    pub(crate) fn line(&mut self, text: &str) {
        self.out.extend(
            text.chars().map(|c| if c.is_control() || nasguard_model::text::is_deceptive(c) { '?' } else { c }),
        );
        self.out.push('\n');
    }

    pub(crate) fn kv(&mut self, key: &str, value: &str) {
        self.line(&format!("    {key} = {value}"));
    }

    pub(crate) fn comment(&mut self, text: &str) {
        let c = self.comment;
        self.line(&format!("{c} {text}"));
    }

    pub(crate) fn blank(&mut self) {
        self.out.push('\n');
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests;
