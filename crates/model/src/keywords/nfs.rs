//! The value vocabularies of exports(5) and ganesha.conf (NFS-Ganesha 3.5,
//! Debian 12) that the renderers write and the importers read.
//!
//! NFS has no auxiliary lines, so there is nothing to normalise: the rows
//! here are the words both directions share. Structure (which client gets
//! which options, the per-export blocks) stays in the renderers and the
//! importers. targets.conf has no table: its directives are structure
//! (`incominguser USER SECRET`, `<backing-store PATH>`), not keyword values.

use super::{Meaning, Words};
use crate::nfs::{NfsProtocol, NfsSecurity};
use Meaning::{Exact, Nearest};

/// Security flavours: exports' `sec=a:b` and Ganesha's `SecType = a, b`.
pub const SECURITY: Words<NfsSecurity> = &[
    ("sys", Exact(NfsSecurity::Sys)),
    ("krb5", Exact(NfsSecurity::Krb5)),
    ("krb5i", Exact(NfsSecurity::Krb5i)),
    ("krb5p", Exact(NfsSecurity::Krb5p)),
];

/// Ganesha's `Protocols`.
pub const PROTOCOLS: Words<NfsProtocol> = &[
    ("3", Exact(NfsProtocol::Nfsv3)),
    ("4", Exact(NfsProtocol::Nfsv4)),
    ("NFS3", Exact(NfsProtocol::Nfsv3)),
    ("NFSV3", Exact(NfsProtocol::Nfsv3)),
    ("V3", Exact(NfsProtocol::Nfsv3)),
    ("NFS4", Exact(NfsProtocol::Nfsv4)),
    ("NFSV4", Exact(NfsProtocol::Nfsv4)),
    ("V4", Exact(NfsProtocol::Nfsv4)),
];

/// How client users map: the model says it with `maproot_*` / `mapall_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Squash {
    /// root becomes the anonymous user (or `maproot_user`).
    Root,
    /// root stays root (`maproot_user = root`).
    NoRoot,
    /// everyone becomes the anonymous user (`mapall_user`).
    All,
}

/// exports(5) squash options.
pub const EXPORTS_SQUASH: Words<Squash> = &[
    ("root_squash", Exact(Squash::Root)),
    ("no_root_squash", Exact(Squash::NoRoot)),
    ("all_squash", Exact(Squash::All)),
];

/// Ganesha's `Squash` (the tokens of its config parser, case-insensitive).
pub const GANESHA_SQUASH: Words<Squash> = &[
    ("root_squash", Exact(Squash::Root)),
    ("no_root_squash", Exact(Squash::NoRoot)),
    ("all_squash", Exact(Squash::All)),
    ("root", Exact(Squash::Root)),
    ("rootsquash", Exact(Squash::Root)),
    ("all", Exact(Squash::All)),
    ("allsquash", Exact(Squash::All)),
    ("all_anonymous", Exact(Squash::All)),
    ("allanonymous", Exact(Squash::All)),
    ("none", Exact(Squash::NoRoot)),
    ("noidsquash", Exact(Squash::NoRoot)),
    ("rootid", Nearest(Squash::Root, ROOT_ID)),
    ("root_id_squash", Nearest(Squash::Root, ROOT_ID)),
    ("rootidsquash", Nearest(Squash::Root, ROOT_ID)),
];

const ROOT_ID: &str = "root keeps its groups (only its uid is squashed); the model squashes both";

/// Whether a share is read-only: exports' `ro`/`rw`.
pub const EXPORTS_ACCESS: Words<bool> = &[("rw", Exact(false)), ("ro", Exact(true))];

/// Ganesha's `Access_Type` (read-only?).
pub const GANESHA_ACCESS: Words<bool> = &[
    ("RW", Exact(false)),
    ("RO", Exact(true)),
    ("MDONLY", Nearest(true, "metadata may change, data may not; the model says read-only")),
    ("MDONLY_RO", Exact(true)),
];

/// The words of a list value (`sec=sys:krb5`, `Protocols = 3, 4`) that
/// mean a model value, exactly or nearly; unknown words are skipped.
pub fn read_list<V: Copy + PartialEq>(words: Words<V>, items: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<V> {
    let mut out = vec![];
    for item in items {
        if let Some(Exact(v) | Nearest(v, _)) = super::meaning(words, item.as_ref())
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    out
}

/// The spellings of model values, in order.
pub fn write_list<V: Copy + PartialEq>(words: Words<V>, values: &[V]) -> Vec<&'static str> {
    values.iter().filter_map(|v| super::spelling(words, *v)).collect()
}
