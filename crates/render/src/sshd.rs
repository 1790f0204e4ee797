//! sshd_config.
//!
//! sshd keeps the *first* value of a keyword. nasguard's lines come first,
//! then the auxiliary options (which validation keeps off nasguard's
//! keywords), then `Match` blocks, which must be last. A hardened default
//! (`HARDENED_DEFAULTS`) is written only when no option sets the keyword, so
//! the admin's option is the one sshd uses.

use crate::{Layout, Writer, yes};
use nasguard_model::Config;
use nasguard_model::ssh::{HARDENED_DEFAULTS, parse_options};
use nasguard_model::ssh_keywords::check_option;

pub fn render(cfg: &Config, layout: &Layout, revision: i64) -> String {
    let s = &cfg.ssh;
    let mut w = Writer::new('#', revision, "nasguard config set ssh ...");
    let port = if layout.is_sandbox() { layout.ports.ssh } else { s.tcpport };
    w.line(&format!("Port {port}"));
    let listen: Vec<String> = if layout.is_sandbox() {
        vec![layout.bind.to_string()]
    } else {
        s.bindip.iter().map(ToString::to_string).collect()
    };
    for ip in listen {
        w.line(&format!("ListenAddress {ip}"));
    }
    for key in layout.ssh_host_keys() {
        w.line(&format!("HostKey {}", key.display()));
    }
    if layout.is_sandbox() {
        w.line(&format!("PidFile {}", layout.run_dir().join("sshd.pid").display()));
        w.line(&format!("AuthorizedKeysFile {}/%u", layout.authorized_keys_dir().display()));
        w.line("UsePAM no");
        // StrictModes refuses keys below any group/world-writable directory,
        // and sandboxes usually live under /tmp (1777). System mode keeps
        // sshd's default (yes).
        w.line("StrictModes no");
    } else {
        w.line("AuthorizedKeysFile .ssh/authorized_keys");
        w.line("UsePAM yes");
    }
    w.line(&format!("PermitRootLogin {}", s.permit_root_login()));
    w.line(&format!("PasswordAuthentication {}", yes(s.passwordauth)));
    w.line(&format!("KbdInteractiveAuthentication {}", yes(s.passwordauth)));
    w.line("PubkeyAuthentication yes");
    w.line(&format!("AllowTcpForwarding {}", yes(s.tcpfwd)));
    w.line(&format!("Compression {}", if s.compression { "delayed" } else { "no" }));
    w.line(&format!("Ciphers {}", s.effective_ciphers().join(",")));
    w.line(&format!("MACs {}", s.macs.join(",")));
    w.line(&format!("KexAlgorithms {}", s.kex_algorithms.join(",")));
    w.line(&format!("HostKeyAlgorithms {}", s.hostkey_algorithms.join(",")));
    w.line(&format!("GSSAPIAuthentication {}", yes(s.kerberosauth)));
    w.line(&format!("KerberosAuthentication {}", yes(s.kerberosauth)));
    let level = if s.sftp_log_level.is_empty() { "ERROR" } else { &s.sftp_log_level };
    let facility = if s.sftp_log_facility.is_empty() { "AUTH" } else { &s.sftp_log_facility };
    w.line(&format!("Subsystem sftp internal-sftp -l {level} -f {facility}"));
    w.line("UseDNS no");
    w.line("PrintMotd no");
    w.line("VersionAddendum none");
    let (options, _) = parse_options(&s.options);
    for (keyword, value) in HARDENED_DEFAULTS {
        if !options.iter().any(|o| o.keyword.eq_ignore_ascii_case(keyword)) {
            w.line(&format!("{keyword} {value}"));
        }
    }
    if !options.is_empty() {
        w.comment("auxiliary parameters");
        // Validation refused the rest already; a store written by an older
        // nasguard is re-validated by apply. This is the last line of defence.
        for o in options.iter().filter(|o| check_option(&o.keyword, &o.args).is_ok()) {
            w.line(&format!("{} {}", o.keyword, o.args));
        }
    }
    if !s.passwordauth && !s.password_login_groups.is_empty() {
        for group in &s.password_login_groups {
            w.line(&format!("Match Group {group}"));
            w.line("    PasswordAuthentication yes");
            w.line("    KbdInteractiveAuthentication yes");
        }
    }
    w.finish()
}
