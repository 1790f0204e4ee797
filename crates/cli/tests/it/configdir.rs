//! `audit --config-dir` and `import` over Debian's stock sshd_config and
//! smb.conf (the pristine copies the packages ship in /usr/share), checked
//! against what `sshd -T` and `testparm -sv` say the effective values are.

use crate::support::{Sandbox, client, have};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn effective(program: &str, args: &[&str], sep: &str) -> BTreeMap<String, String> {
    let (rc, out) = client(program, args);
    assert_eq!(rc, 0, "{program} {args:?}: {out}");
    out.lines()
        .filter_map(|l| l.trim().split_once(sep))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect()
}

#[test]
fn stock_debian_configs_are_judged_by_their_effective_values() {
    let stock_ssh = Path::new("/usr/share/openssh/sshd_config");
    let stock_smb = Path::new("/usr/share/samba/smb.conf");
    if !have(&["sshd", "testparm"]) || !stock_ssh.exists() || !stock_smb.exists() {
        return;
    }
    let s = Sandbox::new();
    let etc = s.path("etc");
    std::fs::create_dir_all(etc.join("ssh")).unwrap();
    std::fs::create_dir_all(etc.join("samba")).unwrap();
    std::fs::copy(stock_ssh, etc.join("ssh/sshd_config")).unwrap();
    std::fs::copy(stock_smb, etc.join("samba/smb.conf")).unwrap();
    let _ = std::fs::create_dir_all("/run/sshd");
    let sshd_conf = etc.join("ssh/sshd_config");
    let sshd =
        effective("sshd", &["-T", "-f", sshd_conf.to_str().unwrap(), "-C", "user=nobody,host=h,addr=127.0.0.1"], " ");
    let smb_conf = etc.join("samba/smb.conf");
    let testparm = effective("testparm", &["-sv", smb_conf.to_str().unwrap()], " = ");

    let out = s.run(&["audit", "--config-dir", etc.to_str().unwrap(), "--format", "json", "--fail-on", "none"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let has = |rule: &str| findings.iter().any(|f| f["rule"] == rule);

    // Each rule fires exactly when the daemon's effective value is insecure.
    let v = |k: &str| sshd.get(k).cloned().unwrap_or_default();
    let num = |k: &str| v(k).parse::<u64>().unwrap_or(0);
    assert_eq!(has("SSH-001"), v("permitrootlogin") == "yes");
    assert_eq!(has("SSH-002"), v("passwordauthentication") == "yes");
    assert_eq!(has("SSH-003"), v("allowtcpforwarding") != "no" && v("disableforwarding") != "yes");
    assert_eq!(
        has("SSH-006"),
        v("macs").split(',').any(|m| m != "hmac-sha2-512-etm@openssh.com"
            && m != "hmac-sha2-256-etm@openssh.com"
            && m != "umac-128-etm@openssh.com")
    );
    assert_eq!(
        has("SSH-011"),
        ["x11forwarding", "allowagentforwarding", "permittunnel", "gatewayports"].iter().any(|k| v(k) != "no")
    );
    assert_eq!(has("SSH-012"), num("maxauthtries") > 4);
    assert_eq!(has("SSH-013"), num("logingracetime") == 0 || num("logingracetime") > 60);
    assert_eq!(
        has("SSH-014"),
        num("clientaliveinterval") == 0 || num("clientaliveinterval") > 300 || num("clientalivecountmax") > 3
    );
    let t = |k: &str| testparm.get(k).cloned().unwrap_or_default().to_lowercase();
    assert_eq!(has("SMB-001"), t("server min protocol") == "nt1");
    assert_eq!(has("SMB-002"), t("ntlm auth") == "ntlmv1-permitted");
    assert_eq!(has("SMB-004"), !["mandatory", "required"].contains(&t("server signing").as_str()));
    assert_eq!(has("SMB-009"), t("map to guest") != "never");
    assert_eq!(has("SMB-010"), t("restrict anonymous") != "2");
    // The stock files are not secure: the audit must say so.
    assert!(has("SSH-002") && has("SMB-004"), "{findings:#?}");
    // Findings point at the file (and the line where one sets the value).
    let guest = findings.iter().find(|f| f["rule"] == "SMB-009").unwrap();
    assert_eq!(guest["location"]["file"], "/etc/samba/smb.conf");
    assert!(guest["location"]["line"].as_u64().unwrap() > 0);
    let sarif: Value = serde_json::from_str(
        &s.run(&["audit", "--config-dir", etc.to_str().unwrap(), "--format", "sarif", "--fail-on", "none"]).stdout,
    )
    .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap_or(0) > 0)
    );

    // Import stores the same effective values, equal to sshd -T's lists.
    let imported = s.ok(&["import", "--from", etc.to_str().unwrap()]);
    assert!(imported.contains("[homes]"), "unmapped settings must be listed: {imported}");
    let ssh: Value = serde_json::from_str(&s.ok(&["--json", "config", "show", "ssh"])).unwrap();
    let list = |k: &str| {
        ssh[k].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect::<Vec<_>>().join(",")
    };
    assert_eq!(list("ciphers"), v("ciphers"));
    assert_eq!(list("macs"), v("macs"));
    assert_eq!(list("kex_algorithms"), v("kexalgorithms"));
    assert_eq!(list("hostkey_algorithms"), v("hostkeyalgorithms"));
    assert_eq!(ssh["passwordauth"], v("passwordauthentication") == "yes");
    let smb: Value = serde_json::from_str(&s.ok(&["--json", "config", "show", "smb"])).unwrap();
    assert_eq!(smb["server_signing"] == "MANDATORY", ["mandatory", "required"].contains(&t("server signing").as_str()));
    assert_eq!(smb["ntlmv1_auth"], t("ntlm auth") == "ntlmv1-permitted");
    // And the stored model's audit now reports the same SSH rules.
    let stored = s.audit();
    for rule in ["SSH-002", "SSH-003", "SSH-006"] {
        assert_eq!(stored["findings"].as_array().unwrap().iter().any(|f| f["rule"] == rule), has(rule), "{rule}");
    }
}
