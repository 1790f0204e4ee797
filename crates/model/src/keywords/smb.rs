//! smb.conf (Samba 4.17, Debian 12): the fields' parameters, values and
//! Samba's defaults.
//!
//! Defaults and spellings were taken from `testparm -sv` on an empty file
//! and on one line of each spelling (Samba matches values
//! case-insensitively; a value it refuses makes it reject the whole file).
//! Parameter names reach these rows canonical: lowercase, single-spaced,
//! synonyms resolved by `smb_canonical_name` from Samba's own table
//! (`smb_params`), inverted ones (`writeable`) with the value inverted. The
//! rows list their synonyms too; a test checks that they agree with Samba's.
//!
//! To add a parameter that sets a field: one [`Row`] in [`SMB_GLOBAL`] or
//! [`SMB_SHARE`]. Normalise, render, import and the generated round-trip
//! tests then cover it; the parameter is then "owned" and never reaches the
//! auxiliary-line allowlist (`smb_allow`), which stays the authority on every
//! parameter that is not a field.

use super::{Choice, List, Meaning, Render, Row, Table, Text, Words};
use crate::smb::{MinProtocol, ServerSigning, SmbEncryption, SmbService, SmbShare};
use Meaning::{Exact, Nearest, Refused};

/// Samba's booleans.
pub const SAMBA_BOOL: Words<bool> = &[
    ("yes", Exact(true)),
    ("no", Exact(false)),
    ("true", Exact(true)),
    ("false", Exact(false)),
    ("1", Exact(true)),
    ("0", Exact(false)),
    ("on", Exact(true)),
    ("off", Exact(false)),
];

const SMB2_10: &str = "SMB2_10 is an SMB2 dialect above SMB2_02, the only SMB2 minimum nasguard offers; SMB2 renders SMB2_02, which also admits SMB 2.0.2 clients";
const SMB3_02: &str = "SMB3_02 is above SMB3_00, the only SMB3 minimum nasguard offers; SMB3 renders SMB3_00, which also admits SMB 3.0 clients";
const SMB3_11: &str = "SMB3_11 (SMB 3.1.1, with pre-authentication integrity) is above SMB3_00, the only SMB3 minimum nasguard offers; SMB3 renders SMB3_00, which also admits SMB 3.0 and 3.0.2 clients";
const PRE_NT1: &str = "a DOS-era dialect older than NT1: it admits SMB1 too, and more; SMB1 renders NT1, the oldest dialect nasguard offers";
const GONE: &str = "Samba 4.17 no longer knows this dialect (testparm: \"Ignoring invalid value\")";

/// `server min protocol`: every spelling Samba 4.17 accepts, and the ones
/// older Sambas took.
pub const MIN_PROTOCOL: Words<MinProtocol> = &[
    ("NT1", Exact(MinProtocol::Smb1)),
    ("SMB2_02", Exact(MinProtocol::Smb2)),
    ("SMB3_00", Exact(MinProtocol::Smb3)),
    // Samba 4.17's default minimum is SMB2_02.
    ("default", Exact(MinProtocol::Smb2)),
    ("SMB2", Nearest(MinProtocol::Smb2, SMB2_10)),
    ("SMB2_10", Nearest(MinProtocol::Smb2, SMB2_10)),
    ("SMB3_02", Nearest(MinProtocol::Smb3, SMB3_02)),
    ("SMB3", Nearest(MinProtocol::Smb3, SMB3_11)),
    ("SMB3_11", Nearest(MinProtocol::Smb3, SMB3_11)),
    ("LANMAN2", Nearest(MinProtocol::Smb1, PRE_NT1)),
    ("LANMAN1", Nearest(MinProtocol::Smb1, PRE_NT1)),
    ("COREPLUS", Nearest(MinProtocol::Smb1, PRE_NT1)),
    ("CORE+", Nearest(MinProtocol::Smb1, PRE_NT1)),
    ("CORE", Nearest(MinProtocol::Smb1, PRE_NT1)),
    ("SMB2_22", Refused(GONE)),
    ("SMB2_24", Refused(GONE)),
    ("SMB3_10", Refused(GONE)),
    ("SMB1", Refused("Samba spells SMB1 NT1")),
];

const NTLM_STRICTER: &str =
    "stricter than ntlmv2-only, the strictest value nasguard offers (ntlmv1_auth=false renders ntlmv2-only)";

pub const NTLM_AUTH: Words<bool> = &[
    ("ntlmv1-permitted", Exact(true)),
    ("ntlmv2-only", Exact(false)),
    ("yes", Exact(true)),
    ("no", Exact(false)),
    ("true", Exact(true)),
    ("false", Exact(false)),
    ("1", Exact(true)),
    ("0", Exact(false)),
    ("disabled", Nearest(false, NTLM_STRICTER)),
    ("mschapv2-and-ntlmv2-only", Nearest(false, NTLM_STRICTER)),
];

