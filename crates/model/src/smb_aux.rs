//! SMB auxiliary parameters: `key = value` lines checked against Samba's
//! parameter table and against the settings nasguard owns.
//!
//! A line that sets something nasguard has a field for is either mapped onto
//! that field (`server signing = mandatory` becomes `server_signing =
//! MANDATORY`, see [`normalize_global`]) or rejected with an error naming the
//! field. So the rendered smb.conf never holds two conflicting lines, and a
//! pasted recommendation is never silently ignored.

use crate::error::Errors;
use crate::keywords::smb::{SMB_GLOBAL, SMB_SHARE, global_owner};
use crate::smb::{SmbService, SmbShare};
use crate::smb_allow;
use crate::smb_params::{SAMBA_PARAMS, SAMBA_SYNONYMS, Scope};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum AuxSection {
    Global,
    Share,
}

/// One parsed line: its number (1-based), the canonical parameter name, and
/// whether the name was an inverted synonym (`writeable` for `read only`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmbAuxLine {
    pub line: usize,
    pub key: String,
    pub inverted: bool,
    pub value: String,
}

/// A parameter name as Samba compares it (`strwicmp`): case and EVERY
/// space ignored, so `forceuser`, `Force  User` and `f o r c e user` are all
/// `force user` (checked against testparm). Underscores are not ignored.
/// Unicode spaces are dropped too, which only ever makes nasguard judge a
/// line Samba would ignore.
pub fn compact_name(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// Samba's parameter table and synonyms keyed by [`compact_name`]:
/// (canonical name, inverted).
static BY_COMPACT: std::sync::LazyLock<std::collections::HashMap<String, (&'static str, bool)>> =
    std::sync::LazyLock::new(|| {
        let mut map = std::collections::HashMap::new();
        for (name, _) in SAMBA_PARAMS {
            map.insert(compact_name(name), (*name, false));
        }
        for (synonym, canonical, inverted) in SAMBA_SYNONYMS {
            map.insert(compact_name(synonym), (*canonical, *inverted));
        }
        map
    });

/// The canonical name of a parameter as Samba resolves it: compared the
/// way Samba compares names ([`compact_name`]), synonyms resolved. A name
/// Samba does not know (a module option `x:y`, a typo) is lowercased with
/// inner whitespace collapsed.
pub fn canonical_name(raw: &str) -> (String, bool) {
    match BY_COMPACT.get(&compact_name(raw)) {
        Some((canonical, inverted)) => ((*canonical).to_string(), *inverted),
        None => (raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase(), false),
    }
}

/// Whether a section header names `[global]` as Samba reads it: `global`
/// or `globals`, case and spaces ignored.
pub fn is_global_section(name: &str) -> bool {
    matches!(compact_name(name).as_str(), "global" | "globals")
}

fn scope_of(key: &str) -> Option<Scope> {
    SAMBA_PARAMS.iter().find(|(name, _)| *name == key).map(|(_, scope)| *scope)
}

/// Splits auxiliary text into lines; blank lines and `#`/`;` comments are
/// skipped. Errors are `(line number, message)`.
pub fn parse(text: &str) -> (Vec<SmbAuxLine>, Vec<(usize, String)>) {
    let mut lines = vec![];
    let mut errors = vec![];
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            errors.push((n, format!("{line:?}: section headers are not allowed; each line is one \"key = value\"")));
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            errors.push((n, format!("{line:?}: auxiliary parameters must be in the format of \"key = value\"")));
            continue;
        };
        let (key, inverted) = canonical_name(k);
        if key.is_empty() {
            errors.push((n, format!("{line:?}: the parameter name is missing")));
            continue;
        }
        lines.push(SmbAuxLine { line: n, key, inverted, value: v.trim().to_string() });
    }
    (lines, errors)
}

/// Parameters no auxiliary line may set: TrueNAS's blocklist, then paths and
/// includes that would escape nasguard's layout.
const BLOCKED: &[&str] = &[
    "state directory",
    "private dir",
    "lock directory",
    "config backend",
    "log level",
    "cache directory",
    "clustering",
    "ctdb socket",
    "socket options",
    "include",
    "wide links",
    "allow insecure wide links",
    "zfs_core:zfs_block_cloning",
    "zfs_core:zfs_integrity_streams",
    "shadow:no_dataset_traversal",
    "use sendfile",
    "vfs objects",
    "config file",
    "copy",
    "pid directory",
    "ncalrpc dir",
    "binddns dir",
    "ntp signd socket directory",
    "usershare path",
    "log file",
    "registry shares",
    "include system krb5 conf",
];

