//! Every sshd keyword of OpenSSH 9.2, and what an auxiliary option may do
//! with it.
//!
//! **Security invariant:** an auxiliary option (`ssh.options`) reaches sshd,
//! which runs as root, only if its keyword is on this reviewed allowlist and
//! its value passes the keyword's check. A keyword is allowed when every
//! value its check accepts is harmless: it cannot run a program, make sshd
//! read a file or load a library, set the environment of sessions, or change
//! the structure of the file (Match, Include). Keywords nasguard writes
//! itself are owned by a field. Everything else is refused, naming the reason;
//! in configs nasguard imports or audits, the dangerous ones are reported by
//! rule SSH-018 instead of being dropped silently.

/// What an auxiliary option may do with a keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyword {
    /// nasguard writes it: the field (or the deployment) that sets it.
    Owned(&'static str),
    /// Harmless for every value the check accepts.
    Allowed(Value),
    /// Never accepted (except `none`, where sshd reads that as "off").
    Refused(Danger),
}

/// Why a keyword is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Danger {
    RunsProgram,
    ChoosesAccount,
    ReadsFile,
    ShowsFile,
    LoadsLibrary,
    SetsEnvironment,
    Structure,
    NotOnLinux,
}

impl Danger {
    pub fn reason(self) -> &'static str {
        match self {
            Danger::RunsProgram => "runs a program (sshd runs as root) instead of a setting nasguard can check",
            Danger::ChoosesAccount => "chooses the account a command runs as",
            Danger::ReadsFile => "makes sshd, as root, read a file or socket nasguard does not manage",
            Danger::ShowsFile => "shows a file's content to every client before it authenticates",
            Danger::LoadsLibrary => "loads a library into sshd",
            Danger::SetsEnvironment => "sets environment variables (such as LD_PRELOAD) in every session",
            Danger::Structure => "changes the file's structure: it would apply to nasguard's own lines too",
            Danger::NotOnLinux => "routing domains exist only on OpenBSD",
        }
    }

    /// A danger to the host (rule SSH-018), not just an unsupported form.
    pub fn is_host_risk(self) -> bool {
        !matches!(self, Danger::Structure | Danger::NotOnLinux)
    }
}

/// How an allowed keyword's value is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    YesNo,
    /// One of these words, case-insensitively.
    OneOf(&'static [&'static str]),
    Count {
        min: u32,
        max: u32,
    },
    /// sshd's time format: `90`, `1h30m`.
    Time,
    /// A time, or `none`.
    TimeOrNone,
    /// User or group patterns (AllowUsers...): they only narrow who logs in.
    Names,
    /// Locale variables a client may send (AcceptEnv).
    LocaleNames,
    /// An algorithm list, with OpenSSH's `+`, `-`, `^` prefixes.
    Algorithms,
    /// `publickey,password ...` or `any`.
    AuthMethods,
    /// `host:port` destinations, `any` or `none` (PermitOpen, PermitListen).
    Destinations,
    /// `start[:rate:full]`.
    MaxStartups,
    /// A count or `none`.
    CountOrNone,
    /// `ipv4bits[:ipv6bits]`.
    NetBlockSize,
    /// `default|none|SIZE [TIME|none]`.
    RekeyLimit,
    /// One or two DSCP names or numbers.
    IpQos,
    /// `type=time ...` or `none`.
    ChannelTimeout,
    /// A file mode such as `0177`.
    Umask,
    /// `file:function:line` patterns for debug logging.
    LogVerbose,
    /// `none`, `touch-required`, `verify-required`.
    PubkeyAuthOptions,
}

use Danger::*;
use Keyword::{Allowed, Owned, Refused};
use Value::*;

const DEPLOYMENT: &str = "the deployment (nasguard writes it)";

