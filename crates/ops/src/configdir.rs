//! `audit --config-dir` and `import`: a machine's own config files, parsed
//! with the daemons' semantics and mapped onto the model.

use crate::{Changed, Nasguard, OpsError, Result};
use nasguard_model::deployment::{Backends, IscsiBackend};
use nasguard_model::{Config, Service};
use nasguard_parse::import::{
    Imported, SMB_RAW_JUDGED, import_exports, import_ganesha, import_lio, import_smb, import_sshd, import_tgt,
};
use nasguard_parse::{Files, Loc};
use nasguard_policy::{Facts, Location, find_rule};
use nasguard_report::Report;
use std::cell::{Cell, RefCell};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

/// A config directory read as the daemons would read `/etc`, confined to it.
///
/// **Security invariant:** every file read resolves inside the directory
/// (after `..`, symlinks and `/proc` magic links), is a regular file, and
/// fits the caps below; anything else is refused with a diagnostic that
/// names the path and the reason, never the content. A FIFO cannot block
/// the read (it is opened non-blocking and refused), a device cannot feed it
/// forever, an include of `/proc/self/root/etc/shadow` is outside, and a
/// hard link (a second name of any file on the filesystem) is refused.
/// What was opened is checked (through `/proc/self/fd`), not only the path,
/// so a directory swapped for a link while it is read leads nowhere; and
/// globs list at most [`MAX_TOTAL_GLOB_ENTRIES`] entries in all.
pub struct FsFiles {
    /// The directory, canonical: it stands for `/etc`.
    root: PathBuf,
    /// Bytes that may still be read in all.
    budget: Cell<u64>,
    /// Directory entries globs may still list in all.
    entries: Cell<usize>,
    entries_spent: Cell<bool>,
    refused: RefCell<Vec<String>>,
}

/// The largest config file read.
pub const MAX_FILE_BYTES: u64 = 4 << 20;
/// The most read from one directory in all.
pub const MAX_TOTAL_BYTES: u64 = 32 << 20;

impl FsFiles {
    pub fn new(etc: &Path) -> std::io::Result<FsFiles> {
        Ok(FsFiles {
            root: etc.canonicalize()?,
            budget: Cell::new(MAX_TOTAL_BYTES),
            entries: Cell::new(MAX_TOTAL_GLOB_ENTRIES),
            entries_spent: Cell::new(false),
            refused: RefCell::default(),
        })
    }

    /// Paths that were refused, each with why.
    pub fn refusals(&self) -> Vec<String> {
        self.refused.borrow().clone()
    }

    fn refuse(&self, path: &Path, why: &str) -> String {
        let message = format!("{}: not read: {why}", path.display());
        self.refused.borrow_mut().push(message.clone());
        message
    }

