//! Adoption without loss (issue 12, part 2), on a real Debian host: what an
//! admin wrote by hand survives `init` + `apply`; a hand edit made after an
//! apply makes the next apply refuse with the file unchanged; `release`
//! gives the originals back byte for byte; and an sshd_config nobody could
//! log in with is refused.

use super::Vm;
use super::host::{HOST_NET, out, root_key, ssh_to_guest};

const FILES: [&str; 4] =
    ["/etc/samba/smb.conf", "/etc/ssh/sshd_config", "/etc/exports", "/etc/rtslib-fb-target/saveconfig.json"];

/// What the admin wrote before nasguard came: a share, an export and an
/// sshd setting, on top of Debian's defaults (root logs in with a key:
/// `PermitRootLogin prohibit-password` by default).
fn hand_written(vm: &Vm) {
    vm.ssh_ok(&format!(
        "set -e
         mkdir -p /srv/photos /srv/media
         printf '\\n[family-photos]\\n   path = /srv/photos\\n   read only = no\\n   comment = Our photos\\n' >> /etc/samba/smb.conf
         echo '/srv/media {HOST_NET}(rw,sync,no_subtree_check)' >> /etc/exports
         echo 'MaxAuthTries 4' >> /etc/ssh/sshd_config
         testparm -s >/dev/null 2>&1 && exportfs -ra && sshd -t
         systemctl reload smbd ssh"
    ));
}

#[test]
fn hand_written_configs_survive_init_and_apply_and_come_back_on_release() {
    let Some(vm) = Vm::get() else { return };
    hand_written(&vm);
    let before: Vec<String> = FILES.iter().map(|f| vm.hash(f)).collect();

    let init = vm.ng_ok(&["init"]);
    assert!(init.contains("system deployment: this host; nfs kernel, iscsi lio"), "{init}");
    assert!(init.contains("imported the settings of: smb, ssh, nfs"), "{init}");
    // What Debian's smb.conf holds that the model cannot: said, not dropped silently.
    assert!(init.contains("[homes]") && init.contains("not imported"), "{init}");
    let status = vm.status_json();
    let originals: Vec<&str> =
        status["originals"].as_array().unwrap().iter().map(|o| o["path"].as_str().unwrap()).collect();
    for f in &FILES[..3] {
        assert!(originals.contains(f), "{f} not kept: {originals:?}");
    }
    assert_eq!(status["backends"], serde_json::json!({"nfs": "kernel", "iscsi": "lio"}));

    let applied = vm.ng_ok(&["apply"]);
    assert!(applied.contains("applied revision"), "{applied}");
    // The share, the export and the sshd setting, as the daemons see them.
    let smb = vm.ssh_ok("testparm -s 2>/dev/null");
    assert!(smb.contains("[family-photos]") && smb.contains("path = /srv/photos"), "{smb}");
    let exports = vm.ssh_ok("exportfs -v");
    assert!(exports.contains("/srv/media") && exports.contains(HOST_NET), "{exports}");
    // ... served once: /etc/exports was absorbed into nasguard's file.
    assert_eq!(exports.matches("/srv/media").count(), 1, "{exports}");
    let sshd = vm.ssh_ok("sshd -T");
    assert!(sshd.contains("maxauthtries 4"), "{sshd}");
    assert!(sshd.contains("permitrootlogin without-password"), "{sshd}");
    // And root still logs in over the network with its key.
    let (rc, o) = ssh_to_guest(&vm, &root_key(), "root", &[], "echo still-in");
    assert_eq!(rc, 0, "{o}");
    assert!(o.contains("still-in"), "{o}");
    // Nothing of the admin's was lost along the way: the originals are kept.
    for (f, h) in FILES.iter().zip(&before) {
        if h != "absent" {
            let kept = format!("/var/lib/nasguard/originals{f}");
            assert_eq!(&vm.hash(&kept), h, "{kept}");
        }
    }

    // A hand edit after the apply: the next apply refuses, shows the diff,
    // and changes nothing.
    vm.ssh_ok("echo '# tuned by hand' >> /etc/samba/smb.conf");
    let edited = vm.hash("/etc/samba/smb.conf");
    vm.ng_ok(&["config", "set", "smb", "aapl_extensions=true"]);
    let o = vm.ng(&["apply"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("changed by hand since nasguard last wrote it: /etc/samba/smb.conf"), "{err}");
    assert!(err.contains("-# tuned by hand"), "the diff must show the edit: {err}");
    assert!(err.contains("nasguard import") && err.contains("--overwrite"), "{err}");
    assert_eq!(vm.hash("/etc/samba/smb.conf"), edited, "a refused apply changed the file");
    // `import` keeps the edit's settings; the next apply goes through.
    vm.ng_ok(&["import"]);
    vm.ng_ok(&["apply"]);

    // Give the host back: every original, byte for byte.
    let released = vm.ng_ok(&["release"]);
    assert!(released.contains("restored /etc/samba/smb.conf"), "{released}");
    for (f, h) in FILES.iter().zip(&before) {
        assert_eq!(&vm.hash(f), h, "{f} is not the original");
    }
    assert_eq!(vm.hash("/etc/exports.d/nasguard.exports"), "absent");
    assert!(!vm.ssh_ok("nft list tables").contains("nasguard"));
    assert!(vm.ssh_ok("exportfs -v").contains("/srv/media"), "the admin's own export is served again");
}

#[test]
fn an_sshd_config_nobody_could_log_in_with_is_refused() {
    let Some(vm) = Vm::get() else { return };
    vm.ng_ok(&["init"]);
    // Debian's root logs in with a key only; "no root login" would shut it out.
    vm.ng_ok(&["config", "set", "ssh", "root_key_login=false"]);
    let before = vm.hash("/etc/ssh/sshd_config");
    let o = vm.ng(&["apply"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no account could log in over SSH"), "{err}");
    assert!(err.contains("root has a key but root login would be `PermitRootLogin no`"), "{err}");
    assert_eq!(vm.hash("/etc/ssh/sshd_config"), before);

    // An ordinary account with a key: the same config is safe now.
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("alice");
    let (rc, o) = crate::support::client("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", key.to_str().unwrap()]);
    assert_eq!(rc, 0, "{o}");
    vm.scp_to(&dir.path().join("alice.pub"), "/tmp/alice.pub");
    vm.ng_ok(&["user", "add", "alice", "--ssh-key-file", "/tmp/alice.pub"]);
    vm.ng_ok(&["apply"]);
    let (rc, o) = ssh_to_guest(&vm, &key, "alice", &[], "id -un");
    assert_eq!(rc, 0, "{o}");
    assert!(o.contains("alice"), "{o}");
    let (rc, o) = ssh_to_guest(&vm, &root_key(), "root", &[], "true");
    assert_ne!(rc, 0, "root login is off now: {o}");
}
