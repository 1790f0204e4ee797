//! Setting fields by name from `FIELD=VALUE` text, for `config set` and
//! `share ... set`: one generic path through serde, so every field of every
//! object is settable and the error names the field.
//!
//! Values: booleans `true|false`, numbers, enum names (case-insensitive),
//! lists comma-separated (empty for an empty list), `null` or empty to clear
//! an optional field.

use crate::ValidationErrors;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Candidate JSON values for `raw`, given the field's current value.
fn candidates(current: &Value, raw: &str) -> Vec<Value> {
    let text = |s: &str| Value::String(s.to_string());
    let scalar = |s: &str| -> Vec<Value> {
        let mut v = vec![];
        if let Ok(n) = s.parse::<u64>() {
            v.push(Value::from(n));
        }
        match s {
            "true" => v.push(Value::Bool(true)),
            "false" => v.push(Value::Bool(false)),
            _ => {}
        }
        v.push(text(s));
        v.push(text(&s.to_uppercase().replace('-', "_")));
        v.push(text(&s.to_uppercase()));
        v
    };
    // Structured values (target groups, listen objects) as JSON text.
    if (raw.starts_with('[') || raw.starts_with('{'))
        && let Ok(v) = serde_json::from_str::<Value>(raw)
    {
        return vec![v];
    }
    match current {
        Value::Bool(_) => match raw {
            "true" => vec![Value::Bool(true)],
            "false" => vec![Value::Bool(false)],
            _ => vec![],
        },
        // A number, or text for fields that read their own units (`10G`).
        Value::Number(_) => raw.parse::<u64>().map(Value::from).into_iter().chain(Some(text(raw))).collect(),
        Value::Array(_) => {
            // Items are separated by commas, or one per line (a text area).
            let items: Vec<&str> = raw.split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()).collect();
            // Each item may need the enum spelling; try plain, then upper.
            vec![
                Value::Array(items.iter().map(|s| text(s)).collect()),
                Value::Array(items.iter().map(|s| text(&s.to_uppercase().replace('-', "_"))).collect()),
                Value::Array(items.iter().map(|s| text(&s.to_uppercase())).collect()),
            ]
            .into_iter()
            .chain(
                items
                    .iter()
                    .map(|s| s.parse::<u64>().ok().map(Value::from))
                    .collect::<Option<Vec<Value>>>()
                    .map(Value::Array),
            )
            .collect()
        }
        Value::Null => {
            if raw.is_empty() || raw == "null" {
                vec![Value::Null]
            } else {
                scalar(raw)
            }
        }
        Value::String(_) => {
            let mut v = vec![text(raw)];
            v.extend(scalar(raw));
            v
        }
        Value::Object(_) => serde_json::from_str(raw).into_iter().collect(),
    }
}

fn expected(current: &Value) -> &'static str {
    match current {
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a whole number",
        Value::Array(_) => "a comma-separated list",
        _ => "a valid value",
    }
}

/// Sets `field` of `obj` from `raw`. The error names `object` and the field.
pub fn set_field<T: Serialize + DeserializeOwned>(
    obj: &mut T,
    object: &str,
    field: &str,
    raw: &str,
) -> Result<(), ValidationErrors> {
    let fail = |m: String| ValidationErrors::single(object, field, m);
    let Ok(Value::Object(map)) = crate::secret::revealed(|| serde_json::to_value(&*obj)) else {
        return Err(fail("cannot be set".into()));
    };
    let Some(current) = map.get(field).filter(|_| field != "id") else {
        let names: Vec<String> = map.keys().filter(|k| *k != "id").cloned().collect();
        return Err(fail(format!("is not a field; the fields are: {}", names.join(", "))));
    };
    let mut last_error = String::new();
    // An empty value or `null` clears an optional field; other types refuse
    // null and fall through to their own candidates.
    let clear = (raw.is_empty() || raw == "null").then_some(Value::Null);
    for candidate in clear.into_iter().chain(candidates(current, raw)) {
        let mut m: Map<String, Value> = map.clone();
        m.insert(field.to_string(), candidate);
        match serde_json::from_value::<T>(Value::Object(m)) {
            Ok(v) => {
                *obj = v;
                return Ok(());
            }
            Err(e) => last_error = e.to_string(),
        }
    }
    let detail = if last_error.contains("unknown variant") {
        last_error.split_once("expected").map(|(_, rest)| format!("expected {}", rest.trim())).unwrap_or(last_error)
    } else {
        expected(current).to_string()
    };
    Err(fail(format!("{raw:?} is not valid here: {detail}")))
}

