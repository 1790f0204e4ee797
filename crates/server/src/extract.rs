//! Path parameters, parsed once at the edge: handlers receive a
//! [`Service`], an [`IscsiKind`], a [`ShareKind`] or a numeric id, never the
//! URL's text. A parameter that names nothing is a 404: JSON on an API route
//! ([`ApiPath`]), an error page on a page ([`PagePath`]).

use crate::error::ApiError;
use crate::error_page::PageError;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use nasguard_model::Service;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use utoipa::ToSchema;

/// A route's `{name}` parameters, percent-decoded.
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The value of `{name}` (empty when the route has none).
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// `{id}` as a number; anything else names no `what`.
    fn id<T: FromStr>(&self, what: &str) -> Result<T, ApiError> {
        let raw = self.get("id");
        raw.parse().map_err(|_| ApiError::NotFound(format!("no {what} {raw:?}")))
    }
}

/// A value made from a route's path parameters.
pub trait FromPath: Sized {
    fn from_path(params: &Params) -> Result<Self, ApiError>;
}

/// `T` from the path of an API route: what names nothing is a JSON 404.
pub struct ApiPath<T>(pub T);

/// `T` from the path of a page: what names nothing is an error page.
pub struct PagePath<T>(pub T);

async fn params<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<Params, ApiError> {
    let raw = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|e| ApiError::NotFound(format!("no such path: {}", e.body_text())))?;
    Ok(Params(raw.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()))
}

impl<S: Send + Sync, T: FromPath> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        T::from_path(&params(parts, state).await?).map(ApiPath)
    }
}

impl<S: Send + Sync, T: FromPath> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(PagePath(T::from_path(&params(parts, state).await?)?))
    }
}

/// `{service}`: `smb`, `nfs`, `iscsi` or `ssh`, in lower case as the OpenAPI
/// document spells them.
impl FromPath for Service {
    fn from_path(params: &Params) -> Result<Self, ApiError> {
        let name = params.get("service");
        Service::parse(name)
            .filter(|s| s.name() == name)
            .ok_or_else(|| ApiError::NotFound(format!("no service {name:?}; the services are smb, nfs, iscsi, ssh")))
    }
}

/// The iSCSI object kinds, as the API's URLs spell them: the OpenAPI
/// document's schema for `{kind}` (parsing gives an [`ObjectKind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IscsiKind {
    Portals,
    Auths,
    Initiators,
    Targets,
    Extents,
    Targetextents,
}

/// The model's kind of iSCSI object, from `{kind}` (`portals` in the API's
/// URLs, `portal` in the pages').
pub use nasguard_model::iscsi_kind::IscsiKind as ObjectKind;

impl FromPath for ObjectKind {
    fn from_path(params: &Params) -> Result<Self, ApiError> {
        let name = params.get("kind");
        name.parse().map_err(|_| {
            ApiError::NotFound(format!(
                "no iscsi object kind {name:?}; the kinds are portals, auths, initiators, targets, extents, targetextents"
            ))
        })
    }
}

/// `{kind}/{id}`: one iSCSI object.
pub struct IscsiId {
    pub kind: ObjectKind,
    pub id: u32,
}

impl FromPath for IscsiId {
    fn from_path(params: &Params) -> Result<Self, ApiError> {
        let kind = ObjectKind::from_path(params)?;
        Ok(IscsiId { kind, id: params.id(&format!("iscsi {kind}"))? })
    }
}

/// `{action}` of `/services/{service}/{action}`.
impl FromPath for nasguard_model::ServiceAction {
    fn from_path(params: &Params) -> Result<Self, ApiError> {
        let name = params.get("action");
        name.parse().map_err(|m: String| ApiError::NotFound(format!("no action: {m}")))
    }
}

/// `{kind}` of the pages' `/sharing/{kind}`: a file share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareKind {
    Smb,
    Nfs,
}

impl ShareKind {
    /// What the 404 of an id calls the share.
    pub fn noun(self) -> &'static str {
        match self {
            ShareKind::Smb => "smb share",
            ShareKind::Nfs => "nfs share",
        }
    }
}

impl FromPath for ShareKind {
    fn from_path(params: &Params) -> Result<Self, ApiError> {
        match params.get("kind") {
            "smb" => Ok(ShareKind::Smb),
            "nfs" => Ok(ShareKind::Nfs),
            other => Err(ApiError::NotFound(format!("no share kind {other:?}"))),
        }
    }
}

