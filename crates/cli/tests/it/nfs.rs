//! NFS with the real Ganesha + rpcbind, reached from client network
//! namespaces this test creates: one inside the share's authorized network,
//! one outside it. Clients always run inside their namespace.

use crate::support::{Sandbox, client, have};
use std::process::Command;

/// Three namespaces: a server with two links, each to one client.
pub(crate) struct Net {
    pub(crate) server: String,
    pub(crate) inside: String,
    pub(crate) outside: String,
}

impl Net {
    pub(crate) fn new(tag: &str) -> Net {
        let id = std::process::id() % 10000;
        let n =
            Net { server: format!("ngs{tag}{id}"), inside: format!("ngi{tag}{id}"), outside: format!("ngo{tag}{id}") };
        let ip = |args: &[&str]| {
            let (rc, out) = client("ip", args);
            assert_eq!(rc, 0, "ip {args:?}: {out}");
        };
        for ns in [&n.server, &n.inside, &n.outside] {
            ip(&["netns", "add", ns]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        for (client_ns, sv, cv, net) in [(&n.inside, "nga", "ngb", "10.231.0"), (&n.outside, "ngc", "ngd", "10.231.1")]
        {
            let (sv, cv) = (format!("{sv}{id}"), format!("{cv}{id}"));
            ip(&["link", "add", &sv, "type", "veth", "peer", "name", &cv]);
            ip(&["link", "set", &sv, "netns", &n.server]);
            ip(&["link", "set", &cv, "netns", client_ns]);
            ip(&["-n", &n.server, "addr", "add", &format!("{net}.1/30"), "dev", &sv]);
            ip(&["-n", client_ns, "addr", "add", &format!("{net}.2/30"), "dev", &cv]);
            ip(&["-n", &n.server, "link", "set", &sv, "up"]);
            ip(&["-n", client_ns, "link", "set", &cv, "up"]);
        }
        n
    }

    /// Runs a client program inside a client namespace.
    pub(crate) fn client(&self, ns: &str, program: &str, args: &[&str]) -> (i32, String) {
        let mut all = vec!["netns", "exec", ns, program];
        all.extend_from_slice(args);
        client("ip", &all)
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in [&self.server, &self.inside, &self.outside] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// `nasguard ARGS` inside the server namespace, with a private /run (one
/// rpcbind per /run); once rpcbind runs, later commands join its namespaces.
pub(crate) fn server(s: &Sandbox, net: &Net, args: &[&str]) -> String {
    let bin = env!("CARGO_BIN_EXE_nasguard");
    let state = s.state();
    let rpcbind = std::fs::read_to_string(state.join("run/rpcbind.pid")).ok();
    let mut cmd = match rpcbind {
        Some(pid) => {
            let mut c = Command::new("nsenter");
            c.args(["-t", pid.trim(), "-m", "-n", "--", bin]);
            c
        }
        None => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", &net.server, "unshare", "-m", "--propagation", "private", "sh", "-c"])
                .arg("mount -t tmpfs tmpfs /run && exec \"$0\" \"$@\"")
                .arg(bin);
            c
        }
    };
    let o = cmd.args(args).env("NASGUARD_STATE_DIR", &state).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "nasguard {args:?} in the server namespace: {text}");
    text
}

#[test]
fn exports_reach_only_authorized_networks() {
    if !have(&["ganesha.nfsd", "rpcbind", "showmount", "nfs-ls", "nfs-cp", "ip", "unshare", "nsenter"]) {
        return;
    }
    let net = Net::new("x");
    let s = Sandbox::with_port_base_bind(24000, "0.0.0.0");
    let export = s.path("export");
    std::fs::create_dir_all(&export).unwrap();
    std::fs::set_permissions(&export, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    std::fs::write(export.join("readme.txt"), "hello over nfs\n").unwrap();
    let path = export.to_str().unwrap();
    s.ok(&["share", "nfs", "add", "--path", path, "--network", "10.231.0.0/30"]);
    s.ok(&["apply"]);
    server(&s, &net, &["service", "start", "nfs"]);

    // Inside the authorized network: listed, readable, writable.
    let (rc, out) = net.client(&net.inside, "showmount", &["-e", "10.231.0.1"]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains(path), "{out}");
    let url = format!("nfs://10.231.0.1{path}");
    let (rc, out) = net.client(&net.inside, "nfs-ls", &[&url]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("readme.txt"), "{out}");
    let local = s.path("upload.txt");
    std::fs::write(&local, "written by a client\n").unwrap();
    let (rc, out) = net.client(&net.inside, "nfs-cp", &[local.to_str().unwrap(), &format!("{url}/upload.txt")]);
    assert_eq!(rc, 0, "{out}");
    assert_eq!(std::fs::read_to_string(export.join("upload.txt")).unwrap(), "written by a client\n");

    // Outside it: not listed, and mounting is refused.
    let (_, out) = net.client(&net.outside, "showmount", &["-e", "10.231.1.1"]);
    assert!(!out.contains(path), "{out}");
    let (rc, out) = net.client(&net.outside, "nfs-ls", &[&format!("nfs://10.231.1.1{path}")]);
    assert_ne!(rc, 0, "{out}");

    // The live probe, run from inside the authorized network, sees the
    // same export list as showmount -e (and no export open to everyone).
    let bin = env!("CARGO_BIN_EXE_nasguard");
    let (rc, out) =
        net.client(&net.inside, bin, &["scan", "nfs://10.231.0.1", "--format", "json", "--fail-on", "none"]);
    assert_eq!(rc, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let exports = v["targets"][0]["observed"]["nfs"]["exports"].as_array().unwrap().clone();
    assert_eq!(exports.len(), 1, "{v:#}");
    assert_eq!(exports[0]["path"], path);
    let (_, showmount) = net.client(&net.inside, "showmount", &["-e", "10.231.0.1"]);
    let line = showmount.lines().find(|l| l.starts_with(path)).unwrap();
    let groups: Vec<&str> = line.split_whitespace().skip(1).flat_map(|g| g.split(',')).collect();
    let ours: Vec<&str> = exports[0]["groups"].as_array().unwrap().iter().map(|g| g.as_str().unwrap()).collect();
    assert_eq!(ours, groups, "{showmount}");
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["rule"] != "NFS-001"), "{v:#}");

    // Read-only: reading still works, writing is refused.
    s.ok(&["share", "nfs", "set", "1", "ro=true"]);
    let applied = server(&s, &net, &["apply"]);
    assert!(applied.contains("reloaded nfs"), "{applied}");
    let (rc, out) = net.client(&net.inside, "nfs-ls", &[&url]);
    assert_eq!(rc, 0, "{out}");
    let (rc, out) = net.client(&net.inside, "nfs-cp", &[local.to_str().unwrap(), &format!("{url}/second.txt")]);
    assert_ne!(rc, 0, "a read-only export must refuse writes: {out}");
    assert!(!export.join("second.txt").exists());

    // Lists that only add up to everyone are refused; the outside stays out.
    for spelling in
        ["networks=10.231.0.0/30,0.0.0.0/1,128.0.0.0/1", "hosts=*", "hosts=0.0.0.0/0", "hosts=::ffff:0.0.0.0/96"]
    {
        let o = s.run(&["share", "nfs", "set", "1", spelling]);
        assert_eq!(o.code, 2, "{spelling}: {}", o.stderr);
    }
    server(&s, &net, &["apply"]);
    let (_, out) = net.client(&net.outside, "showmount", &["-e", "10.231.1.1"]);
    assert!(!out.contains(path), "{out}");

    // Stopping NFS stops the rpcbind this sandbox started, and nothing else.
    let rpcbind: u32 = std::fs::read_to_string(s.state().join("run/rpcbind.pid")).unwrap().trim().parse().unwrap();
    server(&s, &net, &["service", "stop", "nfs"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::path::Path::new(&format!("/proc/{rpcbind}")).exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!std::path::Path::new(&format!("/proc/{rpcbind}")).exists(), "rpcbind {rpcbind} still runs");
}
