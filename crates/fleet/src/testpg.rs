//! A PostgreSQL server of its own for tests and benches (feature `testpg`):
//! Debian's `postgresql` binaries, a fresh data directory in a temporary
//! directory (`initdb` as the `postgres` user when run as root), listening
//! on 127.0.0.1 on a free port; stopped (by its own data directory) when
//! dropped. Never the system's cluster.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Postgres {
    pub port: u16,
    /// A superuser's URL (the fleet's owner in tests).
    pub admin_url: String,
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    options: String,
    _dir: tempfile::TempDir,
}

fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort_by_key(|p| p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()?.parse::<u32>().ok()));
    dirs.pop()
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Uid:").map(|v| v.split_whitespace().next() == Some("0"))))
        .unwrap_or(false)
}

/// `program args` as the `postgres` user when we are root.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn run(mut c: Command, what: &str) -> Result<(), String> {
    let out = c.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{what}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

impl Postgres {
    /// Whether PostgreSQL's server binaries are installed.
    pub fn available() -> bool {
        bin_dir().is_some()
    }

    /// Starts a fresh server; `settings` are extra `-c NAME=VALUE`s
    /// (`fsync=off` for tests that need no durability).
    pub fn start(settings: &[&str]) -> Result<Postgres, String> {
        let pg = Postgres::create(settings)?;
        pg.restart()?;
        Ok(pg)
    }

    /// Starts a fresh server that takes TCP logins over TLS only
    /// (`hostssl` in pg_hba.conf), with a certificate for 127.0.0.1 signed
    /// by a CA of its own (made with `openssl`); returns the CA's PEM file.
    pub fn start_tls(settings: &[&str]) -> Result<(Postgres, PathBuf), String> {
        let mut pg = Postgres::create(settings)?;
        let dir = pg.data.parent().ok_or("no directory")?.to_path_buf();
        let ca = dir.join("ca.pem");
        let script = "set -e
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=nasguard-test-ca \
              -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
              -keyout ca.key -out ca.pem 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
              -keyout server.key -out server.csr 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext \
              -out server.pem 2>/dev/null
            chmod 600 server.key";
        let mut c = Command::new("sh");
        c.args(["-c", script]).current_dir(&dir);
        run(c, "openssl")?;
        if is_root() {
            let mut c = Command::new("chown");
            c.arg("postgres:postgres").arg(dir.join("server.key")).arg(dir.join("server.pem"));
            run(c, "chown")?;
        }
        let hba = "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n";
        std::fs::write(pg.data.join("pg_hba.conf"), hba).map_err(|e| e.to_string())?;
        pg.options.push_str(&format!(
            " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
            dir.join("server.pem").display(),
            dir.join("server.key").display()
        ));
        pg.restart()?;
        Ok((pg, ca))
    }

    /// A fresh data directory and the server's settings (not started).
    fn create(settings: &[&str]) -> Result<Postgres, String> {
        let bin = bin_dir().ok_or("PostgreSQL is not installed (apt-get install postgresql)")?;
        let dir = tempfile::Builder::new().prefix("nasguard-pg").tempdir().map_err(|e| e.to_string())?;
        let data = dir.path().join("data");
        let log = dir.path().join("log");
        let pwfile = dir.path().join("pw");
        let password: String = {
            let mut b = [0u8; 16];
            getrandom::fill(&mut b).map_err(|e| e.to_string())?;
            b.iter().map(|x| format!("{x:02x}")).collect()
        };
        std::fs::write(&pwfile, &password).map_err(|e| e.to_string())?;
        if is_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
            std::fs::create_dir(&data).map_err(|e| e.to_string())?;
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:postgres").arg(&data).arg(&pwfile);
                    c
                },
                "chown",
            )?;
            std::fs::File::create(&log).map_err(|e| e.to_string())?;
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:postgres").arg(&log).arg(dir.path());
                    c
                },
                "chown",
            )?;
        }
        let mut c = as_postgres(&bin.join("initdb"));
        c.arg("-D")
            .arg(&data)
            .args(["-U", "fleetadmin", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display()));
        run(c, "initdb")?;
        let port = free_port().map_err(|e| e.to_string())?;
        let mut options = format!("-c listen_addresses=127.0.0.1 -p {port} -k {}", dir.path().display());
        for s in settings {
            options.push_str(&format!(" -c {s}"));
        }
        let pg = Postgres {
            port,
            admin_url: format!("postgres://fleetadmin:{password}@127.0.0.1:{port}/postgres"),
            bin,
            data,
            log,
            options,
            _dir: dir,
        };
        Ok(pg)
    }

    /// Starts the server again (after [`Postgres::stop`]).
    pub fn restart(&self) -> Result<(), String> {
        let mut c = as_postgres(&self.bin.join("pg_ctl"));
        c.arg("start").arg("-w").arg("-D").arg(&self.data).arg("-l").arg(&self.log).arg("-o").arg(&self.options);
        run(c, "pg_ctl start").map_err(|e| format!("{e}\n{}", std::fs::read_to_string(&self.log).unwrap_or_default()))
    }

    /// Stops the server (fast: open sessions are ended).
    pub fn stop(&self) -> Result<(), String> {
        let mut c = as_postgres(&self.bin.join("pg_ctl"));
        c.arg("stop").arg("-w").args(["-m", "fast"]).arg("-D").arg(&self.data);
        run(c, "pg_ctl stop")
    }

    /// A URL for `role` with `password` on this server.
    pub fn url(&self, role: &str, password: &str) -> String {
        format!("postgres://{role}:{password}@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.data.join("postmaster.pid").exists() {
            let _ = self.stop();
        }
    }
}
