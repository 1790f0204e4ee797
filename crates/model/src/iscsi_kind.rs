//! The six kinds of iSCSI object, as one type: parsed once at the edge
//! (`nasguard iscsi portal ...`, `/api/v1/iscsi/portals`, the UI's lists),
//! then every operation is generic over [`IscsiObject`].

use crate::iscsi::{Auth, Extent, InitiatorGroup, IscsiConfig, Portal, Target, TargetExtent};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum IscsiKind {
    Portal,
    Auth,
    Initiator,
    Target,
    Extent,
    TargetExtent,
}

impl IscsiKind {
    pub const ALL: [IscsiKind; 6] = [
        IscsiKind::Portal,
        IscsiKind::Auth,
        IscsiKind::Initiator,
        IscsiKind::Target,
        IscsiKind::Extent,
        IscsiKind::TargetExtent,
    ];

    /// The CLI's word: `nasguard iscsi portal ...`.
    pub fn name(self) -> &'static str {
        match self {
            IscsiKind::Portal => "portal",
            IscsiKind::Auth => "auth",
            IscsiKind::Initiator => "initiator",
            IscsiKind::Target => "target",
            IscsiKind::Extent => "extent",
            IscsiKind::TargetExtent => "targetextent",
        }
    }

    /// The REST API's collection: `/api/v1/iscsi/portals`.
    pub fn plural(self) -> &'static str {
        match self {
            IscsiKind::Portal => "portals",
            IscsiKind::Auth => "auths",
            IscsiKind::Initiator => "initiators",
            IscsiKind::Target => "targets",
            IscsiKind::Extent => "extents",
            IscsiKind::TargetExtent => "targetextents",
        }
    }

    /// TrueNAS's tab name (Sharing > Block Shares (iSCSI)).
    pub fn title(self) -> &'static str {
        match self {
            IscsiKind::Portal => "Portals",
            IscsiKind::Auth => "Authorized Access",
            IscsiKind::Initiator => "Initiators Groups",
            IscsiKind::Target => "Targets",
            IscsiKind::Extent => "Extents",
            IscsiKind::TargetExtent => "Associated Targets",
        }
    }

    /// How validation errors name an object of this kind.
    pub fn object(self) -> &'static str {
        match self {
            IscsiKind::Portal => "iscsi portal",
            IscsiKind::Auth => "iscsi auth",
            IscsiKind::Initiator => "iscsi initiator",
            IscsiKind::Target => "iscsi target",
            IscsiKind::Extent => "iscsi extent",
            IscsiKind::TargetExtent => "iscsi targetextent",
        }
    }
}

/// `portal` or `portals`, any case.
impl std::str::FromStr for IscsiKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        IscsiKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s) || k.plural().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "{s:?} is not an iSCSI object kind ({})",
                    IscsiKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
                )
            })
    }
}

impl std::fmt::Display for IscsiKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One kind of iSCSI object: where it lives in the config, and what is
/// particular to it when it is added, edited or removed.
pub trait IscsiObject: Serialize + DeserializeOwned + Clone + Default {
    const KIND: IscsiKind;
    fn id(&self) -> u32;
    fn set_id(&mut self, id: u32) {
        let _ = id;
    }
    fn all(c: &IscsiConfig) -> &Vec<Self>;
    fn all_mut(c: &mut IscsiConfig) -> &mut Vec<Self>;
    /// After an edit: what the edit may not have meant to change (a masked
    /// secret sent back keeps the stored one).
    fn keep_from(&mut self, _old: &Self) {}
    /// After removing object `id`: what depended on it goes too.
    fn removed(_c: &mut IscsiConfig, _id: u32) {}
}

macro_rules! object {
    ($t:ty, $kind:ident, $field:ident) => {
        impl IscsiObject for $t {
            const KIND: IscsiKind = IscsiKind::$kind;
            fn id(&self) -> u32 {
                self.id
            }
            fn set_id(&mut self, id: u32) {
                self.id = id;
                object!(@extra self, id, $kind);
            }
            fn all(c: &IscsiConfig) -> &Vec<Self> {
                &c.$field
            }
            fn all_mut(c: &mut IscsiConfig) -> &mut Vec<Self> {
                &mut c.$field
            }
            object!(@hooks $kind);
        }
    };
    (@extra $s:ident, $id:ident, Portal) => {
        // A new portal takes its id as its tag unless it names one.
        if $s.tag == 0 {
            $s.tag = $id;
        }
    };
    (@extra $s:ident, $id:ident, $other:ident) => {};
    (@hooks Auth) => {
        fn keep_from(&mut self, old: &Self) {
            if self.secret.is_mask() {
                self.secret = old.secret.clone();
            }
            if self.peersecret.is_mask() {
                self.peersecret = old.peersecret.clone();
            }
        }
    };
    (@hooks Target) => {
        fn removed(c: &mut IscsiConfig, id: u32) {
            c.targetextents.retain(|m| m.target != id);
        }
    };
    (@hooks $other:ident) => {};
}

