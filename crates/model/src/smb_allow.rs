//! The reviewed ALLOWLIST of Samba parameters an auxiliary line may set.
//!
//! Auxiliary lines (`smb.smb_options` for `[global]`, a share's `auxsmbconf`)
//! reach smbd, which runs as root. The project's rule: anything that reaches a
//! daemon running as root is checked against an allowlist of what is known to
//! be harmless, not a blocklist of what is known to be bad.
//!
//! Every one of the parameters of Samba 4.17's table (`smb_params::SAMBA_PARAMS`) was
//! reviewed against smb.conf(5). A parameter is in [`SMB_ALLOWED`] only if
//! EVERY value its checker accepts is harmless: it cannot run a program;
//! name, read or write a file, directory, socket or library; change which
//! Unix identity does file operations; weaken authentication, signing or
//! encryption, or let guests, anonymous or null sessions in; widen which hosts
//! or users can connect; follow links out of the share or redirect clients;
//! load modules; or change where Samba keeps state. Where only some values of
//! a common parameter are harmless, its checker accepts only those
//! (`follow symlinks`, `force create mode`, ...). Everything else is in
//! [`SMB_REFUSED`], grouped by the reason, so a reviewer sees that every
//! parameter was looked at (a test checks that the two lists cover the table
//! exactly once).
//!
//! Parameters nasguard owns or derives (its fields, the derived globals, the
//! share purposes' parameters when a purpose sets them) are handled by
//! `smb_aux` before the allowlist; they are listed in the refused block as
//! "owned by nasguard". The purpose parameters that only SOME purposes set
//! (`oplocks`, `posix locking`, `durable handles`, ...) are on the allowlist:
//! a share whose purpose does not set them may.
//!
//! Parametric names (`module:option`) are not on the list: none of the table's
//! parametric entries is harmless and useful here, and the unlisted ones
//! (`idmap config * : backend`, `server require schannel:ACCOUNT`, VFS module
//! options...) were never reviewed, so an allowlist check refuses them too.
//!
//! Samba substitutions (`%U`, `%S`, `%$(ENV)`...) are refused wherever a
//! checker accepts names, patterns or text: a substitution can expand to any
//! account, root included, or leak the environment.

/// How an allowed parameter's value is checked (beyond the single-line / no
/// trailing backslash check every value gets, see [`check_value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SmbValue {
    /// Samba's boolean words, case-insensitive: yes/no, true/false, 1/0, on/off.
    Bool,
    /// A plain decimal integer in `min..=max`: no sign other than a leading
    /// `-`, no leading zero (Samba reads `010` as octal 8 and `0x10` as hex),
    /// no trailing text (Samba would silently ignore it).
    Int { min: i64, max: i64 },
    /// One of these words, case-insensitive (a subset of the Samba enum when
    /// only some of its values are harmless).
    Enum(&'static [&'static str]),
    /// A Unix mode of one to four octal digits (an extra leading 0 is allowed,
    /// `00644`), at most 07777, with none of the `refused` bits set.
    Octal { refused: u32 },
    /// A list of user and group names (separated by commas or spaces) that
    /// restricts or grants access among users who may already connect:
    /// `name`, `@group`, `+group`, `&netgroup`, `+&group`, `&+group`. Names are
    /// 1 to 32 of letters, digits, `_ - .` (starting with a letter, digit or
    /// `_`), optionally ending in `$`. No `%` (substitution), quotes,
    /// backslashes (`DOMAIN\user`) or empty list.
    Names,
    /// A `veto files`-style list, `/pattern/pattern/`: starts and ends with
    /// `/`, entries non-empty and not `.` or `..`, `*` and `?` wildcards, no
    /// `%` (substitution) or backslash. The entries match names inside the
    /// share; they have no path meaning.
    Patterns,
    /// A short label with no path, command or identity meaning: 1 to `max`
    /// of ASCII letters, digits, space and `- _ .`.
    Text { max: usize },
    /// A non-empty list (commas or spaces) of distinct words from this set,
    /// case-insensitive. Samba's `-WORD` removal syntax is refused.
    OneOrMoreOf(&'static [&'static str]),
}

/// One allowed parameter: its canonical (lowercase, single-spaced) name, how
/// its value is checked, and why every accepted value is harmless.
#[derive(Debug)]
pub(crate) struct Allowed {
    pub name: &'static str,
    pub value: SmbValue,
    /// For reviewers (and the scope test): why every accepted value is harmless.
    #[cfg_attr(not(test), allow(dead_code))]
    pub why: &'static str,
}

/// A group of parameters considered and refused, with the reason.
#[derive(Debug)]
pub(crate) struct Refused {
    pub reason: &'static str,
    pub names: &'static [&'static str],
}

const BOOL_AUTO: &[&str] = &["auto", "yes", "no", "true", "false", "1", "0"];
/// The "off" half of Samba's boolean words: for parameters whose "on" value
/// is the one that is not harmless.
const BOOL_OFF: &[&str] = &["no", "false", "0", "off"];
const SMB3_ENCRYPTION: &[&str] = &["AES-128-GCM", "AES-128-CCM", "AES-256-GCM", "AES-256-CCM"];
const SMB3_SIGNING: &[&str] = &["AES-128-GMAC", "AES-128-CMAC", "HMAC-SHA256"];

