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

/// Rejects control characters (newline, carriage return, NUL, tab, ESC...)
/// and characters that make text display as something else (see
/// [`is_deceptive`]).
pub fn single_line(s: &str) -> Result<(), String> {
    match s.chars().find(|c| c.is_control() || is_deceptive(*c)) {
        None => Ok(()),
        Some('\n') | Some('\r') => Err("may not contain a line break".into()),
        Some('\0') => Err("may not contain a NUL character".into()),
        Some(c) if is_deceptive(c) => Err(format!(
            "may not contain U+{:04X}, an invisible or text-direction character (it would make the text display as something else)",
            c as u32
        )),
        Some(c) => Err(format!("may not contain the control character U+{:04X}", c as u32)),
    }
}

/// Characters that are invisible or reorder the text around them, so a name
/// holding one displays as something else in a list, a page or a log:
/// Unicode's format characters (Cf: bidi overrides and isolates, zero-width
/// spaces and joiners, the BOM, tags...), the line and paragraph separators
/// (U+2028, U+2029), variation selectors and the Hangul fillers.
pub fn is_deceptive(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x0600..=0x0605 | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

/// A string as it may enter a log or an audit row: at most `max`
/// characters (an ellipsis says it was cut), control and deceptive
/// characters shown as `?`. Logs keep what an attacker sends bounded and
/// readable.
pub fn loggable(s: &str, max: usize) -> String {
    let mut out: String =
        s.chars().take(max).map(|c| if c.is_control() || is_deceptive(c) { '?' } else { c }).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
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
    fn names_that_display_as_something_else_are_refused() {
        for bad in [
            "abc\u{202E}fdp.exe",
            "a\u{2028}b",
            "a\u{2029}b",
            "zero\u{200B}width",
            "\u{FEFF}bom",
            "x\u{2066}y",
            "tag\u{E0041}",
            "v\u{FE0F}s",
            "\u{3164}",
        ] {
            assert!(single_line(bad).unwrap_err().contains("U+"), "{bad:?}");
        }
        assert!(single_line("Ünïcödé, 日本語, emoji 🙂").is_ok());
    }

    #[test]
    fn loggable_strings_are_cut_and_cleaned() {
        assert_eq!(loggable("ab\ncd\u{202E}", 10), "ab?cd?");
        assert_eq!(loggable(&"x".repeat(1_000_000), 4), "xxxx…");
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
