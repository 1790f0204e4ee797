//! ganesha.conf: `Name { Key = value; ... Sub { ... } }` blocks, `#`
//! comments, double-quoted strings, comma-separated values.

use crate::{Diag, Loc};
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub key: String,
    pub value: String,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    pub name: String,
    pub loc: Option<Loc>,
    pub params: Vec<Param>,
    pub blocks: Vec<Block>,
}

impl Block {
    /// A parameter's value, keys compared case-insensitively, quotes removed.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|p| p.key.eq_ignore_ascii_case(key)).map(|p| p.value.as_str())
    }

    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug)]
enum Tok {
    Word(String, usize),
    Str(String, usize),
    Open(usize),
    Close(usize),
    Eq(usize),
    Semi(usize),
}

fn lex(text: &str) -> Vec<Tok> {
    let mut out = vec![];
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => {
                while chars.peek().is_some_and(|c| *c != '\n') {
                    chars.next();
                }
            }
            '{' => out.push(Tok::Open(line)),
            '}' => out.push(Tok::Close(line)),
            '=' => out.push(Tok::Eq(line)),
            ';' => out.push(Tok::Semi(line)),
            '"' => {
                let mut s = String::new();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    if c == '\n' {
                        line += 1;
                    }
                    s.push(c);
                }
                out.push(Tok::Str(s, line));
            }
            c => {
                let mut s = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || "{}=;\"#".contains(n) {
                        break;
                    }
                    s.push(n);
                    chars.next();
                }
                out.push(Tok::Word(s, line));
            }
        }
    }
    out
}

/// The top level as a block named "" whose children are the file's blocks.
pub fn parse(text: &str, file: &Path) -> (Block, Vec<Diag>) {
    let toks = lex(text);
    let mut diags = vec![];
    let mut stack: Vec<Block> = vec![Block::default()];
    let mut i = 0;
    let loc = |line: usize| Loc { file: file.to_path_buf(), line };
    while i < toks.len() {
        match (&toks[i], toks.get(i + 1)) {
            (Tok::Word(name, l), Some(Tok::Open(_))) => {
                stack.push(Block { name: name.clone(), loc: Some(loc(*l)), ..Default::default() });
                i += 2;
            }
            (Tok::Word(key, l), Some(Tok::Eq(_))) => {
                let mut values = vec![];
                let mut j = i + 2;
                while let Some(t) = toks.get(j) {
                    match t {
                        Tok::Word(v, _) | Tok::Str(v, _) => values.push(v.clone()),
                        _ => break,
                    }
                    j += 1;
                }
                if !matches!(toks.get(j), Some(Tok::Semi(_))) {
                    diags.push(Diag { loc: loc(*l), message: format!("{key}: missing ';'") });
                }
                let value = values.join(" ").split(',').map(str::trim).collect::<Vec<_>>().join(", ");
                if let Some(top) = stack.last_mut() {
                    top.params.push(Param { key: key.clone(), value, loc: loc(*l) });
                }
                i = j + 1;
            }
            (Tok::Close(l), _) => {
                if stack.len() > 1 {
                    if let (Some(done), Some(parent)) = (stack.pop(), stack.last_mut()) {
                        parent.blocks.push(done);
                    }
                } else {
                    diags.push(Diag { loc: loc(*l), message: "unexpected '}'".into() });
                }
                i += 1;
            }
            (t, _) => {
                let line = match t {
                    Tok::Word(_, l) | Tok::Str(_, l) | Tok::Open(l) | Tok::Close(l) | Tok::Eq(l) | Tok::Semi(l) => *l,
                };
                diags.push(Diag { loc: loc(line), message: format!("unexpected {t:?}") });
                i += 1;
            }
        }
    }
    while stack.len() > 1 {
        if let (Some(done), Some(parent)) = (stack.pop(), stack.last_mut()) {
            diags.push(Diag {
                loc: done.loc.clone().unwrap_or(loc(0)),
                message: format!("block {} not closed", done.name),
            });
            parent.blocks.push(done);
        }
    }
    (stack.pop().unwrap_or_default(), diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_values() {
        let (top, diags) = parse(
            "NFS_CORE_PARAM { NFS_Port = 2049; Protocols = 3, 4; }\n# c\nEXPORT {\n Export_Id = 1;\n Path = \"/a b\";\n CLIENT { Clients = 10.0.0.0/8, h1; Access_Type = RW; }\n}\n",
            Path::new("g.conf"),
        );
        assert!(diags.is_empty(), "{diags:?}");
        let e = top.children("export").next().unwrap();
        assert_eq!(e.get("path"), Some("/a b"));
        assert_eq!(e.children("client").next().unwrap().get("Clients"), Some("10.0.0.0/8, h1"));
        assert_eq!(top.children("NFS_CORE_PARAM").next().unwrap().get("protocols"), Some("3, 4"));
        assert_eq!(e.loc.as_ref().unwrap().line, 3);
    }

    #[test]
    fn garbage_gives_diagnostics_not_panics() {
        let (_, d) = parse("}{;=\"\nEXPORT { Path = ", Path::new("x"));
        assert!(!d.is_empty());
    }
}