/// Parameters that run a program: an auxiliary line could turn the SMB
/// service into a root shell, so they are refused outright (and rule
/// SMB-015 reports them in configs nasguard imports or audits).
pub fn runs_a_command(key: &str) -> bool {
    key.ends_with(" command")
        || key.ends_with(" script")
        || key.ends_with("exec")
        || key.ends_with(" program")
        || matches!(
            key,
            "panic action"
                | "magic script"
                | "magic output"
                | "preexec close"
                | "root preexec close"
                | "username map script"
                | "dfree command"
                | "passwd chat"
        )
}

/// Global parameters derived from other settings; no field sets them directly.
fn global_managed(key: &str) -> Option<&'static str> {
    Some(match key {
        "lanman auth" => "always \"no\" (LANMAN hashes are broken; SMB-003)",
        "client ntlmv2 auth" | "raw ntlmv2 auth" => "kept at Samba's secure default",
        "map to guest" => "derived from the shares' guestok field (\"Never\" unless a share allows guests)",
        "restrict anonymous" => "always 2 unless a share allows guests",
        "server role" | "security" => "nasguard runs Samba as a standalone server",
        "smb ports" | "disable netbios" => "derived from the deployment (sandbox ports or the system default)",
        "passdb backend" => "managed by nasguard's user commands",
        "load printers" | "printcap name" | "disable spoolss" | "printing" => "printing is always disabled",
        _ => return None,
    })
}

/// Share parameters nasguard writes itself, whatever the fields say.
fn share_managed(key: &str) -> Option<&'static str> {
    Some(match key {
        "ea support" => "always yes (streams_xattr keeps alternate data streams in extended attributes)",
        _ => return None,
    })
}

/// Share parameters nasguard writes from share fields.
fn share_owner(key: &str) -> Option<&'static str> {
    SMB_SHARE.owner(key)
}

/// Samba reads an inverted synonym's value the other way round
/// (`writeable = yes` is `read only = no`).
fn uninverted(value: &str, inverted: bool) -> String {
    match crate::keywords::smb::samba_bool(value) {
        Some(b) if inverted => (if b { "no" } else { "yes" }).to_string(),
        _ => value.to_string(),
    }
}

/// Moves lines that set an owned global parameter onto its field. Returns
/// one note per moved line; lines that cannot be mapped stay, for
/// validation to reject with the reason.
pub(crate) fn normalize_global(svc: &mut SmbService) -> Vec<String> {
    let (lines, _) = parse(&svc.smb_options);
    let mut notes = vec![];
    let mut moved = vec![];
    for l in lines {
        if let Some(Ok(what)) = SMB_GLOBAL.paste(svc, &l.key, &l.value) {
            notes.push(format!(
                "smb_options line {} ({} = {}) was moved to the field nasguard owns: {what}",
                l.line, l.key, l.value
            ));
            moved.push(l.line);
        }
    }
    if !moved.is_empty() {
        svc.smb_options = crate::text::without_lines(&svc.smb_options, &moved).trim().to_string();
    }
    notes.extend(keep_root_invalid(&mut svc.smb_options, "smb_options"));
    notes
}

/// Share counterpart of [`normalize_global`].
pub(crate) fn normalize_share(share: &mut SmbShare) -> Vec<String> {
    let (lines, _) = parse(&share.auxsmbconf);
    let mut notes = vec![];
    let mut moved = vec![];
    for l in lines {
        if let Some(Ok(what)) = SMB_SHARE.paste(share, &l.key, &uninverted(&l.value, l.inverted)) {
            notes.push(format!(
                "smb share {:?}: auxsmbconf line {} ({} = {}) was moved to the field nasguard owns: {what}",
                share.name, l.line, l.key, l.value
            ));
            moved.push(l.line);
        }
    }
    if !moved.is_empty() {
        share.auxsmbconf = crate::text::without_lines(&share.auxsmbconf, &moved).trim().to_string();
    }
    let what = format!("smb share {:?}: auxsmbconf", share.name);
    notes.extend(keep_root_invalid(&mut share.auxsmbconf, &what));
    notes
}