/// Every keyword sshd 9.2 accepts (what `sshd -T` prints, plus access lists,
/// Subsystem, AcceptEnv and aliases), lowercase, sorted.
pub const SSHD_KEYWORDS: &[(&str, Keyword)] = &[
    ("acceptenv", Allowed(LocaleNames)),
    ("addressfamily", Allowed(OneOf(&["any", "inet", "inet6"]))),
    ("allowagentforwarding", Allowed(YesNo)),
    ("allowgroups", Allowed(Names)),
    ("allowstreamlocalforwarding", Allowed(OneOf(&["yes", "all", "no", "local", "remote"]))),
    ("allowtcpforwarding", Owned("the field tcpfwd")),
    ("allowusers", Allowed(Names)),
    ("authenticationmethods", Allowed(AuthMethods)),
    ("authorizedkeyscommand", Refused(RunsProgram)),
    ("authorizedkeyscommanduser", Refused(ChoosesAccount)),
    ("authorizedkeysfile", Owned(DEPLOYMENT)),
    ("authorizedprincipalscommand", Refused(RunsProgram)),
    ("authorizedprincipalscommanduser", Refused(ChoosesAccount)),
    ("authorizedprincipalsfile", Refused(ReadsFile)),
    ("banner", Refused(ShowsFile)),
    ("casignaturealgorithms", Allowed(Algorithms)),
    ("challengeresponseauthentication", Owned("the field passwordauth (it follows it)")),
    ("channeltimeout", Allowed(ChannelTimeout)),
    ("chrootdirectory", Refused(ReadsFile)),
    ("ciphers", Owned("the field ciphers (or weak_ciphers)")),
    ("clientalivecountmax", Allowed(Count { min: 0, max: 1000 })),
    ("clientaliveinterval", Allowed(Time)),
    ("compression", Owned("the field compression")),
    ("denygroups", Allowed(Names)),
    ("denyusers", Allowed(Names)),
    ("disableforwarding", Allowed(YesNo)),
    ("exposeauthinfo", Allowed(YesNo)),
    ("fingerprinthash", Allowed(OneOf(&["md5", "sha256"]))),
    ("forcecommand", Refused(RunsProgram)),
    ("gatewayports", Allowed(OneOf(&["yes", "no", "clientspecified"]))),
    ("gssapiauthentication", Owned("the field kerberosauth")),
    ("gssapicleanupcredentials", Allowed(YesNo)),
    ("gssapikexalgorithms", Allowed(Algorithms)),
    ("gssapikeyexchange", Allowed(YesNo)),
    ("gssapistorecredentialsonrekey", Allowed(YesNo)),
    ("gssapistrictacceptorcheck", Allowed(YesNo)),
    ("hostbasedacceptedalgorithms", Allowed(Algorithms)),
    ("hostbasedacceptedkeytypes", Allowed(Algorithms)),
    ("hostbasedauthentication", Allowed(YesNo)),
    ("hostbasedusesnamefrompacketonly", Allowed(YesNo)),
    ("hostcertificate", Refused(ReadsFile)),
    ("hostkey", Owned(DEPLOYMENT)),
    ("hostkeyagent", Refused(ReadsFile)),
    ("hostkeyalgorithms", Owned("the field hostkey_algorithms")),
    ("ignorerhosts", Allowed(YesNo)),
    ("ignoreuserknownhosts", Allowed(YesNo)),
    ("include", Refused(Structure)),
    ("ipqos", Allowed(IpQos)),
    ("kbdinteractiveauthentication", Owned("the field passwordauth (it follows it)")),
    ("kerberosauthentication", Owned("the field kerberosauth")),
    ("kerberosgetafstoken", Allowed(YesNo)),
    ("kerberosorlocalpasswd", Allowed(YesNo)),
    ("kerberosticketcleanup", Allowed(YesNo)),
    ("kexalgorithms", Owned("the field kex_algorithms")),
    ("listenaddress", Owned("the field bindip")),
    ("logingracetime", Allowed(Time)),
    (
        "loglevel",
        Allowed(OneOf(&["quiet", "fatal", "error", "info", "verbose", "debug", "debug1", "debug2", "debug3"])),
    ),
    ("logverbose", Allowed(LogVerbose)),
    ("macs", Owned("the field macs")),
    ("match", Refused(Structure)),
    ("maxauthtries", Allowed(Count { min: 1, max: 100 })),
    ("maxsessions", Allowed(Count { min: 0, max: 1000 })),
    ("maxstartups", Allowed(MaxStartups)),
    ("modulifile", Refused(ReadsFile)),
    ("passwordauthentication", Owned("the field passwordauth")),
    ("permitemptypasswords", Allowed(YesNo)),
    ("permitlisten", Allowed(Destinations)),
    ("permitopen", Allowed(Destinations)),
    ("permitrootlogin", Owned("the fields rootlogin and root_key_login")),
    ("permittty", Allowed(YesNo)),
    ("permittunnel", Allowed(OneOf(&["yes", "no", "point-to-point", "ethernet"]))),
    ("permituserenvironment", Allowed(YesNo)),
    ("permituserrc", Allowed(YesNo)),
    ("persourcemaxstartups", Allowed(CountOrNone)),
    ("persourcenetblocksize", Allowed(NetBlockSize)),
    ("pidfile", Owned(DEPLOYMENT)),
    ("port", Owned("the field tcpport")),
    ("printlastlog", Allowed(YesNo)),
    ("printmotd", Owned(DEPLOYMENT)),
    ("pubkeyacceptedalgorithms", Allowed(Algorithms)),
    ("pubkeyacceptedkeytypes", Allowed(Algorithms)),
    ("pubkeyauthentication", Owned("the deployment (public keys are always on)")),
    ("pubkeyauthoptions", Allowed(PubkeyAuthOptions)),
    ("rdomain", Refused(NotOnLinux)),
    ("rekeylimit", Allowed(RekeyLimit)),
    ("requiredrsasize", Allowed(Count { min: 1024, max: 16384 })),
    ("revokedkeys", Refused(ReadsFile)),
    ("securitykeyprovider", Refused(LoadsLibrary)),
    ("setenv", Refused(SetsEnvironment)),
    ("streamlocalbindmask", Allowed(Umask)),
    ("streamlocalbindunlink", Allowed(YesNo)),
    ("strictmodes", Owned(DEPLOYMENT)),
    ("subsystem", Owned("the fields sftp_log_level and sftp_log_facility")),
    (
        "syslogfacility",
        Allowed(OneOf(&[
            "daemon", "user", "auth", "authpriv", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
            "local7",
        ])),
    ),
    ("tcpkeepalive", Allowed(YesNo)),
    ("trustedusercakeys", Refused(ReadsFile)),
    ("unusedconnectiontimeout", Allowed(TimeOrNone)),
    ("usedns", Owned(DEPLOYMENT)),
    ("usepam", Owned(DEPLOYMENT)),
    ("versionaddendum", Owned(DEPLOYMENT)),
    ("x11displayoffset", Allowed(Count { min: 0, max: 1000 })),
    ("x11forwarding", Allowed(YesNo)),
    ("x11uselocalhost", Allowed(YesNo)),
    ("xauthlocation", Refused(RunsProgram)),
];

