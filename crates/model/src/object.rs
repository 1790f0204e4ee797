//! What a finding (or a waiver) is about, as a type: `smb`, `smb/share/NAME`,
//! `nfs/share/ID`, `iscsi/portal/ID`, `iscsi/target/NAME`, or a probed host.
//! It is written as that string in JSON, SARIF and the text report (the
//! audit's contract) and parsed back once, here.

use crate::Service;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectRef {
    /// A service's own settings.
    Service(Service),
    SmbShare(String),
    NfsShare(u32),
    IscsiPortal(u32),
    IscsiTarget(String),
    /// A probed host or anything else named by text (live evidence:
    /// `ssh://nas.lan:22`).
    Target(String),
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectRef::Service(s) => f.write_str(s.name()),
            ObjectRef::SmbShare(name) => write!(f, "smb/share/{name}"),
            ObjectRef::NfsShare(id) => write!(f, "nfs/share/{id}"),
            ObjectRef::IscsiPortal(id) => write!(f, "iscsi/portal/{id}"),
            ObjectRef::IscsiTarget(name) => write!(f, "iscsi/target/{name}"),
            ObjectRef::Target(t) => f.write_str(t),
        }
    }
}

impl From<&str> for ObjectRef {
    fn from(s: &str) -> ObjectRef {
        if let Some(service) = Service::parse(s) {
            return ObjectRef::Service(service);
        }
        let id = |rest: &str| rest.parse::<u32>().ok();
        if let Some(name) = s.strip_prefix("smb/share/") {
            return ObjectRef::SmbShare(name.to_string());
        }
        if let Some(n) = s.strip_prefix("nfs/share/").and_then(id) {
            return ObjectRef::NfsShare(n);
        }
        if let Some(n) = s.strip_prefix("iscsi/portal/").and_then(id) {
            return ObjectRef::IscsiPortal(n);
        }
        if let Some(name) = s.strip_prefix("iscsi/target/") {
            return ObjectRef::IscsiTarget(name.to_string());
        }
        ObjectRef::Target(s.to_string())
    }
}

impl From<&String> for ObjectRef {
    fn from(s: &String) -> ObjectRef {
        ObjectRef::from(s.as_str())
    }
}

impl From<&ObjectRef> for ObjectRef {
    fn from(o: &ObjectRef) -> ObjectRef {
        o.clone()
    }
}

impl From<Service> for ObjectRef {
    fn from(s: Service) -> ObjectRef {
        ObjectRef::Service(s)
    }
}

impl std::str::FromStr for ObjectRef {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ObjectRef::from(s))
    }
}

impl Serialize for ObjectRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ObjectRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ObjectRef::from(String::deserialize(d)?.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_as_itself() {
        for o in [
            ObjectRef::Service(Service::Nfs),
            ObjectRef::SmbShare("media".into()),
            ObjectRef::SmbShare("a/b".into()),
            ObjectRef::NfsShare(3),
            ObjectRef::IscsiPortal(1),
            ObjectRef::IscsiTarget("disk1".into()),
            ObjectRef::Target("ssh://127.0.0.1:22".into()),
        ] {
            assert_eq!(ObjectRef::from(o.to_string().as_str()), o);
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(serde_json::from_str::<ObjectRef>(&json).unwrap(), o);
        }
        assert_eq!(ObjectRef::from("nfs/share/x"), ObjectRef::Target("nfs/share/x".into()));
    }
}
