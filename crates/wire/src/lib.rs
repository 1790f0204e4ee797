//! Protocol codecs for nasguard's live probes, sans IO: each builds the
//! request bytes and parses the reply bytes; tokio drivers (crate
//! `nasguard-probe`) move them and apply timeouts.
//!
//! **Architecture invariants:** no IO, no dependencies on other nasguard
//! crates. Every parser treats its input as hostile: it never panics,
//! never indexes out of bounds, and never allocates from a length it has
//! not checked against what it actually received (fuzzed).

pub mod iscsi;
pub mod rpc;
pub mod smb;
pub mod ssh;

/// Why bytes could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("{0}")]
    Malformed(String),
    #[error("{what} of {len} bytes is larger than the {max}-byte limit")]
    TooLarge { what: &'static str, len: usize, max: usize },
    #[error("the peer does not speak {0}")]
    NotProtocol(&'static str),
}

/// A bounds-checked big-endian reader over received bytes.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len());
        match end {
            Some(end) => {
                let s = self.buf.get(self.pos..end).ok_or_else(|| WireError::Malformed(format!("truncated {what}")))?;
                self.pos = end;
                Ok(s)
            }
            None => Err(WireError::Malformed(format!("truncated {what}: need {n} bytes, {} left", self.remaining()))),
        }
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, WireError> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn u32_be(&mut self, what: &str) -> Result<u32, WireError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u16_le(&mut self, what: &str) -> Result<u16, WireError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32_le(&mut self, what: &str) -> Result<u32, WireError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}
