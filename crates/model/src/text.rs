//! Checks for user strings that end up in a rendered daemon config.
//!
//! Every renderer writes one setting per line, so the one property that keeps
//! a string from starting a new line, section or directive is that it holds no
//! line break, NUL or other control character. Format-specific hazards (a
//! trailing backslash continues an smb.conf line; a quote ends a Ganesha
//! string) are checked by the helpers that name them.

/// `text` without its lines numbered (1-based) in `drop`: how a pasted
/// auxiliary line leaves the text once it is moved onto its field.
pub(crate) fn without_lines(text: &str, drop: &[usize]) -> String {
    text.split('\n')
        .enumerate()
        .filter(|(i, _)| !drop.contains(&(i + 1)))
        .map(|(_, l)| l)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rejects control characters (newline, carriage return, NUL, tab, ESC...).
pub fn single_line(s: &str) -> Result<(), String> {
    match s.chars().find(|c| c.is_control()) {
        None => Ok(()),
        Some('\n') | Some('\r') => Err("may not contain a line break".into()),
        Some('\0') => Err("may not contain a NUL character".into()),
        Some(c) => Err(format!("may not contain the control character U+{:04X}", c as u32)),
    }
}

/// A value for a `key = value` line of smb.conf.
pub fn smb_value(s: &str) -> Result<(), String> {
    single_line(s)?;
    if s.trim_end().ends_with('\\') {
        return Err("may not end with a backslash (smb.conf would join the next line to it)".into());
    }
    Ok(())
}

/// An absolute, normalised path: `/a/b`, no `.`, `..`, `//` or trailing `/`.
pub fn absolute_path(s: &str) -> Result<(), String> {
    single_line(s)?;
    if s.is_empty() {
        return Err("is required".into());
    }
    if !s.starts_with('/') {
        return Err(format!("must be an absolute path (start with /), got {s:?}"));
    }
    if s.len() > 1023 {
        return Err("is longer than 1023 bytes".into());
    }
    if s.contains('"') || s.contains('\\') {
        return Err("may not contain a double quote or a backslash".into());
    }
    if s != "/" {
        if s.ends_with('/') {
            return Err(format!("must be normalised: drop the trailing slash ({:?})", s.trim_end_matches('/')));
        }
        for part in s.get(1..).unwrap_or_default().split('/') {
            match part {
                "" => return Err("must be normalised: no empty component (//)".into()),
                "." | ".." => return Err("must be normalised: no . or .. component".into()),
                _ => {}
            }
        }
    }
    Ok(())
}

/// A Unix user or group name as `useradd` accepts it by default.
pub fn unix_name(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars().enumerate().all(|(i, c)| {
            c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || matches!(c, '_' | '-' | '.')
                || (c == '$' && i == s.len() - 1)
        });
    if ok {
        Ok(())
    } else {
        Err(format!("{s:?} is not a valid user or group name (lowercase letters, digits, _ - ., at most 32)"))
    }
}

/// A token of a hosts list (smb `hosts allow`, NFS `hosts`): no spaces,
/// quotes, commas, parentheses or control characters.
pub fn host_token(s: &str) -> Result<(), String> {
    single_line(s)?;
    if s.is_empty() {
        return Err("may not contain an empty entry".into());
    }
    let bad = s.chars().find(|c| {
        !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '/' | '*' | '?' | '@' | '[' | ']'))
    });
    match bad {
        None => Ok(()),
        Some(c) => Err(format!("entry {s:?} may not contain {c:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_rejects_every_line_break_and_nul() {
        for bad in ["a\nb", "a\rb", "a\0b", "a\tb", "\u{1b}[0m", "a\u{85}b"] {
            assert!(single_line(bad).is_err(), "{bad:?}");
        }
        assert!(single_line("plain text, with: punctuation [ok]").is_ok());
    }

    #[test]
    fn smb_value_rejects_line_continuation() {
        assert!(smb_value("foo\\").is_err());
        assert!(smb_value("foo\\ ").is_err());
        assert!(smb_value("C:\\path").is_ok());
    }

    #[test]
    fn absolute_path_must_be_normalised() {
        assert!(absolute_path("/mnt/tank/media").is_ok());
        assert!(absolute_path("/").is_ok());
        for bad in ["", "relative/x", "/a/", "/a//b", "/a/./b", "/a/../b", "/a\nb", "/a\"b"] {
            assert!(absolute_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unix_names() {
        assert!(unix_name("nasuser").is_ok());
        assert!(unix_name("machine$").is_ok());
        assert!(unix_name("Root").is_err());
        assert!(unix_name("a b").is_err());
        assert!(unix_name("").is_err());
    }
}
