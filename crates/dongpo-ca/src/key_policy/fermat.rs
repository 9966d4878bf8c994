//! Fermat factorisation: a modulus whose primes are close together is `a^2 - b^2` for
//! an `a` just above its square root (the flaw of some Canon/Fujifilm printers' keys,
//! CVE-2022-26320). Bounded like Boulder's check: `rounds` candidates for `a`.

use num_bigint::BigUint;
use num_traits::Zero;

/// True when `n = (a - b)(a + b)` with a nontrivial `a - b > 1` for one of the first
/// `rounds` values `a = ceil(sqrt n), ceil(sqrt n) + 1, ...`.
pub(super) fn factors_within(n: &BigUint, rounds: u32) -> bool {
    if n.is_zero() {
        return false;
    }
    let mut a = n.sqrt();
    if &a * &a < *n {
        a += 1u32;
    }
    // ceil(sqrt n) (not Boulder's floor + 1) so that n = p^2 is caught as well.
    let mut b2 = &a * &a - n;
    for _ in 0..rounds {
        let b = b2.sqrt();
        if &b * &b == b2 && &a - &b > BigUint::from(1u32) {
            return true;
        }
        // (a + 1)^2 - n = (a^2 - n) + 2a + 1
        b2 += &a << 1u32;
        b2 += 1u32;
        a += 1u32;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::test_primes::next_prime;
    use super::super::{KeyPolicy, KeyRejection};
    use super::*;
    use dongpo_crypto::{KeySpec, PublicKey, RsaPublicKey, SigningKey};

    #[test]
    fn round_count_is_exact() {
        // 11 * 1009: a = (11 + 1009) / 2 = 510, ceil(sqrt(11099)) = 106: the 405th candidate.
        let n = BigUint::from(11u32 * 1009);
        assert!(!factors_within(&n, 404));
        assert!(factors_within(&n, 405));
        // 101 * 103 is found at once.
        assert!(factors_within(&BigUint::from(101u32 * 103), 1));
        assert!(!factors_within(&BigUint::from(101u32 * 103), 0));
    }

    #[test]
    fn squares_are_found_and_primes_are_not() {
        assert!(factors_within(&BigUint::from(1009u32 * 1009), 1));
        // a prime only has the trivial a - b = 1 representation
        assert!(!factors_within(&BigUint::from(1_000_003u32), 10_000));
        assert!(!factors_within(&BigUint::zero(), 10));
    }

    #[test]
    fn consecutive_primes_around_2_1024_are_refused() {
        let start = (BigUint::from(1u32) << 1024u32) - (BigUint::from(1u32) << 1000u32);
        let p = next_prime(&start);
        let q = next_prime(&(&p + 2u32));
        let n = &p * &q;
        assert_eq!(n.bits(), 2048);
        let key = PublicKey::Rsa(RsaPublicKey {
            modulus: n.to_bytes_be(),
            exponent: vec![1, 0, 1],
            pss_restriction: None,
        });
        let policy = KeyPolicy::new(vec![KeySpec::Rsa(2048)]);
        assert_eq!(policy.check(&key), Err(KeyRejection::FermatFactorable));
        // Zero rounds switch the check off (and nothing else catches this key).
        assert_eq!(policy.with_fermat_rounds(0).check(&key), Ok(()));
    }

    #[test]
    fn generated_keys_are_not_fermat_factorable() {
        let key = SigningKey::generate(KeySpec::Rsa(2048)).unwrap();
        let PublicKey::Rsa(rsa) = key.public_key() else {
            panic!()
        };
        assert!(!factors_within(&BigUint::from_bytes_be(&rsa.modulus), 110));
    }
}