/// The reviewed allowlist, alphabetical. Scope is Samba's: share parameters
/// (S) may also appear in `[global]` as defaults; global ones (G) only there
/// (smb_aux checks the scope against `SAMBA_PARAMS`).
pub(crate) const SMB_ALLOWED: &[Allowed] = &[
    Allowed {
        name: "acl flag inherited canonicalization",
        value: SmbValue::Bool,
        why: "S: how the DACL auto-inherited flag is stored; no access decision uses it",
    },
    Allowed {
        name: "acl map full control",
        value: SmbValue::Bool,
        why: "S: whether rwx is displayed as FULL CONTROL; display only",
    },
    Allowed {
        name: "administrative share",
        value: SmbValue::Bool,
        why: "S: reports the share as hidden (STYPE_DISKTREE_HIDDEN); no access change",
    },
    Allowed {
        name: "aio read size",
        value: SmbValue::Int { min: 0, max: 8_388_608 },
        why: "S: async read threshold in bytes; I/O tuning",
    },
    Allowed {
        name: "aio write behind",
        value: SmbValue::Patterns,
        why: "S: file-name patterns whose writes are acknowledged early; data-safety trade-off the admin chooses, no access change",
    },
    Allowed {
        name: "aio write size",
        value: SmbValue::Int { min: 0, max: 8_388_608 },
        why: "S: async write threshold in bytes; I/O tuning",
    },
    Allowed {
        name: "aio max threads",
        value: SmbValue::Int { min: 1, max: 1024 },
        why: "G: async I/O thread pool size; tuning",
    },
    Allowed {
        name: "allocation roundup size",
        value: SmbValue::Int { min: 0, max: 16_777_216 },
        why: "S: allocation size reported to SMB1 clients; reporting only",
    },
    Allowed {
        name: "async dns timeout",
        value: SmbValue::Int { min: 1, max: 3600 },
        why: "G: seconds to wait for DNS answers; timeout tuning",
    },
    Allowed { name: "async smb echo handler", value: SmbValue::Bool, why: "G: SMB1 echo handling process; tuning" },
    Allowed {
        name: "block size",
        value: SmbValue::Int { min: 512, max: 65_536 },
        why: "S: block size unit reported to clients; reporting only",
    },
    Allowed { name: "blocking locks", value: SmbValue::Bool, why: "S: queue timed lock requests; locking behaviour" },
    Allowed {
        name: "browse list",
        value: SmbValue::Bool,
        why: "G: whether smbd answers NetServerEnum; shares' own browseable still applies",
    },
    Allowed {
        name: "case sensitive",
        value: SmbValue::Enum(BOOL_AUTO),
        why: "S: file-name case sensitivity (auto/yes/no); name matching only",
    },
    Allowed { name: "change notify", value: SmbValue::Bool, why: "G: answer change-notify requests; feature switch" },
    Allowed {
        name: "check parent directory delete on close",
        value: SmbValue::Bool,
        why: "S: an extra Windows-compatible check; both values are at most as permissive as the default",
    },
    Allowed {
        name: "csc policy",
        value: SmbValue::Enum(&["manual", "documents", "programs", "disable"]),
        why: "S: client-side (offline) caching hint to clients",
    },
    Allowed {
        name: "deadtime",
        value: SmbValue::Int { min: 0, max: 525_600 },
        why: "G: idle minutes before disconnect",
    },
    Allowed { name: "debug class", value: SmbValue::Bool, why: "G: log header format" },
    Allowed { name: "debug hires timestamp", value: SmbValue::Bool, why: "G: log header format" },
    Allowed { name: "debug pid", value: SmbValue::Bool, why: "G: log header format" },
    Allowed { name: "debug prefix timestamp", value: SmbValue::Bool, why: "G: log header format" },
    Allowed { name: "debug syslog format", value: SmbValue::Bool, why: "G: log header format" },
    Allowed { name: "debug uid", value: SmbValue::Bool, why: "G: log header format" },
    Allowed {
        name: "default case",
        value: SmbValue::Enum(&["lower", "upper"]),
        why: "S: case of new names when case is not preserved",
    },
    Allowed {
        name: "defer sharing violations",
        value: SmbValue::Bool,
        why: "G: Windows-like sharing-violation delay; protocol behaviour",
    },
    Allowed {
        name: "delete readonly",
        value: SmbValue::Bool,
        why: "S: lets the DOS read-only attribute not block deletion; Unix permissions still decide",
    },
    Allowed {
        name: "delete veto files",
        value: SmbValue::Bool,
        why: "S: removing a directory also removes vetoed files in it, within the user's permissions",
    },
    Allowed {
        name: "dfree cache time",
        value: SmbValue::Int { min: 0, max: 86_400 },
        why: "S: seconds to cache disk-free answers",
    },
    Allowed {
        name: "directory name cache size",
        value: SmbValue::Int { min: 0, max: 1_000_000 },
        why: "S: SMB1 directory name cache; tuning",
    },
    Allowed {
        name: "dmapi support",
        value: SmbValue::Bool,
        why: "S: report HSM-migrated files as offline; reporting only",
    },
    Allowed { name: "dos filetime resolution", value: SmbValue::Bool, why: "S: timestamp rounding for old clients" },
    Allowed {
        name: "dos filetimes",
        value: SmbValue::Bool,
        why: "S: yes (the default) lets writers set timestamps; no only restricts that",
    },
    Allowed {
        name: "durable handles",
        value: SmbValue::Bool,
        why: "S: SMB2 durable handles; TIMEMACHINE_SHARE sets it (smb_aux refuses it there)",
    },
    Allowed {
        name: "fake directory create times",
        value: SmbValue::Bool,
        why: "S: report a fixed directory create time; reporting only",
    },
    Allowed {
        name: "fake oplocks",
        value: SmbValue::Bool,
        why: "S: grant oplocks without tracking; data-consistency trade-off, no access change",
    },
    Allowed {
        name: "follow symlinks",
        value: SmbValue::Enum(BOOL_OFF),
        why: "S: only \"no\" (stop following symlinks); yes is the default and is not needed here",
    },
    Allowed {
        name: "force create mode",
        value: SmbValue::Octal { refused: 0o7002 },
        why: "S: bits ORed onto new files' modes; setuid, setgid, sticky and other-write (07002) refused",
    },
    Allowed {
        name: "force directory mode",
        value: SmbValue::Octal { refused: 0o4002 },
        why: "S: bits ORed onto new directories' modes; setuid and other-write (04002) refused, setgid (group inheritance) and sticky allowed",
    },
    Allowed {
        name: "fstype",
        value: SmbValue::Text { max: 32 },
        why: "S: file-system name reported to clients; a label",
    },
    Allowed { name: "getwd cache", value: SmbValue::Bool, why: "G: getwd() cache; tuning" },
    Allowed { name: "hide dot files", value: SmbValue::Bool, why: "S: mark dot files hidden; visibility only" },
    Allowed { name: "hide files", value: SmbValue::Patterns, why: "S: mark matching names hidden; visibility only" },
    Allowed {
        name: "hide new files timeout",
        value: SmbValue::Int { min: 0, max: 31_536_000 },
        why: "S: hide files modified in the last N seconds; visibility only",
    },
    Allowed { name: "hide special files", value: SmbValue::Bool, why: "S: hide sockets, devices, fifos; restricts" },
    Allowed { name: "hide unreadable", value: SmbValue::Bool, why: "S: hide unreadable files; restricts" },
    Allowed { name: "hide unwriteable files", value: SmbValue::Bool, why: "S: hide unwritable files; restricts" },
    Allowed {
        name: "honor change notify privilege",
        value: SmbValue::Bool,
        why: "S: no (default) sends notify results unchecked; yes checks them, so both are at most the default",
    },
    Allowed {
        name: "host msdfs",
        value: SmbValue::Bool,
        why: "G: DFS server switch; the DFS share parameters (msdfs root/proxy) stay refused",
    },
    Allowed {
        name: "inherit acls",
        value: SmbValue::Bool,
        why: "S: honour the parent directory's default ACL, which the directory's owner set",
    },
    Allowed {
        name: "inherit permissions",
        value: SmbValue::Bool,
        why: "S: new entries take the parent directory's mode (never setuid); the directory's owner set it",
    },
    Allowed { name: "invalid users", value: SmbValue::Names, why: "S: users refused on the share; only restricts" },
    Allowed { name: "keepalive", value: SmbValue::Int { min: 0, max: 86_400 }, why: "G: SMB1 keepalive seconds" },
    Allowed { name: "kernel change notify", value: SmbValue::Bool, why: "G: use inotify for change notify; tuning" },
    Allowed {
        name: "kernel oplocks",
        value: SmbValue::Bool,
        why: "S: kernel leases; TIMEMACHINE_SHARE sets it (smb_aux refuses it there)",
    },
    Allowed {
        name: "kernel share modes",
        value: SmbValue::Bool,
        why: "S: kernel share modes; TIMEMACHINE_SHARE sets it (smb_aux refuses it there)",
    },
    Allowed { name: "large readwrite", value: SmbValue::Bool, why: "G: SMB1 64k read/write; protocol tuning" },
    Allowed {
        name: "level2 oplocks",
        value: SmbValue::Bool,
        why: "S: read-only oplocks; MULTIPROTOCOL_SHARE sets it (smb_aux refuses it there)",
    },
    Allowed {
        name: "lock spin time",
        value: SmbValue::Int { min: 0, max: 10_000 },
        why: "G: milliseconds to retry a failed lock",
    },
    Allowed {
        name: "locking",
        value: SmbValue::Bool,
        why: "S: byte-range locking switch; data-consistency trade-off, no access change",
    },
    Allowed {
        name: "log writeable files on exit",
        value: SmbValue::Bool,
        why: "G: log files open for writing when a connection dies",
    },
    Allowed {
        name: "mangle prefix",
        value: SmbValue::Int { min: 1, max: 6 },
        why: "G: hash2 name-mangling prefix length",
    },
    Allowed {
        name: "mangled names",
        value: SmbValue::Enum(&["yes", "no", "true", "false", "1", "0", "illegal"]),
        why: "S: 8.3 name mangling; naming only",
    },
    Allowed {
        name: "mangling char",
        value: SmbValue::Enum(&["~", "^", "_", "-", "!", "#", "$", "@"]),
        why: "S: the mangling character; one of a fixed set of harmless characters",
    },
    Allowed { name: "mangling method", value: SmbValue::Enum(&["hash", "hash2"]), why: "G: name-mangling algorithm" },
    Allowed {
        name: "map acl inherit",
        value: SmbValue::Bool,
        why: "S: store ACL inheritance flags in user.SAMBA_PAI; ACL bookkeeping",
    },
    Allowed {
        name: "map archive",
        value: SmbValue::Bool,
        why: "S: DOS archive attribute <-> owner execute bit; never setuid",
    },
    Allowed {
        name: "map hidden",
        value: SmbValue::Bool,
        why: "S: DOS hidden attribute <-> other execute bit; never setuid",
    },
    Allowed {
        name: "map readonly",
        value: SmbValue::Enum(&["yes", "no", "true", "false", "1", "0", "permissions", "perms"]),
        why: "S: how the DOS read-only attribute is derived; display and attribute mapping",
    },
    Allowed {
        name: "map system",
        value: SmbValue::Bool,
        why: "S: DOS system attribute <-> group execute bit; never setuid",
    },
    Allowed {
        name: "max connections",
        value: SmbValue::Int { min: 0, max: 65_535 },
        why: "S: limit on simultaneous connections; only restricts",
    },
    Allowed {
        name: "max disk size",
        value: SmbValue::Int { min: 0, max: 2_147_483_647 },
        why: "G: cap on the disk size reported (MB); reporting only",
    },
    Allowed {
        name: "max log size",
        value: SmbValue::Int { min: 1, max: 1_048_576 },
        why: "G: log rotation size in KiB; 0 (no limit, a log that can fill the disk) refused",
    },
    Allowed { name: "max mux", value: SmbValue::Int { min: 1, max: 65_535 }, why: "G: SMB1 outstanding requests" },
    Allowed {
        name: "max open files",
        value: SmbValue::Int { min: 16_384, max: 1_048_576 },
        why: "G: open files per smbd (Samba raises values below 16384)",
    },
    Allowed {
        name: "max smbd processes",
        value: SmbValue::Int { min: 0, max: 100_000 },
        why: "G: limit on smbd processes; only restricts",
    },
    Allowed {
        name: "max stat cache size",
        value: SmbValue::Int { min: 1, max: 1_048_576 },
        why: "G: stat cache KiB; 0 (unlimited memory) refused",
    },
    Allowed {
        name: "max xmit",
        value: SmbValue::Int { min: 2048, max: 65_535 },
        why: "G: SMB1 packet size; protocol tuning",
    },
    Allowed {
        name: "mdns name",
        value: SmbValue::Enum(&["netbios", "mdns"]),
        why: "G: which host name mDNS advertises",
    },
    Allowed {
        name: "min receivefile size",
        value: SmbValue::Int { min: 0, max: 131_072 },
        why: "G: SMB1 zero-copy write threshold; tuning (never on signed connections)",
    },
    Allowed {
        name: "multicast dns register",
        value: SmbValue::Bool,
        why: "G: announce the server over mDNS (Avahi); discovery only",
    },
    Allowed {
        name: "name cache timeout",
        value: SmbValue::Int { min: 0, max: 86_400 },
        why: "G: host-name resolution cache seconds",
    },
    Allowed {
        name: "nt acl support",
        value: SmbValue::Bool,
        why: "S: map Unix permissions to NT ACLs; Unix permissions still decide",
    },
    Allowed {
        name: "nt pipe support",
        value: SmbValue::Bool,
        why: "G: NT IPC$ pipes; turning it off only removes a feature",
    },
    Allowed { name: "nt status support", value: SmbValue::Bool, why: "G: NT status codes vs DOS errors" },
    Allowed {
        name: "oplock break wait time",
        value: SmbValue::Int { min: 0, max: 1000 },
        why: "G: milliseconds before an oplock break; tuning",
    },
    Allowed {
        name: "oplocks",
        value: SmbValue::Bool,
        why: "S: client caching; MULTIPROTOCOL_SHARE sets it (smb_aux refuses it there)",
    },
    Allowed {
        name: "posix locking",
        value: SmbValue::Bool,
        why: "S: map SMB locks to POSIX locks; several purposes set it (smb_aux refuses it there)",
    },
    Allowed { name: "preserve case", value: SmbValue::Bool, why: "S: keep the case of new names" },
    Allowed { name: "read list", value: SmbValue::Names, why: "S: users given read-only access; only restricts" },
    Allowed { name: "read raw", value: SmbValue::Bool, why: "G: SMB1 raw reads; protocol tuning" },
    Allowed {
        name: "server smb3 encryption algorithms",
        value: SmbValue::OneOrMoreOf(SMB3_ENCRYPTION),
        why: "G: subset/order of AES ciphers (all strong); the encryption field still decides whether to encrypt",
    },
    Allowed {
        name: "server smb3 signing algorithms",
        value: SmbValue::OneOrMoreOf(SMB3_SIGNING),
        why: "G: subset/order of signing algorithms (all strong); Samba drops dialects left without one, never signing",
    },
    Allowed { name: "short preserve case", value: SmbValue::Bool, why: "S: keep the case of new 8.3 names" },
    Allowed {
        name: "smb1 unix extensions",
        value: SmbValue::Enum(BOOL_OFF),
        why: "G: only \"no\": the extensions let SMB1 clients create symlinks",
    },
    Allowed {
        name: "smb2 disable lock sequence checking",
        value: SmbValue::Bool,
        why: "G: Windows-compatible lock sequence behaviour",
    },
    Allowed {
        name: "smb2 disable oplock break retry",
        value: SmbValue::Bool,
        why: "G: Windows-compatible oplock break behaviour",
    },
    Allowed { name: "smb2 leases", value: SmbValue::Bool, why: "G: SMB2 leases; client caching" },
    Allowed {
        name: "smb2 max credits",
        value: SmbValue::Int { min: 1, max: 65_535 },
        why: "G: SMB2 outstanding requests",
    },
    Allowed {
        name: "smb2 max read",
        value: SmbValue::Int { min: 65_536, max: 8_388_608 },
        why: "G: largest SMB2 read; protocol tuning",
    },
    Allowed {
        name: "smb2 max trans",
        value: SmbValue::Int { min: 65_536, max: 8_388_608 },
        why: "G: largest SMB2 query buffer; protocol tuning",
    },
    Allowed {
        name: "smb2 max write",
        value: SmbValue::Int { min: 65_536, max: 8_388_608 },
        why: "G: largest SMB2 write; protocol tuning",
    },
    Allowed { name: "smbd async dosmode", value: SmbValue::Bool, why: "S: fetch DOS attributes asynchronously" },
    Allowed {
        name: "smbd force process locks",
        value: SmbValue::Bool,
        why: "S: process-associated instead of OFD locks; locking implementation",
    },
    Allowed {
        name: "smbd getinfo ask sharemode",
        value: SmbValue::Bool,
        why: "S: write-time lookup in locking.tdb; performance vs correctness",
    },
    Allowed {
        name: "smbd max async dosmode",
        value: SmbValue::Int { min: 0, max: 10_000 },
        why: "S: queued async DOS-attribute fetches",
    },
    Allowed {
        name: "smbd max xattr size",
        value: SmbValue::Int { min: 0, max: 16_777_216 },
        why: "S: largest xattr/stream a client may write",
    },
    Allowed {
        name: "smbd profiling level",
        value: SmbValue::Enum(&["off", "count", "on"]),
        why: "G: profiling counters in shared memory",
    },
    Allowed {
        name: "smbd search ask sharemode",
        value: SmbValue::Bool,
        why: "S: write-time lookup in locking.tdb; performance vs correctness",
    },
    Allowed {
        name: "spotlight",
        value: SmbValue::Enum(BOOL_OFF),
        why: "S: only \"no\": yes enables the mdssvc RPC service (CVE-2023-34966/34967) for a search backend nasguard does not run",
    },
    Allowed { name: "stat cache", value: SmbValue::Bool, why: "G: case-insensitive lookup cache; tuning" },
    Allowed {
        name: "store dos attributes",
        value: SmbValue::Bool,
        why: "S: DOS attributes in user.DOSATTRIB; attribute storage",
    },
    Allowed { name: "strict allocate", value: SmbValue::Bool, why: "S: allocate blocks instead of sparse files" },
    Allowed {
        name: "strict locking",
        value: SmbValue::Enum(BOOL_AUTO),
        why: "S: when lock checks are made (auto/yes/no); locking behaviour",
    },
    Allowed { name: "strict rename", value: SmbValue::Bool, why: "S: Windows-like rename check; only restricts" },
    Allowed {
        name: "strict sync",
        value: SmbValue::Bool,
        why: "S: honour client flush requests; durability trade-off",
    },
    Allowed { name: "sync always", value: SmbValue::Bool, why: "S: fsync after every write; durability" },
    Allowed { name: "timestamp logs", value: SmbValue::Bool, why: "G: log header format" },
    Allowed { name: "unicode", value: SmbValue::Bool, why: "G: SMB1 unicode negotiation" },
    Allowed { name: "use mmap", value: SmbValue::Bool, why: "G: tdb mmap use; tuning" },
    Allowed {
        name: "valid users",
        value: SmbValue::Names,
        why: "S: the only users allowed on the share; only restricts",
    },
    Allowed {
        name: "veto files",
        value: SmbValue::Patterns,
        why: "S: names neither visible nor accessible; only restricts",
    },
    Allowed { name: "veto oplock files", value: SmbValue::Patterns, why: "S: names never given oplocks; caching only" },
    Allowed { name: "volume", value: SmbValue::Text { max: 32 }, why: "S: volume label reported; a label" },
    Allowed {
        name: "volume serial number",
        value: SmbValue::Int { min: -1, max: 2_147_483_647 },
        why: "S: volume serial reported (-1 = derived); reporting only",
    },
    Allowed {
        name: "write list",
        value: SmbValue::Names,
        why: "S: listed users get write access even on a read-only share, still within their own Unix permissions; cannot add users (valid/invalid users and passdb decide who connects)",
    },
    Allowed { name: "write raw", value: SmbValue::Bool, why: "G: SMB1 raw writes; protocol tuning" },
];

