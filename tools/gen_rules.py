#!/usr/bin/env python3
"""Writes crates/policy/src/rules/*.rs from the table below.

The table is the rule catalog (rules.md section 7). Each check and fix is
plain Rust kept here next to its metadata, so a rule reads as one entry.
Run: python3 tools/gen_rules.py && cargo fmt
"""
import os

RULES = []

def rule(id, svc, sev, title, rationale, remediation, check=None, fix=None):
    RULES.append(dict(id=id, svc=svc, sev=sev, title=title, rationale=rationale,
                      remediation=remediation, check=check, fix=fix))

# ---------------------------------------------------------------- SMB
rule("SMB-001", "Smb", "High", "SMB1 disabled",
     "SMB1 (NT1) has no pre-authentication integrity, weak signing and a history of wormable bugs (EternalBlue). TrueNAS: do not use SMB1.",
     "Set the SMB service's minimum_protocol to SMB2 (or SMB3).",
     check='''if cfg.smb.minimum_protocol == MinProtocol::Smb1 {
        return vec![info.finding("smb", info.severity, "minimum_protocol is SMB1: the server accepts SMB1 (NT1) clients")];
    }
    vec![]''',
     fix='''cfg.smb.minimum_protocol = MinProtocol::Smb2;''')
rule("SMB-002", "Smb", "High", "NTLMv1 authentication off",
     "NTLMv1 responses can be cracked offline or relayed; TrueNAS: do not use NTLMv1 Auth with an untrusted network.",
     "Set ntlmv1_auth=false (ntlm auth = ntlmv2-only).",
     check='''if cfg.smb.ntlmv1_auth {
        return vec![info.finding("smb", info.severity, "ntlmv1_auth is true: NTLMv1 logins are accepted (ntlm auth = ntlmv1-permitted)")];
    }
    vec![]''',
     fix='''cfg.smb.ntlmv1_auth = false;''')
rule("SMB-003", "Smb", "High", "LANMAN authentication off",
     "LANMAN hashes are trivially cracked. nasguard always renders lanman auth = no; this rule judges imported configs and live servers.",
     "Set lanman auth = no.")
rule("SMB-004", "Smb", "Medium", "Server signing mandatory",
     "Without mandatory signing an attacker in the path can tamper with SMB traffic and relay NTLM. TrueNAS recommends server signing = mandatory.",
     "Set server_signing=MANDATORY.",
     check='''if cfg.smb.server_signing != ServerSigning::Mandatory {
        return vec![info.finding("smb", info.severity, "server_signing is DEFAULT: clients may connect without signing")];
    }
    vec![]''',
     fix='''cfg.smb.server_signing = ServerSigning::Mandatory;''')
rule("SMB-005", "Smb", "Info", "Apple SMB2/3 extensions for macOS clients",
     "TrueNAS recommends Apple SMB2/3 Protocol Extensions when macOS clients connect: they improve stability and are required for Time Machine.",
     "If macOS clients use this server, set aapl_extensions=true; otherwise waive this note.",
     check='''if !cfg.smb.aapl_extensions {
        return vec![info.finding("smb", info.severity, "aapl_extensions is false: macOS clients get no Apple SMB2/3 extensions")];
    }
    vec![]''',
     fix='''cfg.smb.aapl_extensions = true;''')
rule("SMB-006", "Smb", "Medium", "Administrators group membership approved",
     "Members of the SMB administrators group have full control of every share's data. TrueNAS: make sure the group members are correct.",
     "Remove unexpected members from the group, or approve them with `nasguard smb admins approve USER`.",
     check='''let Some(group) = &cfg.smb.admin_group else { return vec![] };
    let Some(groups) = &facts.groups else {
        return vec![info.finding("smb", Severity::Low, &format!("admin_group {group:?} is set but the system group database could not be read"))];
    };
    let Some(members) = groups.get(group) else {
        return vec![info.finding("smb", info.severity, &format!("admin_group {group:?} does not exist on this system"))];
    };
    let unexpected: Vec<&str> = members.iter().filter(|m| !cfg.site.approved_smb_admins.contains(m)).map(String::as_str).collect();
    if unexpected.is_empty() {
        return vec![];
    }
    vec![info.finding("smb", info.severity, &format!("admin_group {group:?} has members not approved: {}", unexpected.join(", ")))]''')
