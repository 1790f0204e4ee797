//! Kernel nfsd exports, exports(5): `path client(opts) client(opts) ...`,
//! `#` comments, `\` continuation, quoted paths, `-opts` defaults for the
//! line, and a client without a host (`(opts)` or a bare path) meaning
//! every host.

use crate::{Diag, Loc};
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    /// `*` for "every host" (an empty host in the file).
    pub host: String,
    pub options: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub path: String,
    pub loc: Loc,
    pub clients: Vec<Client>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exports {
    pub exports: Vec<Export>,
    pub diags: Vec<Diag>,
}

/// Splits on whitespace outside double quotes.
fn words(line: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn options(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|o| !o.is_empty()).map(String::from).collect()
}

pub fn parse(text: &str, file: &Path, into: &mut Exports) {
    let mut pending = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if pending.is_empty() {
            start = i + 1;
        }
        let line = raw.split('#').next().unwrap_or("").trim_end();
        if let Some(cont) = line.strip_suffix('\\') {
            pending.push_str(cont);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let full = std::mem::take(&mut pending);
        let loc = Loc { file: file.to_path_buf(), line: start };
        let w = words(&full);
        let Some((path, rest)) = w.split_first() else { continue };
        if !path.starts_with('/') {
            into.diags.push(Diag { loc, message: format!("export path must be absolute: {path:?}") });
            continue;
        }
        let mut defaults: Vec<String> = vec![];
        let mut clients = vec![];
        for word in rest {
            if let Some(d) = word.strip_prefix('-') {
                defaults = options(d);
                continue;
            }
            let (host, opts) = match word.split_once('(') {
                Some((h, o)) => (h, options(o.trim_end_matches(')'))),
                None => (word.as_str(), vec![]),
            };
            let mut all = defaults.clone();
            all.extend(opts);
            clients.push(Client { host: if host.is_empty() { "*".into() } else { host.into() }, options: all });
        }
        if clients.is_empty() {
            clients.push(Client { host: "*".into(), options: defaults });
        }
        into.exports.push(Export { path: path.clone(), loc, clients });
    }
}

pub fn parse_text(text: &str) -> Exports {
    let mut e = Exports::default();
    parse(text, Path::new("/etc/exports"), &mut e);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_syntax() {
        let e = parse_text(
            "# c\n\"/srv/a b\" 10.0.0.0/8(rw,no_root_squash) host1 \\\n  (ro)\n/srv/b\n/srv/c -ro,sec=sys *.lan(insecure)\n",
        );
        assert_eq!(e.exports.len(), 3);
        let a = &e.exports[0];
        assert_eq!(a.path, "/srv/a b");
        assert_eq!(
            a.clients[0],
            Client { host: "10.0.0.0/8".into(), options: vec!["rw".into(), "no_root_squash".into()] }
        );
        assert_eq!(a.clients[2].host, "*");
        assert_eq!(e.exports[1].clients[0].host, "*");
        assert_eq!(e.exports[2].clients[0].options, vec!["ro", "sec=sys", "insecure"]);
    }
}
