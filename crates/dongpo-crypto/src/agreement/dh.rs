//! Finite-field Diffie-Hellman over a prime-order subgroup `(p, q, g)` (X9.42
//! `DomainParameters`, as a DG14 `dhpublicnumber` key carries them).
//!
//! Secret exponentiations run on `crypto-bigint`'s Montgomery form (`BoxedMontyForm::pow`),
//! whose running time depends on the exponent's *length* (fixed per group: `|q|` bytes for
//! a private key, the nonce length for the PACE mapping) and not on its value. Checks on
//! public values (`y^q mod p`) use variable-time `num-bigint`.

use std::fmt;
use std::sync::OnceLock;

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use der::asn1::UintRef;
use der::{Decode, Encode, Sequence};
use num_bigint::BigUint;
use num_traits::{One, Zero};
use zeroize::{Zeroize, Zeroizing};

use super::AgreementError;

/// The smallest DH prime `p` accepted, in bits (RFC 5114's smallest group).
pub const MIN_DH_P_BITS: u64 = 1024;
/// The largest DH prime `p` accepted, in bits: bounds the cost of one exponentiation on
/// parameters read from a document.
pub const MAX_DH_P_BITS: u64 = 4096;
/// The smallest subgroup order `q` accepted, in bits.
pub const MIN_DH_Q_BITS: u64 = 160;

/// A finite-field DH group: a prime `p`, the prime order `q` of the subgroup and a generator
/// `g` of that subgroup.
///
/// Built from known constants ([`DhGroup::rfc5114_1024_160`] and its two siblings), from
/// X9.42 `DomainParameters` DER ([`DhGroup::from_x942_der`]) or from the three integers
/// ([`DhGroup::new`]). Anything not one of the RFC 5114 groups is checked on the way in:
/// `p` of 1024-4096 bits and odd, `q` of at least 160 bits, a probable prime (BPSW) dividing
/// `p - 1`, and `1 < g < p - 1` with `g^q = 1 (mod p)`. The primality of `p` itself is not
/// tested (the subgroup checks on `q` are what the protocols rely on).
#[derive(Clone, PartialEq, Eq)]
pub struct DhGroup {
    p: BigUint,
    q: BigUint,
    g: BigUint,
    name: Option<&'static str>,
}

/// X9.42 `DomainParameters` (RFC 3279 §2.3.3): `p`, `g`, `q`, then optional `j` and
/// `validationParms`, which play no part here.
#[derive(Sequence)]
struct DomainParametersAsn1<'a> {
    p: UintRef<'a>,
    g: UintRef<'a>,
    q: UintRef<'a>,
    #[asn1(optional = "true")]
    j: Option<UintRef<'a>>,
    #[asn1(optional = "true")]
    validation: Option<der::asn1::AnyRef<'a>>,
}

/// RFC 5114 §2.1, 1024-bit MODP group with a 160-bit prime-order subgroup.
const RFC5114_1024_160: [&str; 3] = [
    "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
    "F518AA8781A8DF278ABA4E7D64B7CB9D49462353",
    "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
];
/// RFC 5114 §2.2, 2048-bit MODP group with a 224-bit prime-order subgroup.
const RFC5114_2048_224: [&str; 3] = [
    "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
    "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB",
    "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
];
/// RFC 5114 §2.3, 2048-bit MODP group with a 256-bit prime-order subgroup.
const RFC5114_2048_256: [&str; 3] = [
    "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3",
    "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
];

/// A known group: built on first use from its name and `[p, q, g]` as hex.
type Known = (OnceLock<DhGroup>, &'static str, [&'static str; 3]);

/// The known groups, in the order of ICAO 9303-11's standardized domain parameters 0-2.
static KNOWN: [Known; 3] = [
    (OnceLock::new(), "rfc5114-1024-160", RFC5114_1024_160),
    (OnceLock::new(), "rfc5114-2048-224", RFC5114_2048_224),
    (OnceLock::new(), "rfc5114-2048-256", RFC5114_2048_256),
];

