//! Apply's crash safety: kill -9 at any moment leaves each config file
//! either wholly old or wholly new.

use crate::support::{Sandbox, wizard};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

fn files(s: &Sandbox) -> HashMap<PathBuf, String> {
    ["smb.conf", "sshd_config", "ganesha.conf", "targets.conf"]
        .iter()
        .map(|f| s.state().join("etc").join(f))
        .map(|p| (p.clone(), std::fs::read_to_string(&p).unwrap_or_default()))
        .collect()
}

#[test]
fn kill_9_during_apply_leaves_old_or_new_complete_files() {
    let s = Sandbox::new();
    // Two configurations, A and B, that differ in every file.
    let a = ["minimum_protocol=SMB2", "tcpfwd=false", "protocols=NFSV3,NFSV4", "basename=iqn.2026-11.org.nasguard.a"];
    let b = ["minimum_protocol=SMB3", "tcpfwd=true", "protocols=NFSV4", "basename=iqn.2026-11.org.nasguard.b"];
    let set = |v: &[&str; 4]| {
        s.ok(&["config", "set", "smb", v[0]]);
        s.ok(&["config", "set", "ssh", v[1]]);
        s.ok(&["config", "set", "nfs", v[2]]);
        s.ok(&["config", "set", "iscsi", v[3]]);
    };
    s.ok(&wizard(
        "t",
        s.path("t.img").to_str().unwrap(),
        "1M",
        &["--chap-user", "u", "--chap-secret", "Secret123456", "--initiator", "iqn.2026-01.a:b"],
    ));
    set(&a);
    s.ok(&["apply"]);
    let old = files(&s);
    set(&b);
    s.ok(&["apply"]);
    let new = files(&s);
    for (p, content) in &old {
        assert_ne!(content, &new[p], "{} must differ between A and B", p.display());
    }
    // Flip between A and B, killing apply at spread-out moments.
    let mut interrupted = 0;
    for round in 0..24u64 {
        set(if round % 2 == 0 { &a } else { &b });
        let mut child = s
            .cmd()
            .arg("apply")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(round * 1500));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = files(&s);
        for (p, content) in &now {
            assert!(
                content == &old[p] || content == &new[p],
                "round {round}: {} is neither the old nor the new file:\n{content}",
                p.display()
            );
        }
        let target = if round % 2 == 0 { &old } else { &new };
        if &now != target {
            interrupted += 1;
        }
    }
    assert!(interrupted > 0, "no kill landed before apply finished: the test proved nothing");
    // And a final apply completes whatever was interrupted.
    s.ok(&["apply"]);
}