/// Parameters that choose the Unix account file operations run as. They are
/// accepted only naming one unprivileged account or group: never root, never a
/// substitution (`%U` can expand to root). `ops` checks the name against the
/// host's accounts (uid/gid at least UID_MIN/GID_MIN); SMB-012 flags the
/// privileged ones in hand-written configs.
pub const IDENTITY_PARAMETERS: [&str; 2] = ["force user", "force group"];

/// Group names that hold root's powers on Debian and its relatives, whatever
/// their gid on this host.
const PRIVILEGED_GROUPS: &[&str] =
    &["root", "wheel", "sudo", "admin", "adm", "shadow", "disk", "kmem", "staff", "systemd-journal", "lxd", "docker"];

/// Why an account named in `force user` / `force group` is refused on its
/// face (the host check needs the account database, which `ops` reads).
pub fn identity_refusal(key: &str, value: &str) -> Option<String> {
    let name = if key == "force group" { value.strip_prefix('+').unwrap_or(value) } else { value };
    if let Err(m) = crate::text::unix_name(name) {
        return Some(format!("{key} takes one account name: {m}"));
    }
    let privileged = if key == "force group" { PRIVILEGED_GROUPS.contains(&name) } else { name == "root" };
    privileged.then(|| {
        format!(
            "{key} = {value} would make every user of the share act with {name}'s rights: name an unprivileged account"
        )
    })
}

/// Why `key = value` may not be an auxiliary line in `section`, if it may not.
/// The order matters: lines nasguard owns are named with their field first,
/// then the reviewed allowlist decides (see `smb_allow`).
fn refusal(
    key: &str,
    value: &str,
    section: AuxSection,
    share: Option<&SmbShare>,
    svc_for_purpose: &SmbService,
) -> Option<String> {
    if BLOCKED.contains(&key) {
        return Some(format!("{key:?} is a blocked auxiliary parameter: changes to it are not permitted"));
    }
    if runs_a_command(key) {
        return Some(format!("{key:?} runs a program as root and is not permitted as an auxiliary parameter"));
    }
    if let Some((prefix, _)) = key.split_once(':') {
        if matches!(prefix.trim(), "fruit" | "worm" | "zfs_core" | "shadow" | "streams_xattr") {
            return Some(format!(
                "{key:?} belongs to a VFS module nasguard configures (aapl_extensions and the share purpose)"
            ));
        }
        return Some(format!(
            "{key:?} is a module option; nasguard accepts no module options as auxiliary parameters (they were never reviewed as harmless)"
        ));
    }
    let scope = scope_of(key);
    if scope.is_none() {
        return Some(format!("{key:?} is not a Samba parameter"));
    }
    if section == AuxSection::Share && scope == Some(Scope::Global) {
        return Some(format!("{key:?} is a global parameter: put it in the SMB service's smb_options"));
    }
    if let Some(field) = global_owner(key) {
        return Some(format!("{key:?} is managed by nasguard: set the SMB service field {field} instead"));
    }
    if let Some(why) = global_managed(key) {
        return Some(format!("{key:?} is managed by nasguard: {why}"));
    }
    match section {
        AuxSection::Share => {
            if let Some(field) = share_owner(key) {
                return Some(format!("{key:?} is managed by nasguard: set the share field {field} instead"));
            }
            if let Some(why) = share_managed(key) {
                return Some(format!("{key:?} is managed by nasguard: {why}"));
            }
            if let Some(share) = share
                && share.purpose_parameters(svc_for_purpose).iter().any(|(k, _)| *k == key)
            {
                return Some(format!(
                    "{key:?} is set by the share purpose {}: choose purpose NO_PRESET to set it yourself",
                    share.purpose.name()
                ));
            }
        }
        AuxSection::Global => {
            if (share_owner(key).is_some() || share_managed(key).is_some()) && key != "available" {
                return Some(format!("{key:?} is a share setting: set it on each share"));
            }
        }
    }
    if IDENTITY_PARAMETERS.contains(&key) {
        return identity_refusal(key, value);
    }
    if smb_allow::allowed(key).is_none() {
        return Some(match smb_allow::refused_reason(key) {
            Some(reason) => format!("{key:?} is not accepted as an auxiliary parameter: it {reason}"),
            None => format!("{key:?} is not on nasguard's reviewed list of harmless Samba parameters"),
        });
    }
    smb_allow::check(key, value).err().map(|m| format!("{key} = {value}: {m}"))
}

