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
            // The -shm file is SQLite's shared index of the WAL: readers
            // write their read marks into it, so it changes whenever another
            // process (a running server) holds the database open. The data
            // is in the database and its WAL.
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                name.starts_with("nasguard.db") && !name.ends_with("-shm")
            })
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
/// nmap's SMB `scripts` (comma-separated) against 127.0.0.1:`port`.
pub fn nmap_smb(port: &str, scripts: &str) -> (i32, String) {
    let smbport = format!("smbport={port}");
    client("nmap", &["-Pn", "-n", "-p", port, "--script", scripts, "--script-args", &smbport, "127.0.0.1"])
}

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

/// `nasguard serve` on a loopback port, stopped (by pid: it is our child) on drop.
pub struct Server {
    child: std::process::Child,
    pub url: String,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// What the server printed so far.
    pub fn printed(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// The one-time setup link the server printed (no admin yet).
    pub fn setup_link(&self) -> Option<String> {
        self.lines.lock().unwrap().iter().find(|l| l.contains("/setup?token=")).map(|l| l.trim().to_string())
    }

    pub fn http(&self) -> reqwest::blocking::Client {
        reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.url)
    }

    /// SIGTERM, as a service manager stops it; returns how it exited.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        for _ in 0..200 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("nasguard serve did not stop within 5 s of SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sandbox {
    /// Starts `nasguard serve` for this sandbox and waits until it answers.
    pub fn serve(&self, port: u16) -> Server {
        let server = self.serve_with(port, &[]);
        let http = server.http();
        for _ in 0..200 {
            if http.get(server.api("/health")).send().is_ok_and(|r| r.status() == 200) {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("nasguard serve did not answer on port {port}");
    }

    /// Starts `nasguard serve --listen 127.0.0.1:PORT EXTRA...` and waits
    /// until it has printed its address (its setup link comes right after).
    pub fn serve_with(&self, port: u16, extra: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = self
            .cmd()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env("NASGUARD_SYSTEM_ROOT", self.dir.path().join("root"))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(vec![]));
        let stdout = child.stdout.take().unwrap();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for l in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(l);
            }
        });
        let scheme = if extra.contains(&"--tls-cert") || extra.contains(&"--tls") { "https" } else { "http" };
        let server = Server { child, url: format!("{scheme}://127.0.0.1:{port}"), lines };
        for _ in 0..400 {
            let printed = server.lines.lock().unwrap().iter().any(|l| l.starts_with("nasguard serving"));
            if printed {
                std::thread::sleep(std::time::Duration::from_millis(50));
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("nasguard serve did not start on port {port}");
    }

    /// Creates an administrator through the CLI.
    pub fn admin(&self, name: &str, password: &str) {
        let file = self.path(&format!("{name}.password"));
        std::fs::write(&file, format!("{password}\n")).unwrap();
        self.ok(&["admin", "create", name, "--password-file", file.to_str().unwrap()]);
    }

    /// A new API token for `admin`.
    pub fn token(&self, admin: &str) -> String {
        self.ok(&["token", "create", "--admin", admin]).trim().to_string()
    }
}

/// Headless Chromium driven over WebDriver (Debian's chromium-driver); the
/// driver is our child and is stopped on drop.
pub struct Browser {
    driver: std::process::Child,
    base: String,
    session: String,
    http: reqwest::blocking::Client,
    _profile: tempfile::TempDir,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    pub fn start(port: u16) -> Option<Browser> {
        Browser::start_with(port, &[])
    }

