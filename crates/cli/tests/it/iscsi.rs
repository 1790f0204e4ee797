//! iSCSI with the real tgtd and libiscsi's iscsi-inq / iscsi-ls.

use crate::support::{Sandbox, client, have, wizard};

const SECRET: &str = "ChapSecret12";
const ALLOWED: &str = "iqn.2026-01.test.nasguard:allowed";

#[test]
fn wizard_target_needs_chap_and_a_listed_initiator() {
    if !have(&["tgtd", "tgtadm", "tgt-admin", "iscsi-inq", "iscsi-ls"]) {
        return;
    }
    let s = Sandbox::with_port_base(10000);
    let img = s.path("disk1.img");
    s.ok(&wizard(
        "disk1",
        img.to_str().unwrap(),
        "16M",
        &["--chap-user", "initiator1", "--chap-secret", SECRET, "--initiator", ALLOWED, "--network", "127.0.0.0/8"],
    ));
    s.ok(&["apply"]);
    s.ok(&["service", "start", "iscsi"]);
    let portal = format!("127.0.0.1:{}", s.port_base + 3260);
    let iqn = "iqn.2026-11.org.nasguard.ctl:disk1";
    let url = |creds: &str| format!("iscsi://{creds}{portal}/{iqn}/1");
    let inq = |initiator: &str, creds: &str| client("iscsi-inq", &["-i", initiator, &url(creds)]);

    // The right initiator name and secret: the LUN answers.
    let (rc, out) = inq(ALLOWED, &format!("initiator1%{SECRET}@"));
    assert_eq!(rc, 0, "{out}");
    assert!(out.to_lowercase().contains("vendor") || out.contains("Peripheral"), "{out}");
    // No credentials, a wrong secret, or an initiator not listed: refused.
    let (rc, out) = inq(ALLOWED, "");
    assert_ne!(rc, 0, "no credentials: {out}");
    let (rc, out) = inq(ALLOWED, "initiator1%WrongSecret1@");
    assert_ne!(rc, 0, "wrong secret: {out}");
    let (rc, out) = inq("iqn.2026-01.test.nasguard:other", &format!("initiator1%{SECRET}@"));
    assert_ne!(rc, 0, "unlisted initiator: {out}");

    // Discovery needs CHAP too (tgt's incomingdiscoveryuser).
    let (rc, out) = client("iscsi-ls", &["-i", ALLOWED, "-s", &format!("iscsi://{portal}")]);
    assert_ne!(rc, 0, "discovery without credentials: {out}");
    let (rc, out) = client("iscsi-ls", &["-i", ALLOWED, "-s", &format!("iscsi://initiator1%{SECRET}@{portal}")]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains(iqn), "{out}");

    // The rendered targets.conf holds secrets: 0600.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(s.state().join("etc/targets.conf")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