/// CONSIDERED AND REFUSED: every other parameter of `SAMBA_PARAMS`, grouped
/// by the reason it may not be set from an auxiliary line. (`client ntlmv2
/// auth`, `raw ntlmv2 auth` and `password hash userpassword schemes` are
/// missing from the generated table; they are refused as unknown today and
/// would be refused here too.)
pub(crate) const SMB_REFUSED: &[Refused] = &[
    Refused {
        reason: "owned by nasguard: set by a field, derived from other settings, or set by a share purpose (smb_aux maps or refuses it before the allowlist)",
        names: &[
            // share_managed
            "ea support",
            // global_owner
            "server signing",
            "server min protocol",
            "ntlm auth",
            "server smb encrypt",
            "netbios name",
            "netbios aliases",
            "workgroup",
            "server string",
            "unix charset",
            "local master",
            "guest account",
            "create mask",
            "directory mask",
            "server multi channel support",
            "interfaces",
            "bind interfaces only",
            "admin users",
            "syslog only",
            "logging",
            // global_managed
            "lanman auth",
            "map to guest",
            "restrict anonymous",
            "server role",
            "security",
            "smb ports",
            "disable netbios",
            "passdb backend",
            "load printers",
            "printcap name",
            "disable spoolss",
            "printing",
            // share_owner
            "path",
            "comment",
            "read only",
            "browseable",
            "guest ok",
            "access based share enum",
            "hosts allow",
            "hosts deny",
            "available",
            // share purposes (every purpose sets it)
            "vfs objects",
        ],
    },
    Refused {
        reason: "runs a program (as root, or as the user) or drives one",
        names: &[
            "abort shutdown script",
            "add group script",
            "add machine script",
            "add share command",
            "add user script",
            "add user to group script",
            "addport command",
            "addprinter command",
            "apply group policies",
            "change share command",
            "check password script",
            "delete group script",
            "delete share command",
            "delete user from group script",
            "delete user script",
            "deleteprinter command",
            "dfree command",
            "dns update command",
            "enumports command",
            "get quota command",
            "gpo update command",
            "log nt token command",
            "lppause command",
            "lpq command",
            "lpresume command",
            "lprm command",
            "magic output",
            "magic script",
            "message command",
            "mit kdc command",
            "nsupdate command",
            "panic action",
            "passwd chat",
            "passwd program",
            "postexec",
            "preexec",
            "preexec close",
            "print command",
            "queuepause command",
            "queueresume command",
            "rename user script",
            "root postexec",
            "root preexec",
            "root preexec close",
            "samba kcc command",
            "set primary group script",
            "set quota command",
            "shutdown script",
            "spn update command",
            "svcctl list",
            "username map script",
            "wins hook",
        ],
    },
    Refused {
        reason: "changes which Unix identity does file operations, or how a login or SID maps to an account",
        names: &[
            "afs username map",
            "algorithmic rid base",
            "enable privileges",
            "force group",
            "force unknown acl user",
            "force user",
            "idmap backend",
            "idmap cache time",
            "idmap gid",
            "idmap negative cache time",
            "idmap uid",
            "inherit owner",
            "min domain uid",
            "passdb expand explicit",
            "template homedir",
            "template shell",
            "username level",
            "username map",
            "username map cache time",
        ],
    },
    Refused {
        reason: "weakens authentication, signing or encryption, exposes keys or passwords, or lets guests, anonymous or null sessions in",
        names: &[
            "allow dcerpc auth level connect",
            "allow nt4 crypto",
            "debug encryption",
            "encrypt passwords",
            "guest only",
            "kdc force enable rc4 weak session keys",
            "ldap server require strong auth",
            "ldap ssl",
            "null passwords",
            "pam password change",
            "passwd chat debug",
            "passwd chat timeout",
            "reject md5 clients",
            "reject md5 servers",
            "require strong key",
            "server max protocol",
            "server schannel",
            "server schannel require seal",
            "tls enabled",
            "tls priority",
            "tls verify peer",
            "unix password sync",
        ],
    },
    Refused {
        reason: "security of Samba's own outgoing client connections (could weaken their authentication, signing or encryption)",
        names: &[
            "client ipc max protocol",
            "client ipc min protocol",
            "client ipc signing",
            "client lanman auth",
            "client ldap sasl wrapping",
            "client max protocol",
            "client min protocol",
            "client plaintext auth",
            "client protection",
            "client schannel",
            "client signing",
            "client smb encrypt",
            "client smb3 encryption algorithms",
            "client smb3 signing algorithms",
            "client use kerberos",
            "client use spnego",
            "client use spnego principal",
            "kerberos encryption types",
        ],
    },
    Refused {
        reason: "widens which hosts or users can connect, what they reach, or weakens a permission check",
        names: &[
            "acl allow execute always",
            "acl check permissions",
            "acl group control",
            "allow trusted domains",
            "auto services",
            "copy",
            "default service",
            "dos filemode",
            "enable asu support",
            "hostname lookups",
        ],
    },
    Refused {
        reason: "follows links out of the share or redirects clients to another server (DFS)",
        names: &["allow insecure wide links", "msdfs proxy", "msdfs root", "msdfs shuffle referrals", "wide links"],
    },
    Refused {
        reason: "loads code: VFS/ntvfs/perfcount modules, RPC endpoint servers, charset converters, search backends, PAM account/session modules",
        names: &[
            "dcerpc endpoint servers",
            "dos charset",
            "ntvfs handler",
            "obey pam restrictions",
            "perfcount module",
            "preload modules",
            "server services",
            "spotlight backend",
        ],
    },
    Refused {
        reason: "names a file or directory, writes system files, or changes where Samba keeps state",
        names: &[
            "binddns dir",
            "cache directory",
            "config backend",
            "config file",
            "create krb5 conf",
            "dedicated keytab file",
            "dont descend",
            "elasticsearch:mappings",
            "enable core files",
            "eventlog list",
            "include",
            "include system krb5 conf",
            "lock directory",
            "log file",
            "ncalrpc dir",
            "ntp signd socket directory",
            "pid directory",
            "private dir",
            "registry shares",
            "root directory",
            "smb passwd file",
            "state directory",
            "tls cafile",
            "tls certfile",
            "tls crlfile",
            "tls dh params file",
            "tls keyfile",
            "utmp",
            "utmp directory",
            "winbindd socket directory",
            "wtmp directory",
        ],
    },
    Refused {
        reason: "names a socket, port, listening address or another host (nasguard derives ports and addresses from the deployment)",
        names: &[
            "cldap port",
            "ctdbd socket",
            "dgram port",
            "dns port",
            "elasticsearch:address",
            "elasticsearch:port",
            "elasticsearch:use tls",
            "kpasswd port",
            "krb5 port",
            "name resolve order",
            "nbt client socket address",
            "nbt port",
            "password server",
            "remote announce",
            "remote browse sync",
            "rpc server dynamic port range",
            "rpc server port",
            "socket options",
            "wins server",
        ],
    },
    Refused {
        reason: "kept from nasguard's blocklist, which follows TrueNAS's: log level (high levels log request details; logging is owned), use sendfile (TrueNAS blocks it and removed it from existing shares), clustering and CTDB (nasguard runs no cluster)",
        names: &[
            "allow unsafe cluster upgrade",
            "cluster addresses",
            "clustering",
            "ctdb locktime warn threshold",
            "ctdb timeout",
            "log level",
            "use sendfile",
        ],
    },
    Refused {
        reason: "logging destination and level are owned (the syslog field) or blocked (log level)",
        names: &["syslog"],
    },
    Refused {
        reason: "printing is always disabled",
        names: &[
            "cups connection timeout",
            "cups encrypt",
            "cups options",
            "cups server",
            "default devmode",
            "force printername",
            "iprint server",
            "lpq cache time",
            "max print jobs",
            "max reported print jobs",
            "min print space",
            "os2 driver map",
            "print notify backchannel",
            "printable",
            "printcap cache time",
            "printer name",
            "printjob username",
            "show add printer wizard",
            "spoolss: architecture",
            "spoolss: os_build",
            "spoolss: os_major",
            "spoolss: os_minor",
            "spoolss_client: os_build",
            "spoolss_client: os_major",
            "spoolss_client: os_minor",
            "use client driver",
        ],
    },
    Refused {
        reason: "usershares let local users define shares (and allow guests); nasguard defines every share",
        names: &[
            "usershare allow guests",
            "usershare max shares",
            "usershare owner only",
            "usershare path",
            "usershare prefix allow list",
            "usershare prefix deny list",
            "usershare template share",
        ],
    },
    Refused {
        reason: "belongs to a role nasguard does not run (AD DC, domain member, NT4 domain logons, LDAP, Kerberos, winbind, WINS and NetBIOS browsing, AFS, FSS, Elasticsearch): not reviewed value by value, refused",
        names: &[
            "additional dns hostnames",
            "afs share",
            "afs token lifetime",
            "allow dns updates",
            "auth event notification",
            "dns forwarder",
            "dns proxy",
            "dns zone scavenging",
            "dns zone transfer clients allow",
            "dns zone transfer clients deny",
            "domain logons",
            "domain master",
            "dsdb event notification",
            "dsdb group change notification",
            "dsdb password event notification",
            "elasticsearch:ignore unknown attribute",
            "elasticsearch:ignore unknown type",
            "elasticsearch:index",
            "elasticsearch:max results",
            "enhanced browsing",
            "fss: prune stale",
            "fss: sequence timeout",
            "init logon delay",
            "init logon delayed hosts",
            "kdc default domain supported enctypes",
            "kdc enable fast",
            "kdc supported enctypes",
            "kerberos method",
            "ldap admin dn",
            "ldap connection timeout",
            "ldap debug level",
            "ldap debug threshold",
            "ldap delete dn",
            "ldap deref",
            "ldap follow referral",
            "ldap group suffix",
            "ldap idmap suffix",
            "ldap machine suffix",
            "ldap max anonymous request size",
            "ldap max authenticated request size",
            "ldap max search request size",
            "ldap page size",
            "ldap passwd sync",
            "ldap replication sleep",
            "ldap suffix",
            "ldap timeout",
            "ldap user suffix",
            "ldapsam:editposix",
            "ldapsam:trusted",
            "lm announce",
            "lm interval",
            "logon drive",
            "logon home",
            "logon path",
            "logon script",
            "lsa over netlogon",
            "machine password timeout",
            "max ttl",
            "max wins ttl",
            "min wins ttl",
            "netbios scope",
            "neutralize nt4 emulation",
            "nmbd bind explicit broadcast",
            "nt hash store",
            "old password allowed period",
            "os level",
            "password hash gpg key ids",
            "preferred master",
            "prefork backoff increment",
            "prefork children",
            "prefork maximum backoff",
            "realm",
            "time server",
            "winbind cache time",
            "winbind debug traceid",
            "winbind enum groups",
            "winbind enum users",
            "winbind expand groups",
            "winbind max clients",
            "winbind max domain connections",
            "winbind nested groups",
            "winbind normalize names",
            "winbind nss info",
            "winbind offline logon",
            "winbind reconnect delay",
            "winbind refresh tickets",
            "winbind request timeout",
            "winbind rpc only",
            "winbind scan trusted domains",
            "winbind sealed pipes",
            "winbind separator",
            "winbind use default domain",
            "winbind use krb5 enterprise principals",
            "winbind:ignore domains",
            "wins proxy",
            "wins support",
            "winsdb:dbnosync",
            "winsdb:local_owner",
            "wreplsrv:periodic_interval",
            "wreplsrv:propagate name releases",
            "wreplsrv:scavenging_interval",
            "wreplsrv:tombstone_extra_timeout",
            "wreplsrv:tombstone_interval",
            "wreplsrv:tombstone_timeout",
            "wreplsrv:verify_interval",
        ],
    },
    Refused {
        reason: "developer or service-management switch, lets one client drop the other connections from its address, or fakes capabilities clients rely on: not clearly harmless",
        names: &["reset on zero vc", "rpc big endian", "rpc start on demand helpers", "share:fake_fscaps"],
    },
    Refused {
        reason: "no longer a Samba 4.17 parameter (testparm: \"Unknown parameter\"); still documented in smb.conf(5)",
        names: &["directory security mask", "force directory security mode", "force security mode", "security mask"],
    },
];

