//! One declarative table per daemon: which model field each daemon keyword
//! sets, how each value is spelled both ways, and what the daemon does when
//! the keyword is absent.
//!
//! The same rows drive the three places that translate between the model and
//! a daemon's config, so they cannot drift apart:
//!
//! - **normalise** (`Config::normalize`, [`Table::paste`]): a pasted
//!   auxiliary line that sets a field's keyword is moved onto the field when
//!   its value means exactly a model value, and refused otherwise with an
//!   error naming the field;
//! - **render** ([`Row::rendered`]): the field's value in the daemon's
//!   canonical spelling;
//! - **import** ([`Row::import`]): what the daemon *does* with the file's
//!   value (absent = the daemon's default), mapped onto the nearest model
//!   value, with a note where that is not the same thing.
//!
//! A value spelling has one of three meanings ([`Meaning`]): exactly a model
//! value; accepted by the daemon but with no model value of its own (import
//! judges the nearest one and says so; normalise refuses it, because moving
//! it onto the field would change what the daemon enforces); or refused by
//! the daemon itself. A spelling that is not listed is one the daemon refuses.
//!
//! Tables: [`sshd::SSHD`] (sshd_config), [`smb::SMB_GLOBAL`] and
//! [`smb::SMB_SHARE`] (smb.conf), and the value vocabularies of exports(5)
//! and ganesha.conf in [`nfs`]. The allowlists of what an auxiliary line may
//! set otherwise (`ssh_keywords`, `smb_allow`) stay the authority on
//! everything that is not a field.

pub mod nfs;
pub mod smb;
pub mod sshd;

use serde::Serialize;

/// What one spelling of a daemon value means in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meaning<V> {
    /// Exactly this model value. The first exact spelling of a value is the
    /// one nasguard renders.
    Exact(V),
    /// The daemon accepts it but the model has no value of its own: import
    /// judges the nearest model value; normalise refuses it. Says why it is
    /// not the same.
    Nearest(V, &'static str),
    /// The daemon refuses this spelling (it does not load the file); why.
    Refused(&'static str),
}

/// A value vocabulary: every spelling the daemon accepts (case-insensitive),
/// and a few it refuses that people write anyway.
pub type Words<V> = &'static [(&'static str, Meaning<V>)];

/// What a spelling means, case-insensitively; `None` if it is not listed.
pub fn meaning<V: Copy>(words: Words<V>, spelling: &str) -> Option<Meaning<V>> {
    words.iter().find(|(w, _)| w.eq_ignore_ascii_case(spelling.trim())).map(|(_, m)| *m)
}

/// The daemon spelling of a model value: its first exact word.
pub fn spelling<V: Copy + PartialEq>(words: Words<V>, value: V) -> Option<&'static str> {
    words.iter().find(|(_, m)| *m == Meaning::Exact(value)).map(|(w, _)| *w)
}

