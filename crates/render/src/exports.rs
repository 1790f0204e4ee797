//! Kernel nfsd exports (`/etc/exports.d/nasguard.exports`), exports(5).

use crate::ganesha::{sec_types, squash};
use crate::{Ids, RenderError, Writer};
use nasguard_model::Config;
use nasguard_model::keywords::nfs::{EXPORTS_ACCESS, EXPORTS_SQUASH};
use nasguard_model::keywords::spelling;

pub fn render(cfg: &Config, ids: &Ids) -> Result<String, RenderError> {
    let mut w = Writer::new('#', "nasguard share nfs ...");
    for share in cfg.nfs_shares.iter().filter(|s| s.enabled) {
        let (squash, uid, gid) = squash(share, ids)?;
        let mut opts = vec![spelling(EXPORTS_ACCESS, share.ro).unwrap_or_default().to_string()];
        opts.push(format!("sec={}", sec_types(share, cfg).join(":")));
        opts.push(spelling(EXPORTS_SQUASH, squash).unwrap_or_default().to_string());
        if let Some(uid) = uid {
            opts.push(format!("anonuid={uid}"));
        }
        if let Some(gid) = gid {
            opts.push(format!("anongid={gid}"));
        }
        if cfg.nfs.allow_nonroot {
            opts.push("insecure".into());
        }
        opts.push("no_subtree_check".into());
        let opts = opts.join(",");
        let clients: Vec<String> = if share.open_to_everyone() {
            vec![format!("*({opts})")]
        } else {
            share
                .networks
                .iter()
                .map(ToString::to_string)
                .chain(share.hosts.iter().cloned())
                .map(|c| format!("{c}({opts})"))
                .collect()
        };
        // Paths are quoted: exports(5) allows spaces inside quotes.
        w.line(&format!("\"{}\" {}", share.path, clients.join(" ")));
    }
    Ok(w.finish())
}