    /// With extra Chromium flags (e.g. `--blink-settings=scriptEnabled=false`).
    pub fn start_with(port: u16, extra: &[&str]) -> Option<Browser> {
        if !have(&["chromium", "chromedriver"]) {
            return None;
        }
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap();
        for _ in 0..200 {
            if http.get(format!("{base}/status")).send().is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        let profile = tempfile::tempdir().unwrap();
        // The flags that keep Chromium off the network (env doc): this
        // machine refuses outbound connections.
        let profile_arg = format!("--user-data-dir={}", profile.path().display());
        let mut args = vec![
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1600",
            &profile_arg,
        ];
        args.extend_from_slice(extra);
        let caps = serde_json::json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}
        }}});
        let v: Value = http.post(format!("{base}/session")).json(&caps).send().unwrap().json().unwrap();
        let session = v["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string();
        Some(Browser { driver, base, session, http, _profile: profile })
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().unwrap().json().unwrap();
        v["value"].clone()
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body))
    }

    pub fn goto(&self, url: &str) {
        self.post("/url", serde_json::json!({"url": url}));
    }

    pub fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).as_str().unwrap_or("").to_string()
    }

    pub fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None).as_str().unwrap_or("").to_string()
    }

    pub fn try_find(&self, css: &str) -> Option<String> {
        let v = self.post("/element", serde_json::json!({"using": "css selector", "value": css}));
        v[ELEMENT].as_str().map(String::from)
    }

    /// Waits up to 10 s for an element.
    pub fn find(&self, css: &str) -> String {
        for _ in 0..200 {
            if let Some(e) = self.try_find(css) {
                return e;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("no element {css:?} on {}:\n{}", self.url(), self.source());
    }

    /// Waits up to 10 s for an element to go away.
    pub fn wait_gone(&self, css: &str) {
        for _ in 0..200 {
            if self.try_find(css).is_none() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("element {css:?} still on {}", self.url());
    }

    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.post(&format!("/element/{e}/click"), serde_json::json!({}));
    }

    /// Clears a text field and types into it.
    pub fn fill(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.post(&format!("/element/{e}/clear"), serde_json::json!({}));
        self.post(&format!("/element/{e}/value"), serde_json::json!({"text": text}));
    }

    /// Chooses a file in an `<input type="file">`.
    pub fn attach(&self, css: &str, path: &Path) {
        let e = self.find(css);
        let path = path.canonicalize().unwrap();
        let v = self.post(&format!("/element/{e}/value"), serde_json::json!({"text": path.display().to_string()}));
        assert!(v.get("error").is_none(), "attach {}: {v}", path.display());
    }

    pub fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.call(reqwest::Method::GET, &format!("/element/{e}/text"), None).as_str().unwrap_or("").to_string()
    }

    /// Waits up to 10 s until the element's text contains `expected`
    /// (after a click that navigates, the old page may still be there).
    pub fn wait_text(&self, css: &str, expected: &str) -> String {
        let mut last = String::new();
        for _ in 0..200 {
            if let Some(e) = self.try_find(css) {
                last = self
                    .call(reqwest::Method::GET, &format!("/element/{e}/text"), None)
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                if last.contains(expected) {
                    return last;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("{css:?} never showed {expected:?} (last: {last:?}) on {}:\n{}", self.url(), self.source());
    }

    /// A form control's current value.
    pub fn value(&self, css: &str) -> String {
        let e = self.find(css);
        self.call(reqwest::Method::GET, &format!("/element/{e}/property/value"), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn selected(&self, css: &str) -> bool {
        let e = self.find(css);
        self.call(reqwest::Method::GET, &format!("/element/{e}/selected"), None).as_bool().unwrap_or(false)
    }

    /// A cookie's value (WebDriver sees HttpOnly cookies; scripts cannot).
    pub fn cookie(&self, name: &str) -> Option<String> {
        let v = self.call(reqwest::Method::GET, &format!("/cookie/{name}"), None);
        v["value"].as_str().map(String::from)
    }

    pub fn cookie_flags(&self, name: &str) -> Value {
        self.call(reqwest::Method::GET, &format!("/cookie/{name}"), None)
    }

    /// Saves a PNG of the page under artifacts/screenshots/ (CI keeps them).
    pub fn screenshot(&self, name: &str) {
        self.save_png("/screenshot", name);
    }

    /// Saves a PNG of one element (all of it, even below the fold).
    pub fn screenshot_of(&self, css: &str, name: &str) {
        let e = self.find(css);
        self.save_png(&format!("/element/{e}/screenshot"), name);
    }

    fn save_png(&self, path: &str, name: &str) {
        use base64::Engine;
        let v = self.call(reqwest::Method::GET, path, None);
        let png = base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or("")).unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.http.delete(format!("{}/session/{}", self.base, self.session)).send();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
