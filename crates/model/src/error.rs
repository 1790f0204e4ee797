//! Validation errors: one per problem, each naming the object and field.

use serde::Serialize;
use std::fmt;

/// One problem with one field of one object.
///
/// Displayed as `smb share "name": may not contain ...`, the form the CLI
/// prints after `error: ` and the API returns as `{"field", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationError {
    /// The kind of object, e.g. `smb share`, `iscsi auth`, `ssh`.
    pub object: String,
    /// The field, with the model's (TrueNAS's) name.
    pub field: String,
    /// Why the value is refused, and what to do instead where that helps.
    pub message: String,
}

/// How an error names a field that was given with an empty name.
pub const EMPTY_FIELD: &str = "(empty field name)";

impl ValidationError {
    /// An error always names a field: a user may send an empty name (an
    /// empty JSON key, `=value`), which is reported as such.
    pub fn new(object: impl Into<String>, field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let field = if field.is_empty() { EMPTY_FIELD.to_string() } else { field };
        ValidationError { object: object.into(), field, message: message.into() }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} \"{}\": {}", self.object, self.field, self.message)
    }
}

/// Every problem found in one validation pass (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl ValidationErrors {
    pub fn single(object: &str, field: &str, message: impl Into<String>) -> Self {
        ValidationErrors(vec![ValidationError::new(object, field, message)])
    }
}

/// Collects errors for one object kind, so checks read as one line each.
pub(crate) struct Errors<'a> {
    pub(crate) object: String,
    pub(crate) out: &'a mut Vec<ValidationError>,
}

impl<'a> Errors<'a> {
    pub(crate) fn new(object: impl Into<String>, out: &'a mut Vec<ValidationError>) -> Self {
        Errors { object: object.into(), out }
    }

    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.out.push(ValidationError::new(self.object.clone(), field, message));
    }

    /// Records `result`'s error, if any, against `field`.
    pub(crate) fn check(&mut self, field: &str, result: Result<(), String>) {
        if let Err(message) = result {
            self.add(field, message);
        }
    }
}