/// Refused keywords whose value `none` means "off" to sshd: harmless.
const NONE_MEANS_OFF: &[&str] = &[
    "authorizedkeyscommand",
    "authorizedprincipalscommand",
    "authorizedprincipalsfile",
    "banner",
    "chrootdirectory",
    "forcecommand",
    "revokedkeys",
    "trustedusercakeys",
];

/// Keywords sshd accepts several times (each line adds).
pub const REPEATABLE: &[&str] = &["acceptenv", "hostkey", "hostcertificate", "setenv", "permitopen", "permitlisten"];

/// One line of an sshd_config as sshd splits it (servconf.c: `strdelim`
/// takes the keyword, `argv_split` the arguments).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SshdLine {
    /// Blank, a comment, or a keyword sshd cannot delimit (an unmatched
    /// quote): sshd skips the line.
    Skipped,
    /// The keyword (quotes removed, lowercase) and the raw text of its
    /// arguments (after the one `=` or whitespace that ends the keyword).
    Keyword { keyword: String, rest: String },
}

const SSHD_WHITESPACE: &[u8] = b" \t\r\n";

/// sshd's `strdelim` (with `=` as a separator) over `buf` from `*at`:
/// the next token, quotes removed from it as sshd removes them. `None` when
/// sshd's strdelim returns NULL (an unmatched quote, or nothing left).
fn strdelim(buf: &mut Vec<u8>, at: &mut Option<usize>) -> Option<Vec<u8>> {
    let old = (*at)?;
    let skip_ws = |buf: &[u8], from: usize| -> usize {
        from + buf.get(from..).map_or(0, |rest| rest.iter().take_while(|b| SSHD_WHITESPACE.contains(b)).count())
    };
    let Some(i) = buf.get(old..)?.iter().position(|b| SSHD_WHITESPACE.contains(b) || *b == b'"' || *b == b'=') else {
        *at = None;
        return buf.get(old..).map(<[u8]>::to_vec);
    };
    let i = old + i;
    if buf.get(i) == Some(&b'"') {
        // The quote is removed; the token ends at the next quote.
        buf.remove(i);
        let Some(j) = buf.get(i..)?.iter().position(|b| *b == b'"') else {
            *at = None;
            return None;
        };
        let j = i + j;
        let token = buf.get(old..j).map(<[u8]>::to_vec);
        *at = Some(skip_ws(buf, j + 1));
        return token;
    }
    let equals = buf.get(i) == Some(&b'=');
    let token = buf.get(old..i).map(<[u8]>::to_vec);
    let mut next = skip_ws(buf, i + 1);
    if !equals && buf.get(next) == Some(&b'=') {
        next = skip_ws(buf, next + 1);
    }
    *at = Some(next);
    token
}