const SIGNING_OFFERED: &str = "Samba reads it as if_required, which offers SMB1 signing; DEFAULT does not on a standalone server (for SMB2 and SMB3 they are the same)";
const SIGNING_OFF: &str = "signing cannot be switched off for SMB2 and SMB3; set server_signing=DEFAULT (signing offered to SMB2/3 clients, not required) if that is what you mean";

pub const SERVER_SIGNING: Words<ServerSigning> = &[
    ("mandatory", Exact(ServerSigning::Mandatory)),
    ("required", Exact(ServerSigning::Mandatory)),
    ("force", Exact(ServerSigning::Mandatory)),
    ("forced", Exact(ServerSigning::Mandatory)),
    ("enforced", Exact(ServerSigning::Mandatory)),
    ("default", Exact(ServerSigning::Default)),
    ("auto", Nearest(ServerSigning::Default, SIGNING_OFFERED)),
    ("if_required", Nearest(ServerSigning::Default, SIGNING_OFFERED)),
    ("yes", Nearest(ServerSigning::Default, SIGNING_OFFERED)),
    ("true", Nearest(ServerSigning::Default, SIGNING_OFFERED)),
    ("on", Nearest(ServerSigning::Default, SIGNING_OFFERED)),
    ("1", Nearest(ServerSigning::Default, SIGNING_OFFERED)),
    ("enabled", Nearest(ServerSigning::Default, SIGNING_OFFERED)),
    ("desired", Nearest(ServerSigning::Default, SIGNING_OFFERED)),
    ("disabled", Nearest(ServerSigning::Default, SIGNING_OFF)),
    ("no", Nearest(ServerSigning::Default, SIGNING_OFF)),
    ("off", Nearest(ServerSigning::Default, SIGNING_OFF)),
    ("false", Nearest(ServerSigning::Default, SIGNING_OFF)),
    ("0", Nearest(ServerSigning::Default, SIGNING_OFF)),
];

const ENCRYPTION_OFF: &str =
    "nasguard has no value that stops offering encryption; DEFAULT lets clients that ask use it";

/// `server smb encrypt` (synonym `smb encrypt`).
pub const SERVER_SMB_ENCRYPT: Words<SmbEncryption> = &[
    ("default", Exact(SmbEncryption::Default)),
    ("if_required", Exact(SmbEncryption::Negotiate)),
    ("desired", Exact(SmbEncryption::Desired)),
    ("required", Exact(SmbEncryption::Required)),
    ("auto", Exact(SmbEncryption::Negotiate)),
    ("yes", Exact(SmbEncryption::Negotiate)),
    ("true", Exact(SmbEncryption::Negotiate)),
    ("on", Exact(SmbEncryption::Negotiate)),
    ("1", Exact(SmbEncryption::Negotiate)),
    ("enabled", Exact(SmbEncryption::Negotiate)),
    ("mandatory", Exact(SmbEncryption::Required)),
    ("force", Exact(SmbEncryption::Required)),
    ("forced", Exact(SmbEncryption::Required)),
    ("enforced", Exact(SmbEncryption::Required)),
    ("disabled", Nearest(SmbEncryption::Default, ENCRYPTION_OFF)),
    ("no", Nearest(SmbEncryption::Default, ENCRYPTION_OFF)),
    ("off", Nearest(SmbEncryption::Default, ENCRYPTION_OFF)),
    ("false", Nearest(SmbEncryption::Default, ENCRYPTION_OFF)),
    ("0", Nearest(SmbEncryption::Default, ENCRYPTION_OFF)),
];

pub const SAMBA: &str = "Samba 4.17";