    /// The real path of `path` (as a daemon names it, `/etc/...`) inside
    /// the directory. `Ok(None)`: it does not exist.
    fn resolve(&self, path: &Path) -> std::result::Result<Option<PathBuf>, String> {
        let mut lexical = PathBuf::from("/");
        for part in path.components() {
            match part {
                Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
                Component::ParentDir => {
                    lexical.pop();
                }
                Component::Normal(p) => lexical.push(p),
            }
        }
        let Ok(rest) = lexical.strip_prefix("/etc") else {
            return Err(self.refuse(path, "outside the audited directory (it stands for /etc)"));
        };
        let real = match self.root.join(rest).canonicalize() {
            Ok(real) => real,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.refuse(path, &e.to_string())),
        };
        if !real.starts_with(&self.root) {
            return Err(self.refuse(path, "a link that leads outside the audited directory"));
        }
        Ok(Some(real))
    }

    fn read_confined(&self, path: &Path) -> std::result::Result<String, String> {
        let Some(real) = self.resolve(path)? else {
            return Err("no such file".into());
        };
        // Non-blocking: opening a FIFO must not wait for a writer. No
        // following links: the path was resolved already.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
            .open(&real)
            .map_err(|e| self.refuse(path, &e.to_string()))?;
        // The path was checked, then opened: a directory of it swapped for
        // a link in between would lead the open outside. What was opened is
        // checked, not the path.
        self.opened_inside(&file, path)?;
        let meta = file.metadata().map_err(|e| self.refuse(path, &e.to_string()))?;
        if !meta.is_file() {
            return Err(self.refuse(path, "not a regular file"));
        }
        // A second name for a file: it could be any file of this filesystem
        // (/etc/shadow hard-linked into the directory).
        if std::os::unix::fs::MetadataExt::nlink(&meta) > 1 {
            return Err(self.refuse(path, "a hard link (it has other names outside this file)"));
        }
        let cap = MAX_FILE_BYTES.min(self.budget.get());
        if meta.len() > cap {
            let why = if cap < MAX_FILE_BYTES {
                format!("the directory's files exceed {} MiB in all", MAX_TOTAL_BYTES >> 20)
            } else {
                format!("larger than {} MiB", MAX_FILE_BYTES >> 20)
            };
            return Err(self.refuse(path, &why));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.take(cap + 1).read_to_end(&mut bytes).map_err(|e| self.refuse(path, &e.to_string()))?;
        if bytes.len() as u64 > cap {
            return Err(self.refuse(path, "grew while it was read"));
        }
        self.budget.set(self.budget.get() - bytes.len() as u64);
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Whether an open file (or directory) is inside the directory, as the
    /// kernel names it now (`/proc/self/fd`): whatever the path did while it
    /// was opened. Refused when that cannot be told.
    fn opened_inside(&self, file: &std::fs::File, path: &Path) -> std::result::Result<(), String> {
        use std::os::fd::AsRawFd;
        let fd = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        match std::fs::read_link(&fd) {
            Ok(real) if real.starts_with(&self.root) => Ok(()),
            Ok(_) => Err(self.refuse(path, "it led outside the audited directory while it was opened")),
            Err(e) => Err(self.refuse(path, &format!("cannot tell where it was opened (/proc/self/fd: {e})"))),
        }
    }

    /// Lists a directory that resolved inside, confirming the directory
    /// opened is still inside; at most the entries left in the budget.
    fn list(&self, dir: &Path, real: &Path) -> Vec<String> {
        let left = self.entries.get();
        let Ok(handle) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_DIRECTORY)
            .open(real)
        else {
            return vec![];
        };
        if self.opened_inside(&handle, dir).is_err() {
            return vec![];
        }
        use std::os::fd::AsRawFd;
        let Ok(rd) = std::fs::read_dir(format!("/proc/self/fd/{}", handle.as_raw_fd())) else { return vec![] };
        let mut seen = 0;
        let names = rd
            .take(MAX_GLOB_ENTRIES.min(left))
            .inspect(|_| seen += 1)
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .collect();
        self.entries.set(left.saturating_sub(seen));
        names
    }

    fn exists(&self, path: &Path) -> bool {
        matches!(self.resolve(path), Ok(Some(_)))
    }
}

impl Files for FsFiles {
    fn read(&self, path: &Path) -> std::result::Result<String, String> {
        self.read_confined(path)
    }

    /// glob(3) over the directory: each component with wildcards matched
    /// against the entries of the directories found so far (within the
    /// entry budget), existing paths only, in glob(3)'s order.
    fn glob(&self, pattern: &Path) -> Vec<PathBuf> {
        let mut found = vec![PathBuf::from("/")];
        for part in pattern.components() {
            let part = match part {
                Component::Normal(p) => p.to_string_lossy().into_owned(),
                Component::ParentDir => "..".to_string(),
                Component::RootDir | Component::CurDir | Component::Prefix(_) => continue,
            };
            if !nasguard_parse::is_glob(&part) {
                for f in &mut found {
                    f.push(&part);
                }
                continue;
            }
            let mut next = vec![];
            for dir in &found {
                if self.entries.get() == 0 {
                    // Named once: the budget is for all globs together.
                    if !self.entries_spent.replace(true) {
                        self.refuse(
                            dir,
                            &format!(
                                "more than {MAX_TOTAL_GLOB_ENTRIES} directory entries listed by includes in all; no more globs expanded"
                            ),
                        );
                    }
                    break;
                }
                let Ok(Some(real)) = self.resolve(dir) else { continue };
                next.extend(
                    self.list(dir, &real)
                        .into_iter()
                        .filter(|n| nasguard_parse::glob_match(&part, n))
                        .map(|n| dir.join(n)),
                );
            }
            next.truncate(MAX_GLOB_ENTRIES);
            found = next;
        }
        found.retain(|p| self.exists(p));
        nasguard_parse::glob_sort(&mut found);
        found
    }
}