/// Splits one sshd_config line the way sshd does: trailing whitespace
/// dropped, the keyword delimited by `strdelim` (so `Ban"ner"`,
/// `"Banner"` and `AuthorizedKeysCommand""` are Banner and
/// AuthorizedKeysCommand, and `Keyword=value`, `Keyword = value` split at
/// the one `=`), a leading empty token skipped, a keyword starting with `#`
/// a comment.
pub fn split_sshd_line(line: &str) -> SshdLine {
    let mut buf = line.trim_end_matches([' ', '\t', '\r', '\n', '\x0c']).as_bytes().to_vec();
    let mut at = Some(0);
    let mut keyword = strdelim(&mut buf, &mut at);
    if keyword.as_ref().is_some_and(Vec::is_empty) {
        keyword = strdelim(&mut buf, &mut at);
    }
    let Some(keyword) = keyword.filter(|k| !k.is_empty() && k.first() != Some(&b'#')) else {
        return SshdLine::Skipped;
    };
    let rest = at.and_then(|a| buf.get(a..)).unwrap_or_default();
    SshdLine::Keyword {
        keyword: String::from_utf8_lossy(&keyword).to_lowercase(),
        rest: String::from_utf8_lossy(rest).into_owned(),
    }
}

/// sshd's `argv_split` (terminating on comments): the arguments of a line,
/// split at spaces and tabs, `"..."` and `'...'` quoting anywhere in a
/// token, `\"`, `\'`, `\\` and (outside quotes) `\ ` escapes, a token that
/// starts with `#` ending the line. An unterminated quote is an error (sshd
/// refuses the file).
pub fn sshd_args(rest: &str) -> Result<Vec<String>, String> {
    let mut out = vec![];
    let mut chars = rest.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        match chars.peek() {
            None | Some('#') => break,
            Some(_) => {}
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&n) if n == '\'' || n == '"' || n == '\\' || (quote.is_none() && n == ' ') => {
                        arg.push(n);
                        chars.next();
                    }
                    _ => arg.push(c),
                },
                ' ' | '\t' if quote.is_none() => break,
                '"' | '\'' if quote.is_none() => quote = Some(c),
                _ if quote == Some(c) => quote = None,
                _ => arg.push(c),
            }
        }
        if quote.is_some() {
            return Err("invalid quotes (sshd refuses the file)".into());
        }
        out.push(arg);
    }
    Ok(out)
}

/// The table entry for a keyword (any case).
pub fn keyword(name: &str) -> Option<Keyword> {
    let lower = name.to_ascii_lowercase();
    SSHD_KEYWORDS.iter().find(|(k, _)| *k == lower).map(|(_, v)| *v)
}

/// The danger of one `keyword args` line, if it is refused for its danger
/// (`none` where that means off is harmless).
pub fn danger(keyword_name: &str, args: &str) -> Option<Danger> {
    match keyword(keyword_name)? {
        Refused(d)
            if !(args.eq_ignore_ascii_case("none")
                && NONE_MEANS_OFF.contains(&keyword_name.to_ascii_lowercase().as_str())) =>
        {
            Some(d)
        }
        _ => None,
    }
}

