//! The `nasguard` binary: parses arguments, calls `nasguard-ops`, prints.
//! Exit codes (contract): 0 ok, 1 findings at or above --fail-on, 2 usage or
//! validation error (nothing written), 3 incomplete.

mod args;
mod fleet;

use args::*;
use clap::Parser;
use nasguard_model::Waiver;
use nasguard_model::nfs::NfsShare;
use nasguard_model::smb::SmbShare;
use nasguard_ops::{Changed, Nasguard, OpsError, WizardInput};
use nasguard_policy::Severity;
use nasguard_store::{Deployment, Mode};
use serde_json::Value;
use std::process::ExitCode;

/// Writes a line to standard output; an error (a closed pipe: `nasguard
/// apply --dry-run | head`) returns from the command, and `main` ends quietly
/// on a broken pipe instead of panicking as `println!` would.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// [`outln!`] without the newline.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// Whether an error is a write to a reader that went away.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<OpsError>() {
            Some(OpsError::Invalid(errors)) => {
                for err in &errors.0 {
                    eprintln!("error: {err}");
                }
                eprintln!("nothing was changed");
                ExitCode::from(2)
            }
            Some(OpsError::NotFound(m)) => {
                eprintln!("error: {m}");
                ExitCode::from(2)
            }
            _ => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        },
    }
}

/// Who makes a change, for the audit log: the sudo caller, the login
/// name, or the name of the process's uid (cron and services set no USER).
fn actor() -> String {
    let from_env =
        ["SUDO_USER", "USER", "LOGNAME"].iter().find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()));
    let user = from_env.unwrap_or_else(|| {
        let uid = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Uid:").and_then(|v| v.split_whitespace().next().map(String::from)))
            })
            .unwrap_or_default();
        let name = std::fs::read_to_string("/etc/passwd").ok().and_then(|p| {
            p.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.get(2) == Some(&uid.as_str())).then(|| f.first().map(|n| (*n).to_string())).flatten()
            })
        });
        name.unwrap_or(format!("uid:{uid}"))
    });
    format!("cli:{user}")
}