rule("SMB-007", "Smb", "Low", "Share purpose is Default share parameters",
     "TrueNAS recommends the Default share parameters purpose unless a specific purpose is required; No presets leaves every setting to hand tuning.",
     "Set the share's purpose to DEFAULT_SHARE, or waive the finding with the reason the other purpose is needed.",
     check='''cfg.smb_shares
        .iter()
        .filter(|s| s.purpose != SmbPurpose::DefaultShare)
        .map(|s| {
            let severity = if s.purpose == SmbPurpose::NoPreset { info.severity } else { Severity::Info };
            info.finding(&object::smb_share(s), severity, &format!("share {:?} uses purpose {} ({})", s.name, s.purpose.name(), s.purpose.label()))
        })
        .collect()''',
     fix='''if let Some(s) = cfg.smb_shares.iter_mut().find(|s| s.name == object::leaf(obj)) {
        s.purpose = SmbPurpose::DefaultShare;
    }''')
rule("SMB-008", "Smb", "High", "Guest access off",
     "A guest share is readable (or writable) by anyone who reaches the port, and turns on map to guest for the whole server.",
     "Set guestok=false on the share.",
     check='''cfg.smb_shares
        .iter()
        .filter(|s| s.guestok)
        .map(|s| info.finding(&object::smb_share(s), info.severity, &format!("share {:?} allows guest access", s.name)))
        .collect()''',
     fix='''if let Some(s) = cfg.smb_shares.iter_mut().find(|s| s.name == object::leaf(obj)) {
        s.guestok = false;
    }''')
rule("SMB-009", "Smb", "Medium", "Bad logins not mapped to guest",
     "map to guest = Bad User turns a mistyped user name into a guest session. nasguard derives it from guest shares (SMB-008); this rule judges imported configs and live servers.",
     "Set map to guest = Never (remove guest shares).")
rule("SMB-010", "Smb", "Medium", "Anonymous IPC$ restricted",
     "Anonymous IPC$ sessions enumerate users and shares. nasguard renders restrict anonymous = 2 unless a share allows guests.",
     "Set restrict anonymous = 2.")
rule("SMB-011", "Smb", "Low", "Transport encryption on untrusted networks",
     "SMB3 encryption protects file contents on networks you do not control.",
     "Set encryption=DESIRED (or REQUIRED where every client supports SMB3).")
rule("SMB-012", "Smb", "Medium", "root invalid on shares",
     "Share access as root bypasses file permissions. nasguard renders invalid users = root on every share.",
     "Set invalid users = root on every share.")
rule("SMB-013", "Smb", "Low", "Outbound client signing",
     "Samba's own client connections (smbclient, domain joins) should refuse unsigned sessions. nasguard renders client signing = mandatory.",
     "Set client signing = mandatory.")

# ---------------------------------------------------------------- SSH
rule("SSH-001", "Ssh", "High", "Root login with password off",
     "Password login as root invites brute force against the one account that owns the box. TrueNAS: leave Log in as Root with Password unset.",
     "Set rootlogin=false (PermitRootLogin no); log in as a normal user with a key.",
     check='''if cfg.ssh.rootlogin {
        return vec![info.finding("ssh", info.severity, "rootlogin is true: root may log in with a password (PermitRootLogin yes)")];
    }
    vec![]''',
     fix='''cfg.ssh.rootlogin = false;''')
rule("SSH-002", "Ssh", "Medium", "Password authentication off (keys only)",
     "Passwords can be guessed and phished; keys cannot be brute-forced over the network.",
     "Set passwordauth=false and use SSH keys (password_login_groups for the few who need passwords).",
     check='''if cfg.ssh.passwordauth {
        return vec![info.finding("ssh", info.severity, "passwordauth is true: every user may log in with a password")];
    }
    vec![]''',
     fix='''cfg.ssh.passwordauth = false;''')
rule("SSH-003", "Ssh", "Medium", "TCP port forwarding off",
     "Port forwarding turns an SSH account into a tunnel into (or out of) the network. TrueNAS: do not set Allow TCP Port Forwarding unless required.",
     "Set tcpfwd=false (AllowTcpForwarding no).",
     check='''let disabled = cfg.ssh.option("DisableForwarding").is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    if cfg.ssh.tcpfwd && !disabled {
        return vec![info.finding("ssh", info.severity, "tcpfwd is true: users may forward TCP ports (AllowTcpForwarding yes)")];
    }
    vec![]''',
     fix='''cfg.ssh.tcpfwd = false;''')
