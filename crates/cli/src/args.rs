//! Command-line arguments. The help texts teach the fields and the secure
//! choice; the names are the contract in product.md.

use clap::{Args, Parser, Subcommand, ValueEnum};
use nasguard_model::Service;
use nasguard_model::iscsi::AuthMethod;
use nasguard_model::iscsi_kind::IscsiKind;
use nasguard_model::nfs::NfsSecurity;
use nasguard_model::smb::SmbPurpose;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "nasguard",
    version,
    about = "Secure-by-default control plane and auditor for SMB, NFS, iSCSI and SSH on a Linux NAS",
    long_about = "nasguard keeps a typed model of the four sharing services of a NAS (Samba, NFS, iSCSI, \
OpenSSH) with secure defaults, audits it against a rule catalog (stable IDs such as SMB-001, SSH-004, \
NFS-001, ISCSI-001), and fixes what is mechanical.\n\nTour: nasguard init --sandbox; nasguard config set \
smb minimum_protocol=SMB1; nasguard audit; nasguard fix --all; nasguard audit.",
    after_help = "Exit codes: 0 ok; 1 findings at or above --fail-on; 2 usage or validation error (nothing \
was changed); 3 incomplete."
)]
pub struct Cli {
    /// State directory: database, key file, rendered configs.
    #[arg(long, global = true, env = "NASGUARD_STATE_DIR", default_value = "/var/lib/nasguard")]
    pub state_dir: PathBuf,
    /// Machine-readable output on every read command.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create the state directory with secure defaults (revision 1). On a host (without --sandbox):
    /// adopt it, importing the services' existing configs and keeping every original file.
    #[command(long_about = "Create the state directory with secure defaults (revision 1).\n\nWithout --sandbox \
nasguard manages this host (system deployment): init imports the existing configs of the four services \
(smb.conf, sshd_config, exports, LIO's saveconfig.json or tgt's targets.conf, as `import --from /etc` does), keeps \
a pristine copy of every file nasguard will ever write (listed by `status`; `release` puts them back), and lists \
what it could not model. A service whose config cannot be imported is left alone until `nasguard import` succeeds.")]
    Init(InitArgs),
    /// Show or change a service's settings (TrueNAS field names).
    #[command(subcommand)]
    Config(ConfigCmd),
    /// SMB and NFS shares.
    #[command(subcommand)]
    Share(ShareCmd),
    /// SMB site policy: the approved members of the administrators group (SMB-006).
    #[command(subcommand)]
    Smb(SmbCmd),
    /// iSCSI: the wizard, and portals, auth groups, initiator groups, targets, extents, mappings.
    #[command(subcommand)]
    Iscsi(IscsiCmd),
    /// Audit the stored configuration against the rule catalog.
    Audit(AuditArgs),
    /// Apply the mechanical fix of rules (a model change; then `nasguard apply`).
    Fix(FixArgs),
    /// Accept a risk: silence one rule on one object, with a reason.
    Waive(WaiveArgs),
    /// List waivers.
    Waivers,
    /// The audit log: every config change (revision, actor, old and new values, secrets masked) and every
    /// other event (logins, applies, service control, tokens). `--json`: {"changes": [...], "events": [...]}.
    Log(LogArgs),
    /// The rule catalog.
    Rules,
    /// Render every daemon config, check it with the daemon's own tool, show the diff, swap it in
    /// atomically and reload what runs; on any failure the previous config is restored.
    #[command(long_about = "Render every daemon config, check it with the daemon's own tool, show the diff, swap \
it in atomically and reload what runs; on any failure the previous config is restored.\n\nOn a host (system \
deployment) apply never overwrites a file changed by hand since nasguard last wrote it: it shows the diff, changes \
nothing, and says how to proceed (`nasguard import` keeps the edit, `--overwrite` discards it). An sshd_config \
that would let no account log in is refused (`--allow-lockout` applies it anyway). `--confirm SECONDS` restores \
the previous configuration unless `nasguard confirm` comes in time, even if the session that applied is gone.")]
    Apply(ApplyArgs),
    /// Keep the configuration `apply --confirm` put live (otherwise it is restored at the deadline).
    Confirm(ConfirmArgs),
    /// Give the host back as it was: every original file nasguard replaced restored byte for byte, the
    /// files it created removed, its firewall table removed, the services reloaded.
    Release,
    /// Start, stop, reload the services; `service status --json` lists state, address and ports.
    Service(ServiceArgs),
    /// Whether what runs is the latest revision, and each service's state.
    Status,
    /// Local accounts: the Unix account, its Samba password and its SSH keys.
    #[command(subcommand)]
    User(UserCmd),
    /// Probe services over the network, without credentials, and judge what they offer with the same
    /// rules (evidence "live"): SSH algorithms (like ssh-audit / nmap ssh2-enum-algos), SMB1 and SMB
    /// signing (like nmap smb-protocols / smb2-security-mode).
    #[command(long_about = "Probe services over the network, without credentials, and judge what they offer with the \
same rule IDs as the config audit (evidence: live).\n\nTARGET is ssh://host[:port], smb://host[:port], \
nfs://host[:port], iscsi://host[:port], or a bare host for all four default ports. Exit codes: 0 nothing at \
or above --fail-on; 1 findings at or above it; 2 usage error; 3 a target could not be probed (it outranks 1).")]
    Scan(ScanArgs),
    /// Read a machine's existing config files into the store (each service whose files exist);
    /// what the model cannot hold is listed.
    Import(ImportArgs),
    /// Serve the REST API (/api/v1, OpenAPI at /api/v1/openapi.json), the web UI and /metrics.
    #[command(long_about = "Serve the REST API (/api/v1, its OpenAPI document at /api/v1/openapi.json), the web UI \
and Prometheus metrics (/metrics) from this state directory.\n\nThere is no default password: with no admin yet, \
serve prints a one-time setup link; or create one first with `nasguard admin create NAME`. API clients send \
`Authorization: Bearer TOKEN` with a token from `nasguard token create`.\n\nOn any address but loopback it serves \
HTTPS only (TLS 1.2/1.3, Secure cookies, HSTS), as Cockpit and Webmin do: with --tls-cert/--tls-key, or else with a \
self-signed certificate it makes on first start in STATE/tls/ (kept, and made anew 30 days before it ends). Its \
SHA-256 fingerprint is printed at start and shown by `nasguard status`: compare it with what the browser shows \
before trusting it. On loopback it serves plain HTTP unless --tls is given (behind an HTTPS reverse proxy on this \
host, pass --secure-cookies). Under systemd (nasguard.service) it reports readiness (Type=notify).")]
    Serve(ServeArgs),
    /// Print a shell completion script: `nasguard completions bash > /etc/bash_completion.d/nasguard`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (nasguard.1 and one per command) into DIR (packaging).
    #[command(hide = true)]
    Manpages {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Web UI and API administrators (passwords hashed with Argon2id).
    #[command(subcommand)]
    Admin(AdminCmd),
    /// API tokens for `Authorization: Bearer` (shown once, stored hashed).
    #[command(subcommand)]
    Token(TokenCmd),
    /// The fleet on PostgreSQL: set it up, enroll hosts, workers and dashboards, share scans among workers.
    Fleet(FleetArgs),
    /// Report this host to the fleet (config findings, live self-audit, drift): once (for a systemd timer
    /// or cron) or every --every seconds. Reports wait in STATE/fleet-outbox while the database is away.
    Agent(AgentArgs),
}

#[derive(Args)]
pub struct FleetArgs {
    /// The fleet database (`postgres://ROLE:PASSWORD@HOST:PORT/DB`): the owner's for init, enroll and scan,
    /// a worker's for worker, any for progress. Over the network add `?sslmode=require&sslrootcert=CA.pem`
    /// (TLS, the server's certificate checked against CA.pem, or the system's CAs without it).
    #[arg(long, env = "NASGUARD_FLEET_DB", hide_env_values = true)]
    pub db: String,
    #[command(subcommand)]
    pub command: FleetCmd,
}

#[derive(Subcommand)]
pub enum FleetCmd {
    /// Create or update the fleet's tables, roles and row-level security (versioned migrations).
    Init,
    /// Create a login for a host, a worker or a dashboard (or give it a new password); prints its URL once.
    Enroll {
        #[arg(value_enum)]
        kind: EnrollKind,
        /// 1-40 of a-z, 0-9 and -.
        name: String,
    },
    /// Enqueue a scan for the workers: targets as for `nasguard scan` (hosts, CIDR blocks, ranges, files).
    Scan {
        targets: Vec<String>,
        #[arg(long = "targets", id = "targets_file", value_name = "FILE")]
        targets_file: Vec<PathBuf>,
        /// Targets per batch (what one worker claims at a time).
        #[arg(long, default_value_t = 500)]
        batch: usize,
        /// Per-target deadline.
        #[arg(long, default_value_t = 3000)]
        timeout_ms: u32,
    },
    /// A scan's progress (from any machine).
    Progress { scan: i64 },
    /// Work the queue: claim batches (FOR UPDATE SKIP LOCKED) under a lease, probe them, write the results.
    Worker {
        /// Its name in results and leases (default: the host name and pid).
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value_t = 256)]
        concurrency: usize,
        /// How long a claimed batch stays this worker's without renewal (renewed every third of it).
        #[arg(long, default_value_t = 30)]
        lease_secs: u64,
        /// Batches worked on at once.
        #[arg(long, default_value_t = 2)]
        parallel: usize,
        /// Stop when every batch is done (otherwise wait for new scans).
        #[arg(long)]
        exit_when_idle: bool,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum EnrollKind {
    Host,
    Worker,
    Dashboard,
}

#[derive(Args)]
pub struct AgentArgs {
    /// This host's fleet login (`nasguard fleet enroll host NAME` printed it); `?sslmode=require&sslrootcert=CA.pem`
    /// for TLS with the server's certificate checked.
    #[arg(long, env = "NASGUARD_FLEET_DB", hide_env_values = true)]
    pub db: String,
    /// Report every this many seconds, forever (default: once).
    #[arg(long)]
    pub every: Option<u64>,
    /// Config findings only: no live self-audit (no probes of this host's services).
    #[arg(long)]
    pub no_live: bool,
    /// Deadline of each live probe.
    #[arg(long, default_value_t = 3000)]
    pub timeout_ms: u64,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address and port to listen on. Any address but loopback is served over HTTPS.
    #[arg(long, env = "NASGUARD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Also show a fleet (`/fleet`, `/api/v1/fleet/...`): its PostgreSQL URL, a dashboard login
    /// (`nasguard fleet enroll dashboard NAME`).
    #[arg(long, env = "NASGUARD_FLEET_DB", hide_env_values = true)]
    pub fleet_db: Option<String>,
    /// Mark the session cookie Secure (when an HTTPS proxy on this host is in front).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Serve HTTPS on loopback too (it is always HTTPS elsewhere). Without --tls-cert, with the certificate
    /// nasguard made in STATE/tls/.
    #[arg(long)]
    pub tls: bool,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key) instead of nasguard's own.
    #[arg(long, env = "NASGUARD_TLS_CERT", value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "NASGUARD_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Seconds a client has to send a request's whole body (slow senders are cut off).
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout: u64,
    /// Connections served at once; more wait until one ends.
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub max_connections: u64,
}

