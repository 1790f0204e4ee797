//! The SSH service (OpenSSH sshd), with TrueNAS's field names.

use crate::error::Errors;
use crate::keywords::sshd::{HARDENED, SSHD};
use crate::ssh_algos::{self, RECOMMENDED_CIPHERS, RECOMMENDED_HOSTKEY, RECOMMENDED_KEX, RECOMMENDED_MACS};
use crate::ssh_keywords::{self, Keyword, REPEATABLE};
use crate::{Config, ValidationError, text};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// TrueNAS `weak_ciphers`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WeakCipher {
    #[serde(rename = "AES128-CBC")]
    Aes128Cbc,
    /// TrueNAS accepts and silently ignores NONE; nasguard refuses it.
    #[serde(rename = "NONE")]
    None,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct SshService {
    pub tcpport: u16,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub bindip: Vec<IpAddr>,
    /// "Log in as Root with Password" (SSH-001). True renders `PermitRootLogin yes`.
    pub rootlogin: bool,
    /// Root may log in with a key (not a password): `PermitRootLogin
    /// prohibit-password`, Debian's default, kept when a host that relies on
    /// it is adopted. Both false renders `PermitRootLogin no`.
    pub root_key_login: bool,
    /// Password authentication for everyone (SSH-002).
    pub passwordauth: bool,
    /// Groups allowed to log in with a password while `passwordauth` is off.
    pub password_login_groups: Vec<String>,
    pub kerberosauth: bool,
    /// "Allow TCP Port Forwarding" (SSH-003).
    pub tcpfwd: bool,
    pub compression: bool,
    pub sftp_log_level: String,
    pub sftp_log_facility: String,
    /// "Weak Ciphers": adds them to `ciphers` (SSH-004/005).
    pub weak_ciphers: Vec<WeakCipher>,
    /// The `Ciphers` line: the recommended set unless widened.
    pub ciphers: Vec<String>,
    pub macs: Vec<String>,
    pub kex_algorithms: Vec<String>,
    pub hostkey_algorithms: Vec<String>,
    /// Auxiliary parameters: `Keyword args` lines, rendered last.
    pub options: String,
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

impl Default for SshService {
    fn default() -> Self {
        SshService {
            tcpport: 22,
            bindip: vec![],
            rootlogin: false,
            root_key_login: false,
            passwordauth: false,
            password_login_groups: vec![],
            kerberosauth: false,
            tcpfwd: false,
            compression: false,
            sftp_log_level: String::new(),
            sftp_log_facility: String::new(),
            weak_ciphers: vec![],
            ciphers: strings(&RECOMMENDED_CIPHERS),
            macs: strings(&RECOMMENDED_MACS),
            kex_algorithms: strings(&RECOMMENDED_KEX),
            hostkey_algorithms: strings(&RECOMMENDED_HOSTKEY),
            options: String::new(),
        }
    }
}

impl SshService {
    /// The `PermitRootLogin` value these settings render.
    pub fn permit_root_login(&self) -> &'static str {
        if self.rootlogin {
            "yes"
        } else if self.root_key_login {
            "prohibit-password"
        } else {
            "no"
        }
    }

    /// The ciphers sshd will offer: `ciphers` plus `weak_ciphers`.
    pub fn effective_ciphers(&self) -> Vec<String> {
        let mut out = self.ciphers.clone();
        if self.weak_ciphers.contains(&WeakCipher::Aes128Cbc) && !out.iter().any(|c| c == "aes128-cbc") {
            out.push("aes128-cbc".into());
        }
        out
    }

    /// The value sshd will use for a keyword nasguard hardens by default:
    /// the auxiliary option if one sets it, else nasguard's value from
    /// [`HARDENED`](crate::keywords::sshd::HARDENED).
    pub fn effective_option(&self, keyword: &str) -> Option<String> {
        self.option(keyword).or_else(|| {
            HARDENED.iter().find(|h| h.keyword.eq_ignore_ascii_case(keyword)).map(|h| h.nasguard.to_string())
        })
    }

    /// Removes every auxiliary line that sets `keyword`, so the hardened
    /// default applies again (the mechanical fix of rules SSH-010..016).
    pub fn remove_option(&mut self, keyword: &str) {
        let (lines, _) = parse_options(&self.options);
        let drop: Vec<usize> =
            lines.iter().filter(|l| l.keyword.eq_ignore_ascii_case(keyword)).map(|l| l.line).collect();
        self.options = text::without_lines(&self.options, &drop);
    }

    /// The first value of `keyword` in the auxiliary options (sshd keeps the
    /// first), case-insensitively.
    pub fn option(&self, keyword: &str) -> Option<String> {
        parse_options(&self.options).0.into_iter().find(|l| l.keyword.eq_ignore_ascii_case(keyword)).map(|l| l.args)
    }
}