object!(Portal, Portal, portals);
object!(Auth, Auth, auths);
object!(InitiatorGroup, Initiator, initiators);
object!(Target, Target, targets);
object!(Extent, Extent, extents);
object!(TargetExtent, TargetExtent, targetextents);

/// Runs `$body` with `$t` the object type of `$kind` (an [`IscsiKind`]):
/// the one place that turns a kind into a type.
#[macro_export]
macro_rules! with_iscsi_kind {
    ($kind:expr, $t:ident => $body:expr) => {{
        use $crate::iscsi::{Auth, Extent, InitiatorGroup, Portal, Target, TargetExtent};
        use $crate::iscsi_kind::IscsiKind;
        match $kind {
            IscsiKind::Portal => {
                type $t = Portal;
                $body
            }
            IscsiKind::Auth => {
                type $t = Auth;
                $body
            }
            IscsiKind::Initiator => {
                type $t = InitiatorGroup;
                $body
            }
            IscsiKind::Target => {
                type $t = Target;
                $body
            }
            IscsiKind::Extent => {
                type $t = Extent;
                $body
            }
            IscsiKind::TargetExtent => {
                type $t = TargetExtent;
                $body
            }
        }
    }};
}

/// One kind's objects, typed (serialised as the JSON array of them).
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum IscsiObjects {
    Portals(Vec<Portal>),
    Auths(Vec<Auth>),
    Initiators(Vec<InitiatorGroup>),
    Targets(Vec<Target>),
    Extents(Vec<Extent>),
    TargetExtents(Vec<TargetExtent>),
}

impl IscsiConfig {
    /// Every object of `kind`.
    pub fn objects(&self, kind: IscsiKind) -> IscsiObjects {
        match kind {
            IscsiKind::Portal => IscsiObjects::Portals(self.portals.clone()),
            IscsiKind::Auth => IscsiObjects::Auths(self.auths.clone()),
            IscsiKind::Initiator => IscsiObjects::Initiators(self.initiators.clone()),
            IscsiKind::Target => IscsiObjects::Targets(self.targets.clone()),
            IscsiKind::Extent => IscsiObjects::Extents(self.extents.clone()),
            IscsiKind::TargetExtent => IscsiObjects::TargetExtents(self.targetextents.clone()),
        }
    }
}

impl IscsiObjects {
    pub fn len(&self) -> usize {
        match self {
            IscsiObjects::Portals(v) => v.len(),
            IscsiObjects::Auths(v) => v.len(),
            IscsiObjects::Initiators(v) => v.len(),
            IscsiObjects::Targets(v) => v.len(),
            IscsiObjects::Extents(v) => v.len(),
            IscsiObjects::TargetExtents(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each object as JSON (for tables and forms that show any kind).
    pub fn to_values(&self) -> Vec<serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Array(items)) => items,
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_either_spelling_and_nothing_else() {
        for k in IscsiKind::ALL {
            assert_eq!(k.name().parse::<IscsiKind>(), Ok(k));
            assert_eq!(k.plural().parse::<IscsiKind>(), Ok(k));
            assert_eq!(k.name().to_uppercase().parse::<IscsiKind>(), Ok(k));
        }
        assert!("lun".parse::<IscsiKind>().is_err());
        assert!("".parse::<IscsiKind>().is_err());
    }

    #[test]
    fn the_dispatch_reaches_each_kinds_list() {
        let mut c = IscsiConfig::default();
        for k in IscsiKind::ALL {
            with_iscsi_kind!(k, T => {
                let mut x = T::default();
                x.set_id(7);
                T::all_mut(&mut c).push(x);
                assert_eq!(T::KIND, k);
            });
            assert_eq!(c.objects(k).len(), 1, "{k}");
        }
        assert_eq!(c.portals[0].tag, 7, "a new portal takes its id as tag");
    }
}