#[derive(Subcommand)]
pub enum AdminCmd {
    /// Create an administrator. The password is read from --password-file (or `-` for stdin).
    Create {
        name: String,
        /// File whose first line is the password; `-` reads stdin.
        #[arg(long, default_value = "-")]
        password_file: PathBuf,
    },
    /// Set an administrator's password.
    Passwd {
        name: String,
        #[arg(long, default_value = "-")]
        password_file: PathBuf,
    },
    /// List administrators.
    List,
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// Create an API token for ADMIN; it is printed once and stored only as a hash.
    Create {
        /// The administrator the token acts as.
        #[arg(long)]
        admin: String,
        /// A label to recognise it by (e.g. "prometheus", "ci").
        #[arg(long, default_value = "api")]
        name: String,
    },
    /// List tokens (never their values).
    List,
    /// Revoke a token by id.
    Revoke { id: i64 },
}

#[derive(Args)]
pub struct ScanArgs {
    /// `ssh://host[:port]`, `smb://...`, `nfs://...`, `iscsi://...` or a bare host (all four); a host may be a
    /// CIDR block (`10.0.0.0/24`, `[fd00::/120]`) or a range (`10.0.0.1-10.0.3.254`, `10.0.0.1-254`).
    pub targets: Vec<String>,
    /// A file of targets, one per line (# comments allowed); may be given more than once.
    #[arg(long = "targets", id = "targets_file", value_name = "FILE")]
    pub targets_file: Vec<PathBuf>,
    /// How many probes run at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Per-target connect and read deadline.
    #[arg(long, default_value_t = 3000)]
    pub timeout_ms: u64,
    /// Results are written as each target completes, whatever the format:
    /// jsonl is one line per target, then a summary line.
    #[arg(long, value_enum)]
    pub format: Option<ScanFormat>,
    #[arg(long, value_enum, default_value = "high")]
    pub fail_on: FailOn,
    /// Progress on standard error (done/total, rate, ETA): shown when it is a terminal.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressMode,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ScanFormat {
    Text,
    Json,
    Jsonl,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ProgressMode {
    Auto,
    Always,
    Never,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The /etc to read.
    #[arg(long, default_value = "/etc", conflicts_with = "truenas_config")]
    pub from: PathBuf,
    /// Import a TrueNAS configuration backup (freenas-v1.db, or the tar with the secret seed) instead:
    /// services, SMB and NFS shares, iSCSI portals, groups, targets and extents. CHAP secrets come over
    /// only from a tar with pwenc_secret (decrypted in memory, stored under nasguard's encryption, never
    /// printed); otherwise each auth group gets a random secret and the import names them.
    #[arg(long, value_name = "FILE")]
    pub truenas_config: Option<PathBuf>,
    /// Where TrueNAS's /mnt (its pools and datasets) is on this host: share and extent paths under
    /// /mnt/ are moved under DIR.
    #[arg(long, value_name = "DIR", default_value = "/mnt", requires = "truenas_config")]
    pub mnt_root: PathBuf,
}

#[derive(Args)]
pub struct ApplyArgs {
    /// Show the diff and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace host files changed by hand since nasguard wrote them (a copy of each is kept under the
    /// state directory's replaced/).
    #[arg(long)]
    pub overwrite: bool,
    /// Apply an sshd_config even when no account could log in with it.
    #[arg(long)]
    pub allow_lockout: bool,
    /// Commit-confirmed: restore the previous configuration unless `nasguard confirm` comes within
    /// SECONDS (10 to 3600).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(10..=3600))]
    pub confirm: Option<u32>,
}

#[derive(Args)]
pub struct ConfirmArgs {
    /// (The timer's own call) restore the pending apply TOKEN unless it was confirmed.
    #[arg(long, hide = true, value_name = "TOKEN")]
    pub expire: Option<String>,
    /// (With --expire) wait this many seconds first.
    #[arg(long, hide = true, requires = "expire")]
    pub after: Option<u64>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ServiceAction {
    List,
    Start,
    Stop,
    Restart,
    Reload,
    Status,
    /// Start automatically ("Start automatically" in the UI).
    Enable,
    Disable,
}

impl ServiceAction {
    /// The model's action; `None` for list and status, which only read.
    pub fn model(self) -> Option<nasguard_model::ServiceAction> {
        use nasguard_model::ServiceAction as A;
        Some(match self {
            ServiceAction::List | ServiceAction::Status => return None,
            ServiceAction::Start => A::Start,
            ServiceAction::Stop => A::Stop,
            ServiceAction::Restart => A::Restart,
            ServiceAction::Reload => A::Reload,
            ServiceAction::Enable => A::Enable,
            ServiceAction::Disable => A::Disable,
        })
    }
}

#[derive(Args)]
pub struct ServiceArgs {
    #[arg(value_enum)]
    pub action: ServiceAction,
    /// smb, nfs, iscsi or ssh (every service when omitted for list/status).
    pub service: Option<Service>,
}

#[derive(Subcommand)]
pub enum UserCmd {
    /// Create (or update) an account. Passwords are read from a file (or - for stdin), never from
    /// the command line.
    Add(UserArgs),
    /// Same as add, for an existing account.
    Set(UserArgs),
    List,
    /// Remove what nasguard set up (and the Unix account if nasguard created it).
    Rm {
        name: String,
    },
}

#[derive(Args)]
pub struct UserArgs {
    pub name: String,
    /// File holding the password on its first line (`-` reads stdin).
    #[arg(long)]
    pub password_file: Option<PathBuf>,
    /// File of OpenSSH public keys for the account.
    #[arg(long)]
    pub ssh_key_file: Option<PathBuf>,
    /// Also create the Samba (SMB) password entry, with the same password.
    #[arg(long)]
    pub smb: bool,
    /// Let nasguard manage an existing ordinary account it did not create (uid from UID_MIN to
    /// UID_MAX of /etc/login.defs). Root and system accounts are never changed.
    #[arg(long)]
    pub adopt: bool,
}

#[derive(Args)]
pub struct InitArgs {
    /// Run every daemon under the state directory on --bind and ports from --port-base (tests, tours).
    #[arg(long)]
    pub sandbox: bool,
    /// Address the daemons listen on, and the iSCSI wizard's default portal: 127.0.0.1 in a sandbox;
    /// on a host every address (0.0.0.0), as Debian's services do, narrowed per service by its bindip.
    #[arg(long)]
    pub bind: Option<std::net::IpAddr>,
    /// Sandbox ports: SSH N+22, SMB N+445, NFS N+2049 (mountd N+2050), iSCSI N+3260.
    #[arg(long)]
    pub port_base: Option<u16>,
    /// NFS server: kernel (nfs-kernel-server; the default on a host where it is installed) or ganesha
    /// (the only one a sandbox runs).
    #[arg(long, value_name = "kernel|ganesha")]
    pub nfs_backend: Option<nasguard_model::deployment::NfsBackend>,
    /// iSCSI target: lio (the kernel's, through targetcli/rtslib-fb; the default on a host where it is
    /// installed) or tgt (the only one a sandbox runs).
    #[arg(long, value_name = "lio|tgt")]
    pub iscsi_backend: Option<nasguard_model::deployment::IscsiBackend>,
}

#[derive(Subcommand)]
pub enum ConfigCmd {
    /// Show a service's settings.
    Show { service: Service },
    /// Set fields: `nasguard config set smb minimum_protocol=SMB2 server_signing=MANDATORY`.
    #[command(long_about = "Set fields of a service, all or nothing. Values: booleans true|false, numbers, \
enum names (case-insensitive), lists comma-separated, empty to clear.\n\n\
smb: minimum_protocol SMB1|SMB2|SMB3 (SMB2; SMB1 is insecure, SMB-001), ntlmv1_auth (false; SMB-002), \
server_signing DEFAULT|MANDATORY (MANDATORY; SMB-004), aapl_extensions (for macOS clients; SMB-005), \
admin_group (SMB-006), encryption DEFAULT|NEGOTIATE|DESIRED|REQUIRED, bindip, guest, netbiosname, workgroup, \
smb_options (auxiliary parameters, `key = value` lines; lines that set a field are moved onto it).\n\
ssh: tcpport, bindip, rootlogin (\"Log in as Root with Password\", false; SSH-001), passwordauth (false; \
SSH-002), tcpfwd (\"Allow TCP Port Forwarding\", false; SSH-003), weak_ciphers AES128-CBC (SSH-004/005), \
ciphers, macs, kex_algorithms, hostkey_algorithms, options (auxiliary `Keyword args` lines).\n\
nfs: servers, protocols NFSV3,NFSV4, v4_krb, bindip, mountd_port, rpcstatd_port, rpclockd_port, allow_nonroot \
(false; NFS-003); keep the defaults unless needed (NFS-008).\n\
iscsi: basename, listen_port, isns_servers.")]
    Set {
        service: Service,
        /// FIELD=VALUE, one or more.
        #[arg(required = true)]
        assignments: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum ShareCmd {
    /// SMB shares.
    #[command(subcommand)]
    Smb(SmbShareCmd),
    /// NFS shares (exports).
    #[command(subcommand)]
    Nfs(NfsShareCmd),
}

#[derive(Subcommand)]
pub enum SmbShareCmd {
    /// Add a share. The default purpose, DEFAULT_SHARE, is the recommended one.
    Add(SmbShareAdd),
    List,
    /// Show a share and the Samba parameters its purpose sets.
    Show {
        share: String,
    },
    /// Set fields of a share (by name or id): name, path, purpose, comment, readonly, browsable, guestok, abe,
    /// hostsallow, hostsdeny, timemachine_quota, grace_period, dataset_naming_schema, auxsmbconf.
    Set {
        share: String,
        #[arg(required = true)]
        assignments: Vec<String>,
    },
    Rm {
        share: String,
    },
}

#[derive(Args)]
pub struct SmbShareAdd {
    /// Share name (1-80 characters; not global, homes, printers, ipc$, admin$).
    pub name: String,
    /// Absolute, normalised path.
    #[arg(long)]
    pub path: String,
    /// DEFAULT_SHARE (recommended), NO_PRESET (customise everything; SMB-007), PRIVATE_DATASETS_SHARE,
    /// TIMEMACHINE_SHARE (needs aapl_extensions), MULTIPROTOCOL_SHARE, TIME_LOCKED_SHARE.
    #[arg(long, default_value = "DEFAULT_SHARE")]
    pub purpose: SmbPurpose,
    #[arg(long)]
    pub comment: Option<String>,
    #[arg(long)]
    pub readonly: bool,
    /// Hide the share from browse lists.
    #[arg(long)]
    pub hidden: bool,
    /// Allow guest access without a password (insecure: SMB-008).
    #[arg(long)]
    pub guestok: bool,
    /// Access-based share enumeration.
    #[arg(long)]
    pub abe: bool,
    #[arg(long, value_delimiter = ',')]
    pub hostsallow: Vec<String>,
    #[arg(long, value_delimiter = ',')]
    pub hostsdeny: Vec<String>,
    /// Auxiliary parameters for the share, `key = value` lines.
    #[arg(long)]
    pub auxsmbconf: Option<String>,
}

#[derive(Subcommand)]
pub enum NfsShareCmd {
    /// Add an export. Authorized networks or hosts are required; `--allow-everyone` accepts an export open to
    /// every host (NFS-001).
    Add(NfsShareAdd),
    List,
    /// Show a share (by id or path).
    Show {
        share: String,
    },
    /// Set fields: path, comment, networks, hosts, ro, maproot_user, maproot_group, mapall_user, mapall_group,
    /// security, enabled, allow_everyone.
    Set {
        share: String,
        #[arg(required = true)]
        assignments: Vec<String>,
    },
    Rm {
        share: String,
    },
}

#[derive(Args)]
pub struct NfsShareAdd {
    /// Absolute, normalised path to export.
    #[arg(long)]
    pub path: String,
    #[arg(long)]
    pub comment: Option<String>,
    /// Authorized network (CIDR), repeatable. 0.0.0.0/0 is refused: use --allow-everyone.
    #[arg(long)]
    pub network: Vec<ipnet::IpNet>,
    /// Authorized host, IP, `*.domain` or `@netgroup`, repeatable.
    #[arg(long)]
    pub host: Vec<String>,
    /// Accept an export with no networks and no hosts: open to everyone (flagged as NFS-001).
    #[arg(long)]
    pub allow_everyone: bool,
    /// Read-only.
    #[arg(long)]
    pub ro: bool,
    /// Map client root to this user (root = no_root_squash, NFS-002).
    #[arg(long)]
    pub maproot_user: Option<String>,
    #[arg(long)]
    pub maproot_group: Option<String>,
    /// Map every client user to this user.
    #[arg(long)]
    pub mapall_user: Option<String>,
    #[arg(long)]
    pub mapall_group: Option<String>,
    /// SYS, KRB5, KRB5I, KRB5P (repeatable; Kerberos needs NFSv4).
    #[arg(long)]
    pub security: Vec<NfsSecurity>,
}

#[derive(Subcommand)]
pub enum SmbCmd {
    /// Who may be in the SMB administrators group (admin_group); others are flagged (SMB-006).
    #[command(subcommand)]
    Admins(AdminsCmd),
}

#[derive(Subcommand)]
pub enum AdminsCmd {
    Approve {
        #[arg(required = true)]
        users: Vec<String>,
    },
    Revoke {
        #[arg(required = true)]
        users: Vec<String>,
    },
    List,
}

#[derive(Subcommand)]
pub enum IscsiCmd {
    /// Create portal, auth group, initiator group, target, extent (a sparse file) and mapping in one go.
    #[command(long_about = "The iSCSI wizard, as in TrueNAS's Block Shares (iSCSI) > WIZARD: target, extent, \
portal with a Discovery Authentication Method, Initiators and Authorized Networks, all in one transaction \
(and the extent file), or nothing.\n\nSecure by default: discovery and target logins need CHAP \
(--chap-user/--chap-secret, 12-16 characters; or NASGUARD_CHAP_SECRET to keep it off the command line), and \
the target needs --initiator and/or --network unless --allow-everyone is given (flagged as ISCSI-005/006).")]
    Wizard(Box<WizardArgs>),
    #[command(flatten)]
    Object(ObjectKind),
}

#[derive(Subcommand)]
pub enum ObjectKind {
    /// Portals: listen=IP[:PORT],..., discovery_authmethod NONE|CHAP|CHAP_MUTUAL, discovery_authgroup TAG.
    Portal {
        #[command(subcommand)]
        action: ObjectCmd,
    },
    /// CHAP credentials: tag, user, secret (12-16 chars), peeruser, peersecret (mutual CHAP). Shown masked.
    Auth {
        #[command(subcommand)]
        action: ObjectCmd,
    },
    /// Initiator groups: initiators=IQN,..., auth_network=CIDR,..., allow_everyone.
    Initiator {
        #[command(subcommand)]
        action: ObjectCmd,
    },
    /// Targets: name, alias, groups='[{"portal":1,"initiator":1,"authmethod":"CHAP","auth":1}]'.
    Target {
        #[command(subcommand)]
        action: ObjectCmd,
    },
    /// Extents: name, type FILE|DISK, path, disk, filesize, blocksize, ro.
    Extent {
        #[command(subcommand)]
        action: ObjectCmd,
    },
    /// Target-extent mappings: target, extent, lunid.
    Targetextent {
        #[command(subcommand)]
        action: ObjectCmd,
    },
}

impl ObjectKind {
    pub fn split(&self) -> (IscsiKind, &ObjectCmd) {
        match self {
            ObjectKind::Portal { action } => (IscsiKind::Portal, action),
            ObjectKind::Auth { action } => (IscsiKind::Auth, action),
            ObjectKind::Initiator { action } => (IscsiKind::Initiator, action),
            ObjectKind::Target { action } => (IscsiKind::Target, action),
            ObjectKind::Extent { action } => (IscsiKind::Extent, action),
            ObjectKind::Targetextent { action } => (IscsiKind::TargetExtent, action),
        }
    }
}

#[derive(Subcommand)]
pub enum ObjectCmd {
    /// Add one: FIELD=VALUE...
    Add {
        assignments: Vec<String>,
    },
    List,
    Show {
        id: u32,
    },
    /// Change fields of one: ID FIELD=VALUE...
    Set {
        id: u32,
        #[arg(required = true)]
        assignments: Vec<String>,
    },
    Rm {
        id: u32,
    },
}

#[derive(Args)]
pub struct WizardArgs {
    /// Target name (lowercase letters, digits, . - :), appended to the global basename.
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub alias: Option<String>,
    /// The extent's backing file; created sparse, never overwritten.
    #[arg(long)]
    pub extent_file: String,
    /// Size of the extent: 512M, 10G, 1T...
    #[arg(long)]
    pub size: String,
    /// 512 (legacy OS, VMware) or 4096 (modern OS).
    #[arg(long, default_value_t = 512)]
    pub blocksize: u32,
    /// Portal listen address IP[:PORT], repeatable (default: the deployment's address: every address on a
    /// host, 127.0.0.1 in a sandbox; `init --bind`).
    #[arg(long)]
    pub portal: Vec<String>,
    /// Discovery Authentication Method: none (ISCSI-001), chap (default) or chap-mutual.
    #[arg(long, default_value = "chap")]
    pub discovery_auth: AuthMethod,
    #[arg(long)]
    pub chap_user: Option<String>,
    /// 12-16 characters, no #. Prefer NASGUARD_CHAP_SECRET in the environment.
    #[arg(long)]
    pub chap_secret: Option<String>,
    /// Mutual CHAP: the target's user.
    #[arg(long)]
    pub peer_user: Option<String>,
    /// Mutual CHAP: the target's secret (or NASGUARD_PEER_SECRET), different from --chap-secret.
    #[arg(long)]
    pub peer_secret: Option<String>,
    /// Allowed initiator IQN, repeatable.
    #[arg(long)]
    pub initiator: Vec<String>,
    /// Authorized network (CIDR), repeatable.
    #[arg(long)]
    pub network: Vec<ipnet::IpNet>,
    /// Accept a target open to every initiator and network (flagged as ISCSI-005/006).
    #[arg(long)]
    pub allow_everyone: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FailOn {
    None,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Args)]
pub struct AuditArgs {
    /// text (default), json (the findings contract), sarif (2.1.0).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value = "high")]
    pub fail_on: FailOn,
    /// Audit a machine's own config files instead of the store: DIR is read as /etc
    /// (samba/smb.conf, ssh/sshd_config with its Includes, exports, exports.d, ganesha/ganesha.conf,
    /// tgt/targets.conf). Absent settings take the daemon's default. Findings point at file and line.
    #[arg(long, value_name = "DIR", conflicts_with = "truenas_config")]
    pub config_dir: Option<PathBuf>,
    /// Audit a TrueNAS configuration backup instead of the store: FILE is the freenas-v1.db (System >
    /// General > Manage Configuration > Download File) or the tar that also holds the secret seed. It is
    /// opened read-only and never written; the release is recognised from alembic_version and its
    /// columns; TrueNAS's own semantics apply (signing only through the auxiliary parameters or
    /// encryption REQUIRED; root password login from the root account; an NFS share with no networks and
    /// no hosts, or `*`, is open to everyone; iSCSI initiators ALL or no authorized networks are
    /// everyone). Each finding names its table, column and row, and says when its service is not enabled
    /// in the backup. A file that is not a backup, or a schema nasguard does not know, exits 2.
    #[arg(long, value_name = "FILE")]
    pub truenas_config: Option<PathBuf>,
    /// Also probe this machine's own services where the store says they listen, judge the wire
    /// with the same rules (evidence: live), and list every drift between intent and wire.
    #[arg(long, conflicts_with_all = ["config_dir", "truenas_config"])]
    pub live: bool,
}

#[derive(Args)]
pub struct FixArgs {
    /// Rule IDs to fix, e.g. SMB-001 SSH-004.
    pub rules: Vec<String>,
    /// Fix every fixable finding at low or above (info notes are left alone).
    #[arg(long, conflicts_with = "rules")]
    pub all: bool,
    /// Show what would change.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args)]
pub struct WaiveArgs {
    /// Rule ID, e.g. SMB-007.
    pub rule: String,
    /// The finding's object (as `audit` shows it, e.g. smb/share/media), or `*` for every object.
    #[arg(long)]
    pub object: String,
    /// Why the risk is accepted.
    #[arg(long, required_unless_present = "remove", default_value = "")]
    pub reason: String,
    /// Last day the waiver applies (YYYY-MM-DD).
    #[arg(long)]
    pub expires: Option<String>,
    /// Remove the waiver instead.
    #[arg(long)]
    pub remove: bool,
}

#[derive(Args)]
pub struct LogArgs {
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}
