//! ISO/IEC 9796-2 digital signature scheme 1, as ICAO 9303-11 §6.1.2 uses it:
//! `F = header || [padding] || M1 || H(M1 || M2) || trailer`, `M2` = the challenge.
//!
//! Byte-oriented as every implementation (and every chip) is: header `0x6A`
//! (partial recovery, no padding), `0x6B BB .. BA` (partial, padded), `0x4A`/`0x4B ..`
//! (full recovery); trailer `0xBC` (SHA-1) or `hashId || 0xCC`.

use dongpo_crypto::backend::generic::RsaRaw;
use dongpo_crypto::{HashAlgorithm, PublicKey, RsaPublicKey};
use num_bigint::BigUint;

use super::{AaAlgorithm, AaError, AaOutcome, SignatureEncoding, Trailer, digests_equal};

/// Largest RSA modulus accepted (chips use 1024 to 2048 bits).
const MAX_MODULUS_BITS: usize = 8192;

/// Header bit: more data follows (partial message recovery).
const PARTIAL_RECOVERY: u8 = 0x20;

/// The hash named by an ISO/IEC 10118-3 hash identifier in a two-byte trailer.
fn hash_of_id(id: u8) -> Option<HashAlgorithm> {
    match id {
        0x33 => Some(HashAlgorithm::Sha1),
        0x34 => Some(HashAlgorithm::Sha256),
        0x35 => Some(HashAlgorithm::Sha512),
        0x36 => Some(HashAlgorithm::Sha384),
        0x38 => Some(HashAlgorithm::Sha224),
        _ => None,
    }
}

/// The ISO/IEC 10118-3 identifier of `hash` (for two-byte trailers).
#[cfg(test)]
const fn hash_id(hash: HashAlgorithm) -> u8 {
    match hash {
        HashAlgorithm::Sha1 => 0x33,
        HashAlgorithm::Sha256 => 0x34,
        HashAlgorithm::Sha512 => 0x35,
        HashAlgorithm::Sha384 => 0x36,
        HashAlgorithm::Sha224 => 0x38,
    }
}

/// Verifies an ISO/IEC 9796-2 scheme 1 Active Authentication signature: recovers the
/// block `s^e mod n` (or `n - (s^e mod n)` when that does not end in nibble `C`, the
/// standard's rule for signers that return `min(s, n - s)`), takes the hash from the
/// trailer, and compares `H(M1 || challenge)` with the digest in the block.
///
/// # Errors
/// An [`AaError`] naming the first thing wrong: length, range, trailer, header,
/// padding, or the digest.
pub fn verify_rsa_iso9796_2(
    key: &RsaPublicKey,
    challenge: &[u8],
    signature: &[u8],
) -> Result<AaOutcome, AaError> {
    if challenge.is_empty() {
        return Err(AaError::EmptyChallenge);
    }
    if key.pss_restriction.is_some() {
        return Err(AaError::UnsuitableKey(
            "an RSASSA-PSS key may not make ISO/IEC 9796-2 signatures".into(),
        ));
    }
    let bits = key.bits();
    // A header byte aligned with the top of the modulus needs a whole number of bytes;
    // the upper bound caps the work a not yet trusted DG15 can ask for.
    if !bits.is_multiple_of(8) || bits > MAX_MODULUS_BITS {
        return Err(AaError::UnsupportedModulus { bits });
    }
    let k = key.byte_len();
    if signature.len() != k {
        return Err(AaError::SignatureLength {
            got: signature.len(),
            expected: k,
        });
    }
    let block = RsaRaw::new(key)
        .public_op(signature, k)
        .ok_or(AaError::SignatureOutOfRange)?;
    let (block, complemented) = if block.last().is_some_and(|b| b & 0x0f == 0x0c) {
        (block, false)
    } else {
        // ISO/IEC 9796-2 §B.6: J = n - J* when J* is not 12 mod 16.
        let n = BigUint::from_bytes_be(&key.modulus);
        let j = n - BigUint::from_bytes_be(&block);
        (left_pad(&j.to_bytes_be(), k), true)
    };
    let opened = open_block(&block, challenge)?;
    Ok(AaOutcome {
        algorithm: AaAlgorithm::RsaIso9796_2,
        hash: opened.hash,
        signature_encoding: SignatureEncoding::Iso9796_2 {
            trailer: opened.trailer,
            partial_recovery: opened.partial_recovery,
            complemented,
            recovered_len: opened.recovered_len,
        },
        key: PublicKey::Rsa(key.clone()).description(),
    })
}