/// Every model value the words can spell exactly, with its rendered
/// spelling, in table order.
pub fn exact_values<V: Copy + PartialEq>(words: Words<V>) -> Vec<(V, &'static str)> {
    let mut out: Vec<(V, &'static str)> = vec![];
    for (w, m) in words {
        if let Meaning::Exact(v) = m
            && !out.iter().any(|(seen, _)| seen == v)
        {
            out.push((*v, w));
        }
    }
    out
}

/// The model's own spelling of a value (`config set FIELD=VALUE`): the serde
/// name of an enum variant, `true`/`false` for a boolean.
pub fn model_name<V: Serialize>(v: &V) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// Which direction a value is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How<'a> {
    /// An auxiliary line pasted into the model (normalise): only exact
    /// meanings are taken; list syntax applies to the field's current value.
    Pasted,
    /// A daemon's config read by import: the nearest model value is taken;
    /// list syntax applies to `base`, the daemon's default.
    Import { base: &'a str },
}

/// Why a spelling was not taken onto the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The daemon accepts it; the model has no value that means the same.
    NoEquivalent(&'static str),
    /// The daemon itself refuses this spelling, and why.
    Daemon(&'static str),
    /// Not a spelling the daemon accepts.
    Unknown,
    /// A value the field cannot hold (a list naming unknown algorithms...).
    Invalid(String),
}

/// How one field's value converts between the model and a daemon spelling.
/// Implemented by [`Choice`] (enums and booleans), [`Text`], [`List`],
/// [`Number`] and `sshd::Algorithms`.
pub trait Codec<S>: Sync {
    /// The field's value in the daemon's spelling (what the renderer writes).
    fn render(&self, svc: &S) -> String;
    /// The field's value as `config set FIELD=VALUE` spells it.
    fn shown(&self, svc: &S) -> String;
    /// Whether the value is empty (see [`Render::UnlessEmpty`]).
    fn is_empty(&self, _svc: &S) -> bool {
        false
    }
    /// Reads a daemon spelling into the field. `Ok(None)`: set exactly;
    /// `Ok(Some(why))`: set to the nearest value (import only); `Err`: the
    /// field is left as it was.
    fn read(&self, svc: &mut S, spelling: &str, how: How<'_>) -> Result<Option<&'static str>, Refusal>;
    /// The values the field takes, for messages: `SMB1 (NT1), SMB2 (SMB2_02) or SMB3 (SMB3_00)`.
    fn expected(&self) -> String;
    /// Every spelling listed in the codec's vocabulary (empty for open ones).
    fn spellings(&self) -> Vec<&'static str> {
        vec![]
    }
    /// A daemon spelling of some model value the field can hold exactly,
    /// chosen by `seed`: what the generated round-trip tests render.
    fn sample(&self, seed: u64) -> String;
}

/// What the daemon does when the keyword is absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Absent {
    /// It uses this value (from `sshd -T` / `testparm -sv` on an empty file).
    Daemon(&'static str),
    /// Import leaves the model's value: the daemon's default depends on the
    /// host (the NetBIOS name is the host name), or is a name nasguard
    /// chooses itself (workgroup, server string, guest account).
    Keep,
}

/// What normalise does with a pasted line that sets the keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pasted {
    /// Moves it onto the field when the value means exactly a model value,
    /// else refuses it naming the field.
    MoveToField,
    /// Refuses it naming the field (the field sets more than this keyword,
    /// or nasguard never took it from a line).
    Refuse,
}

/// How the renderer writes the row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Render {
    /// `keyword value` (and each `also` keyword with the same value).
    Line,
    /// The same, left out when the value is empty.
    UnlessEmpty,
    /// Written by the renderer from more than the field, or left out; why.
    ByRenderer(&'static str),
}

/// One field of one daemon.
pub struct Row<S: 'static> {
    /// The model field (TrueNAS's name).
    pub field: &'static str,
    /// The daemon keyword, as nasguard writes it.
    pub keyword: &'static str,
    /// Other names the daemon accepts for the keyword.
    pub synonyms: &'static [&'static str],
    /// Keywords written with the same value that follow the field; a pasted
    /// line of one of them is refused (it cannot change them alone).
    pub also: &'static [&'static str],
    pub absent: Absent,
    pub pasted: Pasted,
    pub render: Render,
    /// A `Match` block (sshd) that sets the keyword to this model value
    /// makes the audit judge the field so: the worst case of what it loosens.
    pub match_worst: Option<&'static str>,
    pub value: &'static dyn Codec<S>,
}

impl<S: 'static> Row<S> {
    /// A row that renders a line, maps pasted lines, and imports the
    /// daemon's `default` when the keyword is absent.
    pub const fn new(
        field: &'static str,
        keyword: &'static str,
        default: &'static str,
        value: &'static dyn Codec<S>,
    ) -> Self {
        Row {
            field,
            keyword,
            synonyms: &[],
            also: &[],
            absent: Absent::Daemon(default),
            pasted: Pasted::MoveToField,
            render: Render::Line,
            match_worst: None,
            value,
        }
    }

    pub const fn synonyms(mut self, names: &'static [&'static str]) -> Self {
        self.synonyms = names;
        self
    }

    pub const fn also(mut self, keywords: &'static [&'static str]) -> Self {
        self.also = keywords;
        self
    }

    pub const fn keep_when_absent(mut self) -> Self {
        self.absent = Absent::Keep;
        self
    }

    pub const fn refuse_pasted(mut self) -> Self {
        self.pasted = Pasted::Refuse;
        self
    }

    pub const fn render(mut self, how: Render) -> Self {
        self.render = how;
        self
    }

    pub const fn match_worst(mut self, model_value: &'static str) -> Self {
        self.match_worst = Some(model_value);
        self
    }

    /// Whether `name` is the keyword or one of its synonyms (any case).
    pub fn is_named(&self, name: &str) -> bool {
        let name = name.trim();
        self.keyword.eq_ignore_ascii_case(name) || self.synonyms.iter().any(|s| s.eq_ignore_ascii_case(name))
    }

    /// Whether the row writes `name` (its keyword, a synonym or an `also`).
    pub fn owns(&self, name: &str) -> bool {
        self.is_named(name) || self.also.iter().any(|a| a.eq_ignore_ascii_case(name.trim()))
    }

    /// The daemon's value when the keyword is absent.
    pub fn daemon_default(&self) -> Option<&'static str> {
        match self.absent {
            Absent::Daemon(d) => Some(d),
            Absent::Keep => None,
        }
    }

    /// The keyword lines to write: `(keyword, value)` for the keyword and
    /// each `also`, or none (empty value, or written by the renderer).
    pub fn rendered(&self, svc: &S) -> Vec<(&'static str, String)> {
        match self.render {
            Render::ByRenderer(_) => vec![],
            Render::UnlessEmpty if self.value.is_empty(svc) => vec![],
            Render::Line | Render::UnlessEmpty => {
                let v = self.value.render(svc);
                std::iter::once(self.keyword).chain(self.also.iter().copied()).map(|k| (k, v.clone())).collect()
            }
        }
    }

    /// The refusal as an error naming the field.
    fn message(&self, daemon: &str, spelling: &str, why: Refusal) -> String {
        let field = self.field;
        let expected = self.value.expected();
        match why {
            Refusal::NoEquivalent(why) => format!("{field} is {expected}; {spelling:?} has no equivalent: {why}"),
            Refusal::Daemon(why) => format!("{field} is {expected}; {daemon} refuses {spelling:?}: {why}"),
            Refusal::Unknown => format!("{field} is {expected}; {spelling:?} is not a value {daemon} accepts"),
            Refusal::Invalid(m) => format!("{field} is {expected}; {m}"),
        }
    }

    /// Imports the file's value (`None`: the keyword is absent) onto the
    /// field. Returns a note when the model cannot hold what the daemon does.
    pub fn import(&self, daemon: &str, svc: &mut S, written: Option<&str>) -> Option<String> {
        let default = self.daemon_default();
        let spelling = written.or(default)?;
        let how = How::Import { base: default.unwrap_or("") };
        match self.value.read(svc, spelling, how) {
            Ok(None) => None,
            Ok(Some(why)) => written
                .map(|w| format!("{} {w}: imported as {}={}: {why}", self.keyword, self.field, self.value.shown(svc))),
            Err(why) => {
                let judged = match default {
                    Some(d) if written.is_some() => {
                        let _ = self.value.read(svc, d, how);
                        format!("; judged as {daemon}'s default ({d}): {}={}", self.field, self.value.shown(svc))
                    }
                    _ => String::new(),
                };
                Some(format!("{} {spelling}: {}{judged}", self.keyword, self.message(daemon, spelling, why)))
            }
        }
    }
}

