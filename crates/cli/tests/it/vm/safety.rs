//! Applying safely on a real host: a config a daemon refuses leaves the
//! previous one running, a `kill -9` mid-apply leaves old-or-new files,
//! `apply --confirm` restores the previous sshd config unless confirmed
//! (even when the SSH client that started it is killed), and enabled
//! services come back after a reboot with the applied config.

use super::Vm;
use super::host::{HOST_NET, STATE, out, root_key};
use crate::support::wizard;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MANAGED: [&str; 4] = [
    "/etc/samba/smb.conf",
    "/etc/ssh/sshd_config",
    "/etc/exports.d/nasguard.exports",
    "/etc/rtslib-fb-target/saveconfig.json",
];

/// One service's entry in `status --json`.
fn service_status(status: &serde_json::Value, name: &str) -> serde_json::Value {
    status["services"].as_array().unwrap().iter().find(|s| s["service"] == name).unwrap().clone()
}

/// The wizard's CHAP user and secret, this host's initiator, and its
/// network: a target locked down as the tests' iSCSI clients reach it.
const LOCKED_DOWN: [&str; 8] = [
    "--chap-user",
    "initiator1",
    "--chap-secret",
    "ChapSecret12",
    "--initiator",
    "iqn.2026-01.test.nasguard:host",
    "--network",
    HOST_NET,
];

fn hashes(vm: &Vm) -> Vec<String> {
    MANAGED.iter().map(|f| vm.hash(f)).collect()
}

#[test]
fn a_config_the_daemon_refuses_leaves_the_previous_one_running() {
    let Some(vm) = Vm::get() else { return };
    vm.ng_ok(&["init"]);
    vm.ssh_ok("mkdir -p /srv/keep /srv/gone /srv/iscsi-gone");
    vm.ng_ok(&["share", "nfs", "add", "--path", "/srv/keep", "--network", HOST_NET]);
    vm.ng_ok(&["apply"]);
    let good = hashes(&vm);

    // Kernel NFS: a path that vanished before apply; exportfs refuses it.
    vm.ng_ok(&["share", "nfs", "add", "--path", "/srv/gone", "--network", HOST_NET]);
    vm.ssh_ok("rmdir /srv/gone");
    let o = vm.ng(&["apply"]);
    assert_ne!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("/srv/gone"), "the refusal names the export: {}", out(&o));
    assert_eq!(hashes(&vm), good, "a refused apply changed a file");
    let live = vm.ssh_ok("exportfs -v");
    assert!(live.contains("/srv/keep") && !live.contains("/srv/gone"), "{live}");
    vm.ng_ok(&["share", "nfs", "rm", "2"]);

    // LIO: an extent whose directory vanished; nasguard's check refuses it
    // (targetctl restore would skip it and exit 0).
    vm.ng_ok(&wizard("gone", "/srv/iscsi-gone/disk.img", "8M", &LOCKED_DOWN));
    vm.ssh_ok("rm -rf /srv/iscsi-gone");
    let o = vm.ng(&["apply"]);
    assert_ne!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(hashes(&vm), good, "a refused apply changed a file");
    assert!(!vm.lio_targets().contains(":gone"));
    assert_eq!(vm.unit_state("rtslib-fb-targetctl"), "active");
    assert_eq!(vm.unit_state("nfs-server"), "active");
}

/// A port another program holds on every address (one dual-stack socket)
/// in the guest; its pid.
fn occupy_port(vm: &Vm, port: u16) -> String {
    let pid = vm.ssh_ok(&format!(
        "setsid nohup python3 -c 'import socket, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind((\"::\", {port})); s.listen(); time.sleep(3600)' >/dev/null 2>&1 < /dev/null & echo $!
         for i in $(seq 100); do ss -Hltn | grep -q ':{port} ' && exit 0; sleep 0.1; done; exit 1"
    ));
    pid.trim().to_string()
}

