//! A real Debian 12 guest (systemd as PID 1, kernel nfsd, LIO) for the tests
//! of the "system" deployment, which this machine cannot run itself. The
//! scripts in `vm/` build the image and boot it under QEMU (README "VM
//! tests"); this is the tests' handle on it.
//!
//! nextest runs every test in a process of its own, so the VM lives outside
//! any test: it is found through its files under `/var/tmp/nasguard-vm/NAME/`
//! (`qemu.pid`, `monitor.sock`, `ssh_config`, `ports`), and `.ci/test` stops
//! them at the end. The tests share a small pool of guests (NAME, NAME-2:
//! `NASGUARD_VM_GUESTS`, default 2), so one test's waits (a reboot, a
//! confirm deadline) overlap another's work. [`Vm::get`] takes the first
//! free guest and holds `/var/tmp/nasguard-vm/NAME.lock` for the whole
//! test, so two tests never share a guest and two processes never boot the
//! same one (nextest's `vm` test group runs as many tests as there are
//! guests).
//!
//! Every test starts from the same state: the snapshot `clean`, taken right
//! after the first boot with this build's `nasguard` in `/usr/local/sbin`
//! (`loadvm clean` takes under a second), with the guest's clock set to the
//! host's (a snapshot resumes at the time it was taken).

mod adopt;
mod host;
mod package;
mod safety;
mod services;
mod smoke;

use crate::support::have;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where the nasguard binary goes in the guest.
pub const GUEST_BIN: &str = "/usr/local/sbin/nasguard";

/// The test VM, reset for this test; released (not stopped) on drop.
pub struct Vm {
    name: String,
    run: PathBuf,
    ports: Vec<(u16, u16)>,
    _lock: File,
}

fn vm_dir() -> PathBuf {
    std::env::var_os("NASGUARD_VM_DIR").map_or_else(|| PathBuf::from("/var/tmp/nasguard-vm"), PathBuf::from)
}

fn vm_name() -> String {
    std::env::var("NASGUARD_VM_NAME").unwrap_or_else(|_| "test".into())
}