/// Whether one `key = value` line would be accepted as an auxiliary
/// parameter (global section or a share's), and why not.
pub fn check_line(key: &str, value: &str, global: bool) -> Result<(), String> {
    let (key, _) = canonical_name(key);
    let section = if global { AuxSection::Global } else { AuxSection::Share };
    if let Some(why) = refusal(&key, value, section, None, &SmbService::default()) {
        return Err(why);
    }
    crate::text::smb_value(value)
}

pub(crate) fn validate(text: &str, section: AuxSection, share: Option<&SmbShare>, field: &str, e: &mut Errors) {
    for (n, m) in problems(text, section, share) {
        e.add(field, if n == 0 { m } else { format!("line {n} {m}") });
    }
}

/// Every refused line of auxiliary text, as (line number, why); line 0 is
/// the text as a whole.
fn problems(text: &str, section: AuxSection, share: Option<&SmbShare>) -> Vec<(usize, String)> {
    // Tabs are harmless (the renderer writes canonical "key = value" lines);
    // every other control character is refused before parsing.
    if let Err(m) = crate::text::single_line(&text.replace(['\n', '\t'], " ")) {
        return vec![(0, m)];
    }
    let (lines, mut problems) = parse(text);
    // Purpose parameters depend on aapl_extensions only for fruit:*, which
    // is refused above anyway, so the default service is enough here.
    let svc = SmbService::default();
    let mut seen: Vec<&str> = vec![];
    for l in &lines {
        let shown = format!("({} = {})", l.key, l.value);
        if section == AuxSection::Global {
            let mut probe = SmbService::default();
            if let Some(Err(m)) = SMB_GLOBAL.paste(&mut probe, &l.key, &l.value) {
                problems.push((l.line, format!("{shown}: {m}")));
                continue;
            }
        }
        if let Some(why) = refusal(&l.key, &l.value, section, share, &svc) {
            problems.push((l.line, format!("{shown}: {why}")));
            continue;
        }
        if let Err(m) = crate::text::smb_value(&l.value) {
            problems.push((l.line, format!("{shown}: the value {m}")));
        }
        if seen.contains(&l.key.as_str()) {
            problems.push((l.line, format!("{shown}: {:?} is set twice", l.key)));
        }
        seen.push(&l.key);
    }
    problems.sort_by_key(|(n, _)| *n);
    problems
}

/// The auxiliary text without its refused lines, and why each was refused:
/// what `import` keeps of a hand-written smb.conf and what it says it left.
pub fn retain_valid(text: &str, global: bool, share: Option<&SmbShare>) -> (String, Vec<String>) {
    let section = if global { AuxSection::Global } else { AuxSection::Share };
    let problems = problems(text, section, share);
    if problems.iter().any(|(n, _)| *n == 0) {
        return (String::new(), problems.into_iter().map(|(_, m)| m).collect());
    }
    let drop: Vec<usize> = problems.iter().map(|(n, _)| *n).collect();
    let kept = crate::text::without_lines(text, &drop).trim().to_string();
    (kept, problems.into_iter().map(|(_, m)| m).collect())
}

/// The names of an `invalid users` line, if the text has one.
pub fn invalid_users(text: &str) -> Option<Vec<String>> {
    let (lines, _) = parse(text);
    lines
        .into_iter()
        .find(|l| l.key == "invalid users")
        .map(|l| l.value.split([',', ' ', '\t']).filter(|s| !s.is_empty()).map(String::from).collect())
}

