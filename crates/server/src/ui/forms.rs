//! The edit forms: which model fields each form shows, with the reference
//! product's labels, how a field's value becomes an HTML control, and how
//! a submitted form becomes `FIELD=VALUE` assignments for `nasguard-ops`
//! (the same generic setter the CLI uses, so the rules are in one place).

use serde_json::{Map, Value};

#[derive(Clone, Copy)]
pub enum Kind {
    Bool,
    Text,
    /// A comma-separated list.
    List,
    /// Several lines (auxiliary parameters, initiator lists).
    Area,
    Secret,
    Choice(&'static [(&'static str, &'static str)]),
    /// Radio buttons.
    Radio(&'static [(&'static str, &'static str)]),
    /// Several of a fixed set (checkboxes).
    Multi(&'static [(&'static str, &'static str)]),
}

pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub help: &'static str,
}

const fn f(name: &'static str, label: &'static str, kind: Kind, help: &'static str) -> Field {
    Field { name, label, kind, help }
}

use Kind::*;

pub const SMB_SERVICE: &[Field] = &[
    f("netbiosname", "NetBIOS Name", Text, ""),
    f("workgroup", "Workgroup", Text, ""),
    f("description", "Description", Text, ""),
    f(
        "minimum_protocol",
        "Minimum Protocol",
        Choice(&[("SMB1", "SMB1 (insecure)"), ("SMB2", "SMB2"), ("SMB3", "SMB3")]),
        "SMB1 is the protocol WannaCry spread through; keep SMB2 or above.",
    ),
    f("ntlmv1_auth", "NTLMv1 Auth", Bool, "NTLMv1 hashes can be cracked quickly; leave it off."),
    f("aapl_extensions", "Apple SMB2/3 Protocol Extensions", Bool, "Needed by macOS clients and Time Machine shares."),
    f("admin_group", "Administrators Group", Text, "Members get full control of every share; keep it small."),
    f("guest", "Guest Account", Text, ""),
    f(
        "server_signing",
        "Server Signing",
        Choice(&[("MANDATORY", "Mandatory"), ("DEFAULT", "Default (clients choose)")]),
        "Without mandatory signing, SMB sessions can be relayed or tampered with.",
    ),
    f(
        "encryption",
        "Transport Encryption Behavior",
        Choice(&[("DEFAULT", "Default"), ("NEGOTIATE", "Negotiate"), ("DESIRED", "Desired"), ("REQUIRED", "Required")]),
        "",
    ),
    f("bindip", "Bind IP Addresses", List, "Comma-separated; empty: every address."),
    f("smb_options", "Auxiliary Parameters", Area, "smb.conf lines for [global], one per line."),
];

pub const SSH_SERVICE: &[Field] = &[
    f("tcpport", "TCP Port", Text, ""),
    f("bindip", "Bind Interfaces", List, "Comma-separated addresses; empty: every address."),
    f("rootlogin", "Log in as Root with Password", Bool, "Use keys and an unprivileged account instead."),
    f("passwordauth", "Allow Password Authentication", Bool, ""),
    f("password_login_groups", "Password Login Groups", List, ""),
    f("kerberosauth", "Allow Kerberos Authentication", Bool, ""),
    f("tcpfwd", "Allow TCP Port Forwarding", Bool, "Lets SSH users tunnel into your network; leave it off."),
    f("compression", "Compress Connections", Bool, ""),
    f(
        "weak_ciphers",
        "Weak Ciphers",
        Multi(&[("AES128-CBC", "AES128-CBC"), ("NONE", "NONE")]),
        "Only for clients too old for modern ciphers.",
    ),
    f("options", "Auxiliary Parameters", Area, "sshd_config lines, one per line."),
];

pub const NFS_SERVICE: &[Field] = &[
    f("servers", "Number of threads", Text, "Empty: automatic."),
    f("protocols", "Enabled Protocols", Multi(&[("NFSV3", "NFSv3"), ("NFSV4", "NFSv4")]), ""),
    f("v4_krb", "Require Kerberos for NFSv4", Bool, ""),
    f("bindip", "Bind IP Addresses", List, ""),
    f("mountd_port", "mountd(8) bind port", Text, ""),
    f("rpcstatd_port", "rpc.statd(8) bind port", Text, ""),
    f("rpclockd_port", "rpc.lockd(8) bind port", Text, ""),
    f("allow_nonroot", "Allow non-root mount", Bool, "Lets unprivileged client ports mount; leave it off."),
    f("userd_manage_gids", "Manage Groups Server-side", Bool, ""),
];

pub const ISCSI_GLOBAL: &[Field] = &[
    f("basename", "Base Name", Text, ""),
    f("listen_port", "Port", Text, ""),
    f("isns_servers", "ISNS Servers", List, ""),
];

pub const PURPOSES: &[(&str, &str)] = &[
    ("DEFAULT_SHARE", "Default share parameters"),
    ("NO_PRESET", "No presets"),
    ("PRIVATE_DATASETS_SHARE", "Private SMB Datasets and Shares"),
    ("TIMEMACHINE_SHARE", "Basic time machine share"),
    ("MULTIPROTOCOL_SHARE", "Multi-protocol (NFSv4/SMB) shares"),
    ("TIME_LOCKED_SHARE", "Time Locked Share"),
];

pub const SMB_SHARE: &[Field] = &[
    f("purpose", "Purpose", Choice(PURPOSES), "A preset of share settings; \"No presets\" leaves every field to you."),
    f("path", "Path", Text, "An absolute path on this machine."),
    f("name", "Name", Text, ""),
    f("comment", "Description", Text, ""),
    f("enabled", "Enabled", Bool, ""),
    f("readonly", "Export Read Only", Bool, ""),
    f("browsable", "Browsable to Network Clients", Bool, ""),
    f("guestok", "Allow Guest Access", Bool, "Anyone on the network can read the share without a password."),
    f("abe", "Access Based Share Enumeration", Bool, ""),
    f("hostsallow", "Hosts Allow", List, "Comma-separated hosts or networks."),
    f("hostsdeny", "Hosts Deny", List, ""),
    f("auxsmbconf", "Auxiliary Parameters", Area, "smb.conf lines for this share, one per line."),
];

pub const NFS_SHARE: &[Field] = &[
    f("path", "Path", Text, "An absolute path on this machine."),
    f("comment", "Description", Text, ""),
    f("enabled", "Enabled", Bool, ""),
];

/// Under "Advanced Options".
pub const NFS_SHARE_ADVANCED: &[Field] = &[
    f("ro", "Read Only", Bool, ""),
    f("maproot_user", "Maproot User", Text, ""),
    f("maproot_group", "Maproot Group", Text, ""),
    f("mapall_user", "Mapall User", Text, ""),
    f("mapall_group", "Mapall Group", Text, ""),
    f("security", "Security", Multi(&[("SYS", "SYS"), ("KRB5", "KRB5"), ("KRB5I", "KRB5I"), ("KRB5P", "KRB5P")]), ""),
    f("networks", "Authorized Networks", List, "Comma-separated networks in CIDR notation, e.g. 192.168.1.0/24."),
    f("hosts", "Authorized Hosts and IP addresses", List, "Comma-separated host names or addresses."),
    f(
        "allow_everyone",
        "Allow everyone (no network or host restriction)",
        Bool,
        "With both lists empty every host on every network may mount this export: tick only if you mean it.",
    ),
];

pub const DISCOVERY_AUTH: &[(&str, &str)] = &[("NONE", "None"), ("CHAP", "CHAP"), ("CHAP_MUTUAL", "Mutual CHAP")];

/// The wizard's steps, each a fieldset.
pub const WIZARD: &[(&str, &[Field])] = &[
    (
        "Target",
        &[
            f("name", "Name", Text, "Lower-case letters, digits, '.', '-' and ':'; becomes the end of the IQN."),
            f("alias", "Alias", Text, ""),
        ],
    ),
    (
        "Extent",
        &[
            f("extent_file", "Path to the Extent", Text, "A new file; it is created sparse."),
            f("size", "Filesize", Text, "e.g. 10G, 512M."),
        ],
    ),
    (
        "Portal",
        &[
            f("portal", "IP Address", List, "IP or IP:PORT; empty: the address this deployment binds."),
            f(
                "discovery_auth",
                "Discovery Authentication Method",
                Radio(DISCOVERY_AUTH),
                "Without it anyone who reaches the portal can list your targets.",
            ),
        ],
    ),
    (
        "Discovery Authentication Group",
        &[
            f("chap_user", "User", Text, ""),
            f("chap_secret", "Secret", Secret, "12 to 16 characters."),
            f("peer_user", "Peer User", Text, "Mutual CHAP only."),
            f("peer_secret", "Peer Secret", Secret, "Mutual CHAP only; different from Secret."),
        ],
    ),
    (
        "Initiator",
        &[
            f("initiators", "Initiators", Area, "IQNs allowed to log in, one per line."),
            f("networks", "Authorized Networks", List, "Comma-separated networks in CIDR notation."),
            f("allow_everyone", "Allow everyone (no initiator or network restriction)", Bool, ""),
        ],
    ),
];

/// One control as a template shows it.
pub struct Control {
    pub name: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    /// `bool`, `text`, `area`, `secret`, `choice`, `radio` or `multi`.
    pub kind: &'static str,
    pub value: String,
    pub checked: bool,
    pub options: Vec<Opt>,
    /// Findings that judge this field.
    pub warnings: Vec<Warning>,
    /// The rules that judge this field, named before anything is saved.
    pub rules: Vec<&'static str>,
    pub error: Option<String>,
}

/// An insecure choice, named by its rule.
pub struct Warning {
    pub rule: String,
    pub text: String,
}

pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// A field's value as one line of text, the way the `FIELD=VALUE` setter
/// reads it back: scalars as they are, lists of scalars comma-separated,
/// structured values (iSCSI target groups) as JSON.
pub fn field_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(field_text).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// The controls of `fields` showing `values` (an object's JSON).
pub fn controls(fields: &[Field], values: &Map<String, Value>) -> Vec<Control> {
    fields
        .iter()
        .map(|fd| {
            let v = values.get(fd.name);
            let selected = |opt: &str| match v {
                Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(opt)),
                Some(Value::String(s)) => s == opt,
                _ => false,
            };
            let (kind, options) = match fd.kind {
                Bool => ("bool", vec![]),
                Text | List => ("text", vec![]),
                Area => ("area", vec![]),
                Secret => ("secret", vec![]),
                Choice(o) => ("choice", o.to_vec()),
                Radio(o) => ("radio", o.to_vec()),
                Multi(o) => ("multi", o.to_vec()),
            };
            let mut value = v.map(field_text).unwrap_or_default();
            if matches!(fd.kind, Area) && matches!(v, Some(Value::Array(_))) {
                value = value.replace(", ", "\n");
            }
            if matches!(fd.kind, Secret) {
                value.clear(); // never echo a secret into a page
            }
            Control {
                name: fd.name,
                label: fd.label,
                help: fd.help,
                kind,
                value,
                checked: v == Some(&Value::Bool(true)),
                options: options
                    .into_iter()
                    .map(|(value, label)| Opt { value, label, selected: selected(value) })
                    .collect(),
                warnings: vec![],
                rules: vec![],
                error: None,
            }
        })
        .collect()
}

/// A submitted form as `FIELD=VALUE` assignments for `fields`. Unticked
/// checkboxes are not submitted, so every bool field of the form is set.
pub fn assignments(fields: &[Field], form: &[(String, String)]) -> Vec<String> {
    fn values<'a>(form: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
        form.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fields
        .iter()
        .map(|fd| match fd.kind {
            Bool => format!("{}={}", fd.name, values(form, fd.name).any(|v| v == "on" || v == "true")),
            Multi(_) => format!("{}={}", fd.name, values(form, fd.name).collect::<Vec<_>>().join(",")),
            Area => {
                let text = values(form, fd.name).next().unwrap_or("").replace("\r\n", "\n");
                format!("{}={}", fd.name, text.trim_end_matches('\n'))
            }
            _ => format!("{}={}", fd.name, values(form, fd.name).next().unwrap_or("").trim()),
        })
        .collect()
}

/// A submitted form's fields in order (a field may repeat: multi-selects).
/// A body that is not a form is an empty one.
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// The submitted value of one field (the wizard builds its input by hand).
pub fn value<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// A form as the values map `controls` shows (to redisplay what was typed).
pub fn submitted(fields: &[Field], form: &[(String, String)]) -> Map<String, Value> {
    let mut m = Map::new();
    for fd in fields {
        let all: Vec<&str> = form.iter().filter(|(k, _)| k == fd.name).map(|(_, v)| v.as_str()).collect();
        let v = match fd.kind {
            Bool => Value::Bool(all.iter().any(|v| *v == "on" || *v == "true")),
            Multi(_) => Value::Array(all.iter().map(|s| Value::String((*s).to_string())).collect()),
            _ => Value::String(all.first().copied().unwrap_or("").to_string()),
        };
        m.insert(fd.name.to_string(), v);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn unticked_boxes_become_false_and_multis_join() {
        let a = assignments(
            SSH_SERVICE,
            &form(&[("tcpport", " 22 "), ("weak_ciphers", "AES128-CBC"), ("weak_ciphers", "NONE"), ("tcpfwd", "on")]),
        );
        assert!(a.contains(&"tcpport=22".to_string()));
        assert!(a.contains(&"tcpfwd=true".to_string()));
        assert!(a.contains(&"rootlogin=false".to_string()));
        assert!(a.contains(&"weak_ciphers=AES128-CBC,NONE".to_string()));
    }

    #[test]
    fn text_areas_keep_lines_without_carriage_returns() {
        let a = assignments(SMB_SERVICE, &form(&[("smb_options", "a = 1\r\nb = 2\r\n")]));
        assert!(a.contains(&"smb_options=a = 1\nb = 2".to_string()));
    }

    #[test]
    fn secrets_are_never_shown() {
        let mut m = Map::new();
        m.insert("chap_secret".into(), Value::String("verysecret123".into()));
        let c = controls(WIZARD[3].1, &m);
        assert!(c.iter().all(|c| c.value.is_empty()));
    }
}
