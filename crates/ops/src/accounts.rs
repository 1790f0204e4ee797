//! Accounts of the web UI and REST API: admins (Argon2id), API tokens and
//! sessions. Tokens and session ids are 256 random bits; the store keeps
//! only their SHA-256 digest, so a stolen database opens no session. A slow
//! hash would add nothing to 256 random bits and would cost every request.

use crate::{Nasguard, OpsError, Result};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nasguard_model::ValidationErrors;
use nasguard_store::{Session, TokenInfo};
use sha2::{Digest, Sha256};

/// API tokens start with this, so a leaked one is recognisable (secret scanners).
pub const TOKEN_PREFIX: &str = "ngt_";
/// Shorter passwords are refused.
pub const MIN_PASSWORD_LEN: usize = 12;
/// How long a login lasts (seconds).
pub const SESSION_SECONDS: i64 = 8 * 3600;

fn invalid(object: &str, field: &str, message: impl Into<String>) -> OpsError {
    OpsError::Invalid(ValidationErrors::single(object, field, message))
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| OpsError::Internal(format!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn check_admin_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok { Ok(()) } else { Err(invalid("admin", "name", "use 1-64 letters, digits, '_', '-' or '.'")) }
}

fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(invalid("admin", "password", format!("must be at least {MIN_PASSWORD_LEN} characters")));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| OpsError::Internal(format!("cannot hash the password: {e}")))
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Nasguard {
    /// Who the following changes are recorded as (the server sets the
    /// logged-in admin before each request's work).
    pub fn set_actor(&mut self, actor: &str) {
        self.actor = actor.to_string();
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Records an action that is not a config change, as the current actor.
    pub fn record(&self, action: &str, detail: &str) -> Result<()> {
        Ok(self.store.event(&self.actor, action, detail)?)
    }

    pub fn admin_count(&self) -> Result<i64> {
        Ok(self.store.admin_count()?)
    }

    pub fn admin_create(&self, name: &str, password: &str) -> Result<()> {
        check_admin_name(name)?;
        let phc = hash_password(password)?;
        self.store.admin_insert(name, &phc)?;
        self.record("admin create", name)
    }

    /// Sets a new password and ends every session of `name`: whoever held
    /// one with the old password is out.
    pub fn admin_password_set(&self, name: &str, password: &str) -> Result<()> {
        let phc = hash_password(password)?;
        if !self.store.admin_set_password(name, &phc)? {
            return Err(OpsError::NotFound(format!("no admin {name:?}")));
        }
        let ended = self.store.sessions_delete_for(name)?;
        self.record("admin password", &format!("{name} ({ended} sessions ended)"))
    }

    pub fn admins(&self) -> Result<Vec<String>> {
        Ok(self.store.admins()?)
    }

    /// Checks a password. Unknown names cost the same as wrong passwords,
    /// so the timing does not tell which names exist.
    pub fn verify_password(&self, name: &str, password: &str) -> Result<bool> {
        Ok(self.password_check(name)?.verify(password))
    }

    /// What checking `name`'s password needs, read from the store; the
    /// check itself ([`PasswordCheck::verify`]) is slow on purpose and
    /// needs no store, so a server runs it without holding the store.
    pub fn password_check(&self, name: &str) -> Result<PasswordCheck> {
        Ok(match self.store.admin_password(name)? {
            Some(phc) => PasswordCheck { phc, exists: true },
            None => PasswordCheck { phc: dummy_phc()?, exists: false },
        })
    }

    /// A new API token for `admin`: returned once, stored as a digest.
    pub fn token_create(&self, admin: &str, name: &str) -> Result<(i64, String)> {
        if self.store.admin_password(admin)?.is_none() {
            return Err(invalid(
                "token",
                "admin",
                format!("no admin {admin:?} (create one with `nasguard admin create`)"),
            ));
        }
        if name.is_empty() || name.len() > 64 || nasguard_model::text::single_line(name).is_err() {
            return Err(invalid("token", "name", "use 1-64 printable characters"));
        }
        let token = format!("{TOKEN_PREFIX}{}", random_token()?);
        let id = self.store.token_insert(name, admin, &digest(&token))?;
        self.record("token create", &format!("{name} (id {id}) for {admin}"))?;
        Ok((id, token))
    }

    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        Ok(self.store.tokens()?)
    }

    pub fn token_revoke(&self, id: i64) -> Result<()> {
        if !self.store.token_delete(id)? {
            return Err(OpsError::NotFound(format!("no token {id}")));
        }
        self.record("token revoke", &id.to_string())
    }

    /// The admin a bearer token belongs to.
    pub fn token_admin(&self, token: &str) -> Result<Option<String>> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        Ok(self.store.token_admin(&digest(token))?)
    }

    /// Starts a session: returns the session id (for the cookie) and its CSRF token.
    pub fn session_start(&self, admin: &str) -> Result<(String, String)> {
        let id = random_token()?;
        let csrf = random_token()?;
        self.store.session_insert(&digest(&id), admin, &csrf, now_unix() + SESSION_SECONDS)?;
        Ok((id, csrf))
    }

    pub fn session(&self, id: &str) -> Result<Option<Session>> {
        Ok(self.store.session(&digest(id), now_unix())?)
    }

    pub fn session_end(&self, id: &str) -> Result<()> {
        Ok(self.store.session_delete(&digest(id))?)
    }
}

