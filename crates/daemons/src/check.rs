//! Checks a candidate config before it replaces the live one: with the
//! daemon's own checker where one exists (`testparm -s`, `sshd -t`,
//! `exportfs` in a private namespace, `nft -c`), and with nasguard's own
//! structural check for Ganesha, tgt and LIO, which accept garbage silently
//! (an unknown Ganesha parameter is only logged; an unknown tgt directive is
//! ignored; `targetctl restore` skips what it cannot create and exits 0).

use crate::{DaemonError, Result, need};
use nasguard_model::Service;
use nasguard_render::FileKind;
use std::path::Path;
use std::process::Command;

fn rejected(service: Service, tool: &str, output: String) -> DaemonError {
    DaemonError::Rejected { service, tool: tool.into(), output: output.trim().to_string() }
}

/// Runs the checker for a file of `kind` over the candidate file `path`.
/// (Kernel exports are checked as a set, with [`exports`].)
pub fn check(kind: FileKind, path: &Path) -> Result<()> {
    match kind {
        FileKind::SmbConf => testparm(path),
        FileKind::SshdConfig => sshd_t(path),
        FileKind::GaneshaConf => {
            ganesha_structure(&read(path)?).map_err(|m| rejected(Service::Nfs, "nasguard's ganesha.conf check", m))
        }
        FileKind::Exports => exports(path, None, &[]),
        FileKind::Absorbed => Ok(()),
        FileKind::TgtConf => {
            tgt_structure(&read(path)?).map_err(|m| rejected(Service::Iscsi, "nasguard's targets.conf check", m))
        }
        FileKind::LioConfig => crate::lio::check(&read(path)?),
        FileKind::Firewall => nft_check(path),
        FileKind::FirewallUnit => Ok(()),
    }
}

