//! nasguard's live probes against the tools people use, side by side in one
//! run, over the same loopback daemons:
//!
//! - SSH: 50 sshd processes (own ports and pid files): nasguard vs
//!   `nmap -T5 --script +ssh2-enum-algos` and `ssh-audit -T --threads 32
//!   --skip-rate-test` (the project venv's pinned 3.9.0).
//! - SMB: one smbd listening on 50 ports: nasguard vs nmap's
//!   smb-protocols + smb2-security-mode.
//! - Scaling: 50, 250 and 1 000 SSH targets (sshd listens on at most 16
//!   sockets, so 63 sshd with 16 ports each), with the process's peak RSS.
//!
//! Run: `cargo bench -p nasguard-probe --bench peers` (needs sshd, smbd,
//! nmap; `bash .ci/install`). Prints targets/second and the ratios.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nasguard_model::Service;
use nasguard_probe::{Target, scan};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// All ports below 32768, outside Linux's ephemeral range (32768-60999),
/// where client connections would otherwise take them, and below the VM
/// tests' forwards (31000-31899, which run beside the benches in `.ci/test`).
const SSH_BASE: u16 = 27000;
const SMB_BASE: u16 = 28000;
const ISCSI_BASE: u16 = 26000;
/// The scaling stage's own range: the first stage's ports may still be
/// held by exiting sshd processes.
const SCALE_BASE: u16 = 24000;

struct Daemons(Vec<Child>);

impl Drop for Daemons {
    fn drop(&mut self) {
        for c in &mut self.0 {
            // Each daemon leads its own process group: stop the group, and
            // kill it if it ignores SIGTERM (tgtd does).
            let group = format!("-{}", c.id());
            let _ = Command::new("kill").arg("--").arg(&group).status();
            let gone = (0..40).any(|_| {
                std::thread::sleep(Duration::from_millis(50));
                matches!(c.try_wait(), Ok(Some(_)))
            });
            if !gone {
                let _ = Command::new("kill").args(["-9", "--", &group]).status();
                let _ = c.wait();
            }
        }
    }
}

fn have(p: &str) -> bool {
    ["/usr/sbin", "/usr/bin"].iter().any(|d| Path::new(d).join(p).exists())
}

