//! EF.DG15: `6F { SubjectPublicKeyInfo }`, the Active Authentication public key
//! (9303-10 §4.7.15, 9303-11 §6.1).
//!
//! DG15 must be hashed in the SOD before its key is used: a DG15 outside the SOD (as in
//! both BSI reference passports) proves nothing. That check belongs to the verifier;
//! this module only reads the key.

use der::Decode;
use dongpo_crypto::{PublicKey, RsaPublicKey};
use spki::SubjectPublicKeyInfoRef;

use super::{DataGroup, LdsError, LdsFile, outer};
use crate::encoding::tlv::{self, TlvReader};

const FILE: LdsFile = LdsFile::Dg(DataGroup::Dg15);
/// rsaEncryption.
const RSA_ENCRYPTION: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The content of EF.DG15.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dg15<'a> {
    /// The SubjectPublicKeyInfo exactly as stored.
    pub spki: &'a [u8],
    /// The key.
    pub public_key: PublicKey,
    /// The RSA key wrote its modulus (or exponent) as a negative DER INTEGER, without
    /// the leading zero byte, and was read as the unsigned number it obviously means.
    /// The BSI 2008 reference passport does this; a strict policy may refuse such a key.
    pub unsigned_integer_repaired: bool,
}

impl<'a> Dg15<'a> {
    /// Parses the complete EF.DG15 file.
    ///
    /// # Errors
    /// [`LdsError`] for a broken TLV structure, or [`LdsError::Key`] when the SPKI is not
    /// a usable RSA or EC key.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, LdsError> {
        let file = outer(FILE, bytes)?;
        let tlv_err = |source| LdsError::Tlv { file: FILE, source };
        let mut reader = file.children();
        let spki = reader.expect(0x30).map_err(tlv_err)?.raw;
        reader.finish().map_err(tlv_err)?;
        Self::from_spki(spki)
    }

    /// Reads either the EF.DG15 file (`6F ...`) or a bare SubjectPublicKeyInfo (`30 ...`),
    /// the two forms an Active Authentication key is handed over in (`dongpo aa verify
    /// --dg15`). Anything not starting with `30` is read as the file.
    ///
    /// # Errors
    /// As [`Dg15::parse`] or [`Dg15::from_spki`].
    pub fn parse_file_or_spki(bytes: &'a [u8]) -> Result<Self, LdsError> {
        match bytes.first() {
            Some(0x30) => Self::from_spki(bytes),
            _ => Self::parse(bytes),
        }
    }

    /// Reads the SubjectPublicKeyInfo that DG15 holds, given alone, with the same repair
    /// of an unsigned RSA modulus as [`Dg15::parse`].
    ///
    /// # Errors
    /// [`LdsError::Key`] when `spki` is not a usable RSA or EC key.
    pub fn from_spki(spki: &'a [u8]) -> Result<Self, LdsError> {
        match PublicKey::from_spki_der(spki) {
            Ok(public_key) => Ok(Dg15 {
                spki,
                public_key,
                unsigned_integer_repaired: false,
            }),
            Err(source) => match repair_unsigned_rsa(spki) {
                Some(public_key) => Ok(Dg15 {
                    spki,
                    public_key,
                    unsigned_integer_repaired: true,
                }),
                None => Err(LdsError::Key { file: FILE, source }),
            },
        }
    }
}

