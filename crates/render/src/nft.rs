//! nasguard's own firewall table (`table inet nasguard`) for what the
//! daemons cannot enforce themselves (see `model::iscsi_networks`), and the
//! systemd unit that loads it at boot.
//!
//! The file replaces the whole table in one `nft -f` transaction (create,
//! delete, create again: the first line makes the delete valid when the
//! table does not exist yet), so it is applied atomically and never touches
//! another table. Its chain only rejects: an accepted packet still passes
//! every other table's chains, so the admin's own rules keep their say.

use crate::{Layout, Writer};
use nasguard_model::Config;
use nasguard_model::iscsi_networks::portal_networks;
use std::net::IpAddr;

pub const TABLE: &str = "inet nasguard";
pub const UNIT: &str = "nasguard-firewall.service";

pub fn render(cfg: &Config) -> String {
    let mut w = Writer::new('#', "nasguard iscsi initiator set ID auth_network=...");
    w.line(&format!("table {TABLE} {{}}"));
    w.line(&format!("delete table {TABLE}"));
    w.line(&format!("table {TABLE} {{"));
    w.line("    chain input {");
    // Before the usual filter chains (priority 0): nothing here accepts
    // for them, it only rejects what the model does not admit.
    w.line("        type filter hook input priority filter - 10; policy accept;");
    for p in portal_networks(&cfg.iscsi) {
        let Some(allowed) = &p.allowed else {
            w.line(&format!("        # iSCSI {}:{}: not narrowed (a target there admits every network)", p.ip, p.port));
            continue;
        };
        w.line(&format!("        # iSCSI {}:{}: {}", p.ip, p.port, p.targets.join(", ")));
        let dest = match p.ip {
            IpAddr::V4(a) if !a.is_unspecified() => format!("ip daddr {a} "),
            IpAddr::V6(a) if !a.is_unspecified() => format!("ip6 daddr {a} "),
            _ => String::new(),
        };
        let v4: Vec<String> =
            allowed.iter().filter(|n| matches!(n, ipnet::IpNet::V4(_))).map(|n| n.to_string()).collect();
        let v6: Vec<String> =
            allowed.iter().filter(|n| matches!(n, ipnet::IpNet::V6(_))).map(|n| n.to_string()).collect();
        if !v4.is_empty() {
            w.line(&format!("        {dest}tcp dport {} ip saddr {{ {} }} accept", p.port, v4.join(", ")));
        }
        if !v6.is_empty() {
            w.line(&format!("        {dest}tcp dport {} ip6 saddr {{ {} }} accept", p.port, v6.join(", ")));
        }
        w.line(&format!("        {dest}tcp dport {} reject with tcp reset", p.port));
    }
    w.line("    }");
    w.line("}");
    w.finish()
}

/// The unit that loads the table at boot, before the iSCSI targets open
/// their portals, and again whenever nftables.service reloads (its
/// `flush ruleset` would drop the table).
pub fn unit(layout: &Layout) -> String {
    let rules = layout.host_name(&layout.firewall_rules());
    let mut w = Writer::new('#', "nasguard apply");
    w.line("[Unit]");
    w.line("Description=nasguard firewall rules (table inet nasguard)");
    w.line("DefaultDependencies=no");
    w.line("Wants=network-pre.target");
    w.line("Before=network-pre.target shutdown.target rtslib-fb-targetctl.service tgt.service");
    w.line("After=nftables.service");
    w.line("Conflicts=shutdown.target");
    w.line("PartOf=nftables.service");
    w.line("ReloadPropagatedFrom=nftables.service");
    w.line("");
    w.line("[Service]");
    w.line("Type=oneshot");
    w.line("RemainAfterExit=yes");
    w.line(&format!("ExecStart=/usr/sbin/nft -f {}", rules.display()));
    w.line(&format!("ExecReload=/usr/sbin/nft -f {}", rules.display()));
    w.line(&format!("ExecStop=-/usr/sbin/nft delete table {TABLE}"));
    w.line("");
    w.line("[Install]");
    w.line("WantedBy=sysinit.target");
    w.finish()
}
