//! Test-only prime generation (Miller-Rabin) for building deliberately weak RSA moduli.

use num_bigint::BigUint;
use num_traits::One;

/// A uniformly random integer in `[0, bound)` from the OS CSPRNG (`bound` > 0).
pub(super) fn random_below(bound: &BigUint) -> BigUint {
    let len = usize::try_from(bound.bits().div_ceil(8)).unwrap() + 8;
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).unwrap();
    // 64 extra bits make the modulo bias negligible for a test.
    BigUint::from_bytes_be(&bytes) % bound
}

/// Miller-Rabin with 32 random bases after trial division by the primes below 1000.
pub(super) fn is_probable_prime(n: &BigUint) -> bool {
    let two = BigUint::from(2u32);
    if *n < two {
        return false;
    }
    let bytes = n.to_bytes_be();
    for p in super::rsa::small_primes(1000) {
        if *n == BigUint::from(p) {
            return true;
        }
        if super::rsa::rem(&bytes, p) == 0 {
            return false;
        }
    }
    let n_minus_1 = n - 1u32;
    let s = n_minus_1.trailing_zeros().unwrap();
    let d = &n_minus_1 >> s;
    'witness: for _ in 0..32 {
        let a = random_below(&(n - 3u32)) + 2u32;
        let mut x = a.modpow(&d, n);
        if x.is_one() || x == n_minus_1 {
            continue;
        }
        for _ in 1..s {
            x = x.modpow(&two, n);
            if x == n_minus_1 {
                continue 'witness;
            }
        }
        return false;
    }
    true
}

/// The smallest probable prime `>= from`.
pub(super) fn next_prime(from: &BigUint) -> BigUint {
    let mut candidate = from | BigUint::one();
    while !is_probable_prime(&candidate) {
        candidate += 2u32;
    }
    candidate
}
