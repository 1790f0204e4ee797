//! A secret (CHAP secret) that is never printed back.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// What a set secret looks like in every output.
pub const MASK: &str = "********";

/// A secret value. `Debug`, `Display` and `Serialize` all print [`MASK`]
/// (or nothing when unset), so a secret cannot leak through `--json`, the
/// API, logs or the audit log. Only [`Secret::expose`] gives the value, for
/// the renderer that writes the daemon's 0600 file and for the store, which
/// encrypts it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when a client sent back the mask it was shown: an update then
    /// keeps the stored secret instead of setting it to asterisks.
    pub fn is_mask(&self) -> bool {
        self.0 == MASK
    }

    fn shown(&self) -> &'static str {
        if self.0.is_empty() { "" } else { MASK }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({:?})", self.shown())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shown())
    }
}

thread_local! {
    static REVEAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with secrets serialising as their values, for the field setter's
/// in-memory round trip only (`fields`): an object edited one field at a
/// time must keep the secrets it already holds. What `f` builds must never
/// leave the setter.
pub(crate) fn revealed<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REVEAL.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(REVEAL.with(|r| r.replace(true)));
    f()
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if REVEAL.with(std::cell::Cell::get) { s.serialize_str(&self.0) } else { s.serialize_str(self.shown()) }
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// In the OpenAPI document a secret is a string (write-only in effect: it
/// is always read back masked).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Secret {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <String as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Secret {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_masked_in_every_output() {
        let s = Secret::new("VerySecret123");
        assert_eq!(format!("{s}"), MASK);
        assert!(!format!("{s:?}").contains("VerySecret"));
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{MASK}\""));
        assert_eq!(s.expose(), "VerySecret123");
    }

    #[test]
    fn unset_secret_shows_empty() {
        assert_eq!(serde_json::to_string(&Secret::default()).unwrap(), "\"\"");
    }
}
