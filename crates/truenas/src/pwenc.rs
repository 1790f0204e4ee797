//! TrueNAS's secret encryption ("pwenc"): `base64(nonce[8] || AES-256-CTR(
//! value padded with '{' to a multiple of 32))` under the 32-byte key in
//! `/data/pwenc_secret`. The counter block is the nonce followed by a
//! 64-bit big-endian counter starting at 1 (PyCryptodome's
//! `Counter.new(64, prefix=nonce)`, as TrueNAS's middleware uses it).
//! Decrypted values live in [`Zeroizing`] buffers and are never printed.

use aes::cipher::{KeyIvInit, StreamCipher};
use base64::Engine as _;
use zeroize::Zeroizing;

type Aes256Ctr64 = ctr::Ctr64BE<aes::Aes256>;

const NONCE: usize = 8;
const BLOCK: usize = 32;
const PAD: u8 = b'{';

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PwencError {
    #[error("the secret seed must be 32 bytes")]
    Key,
    #[error("not base64")]
    Base64,
    #[error("too short to hold a nonce")]
    Short,
    #[error("does not decrypt to text (another secret seed?)")]
    NotText,
}

fn iv(nonce: &[u8]) -> [u8; 16] {
    let mut iv = [0u8; 16];
    for (d, s) in iv.iter_mut().zip(nonce) {
        *d = *s;
    }
    iv[15] = 1;
    iv
}

/// Decrypts one column value. An empty value is an empty secret.
pub fn decrypt(value: &str, key: &[u8]) -> Result<Zeroizing<String>, PwencError> {
    if value.is_empty() {
        return Ok(Zeroizing::new(String::new()));
    }
    let key: &[u8; 32] = key.try_into().map_err(|_| PwencError::Key)?;
    let raw =
        Zeroizing::new(base64::engine::general_purpose::STANDARD.decode(value.trim()).map_err(|_| PwencError::Base64)?);
    if raw.len() < NONCE {
        return Err(PwencError::Short);
    }
    let (nonce, body) = raw.split_at(NONCE);
    let mut buf = Zeroizing::new(body.to_vec());
    let mut cipher = Aes256Ctr64::new(key.into(), &iv(nonce).into());
    cipher.apply_keystream(&mut buf);
    while buf.last() == Some(&PAD) {
        buf.pop();
    }
    let text = std::str::from_utf8(&buf).map_err(|_| PwencError::NotText)?;
    Ok(Zeroizing::new(text.to_string()))
}

/// Encrypts as TrueNAS does, with the given nonce (tests and fixtures
/// build backups with it; nasguard itself never writes pwenc values).
pub fn encrypt(value: &str, key: &[u8; 32], nonce: [u8; NONCE]) -> String {
    let mut buf = value.as_bytes().to_vec();
    let pad = BLOCK - buf.len() % BLOCK;
    buf.extend(std::iter::repeat_n(PAD, pad));
    let mut cipher = Aes256Ctr64::new(key.into(), &iv(&nonce).into());
    cipher.apply_keystream(&mut buf);
    let mut out = nonce.to_vec();
    out.extend(buf);
    base64::engine::general_purpose::STANDARD.encode(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_padding() {
        let key = [7u8; 32];
        for s in ["", "a", "sixteen-chars-ok", &"x".repeat(32), "ünïcödé secret"] {
            let enc = encrypt(s, &key, [1, 2, 3, 4, 5, 6, 7, 8]);
            assert_eq!(decrypt(&enc, &key).unwrap().as_str(), s);
        }
        // 32 bytes of text get a whole block of padding, as TrueNAS pads.
        let enc = encrypt(&"x".repeat(32), &key, [0; 8]);
        let raw = base64::engine::general_purpose::STANDARD.decode(enc).unwrap();
        assert_eq!(raw.len(), 8 + 64);
    }

    /// A vector computed with PyCryptodome, as TrueNAS's middleware does it:
    /// `AES.new(bytes(range(32)), AES.MODE_CTR, counter=Counter.new(64,
    /// prefix=bytes(range(8)))).encrypt(b"s3cret-chap-1234" + b"{" * 16)`.
    #[test]
    fn matches_pycryptodome() {
        let key: [u8; 32] = std::array::from_fn(|i| i as u8);
        let nonce: [u8; 8] = std::array::from_fn(|i| i as u8);
        assert_eq!(encrypt("s3cret-chap-1234", &key, nonce), PYCRYPTODOME_VECTOR);
        assert_eq!(decrypt(PYCRYPTODOME_VECTOR, &key).unwrap().as_str(), "s3cret-chap-1234");
    }

    const PYCRYPTODOME_VECTOR: &str = "AAECAwQFBgesaHZImXpNYXFLxmCMyAf2Un8tHwl4MF35lofsFe9Hng==";

    #[test]
    fn wrong_input_is_an_error_not_a_panic() {
        let key = [7u8; 32];
        assert_eq!(decrypt("!!!", &key), Err(PwencError::Base64));
        assert_eq!(decrypt("AAAA", &key), Err(PwencError::Short));
        assert_eq!(decrypt("AAAAAAAAAAAA", &[1u8; 5]), Err(PwencError::Key));
    }
}
