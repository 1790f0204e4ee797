//! The test harness: a sandbox state directory driven through the real
//! `nasguard` binary, and the daemons it starts, stopped by pid on drop.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub port_base: u16,
    users: std::cell::RefCell<Vec<String>>,
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox::with_port_base(20000)
    }

    /// Each daemon test takes its own base (ports N+22 .. N+3260), so tests
    /// run side by side. Every port stays below 32768: Linux hands out
    /// 32768-60999 as ephemeral client ports, and a daemon test must not
    /// find its port taken by some outbound connection.
    pub fn with_port_base(port_base: u16) -> Sandbox {
        Sandbox::with_port_base_bind(port_base, "127.0.0.1")
    }

    pub fn with_port_base_bind(port_base: u16, bind: &str) -> Sandbox {
        let dir = tempfile::Builder::new().prefix("nasguard-it-").tempdir().unwrap();
        // Daemons that drop privileges (smbd serving files, sshd reading
        // keys) must be able to traverse the test directory.
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let s = Sandbox { dir, port_base, users: Default::default() };
        let out = s.run(&["init", "--sandbox", "--bind", bind, "--port-base", &port_base.to_string()]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        s
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_nasguard"));
        c.env("NASGUARD_STATE_DIR", self.state());
        c
    }

    pub fn run(&self, args: &[&str]) -> Out {
        let o = self.cmd().args(args).env("NASGUARD_SYSTEM_ROOT", self.dir.path().join("root")).output().unwrap();
        out(o)
    }

    /// Like `run`, but reading the real host's group and passwd files
    /// (needed once real accounts exist).
    pub fn run_host(&self, args: &[&str]) -> Out {
        out(self.cmd().args(args).output().unwrap())
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert_eq!(o.code, 0, "nasguard {args:?}: {}{}", o.stdout, o.stderr);
        o.stdout
    }

    pub fn ok_host(&self, args: &[&str]) -> String {
        let o = self.run_host(args);
        assert_eq!(o.code, 0, "nasguard {args:?}: {}{}", o.stdout, o.stderr);
        o.stdout
    }

    pub fn audit(&self) -> Value {
        let o = self.run(&["audit", "--format", "json", "--fail-on", "none"]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        serde_json::from_str(&o.stdout).unwrap()
    }

    /// `(rule, severity)` of every finding.
    pub fn rules(&self) -> Vec<(String, String)> {
        self.audit()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["rule"].as_str().unwrap().into(), f["severity"].as_str().unwrap().into()))
            .collect()
    }

    /// The database files' bytes, to prove a failed command wrote nothing.
    pub fn db_bytes(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(self.state())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("nasguard.db"))
            .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
            .collect();
        files.sort();
        files
    }

    /// Creates a Unix account through `nasguard user add`, removed on drop.
    pub fn user(&self, name: &str, extra: &[&str]) {
        self.users.borrow_mut().push(name.to_string());
        let mut args = vec!["user", "add", name];
        args.extend_from_slice(extra);
        self.ok_host(&args);
    }
}

fn out(o: Output) -> Out {
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
        stderr: String::from_utf8_lossy(&o.stderr).into(),
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for s in ["smb", "ssh", "nfs", "iscsi"] {
            if self.state().join("run").join(format!("{s}.pid")).exists() {
                let _ = self.cmd().args(["service", "stop", s]).output();
            }
        }
        // An rpcbind this sandbox started (none was running) is ours to stop.
        if let Ok(pid) = std::fs::read_to_string(self.state().join("run/rpcbind.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
        for u in self.users.borrow().iter() {
            let _ = self.cmd().args(["user", "rm", u]).output();
        }
    }
}

/// Whether every program is installed; if not, the test is skipped with a
/// loud message, or fails when `NASGUARD_REQUIRE_DAEMONS=1` (as in CI).
pub fn have(programs: &[&str]) -> bool {
    let missing: Vec<&&str> = programs
        .iter()
        .filter(|p| !["/usr/sbin", "/usr/bin", "/sbin"].iter().any(|d| Path::new(d).join(p).exists()))
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(std::env::var("NASGUARD_REQUIRE_DAEMONS").as_deref() != Ok("1"), "missing programs: {missing:?}");
    eprintln!("SKIPPED: missing programs {missing:?} (install them with .ci/install)");
    false
}

/// Runs a client program; returns (exit code, stdout + stderr).
pub fn client(program: &str, args: &[&str]) -> (i32, String) {
    let o = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    (
        o.status.code().unwrap_or(-1),
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
    )
}

/// `iscsi wizard --name NAME --extent-file FILE --size SIZE REST...`.
pub fn wizard<'a>(name: &'a str, extent_file: &'a str, size: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["iscsi", "wizard", "--name", name, "--extent-file", extent_file, "--size", size];
    args.extend_from_slice(rest);
    args
}