rule("SSH-004", "Ssh", "High", "Ciphers within the recommended set",
     "TrueNAS recommends exactly chacha20-poly1305, aes128/192/256-ctr and aes128/256-gcm. Compared as a set, not in order.",
     "Ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com (reset ciphers and weak_ciphers).",
     check='''let extra: Vec<String> = cfg.ssh.effective_ciphers().into_iter().filter(|c| !RECOMMENDED_CIPHERS.contains(&c.as_str())).collect();
    if extra.is_empty() {
        return vec![];
    }
    vec![info.finding("ssh", info.severity, &format!("ciphers outside the recommended set: {}", extra.join(", ")))]''',
     fix='''reset_ciphers(cfg);''')
rule("SSH-005", "Ssh", "High", "No broken or CBC ciphers",
     "CBC-mode ciphers allow plaintext recovery; RC4 (arcfour), DES, 3DES, Blowfish and none are broken outright.",
     "Remove them from the Ciphers line (reset ciphers and weak_ciphers).",
     check='''let mut worst = None;
    let mut names = vec![];
    for c in cfg.ssh.effective_ciphers() {
        if let Some((strength, why)) = classify(CIPHERS, &c)
            && strength >= Strength::Bad
        {
            worst = worst.max(Some(strength));
            names.push(format!("{c} ({why})"));
        }
    }
    match worst {
        None => vec![],
        Some(s) => {
            let severity = if s == Strength::Broken { Severity::Critical } else { info.severity };
            vec![info.finding("ssh", severity, &format!("weak ciphers offered: {}", names.join(", ")))]
        }
    }''',
     fix='''reset_ciphers(cfg);''')
rule("SSH-006", "Ssh", "High", "Strong MACs only",
     "MD5, SHA-1 and RIPEMD MACs are deprecated; encrypt-and-MAC (non-etm) modes leak through timing and padding.",
     "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com",
     check='''algorithm_finding(info, &cfg.ssh.macs, MACS, "MACs", Severity::High, Severity::Low)''',
     fix='''cfg.ssh.macs = RECOMMENDED_MACS.map(String::from).to_vec();''')
rule("SSH-007", "Ssh", "High", "Strong key exchange only",
     "SHA-1 and 1024-bit groups are broken (Logjam); NIST curves are suspect; without a post-quantum hybrid, recorded sessions may be decrypted later.",
     "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256",
     check='''let mut out = algorithm_finding(info, &cfg.ssh.kex_algorithms, KEX, "key exchanges", Severity::High, Severity::Medium);
    if !cfg.ssh.kex_algorithms.iter().any(|k| PQ_KEX.contains(&k.as_str())) {
        out.push(info.finding("ssh", Severity::Info, "no post-quantum key exchange (sntrup761x25519 / mlkem768x25519) is offered"));
    }
    out''',
     fix='''cfg.ssh.kex_algorithms = RECOMMENDED_KEX.map(String::from).to_vec();''')
rule("SSH-008", "Ssh", "High", "Strong host key algorithms",
     "ssh-rsa signs with SHA-1 and ssh-dss is 1024-bit DSA; NIST-curve ECDSA is suspect.",
     "HostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256 and an ed25519 (or RSA >= 3072) host key.",
     check='''algorithm_finding(info, &cfg.ssh.hostkey_algorithms, HOSTKEY, "host key algorithms", Severity::High, Severity::Medium)''',
     fix='''cfg.ssh.hostkey_algorithms = RECOMMENDED_HOSTKEY.map(String::from).to_vec();''')
rule("SSH-009", "Ssh", "Medium", "Terrapin: strict key exchange",
     "Without strict KEX (OpenSSH 9.6, or Debian's backport) a man in the middle can drop packets at the start of chacha20-poly1305 or CBC+etm sessions (CVE-2023-48795). Decided from the server's KEXINIT.",
     "Upgrade OpenSSH, or drop chacha20-poly1305 and CBC+etm combinations.")