/// An Argon2id hash of a random password nobody knows, verified against
/// when the name is unknown (made once per process).
/// A stored Argon2id hash (or a dummy one for an unknown name, so both
/// cost the same), ready to check a password against.
pub struct PasswordCheck {
    phc: String,
    exists: bool,
}

impl PasswordCheck {
    /// Argon2id: tens of milliseconds of CPU.
    pub fn verify(&self, password: &str) -> bool {
        let ok = PasswordHash::new(&self.phc)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false);
        ok && self.exists
    }
}

fn dummy_phc() -> Result<String> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(p) = DUMMY.get() {
        return Ok(p.clone());
    }
    let p = hash_password(&random_token()?)?;
    Ok(DUMMY.get_or_init(|| p).clone())
}

#[cfg(test)]
mod tests {
    use crate::Nasguard;
    use nasguard_store::Deployment;

    fn ng() -> (tempfile::TempDir, Nasguard) {
        let dir = tempfile::tempdir().unwrap();
        let d = Deployment::loopback_sandbox(Some(20000));
        let ng = Nasguard::init(&dir.path().join("s"), &d, "test").unwrap();
        (dir, ng)
    }

    #[test]
    fn passwords_are_argon2id_and_checked() {
        let (_d, ng) = ng();
        let err = ng.admin_create("alice", "short").unwrap_err();
        assert!(err.to_string().contains("password"), "{err}");
        let err = ng.admin_create("al ice", "long enough password").unwrap_err();
        assert!(err.to_string().contains("name"), "{err}");
        ng.admin_create("alice", "long enough password").unwrap();
        assert!(ng.store().admin_password("alice").unwrap().unwrap().starts_with("$argon2id$"));
        assert!(ng.verify_password("alice", "long enough password").unwrap());
        assert!(!ng.verify_password("alice", "long enough passworD").unwrap());
        assert!(!ng.verify_password("bob", "long enough password").unwrap());
    }

    #[test]
    fn tokens_and_sessions_are_stored_as_digests() {
        let (_d, ng) = ng();
        ng.admin_create("alice", "long enough password").unwrap();
        let (_, token) = ng.token_create("alice", "ci").unwrap();
        assert!(token.starts_with("ngt_"));
        assert_eq!(ng.token_admin(&token).unwrap().as_deref(), Some("alice"));
        assert_eq!(ng.token_admin("ngt_wrong").unwrap(), None);
        let digest = super::digest(&token);
        for f in std::fs::read_dir(ng.store().dir()).unwrap() {
            let bytes = String::from_utf8_lossy(&std::fs::read(f.unwrap().path()).unwrap()).to_string();
            assert!(!bytes.contains(&token), "the token itself is not stored");
            assert!(bytes.contains(&digest) || !bytes.contains("ngt_"));
        }
        let (sid, csrf) = ng.session_start("alice").unwrap();
        let s = ng.session(&sid).unwrap().unwrap();
        assert_eq!((s.admin.as_str(), s.csrf.as_str()), ("alice", csrf.as_str()));
        ng.session_end(&sid).unwrap();
        assert_eq!(ng.session(&sid).unwrap(), None);
        // A password change ends every session of that admin.
        let (a, _) = ng.session_start("alice").unwrap();
        let (b, _) = ng.session_start("alice").unwrap();
        ng.admin_password_set("alice", "another long password").unwrap();
        assert_eq!((ng.session(&a).unwrap(), ng.session(&b).unwrap()), (None, None));
        assert!(ng.token_create("nobody", "x").is_err());
    }
}