/// Whether one auxiliary line is accepted: `Ok` or why not. Owned keywords
/// are refused here; `ssh::normalize` moves them onto their fields first.
pub fn check_option(keyword_name: &str, args: &str) -> Result<(), String> {
    let lower = keyword_name.to_ascii_lowercase();
    match keyword(&lower) {
        None => Err(format!("{keyword_name:?} is not an sshd keyword")),
        Some(Owned(field)) => Err(format!("is managed by nasguard: set {field} instead")),
        Some(Refused(d)) => match danger(&lower, args) {
            Some(d) => Err(format!("{keyword_name} {}; it is not accepted as an auxiliary parameter", d.reason())),
            None if d == Structure => Err(format!("{keyword_name} {}", d.reason())),
            None => Ok(()),
        },
        Some(Allowed(kind)) => check_value(kind, args).map_err(|m| format!("{keyword_name}: {m}")),
    }
}

fn words(v: &str) -> impl Iterator<Item = &str> {
    v.split_whitespace()
}

fn token_chars(v: &str, allowed: impl Fn(char) -> bool, what: &str) -> Result<(), String> {
    match v.chars().find(|c| !allowed(*c)) {
        None if !v.is_empty() => Ok(()),
        None => Err(format!("expected {what}")),
        Some(c) => Err(format!("{v:?} may not contain {c:?} (expected {what})")),
    }
}

fn number(v: &str, min: u64, max: u64) -> Result<u64, String> {
    match v.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{v:?} is not a number from {min} to {max}")),
    }
}

/// `90`, `1h30m`, `2w`: digits each followed by an optional unit.
fn time(v: &str) -> Result<(), String> {
    let mut digits = false;
    for c in v.chars() {
        match c {
            '0'..='9' => digits = true,
            's' | 'S' | 'm' | 'M' | 'h' | 'H' | 'd' | 'D' | 'w' | 'W' if digits => digits = false,
            _ => return Err(format!("{v:?} is not a time such as 60, 90s, 5m or 1h30m")),
        }
    }
    if v.is_empty() || v.len() > 16 {
        return Err(format!("{v:?} is not a time such as 60, 90s, 5m or 1h30m"));
    }
    Ok(())
}

