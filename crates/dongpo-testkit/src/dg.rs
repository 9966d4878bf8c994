//! LDS files: EF.COM, DG1 (MRZ), DG2 (face), DG14 (SecurityInfos), DG15 (AA key).

use der::asn1::{Any, ObjectIdentifier, SetOfVec};
use der::{Decode, Encode, Sequence};
use dongpo_crypto::{PublicKey, SignatureAlgorithm};
use dongpo_icao::{oid, tlv};

use crate::rng::SeededRng;

/// The face drawing every DG2 carries (see `assets/README.md`).
const FACE_JPEG: &[u8] = include_bytes!("../assets/face.jpg");

/// Size a DG2 is padded to, close to a real passport's.
const DG2_TARGET_LEN: usize = 16 * 1024;

/// EF.COM listing `data_groups` (9303-10 §4.6.1).
#[must_use]
pub fn ef_com(lds_version: &str, data_groups: &[u8]) -> Vec<u8> {
    let tags: Vec<u8> = data_groups
        .iter()
        .filter_map(|n| data_group_tag(*n))
        .collect();
    let mut body = tlv::encode(&[0x5f, 0x01], lds_version.as_bytes());
    body.extend(tlv::encode(&[0x5f, 0x36], b"040000"));
    body.extend(tlv::encode(&[0x5c], &tags));
    tlv::encode(&[0x60], &body)
}

/// The outer tag of data group `n`.
#[must_use]
pub fn data_group_tag(n: u8) -> Option<u8> {
    const TAGS: [u8; 16] = [
        0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
        0x70,
    ];
    TAGS.get(usize::from(n).checked_sub(1)?).copied()
}

/// DG1: `61 { 5F1F mrz }`.
#[must_use]
pub fn dg1(mrz: &str) -> Vec<u8> {
    tlv::encode(&[0x61], &tlv::encode(&[0x5f, 0x1f], mrz.as_bytes()))
}

/// A JPEG with a comment segment of seeded filler bytes, so that the image is the
/// same drawing but the DG2 has a realistic size and differs per person.
fn padded_jpeg(rng: &mut SeededRng, pad: usize) -> Vec<u8> {
    let (soi, rest) = FACE_JPEG.split_at(2.min(FACE_JPEG.len()));
    let mut out = soi.to_vec();
    let mut remaining = pad;
    while remaining > 0 {
        let chunk = remaining.min(60_000);
        out.extend_from_slice(&[0xff, 0xfe]);
        out.extend_from_slice(&((chunk + 2) as u16).to_be_bytes());
        out.extend(rng.bytes(chunk));
        remaining -= chunk;
    }
    out.extend_from_slice(rest);
    out
}

/// ISO/IEC 19794-5:2005 facial record around one JPEG.
fn facial_record(jpeg: &[u8]) -> Vec<u8> {
    const FACE_INFO_LEN: usize = 20;
    const IMAGE_INFO_LEN: usize = 12;
    let block_len = FACE_INFO_LEN + IMAGE_INFO_LEN + jpeg.len();
    let record_len = 14 + block_len;
    let mut out = Vec::with_capacity(record_len);
    out.extend_from_slice(b"FAC\x00010\x00");
    out.extend_from_slice(&(record_len as u32).to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes()); // one face image
    out.extend_from_slice(&(block_len as u32).to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes()); // no feature points
    out.extend_from_slice(&[0, 0, 0]); // gender, eye colour, hair colour unspecified
    out.extend_from_slice(&[0, 0, 0]); // feature mask
    out.extend_from_slice(&[0, 0]); // expression unspecified
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // pose angles and uncertainty
    out.push(1); // full frontal
    out.push(0); // JPEG
    out.extend_from_slice(&24u16.to_be_bytes());
    out.extend_from_slice(&32u16.to_be_bytes());
    out.push(2); // greyscale
    out.push(2); // source: digital still camera
    out.extend_from_slice(&[0, 0, 0, 0]); // device type, quality
    out.extend_from_slice(jpeg);
    out
}

/// DG2: one face in a Biometric Information Group Template (9303-10 §4.7.2).
#[must_use]
pub fn dg2(rng: &mut SeededRng) -> Vec<u8> {
    let overhead = 14 + 20 + 12 + FACE_JPEG.len() + 60;
    let jpeg = padded_jpeg(rng, DG2_TARGET_LEN.saturating_sub(overhead + 4));
    let mut header = tlv::encode(&[0x80], &[0x01, 0x01]);
    header.extend(tlv::encode(&[0x81], &[0x02])); // biometric type: facial features
    header.extend(tlv::encode(&[0x87], &[0x01, 0x01])); // format owner: ISO/IEC JTC1 SC37
    header.extend(tlv::encode(&[0x88], &[0x00, 0x08])); // format type: face image
    let mut bit = tlv::encode(&[0xa1], &header);
    bit.extend(tlv::encode(&[0x5f, 0x2e], &facial_record(&jpeg)));
    let mut group = tlv::encode(&[0x02], &[0x01]);
    group.extend(tlv::encode(&[0x7f, 0x60], &bit));
    tlv::encode(&[0x75], &tlv::encode(&[0x7f, 0x61], &group))
}

