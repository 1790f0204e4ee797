//! smb.conf.
//!
//! smb.conf keeps the *last* value of a parameter, so auxiliary lines are
//! written first in each section and nasguard's own lines after them: even
//! if validation were bypassed, an auxiliary line could not override a
//! setting nasguard owns.

use crate::{Layout, Writer};
use nasguard_model::Config;
use nasguard_model::keywords::smb::{SMB_GLOBAL, SMB_SHARE};
use nasguard_model::smb::SmbShare;

pub fn render(cfg: &Config, layout: &Layout) -> String {
    let svc = &cfg.smb;
    let mut w = Writer::new('#', "nasguard config set smb ... / nasguard share smb ...");
    let guest_shares = cfg.smb_shares.iter().any(|s| s.enabled && s.guestok);
    w.line("[global]");
    aux(&mut w, &svc.smb_options, &[]);
    w.kv("server role", "standalone server");
    // The fields, as the Samba table spells them (`keywords::smb`).
    for row in SMB_GLOBAL.rows {
        for (key, value) in row.rendered(svc) {
            w.kv(key, &value);
        }
    }
    if !svc.netbiosalias.is_empty() {
        w.kv("netbios aliases", &svc.netbiosalias.join(" "));
    }
    w.kv("client signing", "mandatory");
    w.kv("restrict anonymous", if guest_shares { "0" } else { "2" });
    w.kv("map to guest", if guest_shares { "Bad User" } else { "Never" });
    w.kv("unix charset", &svc.unixcharset);
    if svc.filemask != "DEFAULT" {
        w.kv("create mask", &svc.filemask);
    }
    if svc.dirmask != "DEFAULT" {
        w.kv("directory mask", &svc.dirmask);
    }
    if svc.syslog {
        w.kv("logging", "syslog@1 file");
    }
    w.kv("load printers", "no");
    w.kv("printing", "bsd");
    w.kv("printcap name", "/dev/null");
    w.kv("disable spoolss", "yes");
    w.kv("disable netbios", "yes");
    w.kv("smb ports", &layout.ports.smb.to_string());
    let interfaces: Vec<String> = if layout.is_sandbox() {
        vec![layout.bind.to_string()]
    } else {
        svc.bindip.iter().map(ToString::to_string).collect()
    };
    if !interfaces.is_empty() {
        w.kv("interfaces", &interfaces.join(" "));
        w.kv("bind interfaces only", "yes");
    }
    if layout.is_sandbox() {
        let d = layout.samba_dir();
        let p = |s: &str| d.join(s).display().to_string();
        w.kv("lock directory", &p("lock"));
        w.kv("state directory", &p("state"));
        w.kv("cache directory", &p("cache"));
        w.kv("pid directory", &p("pid"));
        w.kv("private dir", &p("private"));
        w.kv("ncalrpc dir", &p("ncalrpc"));
        w.kv("binddns dir", &p("bind-dns"));
        w.kv("log file", &layout.log_dir().join("smbd.log").display().to_string());
        w.kv("passdb backend", &format!("tdbsam:{}", p("private/passdb.tdb")));
    }
    for share in cfg.smb_shares.iter().filter(|s| s.enabled) {
        w.blank();
        render_share(&mut w, share, cfg);
    }
    w.finish()
}

fn render_share(w: &mut Writer, share: &SmbShare, cfg: &Config) {
    w.line(&format!("[{}]", share.name));
    aux(w, &share.auxsmbconf, &["invalid users"]);
    let purpose = share.purpose_parameters(&cfg.smb);
    // A purpose may extend the path (PRIVATE_DATASETS_SHARE: the per-user directory).
    let mut fields = share.clone();
    if let Some((_, path)) = purpose.iter().find(|(k, _)| *k == "path") {
        fields.path = path.clone();
    }
    // The fields, as the Samba table spells them (`keywords::smb`).
    for row in SMB_SHARE.rows {
        for (key, value) in row.rendered(&fields) {
            w.kv(key, &value);
        }
    }
    // root is always invalid (SMB-012); names the admin made invalid, in
    // [global] or on the share, are kept beside it rather than overridden.
    let mut invalid = vec!["root".to_string()];
    for text in [&cfg.smb.smb_options, &share.auxsmbconf] {
        for name in nasguard_model::smb_invalid_users(text).unwrap_or_default() {
            if !invalid.contains(&name) {
                invalid.push(name);
            }
        }
    }
    w.kv("invalid users", &invalid.join(" "));
    w.kv("ea support", "yes");
    for (k, v) in purpose.iter().filter(|(k, _)| *k != "path") {
        w.kv(k, v);
    }
}

/// The auxiliary lines of a section, but the `merged` ones nasguard writes
/// itself with the admin's values folded in.
fn aux(w: &mut Writer, text: &str, merged: &[&str]) {
    let (lines, _) = nasguard_model::parse_smb_aux(text);
    let lines: Vec<_> = lines.into_iter().filter(|l| !merged.contains(&l.key.as_str())).collect();
    if lines.is_empty() {
        return;
    }
    w.comment("auxiliary parameters (before nasguard's lines, which win)");
    for l in lines {
        w.kv(&l.key, &l.value);
    }
}