fn wait_ports(ports: &[u16]) {
    for p in ports {
        let ok = (0..200).any(|_| {
            if std::net::TcpStream::connect(("127.0.0.1", *p)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
            false
        });
        assert!(ok, "port {p} did not open");
    }
}

fn sshd_config(dir: &Path, name: &str, ports: &[u16], key: &Path) -> std::path::PathBuf {
    let mut c = String::new();
    for p in ports {
        c.push_str(&format!("ListenAddress 127.0.0.1:{p}\n"));
    }
    c.push_str(&format!(
        "HostKey {}\nPidFile {}/{name}.pid\nUsePAM no\nMaxStartups 1000:30:2000\nPerSourceMaxStartups none\nLogLevel ERROR\n",
        key.display(),
        dir.display()
    ));
    c.push_str("Ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com\n");
    let path = dir.join(format!("{name}.conf"));
    std::fs::write(&path, c).unwrap();
    path
}

fn spawn(cmd: &mut Command) -> Child {
    let log = std::env::temp_dir().join("nasguard-bench-daemons.log");
    let err = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(err).process_group(0).spawn().unwrap()
}

/// smbd makes its own session with setsid(), which fails for a process
/// that already leads a group: it is started as it is.
fn spawn_smbd(cmd: &mut Command) -> Child {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn time_cmd(runs: usize, mut make: impl FnMut() -> Command) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let out = make().output().unwrap();
                assert!(out.status.code().is_some(), "peer crashed");
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn nasguard(rt: &tokio::runtime::Runtime, targets: &[Target], runs: usize) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let results = rt.block_on(scan(targets.to_vec(), 256, Duration::from_secs(10), Arc::new(|_, _| {})));
                let failed = results.iter().filter(|r| r.error.is_some()).count();
                assert_eq!(failed, 0, "{:?}", results.iter().find(|r| r.error.is_some()));
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:").and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok()))
        .unwrap_or(0)
}

/// CPU seconds used by these processes and their reaped children (each
/// sshd connection is a child of its listener), from /proc/PID/stat.
fn cpu_seconds(pids: &[u32]) -> f64 {
    let ticks: u64 = pids
        .iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .filter_map(|st| {
            // Fields after the command name in parentheses: utime, stime,
            // cutime, cstime are the 12th..15th of them.
            let rest = st.rsplit_once(')')?.1;
            let f: Vec<u64> = rest.split_whitespace().skip(11).take(4).filter_map(|x| x.parse().ok()).collect();
            Some(f.iter().sum::<u64>())
        })
        .sum();
    ticks as f64 / 100.0
}

fn cores() -> f64 {
    std::thread::available_parallelism().map(|n| n.get() as f64).unwrap_or(1.0)
}

fn report(what: &str, n: usize, ours: f64, peer: &str, theirs: f64) {
    println!(
        "{what}: {n} targets  nasguard {:.3} s ({:.0}/s)  {peer} {:.3} s ({:.0}/s)  ratio {:.1}x",
        ours,
        n as f64 / ours,
        theirs,
        n as f64 / theirs,
        theirs / ours
    );
}

fn main() {
    if !(have("sshd") && have("nmap") && have("ssh-keygen")) {
        eprintln!("skipped: needs sshd, nmap, ssh-keygen (bash .ci/install)");
        return;
    }
    let _ = std::fs::create_dir_all("/run/sshd");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("hostkey");
    assert!(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", ""])
            .arg("-f")
            .arg(&key)
            .status()
            .unwrap()
            .success()
    );
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();

    // SSH: 50 sshd processes.
    let ports: Vec<u16> = (0..50).map(|i| SSH_BASE + i).collect();
    let mut daemons = Daemons(vec![]);
    for p in &ports {
        let cfg = sshd_config(dir.path(), &format!("sshd{p}"), &[*p], &key);
        daemons.0.push(spawn(Command::new("/usr/sbin/sshd").arg("-D").arg("-f").arg(&cfg)));
    }
    wait_ports(&ports);
    let targets: Vec<Target> =
        ports.iter().map(|p| Target { service: Service::Ssh, host: "127.0.0.1".into(), port: *p }).collect();
    let ours = nasguard(&rt, &targets, 7);
    let range = format!("{}-{}", SSH_BASE, SSH_BASE + 49);
    let nmap = time_cmd(3, || {
        let mut c = Command::new("nmap");
        c.args(["-Pn", "-n", "-T5", "-p", &range, "--script", "+ssh2-enum-algos", "127.0.0.1"]);
        c
    });
    report("SSH algorithms", 50, ours, "nmap -T5 ssh2-enum-algos", nmap);
    // What bounds every client here: the daemons' own work per connection
    // (sshd forks and re-executes itself for each one).
    let pids: Vec<u32> = daemons.0.iter().map(Child::id).collect();
    let before = cpu_seconds(&pids);
    let runs = 5;
    let _ = nasguard(&rt, &targets, runs);
    let daemon_cpu = (cpu_seconds(&pids) - before) / runs as f64;
    let bound = daemon_cpu / cores();
    let nmap_fixed = time_cmd(3, || {
        let mut c = Command::new("nmap");
        c.args(["-Pn", "-n", "-T5", "-p", "1", "--script", "+ssh2-enum-algos", "127.0.0.1"]);
        c
    });
    println!(
        "  sshd CPU per 50 probes: {daemon_cpu:.3} s, so on {} cores no client can finish in under {bound:.3} s; \
         nasguard {ours:.3} s is {:.0}% of that bound. nmap's fixed start-up (one closed port): {nmap_fixed:.3} s; \
         its time past the bound: {:.3} s.",
        cores(),
        100.0 * ours / bound,
        nmap - bound
    );
    let audit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/ssh-audit");
    if audit.exists() {
        let list = dir.path().join("targets.txt");
        std::fs::write(&list, ports.iter().map(|p| format!("127.0.0.1:{p}\n")).collect::<String>()).unwrap();
        let t = time_cmd(1, || {
            let mut c = Command::new(&audit);
            c.arg("-T").arg(&list).args(["--threads", "32", "--skip-rate-test"]);
            c
        });
        report("SSH algorithms", 50, ours, "ssh-audit -T --threads 32", t);
    }
    drop(daemons);

    // Scaling and memory: 250 and 1 000 targets from sshd with 16 ports each
    // (OpenSSH's MAX_LISTEN_SOCKS).
    let mut daemons = Daemons(vec![]);
    let mut all = vec![];
    for d in 0..63u16 {
        let ps: Vec<u16> = (0..16).map(|i| SCALE_BASE + d * 16 + i).collect();
        let cfg = sshd_config(dir.path(), &format!("multi{d}"), &ps, &key);
        daemons.0.push(spawn(Command::new("/usr/sbin/sshd").arg("-D").arg("-f").arg(&cfg)));
        all.extend(ps);
    }
    wait_ports(&all);
    for n in [50usize, 250, 1000] {
        let targets: Vec<Target> =
            all[..n].iter().map(|p| Target { service: Service::Ssh, host: "127.0.0.1".into(), port: *p }).collect();
        let t = nasguard(&rt, &targets, 3);
        println!("scaling: {n:>5} SSH targets in {t:.3} s ({:.0}/s), peak RSS {} kB", n as f64 / t, peak_rss_kb());
    }
    drop(daemons);

    // SMB: one smbd on 50 ports.
    if have("smbd") {
        let sdir = dir.path().join("smb");
        for sub in ["lock", "state", "cache", "pid", "private", "ncalrpc", "bind-dns"] {
            std::fs::create_dir_all(sdir.join(sub)).unwrap();
        }
        let ports: Vec<u16> = (0..50).map(|i| SMB_BASE + i).collect();
        let list: Vec<String> = ports.iter().map(ToString::to_string).collect();
        let conf = format!(
            "[global]\nserver role = standalone server\ninterfaces = 127.0.0.1\nbind interfaces only = yes\nsmb ports = {}\ndisable netbios = yes\nserver signing = mandatory\nlock directory = {d}/lock\nstate directory = {d}/state\ncache directory = {d}/cache\npid directory = {d}/pid\nprivate dir = {d}/private\nncalrpc dir = {d}/ncalrpc\nbinddns dir = {d}/bind-dns\nlog file = {d}/log\nload printers = no\nprintcap name = /dev/null\ndisable spoolss = yes\nmax smbd processes = 1000\n",
            list.join(" "),
            d = sdir.display()
        );
        let cf = sdir.join("smb.conf");
        std::fs::write(&cf, conf).unwrap();
        let daemons =
            Daemons(vec![spawn_smbd(Command::new("/usr/sbin/smbd").args(["-F", "--debug-stdout", "-s"]).arg(&cf))]);
        wait_ports(&ports);
        let targets: Vec<Target> =
            ports.iter().map(|p| Target { service: Service::Smb, host: "127.0.0.1".into(), port: *p }).collect();
        let ours = nasguard(&rt, &targets, 5);
        // nmap's SMB scripts look at one port (smbport), so one run per port.
        let t = Instant::now();
        for p in &ports {
            let out = Command::new("nmap")
                .args([
                    "-Pn",
                    "-n",
                    "-T5",
                    "-p",
                    &p.to_string(),
                    "--script",
                    "smb-protocols,smb2-security-mode",
                    "--script-args",
                    &format!("smbport={p}"),
                    "127.0.0.1",
                ])
                .output()
                .unwrap();
            assert!(out.status.success());
        }
        report("SMB dialects + signing", 50, ours, "nmap smb-protocols,smb2-security-mode", t.elapsed().as_secs_f64());
        drop(daemons);
    }

    // iSCSI: one tgtd with 50 portals and one open target.
    if have("tgtd") && have("tgtadm") {
        let ctl = "4321";
        let daemons = Daemons(vec![spawn(
            Command::new("/usr/sbin/tgtd")
                .args(["-f", "-C", ctl, "--iscsi"])
                .arg(format!("portal=127.0.0.1:{ISCSI_BASE}")),
        )]);
        wait_ports(&[ISCSI_BASE]);
        let adm = |args: &[&str]| {
            assert!(
                Command::new("tgtadm")
                    .args(["-C", ctl, "--lld", "iscsi"])
                    .args(args)
                    .output()
                    .unwrap()
                    .status
                    .success(),
                "{args:?}"
            )
        };
        let ports: Vec<u16> = (0..50).map(|i| ISCSI_BASE + i).collect();
        for p in &ports[1..] {
            adm(&["--op", "new", "--mode", "portal", "--param", &format!("portal=127.0.0.1:{p}")]);
        }
        let img = dir.path().join("lun.img");
        std::fs::File::create(&img).unwrap().set_len(1 << 20).unwrap();
        adm(&["--op", "new", "--mode", "target", "--tid", "1", "-T", "iqn.2026-11.org.nasguard:bench"]);
        adm(&["--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "1", "-b", img.to_str().unwrap()]);
        adm(&["--op", "bind", "--mode", "target", "--tid", "1", "-I", "ALL"]);
        wait_ports(&ports);
        let targets: Vec<Target> =
            ports.iter().map(|p| Target { service: Service::Iscsi, host: "127.0.0.1".into(), port: *p }).collect();
        let ours = nasguard(&rt, &targets, 5);
        let range = format!("{}-{}", ISCSI_BASE, ISCSI_BASE + 49);
        let nmap = time_cmd(3, || {
            let mut c = Command::new("nmap");
            c.args(["-Pn", "-n", "-T5", "-p", &range, "--script", "+iscsi-info", "127.0.0.1"]);
            c
        });
        report("iSCSI discovery + target login", 50, ours, "nmap -T5 iscsi-info", nmap);
        drop(daemons);
    }

    // NFS: rpcbind + Ganesha answer on 127.0.0.1..50 (port 111 and mountd).
    if have("rpcbind") && std::path::Path::new("/usr/bin/ganesha.nfsd").exists() {
        let rpcbind_running = std::net::TcpStream::connect(("127.0.0.1", 111)).is_ok();
        let mut daemons = Daemons(vec![]);
        if !rpcbind_running {
            daemons.0.push(spawn(Command::new("/usr/sbin/rpcbind").args(["-f", "-w"])));
            wait_ports(&[111]);
        }
        let gdir = dir.path().join("ganesha");
        std::fs::create_dir_all(gdir.join("export")).unwrap();
        std::fs::create_dir_all(gdir.join("recov")).unwrap();
        let conf = format!(
            "NFS_CORE_PARAM {{ NFS_Port = 31549; MNT_Port = 31550; NLM_Port = 31551; Rquota_Port = 31552; Enable_NLM = false; Enable_RQUOTA = false; Protocols = 3, 4; }}\nNFSv4 {{ Graceless = true; RecoveryBackend = fs; RecoveryRoot = \"{d}/recov\"; }}\nNFS_KRB5 {{ Active_krb5 = false; }}\nEXPORT {{ Export_Id = 1; Path = \"{d}/export\"; Pseudo = \"/export\"; Protocols = 3, 4; Access_Type = None; SecType = sys; FSAL {{ Name = VFS; }} CLIENT {{ Clients = 127.0.0.0/8; Access_Type = RO; }} }}\n",
            d = gdir.display()
        );
        let cf = gdir.join("ganesha.conf");
        std::fs::write(&cf, conf).unwrap();
        daemons.0.push(spawn(
            Command::new("/usr/bin/ganesha.nfsd")
                .args(["-F", "-f"])
                .arg(&cf)
                .arg("-L")
                .arg(gdir.join("log"))
                .arg("-p")
                .arg(gdir.join("pid")),
        ));
        wait_ports(&[31550]);
        let targets: Vec<Target> =
            (1..=50).map(|i| Target { service: Service::Nfs, host: format!("127.0.0.{i}"), port: 111 }).collect();
        let ours = nasguard(&rt, &targets, 5);
        let nmap = time_cmd(3, || {
            let mut c = Command::new("nmap");
            c.args(["-Pn", "-n", "-T5", "-p", "111", "--script", "nfs-showmount", "127.0.0.1-50"]);
            c
        });
        report("NFS exports", 50, ours, "nmap -T5 nfs-showmount", nmap);
        drop(daemons);
    }
}