#[test]
fn a_daemon_that_fails_after_the_swap_is_rolled_back_and_its_journal_says_why() {
    let Some(vm) = Vm::get() else { return };
    vm.ng_ok(&["init"]);
    vm.ng_ok(&["apply"]);
    let good = vm.hash("/etc/ssh/sshd_config");
    // `sshd -t` accepts a port that another program holds; sshd itself
    // cannot bind it once reloaded, and exits.
    let holder = occupy_port(&vm, 2200);
    vm.ng_ok(&["config", "set", "ssh", "tcpport=2200"]);
    let o = vm.ng(&["apply"]);
    let text = out(&o);
    assert_ne!(o.status.code(), Some(0), "{text}");
    // The error carries the unit's own words from its journal ...
    assert!(text.contains("ssh's journal:"), "{text}");
    assert!(text.contains("Address already in use") || text.contains("Cannot bind any address"), "{text}");
    // ... and the previous config is back and running.
    assert!(text.contains("rolled back") || text.contains("restored"), "{text}");
    assert_eq!(vm.hash("/etc/ssh/sshd_config"), good, "the previous sshd_config is back");
    assert_eq!(vm.unit_state("ssh"), "active");
    assert!(vm.ssh_ok("sshd -T").lines().any(|l| l == "port 22"));
    let (rc, o) = super::host::ssh_to_guest(&vm, &root_key(), "root", &[], "echo still-in");
    assert_eq!((rc, o.trim()), (0, "still-in"), "root still logs in on port 22");

    // Once the port is free the same apply goes through, judged by the new
    // port (not by 22, which sshd has left).
    vm.ssh_ok(&format!("kill {holder}"));
    vm.ng_ok(&["apply"]);
    assert!(vm.ssh_ok("ss -Hltn").contains(":2200 "));
    let ssh = service_status(&vm.status_json(), "ssh");
    assert_eq!(ssh["ports"], serde_json::json!([2200]), "{ssh}");
}

#[test]
fn kill_9_during_apply_leaves_old_or_new_files() {
    let Some(vm) = Vm::get() else { return };
    vm.ng_ok(&["init"]);
    vm.ssh_ok("mkdir -p /srv/a /srv/iscsi");
    vm.ng_ok(&["apply"]);
    // Killed at the two points that matter (each round changes every
    // service's file first): "swap", the moment the apply records what it
    // is about to put to work (right before it swaps the files in), and
    // "swap+1", a second later, while it reloads the daemons. (A kill
    // before that point is the first case with less done: old files.)
    let mut partial = 0;
    for (round, (delay, then)) in [("swap", "true"), ("swap+1", "sleep 1")].into_iter().enumerate() {
        vm.ng_ok(&["share", "smb", "add", &format!("s{round}"), "--path", "/srv/a"]);
        vm.ssh_ok(&format!("mkdir -p /srv/n{round}"));
        vm.ng_ok(&["share", "nfs", "add", "--path", &format!("/srv/n{round}"), "--network", HOST_NET]);
        vm.ng_ok(&["config", "set", "ssh", &format!("tcpfwd={}", round % 2 == 0)]);
        vm.ng_ok(&wizard(
            &format!("k{round}"),
            &format!("/srv/iscsi/k{round}.img"),
            "8M",
            &[["--portal", &format!("127.0.0.1:{}", 3260 + round)].as_slice(), &LOCKED_DOWN].concat(),
        ));
        let old = hashes(&vm);
        let wait = format!(
            "for i in $(seq 6000); do [ -e {STATE}/apply-interrupted.json ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.01; done; {then}"
        );
        let o = vm.ssh(&format!(
            "NASGUARD_STATE_DIR={STATE} nasguard apply >/dev/null 2>&1 & pid=$!; {wait}; kill -9 $pid; wait $pid; echo killed"
        ));
        assert!(o.status.success(), "{}", out(&o));
        let mid = hashes(&vm);
        // Never a half-written file: each one is whole for its daemon.
        vm.ssh_ok("testparm -s >/dev/null 2>&1 && sshd -t && python3 -c 'import json; json.load(open(\"/etc/rtslib-fb-target/saveconfig.json\"))'");
        // nasguard knows whatever is there: the next apply finishes the job.
        let o = vm.ng(&["apply"]);
        assert!(o.status.success(), "after kill -9 at {delay}: {}", out(&o));
        assert!(!out(&o).contains("changed by hand"), "{}", out(&o));
        let new = hashes(&vm);
        // ... and the daemons run it, even when the killed apply had already
        // swapped every file in (nothing changes on disk then).
        let fwd = if round % 2 == 0 { "yes" } else { "no" };
        assert!(vm.ssh_ok("sshd -T").contains(&format!("allowtcpforwarding {fwd}")), "sshd after round {round}");
        assert!(vm.ssh_ok("exportfs -v").contains(&format!("/srv/n{round}")), "exports after round {round}");
        assert!(vm.lio_targets().contains(&format!(":k{round}")), "LIO after round {round}");
        for (i, f) in MANAGED.iter().enumerate() {
            assert!(mid[i] == old[i] || mid[i] == new[i], "{f} after kill -9 at {delay} s is neither old nor new");
        }
        let already = (0..MANAGED.len()).filter(|i| mid[*i] == new[*i] && old[*i] != new[*i]).count();
        partial += already;
        eprintln!("kill -9 at {delay}: {already} of {} files were already new", MANAGED.len());
    }
    assert!(partial > 0, "no kill landed after the swap: the test proved less than it says");
    assert!(vm.ssh_ok("testparm -s 2>/dev/null").contains("[s1]"));
}