/// One daemon's rows.
pub struct Table<S: 'static> {
    /// The daemon as messages name it (`sshd`, `Samba 4.17`).
    pub daemon: &'static str,
    pub rows: &'static [Row<S>],
}

impl<S: 'static> Table<S> {
    /// The row whose keyword (or synonym) is `name`, any case.
    pub fn row(&self, name: &str) -> Option<&'static Row<S>> {
        self.rows.iter().find(|r| r.is_named(name))
    }

    /// The row for a model field.
    pub fn field(&self, field: &str) -> Option<&'static Row<S>> {
        self.rows.iter().find(|r| r.field == field)
    }

    /// The field that owns keyword `name` (its keyword, synonym or `also`).
    pub fn owner(&self, name: &str) -> Option<&'static str> {
        self.rows.iter().find(|r| r.owns(name)).map(|r| r.field)
    }

    /// Whether any row writes `name`.
    pub fn owns(&self, name: &str) -> bool {
        self.owner(name).is_some()
    }

    /// Normalise: a pasted `name value` line. `None` if no row takes pasted
    /// lines of `name`; `Ok("field=VALUE")` once the field is set; `Err`
    /// with a message naming the field if the value has no exact meaning
    /// (the field is then unchanged).
    pub fn paste(&self, svc: &mut S, name: &str, spelling: &str) -> Option<Result<String, String>> {
        let row = self.row(name).filter(|r| r.pasted == Pasted::MoveToField)?;
        Some(match row.value.read(svc, spelling, How::Pasted) {
            Ok(_) => Ok(format!("{}={}", row.field, row.value.shown(svc))),
            Err(why) => Err(row.message(self.daemon, spelling, why)),
        })
    }
}

/// An enum or boolean field, with its vocabulary.
pub struct Choice<S, V: 'static> {
    pub get: fn(&S) -> V,
    pub set: fn(&mut S, V),
    pub words: Words<V>,
}

