//! `audit --config-dir` and `import`: a machine's own config files, parsed
//! with the daemons' semantics and mapped onto the model.

use crate::{Changed, Nasguard, OpsError, Result};
use nasguard_model::{Config, Service};
use nasguard_parse::import::{
    Imported, SMB_RAW_JUDGED, import_exports, import_ganesha, import_smb, import_sshd, import_tgt,
};
use nasguard_parse::{Files, Loc};
use nasguard_policy::{Facts, Location, find_rule};
use nasguard_report::Report;
use std::path::{Path, PathBuf};

/// The filesystem, with `/etc/...` (as includes name them) mapped into the
/// audited directory.
pub struct FsFiles {
    pub etc: PathBuf,
}

impl FsFiles {
    fn map(&self, path: &Path) -> PathBuf {
        match path.strip_prefix("/etc") {
            Ok(rest) => self.etc.join(rest),
            Err(_) => path.to_path_buf(),
        }
    }
}

impl Files for FsFiles {
    fn read(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(self.map(path)).ok()
    }

    fn glob(&self, pattern: &Path) -> Vec<PathBuf> {
        let (Some(dir), Some(pat)) = (pattern.parent(), pattern.file_name().and_then(|p| p.to_str())) else {
            return vec![];
        };
        let mut out: Vec<PathBuf> = std::fs::read_dir(self.map(dir))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| e.file_name().to_str().map(String::from))
                    .filter(|n| nasguard_parse::glob_match(pat, n))
                    .map(|n| dir.join(n))
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

/// What was read from a config directory.
pub struct Scanned {
    pub imported: Imported,
    /// The services whose files were found.
    pub services: Vec<Service>,
    /// The files read, as the daemon would name them (`/etc/...`).
    pub files: Vec<PathBuf>,
    pub diagnostics: Vec<String>,
}

/// Reads DIR as an `/etc`: samba/smb.conf, ssh/sshd_config, exports and
/// exports.d/*.exports, ganesha/ganesha.conf, tgt/targets.conf and
/// tgt/conf.d/*.conf.
pub fn scan(etc: &Path) -> Scanned {
    let fs = FsFiles { etc: etc.to_path_buf() };
    let mut imported = Imported::default();
    let mut services = vec![];
    let mut files = vec![];
    let mut diagnostics = vec![];
    let show = |l: &Loc, m: &str| format!("{}:{}: {m}", l.file.display(), l.line);
    let smb = PathBuf::from("/etc/samba/smb.conf");
    if fs.read(&smb).is_some() {
        let conf = nasguard_parse::smb::parse(&smb, &fs);
        diagnostics.extend(conf.diags.iter().map(|d| show(&d.loc, &d.message)));
        import_smb(&conf, &mut imported);
        services.push(Service::Smb);
        files.push(smb);
    }
    let sshd = PathBuf::from("/etc/ssh/sshd_config");
    if fs.read(&sshd).is_some() {
        let conf = nasguard_parse::sshd::parse(&sshd, &fs);
        diagnostics.extend(conf.diags.iter().map(|d| show(&d.loc, &d.message)));
        import_sshd(&conf, &mut imported);
        services.push(Service::Ssh);
        files.push(sshd);
    }
    let mut export_files = vec![PathBuf::from("/etc/exports")];
    export_files.extend(fs.glob(Path::new("/etc/exports.d/*.exports")));
    let mut exports = nasguard_parse::exports::Exports::default();
    for f in export_files {
        if let Some(text) = fs.read(&f) {
            nasguard_parse::exports::parse(&text, &f, &mut exports);
            files.push(f);
        }
    }
    let ganesha = PathBuf::from("/etc/ganesha/ganesha.conf");
    let ganesha_text = fs.read(&ganesha);
    if !exports.exports.is_empty() || ganesha_text.is_some() {
        services.push(Service::Nfs);
    }
    diagnostics.extend(exports.diags.iter().map(|d| show(&d.loc, &d.message)));
    import_exports(&exports, &mut imported);
    if let Some(text) = ganesha_text {
        let (top, diags) = nasguard_parse::ganesha::parse(&text, &ganesha);
        diagnostics.extend(diags.iter().map(|d| show(&d.loc, &d.message)));
        import_ganesha(&top, &mut imported);
        files.push(ganesha);
    }
    let mut tgt_files = vec![PathBuf::from("/etc/tgt/targets.conf")];
    tgt_files.extend(fs.glob(Path::new("/etc/tgt/conf.d/*.conf")));
    let mut tgt = nasguard_parse::tgt::TgtConf::default();
    for f in tgt_files {
        if let Some(text) = fs.read(&f) {
            let part = nasguard_parse::tgt::parse(&text, &f);
            tgt.globals.extend(part.globals);
            tgt.targets.extend(part.targets);
            tgt.diags.extend(part.diags);
            files.push(f);
        }
    }
    if !tgt.targets.is_empty() || !tgt.globals.is_empty() {
        services.push(Service::Iscsi);
        diagnostics.extend(tgt.diags.iter().map(|d| show(&d.loc, &d.message)));
        import_tgt(&tgt, &mut imported);
    }
    Scanned { imported, services, files, diagnostics }
}

/// Audits the files under `etc` with the same rules, each finding pointing
/// at the file and line that set it. Touches no store.
pub fn audit_config_dir(etc: &Path, facts: &Facts) -> (Report, Scanned) {
    let scanned = scan(etc);
    let findings = nasguard_policy::audit(&scanned.imported.config, facts)
        .into_iter()
        .filter(|f| scanned.services.contains(&f.service))
        .map(|mut f| {
            let field = find_rule(&f.rule).and_then(|r| r.info.field);
            let loc = scanned.imported.locate(&f.object, field).or_else(|| {
                // A default value: point at the service's main file.
                let main = match f.service {
                    Service::Smb => "/etc/samba/smb.conf",
                    Service::Ssh => "/etc/ssh/sshd_config",
                    Service::Nfs => "/etc/exports",
                    Service::Iscsi => "/etc/tgt/targets.conf",
                };
                scanned.files.iter().find(|p| p.as_path() == Path::new(main)).map(|p| Loc { file: p.clone(), line: 0 })
            });
            f.location =
                loc.map(|l| Location { file: l.file.display().to_string(), line: l.line, ..Default::default() });
            // A fix changes nasguard's model; these files have none.
            f.fixable = false;
            f
        })
        .collect();
    (Report::new(findings, vec![]), scanned)
}

impl Nasguard {
    /// `import [--from DIR]`: replaces the model of every service whose
    /// files are found. Settings the model cannot hold are listed.
    pub fn import(&mut self, etc: &Path) -> Result<Changed<Vec<String>>> {
        let scanned = scan(etc);
        if scanned.services.is_empty() {
            return Err(OpsError::NotFound(format!(
                "no smb.conf, sshd_config, exports, ganesha.conf or targets.conf under {}",
                etc.display()
            )));
        }
        let mut from: Config = scanned.imported.config.clone();
        // nasguard writes the raw-judged Samba parameters itself.
        let (lines, _) = nasguard_model::parse_smb_aux(&from.smb.smb_options);
        from.smb.smb_options = lines
            .iter()
            .filter(|l| !SMB_RAW_JUDGED.contains(&l.key.as_str()))
            .map(|l| format!("{} = {}", l.key, l.value))
            .collect::<Vec<_>>()
            .join("\n");
        let mut notes = scanned.imported.unmapped.clone();
        notes.extend(scanned.diagnostics.iter().cloned());
        let services = scanned.services.clone();
        let files: Vec<String> = scanned.files.iter().map(|f| f.display().to_string()).collect();
        self.change(&format!("import from {}", etc.display()), move |cfg| {
            for s in &services {
                match s {
                    Service::Smb => {
                        cfg.smb = from.smb.clone();
                        cfg.smb_shares = from.smb_shares.clone();
                    }
                    Service::Ssh => cfg.ssh = from.ssh.clone(),
                    Service::Nfs => {
                        cfg.nfs = from.nfs.clone();
                        cfg.nfs_shares = from.nfs_shares.clone();
                    }
                    Service::Iscsi => cfg.iscsi = from.iscsi.clone(),
                }
            }
            let mut out = vec![format!("read {}", files.join(", "))];
            out.extend(notes);
            Ok(out)
        })
    }
}
