//! Encryption of secrets at rest: ChaCha20-Poly1305 with a 256-bit key in
//! `secret.key` (0600, created by `init`). The row's kind, id and field are
//! the associated data, so a sealed secret cannot be moved to another row.

use crate::{Result, StoreError, set_mode};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use std::io::Write;
use std::path::Path;

pub const KEY_FILE: &str = "secret.key";

pub(crate) struct Key(ChaCha20Poly1305);

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| StoreError::Crypto(e.to_string()))?;
    Ok(b)
}

impl Key {
    pub(crate) fn create(dir: &Path) -> Result<Key> {
        let path = dir.join(KEY_FILE);
        let bytes: [u8; 32] = random()?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| StoreError::Io { path: path.clone(), source })?;
        set_mode(&path, 0o600)?;
        f.write_all(&bytes)
            .and_then(|_| f.sync_all())
            .map_err(|source| StoreError::Io { path: path.clone(), source })?;
        Ok(Key(ChaCha20Poly1305::new(&bytes.into())))
    }

    pub(crate) fn load(dir: &Path) -> Result<Key> {
        let path = dir.join(KEY_FILE);
        let bytes = std::fs::read(&path).map_err(|source| StoreError::Io { path: path.clone(), source })?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| StoreError::Crypto(format!("{} must hold exactly 32 bytes", path.display())))?;
        Ok(Key(ChaCha20Poly1305::new(&key.into())))
    }

    /// `nonce || ciphertext`.
    pub(crate) fn seal(&self, plain: &[u8], aad: &str) -> Result<Vec<u8>> {
        let nonce: [u8; 12] = random()?;
        let ct = self
            .0
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad: aad.as_bytes() })
            .map_err(|_| StoreError::Crypto("encryption failed".into()))?;
        Ok([nonce.as_slice(), &ct].concat())
    }

    pub(crate) fn open(&self, sealed: &[u8], aad: &str) -> Result<String> {
        if sealed.len() < 12 {
            return Err(StoreError::Crypto(format!("{aad}: sealed secret is truncated")));
        }
        let (nonce, ct) = sealed.split_at(12);
        let plain = self
            .0
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: aad.as_bytes() })
            .map_err(|_| StoreError::Crypto(format!("{aad}: cannot decrypt (wrong {KEY_FILE}?)")))?;
        String::from_utf8(plain).map_err(|_| StoreError::Crypto(format!("{aad}: not UTF-8")))
    }
}