/// One `Keyword args` line of the auxiliary options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshOptionLine {
    pub line: usize,
    /// Lowercase keyword.
    pub keyword: String,
    pub args: String,
}

/// Splits option text into lines; blank and `#` lines are skipped.
pub fn parse_options(text: &str) -> (Vec<SshOptionLine>, Vec<(usize, String)>) {
    let mut lines = vec![];
    let mut errors = vec![];
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // The keyword as sshd delimits it (`Ban"ner"` is Banner), so the
        // allowlist and the rules judge the keyword sshd will apply.
        let (kw, args) = match ssh_keywords::split_sshd_line(line) {
            ssh_keywords::SshdLine::Keyword { keyword, rest } => (keyword, rest.trim().to_string()),
            ssh_keywords::SshdLine::Skipped => (String::new(), String::new()),
        };
        if kw.is_empty() || args.is_empty() {
            errors.push((n, format!("{line:?}: expected \"Keyword arguments\"")));
            continue;
        }
        lines.push(SshOptionLine { line: n, keyword: kw, args });
    }
    (lines, errors)
}

/// Moves option lines that set a field onto it, as the sshd table says
/// (`keywords::sshd`); lines whose value the field cannot hold stay, for
/// validation to refuse naming the field.
pub(crate) fn normalize(svc: &mut SshService) -> Vec<String> {
    let (lines, _) = parse_options(&svc.options);
    let mut notes = vec![];
    let mut moved = vec![];
    for l in lines {
        if let Some(Ok(what)) = SSHD.paste(svc, &l.keyword, &l.args) {
            notes.push(format!(
                "ssh options line {} ({} {}) was moved to the field nasguard owns: {what}",
                l.line, l.keyword, l.args
            ));
            moved.push(l.line);
        }
    }
    if !moved.is_empty() {
        svc.options = text::without_lines(&svc.options, &moved).trim().to_string();
    }
    notes
}

fn algo_list(e: &mut Errors, field: &str, list: &[String], table: ssh_algos::Table) {
    if list.is_empty() {
        e.add(field, "may not be empty");
    }
    for name in list {
        if ssh_algos::classify(table, name).is_none() {
            e.add(field, format!("{name:?} is not an algorithm this OpenSSH knows"));
        }
    }
}

pub(crate) fn validate(cfg: &Config, out: &mut Vec<ValidationError>) {
    let svc = &cfg.ssh;
    let mut e = Errors::new("ssh", out);
    if svc.tcpport == 0 {
        e.add("tcpport", "must be between 1 and 65535");
    }
    for g in &svc.password_login_groups {
        e.check("password_login_groups", text::unix_name(g));
    }
    if svc.weak_ciphers.contains(&WeakCipher::None) {
        e.add(
            "weak_ciphers",
            "OpenSSH has no \"none\" cipher (TrueNAS accepts NONE and ignores it); only AES128-CBC is possible",
        );
    }
    algo_list(&mut e, "ciphers", &svc.ciphers, ssh_algos::CIPHERS);
    algo_list(&mut e, "macs", &svc.macs, ssh_algos::MACS);
    algo_list(&mut e, "kex_algorithms", &svc.kex_algorithms, ssh_algos::KEX);
    algo_list(&mut e, "hostkey_algorithms", &svc.hostkey_algorithms, ssh_algos::HOSTKEY);
    const LEVELS: [&str; 9] = ["", "QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG2", "DEBUG3"];
    if !LEVELS.contains(&svc.sftp_log_level.as_str()) {
        e.add("sftp_log_level", "must be empty or one of QUIET FATAL ERROR INFO VERBOSE DEBUG DEBUG2 DEBUG3");
    }
    const FACILITIES: [&str; 12] =
        ["", "DAEMON", "USER", "AUTH", "LOCAL0", "LOCAL1", "LOCAL2", "LOCAL3", "LOCAL4", "LOCAL5", "LOCAL6", "LOCAL7"];
    if !FACILITIES.contains(&svc.sftp_log_facility.as_str()) {
        e.add("sftp_log_facility", "must be empty or one of DAEMON USER AUTH LOCAL0..LOCAL7");
    }
    validate_options(&svc.options, &mut e);
}