/// The allowlist entry for a canonical parameter name (see
/// `smb_aux::canonical_name`), if the parameter is allowed.
pub(crate) fn allowed(name: &str) -> Option<&'static Allowed> {
    SMB_ALLOWED.iter().find(|a| a.name == name)
}

/// The reason a parameter was considered and refused, if it is listed.
pub(crate) fn refused_reason(name: &str) -> Option<&'static str> {
    SMB_REFUSED.iter().find(|r| r.names.contains(&name)).map(|r| r.reason)
}

/// Checks `value` for the allowed parameter `name` (canonical); an error if
/// the parameter is not on the allowlist or the value is not accepted.
pub(crate) fn check(name: &str, value: &str) -> Result<(), String> {
    match allowed(name) {
        Some(a) => check_value(&a.value, value),
        None => Err(format!("{name:?} is not on nasguard's allowlist of Samba parameters for auxiliary lines")),
    }
}

fn samba_bool(v: &str) -> bool {
    ["yes", "no", "true", "false", "1", "0", "on", "off"].iter().any(|w| w.eq_ignore_ascii_case(v))
}

fn int(v: &str, min: i64, max: i64) -> Result<(), String> {
    let digits = v.strip_prefix('-').unwrap_or(v);
    let plain = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && v != "-0";
    match v.parse::<i64>() {
        Ok(n) if plain && (min..=max).contains(&n) => Ok(()),
        _ => Err(format!("{v:?} is not a whole number from {min} to {max} (decimal, no leading zero)")),
    }
}

