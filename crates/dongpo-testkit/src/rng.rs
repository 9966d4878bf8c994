//! A seeded deterministic random generator: SHA-256 in counter mode over
//! `(seed, label)`. Each purpose gets its own label, so that adding a key or a variant
//! never shifts the bytes of another. For test material only.

use std::convert::Infallible;

use dongpo_crypto::HashAlgorithm;
use rand_core::{TryCryptoRng, TryRng};

/// Deterministic bytes for one purpose of one seed.
#[derive(Clone, Debug)]
pub struct SeededRng {
    key: Vec<u8>,
    counter: u64,
    buffer: Vec<u8>,
}

impl SeededRng {
    /// The stream for `label` under `seed`.
    #[must_use]
    pub fn new(seed: u64, label: &str) -> Self {
        let key = HashAlgorithm::Sha256.digest_parts(&[
            b"dongpo-testkit",
            &seed.to_be_bytes(),
            label.as_bytes(),
        ]);
        SeededRng {
            key,
            counter: 0,
            buffer: Vec::new(),
        }
    }

    fn refill(&mut self) {
        let block = HashAlgorithm::Sha256.digest_parts(&[&self.key, &self.counter.to_be_bytes()]);
        self.counter += 1;
        self.buffer.extend(block.into_iter().rev());
    }

    /// Fills `dst`.
    pub fn fill(&mut self, dst: &mut [u8]) {
        for byte in dst {
            if self.buffer.is_empty() {
                self.refill();
            }
            *byte = self.buffer.pop().unwrap_or_default();
        }
    }

    /// A number in `0..bound` (`bound > 0`; slight modulo bias is irrelevant here).
    pub fn below(&mut self, bound: u64) -> u64 {
        let mut bytes = [0u8; 8];
        self.fill(&mut bytes);
        u64::from_be_bytes(bytes) % bound.max(1)
    }

    /// `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        self.fill(&mut out);
        out
    }
}

impl TryRng for SeededRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.fill(dst);
        Ok(())
    }
}

impl TryCryptoRng for SeededRng {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_label_same_bytes_others_differ() {
        let a = SeededRng::new(1, "csca").bytes(100);
        assert_eq!(a, SeededRng::new(1, "csca").bytes(100));
        assert_ne!(a, SeededRng::new(2, "csca").bytes(100));
        assert_ne!(a, SeededRng::new(1, "dsc").bytes(100));
        let mut split = SeededRng::new(1, "csca");
        let mut joined = split.bytes(33);
        joined.extend(split.bytes(67));
        assert_eq!(a, joined);
    }
}