fn validate_options(text: &str, e: &mut Errors) {
    for (n, m) in option_problems(text) {
        e.add("options", if n == 0 { m } else { format!("line {n} {m}") });
    }
}

/// Every refused line of auxiliary option text, as (line number, why).
fn option_problems(text: &str) -> Vec<(usize, String)> {
    if let Err(m) = text::single_line(&text.replace(['\n', '\t'], " ")) {
        return vec![(0, m)];
    }
    let (lines, mut problems) = parse_options(text);
    let mut seen: Vec<&str> = vec![];
    for l in &lines {
        let shown = format!("({} {})", l.keyword, l.args);
        let kw = l.keyword.as_str();
        let why = match ssh_keywords::keyword(kw) {
            Some(Keyword::Owned(field)) => {
                let mut probe = SshService::default();
                match SSHD.paste(&mut probe, kw, &l.args) {
                    Some(Err(m)) => Some(format!("{m}; set {field} instead")),
                    _ => Some(format!("is managed by nasguard: set {field} instead")),
                }
            }
            _ => ssh_keywords::check_option(kw, &l.args).err(),
        };
        let why = why.or_else(|| {
            (seen.contains(&kw) && !REPEATABLE.contains(&kw))
                .then(|| format!("{} is set twice; sshd would use only the first", l.keyword))
        });
        if let Some(why) = why {
            problems.push((l.line, format!("{shown}: {why}")));
        }
        seen.push(kw);
    }
    problems.sort_by_key(|(n, _)| *n);
    problems
}

/// The options text without its refused lines, and each refused line with
/// why: what `import` keeps of a hand-written sshd_config, and what it says
/// it left behind.
pub fn retain_valid_options(text: &str) -> (String, Vec<String>) {
    let problems = option_problems(text);
    if problems.iter().any(|(n, _)| *n == 0) {
        return (String::new(), problems.into_iter().map(|(_, m)| m).collect());
    }
    let drop: Vec<usize> = problems.iter().map(|(n, _)| *n).collect();
    let kept = text::without_lines(text, &drop).trim().to_string();
    (kept, problems.into_iter().map(|(_, m)| m).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(options: &str) -> Vec<String> {
        let cfg = Config { ssh: SshService { options: options.into(), ..Default::default() }, ..Default::default() };
        let mut out = vec![];
        validate(&cfg, &mut out);
        out.into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn reference_ciphers_line_maps_onto_the_field() {
        let line = "Ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com";
        let mut svc = SshService { ciphers: vec!["aes128-cbc".into()], options: line.into(), ..Default::default() };
        let notes = normalize(&mut svc);
        assert_eq!(notes.len(), 1);
        assert_eq!(svc.ciphers, strings(&RECOMMENDED_CIPHERS));
        assert_eq!(svc.options, "");
    }

    #[test]
    fn plus_syntax_widens_the_list() {
        let mut svc = SshService { options: "Ciphers +aes256-cbc".into(), ..Default::default() };
        normalize(&mut svc);
        assert_eq!(svc.ciphers.last().map(String::as_str), Some("aes256-cbc"));
    }

    #[test]
    fn match_include_unknown_and_owned_are_rejected_by_line() {
        let errs = errors(
            "Match User bob\nInclude /etc/ssh/x\nBogusKeyword yes\nPermitRootLogin prohibit-password\nMaxAuthTries 3\nMaxAuthTries 4",
        );
        assert_eq!(errs.len(), 5, "{errs:#?}");
        assert!(errs[3].contains("rootlogin"), "{}", errs[3]);
        assert!(errs[4].starts_with("line 6"), "{}", errs[4]);
    }

    #[test]
    fn unknown_cipher_names_are_rejected() {
        let cfg =
            Config { ssh: SshService { ciphers: vec!["rot13".into()], ..Default::default() }, ..Default::default() };
        let mut out = vec![];
        validate(&cfg, &mut out);
        assert_eq!(out[0].field, "ciphers");
    }

    #[test]
    fn first_value_wins_for_options() {
        let svc = SshService { options: "X11Forwarding no\nx11forwarding yes".into(), ..Default::default() };
        assert_eq!(svc.option("X11Forwarding").as_deref(), Some("no"));
    }
}