option_rules = [
 ("SSH-010", "Critical", "Empty passwords refused", "An account with an empty password would be open to anyone.",
  "PermitEmptyPasswords no", [("PermitEmptyPasswords", "eq", "no")]),
 ("SSH-011", "Medium", "X11/agent forwarding, tunnels and gateway ports off",
  "Each lets a session reach beyond the NAS: the client's display or agent, or network tunnels.",
  "X11Forwarding no, AllowAgentForwarding no, PermitTunnel no, GatewayPorts no",
  [("X11Forwarding", "eq", "no"), ("AllowAgentForwarding", "eq", "no"), ("PermitTunnel", "eq", "no"), ("GatewayPorts", "eq", "no")]),
 ("SSH-012", "Medium", "MaxAuthTries at most 4", "More tries per connection make password guessing cheaper (CIS 5.1.16).",
  "MaxAuthTries 4", [("MaxAuthTries", "le", "4")]),
 ("SSH-013", "Low", "LoginGraceTime at most 60", "Long grace times let unauthenticated connections pile up (CIS 5.1.13).",
  "LoginGraceTime 60", [("LoginGraceTime", "le", "60")]),
 ("SSH-014", "Low", "Idle sessions time out", "Abandoned sessions stay usable by whoever finds the terminal (CIS 5.1.7).",
  "ClientAliveInterval 300, ClientAliveCountMax 3", [("ClientAliveInterval", "le", "300"), ("ClientAliveCountMax", "le", "3")]),
 ("SSH-015", "Medium", "No user environment, rhosts or host-based login",
  "User-supplied environments can bypass restrictions; rhosts and host-based trust authenticate machines, not people (CIS 5.1.10/11/21).",
  "PermitUserEnvironment no, IgnoreRhosts yes, HostbasedAuthentication no",
  [("PermitUserEnvironment", "eq", "no"), ("IgnoreRhosts", "eq", "yes"), ("HostbasedAuthentication", "eq", "no")]),
 ("SSH-016", "Low", "Connection throttling", "Unthrottled unauthenticated connections allow DHEat-style CPU exhaustion.",
  "MaxStartups 10:30:60", [("MaxStartups", "startups", "10:30:60")]),
]
for (id, sev, title, why, rem, checks) in option_rules:
    specs = ", ".join(f'("{k}", Want::{ {"eq":"Is","le":"AtMost","startups":"Startups"}[op] }("{v}"))' for k, op, v in checks)
    rule(id, "Ssh", sev, title, why + " nasguard renders the hardened value unless an auxiliary option overrides it.", rem,
         check=f'''const WANTS: &[(&str, Want)] = &[{specs}];
    option_findings(cfg, info, WANTS)''',
         fix=f'''const WANTS: &[(&str, Want)] = &[{specs}];
    for (keyword, _) in WANTS {{
        cfg.ssh.remove_option(keyword);
    }}''')
rule("SSH-017", "Ssh", "Low", "Login limited to groups",
     "AllowGroups/AllowUsers keep service accounts and forgotten users from logging in (CIS 5.1.4). Site specific: judged on imported configs.",
     "AllowGroups <your admins group>")

# ---------------------------------------------------------------- NFS
rule("NFS-001", "Nfs", "High", "Authorized networks or hosts set",
     "An export with no authorized networks or hosts is open to every host that can reach the server. TrueNAS: enter all networks, hosts and IP addresses to have share access.",
     "Add authorized networks (CIDR) and/or hosts to the share (Advanced Options).",
     check='''cfg.nfs_shares
        .iter()
        .filter(|s| s.open_to_everyone())
        .map(|s| info.finding(&object::nfs_share(s), info.severity, &format!("export {} has no authorized networks or hosts: every host may mount it", s.path)))
        .collect()''')
rule("NFS-002", "Nfs", "High", "Root squashing on",
     "Without root squashing, root on any client is root on the exported files.",
     "Clear maproot_user/maproot_group (or map root to an unprivileged user).",
     check='''cfg.nfs_shares
        .iter()
        .filter(|s| s.maproot_user.as_deref() == Some("root") || s.maproot_group.as_deref() == Some("root") || s.maproot_group.as_deref() == Some("wheel"))
        .map(|s| {
            let severity = if s.open_to_everyone() { Severity::Critical } else { info.severity };
            info.finding(&object::nfs_share(s), severity, &format!("export {} maps client root to root (no_root_squash)", s.path))
        })
        .collect()''',
     fix='''if let Some(s) = nfs_share_mut(cfg, obj) {
        s.maproot_user = None;
        s.maproot_group = None;
    }''')
rule("NFS-003", "Nfs", "Medium", "Privileged source ports required",
     "allow_nonroot adds insecure to every export: any local user on a client can forge requests from an unprivileged port.",
     "Set the NFS service's allow_nonroot=false.",
     check='''if cfg.nfs.allow_nonroot {
        return vec![info.finding("nfs", info.severity, "allow_nonroot is true: exports accept requests from unprivileged ports (insecure)")];
    }
    vec![]''',
     fix='''cfg.nfs.allow_nonroot = false;''')
