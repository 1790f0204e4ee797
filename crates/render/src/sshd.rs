//! sshd_config.
//!
//! sshd keeps the *first* value of a keyword. nasguard's lines come first:
//! the fields as the sshd table spells them (`keywords::sshd::SSHD`), then
//! the deployment's; then the auxiliary options (which validation keeps off
//! nasguard's keywords), then `Match` blocks, which must be last. A hardened
//! default (`keywords::sshd::HARDENED`) is written only when no option sets
//! the keyword, so the admin's option is the one sshd uses.

use crate::{Layout, Writer};
use nasguard_model::Config;
use nasguard_model::keywords::sshd::{HARDENED, SSHD};
use nasguard_model::ssh::parse_options;
use nasguard_model::ssh_keywords::check_option;

pub fn render(cfg: &Config, layout: &Layout) -> String {
    let mut w = Writer::new('#', "nasguard config set ssh ...");
    // A sandbox listens on a port of its own.
    let mut fields = cfg.ssh.clone();
    if layout.is_sandbox() {
        fields.tcpport = layout.ports.ssh;
    }
    for row in SSHD.rows {
        for (keyword, value) in row.rendered(&fields) {
            w.line(&format!("{keyword} {value}"));
        }
    }
    let s = &cfg.ssh;
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
        // The users' own keys keep working; nasguard's are in root's directory.
        w.line(&format!("AuthorizedKeysFile .ssh/authorized_keys {}/%u", layout.authorized_keys_dir().display()));
        w.line("UsePAM yes");
    }
    w.line("PubkeyAuthentication yes");
    let level = if s.sftp_log_level.is_empty() { "ERROR" } else { &s.sftp_log_level };
    let facility = if s.sftp_log_facility.is_empty() { "AUTH" } else { &s.sftp_log_facility };
    w.line(&format!("Subsystem sftp internal-sftp -l {level} -f {facility}"));
    w.line("UseDNS no");
    w.line("PrintMotd no");
    w.line("VersionAddendum none");
    let (options, _) = parse_options(&s.options);
    for h in HARDENED {
        if !options.iter().any(|o| o.keyword.eq_ignore_ascii_case(h.keyword)) {
            w.line(&format!("{} {}", h.keyword, h.nasguard));
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