/// Applies `FIELD=VALUE` assignments in order; all or nothing.
pub fn apply_assignments<T: Serialize + DeserializeOwned + Clone>(
    obj: &mut T,
    object: &str,
    assignments: &[String],
) -> Result<(), ValidationErrors> {
    let mut work = obj.clone();
    let mut errors = vec![];
    for a in assignments {
        match a.split_once('=') {
            Some((field, value)) => {
                if let Err(e) = set_field(&mut work, object, field.trim(), value) {
                    errors.extend(e.0);
                }
            }
            None => errors.push(crate::ValidationError::new(object, a.clone(), "expected FIELD=VALUE")),
        }
    }
    if errors.is_empty() {
        *obj = work;
        Ok(())
    } else {
        Err(ValidationErrors(errors))
    }
}

/// Sets the fields named in a JSON object (the REST API's bodies); all or
/// nothing, each error naming its field.
pub fn apply_json<T: Serialize + DeserializeOwned + Clone>(
    obj: &mut T,
    object: &str,
    patch: &Map<String, Value>,
) -> Result<(), ValidationErrors> {
    let Ok(Value::Object(mut map)) = crate::secret::revealed(|| serde_json::to_value(&*obj)) else {
        return Err(ValidationErrors::single(object, "body", "cannot be set"));
    };
    let mut errors = vec![];
    for (field, value) in patch {
        if field == "id" || !map.contains_key(field) {
            let names: Vec<&String> = map.keys().filter(|k| *k != "id").collect();
            let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
            errors.push(crate::ValidationError::new(
                object,
                field.clone(),
                format!("is not a field; the fields are: {}", names.join(", ")),
            ));
            continue;
        }
        // Each field on its own first, so the error names it.
        let mut one = map.clone();
        one.insert(field.clone(), value.clone());
        match serde_json::from_value::<T>(Value::Object(one)) {
            Ok(_) => {
                map.insert(field.clone(), value.clone());
            }
            Err(e) => errors.push(crate::ValidationError::new(object, field.clone(), clean_serde_error(&e))),
        }
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors));
    }
    match serde_json::from_value::<T>(Value::Object(map)) {
        Ok(v) => {
            *obj = v;
            Ok(())
        }
        Err(e) => Err(ValidationErrors::single(object, "body", clean_serde_error(&e))),
    }
}

/// serde's message without its "at line 1 column 2" position (meaningless
/// for a value built in memory).
fn clean_serde_error(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s.get(..i).unwrap_or(&s).to_string(),
        None => s,
    }
}

/// A change to an object's fields: `FIELD=VALUE` text (CLI, web forms) or
/// a JSON object (REST API).
#[derive(Debug, Clone, Copy)]
pub enum Edit<'a> {
    Assignments(&'a [String]),
    Json(&'a Map<String, Value>),
}

impl<'a> From<&'a [String]> for Edit<'a> {
    fn from(a: &'a [String]) -> Self {
        Edit::Assignments(a)
    }
}

impl<'a> From<&'a Vec<String>> for Edit<'a> {
    fn from(a: &'a Vec<String>) -> Self {
        Edit::Assignments(a)
    }
}

impl<'a> From<&'a Map<String, Value>> for Edit<'a> {
    fn from(m: &'a Map<String, Value>) -> Self {
        Edit::Json(m)
    }
}

