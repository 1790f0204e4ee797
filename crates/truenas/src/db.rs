//! The rows of a backup as plain data: what the reader produced, what the
//! mapping reads. Tests build these by hand (no SQLite needed).

use std::collections::BTreeMap;

/// One SQLite value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_string())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Int(i64::from(b))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

/// One table: its column names (as the schema has them) and its rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn new(columns: &[&str]) -> Table {
        Table { columns: columns.iter().map(|c| (*c).to_string()).collect(), rows: vec![] }
    }

    /// Adds a row given as `(column, value)` pairs; columns not named are NULL.
    pub fn push(&mut self, values: Vec<(&str, Value)>) -> &mut Self {
        let mut row = vec![Value::Null; self.columns.len()];
        for (c, v) in values {
            if let Some(i) = self.col(c) {
                row[i] = v;
            }
        }
        self.rows.push(row);
        self
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.col(name).is_some()
    }
}

/// The tables a mapping needs, by name, and the Alembic revision.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Db {
    /// `alembic_version.version_num`; `None` when the table is absent.
    pub alembic: Option<String>,
    pub tables: BTreeMap<String, Table>,
}

impl Db {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }
}