impl<S, V> Codec<S> for Choice<S, V>
where
    V: Copy + PartialEq + Serialize + Sync + 'static,
{
    fn render(&self, svc: &S) -> String {
        spelling(self.words, (self.get)(svc)).unwrap_or_default().to_string()
    }

    fn shown(&self, svc: &S) -> String {
        model_name(&(self.get)(svc))
    }

    fn read(&self, svc: &mut S, spelling: &str, how: How<'_>) -> Result<Option<&'static str>, Refusal> {
        match meaning(self.words, spelling) {
            Some(Meaning::Exact(v)) => {
                (self.set)(svc, v);
                Ok(None)
            }
            Some(Meaning::Nearest(v, why)) => match how {
                How::Import { .. } => {
                    (self.set)(svc, v);
                    Ok(Some(why))
                }
                How::Pasted => Err(Refusal::NoEquivalent(why)),
            },
            Some(Meaning::Refused(why)) => Err(Refusal::Daemon(why)),
            None => Err(Refusal::Unknown),
        }
    }

    fn expected(&self) -> String {
        let parts: Vec<String> =
            exact_values(self.words).into_iter().map(|(v, w)| format!("{} ({w})", model_name(&v))).collect();
        match parts.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    fn spellings(&self) -> Vec<&'static str> {
        self.words.iter().map(|(w, _)| *w).collect()
    }

    fn sample(&self, seed: u64) -> String {
        let values = exact_values(self.words);
        let n = values.len().max(1) as u64;
        values.get((seed % n) as usize).map(|(_, w)| (*w).to_string()).unwrap_or_default()
    }
}

/// A free-text field, taken verbatim (the field's validation judges it).
pub struct Text<S> {
    pub get: fn(&S) -> &str,
    pub set: fn(&mut S, String),
}

impl<S> Codec<S> for Text<S> {
    fn render(&self, svc: &S) -> String {
        (self.get)(svc).to_string()
    }

    fn shown(&self, svc: &S) -> String {
        (self.get)(svc).to_string()
    }

    fn is_empty(&self, svc: &S) -> bool {
        (self.get)(svc).is_empty()
    }

    fn read(&self, svc: &mut S, spelling: &str, _how: How<'_>) -> Result<Option<&'static str>, Refusal> {
        (self.set)(svc, spelling.trim().to_string());
        Ok(None)
    }

    fn expected(&self) -> String {
        "text".into()
    }

    fn sample(&self, seed: u64) -> String {
        sample_word(seed, 12)
    }
}

/// A list of words (Samba's `hosts allow`): separated by commas, spaces or
/// tabs when read, by spaces when written.
pub struct List<S> {
    pub get: fn(&S) -> &[String],
    pub set: fn(&mut S, Vec<String>),
}

impl<S> Codec<S> for List<S> {
    fn render(&self, svc: &S) -> String {
        (self.get)(svc).join(" ")
    }

    fn shown(&self, svc: &S) -> String {
        (self.get)(svc).join(",")
    }

    fn is_empty(&self, svc: &S) -> bool {
        (self.get)(svc).is_empty()
    }

    fn read(&self, svc: &mut S, spelling: &str, _how: How<'_>) -> Result<Option<&'static str>, Refusal> {
        (self.set)(svc, spelling.split([',', ' ', '\t']).filter(|s| !s.is_empty()).map(String::from).collect());
        Ok(None)
    }

    fn expected(&self) -> String {
        "a list of names separated by spaces or commas".into()
    }

    fn sample(&self, seed: u64) -> String {
        let n = seed % 4;
        (0..n).map(|i| sample_word(seed.rotate_left(16 * i as u32) ^ i, 8)).collect::<Vec<_>>().join(" ")
    }
}

/// A TCP port.
pub struct Number<S> {
    pub get: fn(&S) -> u16,
    pub set: fn(&mut S, u16),
}

impl<S> Codec<S> for Number<S> {
    fn render(&self, svc: &S) -> String {
        (self.get)(svc).to_string()
    }

    fn shown(&self, svc: &S) -> String {
        (self.get)(svc).to_string()
    }

    fn read(&self, svc: &mut S, spelling: &str, _how: How<'_>) -> Result<Option<&'static str>, Refusal> {
        match spelling.trim().parse::<u16>() {
            Ok(n) if n > 0 => {
                (self.set)(svc, n);
                Ok(None)
            }
            _ => Err(Refusal::Invalid(format!("{spelling:?} is not one"))),
        }
    }

    fn expected(&self) -> String {
        "one port from 1 to 65535".into()
    }

    fn sample(&self, seed: u64) -> String {
        (1 + seed % 65535).to_string()
    }
}

/// A lowercase word of 1 + up to `max - 1` letters and digits, from `seed`
/// (a letter first, so it is a valid name for every text field).
fn sample_word(seed: u64, max: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = seed | 1;
    let mut next = || {
        // xorshift64: deterministic, no dependency.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let len = 1 + (next() % max as u64) as usize;
    let mut s = String::with_capacity(len + 1);
    s.push(char::from(CHARS.get((next() % 26) as usize).copied().unwrap_or(b'n')));
    for _ in 1..len {
        s.push(char::from(CHARS.get((next() % 36) as usize).copied().unwrap_or(b'n')));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_words_are_names() {
        for seed in 0..500 {
            let w = sample_word(seed, 12);
            assert!(!w.is_empty() && w.len() <= 12, "{w}");
            assert!(w.starts_with(|c: char| c.is_ascii_lowercase()), "{w}");
            assert!(w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "{w}");
        }
    }
}