/// `exportfs -ra` over the candidate exports, in a mount and network
/// namespace of its own: it reads `/etc/exports` (or `main`, the candidate
/// that replaces it) and `/etc/exports.d/*.exports` with `ours` as
/// `nasguard.exports`, and records what it exported in a private
/// `/var/lib/nfs`, so the host's exports and files are untouched whatever
/// the candidate holds. `skip`: other `exports.d` files nasguard absorbed
/// (their stubs hold no exports). exportfs refuses bad lines (an unknown
/// option, a path that does not exist) with exit 1.
pub fn exports(ours: &Path, main: Option<&Path>, skip: &[String]) -> Result<()> {
    const SCRIPT: &str = r#"set -eu
mount --make-rprivate /
mount -t tmpfs nasguard-check /var/lib/nfs
mkdir /var/lib/nfs/d
ours=$1 main=$2
shift 2
for f in /etc/exports.d/*.exports; do
  b=$(basename "$f")
  [ -f "$f" ] && [ "$b" != nasguard.exports ] || continue
  for s in "$@"; do [ "$s" = "$b" ] && continue 2; done
  cp "$f" /var/lib/nfs/d/
done
cp "$ours" /var/lib/nfs/d/nasguard.exports
mkdir -p /etc/exports.d
mount --bind /var/lib/nfs/d /etc/exports.d
if [ -n "$main" ]; then mount --bind "$main" /etc/exports; fi
exportfs -ra
"#;
    let exportfs = need(Service::Nfs, "exportfs")?;
    let unshare = need(Service::Nfs, "unshare")?;
    let mut cmd = Command::new(unshare);
    cmd.args(["--mount", "--net", "--", "sh", "-c", SCRIPT, "nasguard-exports-check"]).arg(ours);
    cmd.arg(main.map(|m| m.as_os_str().to_owned()).unwrap_or_default());
    cmd.args(skip);
    if let Some(dir) = exportfs.parent() {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![dir.to_path_buf()];
        dirs.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(dirs).unwrap_or(path));
    }
    let (ok, text) = run(Service::Nfs, cmd)?;
    if !ok {
        return Err(rejected(Service::Nfs, "exportfs", text));
    }
    Ok(())
}

/// `nft -c -f`: the candidate table is parsed and checked against the
/// kernel, nothing is loaded.
fn nft_check(path: &Path) -> Result<()> {
    let mut cmd = Command::new(need(Service::Iscsi, "nft")?);
    cmd.arg("-c").arg("-f").arg(path);
    let (ok, text) = run(Service::Iscsi, cmd)?;
    if !ok {
        return Err(rejected(Service::Iscsi, "nft -c", text));
    }
    Ok(())
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| DaemonError::Io { path: path.to_path_buf(), source })
}

fn run(service: Service, mut cmd: Command) -> Result<(bool, String)> {
    let out = cmd.output().map_err(|e| DaemonError::Failed { service, message: format!("cannot run {cmd:?}: {e}") })?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Ok((out.status.success(), text))
}

/// `testparm -s`: its exit code for bad values, and its stderr for unknown
/// parameters, which only warn (exit code 0).
fn testparm(path: &Path) -> Result<()> {
    let mut cmd = Command::new(need(Service::Smb, "testparm")?);
    cmd.arg("-s").arg(path);
    let out = cmd.output().map_err(|e| DaemonError::Failed { service: Service::Smb, message: e.to_string() })?;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let bad: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            let l = l.to_lowercase();
            l.contains("unknown parameter") || l.contains("invalid") || l.contains("error")
        })
        .collect();
    if !out.status.success() || !bad.is_empty() {
        let shown = if bad.is_empty() { stderr.clone() } else { bad.join("\n") };
        return Err(rejected(Service::Smb, "testparm -s", shown));
    }
    vfs_modules_installed(&read(path)?)
}

/// The VFS modules `text` names (`vfs objects = ...`).
fn vfs_modules(text: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else { continue };
        let key: Vec<&str> = key.split_whitespace().collect();
        if key.len() == 2
            && key[0].eq_ignore_ascii_case("vfs")
            && matches!(key[1].to_lowercase().as_str(), "objects" | "object")
        {
            for m in value.split([' ', ',', '\t']).filter(|m| !m.is_empty()) {
                if !out.iter().any(|o| o == m) {
                    out.push(m.to_string());
                }
            }
        }
    }
    out
}

/// testparm accepts any VFS module name, and smbd only finds a missing one
/// when a client connects ("vfs_init failed", the share answers
/// NT_STATUS_BAD_NETWORK_NAME). Debian ships most modules (streams_xattr,
/// fruit, catia, worm...) in samba-vfs-modules, which samba only recommends:
/// each module must be built in (`smbd -b`) or under MODULESDIR/vfs.
fn vfs_modules_installed(text: &str) -> Result<()> {
    let wanted = vfs_modules(text);
    if wanted.is_empty() {
        return Ok(());
    }
    let mut cmd = Command::new(need(Service::Smb, "smbd")?);
    cmd.arg("-b");
    let (_, build) = run(Service::Smb, cmd)?;
    let mut lines = build.lines();
    let mut dir = std::path::PathBuf::from("/usr/lib/x86_64-linux-gnu/samba");
    let mut builtin: Vec<String> = vec![];
    while let Some(l) = lines.next() {
        let t = l.trim();
        if let Some(d) = t.strip_prefix("MODULESDIR:") {
            dir = std::path::PathBuf::from(d.trim());
        }
        if t.starts_with("Builtin modules") {
            builtin = lines.next().unwrap_or("").split_whitespace().map(String::from).collect();
        }
    }
    let missing: Vec<String> = wanted
        .into_iter()
        .filter(|m| !builtin.contains(&format!("vfs_{m}")) && !dir.join("vfs").join(format!("{m}.so")).is_file())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(rejected(
        Service::Smb,
        "nasguard's VFS module check",
        format!(
            "VFS module(s) {} not installed under {} (smbd would refuse every share using them); on Debian: apt install samba-vfs-modules",
            missing.join(", "),
            dir.join("vfs").display()
        ),
    ))
}

fn sshd_t(path: &Path) -> Result<()> {
    // sshd refuses to even check a config without its privilege-separation
    // directory.
    let _ = std::fs::create_dir_all("/run/sshd");
    let mut cmd = Command::new(need(Service::Ssh, "sshd")?);
    cmd.arg("-t").arg("-f").arg(path);
    let (ok, text) = run(Service::Ssh, cmd)?;
    if !ok {
        return Err(rejected(Service::Ssh, "sshd -t", text));
    }
    Ok(())
}

/// Ganesha's grammar: `Name { ... }` blocks holding `Key = value;`
/// statements (and nested blocks). Everything nasguard writes must parse.
pub fn ganesha_structure(text: &str) -> std::result::Result<(), String> {
    let mut depth = 0usize;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut rest = line;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('}') {
                depth = depth.checked_sub(1).ok_or(format!("line {}: unexpected }}", n + 1))?;
                rest = after.trim_start();
            } else if let Some((name, after)) =
                rest.split_once('{').filter(|(name, _)| !name.contains('=') && !name.contains(';'))
            {
                if !name.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name.trim().is_empty() {
                    return Err(format!("line {}: bad block name {:?}", n + 1, name.trim()));
                }
                depth += 1;
                rest = after.trim_start();
            } else if let Some((stmt, after)) = rest.split_once(';') {
                let Some((key, value)) = stmt.split_once('=') else {
                    return Err(format!("line {}: expected Key = value; got {stmt:?}", n + 1));
                };
                if depth == 0 || key.trim().is_empty() || value.trim().is_empty() || value.matches('"').count() % 2 != 0
                {
                    return Err(format!("line {}: bad statement {stmt:?}", n + 1));
                }
                rest = after.trim_start();
            } else {
                return Err(format!("line {}: unterminated statement {rest:?}", n + 1));
            }
        }
    }
    if depth != 0 {
        return Err(format!("{depth} block(s) not closed"));
    }
    Ok(())
}

const TGT_GLOBAL: [&str; 4] = ["default-driver", "incomingdiscoveryuser", "outgoingdiscoveryuser", "include"];
const TGT_TARGET: [&str; 6] =
    ["initiator-address", "initiator-name", "incominguser", "outgoinguser", "driver", "controller_tid"];
const TGT_STORE: [&str; 5] = ["lun", "scsi_sn", "block-size", "readonly", "scsi_id"];

/// targets.conf: balanced `<target>`/`<backing-store>` blocks and only the
/// directives nasguard writes.
pub fn tgt_structure(text: &str) -> std::result::Result<(), String> {
    let mut stack: Vec<&str> = vec![];
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |m: String| format!("line {}: {m}", n + 1);
        if let Some(close) = line.strip_prefix("</").and_then(|l| l.strip_suffix('>')) {
            match stack.pop() {
                Some(open) if open == close => {}
                other => return Err(at(format!("</{close}> closes {other:?}"))),
            }
        } else if let Some(open) = line.strip_prefix('<').and_then(|l| l.strip_suffix('>')) {
            let (kind, arg) = open.split_once(' ').ok_or_else(|| at(format!("<{open}> needs an argument")))?;
            let ok = matches!((stack.last().copied(), kind), (None, "target") | (Some("target"), "backing-store"));
            if !ok || arg.trim().is_empty() || arg.contains(char::is_whitespace) {
                return Err(at(format!("unexpected <{open}>")));
            }
            stack.push(kind);
        } else {
            let word = line.split_whitespace().next().unwrap_or("");
            let allowed: &[&str] = match stack.last() {
                None => &TGT_GLOBAL,
                Some(&"target") => &TGT_TARGET,
                _ => &TGT_STORE,
            };
            if !allowed.contains(&word) || line.split_whitespace().count() < 2 {
                return Err(at(format!("unexpected directive {line:?}")));
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("<{open}> not closed"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vfs_objects_are_read_from_every_section() {
        let text =
            "[a]\n\tvfs objects = catia fruit streams_xattr\n[b]\n   VFS Object = streams_xattr  worm\n path = /x\n";
        assert_eq!(vfs_modules(text), ["catia", "fruit", "streams_xattr", "worm"]);
        assert!(vfs_modules("[a]\n path = /vfs objects\n").is_empty());
    }

    #[test]
    fn ganesha_structure_accepts_blocks_and_refuses_garbage() {
        assert!(ganesha_structure("NFS_CORE_PARAM {\n  NFS_Port = 2049;\n}\nEXPORT {\n  Path = \"/a b\";\n  FSAL { Name = VFS; }\n  CLIENT {\n Clients = 10.0.0.0/8, h;\n }\n}\n").is_ok());
        for bad in [
            "EXPORT {\n Path = \"/a\";\n",
            "Path = \"/a\";\n",
            "EXPORT {\n Path \"/a\";\n}\n",
            "EXPORT {\n Path = \"/a;\n}\n",
            "}\n",
        ] {
            assert!(ganesha_structure(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tgt_structure_accepts_what_nasguard_writes() {
        let ok = "default-driver iscsi\nincomingdiscoveryuser u s\n<target iqn.x:y>\n  <backing-store /a>\n    lun 1\n  </backing-store>\n  initiator-address 10.0.0.0/8\n  incominguser u s\n</target>\n";
        assert!(tgt_structure(ok).is_ok());
        for bad in [
            "<target a>\n",
            "</target>\n",
            "<target a>\n bogus x\n</target>\n",
            "<target a b>\n</target>\n",
            "<backing-store /a>\n</backing-store>\n",
        ] {
            assert!(tgt_structure(bad).is_err(), "{bad:?}");
        }
    }
}