/// `bytes` left-padded with zeros to `len` (unchanged when already longer).
fn left_pad(bytes: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len.saturating_sub(bytes.len())];
    out.extend_from_slice(bytes);
    out
}

/// What a valid message representative contained.
struct Opened {
    hash: HashAlgorithm,
    trailer: Trailer,
    partial_recovery: bool,
    recovered_len: usize,
}

/// Checks a recovered block `F` against the challenge.
fn open_block(block: &[u8], challenge: &[u8]) -> Result<Opened, AaError> {
    let (&last, before_last) = block.split_last().ok_or(AaError::BadTrailer(0))?;
    let (hash, trailer) = match last {
        0xbc => (HashAlgorithm::Sha1, Trailer::Implicit),
        0xcc => {
            let id = before_last
                .last()
                .copied()
                .ok_or(AaError::BadTrailer(last))?;
            let hash = hash_of_id(id).ok_or(AaError::UnsupportedHashId(id))?;
            (hash, Trailer::Explicit(id))
        }
        other => return Err(AaError::BadTrailer(other)),
    };
    let &header = block.first().ok_or(AaError::BadHeader(0))?;
    // '01' then the more-data bit, then a zero bit; the low nibble A (message starts
    // next) or B (padding BB .. BA follows).
    if header & 0xd0 != 0x40 {
        return Err(AaError::BadHeader(header));
    }
    let partial_recovery = header & PARTIAL_RECOVERY != 0;
    let message_start = match header & 0x0f {
        0x0a => 1,
        0x0b => padding_end(block)?,
        _ => return Err(AaError::BadHeader(header)),
    };
    let trailer_len = trailer.bytes().len();
    let digest_start = block
        .len()
        .checked_sub(trailer_len + hash.output_len())
        .filter(|start| *start > message_start)
        .ok_or(AaError::NoRecoverableMessage)?;
    let (Some(m1), Some(digest)) = (
        block.get(message_start..digest_start),
        block.get(digest_start..block.len() - trailer_len),
    ) else {
        return Err(AaError::NoRecoverableMessage);
    };
    let expected = if partial_recovery {
        hash.digest_parts(&[m1, challenge])
    } else {
        // Full recovery: the whole message, challenge included, is in the block.
        if !m1.ends_with(challenge) {
            return Err(AaError::ChallengeNotRecovered);
        }
        hash.digest(m1)
    };
    if !digests_equal(&expected, digest) {
        return Err(AaError::DigestMismatch(hash));
    }
    Ok(Opened {
        hash,
        trailer,
        partial_recovery,
        recovered_len: m1.len(),
    })
}

