//! Message digests: the SHA-1 and SHA-2 family every ICAO algorithm uses.

use const_oid::ObjectIdentifier;
use digest::Digest;

use crate::error::AlgorithmError;
use crate::oid;

/// A hash function named by an ICAO or X.509 algorithm identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgorithm {
    /// SHA-1 (still found in older SODs and AA; `strict` policy refuses it).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Every supported hash, weakest first.
    pub const ALL: [HashAlgorithm; 5] = [
        HashAlgorithm::Sha1,
        HashAlgorithm::Sha224,
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ];

    /// The digest of `data`.
    #[must_use]
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        self.digest_parts(&[data])
    }

    /// The digest of the concatenation of `parts`, without concatenating them.
    #[must_use]
    pub fn digest_parts(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            hasher.finalize().to_vec()
        }
        match self {
            HashAlgorithm::Sha1 => run::<sha1::Sha1>(parts),
            HashAlgorithm::Sha224 => run::<sha2::Sha224>(parts),
            HashAlgorithm::Sha256 => run::<sha2::Sha256>(parts),
            HashAlgorithm::Sha384 => run::<sha2::Sha384>(parts),
            HashAlgorithm::Sha512 => run::<sha2::Sha512>(parts),
        }
    }

    /// Output length in bytes.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha224 => 28,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }

    /// The name used in reports and JSON (`sha256`, ...).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "sha1",
            HashAlgorithm::Sha224 => "sha224",
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    /// Parses a name as written by [`HashAlgorithm::name`] (case-insensitive, `-` allowed).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        let normalised = name.to_ascii_lowercase().replace('-', "");
        Self::ALL.into_iter().find(|h| h.name() == normalised)
    }

    /// The digest algorithm OID (`id-sha256`, ...).
    #[must_use]
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            HashAlgorithm::Sha1 => oid::SHA1,
            HashAlgorithm::Sha224 => oid::SHA224,
            HashAlgorithm::Sha256 => oid::SHA256,
            HashAlgorithm::Sha384 => oid::SHA384,
            HashAlgorithm::Sha512 => oid::SHA512,
        }
    }

    /// The hash named by a digest algorithm OID.
    ///
    /// # Errors
    /// [`AlgorithmError::UnknownDigest`] for any other OID.
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, AlgorithmError> {
        Self::ALL
            .into_iter()
            .find(|h| h.oid() == *oid)
            .ok_or(AlgorithmError::UnknownDigest(*oid))
    }

    /// The hash for a digest length, when the length names exactly one (used for RSA
    /// signatures whose DigestInfo names the hash).
    #[must_use]
    pub fn from_output_len(len: usize) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.output_len() == len)
    }
}

impl std::fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_known_answers() {
        // FIPS 180 "abc" test vectors (first bytes suffice to tell the functions apart).
        let abc = b"abc";
        assert!(hex_of(HashAlgorithm::Sha1.digest(abc)).starts_with("a9993e36"));
        assert!(hex_of(HashAlgorithm::Sha224.digest(abc)).starts_with("23097d22"));
        assert!(hex_of(HashAlgorithm::Sha256.digest(abc)).starts_with("ba7816bf"));
        assert!(hex_of(HashAlgorithm::Sha384.digest(abc)).starts_with("cb00753f"));
        assert!(hex_of(HashAlgorithm::Sha512.digest(abc)).starts_with("ddaf35a1"));
        assert_eq!(
            HashAlgorithm::Sha256.digest_parts(&[b"a", b"bc"]),
            HashAlgorithm::Sha256.digest(abc)
        );
    }

    #[test]
    fn oid_and_name_round_trip() {
        for h in HashAlgorithm::ALL {
            assert_eq!(HashAlgorithm::from_oid(&h.oid()).ok(), Some(h));
            assert_eq!(HashAlgorithm::from_name(h.name()), Some(h));
            assert_eq!(h.digest(b"").len(), h.output_len());
        }
        assert_eq!(
            HashAlgorithm::from_name("SHA-384"),
            Some(HashAlgorithm::Sha384)
        );
        assert!(HashAlgorithm::from_oid(&oid::RSA_ENCRYPTION).is_err());
    }

    fn hex_of(bytes: Vec<u8>) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