/// Checks one value of an allowed keyword.
pub fn check_value(kind: Value, v: &str) -> Result<(), String> {
    let lower = v.to_ascii_lowercase();
    match kind {
        YesNo => match lower.as_str() {
            "yes" | "no" => Ok(()),
            _ => Err(format!("{v:?} is not yes or no")),
        },
        OneOf(list) => {
            if list.contains(&lower.as_str()) {
                Ok(())
            } else {
                Err(format!("{v:?} is not one of {}", list.join(", ")))
            }
        }
        Count { min, max } => number(v, min.into(), max.into()).map(drop),
        Time => time(v),
        TimeOrNone if lower == "none" => Ok(()),
        TimeOrNone => time(v),
        Names => words(v).try_for_each(|w| {
            token_chars(w, |c| c.is_ascii_alphanumeric() || "_.-*?!@/:$".contains(c), "user or group patterns")
        }),
        LocaleNames => words(v).try_for_each(|w| {
            let locale = w == "LANG"
                || w == "LANGUAGE"
                || w == "COLORTERM"
                || w == "NO_COLOR"
                || w.strip_prefix("LC_").is_some_and(|rest| rest.chars().all(|c| c.is_ascii_uppercase() || c == '_' || c == '*'));
            if locale {
                Ok(())
            } else {
                Err(format!("{w:?}: only locale variables (LANG, LANGUAGE, LC_*, COLORTERM, NO_COLOR) may be accepted from clients"))
            }
        }),
        Algorithms => {
            let body = v.strip_prefix(['+', '-', '^']).unwrap_or(v);
            body.split(',').try_for_each(|name| {
                if name.contains(['*', '?', '!']) {
                    return Err(format!("wildcards ({name}) are not supported: list the algorithms"));
                }
                token_chars(name, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || "@.-_".contains(c), "algorithm names")
            })
        }
        AuthMethods if lower == "any" => Ok(()),
        AuthMethods => words(v).try_for_each(|list| {
            list.split(',').try_for_each(|m| match m {
                "publickey" | "password" | "keyboard-interactive" | "keyboard-interactive:pam" | "hostbased"
                | "gssapi-with-mic" => Ok(()),
                _ => Err(format!("{m:?} is not an authentication method")),
            })
        }),
        Destinations => words(v).try_for_each(|w| {
            token_chars(w, |c| c.is_ascii_alphanumeric() || ".:-_*[]".contains(c), "host:port destinations, any or none")
        }),
        MaxStartups => {
            let parts: Vec<&str> = v.split(':').collect();
            match parts[..] {
                [n] => number(n, 1, 100_000).map(drop),
                [start, rate, full] => {
                    let (s, f) = (number(start, 1, 100_000)?, number(full, 1, 100_000)?);
                    number(rate, 1, 100)?;
                    if s > f { Err(format!("{v:?}: start may not exceed full")) } else { Ok(()) }
                }
                _ => Err(format!("{v:?} is not start or start:rate:full")),
            }
        }
        CountOrNone if lower == "none" => Ok(()),
        CountOrNone => number(v, 1, 100_000).map(drop),
        NetBlockSize => {
            let mut parts = v.split(':');
            number(parts.next().unwrap_or_default(), 0, 32)?;
            if let Some(v6) = parts.next() {
                number(v6, 0, 128)?;
            }
            if parts.next().is_some() { Err(format!("{v:?} is not ipv4bits[:ipv6bits]")) } else { Ok(()) }
        }
        RekeyLimit => {
            let mut w = words(v);
            let size = w.next().unwrap_or_default();
            let size_ok = matches!(size, "default" | "none")
                || size.strip_suffix(['K', 'M', 'G', 'k', 'm', 'g']).unwrap_or(size).parse::<u64>().is_ok();
            if !size_ok {
                return Err(format!("{size:?} is not a data size such as 1G, default or none"));
            }
            match w.next() {
                None | Some("none") => {}
                Some(t) => time(t)?,
            }
            if w.next().is_some() { Err(format!("{v:?}: expected SIZE [TIME]")) } else { Ok(()) }
        }
        IpQos => {
            let n = words(v).count();
            if !(1..=2).contains(&n) {
                return Err(format!("{v:?}: expected one or two DSCP values"));
            }
            words(v).try_for_each(|w| token_chars(w, |c| c.is_ascii_alphanumeric(), "DSCP names such as af21, cs1, ef, lowdelay"))
        }
        ChannelTimeout if lower == "none" => Ok(()),
        ChannelTimeout => words(v).try_for_each(|w| {
            let (kind, t) = w.split_once('=').ok_or_else(|| format!("{w:?} is not type=time"))?;
            token_chars(kind, |c| c.is_ascii_alphanumeric() || "-@.*".contains(c), "a channel type")?;
            time(t)
        }),
        Umask => {
            let ok = v.len() <= 4 && v.chars().all(|c| ('0'..='7').contains(&c)) && !v.is_empty();
            if ok { Ok(()) } else { Err(format!("{v:?} is not an octal mode such as 0177")) }
        }
        LogVerbose => words(v).try_for_each(|w| {
            token_chars(w, |c| c.is_ascii_alphanumeric() || "_.:*-".contains(c), "file:function:line patterns")
        }),
        PubkeyAuthOptions => words(v).try_for_each(|w| match w {
            "none" | "touch-required" | "verify-required" => Ok(()),
            _ => Err(format!("{w:?} is not none, touch-required or verify-required")),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_lowercase_and_unique() {
        for pair in SSHD_KEYWORDS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} / {}", pair[0].0, pair[1].0);
        }
        assert!(SSHD_KEYWORDS.iter().all(|(k, _)| k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())));
        for k in NONE_MEANS_OFF.iter().chain(REPEATABLE) {
            assert!(keyword(k).is_some(), "{k}");
        }
    }

    #[test]
    fn programs_files_and_libraries_are_refused_in_every_spelling() {
        for (kw, args) in [
            ("AuthorizedKeysCommand", "/bin/sh -c id"),
            ("authorizedkeyscommand", "/usr/bin/env"),
            ("AUTHORIZEDKEYSCOMMANDUSER", "root"),
            ("AuthorizedPrincipalsCommand", "/bin/true"),
            ("AuthorizedPrincipalsCommandUser", "nobody"),
            ("AuthorizedPrincipalsFile", "/etc/shadow"),
            ("Banner", "/etc/shadow"),
            ("banner", "/proc/self/environ"),
            ("ChrootDirectory", "/"),
            ("ForceCommand", "internal-sftp"),
            ("HostCertificate", "/etc/ssh/x"),
            ("HostKeyAgent", "/run/agent.sock"),
            ("ModuliFile", "/etc/shadow"),
            ("RevokedKeys", "/etc/shadow"),
            ("SecurityKeyProvider", "/tmp/evil.so"),
            ("SetEnv", "LD_PRELOAD=/tmp/x.so"),
            ("TrustedUserCAKeys", "/etc/shadow"),
            ("XAuthLocation", "/tmp/x"),
            ("Match", "User bob"),
            ("Include", "/etc/ssh/other"),
            ("RDomain", "%D"),
        ] {
            assert!(check_option(kw, args).is_err(), "{kw} {args}");
        }
    }

    #[test]
    fn none_turns_a_file_keyword_off_harmlessly() {
        assert_eq!(check_option("Banner", "none"), Ok(()));
        assert_eq!(check_option("ForceCommand", "NONE"), Ok(()));
        assert!(check_option("SetEnv", "none").is_err());
        assert!(check_option("Match", "none").is_err());
    }

    #[test]
    fn allowed_keywords_accept_good_values_and_refuse_bad_ones() {
        for (kw, args) in [
            ("X11Forwarding", "no"),
            ("MaxAuthTries", "3"),
            ("LoginGraceTime", "1m30s"),
            ("ClientAliveInterval", "300"),
            ("MaxStartups", "10:30:60"),
            ("AcceptEnv", "LANG LC_*"),
            ("AllowGroups", "sshusers admins"),
            ("AllowUsers", "alice@10.0.0.0/8 bob"),
            ("PubkeyAcceptedAlgorithms", "-ssh-rsa"),
            ("AuthenticationMethods", "publickey,password publickey"),
            ("PermitOpen", "localhost:8080 [::1]:22"),
            ("RekeyLimit", "1G 1h"),
            ("IPQoS", "af21 cs1"),
            ("ChannelTimeout", "session=30m"),
            ("StreamLocalBindMask", "0177"),
            ("LogLevel", "VERBOSE"),
        ] {
            assert_eq!(check_option(kw, args), Ok(()), "{kw} {args}");
        }
        for (kw, args) in [
            ("X11Forwarding", "maybe"),
            ("MaxAuthTries", "0"),
            ("MaxAuthTries", "-1"),
            ("LoginGraceTime", "1x"),
            ("AcceptEnv", "LD_PRELOAD"),
            ("AcceptEnv", "*"),
            ("AllowUsers", "alice\"bob"),
            ("PermitUserEnvironment", "LD_*"),
            ("StrictModes", "no"),
            ("PubkeyAcceptedAlgorithms", "ssh-*"),
            ("PermitOpen", "x\u{202e}y"),
            ("MaxStartups", "60:30:10"),
            ("StreamLocalBindMask", "9"),
        ] {
            assert!(check_option(kw, args).is_err(), "{kw} {args}");
        }
    }

    #[test]
    fn owned_keywords_name_their_field() {
        let e = check_option("PermitRootLogin", "yes").unwrap_err();
        assert!(e.contains("rootlogin"), "{e}");
        assert!(check_option("BogusKeyword", "yes").unwrap_err().contains("not an sshd keyword"));
    }

    #[test]
    fn dangers_are_host_risks_except_structure() {
        assert_eq!(danger("banner", "/etc/shadow"), Some(ShowsFile));
        assert_eq!(danger("Banner", "none"), None);
        assert!(ShowsFile.is_host_risk() && RunsProgram.is_host_risk());
        assert!(!Structure.is_host_risk());
        assert_eq!(danger("maxauthtries", "3"), None);
    }
}