/// The `[global]` parameters that are fields of `SmbService`, in the order
/// nasguard writes them.
pub static SMB_GLOBAL: Table<SmbService> = Table {
    daemon: SAMBA,
    rows: &[
        // Samba's default is the host name: import keeps the model's.
        Row::new(
            "netbiosname",
            "netbios name",
            "",
            &Text::<SmbService> { get: |s| &s.netbiosname, set: |s, v| s.netbiosname = v },
        )
        .keep_when_absent(),
        Row::new(
            "workgroup",
            "workgroup",
            "WORKGROUP",
            &Text::<SmbService> { get: |s| &s.workgroup, set: |s, v| s.workgroup = v },
        )
        .keep_when_absent(),
        Row::new(
            "description",
            "server string",
            "Samba %v",
            &Text::<SmbService> { get: |s| &s.description, set: |s, v| s.description = v },
        )
        .keep_when_absent(),
        Row::new(
            "minimum_protocol",
            "server min protocol",
            "SMB2_02",
            &Choice::<SmbService, _> {
                get: |s| s.minimum_protocol,
                set: |s, v| s.minimum_protocol = v,
                words: MIN_PROTOCOL,
            },
        )
        .synonyms(&["min protocol"]),
        Row::new(
            "ntlmv1_auth",
            "ntlm auth",
            "ntlmv2-only",
            &Choice::<SmbService, _> { get: |s| s.ntlmv1_auth, set: |s, v| s.ntlmv1_auth = v, words: NTLM_AUTH },
        ),
        Row::new(
            "server_signing",
            "server signing",
            "default",
            &Choice::<SmbService, _> {
                get: |s| s.server_signing,
                set: |s, v| s.server_signing = v,
                words: SERVER_SIGNING,
            },
        ),
        Row::new(
            "encryption",
            "server smb encrypt",
            "default",
            &Choice::<SmbService, _> { get: |s| s.encryption, set: |s, v| s.encryption = v, words: SERVER_SMB_ENCRYPT },
        )
        .synonyms(&["smb encrypt"]),
        Row::new(
            "guest",
            "guest account",
            "nobody",
            &Text::<SmbService> { get: |s| &s.guest, set: |s, v| s.guest = v },
        )
        .keep_when_absent(),
        Row::new(
            "localmaster",
            "local master",
            "yes",
            &Choice::<SmbService, _> { get: |s| s.localmaster, set: |s, v| s.localmaster = v, words: SAMBA_BOOL },
        ),
        Row::new(
            "multichannel",
            "server multi channel support",
            "yes",
            &Choice::<SmbService, _> { get: |s| s.multichannel, set: |s, v| s.multichannel = v, words: SAMBA_BOOL },
        ),
    ],
};

/// `[global]` parameters nasguard writes from fields in ways a row cannot
/// say (from several fields, the deployment, or a `DEFAULT` that means "not
/// written"): owned, so an auxiliary line that sets one is refused naming
/// the field, but neither mapped from a pasted line nor imported.
pub const GLOBAL_OWNED_ELSEWHERE: &[(&str, &str)] = &[
    ("netbios aliases", "netbiosalias"),
    ("unix charset", "unixcharset"),
    ("create mask", "filemask"),
    ("directory mask", "dirmask"),
    ("interfaces", "bindip"),
    ("bind interfaces only", "bindip"),
    ("admin users", "admin_group"),
    ("syslog only", "syslog"),
    ("logging", "syslog"),
];

/// The field that owns a `[global]` parameter (canonical name).
pub fn global_owner(key: &str) -> Option<&'static str> {
    SMB_GLOBAL.owner(key).or_else(|| GLOBAL_OWNED_ELSEWHERE.iter().find(|(k, _)| *k == key).map(|(_, f)| *f))
}

/// The parameters of a share section that are fields of `SmbShare`, in the
/// order nasguard writes them.
pub static SMB_SHARE: Table<SmbShare> = Table {
    daemon: SAMBA,
    rows: &[
        Row::new("path", "path", "", &Text::<SmbShare> { get: |s| &s.path, set: |s, v| s.path = v })
            .synonyms(&["directory"])
            // The renderer writes the purpose's path (PRIVATE_DATASETS_SHARE adds %U).
            .refuse_pasted(),
        Row::new(
            "enabled",
            "available",
            "yes",
            &Choice::<SmbShare, _> { get: |s| s.enabled, set: |s, v| s.enabled = v, words: SAMBA_BOOL },
        )
        .refuse_pasted()
        .render(Render::ByRenderer("a disabled share is left out of smb.conf")),
        Row::new("comment", "comment", "", &Text::<SmbShare> { get: |s| &s.comment, set: |s, v| s.comment = v })
            .render(Render::UnlessEmpty),
        // `writeable`, `writable` and `write ok` are inverted synonyms.
        Row::new(
            "readonly",
            "read only",
            "yes",
            &Choice::<SmbShare, _> { get: |s| s.readonly, set: |s, v| s.readonly = v, words: SAMBA_BOOL },
        ),
        Row::new(
            "browsable",
            "browseable",
            "yes",
            &Choice::<SmbShare, _> { get: |s| s.browsable, set: |s, v| s.browsable = v, words: SAMBA_BOOL },
        )
        .synonyms(&["browsable"]),
        Row::new(
            "guestok",
            "guest ok",
            "no",
            &Choice::<SmbShare, _> { get: |s| s.guestok, set: |s, v| s.guestok = v, words: SAMBA_BOOL },
        )
        .synonyms(&["public"]),
        Row::new(
            "abe",
            "access based share enum",
            "no",
            &Choice::<SmbShare, _> { get: |s| s.abe, set: |s, v| s.abe = v, words: SAMBA_BOOL },
        ),
        Row::new(
            "hostsallow",
            "hosts allow",
            "",
            &List::<SmbShare> { get: |s| &s.hostsallow, set: |s, v| s.hostsallow = v },
        )
        .synonyms(&["allow hosts"])
        .render(Render::UnlessEmpty),
        Row::new(
            "hostsdeny",
            "hosts deny",
            "",
            &List::<SmbShare> { get: |s| &s.hostsdeny, set: |s, v| s.hostsdeny = v },
        )
        .synonyms(&["deny hosts"])
        .render(Render::UnlessEmpty),
    ],
};