/// `{kind}/{id}` of the pages' `/sharing/{kind}/{id}`.
pub struct ShareId {
    pub kind: ShareKind,
    pub id: u32,
}

impl FromPath for ShareId {
    fn from_path(params: &Params) -> Result<Self, ApiError> {
        let kind = ShareKind::from_path(params)?;
        Ok(ShareId { kind, id: params.id(kind.noun())? })
    }
}

/// `{id}` of `/api/v1/shares/smb/{id}`.
pub struct SmbShareId(pub u32);

impl FromPath for SmbShareId {
    fn from_path(params: &Params) -> Result<Self, ApiError> {
        params.id(ShareKind::Smb.noun()).map(SmbShareId)
    }
}

/// `{id}` of `/api/v1/shares/nfs/{id}`.
pub struct NfsShareId(pub u32);

impl FromPath for NfsShareId {
    fn from_path(params: &Params) -> Result<Self, ApiError> {
        params.id(ShareKind::Nfs.noun()).map(NfsShareId)
    }
}

/// `{id}` of `/account/tokens/{id}/revoke`: an API token.
pub struct TokenId(pub i64);

impl FromPath for TokenId {
    fn from_path(params: &Params) -> Result<Self, ApiError> {
        params.id("token").map(TokenId)
    }
}

/// `{name}` of a fleet host: what could not be a host's name names none.
pub struct FleetHost(pub String);

impl FromPath for FleetHost {
    fn from_path(params: &Params) -> Result<Self, ApiError> {
        let name = params.get("name");
        nasguard_fleet::model::check_name("host", name)
            .map(|()| FleetHost(name.to_string()))
            .map_err(|_| ApiError::NotFound(format!("no host {name:?} in the fleet")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn every_kind_reads_back_from_both_spellings() {
        for kind in ObjectKind::ALL {
            for spelling in [kind.plural(), kind.name()] {
                let got = IscsiId::from_path(&params(&[("kind", spelling), ("id", "3")])).unwrap();
                assert_eq!((got.kind, got.id), (kind, 3));
            }
        }
        assert!(ObjectKind::from_path(&params(&[("kind", "luns")])).is_err());
        // The OpenAPI schema's names are the URLs' plural ones.
        assert_eq!(serde_json::to_value(IscsiKind::Targetextents).unwrap(), "targetextents");
    }

    #[test]
    fn what_names_nothing_is_not_found_and_says_what() {
        let cases: Vec<(Result<(), ApiError>, &str)> = vec![
            (Service::from_path(&params(&[("service", "SMB")])).map(drop), "no service \"SMB\""),
            (Service::from_path(&params(&[("service", "ftp")])).map(drop), "no service \"ftp\""),
            (SmbShareId::from_path(&params(&[("id", "x")])).map(drop), "no smb share \"x\""),
            (NfsShareId::from_path(&params(&[("id", "-1")])).map(drop), "no nfs share \"-1\""),
            (NfsShareId::from_path(&params(&[("id", "4294967296")])).map(drop), "no nfs share \"4294967296\""),
            (IscsiId::from_path(&params(&[("kind", "luns"), ("id", "1")])).map(drop), "no iscsi object kind \"luns\""),
            (IscsiId::from_path(&params(&[("kind", "portals"), ("id", "")])).map(drop), "no iscsi portal \"\""),
            (ShareId::from_path(&params(&[("kind", "ftp"), ("id", "1")])).map(drop), "no share kind \"ftp\""),
            (ShareId::from_path(&params(&[("kind", "smb"), ("id", "one")])).map(drop), "no smb share \"one\""),
            (TokenId::from_path(&params(&[("id", "1.5")])).map(drop), "no token \"1.5\""),
        ];
        for (result, message) in cases {
            let e = result.unwrap_err();
            assert_eq!(e.status(), axum::http::StatusCode::NOT_FOUND, "{e}");
            assert!(e.to_string().starts_with(message), "{e} should start with {message}");
        }
        assert_eq!(Service::from_path(&params(&[("service", "iscsi")])).unwrap(), Service::Iscsi);
        assert_eq!(TokenId::from_path(&params(&[("id", "7")])).unwrap().0, 7);
    }
}