/// `SecurityInfo ::= SEQUENCE { protocol, requiredData, optionalData OPTIONAL }` with
/// the two shapes DG14 needs.
#[derive(Sequence)]
struct SecurityInfo {
    protocol: ObjectIdentifier,
    required: Any,
    #[asn1(optional = "true")]
    optional: Option<Any>,
}

fn info(protocol: ObjectIdentifier, required: Any, optional: Option<Any>) -> der::Result<Vec<u8>> {
    SecurityInfo {
        protocol,
        required,
        optional,
    }
    .to_der()
}

/// DG14: Chip Authentication (public key + info), PACE, and ActiveAuthenticationInfo
/// when Active Authentication uses ECDSA.
///
/// # Errors
/// A DER encoding error (not expected for generated values).
pub fn dg14(
    chip_auth_key: &PublicKey,
    aa_algorithm: Option<SignatureAlgorithm>,
) -> der::Result<Vec<u8>> {
    let infos = chip_auth_infos(
        oid::PK_ECDH,
        &chip_auth_key.to_spki_der(),
        oid::CA_ECDH_AES_CBC_CMAC_128,
    )?;
    dg14_with_chip_auth(infos, aa_algorithm)
}

/// The two SecurityInfos that offer Chip Authentication v1 without key id: a
/// `ChipAuthenticationPublicKeyInfo` (`key_protocol` id-PK-DH or id-PK-ECDH, the key's
/// DER SubjectPublicKeyInfo `spki`) and a `ChipAuthenticationInfo` (`ca_protocol`,
/// version 1).
///
/// # Errors
/// A DER encoding error (`spki` is not DER).
pub fn chip_auth_infos(
    key_protocol: ObjectIdentifier,
    spki: &[u8],
    ca_protocol: ObjectIdentifier,
) -> der::Result<Vec<Vec<u8>>> {
    Ok(vec![
        info(key_protocol, Any::from_der(spki)?, None)?,
        info(ca_protocol, Any::encode_from(&1u8)?, None)?,
    ])
}

/// DG14 holding the Chip Authentication SecurityInfos `chip_auth` (DER; empty: the chip
/// offers no Chip Authentication), the PACE info, and ActiveAuthenticationInfo when
/// Active Authentication uses ECDSA.
///
/// # Errors
/// A DER encoding error (not expected for generated values).
pub fn dg14_with_chip_auth(
    chip_auth: Vec<Vec<u8>>,
    aa_algorithm: Option<SignatureAlgorithm>,
) -> der::Result<Vec<u8>> {
    let mut infos = chip_auth;
    infos.push(info(
        oid::PACE_ECDH_GM_AES_CBC_CMAC_128,
        Any::encode_from(&2u8)?,
        Some(Any::encode_from(&13u8)?),
    )?);
    if let Some(alg) = aa_algorithm {
        let alg_oid = Any::encode_from(&alg.oid())?;
        infos.push(info(
            oid::AA_PROTOCOL,
            Any::encode_from(&1u8)?,
            Some(alg_oid),
        )?);
    }
    let mut set = SetOfVec::new();
    for encoded in infos {
        set.insert(Any::from_der(&encoded)?)?;
    }
    Ok(tlv::encode(&[0x6e], &set.to_der()?))
}

/// DG15: the Active Authentication public key.
#[must_use]
pub fn dg15(aa_key_spki: &[u8]) -> Vec<u8> {
    tlv::encode(&[0x6f], aa_key_spki)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dg2_is_realistic_and_wraps_the_jpeg() {
        let dg = dg2(&mut SeededRng::new(1, "dg2"));
        assert!(
            dg.len() > 15_000 && dg.len() <= DG2_TARGET_LEN + 64,
            "{}",
            dg.len()
        );
        assert_eq!(dg.first(), Some(&0x75));
        let fac = dg.windows(8).position(|w| w == b"FAC\x00010\x00");
        assert!(fac.is_some());
        // the JPEG still starts with SOI and ends with EOI
        let soi = dg.windows(2).position(|w| w == [0xff, 0xd8]);
        assert!(soi.is_some());
        assert_eq!(dg.get(dg.len() - 2..), Some(&[0xff, 0xd9][..]));
    }

    #[test]
    fn ef_com_lists_tags() {
        let com = ef_com("0107", &[1, 2, 14, 15]);
        assert_eq!(com.get(..2), Some(&[0x60, 0x16][..]));
        assert!(com.ends_with(&[0x5c, 0x04, 0x61, 0x75, 0x6e, 0x6f]));
    }
}