/// nasguard keeps root invalid on every share (SMB-012): an `invalid users`
/// line of the admin's gets root added rather than being overridden.
fn keep_root_invalid(text: &mut String, what: &str) -> Option<String> {
    let names = invalid_users(text)?;
    if names.iter().any(|n| n == "root") {
        return None;
    }
    let (lines, _) = parse(text);
    let line = lines.iter().find(|l| l.key == "invalid users")?;
    let value = std::iter::once("root".to_string()).chain(names).collect::<Vec<_>>().join(" ");
    let rebuilt: Vec<String> = text
        .split('\n')
        .enumerate()
        .map(|(i, raw)| if i + 1 == line.line { format!("invalid users = {value}") } else { raw.to_string() })
        .collect();
    *text = rebuilt.join("\n");
    Some(format!("{what}: root was added to invalid users (nasguard keeps root invalid on every share; SMB-012)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ValidationError;
    use crate::smb::{MinProtocol, ServerSigning};

    fn errors(text: &str, section: AuxSection) -> Vec<String> {
        let mut out: Vec<ValidationError> = vec![];
        let mut e = Errors::new("smb", &mut out);
        validate(text, section, None, "smb_options", &mut e);
        out.into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn reference_signing_line_maps_onto_the_field() {
        let mut svc = SmbService {
            server_signing: ServerSigning::Default,
            smb_options: "server signing = mandatory".into(),
            ..Default::default()
        };
        let notes = normalize_global(&mut svc);
        assert_eq!(svc.server_signing, ServerSigning::Mandatory);
        assert_eq!(svc.smb_options, "");
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("server_signing=MANDATORY"), "{notes:?}");
    }

    #[test]
    fn synonyms_and_case_are_resolved() {
        let mut svc = SmbService { smb_options: "Min   Protocol = NT1\nkeep me = x".into(), ..Default::default() };
        normalize_global(&mut svc);
        assert_eq!(svc.minimum_protocol, MinProtocol::Smb1);
        assert_eq!(svc.smb_options, "keep me = x");
    }

    #[test]
    fn unmappable_owned_value_is_rejected_naming_the_field() {
        let errs = errors("server signing = disabled", AuxSection::Global);
        assert_eq!(errs.len(), 1);
        assert!(errs[0].contains("server_signing"), "{errs:?}");
    }

    #[test]
    fn structural_and_dangerous_lines_are_rejected_with_line_numbers() {
        let text = "[global]\ninclude = /etc/evil.conf\nroot preexec = /bin/sh\nnonsense parameter = 1\nno equals sign\nlanman auth = yes\nlog level = 10";
        let errs = errors(text, AuxSection::Global);
        assert_eq!(errs.len(), 7, "{errs:#?}");
        for (i, e) in errs.iter().enumerate() {
            assert!(e.starts_with(&format!("line {}", i + 1)), "{e}");
        }
    }

    #[test]
    fn trailing_backslash_cannot_continue_onto_a_new_line() {
        let errs = errors("server string = x\\", AuxSection::Global);
        assert!(!errs.is_empty());
    }

    #[test]
    fn global_parameter_in_share_is_rejected() {
        let errs = errors("workgroup = X", AuxSection::Share);
        assert!(errs[0].contains("global"), "{errs:?}");
    }

    #[test]
    fn share_synonym_is_mapped_with_inversion() {
        let mut share = SmbShare { auxsmbconf: "writeable = no\ncomment = hello".into(), ..Default::default() };
        normalize_share(&mut share);
        assert!(share.readonly);
        assert_eq!(share.comment, "hello");
        assert_eq!(share.auxsmbconf, "");
    }

    #[test]
    fn unreviewed_and_identity_parameters_are_refused() {
        for line in [
            "fruit2:x = 1",
            "idmap config * : backend = tdb",
            "acl_xattr:ignore system acls = yes",
            "username map = /etc/samba/map",
            "inherit owner = yes",
            "guest only = yes",
        ] {
            assert_eq!(errors(line, AuxSection::Share).len() + errors(line, AuxSection::Global).len(), 2, "{line}");
        }
        for line in [
            "force user = root",
            "force user = %U",
            "force user = alice bob",
            "force group = wheel",
            "force group = +sudo",
        ] {
            assert_eq!(errors(line, AuxSection::Share).len(), 1, "{line}");
        }
        assert!(errors("force user = media\nforce group = +media", AuxSection::Share).is_empty());
    }

    #[test]
    fn ordinary_parameters_are_accepted() {
        assert!(errors("max log size = 1000\ndeadtime = 15", AuxSection::Global).is_empty());
        assert!(errors("veto files = /.DS_Store/\nstrict sync = yes", AuxSection::Share).is_empty());
    }
}
