//! RSA exponent and small-factor checks.

use super::KeyRejection;

/// The only public exponent accepted: what every sane generator uses, and what lets
/// us refuse e = 3 (broadcast and padding attacks) and odd custom values alike.
const F4: [u8; 3] = [0x01, 0x00, 0x01];

/// Bound of the trial division (EJBCA stops at 752; Boulder at a similar size).
const SMALL_FACTOR_BOUND: u32 = 1000;

/// Refuses any exponent other than 65537 (`exponent` is big-endian without leading zeros).
pub(super) fn check_exponent(exponent: &[u8]) -> Result<(), KeyRejection> {
    let trimmed = trim_leading_zeros(exponent);
    if trimmed == F4 {
        return Ok(());
    }
    // Huge exponents are described by size: the text stays short.
    let shown = if trimmed.len() <= 8 {
        trimmed
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
            .to_string()
    } else {
        format!("of {} bits", trimmed.len() * 8)
    };
    Err(KeyRejection::RsaExponent(shown))
}

/// Refuses a modulus divisible by any prime below 1000 (2 included: an even modulus).
pub(super) fn check_small_factors(modulus: &[u8]) -> Result<(), KeyRejection> {
    match small_primes(SMALL_FACTOR_BOUND).find(|&p| rem(modulus, p) == 0) {
        Some(p) => Err(KeyRejection::RsaSmallFactor(p)),
        None => Ok(()),
    }
}

/// The primes below `bound`, by trial division (cheap next to the checks that follow).
pub(super) fn small_primes(bound: u32) -> impl Iterator<Item = u32> {
    (2..bound).filter(|&n| (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0))
}

/// `n mod m` for a big-endian `n`, by Horner's rule in 64-bit words (no allocation).
pub(super) fn rem(n: &[u8], m: u32) -> u32 {
    let m = u64::from(m.max(1));
    let r = n.iter().fold(0u64, |r, b| ((r << 8) | u64::from(*b)) % m);
    // r < m <= u32::MAX, so the conversion cannot fail.
    u32::try_from(r).unwrap_or(u32::MAX)
}

fn trim_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;

    #[test]
    fn small_primes_are_the_168_primes_below_1000() {
        let primes: Vec<u32> = small_primes(1000).collect();
        assert_eq!(primes.len(), 168);
        assert_eq!(&primes[..5], &[2, 3, 5, 7, 11]);
        assert_eq!(primes.last(), Some(&997));
    }

    #[test]
    fn remainder_matches_bigint() {
        let n = BigUint::parse_bytes(b"123456789012345678901234567890123456789", 10).unwrap();
        for m in [1u32, 2, 3, 997, 65537, u32::MAX] {
            let expected = (&n % m).to_u32_digits().first().copied().unwrap_or(0);
            assert_eq!(rem(&n.to_bytes_be(), m), expected, "mod {m}");
        }
    }

    #[test]
    fn exponent_65537_passes_with_or_without_leading_zero() {
        assert_eq!(check_exponent(&[1, 0, 1]), Ok(()));
        assert_eq!(check_exponent(&[0, 1, 0, 1]), Ok(()));
        assert_eq!(
            check_exponent(&[]),
            Err(KeyRejection::RsaExponent("0".into()))
        );
        assert_eq!(
            check_exponent(&[0xff; 16]),
            Err(KeyRejection::RsaExponent("of 128 bits".into()))
        );
    }

    #[test]
    fn smallest_prime_factor_below_1000_is_reported() {
        // 1009 is the first prime above the bound: its powers must pass.
        let clean = BigUint::from(1009u32).pow(200);
        assert_eq!(check_small_factors(&clean.to_bytes_be()), Ok(()));
        let with_997 = &clean * 997u32;
        assert_eq!(
            check_small_factors(&with_997.to_bytes_be()),
            Err(KeyRejection::RsaSmallFactor(997))
        );
        let with_3_and_997 = &with_997 * 3u32;
        assert_eq!(
            check_small_factors(&with_3_and_997.to_bytes_be()),
            Err(KeyRejection::RsaSmallFactor(3))
        );
    }
}