/// Re-reads an `rsaEncryption` key whose `RSAPublicKey` INTEGERs lack the leading zero
/// that keeps them positive. Any other defect is left for the strict parser to report.
fn repair_unsigned_rsa(spki: &[u8]) -> Option<PublicKey> {
    let info = SubjectPublicKeyInfoRef::from_der(spki).ok()?;
    if info.algorithm.oid != RSA_ENCRYPTION {
        return None;
    }
    let pkcs1 = info.subject_public_key.as_bytes()?;
    let sequence = tlv::parse_single(pkcs1).ok()?.expect_tag(0x30).ok()?;
    let mut fields = TlvReader::new(sequence.value);
    let mut repaired = Vec::new();
    let mut changed = false;
    for _ in 0..2 {
        let int = fields.expect(0x02).ok()?;
        let mut value = int.value.to_vec();
        if value.first().is_some_and(|b| b & 0x80 != 0) {
            value.insert(0, 0);
            changed = true;
        }
        repaired.extend(tlv::encode(&[0x02], &value));
    }
    if !changed || !fields.is_empty() {
        return None;
    }
    let der = tlv::encode(&[0x30], &repaired);
    RsaPublicKey::from_pkcs1(&der, None)
        .ok()
        .map(PublicKey::Rsa)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::tlv::{TlvError, encode};
    use crate::lds::testdata;
    use dongpo_crypto::{Curve, KeyError};

    #[test]
    fn bsi_reference_passport() {
        let bytes = testdata::read("real/bsi-tr03105-5/Datagroup15.bin");
        let dg15 = Dg15::parse(&bytes).unwrap();
        assert_eq!(dg15.public_key.description(), "rsa:1024");
        assert!(!dg15.unsigned_integer_repaired);
        assert_eq!(dg15.spki, &bytes[3..]);
        assert_eq!(
            dg15.spki,
            &testdata::read("real/bsi-tr03105-5/DG15_pk.bin")[..]
        );
    }

    #[test]
    fn bsi_2008_passport_writes_a_negative_modulus() {
        let bytes = testdata::read("real/jmrtd-bsi2008/Datagroup15.bin");
        // The strict reader refuses it ...
        assert!(matches!(
            PublicKey::from_spki_der(&bytes[3..]),
            Err(KeyError::Malformed { .. })
        ));
        // ... DG15 reads it as the unsigned number and says so.
        let dg15 = Dg15::parse(&bytes).unwrap();
        assert!(dg15.unsigned_integer_repaired);
        let PublicKey::Rsa(rsa) = &dg15.public_key else {
            panic!("not RSA")
        };
        assert_eq!(rsa.bits(), 1024);
        assert_eq!(rsa.modulus[..4], [0xCF, 0x9A, 0x8B, 0xA6]);
        assert_eq!(rsa.exponent, [0x01, 0x00, 0x01]);
    }

    #[test]
    fn active_authentication_sample_is_rsa_1792() {
        let bytes = testdata::read("real/active-auth/EF_DG15.bin");
        let dg15 = Dg15::parse(&bytes).unwrap();
        assert_eq!(dg15.public_key.description(), "rsa:1792");
        assert_eq!(dg15.spki, &bytes[4..]);
    }

    #[test]
    fn synthetic_documents() {
        for dir in testdata::synthetic_dirs() {
            let bytes = testdata::read(&format!("{dir}/DG15.bin"));
            let dg15 = Dg15::parse(&bytes).unwrap();
            assert!(!dg15.unsigned_integer_repaired);
            match &dg15.public_key {
                PublicKey::Rsa(_) => assert!(dir.contains("rsa"), "{dir}"),
                PublicKey::Ec(ec) => {
                    assert!(!dir.contains("rsa"), "{dir}");
                    // Brainpool keys spell their parameters out, NIST keys name the curve.
                    assert_eq!(ec.explicit_parameters, dir.contains("bp"), "{dir}");
                    let expected = match dir.split('/').nth(1).unwrap() {
                        "bp256" => Curve::BrainpoolP256r1,
                        "bp384" => Curve::BrainpoolP384r1,
                        "bp512" => Curve::BrainpoolP512r1,
                        "p256" => Curve::P256,
                        "p384" => Curve::P384,
                        "p521" => Curve::P521,
                        other => panic!("{other}"),
                    };
                    assert_eq!(ec.curve, expected);
                }
            }
        }
    }

    #[test]
    fn dg15_wrapper_is_stripped_in_every_length_form() {
        let spki = testdata::read("real/bsi-tr03105-5/DG15_pk.bin");
        let bare = Dg15::parse_file_or_spki(&spki).unwrap();
        assert_eq!(bare.spki, &spki[..]);
        let len = u16::try_from(spki.len()).unwrap().to_be_bytes();
        let long = [&[0x6f, 0x82][..], &len, &spki].concat();
        let short_form = encode(&[0x6f], &spki);
        for file in [&short_form, &long] {
            let dg15 = Dg15::parse_file_or_spki(file).unwrap();
            assert_eq!(dg15, bare);
        }
        for bad in [
            &[][..],
            &[0x6f],
            &[0x6f, 0x82, 0],
            &[0x6f, 3, 1, 2],
            &[0x6f, 1, 1, 2],
            &[0x6f, 0x80],
            &[0x04, 0x00],
            &[0x30, 0x03, 1, 2, 3],
        ] {
            assert!(Dg15::parse_file_or_spki(bad).is_err(), "{bad:02x?}");
        }
    }

    #[test]
    fn hostile_input_gives_typed_errors() {
        let good = testdata::read("real/active-auth/EF_DG15.bin");
        for bytes in testdata::hostile_inputs(&good) {
            assert!(Dg15::parse(&bytes).is_err(), "{} bytes", bytes.len());
        }
        assert!(matches!(
            Dg15::parse(&[]),
            Err(LdsError::Tlv {
                source: TlvError::UnexpectedEnd { .. },
                ..
            })
        ));
        let mut wrong = good.clone();
        wrong[0] = 0x6E;
        assert!(matches!(
            Dg15::parse(&wrong),
            Err(LdsError::WrongTag {
                expected: 0x6F,
                found: 0x6E,
                ..
            })
        ));
        // A well-formed TLV around a key that is not one.
        let not_a_key = encode(&[0x6F], &encode(&[0x30], &encode(&[0x02], &[1])));
        assert!(matches!(
            Dg15::parse(&not_a_key),
            Err(LdsError::Key {
                source: KeyError::Malformed { .. },
                ..
            })
        ));
        // A negative modulus that is also even is not repaired into a key.
        let mut even = testdata::read("real/jmrtd-bsi2008/Datagroup15.bin");
        let modulus_end = 3 + 3 + 15 + 4 + 3 + 3 + 128 - 1;
        even[modulus_end] &= 0xFE;
        assert!(matches!(Dg15::parse(&even), Err(LdsError::Key { .. })));
    }
}