fn open(cli: &Cli) -> anyhow::Result<Nasguard> {
    Ok(Nasguard::open(&cli.state_dir, &actor())?)
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn done<T: serde::Serialize>(json: bool, what: &str, c: Changed<T>) -> anyhow::Result<ExitCode> {
    if json {
        print_json(&c)?;
    } else {
        for n in &c.notes {
            outln!("note: {n}");
        }
        outln!(
            "{what} (revision {}). Run `nasguard audit` to check it, `nasguard apply` to put it in place.",
            c.revision
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let json = cli.json;
    match &cli.command {
        Command::Init(a) => init(&cli, a),
        Command::Config(ConfigCmd::Show { service }) => {
            let cfg = open(&cli)?.snapshot()?.config;
            show(json, &Value::Object(cfg.service_settings(*service)))
        }
        Command::Config(ConfigCmd::Set { service, assignments }) => {
            let c = open(&cli)?.set_service(*service, assignments)?;
            done(json, &format!("{service} updated"), c)
        }
        Command::Share(ShareCmd::Smb(cmd)) => smb_share(&cli, cmd),
        Command::Share(ShareCmd::Nfs(cmd)) => nfs_share(&cli, cmd),
        Command::Smb(SmbCmd::Admins(cmd)) => {
            let mut ng = open(&cli)?;
            match cmd {
                AdminsCmd::Approve { users } => done(json, "approved", ng.smb_admins_approve(users)?),
                AdminsCmd::Revoke { users } => done(json, "revoked", ng.smb_admins_revoke(users)?),
                AdminsCmd::List => show(json, &serde_json::to_value(ng.snapshot()?.config.site.approved_smb_admins)?),
            }
        }
        Command::Iscsi(cmd) => iscsi(&cli, cmd),
        Command::Audit(a @ AuditArgs { truenas_config: Some(file), .. }) => {
            let audit = nasguard_ops::audit_truenas(file)?;
            let format = a.format.unwrap_or(if json { Format::Json } else { Format::Text });
            if format != Format::Json {
                eprintln!("TrueNAS {} backup: {}", audit.release, file.display());
                for n in &audit.notes {
                    eprintln!("warning: {n}");
                }
            }
            let out = match format {
                Format::Text => nasguard_report::to_text(&audit.report),
                Format::Json => serde_json::to_string_pretty(&audit)?,
                Format::Sarif => {
                    serde_json::to_string_pretty(&nasguard_report::to_sarif(&audit.report, env!("CARGO_PKG_VERSION")))?
                }
            };
            println!("{}", out.trim_end());
            Ok(if audit.report.fails(a.fail_on.threshold()) { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Audit(a) => {
            let report = match &a.config_dir {
                Some(dir) => {
                    let host = nasguard_ops::HostRoot::default();
                    let (report, scanned) = nasguard_ops::audit_config_dir(dir, &nasguard_ops::read_facts(&host.0))?;
                    if scanned.files.is_empty() {
                        anyhow::bail!(
                            "no smb.conf, sshd_config, exports, ganesha.conf or targets.conf under {}",
                            dir.display()
                        );
                    }
                    for d in &scanned.diagnostics {
                        eprintln!("warning: {d}");
                    }
                    report
                }
                None if a.live => {
                    let live = open(&cli)?.audit_live(std::time::Duration::from_millis(3000))?;
                    match a.format.unwrap_or(if json { Format::Json } else { Format::Text }) {
                        Format::Json => outln!("{}", serde_json::to_string_pretty(&live.to_json())?),
                        Format::Sarif => outln!(
                            "{}",
                            serde_json::to_string_pretty(&nasguard_report::to_sarif(
                                &live.report,
                                env!("CARGO_PKG_VERSION")
                            ))?
                        ),
                        Format::Text => {
                            outln!("{}", nasguard_report::to_text(&live.report).trim_end());
                            if live.drift.is_empty() {
                                outln!("No drift: what runs matches the stored config.");
                            }
                            for d in &live.drift {
                                outln!("drift     {:<9}  {}", d.rule, d.message);
                            }
                        }
                    }
                    return Ok(if live.report.fails(a.fail_on.threshold()) {
                        ExitCode::from(1)
                    } else {
                        ExitCode::SUCCESS
                    });
                }
                None => open(&cli)?.audit()?,
            };
            let out = match a.format.unwrap_or(if json { Format::Json } else { Format::Text }) {
                Format::Text => nasguard_report::to_text(&report),
                Format::Json => serde_json::to_string_pretty(&nasguard_report::to_json(&report))?,
                Format::Sarif => {
                    serde_json::to_string_pretty(&nasguard_report::to_sarif(&report, env!("CARGO_PKG_VERSION")))?
                }
            };
            outln!("{}", out.trim_end());
            Ok(if report.fails(a.fail_on.threshold()) { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Fix(a) => {
            if a.rules.is_empty() && !a.all {
                anyhow::bail!("name the rules to fix (e.g. `nasguard fix SMB-001`) or pass --all");
            }
            let c = open(&cli)?.fix(&a.rules, a.dry_run)?;
            if json {
                return done(json, "", c);
            }
            if c.value.is_empty() {
                outln!("nothing to fix");
            }
            for f in &c.value {
                outln!("{} {}: {} ({})", if a.dry_run { "would fix" } else { "fixed" }, f.rule, f.object, f.message);
            }
            if !a.dry_run && !c.value.is_empty() {
                outln!("revision {}. Run `nasguard apply` to put it in place.", c.revision);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Waive(a) => {
            let w = Waiver {
                rule: a.rule.to_uppercase(),
                object: a.object.clone(),
                reason: a.reason.clone(),
                expires: a.expires.clone(),
            };
            let mut ng = open(&cli)?;
            if a.remove {
                return done(json, "waiver removed", ng.unwaive(&w.rule, &w.object)?);
            }
            done(json, &format!("{} waived on {}", w.rule, w.object), ng.waive(w)?)
        }
        Command::Waivers => show(json, &serde_json::to_value(open(&cli)?.snapshot()?.config.site.waivers)?),
        Command::Log(a) => {
            let log = open(&cli)?.audit_log(a.limit)?;
            if json {
                return show(true, &serde_json::to_value(log)?);
            }
            // One timeline, oldest first: changes and other events.
            let fmt = |v: &Option<Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "-".into());
            let mut lines: Vec<(String, String)> = log
                .changes
                .iter()
                .map(|e| {
                    let text = format!(
                        "r{:<4} {} {} {} {}: {} -> {}",
                        e.rev,
                        e.at,
                        e.actor,
                        e.action,
                        e.object,
                        fmt(&e.old),
                        fmt(&e.new)
                    );
                    (e.at.clone(), text)
                })
                .chain(
                    log.events
                        .iter()
                        .map(|e| (e.at.clone(), format!("      {} {} {} {}", e.at, e.actor, e.action, e.detail))),
                )
                .collect();
            lines.sort_by(|x, y| x.0.cmp(&y.0));
            for (_, l) in lines {
                outln!("{l}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Confirm(a) => {
            let mut ng = open(&cli)?;
            if let Some(token) = &a.expire {
                let restored = ng.expire_after(token, a.after)?;
                if restored {
                    outln!("not confirmed in time: the previous configuration is restored");
                }
                return Ok(ExitCode::SUCCESS);
            }
            let p = ng.confirm()?;
            if json {
                return show(true, &serde_json::to_value(&p)?);
            }
            outln!("confirmed: revision {} stays.", p.revision);
            Ok(ExitCode::SUCCESS)
        }
        Command::Release => {
            let r = open(&cli)?.release()?;
            if json {
                return show(true, &serde_json::to_value(&r)?);
            }
            for p in &r.restored {
                outln!("restored {}", p.display());
            }
            for p in &r.removed {
                outln!("removed {}", p.display());
            }
            for p in &r.problems {
                outln!("problem: {p}");
            }
            let reloaded: Vec<&str> = r.reloaded.iter().map(|s| s.name()).collect();
            outln!(
                "the host's own files are back{}. nasguard's model stays in {}: `nasguard apply` manages the host again.",
                if reloaded.is_empty() { String::new() } else { format!(" (reloaded {})", reloaded.join(", ")) },
                cli.state_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply(a) => {
            let mut ng = open(&cli)?;
            let opts = nasguard_ops::ApplyOptions {
                dry_run: a.dry_run,
                overwrite: a.overwrite,
                allow_lockout: a.allow_lockout,
                confirm: a.confirm,
            };
            let report = ng.apply_with(opts)?;
            if json {
                return show(true, &serde_json::to_value(&report)?);
            }
            for f in report.files.iter().filter(|f| f.changed) {
                out!("{}", f.diff);
            }
            let changed = report.files.iter().filter(|f| f.changed).count();
            for u in &report.unmanaged {
                outln!("not managed: {u}");
            }
            if a.dry_run {
                for h in &report.hand_edited {
                    outln!(
                        "changed by hand since nasguard wrote it: {} (apply refuses; see `nasguard apply --help`)",
                        h.display()
                    );
                }
                outln!("dry run: {changed} file(s) would change; nothing was written.");
            } else if changed == 0 {
                outln!("nothing to apply: the files on disk are revision {}.", report.revision);
            } else {
                let reloaded: Vec<&str> = report.reloaded.iter().map(|s| s.name()).collect();
                outln!(
                    "applied revision {}: {changed} file(s) written{}.",
                    report.revision,
                    if reloaded.is_empty() { String::new() } else { format!(", reloaded {}", reloaded.join(", ")) }
                );
                if let Some(by) = &report.confirm_by {
                    outln!("run `nasguard confirm` before {by}, or the previous configuration comes back.");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Service(a) => service(&cli, a),
        Command::Status => {
            let ng = open(&cli)?;
            let st = ng.status()?;
            if json {
                return show(true, &serde_json::to_value(&st)?);
            }
            match &st.applied {
                Some(ap) if st.latest_applied => {
                    outln!("configuration: revision {} is applied (latest)", ap.revision)
                }
                Some(ap) => outln!(
                    "configuration: revision {} is applied; the latest is {} (run `nasguard apply`)",
                    ap.revision,
                    st.revision
                ),
                None => outln!(
                    "configuration: never applied; the latest revision is {} (run `nasguard apply`)",
                    st.revision
                ),
            }
            if st.mode == Mode::System {
                outln!("backends: nfs {}, iscsi {}", st.backends.nfs, st.backends.iscsi);
            }
            if let Some(p) = &st.pending_confirmation {
                outln!(
                    "awaiting `nasguard confirm`: revision {} until {} (then the previous one comes back)",
                    p.revision,
                    p.deadline
                );
            }
            for u in &st.unmanaged {
                outln!("not managed: {u}");
            }
            print_services(&st.services)?;
            let setup = if ng.admin_count()? == 0 { nasguard_ops::web::setup_link(&cli.state_dir) } else { None };
            print_web(st.web.as_ref(), setup.as_deref())?;
            if !st.originals.is_empty() {
                outln!("originals kept (`nasguard release` puts them back):");
                for o in &st.originals {
                    match &o.kept_at {
                        Some(at) => outln!("  {} -> {}", o.path.display(), at.display()),
                        None => outln!("  {} (did not exist)", o.path.display()),
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User(cmd) => user(&cli, cmd),
        Command::Scan(a) => scan(json, a),
        Command::Import(a) => {
            let c = match &a.truenas_config {
                Some(file) => open(&cli)?.import_truenas(file, &a.mnt_root)?,
                None => open(&cli)?.import(&a.from)?,
            };
            if !json {
                for n in &c.value {
                    outln!("{n}");
                }
            }
            done(json, "imported", c)
        }
        Command::Serve(a) => serve(&cli, a),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(*shell, &mut Cli::command(), "nasguard", &mut std::io::stdout().lock());
            Ok(ExitCode::SUCCESS)
        }
        Command::Manpages { out } => manpages(out),
        Command::Admin(cmd) => admin(&cli, cmd),
        Command::Token(cmd) => token(&cli, cmd),
        Command::Fleet(a) => fleet::fleet(&cli, a),
        Command::Agent(a) => fleet::agent(&cli, a),
        Command::Rules => {
            let rules: Vec<_> = nasguard_policy::catalog().iter().map(|r| r.info).collect();
            if json {
                return show(true, &serde_json::to_value(rules)?);
            }
            for r in rules {
                outln!("{:<9} {:<8} {}{}", r.id, r.severity, r.title, if r.fixable { "  [fixable]" } else { "" });
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints a value: JSON, or `key: value` lines for people.
fn show(json: bool, v: &Value) -> anyhow::Result<ExitCode> {
    if json {
        print_json(v)?;
        return Ok(ExitCode::SUCCESS);
    }
    match v {
        Value::Object(m) => {
            let width = m.keys().map(String::len).max().unwrap_or(0);
            for (k, val) in m {
                let text = match val {
                    Value::String(s) if s.contains('\n') => format!("\n    {}", s.replace('\n', "\n    ")),
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a
                        .iter()
                        .map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string()))
                        .collect::<Vec<_>>()
                        .join(","),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                outln!("{k:<width$}  {text}");
            }
        }
        Value::Array(items) if items.is_empty() => outln!("(none)"),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    outln!();
                }
                show(false, item)?;
            }
        }
        other => outln!("{other}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn smb_share(cli: &Cli, cmd: &SmbShareCmd) -> anyhow::Result<ExitCode> {
    let json = cli.json;
    let mut ng = open(cli)?;
    match cmd {
        SmbShareCmd::Add(a) => {
            let share = SmbShare {
                name: a.name.clone(),
                path: a.path.clone(),
                purpose: a.purpose,
                comment: a.comment.clone().unwrap_or_default(),
                readonly: a.readonly,
                browsable: !a.hidden,
                guestok: a.guestok,
                abe: a.abe,
                hostsallow: a.hostsallow.clone(),
                hostsdeny: a.hostsdeny.clone(),
                auxsmbconf: a.auxsmbconf.clone().unwrap_or_default(),
                ..Default::default()
            };
            done(json, &format!("smb share {:?} added", a.name), ng.smb_share_add(share)?)
        }
        SmbShareCmd::List => {
            let cfg = ng.snapshot()?.config;
            if json {
                return show(true, &serde_json::to_value(&cfg.smb_shares)?);
            }
            if cfg.smb_shares.is_empty() {
                outln!("(no smb shares)");
            }
            for s in &cfg.smb_shares {
                outln!("{:<4} {:<20} {:<24} {}", s.id, s.name, s.purpose.name(), s.path);
            }
            Ok(ExitCode::SUCCESS)
        }
        SmbShareCmd::Show { share } => {
            let mut cfg = ng.snapshot()?.config;
            let svc = cfg.smb.clone();
            let s = nasguard_ops::find_smb(&mut cfg, share)?.clone();
            let mut v = serde_json::to_value(&s)?;
            if let Value::Object(m) = &mut v {
                let params: Vec<String> =
                    s.purpose_parameters(&svc).iter().map(|(k, v)| format!("{k} = {v}")).collect();
                m.insert("purpose_parameters".into(), Value::from(params));
            }
            show(json, &v)
        }
        SmbShareCmd::Set { share, assignments } => {
            done(json, "smb share updated", ng.smb_share_set(share, assignments)?)
        }
        SmbShareCmd::Rm { share } => done(json, "smb share removed", ng.smb_share_rm(share)?),
    }
}

fn nfs_share(cli: &Cli, cmd: &NfsShareCmd) -> anyhow::Result<ExitCode> {
    let json = cli.json;
    let mut ng = open(cli)?;
    match cmd {
        NfsShareCmd::Add(a) => {
            let share = NfsShare {
                path: a.path.clone(),
                comment: a.comment.clone().unwrap_or_default(),
                networks: a.network.clone(),
                hosts: a.host.clone(),
                ro: a.ro,
                maproot_user: a.maproot_user.clone(),
                maproot_group: a.maproot_group.clone(),
                mapall_user: a.mapall_user.clone(),
                mapall_group: a.mapall_group.clone(),
                security: a.security.clone(),
                allow_everyone: a.allow_everyone,
                ..Default::default()
            };
            done(json, &format!("nfs share {} added", a.path), ng.nfs_share_add(share)?)
        }
        NfsShareCmd::List => {
            let cfg = ng.snapshot()?.config;
            if json {
                return show(true, &serde_json::to_value(&cfg.nfs_shares)?);
            }
            if cfg.nfs_shares.is_empty() {
                outln!("(no nfs shares)");
            }
            for s in &cfg.nfs_shares {
                let who: Vec<String> =
                    s.networks.iter().map(ToString::to_string).chain(s.hosts.iter().cloned()).collect();
                let who = if who.is_empty() { "EVERYONE".to_string() } else { who.join(",") };
                outln!("{:<4} {:<30} {:<3} {}", s.id, s.path, if s.ro { "ro" } else { "rw" }, who);
            }
            Ok(ExitCode::SUCCESS)
        }
        NfsShareCmd::Show { share } => {
            let mut cfg = ng.snapshot()?.config;
            let s = nasguard_ops::find_nfs(&mut cfg, share)?.clone();
            show(json, &serde_json::to_value(s)?)
        }
        NfsShareCmd::Set { share, assignments } => {
            done(json, "nfs share updated", ng.nfs_share_set(share, assignments)?)
        }
        NfsShareCmd::Rm { share } => done(json, "nfs share removed", ng.nfs_share_rm(share)?),
    }
}

fn iscsi(cli: &Cli, cmd: &IscsiCmd) -> anyhow::Result<ExitCode> {
    let json = cli.json;
    let mut ng = open(cli)?;
    match cmd {
        IscsiCmd::Wizard(a) => {
            let secret = |flag: &Option<String>, env: &str| flag.clone().or_else(|| std::env::var(env).ok());
            let fields = serde_json::json!({
                "name": a.name,
                "alias": a.alias,
                "extent_file": a.extent_file,
                "size": a.size,
                "blocksize": a.blocksize,
                "portal": a.portal,
                "discovery_auth": a.discovery_auth,
                "chap_user": a.chap_user,
                "chap_secret": secret(&a.chap_secret, "NASGUARD_CHAP_SECRET"),
                "peer_user": a.peer_user,
                "peer_secret": secret(&a.peer_secret, "NASGUARD_PEER_SECRET"),
                "initiators": a.initiator,
                "networks": a.network,
                "allow_everyone": a.allow_everyone,
            });
            let serde_json::Value::Object(fields) = fields else { anyhow::bail!("the wizard's fields") };
            let input = WizardInput::from_fields(&fields)?;
            let c = ng.iscsi_wizard(&input)?;
            if !json {
                outln!(
                    "target {} (id {}), extent {} ({} bytes, sparse), portal {}, initiator group {}",
                    c.value.iqn,
                    c.value.target,
                    a.extent_file,
                    input.size,
                    c.value.portal,
                    c.value.initiator
                );
            }
            done(json, "iSCSI share created", c)
        }
        IscsiCmd::Object(object) => {
            let (kind, action) = object.split();
            match action {
                ObjectCmd::List => show(json, &serde_json::to_value(ng.iscsi_list(kind)?)?),
                ObjectCmd::Show { id } => show(json, &ng.iscsi_show(kind, *id)?),
                ObjectCmd::Add { assignments } => {
                    done(json, &format!("iscsi {kind} added"), ng.iscsi_add(kind, assignments)?)
                }
                ObjectCmd::Set { id, assignments } => {
                    done(json, &format!("iscsi {kind} {id} updated"), ng.iscsi_set(kind, *id, assignments)?)
                }
                ObjectCmd::Rm { id } => done(json, &format!("iscsi {kind} {id} removed"), ng.iscsi_rm(kind, *id)?),
            }
        }
    }
}

/// A progress line on standard error: done/total, rate and time left,
/// at most five times a second.
struct Progress {
    start: std::time::Instant,
    last: std::time::Instant,
}

impl Progress {
    fn show(&mut self, done: u64, total: u64) {
        let now = std::time::Instant::now();
        if done < total && now.duration_since(self.last) < std::time::Duration::from_millis(200) {
            return;
        }
        self.last = now;
        let secs = now.duration_since(self.start).as_secs_f64().max(1e-3);
        let rate = done as f64 / secs;
        let eta = if rate > 0.0 { (total.saturating_sub(done)) as f64 / rate } else { 0.0 };
        let pct = if total > 0 { 100.0 * done as f64 / total as f64 } else { 100.0 };
        eprint!(
            "\r{done}/{total} targets ({pct:.1}%), {rate:.0}/s, ETA {}:{:02}   ",
            (eta as u64) / 60,
            (eta as u64) % 60
        );
        if done >= total {
            eprintln!();
        }
    }
}

fn scan(json: bool, a: &ScanArgs) -> anyhow::Result<ExitCode> {
    use nasguard_ops::scan::{StreamFormat, TargetSources, scan_stream};
    use std::io::IsTerminal;
    if a.targets.is_empty() && a.targets_file.is_empty() {
        anyhow::bail!("name at least one target (e.g. ssh://127.0.0.1:22) or pass --targets FILE");
    }
    let sources = TargetSources::new(&a.targets, &a.targets_file)?;
    let format = match a.format.unwrap_or(if json { ScanFormat::Json } else { ScanFormat::Text }) {
        ScanFormat::Text => StreamFormat::Text,
        ScanFormat::Json => StreamFormat::Json,
        ScanFormat::Jsonl => StreamFormat::Lines,
        ScanFormat::Sarif => StreamFormat::Sarif,
    };
    let show = match a.progress {
        ProgressMode::Auto => std::io::stderr().is_terminal(),
        ProgressMode::Always => true,
        ProgressMode::Never => false,
    };
    let now = std::time::Instant::now();
    let mut bar = Progress { start: now, last: now };
    let mut progress = |done: u64, total: u64| {
        if show {
            bar.show(done, total);
        }
    };
    // The first failures are named as they happen; the rest are counted.
    const NAMED: u64 = 20;
    let mut named = 0;
    let mut failed = |r: &nasguard_probe::ProbeResult| {
        named += 1;
        if named <= NAMED {
            let e = r.error.as_ref().map(ToString::to_string).unwrap_or_default();
            eprintln!("{}error: {}: {e}", if show { "\r" } else { "" }, r.target.url());
        }
    };
    let timeout = std::time::Duration::from_millis(a.timeout_ms.max(1));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let tally = scan_stream(&sources, a.concurrency, timeout, format, &mut out, &mut progress, &mut failed)?;
    if tally.failed > NAMED {
        eprintln!("error: {} more targets could not be probed", tally.failed - NAMED);
    }
    if tally.failed > 0 {
        return Ok(ExitCode::from(3));
    }
    Ok(if tally.findings.fails(a.fail_on.threshold()) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn print_services(list: &[nasguard_ops::ServiceStatus]) -> anyhow::Result<()> {
    outln!("{:<6} {:<8} {:<8} {:<6} {:<8} ADDRESS", "NAME", "STATE", "PID", "AUTO", "BACKEND");
    for s in list {
        let ports: Vec<String> = s.status.ports.iter().map(ToString::to_string).collect();
        let unit = match (&s.status.unit, &s.status.state) {
            (Some(u), Some(st)) => format!("  [{u}: {st}]"),
            _ => String::new(),
        };
        outln!(
            "{:<6} {:<8} {:<8} {:<6} {:<8} {}:{}{unit}",
            s.status.service.name(),
            if s.status.running { "running" } else { "stopped" },
            s.status.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
            if s.autostart { "yes" } else { "no" },
            s.status.backend,
            s.status.address,
            ports.join(",")
        );
    }
    Ok(())
}

/// How `nasguard serve` serves, from what it recorded when it started.
fn print_web(web: Option<&nasguard_ops::web::WebServing>, setup: Option<&str>) -> anyhow::Result<()> {
    let Some(w) = web else {
        outln!("web UI: never started (`nasguard serve`, or `systemctl enable --now nasguard`)");
        return Ok(());
    };
    if w.running {
        outln!("web UI: {} (pid {}, since {})", w.url, w.pid, w.started);
    } else {
        outln!("web UI: not running (last served {} until pid {} ended)", w.url, w.pid);
    }
    if let Some(c) = &w.certificate {
        let how = if c.generated { "self-signed, made by nasguard" } else { "configured" };
        let until = c.not_after.as_deref().map(|t| format!(", valid until {t}")).unwrap_or_default();
        outln!("  certificate SHA-256 {} ({how}{until}: {})", c.sha256, c.path);
    }
    if let Some(link) = setup.filter(|_| w.running) {
        outln!("  no administrator yet: open this one-time link to create one: {link}");
    }
    Ok(())
}

/// `init`: a sandbox, or the adoption of this host.
fn init(cli: &Cli, a: &InitArgs) -> anyhow::Result<ExitCode> {
    let mode = if a.sandbox { Mode::Sandbox } else { Mode::System };
    // A sandbox stays on loopback; a host serves its LAN (a portal on
    // 127.0.0.1 would reach no initiator), behind its access lists.
    let bind = a.bind.unwrap_or(match mode {
        Mode::Sandbox => std::net::Ipv4Addr::LOCALHOST.into(),
        Mode::System => std::net::Ipv4Addr::UNSPECIFIED.into(),
    });
    let deployment = Deployment::new(mode, bind, a.port_base).map_err(OpsError::Invalid)?;
    let mut backends = match mode {
        Mode::Sandbox => deployment.backends(),
        Mode::System => nasguard_ops::detect_backends(&nasguard_ops::HostRoot::default().0),
    };
    if let Some(n) = a.nfs_backend {
        backends.nfs = n;
    }
    if let Some(i) = a.iscsi_backend {
        backends.iscsi = i;
    }
    let deployment = deployment.with_backends(backends).map_err(OpsError::Invalid)?;
    let mut ng = Nasguard::init(&cli.state_dir, &deployment, &actor())?;
    if mode == Mode::Sandbox {
        outln!(
            "initialised {} (sandbox deployment) with secure defaults. Next: `nasguard audit`.",
            cli.state_dir.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let adopted = ng.adopt()?;
    if cli.json {
        return show(true, &serde_json::to_value(&adopted)?);
    }
    outln!(
        "initialised {} (system deployment: this host; nfs {}, iscsi {}).",
        cli.state_dir.display(),
        adopted.backends.nfs,
        adopted.backends.iscsi
    );
    if !adopted.read.is_empty() {
        outln!("read {}", adopted.read.join(", "));
    }
    let imported: Vec<&str> = adopted.imported.iter().map(|s| s.name()).collect();
    if !imported.is_empty() {
        outln!("imported the settings of: {}", imported.join(", "));
    }
    for n in &adopted.notes {
        outln!("note: {n}");
    }
    for u in &adopted.unmanaged {
        outln!("not managed: {u}");
    }
    if !adopted.originals.is_empty() {
        outln!(
            "kept the originals of {} file(s) (`nasguard status` lists them; `nasguard release` puts them back).",
            adopted.originals.len()
        );
    }
    outln!("Next: `nasguard audit`, then `nasguard apply --dry-run` to see what nasguard would write.");
    Ok(ExitCode::SUCCESS)
}

fn service(cli: &Cli, a: &ServiceArgs) -> anyhow::Result<ExitCode> {
    let mut ng = open(cli)?;
    let one = || a.service.ok_or_else(|| anyhow::anyhow!("name the service: smb, nfs, iscsi or ssh"));
    match a.action {
        ServiceAction::List | ServiceAction::Status => {
            let st = ng.status()?;
            let list: Vec<_> =
                st.services.into_iter().filter(|s| a.service.is_none_or(|x| x == s.status.service)).collect();
            if cli.json {
                return show(true, &serde_json::to_value(&list)?);
            }
            print_services(&list)?;
            Ok(ExitCode::SUCCESS)
        }
        action => {
            let svc = one()?;
            let action = action.model().ok_or_else(|| anyhow::anyhow!("not a service action"))?;
            let st = ng.service(action, svc)?;
            if cli.json {
                return show(true, &serde_json::to_value(&st)?);
            }
            if let Some(on) = action.autostart() {
                outln!("{svc}: start automatically {}", if on { "on" } else { "off" });
                return Ok(ExitCode::SUCCESS);
            }
            let ports: Vec<String> = st.ports.iter().map(ToString::to_string).collect();
            outln!(
                "{svc}: {}{}",
                if st.running { "running" } else { "stopped" },
                if st.running { format!(" on {}:{}", st.address, ports.join(",")) } else { String::new() }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn serve(cli: &Cli, a: &ServeArgs) -> anyhow::Result<ExitCode> {
    use nasguard_server::tls;
    // Opened first: a state directory that was never initialised is named
    // here, before anything (a certificate) is made in it.
    let loopback = a.listen.ip().to_canonical().is_loopback();
    let https = a.tls || a.tls_cert.is_some() || !loopback;
    let options = nasguard_server::ServeOptions {
        secure_cookies: a.secure_cookies,
        tls: https,
        body_read: std::time::Duration::from_secs(a.body_timeout),
        max_connections: usize::try_from(a.max_connections).unwrap_or(usize::MAX),
        fleet_db: a.fleet_db.clone(),
    };
    let (state, setup) = nasguard_server::prepare(&cli.state_dir, options)?;
    let served = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(tls::configured(cert, key)?),
        _ if https => Some(tls::generated(&cli.state_dir, &tls::hosts_for(a.listen.ip()))?),
        _ => None,
    };
    // Store work queues for one lock anyway: a few blocking threads serve
    // it as fast as hundreds would, without a thread (and an allocator
    // arena) per request in a flood.
    let runtime = tokio::runtime::Builder::new_multi_thread().max_blocking_threads(16).enable_all().build()?;
    runtime.block_on(async {
        let listener = bind(a.listen).await?;
        let addr = listener.local_addr()?;
        let scheme = if served.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{addr}/");
        outln!("nasguard serving {url} (API: {url}api/v1/openapi.json)");
        if let Some(s) = &served {
            let how = match s.made {
                Some(tls::Made::First) => "made by nasguard now, self-signed",
                Some(tls::Made::Renewed) => "made anew by nasguard now (the previous one was ending), self-signed",
                None if s.generated => "made by nasguard, self-signed",
                None => "configured",
            };
            outln!("certificate SHA-256 {} ({how}: {})", s.sha256, s.cert.display());
            if s.generated {
                outln!("  a browser warns about a self-signed certificate: trust it only if it shows this fingerprint");
            }
        }
        // Under systemd what serve prints goes to the journal, which the
        // `adm` group reads: the link that makes the first administrator
        // goes to a file only root reads instead.
        let journal = std::env::var_os("JOURNAL_STREAM").is_some() || std::env::var_os("INVOCATION_ID").is_some();
        match setup {
            Some(token) => {
                let link = format!("{scheme}://{}/setup?token={token}", browser_host(addr));
                if journal {
                    nasguard_ops::web::record_setup_link(&cli.state_dir, Some(&link))?;
                    outln!(
                        "No administrator yet: `nasguard status` (as root) shows the one-time setup link, or run \
                         `nasguard admin create NAME`."
                    );
                } else {
                    nasguard_ops::web::record_setup_link(&cli.state_dir, None)?;
                    outln!("No administrator yet. Open this one-time link to create one:");
                    outln!("  {link}");
                    outln!("(or stop here and run `nasguard admin create NAME`)");
                }
            }
            None => nasguard_ops::web::record_setup_link(&cli.state_dir, None)?,
        }
        let certificate = served.as_ref().map(|s| nasguard_ops::web::WebCertificate {
            path: s.cert.display().to_string(),
            sha256: s.sha256.clone(),
            generated: s.generated,
            not_after: s.not_after.clone(),
        });
        nasguard_ops::web::record_serving(&cli.state_dir, &url, certificate)?;
        if let Err(e) = nasguard_server::notify::ready(&format!("serving {url}")) {
            eprintln!("warning: could not tell systemd that nasguard is ready: {e}");
        }
        match served {
            Some(s) => nasguard_server::serve_tls(listener, state, s.config).await?,
            None => nasguard_server::serve(listener, state).await?,
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `addr` as a browser would reach it: this host's name for a wildcard
/// address (`[::]` is no address to open).
fn browser_host(addr: std::net::SocketAddr) -> String {
    if !addr.ip().is_unspecified() {
        return addr.to_string();
    }
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name = name.trim();
    format!("{}:{}", if name.is_empty() { "localhost" } else { name }, addr.port())
}

/// Binds `addr`; `[::]` on a host without IPv6 falls back to `0.0.0.0`
/// (the package's default is `[::]:8443`, every address of both families).
async fn bind(addr: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => Ok(l),
        Err(e)
            if addr.ip() == std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED) && e.raw_os_error() == Some(97) =>
        {
            let v4 = std::net::SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, addr.port()));
            eprintln!("note: no IPv6 here ({e}); listening on {v4}");
            tokio::net::TcpListener::bind(v4).await.map_err(|e| anyhow::anyhow!("cannot listen on {v4}: {e}"))
        }
        Err(e) => Err(anyhow::anyhow!("cannot listen on {addr}: {e}")),
    }
}

/// Writes nasguard.1 and a page per command into `dir`, with a FILES
/// section on the main page.
fn manpages(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    use clap::CommandFactory;
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    fn write(cmd: clap::Command, dir: &std::path::Path) -> anyhow::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            write(sub, dir)?;
        }
        let man = clap_mangen::Man::new(cmd)
            .manual("nasguard manual")
            .source(concat!("nasguard ", env!("CARGO_PKG_VERSION")));
        man.generate_to(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        Ok(())
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    write(cmd, dir)?;
    let main = dir.join("nasguard.1");
    let mut text = std::fs::read_to_string(&main)?;
    text.push_str(MAN_FILES);
    std::fs::write(&main, text)?;
    Ok(ExitCode::SUCCESS)
}

/// The main man page's FILES and SEE ALSO sections (roff).
const MAN_FILES: &str = r#".SH FILES
.TP
\fI/var/lib/nasguard/\fR
The state directory (\fB\-\-state\-dir\fR, \fBNASGUARD_STATE_DIR\fR): the store, its key, what nasguard
keeps of the host's own configuration files, and \fItls/\fR, the certificate \fBnasguard serve\fR made.
.TP
\fI/etc/default/nasguard\fR
Settings of the \fBnasguard.service\fR unit: \fBNASGUARD_LISTEN\fR (default [::]:8443),
\fBNASGUARD_TLS_CERT\fR and \fBNASGUARD_TLS_KEY\fR.
.TP
\fInasguard.service\fR
Runs \fBnasguard serve\fR; start it with \fBsystemctl enable \-\-now nasguard\fR after \fBnasguard init\fR.
.SH SEE ALSO
\fBsmb.conf\fR(5), \fBsshd_config\fR(5), \fBexports\fR(5), \fBtargetcli\fR(8), \fBsystemctl\fR(1)
"#;

fn admin(cli: &Cli, cmd: &AdminCmd) -> anyhow::Result<ExitCode> {
    let ng = open(cli)?;
    match cmd {
        AdminCmd::Create { name, password_file } => {
            ng.admin_create(name, &read_secret_file(password_file)?)?;
            outln!(
                "administrator {name:?} created. Log in with `nasguard serve`, or make an API token: nasguard token create --admin {name}"
            );
        }
        AdminCmd::Passwd { name, password_file } => {
            ng.admin_password_set(name, &read_secret_file(password_file)?)?;
            outln!("password of {name:?} changed");
        }
        AdminCmd::List => {
            let admins = ng.admins()?;
            if cli.json {
                return show(true, &serde_json::to_value(admins)?);
            }
            for a in admins {
                outln!("{a}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn token(cli: &Cli, cmd: &TokenCmd) -> anyhow::Result<ExitCode> {
    let ng = open(cli)?;
    match cmd {
        TokenCmd::Create { admin, name } => {
            let (id, token) = ng.token_create(admin, name)?;
            if cli.json {
                return show(true, &serde_json::json!({"id": id, "token": token}));
            }
            outln!("{token}");
            eprintln!(
                "token {id} ({name}) for {admin}: shown once, stored only as a hash. Send it as `Authorization: Bearer TOKEN`."
            );
        }
        TokenCmd::List => {
            let tokens = ng.tokens()?;
            if cli.json {
                return show(true, &serde_json::to_value(tokens)?);
            }
            for t in tokens {
                outln!("{:<4} {:<20} {:<16} {}", t.id, t.name, t.admin, t.created);
            }
        }
        TokenCmd::Revoke { id } => {
            ng.token_revoke(*id)?;
            outln!("token {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_secret_file(path: &std::path::Path) -> anyhow::Result<String> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
    };
    Ok(text.lines().next().unwrap_or("").to_string())
}

fn user(cli: &Cli, cmd: &UserCmd) -> anyhow::Result<ExitCode> {
    let mut ng = open(cli)?;
    match cmd {
        UserCmd::Add(a) | UserCmd::Set(a) => {
            let input = nasguard_ops::UserInput {
                name: a.name.clone(),
                password: a.password_file.as_deref().map(read_secret_file).transpose()?,
                ssh_keys: a
                    .ssh_key_file
                    .as_deref()
                    .map(|p| std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display())))
                    .transpose()?,
                smb: a.smb,
                adopt: a.adopt,
            };
            done(cli.json, &format!("user {} set up", a.name), ng.user_set(&input)?)
        }
        UserCmd::List => show(cli.json, &serde_json::to_value(ng.snapshot()?.config.site.users)?),
        UserCmd::Rm { name } => done(cli.json, &format!("user {name} removed"), ng.user_rm(name)?),
    }
}

/// `--fail-on` as a threshold; `none` never fails.
impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::None => None,
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
        }
    }
}