fn octal(v: &str, refused: u32) -> Result<(), String> {
    let mode = match u32::from_str_radix(v, 8) {
        Ok(m) if (1..=5).contains(&v.len()) && v.bytes().all(|b| (b'0'..=b'7').contains(&b)) && m <= 0o7777 => m,
        _ => return Err(format!("{v:?} is not a file mode (one to four octal digits, e.g. 0644)")),
    };
    if mode & refused != 0 {
        return Err(format!(
            "{v:?} sets refused mode bits {:04o} (refused here: {refused:04o}; 4000 setuid, 2000 setgid, 1000 sticky, 0002 writable by everyone)",
            mode & refused
        ));
    }
    Ok(())
}

fn no_substitution(v: &str) -> Result<(), String> {
    if v.contains('%') {
        return Err(format!(
            "{v:?} contains %: Samba substitutions (%U, %S, %$(VAR), ...) are not allowed here (one could expand to any account, root included)"
        ));
    }
    Ok(())
}

fn name_entry(entry: &str) -> Result<(), String> {
    let name = ["+&", "&+", "@", "+", "&"].iter().find_map(|p| entry.strip_prefix(p)).unwrap_or(entry);
    let body = name.strip_suffix('$').unwrap_or(name);
    let ok = !body.is_empty()
        && name.len() <= 32
        && body.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{entry:?} is not a user or group name (name, @group, +group, &netgroup: 1 to 32 of letters, digits, _ - ., optionally ending in $)"
        ))
    }
}