rule("NFS-004", "Nfs", "High", "No read-write export to everyone",
     "A read-write export open to every host (or a wildcard) lets anyone who can reach the server change data.",
     "Set ro=true, or narrow the authorized networks and hosts.",
     check='''cfg.nfs_shares
        .iter()
        .filter(|s| !s.ro && (s.open_to_everyone() || s.hosts.iter().any(|h| h.contains(['*', '?']))))
        .map(|s| info.finding(&object::nfs_share(s), info.severity, &format!("export {} is read-write to everyone or to a wildcard", s.path)))
        .collect()''',
     fix='''if let Some(s) = nfs_share_mut(cfg, obj) {
        s.ro = true;
    }''')
rule("NFS-005", "Nfs", "High", "All users not mapped to root",
     "mapall to root gives every client user root's rights on the export.",
     "Clear mapall_user/mapall_group or map to an unprivileged user.",
     check='''cfg.nfs_shares
        .iter()
        .filter(|s| s.mapall_user.as_deref() == Some("root"))
        .map(|s| info.finding(&object::nfs_share(s), info.severity, &format!("export {} maps every user to root", s.path)))
        .collect()''',
     fix='''if let Some(s) = nfs_share_mut(cfg, obj) {
        s.mapall_user = None;
        s.mapall_group = None;
    }''')
rule("NFS-006", "Nfs", "Medium", "Secure NLM locks",
     "insecure_locks / no_auth_nlm skip access checks on lock requests. nasguard never renders them; judged on imported exports.",
     "Remove insecure_locks / no_auth_nlm.")
rule("NFS-007", "Nfs", "Medium", "Kerberos on untrusted networks",
     "sec=sys trusts the client's claimed uid; Kerberos (krb5i/krb5p) authenticates users and protects traffic.",
     "Use security KRB5I or KRB5P where the network is not trusted.")
rule("NFS-008", "Nfs", "Medium", "NFS service settings at secure defaults",
     "TrueNAS: unless needed for a specific use case, keep the default NFS service settings.",
     "Reset the changed NFS service fields to their defaults (bindip and v4_krb are kept).",
     check='''let changed = cfg.nfs.changed_from_defaults();
    if changed.is_empty() {
        return vec![];
    }
    vec![info.finding("nfs", info.severity, &format!("NFS service settings changed from defaults: {}", changed.join(", ")))]''',
     fix='''cfg.nfs.reset_to_defaults();''')
rule("NFS-009", "Nfs", "Low", "No unneeded RPC exposure",
     "rpcbind and nfsd answer even with no exports. Judged from the running service.",
     "Stop the NFS service when nothing is exported.")
rule("NFS-010", "Nfs", "Info", "Subdirectory exports reviewed",
     "Exporting a subdirectory of a filesystem lets file handles reach outside it. Judged on imported exports.",
     "Export the filesystem root.")

# ---------------------------------------------------------------- iSCSI
rule("ISCSI-001", "Iscsi", "High", "Discovery authentication (CHAP or mutual CHAP)",
     "Without discovery authentication anyone can list every target name and portal (SendTargets). TrueNAS: consider adding a Discovery Authentication Method.",
     "Set the portal's discovery_authmethod to CHAP or CHAP_MUTUAL with a discovery_authgroup.",
     check='''cfg.iscsi
        .portals
        .iter()
        .filter(|p| p.discovery_authmethod == AuthMethod::None)
        .map(|p| info.finding(&object::iscsi_portal(p), info.severity, &format!("portal {} allows discovery without authentication", p.id)))
        .collect()''')
rule("ISCSI-002", "Iscsi", "High", "Target requires CHAP",
     "A target group with authmethod NONE accepts any login from an allowed initiator.",
     "Set the target group's authmethod to CHAP or CHAP_MUTUAL with an auth group.",
     check='''cfg.iscsi
        .targets
        .iter()
        .filter(|t| t.groups.iter().any(|g| g.authmethod == AuthMethod::None))
        .map(|t| info.finding(&object::iscsi_target(t), info.severity, &format!("target {} accepts logins without CHAP", t.name)))
        .collect()''')