/// The pool's guests: NAME, NAME-2, ... (`NASGUARD_VM_GUESTS`, default 2;
/// vm/boot.sh gives NAME-N its own port range).
fn vm_names() -> Vec<String> {
    let n: usize = std::env::var("NASGUARD_VM_GUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2).clamp(1, 9);
    (1..=n).map(|i| if i == 1 { vm_name() } else { format!("{}-{i}", vm_name()) }).collect()
}

/// The first free guest of the pool, locked for this test (waits while
/// every guest is taken).
fn take_a_guest(dir: &Path) -> (String, File) {
    let t = Instant::now();
    loop {
        for name in vm_names() {
            let lock = File::create(dir.join(format!("{name}.lock"))).unwrap();
            match lock.try_lock() {
                Ok(()) => {
                    if t.elapsed() > Duration::from_secs(1) {
                        eprintln!("vm: waited {} for a free guest", since(t));
                    }
                    return (name, lock);
                }
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => panic!("vm: locking {name}: {e}"),
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vm")
}

/// A prerequisite is missing: skip loudly, or fail under
/// `NASGUARD_REQUIRE_DAEMONS=1` (CI), like `support::have`.
fn skip(why: &str) -> Option<Vm> {
    assert!(std::env::var("NASGUARD_REQUIRE_DAEMONS").as_deref() != Ok("1"), "VM test impossible: {why}");
    eprintln!("SKIPPED: {why}");
    None
}

fn since(t: Instant) -> String {
    format!("{:.2} s", t.elapsed().as_secs_f64())
}

impl Vm {
    /// The VM, booted if needed (or resumed from its snapshot), reset to the
    /// snapshot `clean` and holding this build's `nasguard`. `None` when the
    /// VM cannot run here (no QEMU or no image: see the message).
    pub fn get() -> Option<Vm> {
        if !have(&["qemu-img", "ssh", "scp", "flock", "strip", "sha256sum", "zstd"]) {
            return None;
        }
        let dir = vm_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let (name, lock) = take_a_guest(&dir);
        let mut vm = Vm { run: dir.join(&name), name, ports: vec![], _lock: lock };
        // Twice at most: a VM that cannot be reset is stopped and booted afresh.
        for attempt in 0..2 {
            vm.start()?;
            match vm.reset() {
                Ok(()) => return Some(vm),
                Err(e) if attempt == 0 => {
                    eprintln!("vm: reset failed ({e}); stopping the VM and booting afresh");
                    vm.script("stop.sh");
                    let _ = std::fs::remove_file(vm.run.join("clean"));
                }
                Err(e) => panic!("vm: cannot reset the VM: {e}"),
            }
        }
        panic!("vm: could not start the VM");
    }

    /// Makes sure the VM runs: `vm/boot.sh` unless our QEMU is alive and was
    /// started from the current image. `None`: cannot run here.
    fn start(&mut self) -> Option<()> {
        let pid = std::fs::read_to_string(self.run.join("qemu.pid")).unwrap_or_default();
        let alive = !pid.trim().is_empty()
            && std::fs::read(format!("/proc/{}/cmdline", pid.trim()))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains("nasguard-vm-"));
        let stamp = std::fs::read_to_string(vm_dir().join("image/stamp")).unwrap_or_default();
        let id = std::fs::read_to_string(self.run.join("vm.id")).unwrap_or_default();
        let current = !stamp.trim().is_empty() && id.split(' ').next() == Some(stamp.trim());
        if !(alive && current) {
            let t = Instant::now();
            let o = self.script("boot.sh");
            let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
            eprint!("vm: {text}");
            match o.status.code() {
                Some(0) => eprintln!("vm: boot.sh took {}", since(t)),
                Some(3) => {
                    skip(text.trim());
                    return None;
                }
                _ => panic!("vm/boot.sh failed: {text}"),
            }
        }
        let ports = std::fs::read_to_string(self.run.join("ports")).unwrap();
        self.ports = ports
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(g, h)| (g.parse().unwrap(), h.parse().unwrap()))
            .collect();
        Some(())
    }

    /// Runs `vm/SCRIPT` for this VM (we hold its lock).
    fn script(&self, script: &str) -> Output {
        Command::new("bash")
            .arg(scripts().join(script))
            .env("NASGUARD_VM_LOCKED", "1")
            .env("NASGUARD_VM_DIR", vm_dir())
            .env("NASGUARD_VM_NAME", &self.name)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Back to the snapshot `clean` (taking it first after a fresh boot),
    /// the guest's clock set, and this build's nasguard in the guest.
    fn reset(&self) -> Result<(), String> {
        let marker = self.run.join("clean");
        let bin = host_binary_hash();
        let snapshot_bin = std::fs::read_to_string(&marker).ok();
        if snapshot_bin.is_some() {
            let t = Instant::now();
            // The shared connection belongs to the state being left.
            self.mux_stop();
            self.hmp("loadvm clean")?;
            self.mux_start()?;
            self.set_clock()?;
            eprintln!("vm: reset to snapshot 'clean' in {}", since(t));
        } else {
            self.mux_start()?;
        }
        if snapshot_bin.as_deref().map(str::trim) != Some(bin.as_str()) {
            let t = Instant::now();
            self.install_binary()?;
            let copied = since(t);
            // No connection in the snapshot: the next reset drops it anyway.
            self.mux_stop();
            // A fresh boot has no marker yet: this takes the first snapshot.
            let t = Instant::now();
            self.hmp("savevm clean")?;
            std::fs::write(&marker, &bin).map_err(|e| e.to_string())?;
            eprintln!("vm: nasguard stripped and copied in in {copied}, snapshot 'clean' taken in {}", since(t));
            self.mux_start()?;
        }
        Ok(())
    }

    /// Starts the test's shared ssh connection (ControlPath `$RUN/mux` in
    /// ssh_config): each later `ssh`/`scp` is a channel on it, not a new
    /// connection with its key exchange (1-2 s under TCG).
    fn mux_start(&self) -> Result<(), String> {
        let o = Command::new("ssh")
            .arg("-F")
            .arg(self.ssh_config())
            .args(["-o", "ControlMaster=yes", "-o", "ControlPersist=yes", "-f", "-N", "vm"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if o.status.success() { Ok(()) } else { Err(format!("ssh connection: {}", text(&o))) }
    }

    /// Stops the shared ssh connection (our ssh process, asked to exit).
    fn mux_stop(&self) {
        let mux = self.run.join("mux");
        if mux.exists() {
            let _ = Command::new("ssh")
                .arg("-F")
                .arg(self.ssh_config())
                .args(["-O", "exit", "vm"])
                .stdin(Stdio::null())
                .output();
            let _ = std::fs::remove_file(mux);
        }
    }

    /// The guest resumes at the snapshot's time: set it to the host's.
    fn set_clock(&self) -> Result<(), String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let cmd = format!("date -u -s @{}.{:09} >/dev/null", now.as_secs(), now.subsec_nanos());
        let o = self.ssh(&cmd);
        if o.status.success() { Ok(()) } else { Err(format!("setting the clock: {}", text(&o))) }
    }

    /// This build's nasguard, without debug info (a quarter of the size;
    /// `strip` is deterministic, so the same build gives the same bytes), to
    /// /usr/local/sbin in the guest. zstd, because the forward carries only a
    /// few MB/s under TCG: 36 MB took 14-18 s with scp, 9 MB compressed 8 s.
    fn install_binary(&self) -> Result<(), String> {
        let stripped = stripped_binary(&self.run);
        let zst = self.run.join("nasguard.zst");
        let o = Command::new("zstd").args(["-q", "-f", "-3"]).arg(&stripped).arg("-o").arg(&zst).output();
        let o = o.map_err(|e| format!("zstd: {e}"))?;
        if !o.status.success() {
            return Err(format!("zstd: {}", text(&o)));
        }
        let tmp = format!("{GUEST_BIN}.new");
        let o = Command::new("ssh")
            .arg("-F")
            .arg(self.ssh_config())
            .args(["vm", "--", &format!("zstd -q -d -f -o {tmp} && chmod 755 {tmp} && mv {tmp} {GUEST_BIN}")])
            .stdin(File::open(&zst).map_err(|e| e.to_string())?)
            .output()
            .map_err(|e| e.to_string())?;
        if o.status.success() { Ok(()) } else { Err(format!("copying nasguard in: {}", text(&o))) }
    }

    /// One command on the QEMU monitor (HMP); its output, or the error it printed.
    fn hmp(&self, cmd: &str) -> Result<String, String> {
        let mut s = UnixStream::connect(self.run.join("monitor.sock")).map_err(|e| format!("monitor: {e}"))?;
        s.set_read_timeout(Some(Duration::from_secs(300))).map_err(|e| e.to_string())?;
        fn until_prompt(s: &mut UnixStream) -> Result<String, String> {
            let mut buf = vec![];
            let mut chunk = [0u8; 4096];
            while !buf.ends_with(b"(qemu) ") {
                let n = s.read(&mut chunk).map_err(|e| format!("monitor: {e}"))?;
                if n == 0 {
                    return Err("monitor closed".into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            Ok(String::from_utf8_lossy(&buf).into_owned())
        }
        until_prompt(&mut s)?;
        s.write_all(format!("{cmd}\n").as_bytes()).map_err(|e| format!("monitor: {e}"))?;
        let out = until_prompt(&mut s)?;
        // The monitor echoes the command line first; then its output.
        let out: Vec<&str> = out.trim_end_matches("(qemu) ").lines().skip(1).collect();
        let out = out.join("\n");
        if out.to_lowercase().contains("error") { Err(format!("{cmd}: {out}")) } else { Ok(out) }
    }

    /// The ssh client configuration: host `vm` is the harness's own sshd
    /// (guest port 2222), host `vm-ssh` is the guest's ssh.service (port 22);
    /// root's key, host keys pinned.
    pub fn ssh_config(&self) -> PathBuf {
        self.run.join("ssh_config")
    }

    /// A command (a shell line) in the guest as root, over the harness's sshd.
    pub fn ssh(&self, cmd: &str) -> Output {
        self.ssh_in(cmd, b"")
    }

    /// Like `ssh`, on a connection of its own (not the test's shared one).
    pub fn ssh_fresh(&self, cmd: &str) -> Output {
        Command::new("ssh")
            .arg("-F")
            .arg(self.ssh_config())
            .args(["-o", "ControlPath=none", "vm", "--", cmd])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Like `ssh`, with `input` on the command's stdin (passwords, files).
    /// A command that takes a second or more is logged with its time: under
    /// emulation the guest's CPU is what the VM tests spend.
    pub fn ssh_in(&self, cmd: &str, input: &[u8]) -> Output {
        let t = Instant::now();
        let mut child = Command::new("ssh")
            .arg("-F")
            .arg(self.ssh_config())
            .args(["vm", "--", cmd])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let o = child.wait_with_output().unwrap();
        let _ = writer.join();
        if t.elapsed() >= Duration::from_secs(1) {
            let line: String = cmd.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(100).collect();
            eprintln!("vm: {}: {line}", since(t));
        }
        o
    }

    /// A command that must succeed; its stdout.
    pub fn ssh_ok(&self, cmd: &str) -> String {
        let o = self.ssh(cmd);
        assert!(o.status.success(), "in the VM: {cmd}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn scp_to_out(&self, local: &Path, remote: &str) -> Output {
        Command::new("scp")
            .arg("-F")
            .arg(self.ssh_config())
            .arg("-q")
            .arg(local)
            .arg(format!("vm:{remote}"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Copies a host file into the guest.
    pub fn scp_to(&self, local: &Path, remote: &str) {
        let o = self.scp_to_out(local, remote);
        assert!(o.status.success(), "scp {} vm:{remote}: {}", local.display(), text(&o));
    }

    /// The host port (on 127.0.0.1) forwarded to `guest_port`: 22, 80, 443,
    /// 445, 2049, 2222, 3260 or 8443.
    pub fn port(&self, guest_port: u16) -> u16 {
        self.ports
            .iter()
            .find(|(g, _)| *g == guest_port)
            .map(|(_, h)| *h)
            .unwrap_or_else(|| panic!("guest port {guest_port} is not forwarded ({:?})", self.ports))
    }

    /// The iSCSI targets LIO serves now, as the kernel holds them (the
    /// IQNs in configfs): what `targetcli ls /iscsi` shows, without its
    /// 3-4 s of emulated Python.
    pub fn lio_targets(&self) -> String {
        self.ssh_ok("ls /sys/kernel/config/target/iscsi 2>/dev/null | grep '^iqn\\.' || true")
    }

    /// The guest's boot id (changes with each boot).
    pub fn boot_id(&self) -> String {
        self.ssh_ok("cat /proc/sys/kernel/random/boot_id").trim().to_string()
    }

    /// Reboots the guest and waits until it has booted again (ssh answers
    /// with a new boot id and systemd has finished starting up). The next
    /// test still starts from the snapshot.
    pub fn reboot(&self) {
        let before = self.boot_id();
        let t = Instant::now();
        // The connection may drop before ssh returns: its status says nothing.
        let _ = self.ssh("systemctl reboot");
        self.mux_stop();
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            assert!(Instant::now() < deadline, "the VM did not come back within 300 s of the reboot");
            let o = self.ssh_fresh("cat /proc/sys/kernel/random/boot_id");
            if o.status.success() && String::from_utf8_lossy(&o.stdout).trim() != before {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        self.mux_start().unwrap();
        let state = self.ssh("systemctl is-system-running --wait");
        eprintln!("vm: rebooted in {} (systemd {})", since(t), String::from_utf8_lossy(&state.stdout).trim());
    }
}

impl Drop for Vm {
    /// The VM stays up for the next test; only this test's connection ends.
    fn drop(&mut self) {
        self.mux_stop();
    }
}

fn text(o: &Output) -> String {
    format!("exit {:?}: {}{}", o.status.code(), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// SHA-256 of this build's nasguard, remembered by size and mtime (hashing
/// 150 MB for every test would cost half a second each).
fn host_binary_hash() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_nasguard"));
    let meta = std::fs::metadata(bin).unwrap();
    let mtime = meta.modified().unwrap().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let key = format!("{} {} {mtime}", bin.display(), meta.len());
    let cache = vm_dir().join(format!("{}.binhash", vm_name()));
    if let Ok(c) = std::fs::read_to_string(&cache)
        && let Some((k, h)) = c.trim().rsplit_once(' ')
        && k == key
    {
        return h.to_string();
    }
    let hash = sha256(bin);
    let _ = std::fs::write(&cache, format!("{key} {hash}\n"));
    hash
}

pub fn sha256(file: &Path) -> String {
    let o = Command::new("sha256sum").arg(file).output().unwrap();
    assert!(o.status.success(), "sha256sum {}: {}", file.display(), text(&o));
    String::from_utf8_lossy(&o.stdout).split_whitespace().next().unwrap().to_string()
}

/// This build's nasguard without debug info, under `dir`.
pub fn stripped_binary(dir: &Path) -> PathBuf {
    let out = dir.join("nasguard.stripped");
    let o = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&out)
        .arg(env!("CARGO_BIN_EXE_nasguard"))
        .output()
        .unwrap();
    assert!(o.status.success(), "strip: {}", text(&o));
    out
}