fn names(v: &str) -> Result<(), String> {
    no_substitution(v)?;
    let entries: Vec<&str> = v.split([',', ' ', '\t']).filter(|s| !s.is_empty()).collect();
    if entries.is_empty() {
        return Err("an empty list: name at least one user or group (remove the line to lift the restriction)".into());
    }
    entries.into_iter().try_for_each(name_entry)
}

fn patterns(v: &str) -> Result<(), String> {
    no_substitution(v)?;
    let shape = "a list like /pattern/pattern/ (starting and ending with /)";
    let Some(inner) = v.strip_prefix('/').and_then(|s| s.strip_suffix('/')) else {
        return Err(format!("{v:?} is not {shape}"));
    };
    if inner.is_empty() {
        return Err(format!("{v:?} is not {shape} with at least one pattern"));
    }
    if v.len() > 4096 {
        return Err("is longer than 4096 characters".into());
    }
    for entry in inner.split('/') {
        if entry.is_empty() || entry.trim().is_empty() {
            return Err(format!("{v:?} has an empty pattern (//)"));
        }
        if entry == "." || entry == ".." {
            return Err(format!("{v:?}: the pattern {entry:?} is not allowed"));
        }
        if entry.contains('\\') {
            return Err(format!("{v:?}: patterns may not contain a backslash"));
        }
    }
    Ok(())
}

fn text(v: &str, max: usize) -> Result<(), String> {
    let ok = !v.is_empty()
        && v.len() <= max
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'_' | b'.'));
    if ok { Ok(()) } else { Err(format!("{v:?} is not a label (1 to {max} of letters, digits, space, - _ .)")) }
}