/// Samba parameters that are not fields but that rules judge from their
/// raw value (SMB-003, -009, -010, -013), with Samba's default: import keeps
/// them as auxiliary lines with their effective value.
pub const RAW_JUDGED: [(&str, &str); 4] =
    [("lanman auth", "no"), ("map to guest", "Never"), ("restrict anonymous", "0"), ("client signing", "default")];

/// Samba's value of a `[global]` parameter the audit judges, when the file
/// does not set it.
pub fn samba_default(key: &str) -> Option<&'static str> {
    SMB_GLOBAL
        .row(key)
        .and_then(|r| r.daemon_default())
        .or_else(|| RAW_JUDGED.iter().find(|(k, _)| *k == key).map(|(_, d)| *d))
}

/// A boolean as Samba would read it, if it is one.
pub fn samba_bool(v: &str) -> Option<bool> {
    match super::meaning(SAMBA_BOOL, v) {
        Some(Exact(b)) => Some(b),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smb_params::{SAMBA_PARAMS, SAMBA_SYNONYMS};

    fn rows() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
        SMB_GLOBAL
            .rows
            .iter()
            .map(|r| (r.keyword, r.synonyms))
            .chain(SMB_SHARE.rows.iter().map(|r| (r.keyword, r.synonyms)))
    }

    #[test]
    fn rows_name_samba_parameters_and_samba_synonyms() {
        for (keyword, synonyms) in rows() {
            assert!(SAMBA_PARAMS.iter().any(|(p, _)| *p == keyword), "{keyword} is not a Samba parameter");
            let samba: Vec<&str> = SAMBA_SYNONYMS
                .iter()
                .filter(|(_, canonical, inverted)| *canonical == keyword && !inverted)
                .map(|(s, _, _)| *s)
                .collect();
            assert_eq!(synonyms, samba.as_slice(), "{keyword}");
        }
        for (k, _) in GLOBAL_OWNED_ELSEWHERE {
            assert!(SAMBA_PARAMS.iter().any(|(p, _)| p == k), "{k}");
        }
    }

    #[test]
    fn the_allowlist_never_allows_a_parameter_a_field_owns() {
        let owned = SMB_GLOBAL
            .rows
            .iter()
            .map(|r| r.keyword)
            .chain(SMB_SHARE.rows.iter().map(|r| r.keyword))
            .chain(GLOBAL_OWNED_ELSEWHERE.iter().map(|(k, _)| *k));
        for k in owned {
            assert!(crate::smb_allow::allowed(k).is_none(), "{k} is owned by a field but on the allowlist");
            assert!(crate::smb_allow::refused_reason(k).is_some_and(|r| r.starts_with("owned by nasguard")), "{k}");
        }
    }

    #[test]
    fn every_protocol_spelling_of_samba_4_17_is_listed() {
        // What testparm 4.17 accepts for `server min protocol`, and what it refuses.
        for ok in [
            "default", "NT1", "SMB2", "SMB2_02", "SMB2_10", "SMB3", "SMB3_00", "SMB3_02", "SMB3_11", "LANMAN1",
            "LANMAN2", "CORE", "COREPLUS", "CORE+", "smb3_11", "nt1",
        ] {
            assert!(
                matches!(super::super::meaning(MIN_PROTOCOL, ok), Some(Exact(_) | Nearest(..))),
                "{ok} is accepted by Samba 4.17"
            );
        }
        for refused in ["SMB2_22", "SMB2_24", "SMB3_10", "SMB1"] {
            assert!(matches!(super::super::meaning(MIN_PROTOCOL, refused), Some(Refused(_))), "{refused}");
        }
    }

    #[test]
    fn defaults_are_samba_4_17s() {
        assert_eq!(samba_default("server min protocol"), Some("SMB2_02"));
        assert_eq!(samba_default("map to guest"), Some("Never"));
        assert_eq!(samba_default("netbios name"), None);
        assert_eq!(global_owner("min protocol"), Some("minimum_protocol"));
        assert_eq!(global_owner("interfaces"), Some("bindip"));
    }
}