/// The most directory entries a glob looks at.
const MAX_GLOB_ENTRIES: usize = 4096;
/// The most directory entries all globs of one directory look at together.
pub const MAX_TOTAL_GLOB_ENTRIES: usize = 16384;

/// What was read from a config directory.
pub struct Scanned {
    pub imported: Imported,
    /// The services whose files were found.
    pub services: Vec<Service>,
    /// The files read, as the daemon would name them (`/etc/...`).
    pub files: Vec<PathBuf>,
    /// Files that hold exports or iSCSI targets (as `files` names them).
    pub holding_settings: Vec<PathBuf>,
    pub diagnostics: Vec<String>,
}

/// Reads DIR as an `/etc`: samba/smb.conf, ssh/sshd_config, exports and
/// exports.d/*.exports, ganesha/ganesha.conf, tgt/targets.conf and
/// tgt/conf.d/*.conf, rtslib-fb-target/saveconfig.json (LIO).
pub fn scan(etc: &Path) -> Result<Scanned> {
    scan_for(etc, None)
}

/// [`scan`] for a deployment: its iSCSI backend's files decide (without
/// one, LIO's saved configuration when it holds anything, else tgt's).
pub fn scan_for(etc: &Path, backends: Option<Backends>) -> Result<Scanned> {
    let fs = FsFiles::new(etc).map_err(|source| OpsError::Io { path: etc.to_path_buf(), source })?;
    let mut imported = Imported::default();
    let mut services = vec![];
    let mut files = vec![];
    let mut holding_settings: Vec<PathBuf> = vec![];
    let mut diagnostics = vec![];
    // The messages shown, so a refusal is named once (a set: there can be
    // thousands).
    let shown: RefCell<std::collections::HashSet<String>> = RefCell::default();
    let show = |l: &Loc, m: &str| {
        shown.borrow_mut().insert(m.to_string());
        format!("{}:{}: {m}", l.file.display(), l.line)
    };
    let smb = PathBuf::from("/etc/samba/smb.conf");
    if fs.exists(&smb) {
        let conf = nasguard_parse::smb::parse(&smb, &fs);
        diagnostics.extend(conf.diags.iter().map(|d| show(&d.loc, &d.message)));
        import_smb(&conf, &mut imported);
        services.push(Service::Smb);
        files.push(smb);
    }
    let sshd = PathBuf::from("/etc/ssh/sshd_config");
    if fs.exists(&sshd) {
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
        if let Ok(text) = fs.read(&f) {
            nasguard_parse::exports::parse(&text, &f, &mut exports);
            files.push(f);
        }
    }
    let ganesha = PathBuf::from("/etc/ganesha/ganesha.conf");
    let ganesha_text = fs.read(&ganesha).ok();
    if !exports.exports.is_empty() || ganesha_text.is_some() {
        services.push(Service::Nfs);
    }
    diagnostics.extend(exports.diags.iter().map(|d| show(&d.loc, &d.message)));
    for e in &exports.exports {
        if !holding_settings.contains(&e.loc.file) {
            holding_settings.push(e.loc.file.clone());
        }
    }
    import_exports(&exports, &mut imported);
    if let Some(text) = ganesha_text {
        let (top, diags) = nasguard_parse::ganesha::parse(&text, &ganesha);
        diagnostics.extend(diags.iter().map(|d| show(&d.loc, &d.message)));
        import_ganesha(&top, &mut imported);
        files.push(ganesha);
    }
    let lio_file = PathBuf::from("/etc/rtslib-fb-target/saveconfig.json");
    let lio = fs.read(&lio_file).ok().map(|text| nasguard_parse::lio::parse(&text, &lio_file));
    let lio_has = lio.as_ref().is_some_and(|c| !c.targets.is_empty() || !c.storage_objects.is_empty());
    let use_lio = match backends.map(|b| b.iscsi) {
        Some(IscsiBackend::Lio) => true,
        Some(IscsiBackend::Tgt) => false,
        None => lio_has,
    };
    if use_lio {
        if let Some(conf) = &lio {
            files.push(lio_file.clone());
            diagnostics.extend(conf.diags.iter().map(|d| show(&d.loc, &d.message)));
            if lio_has {
                services.push(Service::Iscsi);
                import_lio(conf, &mut imported);
            }
        }
        return finish(fs, Scanned { imported, services, files, holding_settings, diagnostics }, shown.into_inner());
    }
    let mut tgt_files = vec![PathBuf::from("/etc/tgt/targets.conf")];
    tgt_files.extend(fs.glob(Path::new("/etc/tgt/conf.d/*.conf")));
    let mut tgt = nasguard_parse::tgt::TgtConf::default();
    for f in tgt_files {
        if let Ok(text) = fs.read(&f) {
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
        for t in &tgt.targets {
            if !holding_settings.contains(&t.loc.file) {
                holding_settings.push(t.loc.file.clone());
            }
        }
        import_tgt(&tgt, &mut imported);
    }
    finish(fs, Scanned { imported, services, files, holding_settings, diagnostics }, shown.into_inner())
}

/// Adds what the file reader refused, each once (`shown`: the messages shown already).
fn finish(fs: FsFiles, mut scanned: Scanned, mut shown: std::collections::HashSet<String>) -> Result<Scanned> {
    for refused in fs.refusals() {
        if shown.insert(refused.clone()) {
            scanned.diagnostics.push(refused);
        }
    }
    Ok(scanned)
}

/// Audits the files under `etc` with the same rules, each finding pointing
/// at the file and line that set it. Touches no store.
pub fn audit_config_dir(etc: &Path, facts: &Facts) -> Result<(Report, Scanned)> {
    let scanned = scan(etc)?;
    let findings = nasguard_policy::audit(&scanned.imported.config, facts)
        .into_iter()
        .filter(|f| scanned.services.contains(&f.service))
        .map(|mut f| {
            let field = f.field.as_deref().or_else(|| find_rule(&f.rule).and_then(|r| r.info.field));
            let loc = scanned.imported.locate(&f.object.to_string(), field).or_else(|| {
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
    Ok((Report::new(findings, vec![]), scanned))
}

/// Where imported settings came from, to name what stays behind.
pub(crate) struct ImportSources {
    pub ssh: &'static str,
    pub smb_global: &'static str,
    pub smb_share: &'static str,
}

impl ImportSources {
    pub const CONFIG_DIR: ImportSources =
        ImportSources { ssh: "sshd_config", smb_global: "smb.conf [global]", smb_share: "smb.conf" };
}

/// What the importers produced, made storable: nasguard writes the
/// raw-judged Samba parameters itself, and what sshd or Samba does but
/// nasguard refuses stays behind, each line named (the dangerous ones with
/// their rule, as the audit reports them). Shared by `import --from` and
/// `import --truenas-config`.
pub(crate) fn keep_importable(from: &mut Config, notes: &mut Vec<String>, src: &ImportSources) {
    // nasguard writes the raw-judged Samba parameters itself.
    let (lines, _) = nasguard_model::parse_smb_aux(&from.smb.smb_options);
    from.smb.smb_options = lines
        .iter()
        .filter(|l| !SMB_RAW_JUDGED.contains(&l.key.as_str()))
        .map(|l| format!("{} = {}", l.key, l.value))
        .collect::<Vec<_>>()
        .join("\n");
    // What sshd does but nasguard refuses stays behind, each line named
    // (the dangerous ones with their rule, as `audit --config-dir` reports them).
    let (kept, refused) = nasguard_model::ssh::retain_valid_options(&from.ssh.options);
    from.ssh.options = kept;
    notes.extend(refused.into_iter().map(|why| format!("{}: not imported: {why}", src.ssh)));
    let (kept, refused) = nasguard_model::retain_valid_smb_aux(&from.smb.smb_options, true, None);
    from.smb.smb_options = kept;
    notes.extend(refused.into_iter().map(|why| format!("{}: not imported: {why}", src.smb_global)));
    for share in &mut from.smb_shares {
        // `hosts allow = ALL` admits every host, as an empty list does,
        // which is how nasguard says it (SMB-014 flags the file).
        if let Some(why) = share.hostsallow_admits_everyone() {
            notes.push(format!("{} [{}]: hosts allow {why}: imported as no restriction", src.smb_share, share.name));
            share.hostsallow.clear();
        }
        // The importer spells out Samba's empty default for SMB-012;
        // nasguard renders root there itself.
        if nasguard_model::smb_invalid_users(&share.auxsmbconf).is_some_and(|names| names.is_empty()) {
            let (lines, _) = nasguard_model::parse_smb_aux(&share.auxsmbconf);
            share.auxsmbconf = lines
                .iter()
                .filter(|l| l.key != "invalid users")
                .map(|l| format!("{} = {}", l.key, l.value))
                .collect::<Vec<_>>()
                .join("\n");
        }
        let (kept, refused) = nasguard_model::retain_valid_smb_aux(&share.auxsmbconf, false, Some(share));
        share.auxsmbconf = kept;
        notes.extend(refused.into_iter().map(|why| format!("{} [{}]: not imported: {why}", src.smb_share, share.name)));
    }
}

impl Nasguard {
    /// `import [--from DIR]`: replaces the model of every service whose
    /// files are found. Settings the model cannot hold are listed. From the
    /// host's own /etc (system deployment), the files read become
    /// nasguard's to overwrite and a service left alone at `init` is
    /// managed again.
    pub fn import(&mut self, etc: &Path) -> Result<Changed<Vec<String>>> {
        let deployment = self.store().deployment()?;
        let own_etc =
            !deployment.is_sandbox() && etc.canonicalize().ok() == self.host_root().join("etc").canonicalize().ok();
        let scanned = scan_for(etc, own_etc.then(|| deployment.backends()))?;
        if scanned.services.is_empty() {
            return Err(OpsError::NotFound(format!(
                "no smb.conf, sshd_config, exports, ganesha.conf, targets.conf or LIO saveconfig.json under {}",
                etc.display()
            )));
        }
        let services = scanned.services.clone();
        let revision_before = self.snapshot()?.revision;
        let notes = self.import_scanned(&scanned, &services, &format!("import from {}", etc.display()))?;
        if own_etc {
            self.imported_from_host(&scanned, &services)?;
        }
        let revision = self.snapshot()?.revision.max(revision_before);
        Ok(Changed { value: notes, revision, notes: vec![] })
    }

    /// Replaces the model of `services` with what `scanned` read; returns
    /// what was read and what could not be imported.
    pub(crate) fn import_scanned(
        &mut self,
        scanned: &Scanned,
        services: &[Service],
        summary: &str,
    ) -> Result<Vec<String>> {
        let mut from: Config = scanned.imported.config.clone();
        // [homes] was read for the audit; it is not modelled (noted above).
        from.smb_shares.retain(|s| !s.name.eq_ignore_ascii_case("homes"));
        let mut notes = scanned.imported.unmapped.clone();
        notes.extend(scanned.diagnostics.iter().cloned());
        keep_importable(&mut from, &mut notes, &ImportSources::CONFIG_DIR);
        let services = services.to_vec();
        let files: Vec<String> = scanned.files.iter().map(|f| f.display().to_string()).collect();
        let changed = self.change(summary, move |cfg| {
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
        })?;
        let mut out = changed.value;
        out.extend(changed.notes);
        Ok(out)
    }
}