impl Edit<'_> {
    pub fn apply<T: Serialize + DeserializeOwned + Clone>(
        self,
        obj: &mut T,
        object: &str,
    ) -> Result<(), ValidationErrors> {
        match self {
            Edit::Assignments(a) => apply_assignments(obj, object, a),
            Edit::Json(m) => apply_json(obj, object, m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smb::{MinProtocol, SmbService};
    use crate::ssh::SshService;

    #[test]
    fn sets_enums_booleans_lists_and_options() {
        let mut s = SmbService::default();
        apply_assignments(
            &mut s,
            "smb",
            &["minimum_protocol=smb1".into(), "ntlmv1_auth=true".into(), "admin_group=wheel".into()],
        )
        .unwrap();
        assert_eq!(s.minimum_protocol, MinProtocol::Smb1);
        assert!(s.ntlmv1_auth);
        assert_eq!(s.admin_group.as_deref(), Some("wheel"));
        apply_assignments(&mut s, "smb", &["admin_group=".into(), "bindip=127.0.0.1,::1".into()]).unwrap();
        assert_eq!(s.admin_group, None);
        assert_eq!(s.bindip.len(), 2);
        let mut ssh = SshService::default();
        apply_assignments(&mut ssh, "ssh", &["weak_ciphers=AES128-CBC".into(), "tcpport=2222".into()]).unwrap();
        assert_eq!(ssh.tcpport, 2222);
    }

    #[test]
    fn secrets_set_earlier_survive_later_assignments_and_never_show() {
        use crate::iscsi::Auth;
        let mut a = Auth::default();
        apply_assignments(
            &mut a,
            "iscsi auth",
            &["secret=Secret123456".into(), "user=u".into(), "peersecret=PeerSecret123".into(), "tag=2".into()],
        )
        .unwrap();
        assert_eq!((a.secret.expose(), a.peersecret.expose()), ("Secret123456", "PeerSecret123"));
        let patch = serde_json::json!({"user": "v"});
        apply_json(&mut a, "iscsi auth", patch.as_object().unwrap()).unwrap();
        assert_eq!(a.secret.expose(), "Secret123456");
        // Outside the setter, secrets still print masked.
        assert!(!serde_json::to_string(&a).unwrap().contains("Secret123456"));
    }

    #[test]
    fn errors_name_the_field_and_change_nothing() {
        let mut s = SmbService::default();
        let before = s.clone();
        let err =
            apply_assignments(&mut s, "smb", &["ntlmv1_auth=true".into(), "minimum_protocol=SMB9".into()]).unwrap_err();
        assert_eq!(err.0[0].field, "minimum_protocol");
        assert!(err.0[0].message.contains("SMB1"), "{}", err.0[0].message);
        assert_eq!(s, before);
        let err = apply_assignments(&mut s, "smb", &["nosuchfield=1".into()]).unwrap_err();
        assert!(err.0[0].message.contains("netbiosname"));
        let err = apply_assignments(&mut s, "smb", &["bindip=999.1.1.1".into()]).unwrap_err();
        assert_eq!(err.0[0].field, "bindip");
    }

    #[test]
    fn json_patches_name_the_field_and_change_nothing() {
        let mut s = SmbService::default();
        let before = s.clone();
        let patch = serde_json::json!({"ntlmv1_auth": true, "minimum_protocol": "SMB9", "bogus": 1});
        let err = apply_json(&mut s, "smb", patch.as_object().unwrap()).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["bogus", "minimum_protocol"]);
        assert!(!err.0[1].message.contains("line 1"), "{}", err.0[1].message);
        assert_eq!(s, before);
        let patch = serde_json::json!({"ntlmv1_auth": true, "minimum_protocol": "SMB1"});
        apply_json(&mut s, "smb", patch.as_object().unwrap()).unwrap();
        assert!(s.ntlmv1_auth);
        assert_eq!(s.minimum_protocol, MinProtocol::Smb1);
    }

    #[test]
    fn an_empty_field_name_is_named_as_such() {
        let mut s = SmbService::default();
        let patch = serde_json::json!({"": 1});
        let err = apply_json(&mut s, "smb", patch.as_object().unwrap()).unwrap_err();
        assert_eq!(err.0[0].field, crate::error::EMPTY_FIELD);
        let err = apply_assignments(&mut s, "smb", &["=1".into()]).unwrap_err();
        assert_eq!(err.0[0].field, crate::error::EMPTY_FIELD);
    }
}