/// Index of the first message byte after `header BB .. BB BA`.
fn padding_end(block: &[u8]) -> Result<usize, AaError> {
    for (i, byte) in block.iter().enumerate().skip(1) {
        match byte {
            0xbb => {}
            0xba => return Ok(i + 1),
            _ => return Err(AaError::BadPadding),
        }
    }
    Err(AaError::BadPadding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn opens_every_header_and_trailer_form() {
        let challenge = [1, 2, 3, 4, 5, 6, 7, 8];
        let m1 = [0x55u8; 40];
        for hash in HashAlgorithm::ALL {
            let trailer = if hash == HashAlgorithm::Sha1 {
                vec![0xbc]
            } else {
                vec![hash_id(hash), 0xcc]
            };
            let digest = hash.digest_parts(&[&m1, &challenge]);
            let plain = block(&[&[0x6a], &m1, &digest, &trailer]);
            let opened = open_block(&plain, &challenge).unwrap();
            assert_eq!(opened.hash, hash);
            assert!(opened.partial_recovery);
            assert_eq!(opened.recovered_len, 40);
            let padded = block(&[&[0x6b, 0xbb, 0xbb, 0xba], &m1, &digest, &trailer]);
            assert_eq!(open_block(&padded, &challenge).unwrap().recovered_len, 40);
            let full_msg = [&m1[..], &challenge].concat();
            let full_digest = hash.digest(&full_msg);
            let full = block(&[&[0x4b, 0xba], &full_msg, &full_digest, &trailer]);
            let opened = open_block(&full, &challenge).unwrap();
            assert!(!opened.partial_recovery);
            assert_eq!(
                open_block(&full, &[9; 8]).err(),
                Some(AaError::ChallengeNotRecovered)
            );
        }
    }

    #[test]
    fn names_what_is_wrong() {
        let challenge = [7u8; 8];
        let m1 = [0x11u8; 30];
        let digest = HashAlgorithm::Sha256.digest_parts(&[&m1, &challenge]);
        let good = block(&[&[0x6a], &m1, &digest, &[0x34, 0xcc]]);
        assert!(open_block(&good, &challenge).is_ok());
        let with = |i: usize, v: u8| {
            let mut b = good.clone();
            b[i] = v;
            open_block(&b, &challenge).err()
        };
        let last = good.len() - 1;
        assert_eq!(with(last, 0xcd), Some(AaError::BadTrailer(0xcd)));
        assert_eq!(with(last - 1, 0x31), Some(AaError::UnsupportedHashId(0x31)));
        assert_eq!(with(0, 0x2a), Some(AaError::BadHeader(0x2a)));
        assert_eq!(with(0, 0x7a), Some(AaError::BadHeader(0x7a)));
        assert_eq!(with(0, 0x6c), Some(AaError::BadHeader(0x6c)));
        assert_eq!(with(0, 0x6b), Some(AaError::BadPadding));
        assert_eq!(
            with(5, 0),
            Some(AaError::DigestMismatch(HashAlgorithm::Sha256))
        );
        assert_eq!(
            open_block(&good, &[7u8; 7]).err(),
            Some(AaError::DigestMismatch(HashAlgorithm::Sha256))
        );
        // digest and trailer only: no room for M1
        let empty = block(&[&[0x6a], &digest, &[0x34, 0xcc]]);
        assert_eq!(
            open_block(&empty, &challenge).err(),
            Some(AaError::NoRecoverableMessage)
        );
        assert!(open_block(&[], &challenge).is_err());
        assert!(open_block(&[0xcc], &challenge).is_err());
        assert!(open_block(&[0xbc], &challenge).is_err());
    }

    #[test]
    fn refuses_keys_it_cannot_use() {
        let key = |top: u8, len: usize| RsaPublicKey {
            modulus: [&[top][..], &vec![0xff; len - 1]].concat(),
            exponent: vec![1, 0, 1],
            pss_restriction: None,
        };
        let check = |k: &RsaPublicKey| verify_rsa_iso9796_2(k, &[1; 8], &[0; 128]).err();
        assert_eq!(
            check(&key(0x0f, 128)),
            Some(AaError::UnsupportedModulus { bits: 1020 })
        );
        assert_eq!(
            check(&key(0xff, 1025)),
            Some(AaError::UnsupportedModulus { bits: 8200 })
        );
        let pss = RsaPublicKey {
            pss_restriction: Some(None),
            ..key(0xff, 128)
        };
        assert!(matches!(check(&pss), Some(AaError::UnsuitableKey(_))));
        assert_eq!(
            verify_rsa_iso9796_2(&key(0xff, 128), &[], &[0; 128]).err(),
            Some(AaError::EmptyChallenge)
        );
        // s = 0 recovers 0, whose complement is n: no trailer
        assert_eq!(check(&key(0xff, 128)), Some(AaError::BadTrailer(0xff)));
    }
}
