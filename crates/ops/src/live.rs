//! `audit --live`: probe this machine's own services where the stored
//! deployment says they listen, judge what the wire shows with the same
//! rules, and report where intent (the store) and the wire disagree.

use crate::{Nasguard, OpsError, Result};
use nasguard_model::Service;
use nasguard_policy::{Finding, Severity, audit_live, find_rule};
use nasguard_probe::{ProbeResult, Target};
use nasguard_report::Report;
use serde::Serialize;
use std::time::Duration;

/// One place where the stored config and the wire disagree.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Drift {
    pub rule: String,
    pub service: Service,
    /// The config audit raises the rule.
    pub config: bool,
    /// The live probe raises it.
    pub live: bool,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveAudit {
    pub report: Report,
    pub drift: Vec<Drift>,
    pub probes: Vec<ProbeResult>,
}

impl LiveAudit {
    /// The findings contract plus the drift and each probe's outcome.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = nasguard_report::to_json(&self.report);
        v["drift"] = serde_json::to_value(&self.drift).unwrap_or_default();
        v["probes"] = serde_json::to_value(&self.probes).unwrap_or_default();
        v
    }
}

impl Nasguard {
    pub fn audit_live(&self, timeout: Duration) -> Result<LiveAudit> {
        let layout = self.layout()?;
        let sup = self.supervisor()?;
        let host = layout.bind.to_string();
        let probe_host = if host == "0.0.0.0" {
            "127.0.0.1".to_string()
        } else if host == "::" {
            "::1".to_string()
        } else {
            host
        };
        let mut targets = vec![];
        let mut running = vec![];
        for s in Service::ALL {
            let st = sup.status(s)?;
            let port = match s {
                Service::Nfs => 111,
                Service::Ssh => layout.ports.ssh,
                Service::Smb => layout.ports.smb,
                Service::Iscsi => layout.ports.iscsi,
            };
            if st.running {
                running.push(s);
            }
            targets.push(Target { service: s, host: probe_host.clone(), port });
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| OpsError::Internal(format!("cannot start the probe runtime: {e}")))?;
        let probes = runtime.block_on(nasguard_probe::scan(targets, 8, timeout, std::sync::Arc::new(|_, _| {})));
        let config = self.audit()?;
        let mut findings: Vec<Finding> = config.findings.clone();
        let mut live: Vec<Finding> = vec![];
        let exposure = find_rule("GEN-001").map(|r| r.info);
        for p in &probes {
            let answered = p.observed.is_some();
            let service = p.target.service;
            if answered && !running.contains(&service) && service != Service::Nfs {
                // Something speaks the protocol where the store says the
                // service is stopped.
                if let Some(info) = &exposure {
                    let mut f = info.live_finding(
                        &p.target.url(),
                        Severity::High,
                        &format!(
                            "{service} answers on {} although nasguard's {service} service is stopped",
                            p.target.url()
                        ),
                    );
                    f.service = service;
                    live.push(f);
                }
            }
            if let (Some(o), true) = (&p.observed, running.contains(&service)) {
                live.extend(audit_live(o, &p.target.url()));
            }
        }
        let mut drift = vec![];
        for f in &live {
            if f.rule != "GEN-001" && !config.findings.iter().any(|c| c.rule == f.rule) {
                drift.push(Drift {
                    rule: f.rule.clone(),
                    service: f.service,
                    config: false,
                    live: true,
                    message: format!("the wire shows {} ({}) but the stored config does not", f.rule, f.message),
                });
            }
        }
        for c in &config.findings {
            let live_rule = find_rule(&c.rule).is_some_and(|r| r.live.is_some());
            if live_rule && running.contains(&c.service) && !live.iter().any(|f| f.rule == c.rule) {
                drift.push(Drift {
                    rule: c.rule.clone(),
                    service: c.service,
                    config: true,
                    live: false,
                    message: format!("the stored config raises {} but the wire does not show it (not applied yet? run `nasguard apply`)", c.rule),
                });
            }
        }
        findings.extend(live);
        Ok(LiveAudit { report: Report::new(findings, config.waived), drift, probes })
    }
}