fn known((cell, name, [p, q, g]): &'static Known) -> &'static DhGroup {
    cell.get_or_init(|| {
        // The constants are well-formed hex (the RFC 5114 tests compare them with OpenSSL).
        let big = |s: &str| BigUint::parse_bytes(s.as_bytes(), 16).unwrap_or_default();
        DhGroup {
            p: big(p),
            q: big(q),
            g: big(g),
            name: Some(name),
        }
    })
}

fn bad_group(reason: &'static str) -> AgreementError {
    AgreementError::BadDhGroup(reason)
}

impl DhGroup {
    /// RFC 5114 §2.1: the 1024-bit MODP group with a 160-bit subgroup (ICAO 9303-11
    /// standardized domain parameters 0, used by the PACE worked example of Appendix H).
    #[must_use]
    pub fn rfc5114_1024_160() -> DhGroup {
        let [group, _, _] = &KNOWN;
        known(group).clone()
    }

    /// RFC 5114 §2.2: the 2048-bit MODP group with a 224-bit subgroup (standardized domain
    /// parameters 1).
    #[must_use]
    pub fn rfc5114_2048_224() -> DhGroup {
        let [_, group, _] = &KNOWN;
        known(group).clone()
    }

    /// RFC 5114 §2.3: the 2048-bit MODP group with a 256-bit subgroup (standardized domain
    /// parameters 2).
    #[must_use]
    pub fn rfc5114_2048_256() -> DhGroup {
        let [_, _, group] = &KNOWN;
        known(group).clone()
    }

    /// A group from big-endian `p`, `q` and `g` (leading zero bytes allowed).
    ///
    /// # Errors
    /// [`AgreementError::BadDhGroup`] naming the failed check (see the type's documentation).
    pub fn new(p: &[u8], q: &[u8], g: &[u8]) -> Result<DhGroup, AgreementError> {
        let (p, q, g) = (
            BigUint::from_bytes_be(p),
            BigUint::from_bytes_be(q),
            BigUint::from_bytes_be(g),
        );
        if let Some(group) = KNOWN
            .iter()
            .map(known)
            .find(|k| k.p == p && k.q == q && k.g == g)
        {
            return Ok(group.clone());
        }
        let p_bits = p.bits();
        if !(MIN_DH_P_BITS..=MAX_DH_P_BITS).contains(&p_bits) {
            return Err(bad_group("p must have 1024 to 4096 bits"));
        }
        if !p.bit(0) {
            return Err(bad_group("p is even"));
        }
        if q.bits() < MIN_DH_Q_BITS || q.bits() >= p_bits {
            return Err(bad_group(
                "q must have at least 160 bits and be shorter than p",
            ));
        }
        let p_minus_1 = &p - 1u32;
        if !(&p_minus_1 % &q).is_zero() {
            return Err(bad_group("q does not divide p - 1"));
        }
        if g <= BigUint::one() || g >= p_minus_1 {
            return Err(bad_group("g must satisfy 1 < g < p - 1"));
        }
        if !g.modpow(&q, &p).is_one() {
            return Err(bad_group("g does not generate a subgroup of order q"));
        }
        let q_crypto = BoxedUint::from_be_slice_vartime(&q.to_bytes_be());
        if !crypto_primes::is_prime(crypto_primes::Flavor::Any, &q_crypto) {
            return Err(bad_group("q is not prime"));
        }
        Ok(DhGroup {
            p,
            q,
            g,
            name: None,
        })
    }

    /// A group from DER X9.42 `DomainParameters` (`SEQUENCE { p, g, q, j OPTIONAL,
    /// validationParms OPTIONAL }`), the parameters of a `dhpublicnumber` key.
    ///
    /// # Errors
    /// [`AgreementError::Malformed`] for bad DER, otherwise as [`DhGroup::new`].
    pub fn from_x942_der(der: &[u8]) -> Result<DhGroup, AgreementError> {
        let asn1 = DomainParametersAsn1::from_der(der).map_err(|e| AgreementError::Malformed {
            what: "X9.42 DomainParameters",
            reason: e.to_string(),
        })?;
        DhGroup::new(asn1.p.as_bytes(), asn1.q.as_bytes(), asn1.g.as_bytes())
    }

    /// DER X9.42 `DomainParameters` of this group (`p`, `g`, `q`; no `j`, no validation
    /// parameters).
    #[must_use]
    pub fn to_x942_der(&self) -> Vec<u8> {
        let (p, g, q) = (
            self.p.to_bytes_be(),
            self.g.to_bytes_be(),
            self.q.to_bytes_be(),
        );
        let (Ok(p), Ok(g), Ok(q)) = (UintRef::new(&p), UintRef::new(&g), UintRef::new(&q)) else {
            return Vec::new();
        };
        DomainParametersAsn1 {
            p,
            g,
            q,
            j: None,
            validation: None,
        }
        .to_der()
        .unwrap_or_default()
    }

    /// `rfc5114-1024-160`, `rfc5114-2048-224` or `rfc5114-2048-256` for the known groups.
    #[must_use]
    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// The prime `p`, big-endian, no leading zeros.
    #[must_use]
    pub fn p(&self) -> Vec<u8> {
        self.p.to_bytes_be()
    }

    /// The subgroup order `q`, big-endian, no leading zeros.
    #[must_use]
    pub fn q(&self) -> Vec<u8> {
        self.q.to_bytes_be()
    }

    /// The generator `g`, big-endian, left-padded to [`DhGroup::p_len`] bytes.
    #[must_use]
    pub fn g(&self) -> Vec<u8> {
        self.pad(&self.g)
    }

    /// Bytes in `p` (`ceil(bits(p) / 8)`): the length of every public value and shared
    /// secret of the group.
    #[must_use]
    pub fn p_len(&self) -> usize {
        usize::try_from(self.p.bits().div_ceil(8)).unwrap_or(usize::MAX)
    }

    /// Bytes in `q`: the length of a private exponent.
    #[must_use]
    pub fn q_len(&self) -> usize {
        usize::try_from(self.q.bits().div_ceil(8)).unwrap_or(usize::MAX)
    }

    /// Bits in `p` and `q`, for descriptions (`2048/224`).
    pub(super) fn bits(&self) -> (u64, u64) {
        (self.p.bits(), self.q.bits())
    }

    /// `x` big-endian, left-padded to `p_len` bytes.
    pub(super) fn pad(&self, x: &BigUint) -> Vec<u8> {
        let raw = x.to_bytes_be();
        let raw: &[u8] = if x.is_zero() { &[] } else { &raw };
        let mut out = vec![0u8; self.p_len().saturating_sub(raw.len())];
        out.extend_from_slice(raw);
        out
    }

    /// The same group with another generator (the PACE mapped generator `g~`).
    pub(super) fn with_generator(&self, g: BigUint) -> DhGroup {
        DhGroup { g, ..self.clone() }
    }

    /// Checks a public value: `1 < y < p - 1` and `y^q = 1 (mod p)` (variable time: `y`
    /// is public). Accepts up to `p_len` bytes; returns `y` padded to `p_len`.
    pub(super) fn check_public(&self, y: &[u8]) -> Result<Vec<u8>, AgreementError> {
        let significant = y
            .iter()
            .position(|&b| b != 0)
            .and_then(|i| y.get(i..))
            .unwrap_or_default();
        if significant.len() > self.p_len() {
            return Err(AgreementError::DhOutOfRange);
        }
        let y = BigUint::from_bytes_be(significant);
        if y <= BigUint::one() || y >= &self.p - 1u32 {
            return Err(AgreementError::DhOutOfRange);
        }
        if !y.modpow(&self.q, &self.p).is_one() {
            return Err(AgreementError::DhNotInSubgroup);
        }
        Ok(self.pad(&y))
    }

    /// `1 <= x < q` for a private exponent of exactly `q_len` bytes, in constant time (a
    /// borrow chain over every byte; no copy of `x` is made).
    pub(super) fn is_private(&self, x: &[u8]) -> bool {
        let q = self.q.to_bytes_be();
        if x.len() != q.len() {
            return false;
        }
        let mut borrow = 0u16;
        let mut any = 0u8;
        for (&a, &b) in x.iter().zip(q.iter()).rev() {
            let diff = u16::from(a).wrapping_sub(u16::from(b)).wrapping_sub(borrow);
            borrow = (diff >> 8) & 1;
            any |= a;
        }
        // x - q borrows exactly when x < q.
        (any != 0) & (borrow == 1)
    }

    fn params(&self) -> Result<BoxedMontyParams, AgreementError> {
        let p = BoxedUint::from_be_slice_vartime(&self.p.to_bytes_be());
        let odd: Option<Odd<BoxedUint>> = Odd::new(p).into();
        odd.map(BoxedMontyParams::new_vartime)
            .ok_or_else(|| bad_group("p is even"))
    }

    fn to_monty(&self, x: &BigUint, params: &BoxedMontyParams) -> BoxedMontyForm {
        to_monty(&x.to_bytes_be(), params)
    }

    /// `base^exponent mod p`, padded to `p_len` bytes; constant time in the value of the
    /// exponent (its length is public). `base` (big-endian, `< p`) is the generator when
    /// `None`.
    pub(super) fn pow_secret(
        &self,
        base: Option<&[u8]>,
        exponent: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AgreementError> {
        let params = self.params()?;
        let base = match base {
            Some(b) => to_monty(b, &params),
            None => self.to_monty(&self.g, &params),
        };
        let result = pow(&base, exponent);
        Ok(self.retrieve(&result))
    }

    /// `g^s * h mod p` (the PACE generic mapping); constant time in `s` and `h`.
    pub(super) fn map(&self, s: &[u8], h: &[u8]) -> Result<BigUint, AgreementError> {
        let params = self.params()?;
        let g_s = pow(&self.to_monty(&self.g, &params), s);
        let mapped = &g_s * &to_monty(h, &params);
        let bytes = self.retrieve(&mapped);
        let g = BigUint::from_bytes_be(&bytes);
        if g <= BigUint::one() {
            return Err(AgreementError::Degenerate);
        }
        Ok(g)
    }

    fn retrieve(&self, x: &BoxedMontyForm) -> Zeroizing<Vec<u8>> {
        let mut value = x.retrieve();
        let bytes = Zeroizing::new(value.to_be_bytes().into_vec());
        value.zeroize();
        let skip = bytes.len().saturating_sub(self.p_len());
        Zeroizing::new(bytes.get(skip..).unwrap_or_default().to_vec())
    }
}

/// A big-endian value below `p` in Montgomery form (the value is not examined).
fn to_monty(bytes: &[u8], params: &BoxedMontyParams) -> BoxedMontyForm {
    let uint = BoxedUint::from_be_slice_truncated(bytes, params.bits_precision());
    BoxedMontyForm::new(uint, params)
}

/// `base^exponent` with the exponent as a fixed-precision big-endian integer.
fn pow(base: &BoxedMontyForm, exponent: &[u8]) -> BoxedMontyForm {
    let bits = u32::try_from(exponent.len().saturating_mul(8).div_ceil(64).max(1) * 64)
        .unwrap_or(u32::MAX);
    let mut e = BoxedUint::from_be_slice_truncated(exponent, bits);
    let out = base.pow(&e);
    e.zeroize();
    out
}

impl fmt::Debug for DhGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (p, q) = self.bits();
        f.debug_struct("DhGroup")
            .field("name", &self.name)
            .field("p_bits", &p)
            .field("q_bits", &q)
            .finish_non_exhaustive()
    }
}