/// The guest's effective `allowtcpforwarding`.
fn tcp_forwarding(vm: &Vm) -> String {
    vm.ssh_ok("sshd -T | grep '^allowtcpforwarding'").trim().to_string()
}

/// Runs `nasguard apply --confirm 20` over an SSH session of the guest's
/// own ssh.service from this host, then kills that ssh client.
fn apply_confirm_and_kill_the_client(vm: &Vm) {
    vm.ssh_ok("rm -f /root/confirm.out");
    let port = vm.port(22).to_string();
    let known = format!("UserKnownHostsFile={}", vm.run.join("known_hosts").display());
    let mut child = Command::new("ssh")
        .args(["-p", &port, "-i", root_key().to_str().unwrap(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"])
        .args(["-o", "StrictHostKeyChecking=yes", "-o", &known, "root@127.0.0.1"])
        .arg(format!("NASGUARD_STATE_DIR={STATE} nasguard apply --confirm 20 > /root/confirm.out 2>&1; echo done >> /root/confirm.out; sleep 600"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !vm.ssh_ok("cat /root/confirm.out 2>/dev/null || true").contains("done") {
        assert!(Instant::now() < deadline, "apply --confirm did not finish");
        std::thread::sleep(Duration::from_millis(500));
    }
    let o = vm.ssh_ok("cat /root/confirm.out");
    assert!(o.contains("nasguard confirm"), "{o}");
    // The session that applied dies (our child: killed by pid).
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn apply_confirm_restores_sshd_unless_confirmed_even_when_the_session_dies() {
    let Some(vm) = Vm::get() else { return };
    vm.ng_ok(&["init"]);
    // Debian's sshd_config leaves forwarding on (adopted as it is): off first.
    vm.ng_ok(&["config", "set", "ssh", "tcpfwd=false"]);
    vm.ng_ok(&["apply"]);
    let before = vm.hash("/etc/ssh/sshd_config");
    assert_eq!(tcp_forwarding(&vm), "allowtcpforwarding no");

    // Not confirmed: back to the previous config after ~20 s.
    vm.ng_ok(&["config", "set", "ssh", "tcpfwd=true"]);
    let t = Instant::now();
    apply_confirm_and_kill_the_client(&vm);
    assert_eq!(tcp_forwarding(&vm), "allowtcpforwarding yes", "the new config is live until the deadline");
    let status = vm.status_json();
    assert!(status["pending_confirmation"]["deadline"].is_string(), "{status}");
    let deadline = Instant::now() + Duration::from_secs(90);
    while vm.hash("/etc/ssh/sshd_config") != before {
        assert!(Instant::now() < deadline, "not restored 90 s after the deadline");
        std::thread::sleep(Duration::from_secs(1));
    }
    let took = t.elapsed();
    assert!(took >= Duration::from_secs(15), "restored after {took:?}, before the deadline");
    assert_eq!(tcp_forwarding(&vm), "allowtcpforwarding no");
    eprintln!("restored {:.1} s after apply --confirm 20", took.as_secs_f64());
    // The expiry ends with ssh reloaded and the pending apply gone (the
    // file is back a moment before: wait for the rest).
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(vm.status_json()["pending_confirmation"].is_null() && vm.unit_state("ssh") == "active") {
        assert!(Instant::now() < deadline, "ssh {} 60 s after the restore", vm.unit_state("ssh"));
        std::thread::sleep(Duration::from_millis(500));
    }

    // Confirmed: it stays, for longer than the unconfirmed one took to be
    // restored (and 5 s more).
    let t = Instant::now();
    apply_confirm_and_kill_the_client(&vm);
    let confirmed = vm.ng_ok(&["confirm"]);
    assert!(confirmed.contains("confirmed"), "{confirmed}");
    std::thread::sleep((took + Duration::from_secs(5)).saturating_sub(t.elapsed()));
    assert_eq!(tcp_forwarding(&vm), "allowtcpforwarding yes");
    let o = vm.ng(&["confirm"]);
    assert_ne!(o.status.code(), Some(0), "nothing left to confirm: {}", out(&o));
}

#[test]
fn enabled_services_come_back_after_a_reboot_with_the_applied_config() {
    let Some(vm) = Vm::get() else { return };
    vm.ng_ok(&["init"]);
    vm.ssh_ok("mkdir -p /srv/r /srv/iscsi");
    vm.ng_ok(&["share", "smb", "add", "rebooted", "--path", "/srv/r"]);
    vm.ng_ok(&wizard("boot", "/srv/iscsi/boot.img", "8M", &LOCKED_DOWN));
    vm.ng_ok(&["apply"]);
    for s in ["smb", "ssh", "iscsi"] {
        vm.ng_ok(&["service", "enable", s]);
    }
    vm.ng_ok(&["service", "disable", "nfs"]);
    vm.ng_ok(&["service", "stop", "nfs"]);
    vm.ssh_ok("echo survives > /root/persisted && sync");
    let boot = vm.boot_id();
    vm.reboot();
    assert_ne!(vm.boot_id(), boot, "a new boot");
    assert_eq!(vm.ssh_ok("cat /root/persisted").trim(), "survives", "the disk survives a reboot");
    for unit in ["smbd", "ssh", "rtslib-fb-targetctl", "nasguard-firewall"] {
        assert_eq!(vm.unit_state(unit), "active", "{unit} after the reboot");
    }
    assert_ne!(vm.unit_state("nfs-server"), "active", "a disabled service stays down");
    assert!(vm.ssh_ok("testparm -s 2>/dev/null").contains("[rebooted]"));
    assert!(vm.lio_targets().contains(":boot"));
    assert!(vm.ssh_ok("nft list table inet nasguard").contains("3260"));
    let status = vm.status_json();
    let by = |name: &str| service_status(&status, name);
    assert_eq!(by("smb")["running"], true);
    assert_eq!(by("iscsi")["enabled"], true);
    assert_eq!(by("nfs")["running"], false);
    assert_eq!(by("nfs")["enabled"], false);
}