fn one_or_more_of(v: &str, set: &[&str]) -> Result<(), String> {
    let words: Vec<&str> = v.split([',', ' ', '\t']).filter(|s| !s.is_empty()).collect();
    let choices = set.join(", ");
    if words.is_empty() {
        return Err(format!("an empty list: name one or more of {choices}"));
    }
    let mut seen: Vec<&str> = vec![];
    for w in words {
        if w.starts_with('-') {
            return Err(format!("{w:?}: list the ones to offer ({choices}) instead of removing with -"));
        }
        if !set.iter().any(|s| s.eq_ignore_ascii_case(w)) {
            return Err(format!("{w:?} is not one of {choices}"));
        }
        if seen.iter().any(|s| s.eq_ignore_ascii_case(w)) {
            return Err(format!("{w:?} is listed twice"));
        }
        seen.push(w);
    }
    Ok(())
}

/// Whether `value` is accepted for a parameter checked as `kind`: first the
/// check every auxiliary value gets (one line, no trailing backslash), then
/// the kind's own. Surrounding whitespace is ignored, as Samba does.
pub(crate) fn check_value(kind: &SmbValue, value: &str) -> Result<(), String> {
    crate::text::smb_value(value)?;
    let v = value.trim();
    match kind {
        SmbValue::Bool if samba_bool(v) => Ok(()),
        SmbValue::Bool => Err(format!("{v:?} is not a boolean (yes, no, true, false, 1, 0, on, off)")),
        SmbValue::Int { min, max } => int(v, *min, *max),
        SmbValue::Enum(words) if words.iter().any(|w| w.eq_ignore_ascii_case(v)) => Ok(()),
        SmbValue::Enum(words) => Err(format!("{v:?} is not one of {}", words.join(", "))),
        SmbValue::Octal { refused } => octal(v, *refused),
        SmbValue::Names => names(v),
        SmbValue::Patterns => patterns(v),
        SmbValue::Text { max } => text(v, *max),
        SmbValue::OneOrMoreOf(set) => one_or_more_of(v, set),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smb_params::{SAMBA_PARAMS, Scope};
    use std::collections::HashSet;

    fn scope(name: &str) -> Option<Scope> {
        SAMBA_PARAMS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
    }

    fn refused_names() -> impl Iterator<Item = &'static str> {
        SMB_REFUSED.iter().flat_map(|r| r.names.iter().copied())
    }

    /// A value each kind accepts, to drive the checks below.
    fn sample(kind: &SmbValue) -> String {
        match kind {
            SmbValue::Bool => "yes".into(),
            SmbValue::Int { min, .. } => min.to_string(),
            SmbValue::Enum(words) => words[0].into(),
            SmbValue::Octal { .. } => "0644".into(),
            SmbValue::Names => "alice @staff".into(),
            SmbValue::Patterns => "/.DS_Store/._*/".into(),
            SmbValue::Text { .. } => "Samba".into(),
            SmbValue::OneOrMoreOf(set) => set[0].into(),
        }
    }

    #[test]
    fn every_allowed_name_is_a_real_parameter_listed_once() {
        let mut seen = HashSet::new();
        for a in SMB_ALLOWED {
            assert!(scope(a.name).is_some(), "{:?} is not in SAMBA_PARAMS", a.name);
            assert!(seen.insert(a.name), "{:?} is listed twice", a.name);
            assert!(!a.name.contains(':'), "{:?}: parametric names are not allowed", a.name);
            assert_eq!(a.name, a.name.trim().to_lowercase(), "{:?} is not canonical", a.name);
            assert!(!a.why.is_empty(), "{:?} has no reason", a.name);
        }
    }

    #[test]
    fn the_scope_noted_in_each_reason_matches_samba() {
        for a in SMB_ALLOWED {
            let noted = match a.why.get(..2) {
                Some("S:") => Scope::Share,
                Some("G:") => Scope::Global,
                _ => panic!("{:?}: the reason must start with S: or G:", a.name),
            };
            assert_eq!(scope(a.name), Some(noted), "{:?}", a.name);
        }
        // The common per-share parameters are share-scoped, the common tuning global.
        for name in ["oplocks", "strict sync", "veto files", "valid users", "hide dot files", "case sensitive"] {
            assert_eq!(scope(name), Some(Scope::Share), "{name}");
            assert!(allowed(name).is_some(), "{name}");
        }
        for name in ["deadtime", "max log size", "smb2 leases"] {
            assert_eq!(scope(name), Some(Scope::Global), "{name}");
            assert!(allowed(name).is_some(), "{name}");
        }
    }

    #[test]
    fn every_parameter_is_either_allowed_or_refused_exactly_once() {
        let mut seen = HashSet::new();
        for name in SMB_ALLOWED.iter().map(|a| a.name).chain(refused_names()) {
            assert!(seen.insert(name), "{name:?} is reviewed twice");
            assert!(scope(name).is_some(), "{name:?} is not in SAMBA_PARAMS");
        }
        let missing: Vec<&str> = SAMBA_PARAMS.iter().map(|(n, _)| *n).filter(|n| !seen.contains(n)).collect();
        assert!(missing.is_empty(), "not reviewed: {missing:?}");
        assert_eq!(seen.len(), SAMBA_PARAMS.len());
        assert!(SMB_REFUSED.iter().all(|r| !r.reason.is_empty() && !r.names.is_empty()));
    }

    #[test]
    fn dangerous_parameters_are_not_allowed() {
        for name in [
            "force user",
            "force group",
            "admin users",
            "inherit owner",
            "username map",
            "username map script",
            "guest only",
            "guest ok",
            "guest account",
            "wide links",
            "allow insecure wide links",
            "vfs objects",
            "root preexec",
            "root postexec",
            "preexec",
            "postexec",
            "magic script",
            "dfree command",
            "include",
            "copy",
            "lock directory",
            "state directory",
            "private dir",
            "usershare allow guests",
            "map to guest",
            "null passwords",
            "lanman auth",
            "client ntlmv2 auth",
            "raw ntlmv2 auth",
            "ntlm auth",
            "server schannel",
            "server signing",
            "server min protocol",
            "server max protocol",
            "restrict anonymous",
            "encrypt passwords",
            "msdfs root",
            "msdfs proxy",
            "debug encryption",
            "log level",
            "passwd chat debug",
            "username level",
            "min domain uid",
            "idmap backend",
            "dos filemode",
            "acl group control",
            "hosts allow",
            "hostname lookups",
            "preload modules",
            "ntvfs handler",
            "obey pam restrictions",
            "svcctl list",
            "panic action",
            "socket options",
            "idmap config * : backend",
            "fruit:time machine",
        ] {
            assert!(allowed(name).is_none(), "{name:?} must not be on the allowlist");
            assert!(check(name, "yes").is_err(), "{name:?}");
        }
    }

    #[test]
    fn every_owned_name_is_refused_by_smb_aux_and_every_allowed_name_is_not() {
        let owned = SMB_REFUSED.iter().find(|r| r.reason.starts_with("owned by nasguard")).map(|r| r.names);
        for name in owned.unwrap_or_default() {
            let global = scope(name) == Some(Scope::Global);
            assert!(crate::check_smb_aux_line(name, "x", global).is_err(), "smb_aux accepts owned {name:?}");
        }
        for a in SMB_ALLOWED {
            let global = scope(a.name) == Some(Scope::Global);
            let v = sample(&a.value);
            assert_eq!(check(a.name, &v), Ok(()), "{} = {v}", a.name);
            assert_eq!(crate::check_smb_aux_line(a.name, &v, global), Ok(()), "smb_aux refuses {} = {v}", a.name);
        }
    }

    #[test]
    fn every_allowed_value_is_one_line_without_continuation() {
        for a in SMB_ALLOWED {
            let v = sample(&a.value);
            for bad in [format!("{v}\nforce user = root"), format!("{v}\r"), format!("{v}\\"), format!("{v}\0")] {
                assert!(check(a.name, &bad).is_err(), "{} = {bad:?}", a.name);
            }
        }
    }

    #[test]
    fn booleans() {
        for ok in ["yes", "No", "TRUE", "false", "1", "0", "on", "OFF", " yes "] {
            assert_eq!(check_value(&SmbValue::Bool, ok), Ok(()), "{ok:?}");
        }
        for bad in ["", "maybe", "2", "y", "n", "yes please", "auto", "enabled", "%U"] {
            assert!(check_value(&SmbValue::Bool, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn integers_are_plain_decimal_in_range() {
        let k = SmbValue::Int { min: 0, max: 100 };
        for ok in ["0", "1", "15", "100"] {
            assert_eq!(check_value(&k, ok), Ok(()), "{ok:?}");
        }
        // 010 is octal 8 and 0x10 hex 16 to Samba; 12abc is 12.
        for bad in ["", "-1", "101", "010", "0x10", "+5", "12abc", "1 2", "1.5", "1e3", "-0", "99999999999999999999"] {
            assert!(check_value(&k, bad).is_err(), "{bad:?}");
        }
        let signed = SmbValue::Int { min: -1, max: 10 };
        assert_eq!(check_value(&signed, "-1"), Ok(()));
        assert!(check_value(&signed, "-2").is_err());
        assert!(check("max log size", "0").is_err(), "no-limit log refused");
        assert_eq!(check("max log size", "1000"), Ok(()));
        assert_eq!(check("deadtime", "15"), Ok(()));
        assert!(check("mangle prefix", "7").is_err());
        assert!(check("smb2 max read", "16777216").is_err());
    }

    #[test]
    fn enums_are_case_insensitive_and_closed() {
        assert_eq!(check("csc policy", "Documents"), Ok(()));
        assert!(check("csc policy", "none").is_err());
        assert_eq!(check("case sensitive", "Auto"), Ok(()));
        assert_eq!(check("case sensitive", "yes"), Ok(()));
        assert!(check("case sensitive", "on").is_err(), "Samba's bool/auto enum has no on/off");
        assert_eq!(check("map readonly", "perms"), Ok(()));
        assert!(check("mangling method", "hash3").is_err());
        assert!(check("mangling char", "%").is_err());
        assert!(check("mangling char", "/").is_err());
        assert_eq!(check("mangling char", "^"), Ok(()));
        assert_eq!(check("smbd profiling level", "count"), Ok(()));
    }

    #[test]
    fn only_the_restricting_value_of_link_and_search_switches() {
        for name in ["follow symlinks", "smb1 unix extensions", "spotlight"] {
            for ok in ["no", "False", "0", "off"] {
                assert_eq!(check(name, ok), Ok(()), "{name} = {ok}");
            }
            for bad in ["yes", "true", "1", "on", "auto"] {
                assert!(check(name, bad).is_err(), "{name} = {bad}");
            }
        }
    }

    #[test]
    fn modes_refuse_setuid_setgid_and_world_write() {
        for ok in ["0644", "644", "0664", "0755", "0", "00644", "0770"] {
            assert_eq!(check("force create mode", ok), Ok(()), "{ok:?}");
        }
        for bad in
            ["4755", "2644", "1644", "6755", "0666", "0777", "0002", "", "8", "0o644", "0x1ff", "10000", "077777"]
        {
            assert!(check("force create mode", bad).is_err(), "{bad:?}");
        }
        for ok in ["2775", "0755", "3770", "1770"] {
            assert_eq!(check("force directory mode", ok), Ok(()), "{ok:?}");
        }
        for bad in ["4755", "0777", "2777", "6775"] {
            assert!(check("force directory mode", bad).is_err(), "{bad:?}");
        }
        let err = check("force create mode", "4755").unwrap_err();
        assert!(err.contains("4000"), "{err}");
    }

    #[test]
    fn names_lists_refuse_substitutions_and_foreign_syntax() {
        for ok in ["alice", "alice bob", "alice,@staff", "+staff &netgrp", "+&grp", "machine$", "a.b-c_d", "root"] {
            assert_eq!(check("valid users", ok), Ok(()), "{ok:?}");
        }
        for bad in [
            "%U",
            "alice %S",
            "@%G",
            "%$(HOME)",
            "DOMAIN\\bob",
            "\"domain users\"",
            "",
            " , ",
            "@",
            "$",
            "-alice",
            "a/b",
            "bob;force user = root",
            &"x".repeat(33),
        ] {
            for name in ["valid users", "invalid users", "read list", "write list"] {
                assert!(check(name, bad).is_err(), "{name} = {bad:?}");
            }
        }
        assert!(check("valid users", "%U").unwrap_err().contains("root"));
    }

    #[test]
    fn patterns_are_slash_delimited_name_patterns() {
        for ok in ["/.DS_Store/", "/._*/.DS_Store/", "/*.tmp/Network Trash Folder/", "/*Security*/?x?/"] {
            assert_eq!(check("veto files", ok), Ok(()), "{ok:?}");
        }
        for bad in
            [".DS_Store", "/.DS_Store", ".DS_Store/", "/", "//", "/a//b/", "/%U/", "/../", "/./", "/a\\b/", "/ /"]
        {
            for name in ["veto files", "hide files", "veto oplock files", "aio write behind"] {
                assert!(check(name, bad).is_err(), "{name} = {bad:?}");
            }
        }
    }

    #[test]
    fn labels_are_short_plain_text() {
        for ok in ["Samba", "NTFS", "My Volume 1", "fs_1.0-b"] {
            assert_eq!(check("fstype", ok), Ok(()), "{ok:?}");
        }
        for bad in ["", "%m", "%$(PATH)", "a/b", "C:\\", "\"q\"", "é", &"x".repeat(33)] {
            assert!(check("volume", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn algorithm_lists_are_subsets_of_the_strong_ones() {
        let enc = "server smb3 encryption algorithms";
        for ok in ["AES-256-GCM", "aes-256-gcm, AES-128-GCM", "AES-256-GCM AES-256-CCM AES-128-GCM AES-128-CCM"] {
            assert_eq!(check(enc, ok), Ok(()), "{ok:?}");
        }
        for bad in ["", ",", "-AES-128-CCM", "AES-256-GCM, DES", "AES-256-GCM AES-256-GCM", "AES-128-GMAC"] {
            assert!(check(enc, bad).is_err(), "{bad:?}");
        }
        let sig = "server smb3 signing algorithms";
        assert_eq!(check(sig, "AES-128-GMAC, HMAC-SHA256"), Ok(()));
        assert!(check(sig, "HMAC-MD5").is_err());
        assert!(check(sig, "-HMAC-SHA256").is_err());
    }

    #[test]
    fn unlisted_names_are_refused_naming_the_allowlist() {
        let err = check("force user", "root").unwrap_err();
        assert!(err.contains("allowlist"), "{err}");
        assert!(check("nonsense parameter", "1").is_err());
    }
}
