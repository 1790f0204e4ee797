//! smb.conf.
//!
//! smb.conf keeps the *last* value of a parameter, so auxiliary lines are
//! written first in each section and nasguard's own lines after them: even
//! if validation were bypassed, an auxiliary line could not override a
//! setting nasguard owns.

use crate::{Layout, Writer, yes};
use nasguard_model::Config;
use nasguard_model::smb::{MinProtocol, ServerSigning, SmbShare};

pub fn render(cfg: &Config, layout: &Layout, revision: i64) -> String {
    let svc = &cfg.smb;
    let mut w = Writer::new('#', revision, "nasguard config set smb ... / nasguard share smb ...");
    let guest_shares = cfg.smb_shares.iter().any(|s| s.enabled && s.guestok);
    w.line("[global]");
    aux(&mut w, &svc.smb_options, &[]);
    w.kv("server role", "standalone server");
    w.kv("netbios name", &svc.netbiosname);
    if !svc.netbiosalias.is_empty() {
        w.kv("netbios aliases", &svc.netbiosalias.join(" "));
    }
    w.kv("workgroup", &svc.workgroup);
    w.kv("server string", &svc.description);
    w.kv(
        "server min protocol",
        match svc.minimum_protocol {
            MinProtocol::Smb1 => "NT1",
            MinProtocol::Smb2 => "SMB2_02",
            MinProtocol::Smb3 => "SMB3_00",
        },
    );
    w.kv("ntlm auth", if svc.ntlmv1_auth { "ntlmv1-permitted" } else { "ntlmv2-only" });
    // lanman auth is "no" by default and deprecated in Samba 4.17: not written.
    w.kv("server signing", if svc.server_signing == ServerSigning::Mandatory { "mandatory" } else { "default" });
    w.kv("client signing", "mandatory");
    w.kv("server smb encrypt", svc.encryption.samba_value());
    w.kv("restrict anonymous", if guest_shares { "0" } else { "2" });
    w.kv("map to guest", if guest_shares { "Bad User" } else { "Never" });
    w.kv("guest account", &svc.guest);
    w.kv("unix charset", &svc.unixcharset);
    w.kv("local master", yes(svc.localmaster));
    w.kv("server multi channel support", yes(svc.multichannel));
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
    let path = purpose.iter().find(|(k, _)| *k == "path").map(|(_, v)| v.clone()).unwrap_or_else(|| share.path.clone());
    w.kv("path", &path);
    if !share.comment.is_empty() {
        w.kv("comment", &share.comment);
    }
    w.kv("read only", yes(share.readonly));
    w.kv("browseable", yes(share.browsable));
    w.kv("guest ok", yes(share.guestok));
    w.kv("access based share enum", yes(share.abe));
    if !share.hostsallow.is_empty() {
        w.kv("hosts allow", &share.hostsallow.join(" "));
    }
    if !share.hostsdeny.is_empty() {
        w.kv("hosts deny", &share.hostsdeny.join(" "));
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