rule("ISCSI-003", "Iscsi", "Low", "Mutual CHAP preferred",
     "One-way CHAP proves the initiator to the target but not the target to the initiator.",
     "Use CHAP_MUTUAL with a peer user and secret.",
     check='''cfg.iscsi
        .targets
        .iter()
        .filter(|t| t.groups.iter().any(|g| g.authmethod == AuthMethod::Chap))
        .map(|t| info.finding(&object::iscsi_target(t), info.severity, &format!("target {} uses one-way CHAP", t.name)))
        .collect()''')
rule("ISCSI-004", "Iscsi", "Medium", "CHAP secret hygiene",
     "CHAP is MD5 over a shared secret: a secret used twice is exposed twice, and captured exchanges can be guessed offline.",
     "Give every credential its own random 16-character secret.",
     check='''let mut out = vec![];
    let auths = &cfg.iscsi.auths;
    for (i, a) in auths.iter().enumerate() {
        let reused = auths[..i].iter().any(|b| b.secret == a.secret || (!b.peersecret.is_empty() && b.peersecret == a.secret));
        if reused {
            out.push(info.finding(&format!("iscsi/auth/{}", a.tag), info.severity, &format!("auth group {} user {:?} reuses a secret of another credential", a.tag, a.user)));
        }
    }
    out''')
rule("ISCSI-005", "Iscsi", "High", "Initiators listed",
     "An empty initiator list lets every initiator connect. TrueNAS: enter a list of Initiators.",
     "List the allowed initiator IQNs in the target's initiator group.",
     check='''access_findings(cfg, info, |g| g.initiators.is_empty(), "every initiator may connect (no initiator list)")''')
rule("ISCSI-006", "Iscsi", "High", "Authorized networks listed",
     "An empty authorized-network list lets initiators connect from anywhere. TrueNAS: enter Authorized Networks.",
     "Add authorized networks (CIDR) to the target's initiator group.",
     check='''access_findings(cfg, info, |g| g.auth_network.is_empty(), "initiators may connect from any network (no authorized networks)")''')

# ---------------------------------------------------------------- general
rule("GEN-001", None, "High", "Live exposure matches stored config",
     "A service that answers on the network while the store says it is stopped (or bound elsewhere) is exposure nobody intended. Decided by live probes.",
     "Stop the service or fix its bind address.")

HEADER = "// @generated by tools/gen_rules.py from the rule catalog; edit it there.\n"

def modname(id):
    return id.lower().replace("-", "_")

def write():
    out = "crates/policy/src/rules"
    for r in RULES:
        check = f"Some(check)" if r["check"] else "None"
        fix = f"Some(fix)" if r["fix"] else "None"
        body = HEADER + "#![allow(unused_imports)]\n\nuse crate::rules::*;\n\n"
        body += f'''pub(crate) static RULE: Rule = Rule {{
    info: RuleInfo {{
        id: "{r["id"]}",
        title: "{r["title"]}",
        service: {"Some(Service::" + r["svc"] + ")" if r["svc"] else "None"},
        severity: Severity::{r["sev"]},
        rationale: "{r["rationale"]}",
        remediation: "{r["remediation"]}",
        fixable: {"true" if r["fix"] else "false"},
    }},
    check: {check},
    fix: {fix},
}};
'''
        if r["check"]:
            body += f'''
fn check(cfg: &Config, facts: &Facts, info: &RuleInfo) -> Vec<Finding> {{
    let _ = facts;
    {r["check"]}
}}
'''
        if r["fix"]:
            body += f'''
fn fix(cfg: &mut Config, obj: &str) {{
    let _ = obj;
    {r["fix"]}
}}
'''
        open(f"{out}/{modname(r['id'])}.rs", "w").write(body)
    mods = "".join(f"mod {modname(r['id'])};\n" for r in RULES)
    table = "".join(f"    &{modname(r['id'])}::RULE,\n" for r in RULES)
    open(f"{out}/catalog.rs", "w").write(HEADER + "\nuse super::Rule;\n\n" + mods.replace("mod ", "#[path = \"\"] mod __x;\n", 0) + "")
    # catalog list lives in mod.rs's include
    open(f"{out}/catalog.rs", "w").write(HEADER + "\n" + "".join(f"#[path = \"{modname(r['id'])}.rs\"]\nmod {modname(r['id'])};\n" for r in RULES)
        + "\n/// Every rule, in catalog order.\npub(super) static RULES: &[&super::Rule] = &[\n" + table + "];\n")

if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(__file__), ".."))
    write()
