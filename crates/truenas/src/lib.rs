//! TrueNAS configuration backups: `freenas-v1.db`, or the tar that holds it
//! with the secret seed (`pwenc_secret`).
//!
//! Two halves, kept apart:
//! - [`read`] is the IO edge: it opens the file read-only and bounded
//!   (SQLite `mode=ro&immutable=1`, defensive, untrusted schema, no
//!   triggers or views, capped values, a deadline; a tar read sequentially
//!   with caps, refusing `..`, absolute names, links and huge members) and
//!   returns the rows as plain data ([`db::Db`]).
//! - [`map`] is pure: rows -> `nasguard_model::Config`, with TrueNAS's
//!   semantics, and a location table `(object, field) -> (table, column,
//!   row)`. [`audit`] runs nasguard's rules on it and points each finding
//!   at where the setting lives in the backup.

pub mod db;
pub mod fixture;
pub mod map;
pub mod pwenc;
pub mod read;
pub mod schema;

pub use map::{DbLoc, MapError, Mapped, RowRef, SealedAuth, map};
pub use read::{Backup, Format, ReadError, open, open_bytes};

use nasguard_model::Service;
use nasguard_policy::{Finding, Location, find_rule};

/// What TrueNAS calls a service in `services_services`.
pub fn truenas_service_name(s: Service) -> &'static str {
    match s {
        Service::Smb => "cifs",
        Service::Nfs => "nfs",
        Service::Iscsi => "iscsitarget",
        Service::Ssh => "ssh",
    }
}

/// Why a backup could not be audited or imported.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{path}: {source}")]
    Map { path: String, source: MapError },
}

/// Opens and maps a backup.
pub fn load(path: &std::path::Path) -> Result<(Backup, Mapped), Error> {
    let backup = open(path)?;
    let mut mapped = map(&backup.db).map_err(|source| Error::Map { path: path.display().to_string(), source })?;
    mapped.notes.extend(backup.notes.iter().cloned());
    Ok((backup, mapped))
}

/// Reads and maps a backup given as bytes (an upload).
pub fn load_bytes(bytes: &[u8], label: &str) -> Result<(Backup, Mapped), Error> {
    let backup = open_bytes(bytes, label)?;
    let mut mapped = map(&backup.db).map_err(|source| Error::Map { path: label.to_string(), source })?;
    mapped.notes.extend(backup.notes.iter().cloned());
    Ok((backup, mapped))
}

/// Runs every rule on the mapped backup. Each finding says where it comes
/// from (`file`, table, column, row), whether its service is enabled in the
/// backup, and whether its share is; none is fixable (there is no model
/// here to fix: import it first).
pub fn audit(m: &Mapped, file: &str) -> Vec<Finding> {
    nasguard_policy::audit(&m.config, &m.facts)
        .into_iter()
        .map(|mut f| {
            let field = f.field.clone().or_else(|| find_rule(&f.rule).and_then(|r| r.info.field).map(String::from));
            let object = f.object.to_string();
            if let Some(at) = m.locate(&f.rule, field.as_deref(), &object) {
                f.location = Some(Location {
                    file: file.to_string(),
                    line: 0,
                    table: Some(at.table),
                    column: at.column,
                    row: at.row,
                });
            }
            if f.rule == "SMB-006" {
                f.message = f.message.replace("on this system", "in the backup's account_bsdgroups");
            }
            if let Some(extra) = m.annotations.get(&(object.clone(), f.rule.clone())) {
                f.message.push_str(&format!(" ({extra})"));
            }
            if m.disabled.contains(&object) {
                f.message.push_str(" (this share is not enabled in the backup)");
            }
            if !m.enabled.get(&f.service).copied().unwrap_or(false) {
                f.message.push_str(&format!(
                    " (the {} service is not enabled in the backup: services_services.srv_enable = 0 for {})",
                    f.service,
                    truenas_service_name(f.service)
                ));
            }
            f.fixable = false;
            f
        })
        .collect()
}

#[cfg(test)]
mod tests;
