//! PKCS#10 certification requests (RFC 2986) from subscribers, with proof of possession.
//!
//! A request is accepted only if its signature over `certificationRequestInfo`, taken
//! byte for byte as received, verifies under the request's own public key. Requested
//! attributes and extensions are ignored: the profile, not the subscriber, decides what
//! a certificate says. Whether the key itself is acceptable is
//! [`crate::key_policy`]'s business.

use der::{Decode, Encode, Reader, SliceReader};
use dongpo_crypto::{HashAlgorithm, PublicKey, SignatureAlgorithm, Verifier, VerifyError};
use x509_cert::request::CertReq;

/// Largest request accepted, in bytes (PEM or DER). A CSR with an RSA-4096 key and a
/// few extensions is under 2 KiB; the bound keeps hostile input cheap.
pub const MAX_CSR_LEN: usize = 64 * 1024;

/// PEM labels of a PKCS#10 request: RFC 7468 and the older Netscape/MSIE one.
const PEM_LABELS: [&str; 2] = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];

/// RSA keys above this size are refused before the signature check, whose cost grows
/// with the modulus; no profile allows more than 4096 bits.
const MAX_RSA_BITS: usize = 8192;

/// RSA exponents longer than this are refused before the signature check: the generic
/// backend would exponentiate by them. Policy accepts only 65537 anyway.
const MAX_RSA_EXPONENT_BYTES: usize = 8;

/// Why a certification request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsrError {
    /// Not a PKCS#10 request: not PEM or DER, a wrong PEM label, or a DER error (with
    /// its position).
    #[error("not a PKCS#10 certification request: {0}")]
    Garbage(String),
    /// The signature algorithm is unknown, not accepted, or does not fit the key.
    #[error("unsupported CSR signature algorithm: {0}")]
    UnsupportedSignatureAlgorithm(String),
    /// The subject public key cannot be read or used.
    #[error("unsupported CSR public key: {0}")]
    UnsupportedKey(String),
    /// The signature does not verify under the request's own key.
    #[error("proof of possession failed: the CSR signature does not verify under its own key")]
    BadSignature,
    /// A version other than v1 (encoded 0).
    #[error("CSR version {0} refused: only v1 (encoded as 0) exists")]
    WrongVersion(u8),
}

/// A certification request whose proof of possession has been verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Csr {
    /// The request's DER (decoded from PEM if it came as PEM).
    pub der: Vec<u8>,
    /// The subject public key's SubjectPublicKeyInfo DER, as in the request.
    pub spki_der: Vec<u8>,
    /// The subject public key.
    pub public_key: PublicKey,
    /// The algorithm the request was signed with.
    pub signature_algorithm: SignatureAlgorithm,
    /// The requested subject as an RFC 4514 string: informational only (the profile
    /// builds the certificate subject from verified data), and never logged.
    pub subject: String,
}

fn garbage(what: impl std::fmt::Display) -> CsrError {
    CsrError::Garbage(what.to_string())
}

/// Parses a PKCS#10 request (DER, or PEM labelled `CERTIFICATE REQUEST` or
/// `NEW CERTIFICATE REQUEST`) and verifies its proof of possession.
///
/// SHA-1 signatures are refused, as by Let's Encrypt: a phone app has no reason to
/// send them.
///
/// # Errors
/// A [`CsrError`] naming what was wrong.
pub fn parse_csr(bytes: &[u8]) -> Result<Csr, CsrError> {
    if bytes.len() > MAX_CSR_LEN {
        return Err(garbage(format!(
            "{} bytes, more than the {MAX_CSR_LEN} accepted",
            bytes.len()
        )));
    }
    let der = der_of(bytes)?;
    let request = match CertReq::from_der(&der) {
        Ok(request) => request,
        // x509-cert reads only version 0; say so rather than report a DER error.
        Err(e) => {
            return Err(match raw_info(&der) {
                Ok((_, version)) if version != 0 => CsrError::WrongVersion(version),
                _ => garbage(e),
            });
        }
    };
    let (info, _) = raw_info(&der).map_err(garbage)?;

    let algorithm = SignatureAlgorithm::from_oid_and_parameters(
        &request.algorithm.oid,
        request.algorithm.parameters.as_ref().map(Into::into),
        None,
    )
    .map_err(|e| CsrError::UnsupportedSignatureAlgorithm(e.to_string()))?;
    if algorithm.hash() == HashAlgorithm::Sha1 {
        return Err(CsrError::UnsupportedSignatureAlgorithm(format!(
            "{algorithm}: SHA-1 is not accepted"
        )));
    }

    let spki_der = request.info.public_key.to_der().map_err(garbage)?;
    let public_key =
        PublicKey::from_spki_der(&spki_der).map_err(|e| CsrError::UnsupportedKey(e.to_string()))?;
    if let PublicKey::Rsa(rsa) = &public_key
        && (rsa.bits() > MAX_RSA_BITS || rsa.exponent.len() > MAX_RSA_EXPONENT_BYTES)
    {
        return Err(CsrError::UnsupportedKey(format!(
            "RSA key of {} bits with a {}-byte exponent is too large to verify",
            rsa.bits(),
            rsa.exponent.len()
        )));
    }

    let signature = request
        .signature
        .as_bytes()
        .ok_or_else(|| garbage("signature BIT STRING has unused bits"))?;
    Verifier::new()
        .verify(&public_key, &algorithm, info, signature)
        .map_err(|e| match e {
            VerifyError::Invalid | VerifyError::MalformedSignature(_) => CsrError::BadSignature,
            VerifyError::Key(e) => CsrError::UnsupportedSignatureAlgorithm(e.to_string()),
            VerifyError::Unsupported(what) => CsrError::UnsupportedSignatureAlgorithm(what),
            // `VerifyError` is non-exhaustive: a future reason is still a refusal.
            other => CsrError::UnsupportedSignatureAlgorithm(other.to_string()),
        })?;

    Ok(Csr {
        subject: request.info.subject.to_string(),
        der,
        spki_der,
        public_key,
        signature_algorithm: algorithm,
    })
}

/// The DER of a request given as DER or PEM.
fn der_of(bytes: &[u8]) -> Result<Vec<u8>, CsrError> {
    // Surrounding blank lines are common in pasted or HTTP-posted PEM; the decoder
    // refuses anything else around the armour.
    let trimmed = bytes.trim_ascii();
    if !trimmed.starts_with(b"-----BEGIN ") {
        return Ok(bytes.to_vec());
    }
    let (label, der) = der::pem::decode_vec(trimmed).map_err(|e| garbage(format!("PEM: {e}")))?;
    if !PEM_LABELS.contains(&label) {
        // Labels are short per RFC 7468; cut hostile ones so the message stays short.
        let shown: String = label.chars().take(40).collect();
        return Err(garbage(format!(
            "PEM label {shown:?}, expected \"CERTIFICATE REQUEST\""
        )));
    }
    Ok(der)
}

/// The `certificationRequestInfo` TLV exactly as received, and its version.
///
/// The signature covers these bytes; re-encoding the parsed structure could differ
/// from them, and then a valid signature would fail (or a forged one be judged on
/// bytes the requester never signed).
fn raw_info(der: &[u8]) -> der::Result<(&[u8], u8)> {
    let info = SliceReader::new(der)?.sequence(|outer| {
        let info = outer.tlv_bytes()?;
        outer.read_slice(outer.remaining_len())?;
        Ok::<_, der::Error>(info)
    })?;
    let version = SliceReader::new(info)?.sequence(|fields| {
        let version = u8::decode(fields)?;
        fields.read_slice(fields.remaining_len())?;
        Ok::<_, der::Error>(version)
    })?;
    Ok((info, version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::ObjectIdentifier;
    use dongpo_crypto::x509::{CertSigner, SignatureBytes};
    use dongpo_crypto::{Curve, EcdsaEncoding, KeySpec, PssParams, SigningKey};
    use spki::AlgorithmIdentifierOwned;
    use std::str::FromStr;
    use x509_cert::builder::{Builder, RequestBuilder};
    use x509_cert::name::Name;

    const SUBJECT: &str = "CN=Test Subscriber,C=KR";

    fn ecdsa(hash: HashAlgorithm) -> SignatureAlgorithm {
        SignatureAlgorithm::Ecdsa {
            hash,
            encoding: EcdsaEncoding::Der,
        }
    }

    fn build(spec: KeySpec, algorithm: SignatureAlgorithm) -> (SigningKey, Vec<u8>) {
        let key = SigningKey::generate(spec).unwrap();
        let signer = CertSigner::new(&key, algorithm);
        let request = RequestBuilder::new(Name::from_str(SUBJECT).unwrap())
            .unwrap()
            .build::<_, SignatureBytes>(&signer)
            .unwrap();
        (key, request.to_der().unwrap())
    }

    fn p256_csr() -> Vec<u8> {
        build(KeySpec::Ec(Curve::P256), ecdsa(HashAlgorithm::Sha256)).1
    }

    fn pem(label: &str, der: &[u8]) -> String {
        der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
    }

    fn with_algorithm(der: &[u8], oid: &str) -> Vec<u8> {
        let mut request = CertReq::from_der(der).unwrap();
        request.algorithm = AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap(oid),
            parameters: None,
        };
        request.to_der().unwrap()
    }

    fn garbage_message(bytes: &[u8]) -> String {
        match parse_csr(bytes) {
            Err(CsrError::Garbage(why)) => why,
            other => panic!("expected Garbage, got {other:?}"),
        }
    }

    #[test]
    fn requests_signed_with_every_key_type_verify() {
        let cases = [
            (KeySpec::Ec(Curve::P256), ecdsa(HashAlgorithm::Sha256)),
            (KeySpec::Ec(Curve::P384), ecdsa(HashAlgorithm::Sha384)),
            (
                KeySpec::Rsa(2048),
                SignatureAlgorithm::RsaPkcs1 {
                    hash: HashAlgorithm::Sha256,
                },
            ),
            (
                KeySpec::Rsa(2048),
                SignatureAlgorithm::RsaPss(PssParams::with_hash(HashAlgorithm::Sha256)),
            ),
        ];
        for (spec, algorithm) in cases {
            let (key, der) = build(spec, algorithm);
            let csr = parse_csr(&der).unwrap_or_else(|e| panic!("{algorithm}: {e}"));
            assert_eq!(csr.signature_algorithm, algorithm);
            assert_eq!(&csr.public_key, key.public_key());
            assert_eq!(csr.spki_der, key.public_key().to_spki_der());
            assert_eq!(csr.der, der);
            assert_eq!(csr.subject, SUBJECT);
        }
    }

    #[test]
    fn pem_with_either_label_gives_the_der() {
        let der = p256_csr();
        for label in PEM_LABELS {
            let text = format!("\n{}\r\n\n", pem(label, &der));
            assert_eq!(parse_csr(text.as_bytes()).unwrap().der, der, "{label}");
        }
        let crlf = der::pem::encode_string(PEM_LABELS[0], der::pem::LineEnding::CRLF, &der);
        assert_eq!(parse_csr(crlf.unwrap().as_bytes()).unwrap().der, der);
    }

    #[test]
    fn wrong_pem_label_and_text_after_the_armour_are_garbage() {
        let text = pem("CERTIFICATE", &p256_csr());
        assert!(garbage_message(text.as_bytes()).contains("PEM label \"CERTIFICATE\""));
        let text = pem(PEM_LABELS[0], &p256_csr()) + "junk";
        assert!(garbage_message(text.as_bytes()).starts_with("PEM: "));
    }

    #[test]
    fn flipped_signature_bit_fails_proof_of_possession() {
        for (spec, algorithm) in [
            (KeySpec::Ec(Curve::P256), ecdsa(HashAlgorithm::Sha256)),
            (
                KeySpec::Rsa(2048),
                SignatureAlgorithm::RsaPkcs1 {
                    hash: HashAlgorithm::Sha256,
                },
            ),
        ] {
            let (_, mut der) = build(spec, algorithm);
            *der.last_mut().unwrap() ^= 0x01;
            assert_eq!(parse_csr(&der), Err(CsrError::BadSignature), "{algorithm}");
        }
    }

    #[test]
    fn altered_request_info_fails_proof_of_possession() {
        let mut der = p256_csr();
        let at = der
            .windows(4)
            .position(|w| w == b"Test")
            .expect("subject in DER");
        der[at] = b'B';
        assert_eq!(parse_csr(&der), Err(CsrError::BadSignature));
    }

    #[test]
    fn garbage_truncation_and_trailing_bytes_are_refused() {
        let der = p256_csr();
        assert!(!garbage_message(b"").is_empty());
        assert!(!garbage_message(b"hello, CA").is_empty());
        for cut in [1, 10, der.len() / 2, der.len() - 1] {
            garbage_message(&der[..cut]);
        }
        let mut trailing = der.clone();
        trailing.push(0);
        let why = garbage_message(&trailing);
        assert!(why.contains("byte"), "position in {why:?}");
        assert!(garbage_message(b"-----BEGIN CERTIFICATE REQUEST-----\n!!\n").contains("PEM"));
        assert!(garbage_message(&vec![0x30; MAX_CSR_LEN + 1]).contains("65536"));
    }

    #[test]
    fn unknown_signature_algorithm_is_named() {
        // md5WithRSAEncryption
        let der = with_algorithm(&p256_csr(), "1.2.840.113549.1.1.4");
        match parse_csr(&der) {
            Err(CsrError::UnsupportedSignatureAlgorithm(why)) => {
                assert!(why.contains("1.2.840.113549.1.1.4"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sha1_and_mismatched_algorithms_are_refused() {
        let sha1 = with_algorithm(&p256_csr(), "1.2.840.10045.4.1");
        assert!(matches!(
            parse_csr(&sha1),
            Err(CsrError::UnsupportedSignatureAlgorithm(why)) if why.contains("SHA-1")
        ));
        // sha256WithRSAEncryption on an EC key
        let rsa_on_ec = with_algorithm(&p256_csr(), "1.2.840.113549.1.1.11");
        assert!(matches!(
            parse_csr(&rsa_on_ec),
            Err(CsrError::UnsupportedSignatureAlgorithm(_))
        ));
    }

    #[test]
    fn unsupported_key_is_refused() {
        let mut request = CertReq::from_der(&p256_csr()).unwrap();
        // id-Ed25519
        request.info.public_key.algorithm = AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.3.101.112"),
            parameters: None,
        };
        assert!(matches!(
            parse_csr(&request.to_der().unwrap()),
            Err(CsrError::UnsupportedKey(why)) if why.contains("1.3.101.112")
        ));
    }

    #[test]
    fn version_other_than_v1_is_named() {
        let mut der = p256_csr();
        // The first INTEGER 0 in a request is certificationRequestInfo.version.
        let at = der
            .windows(3)
            .position(|w| w == [0x02, 0x01, 0x00])
            .unwrap();
        der[at + 2] = 2;
        assert_eq!(parse_csr(&der), Err(CsrError::WrongVersion(2)));
    }

    #[test]
    fn info_bytes_are_taken_as_received() {
        let der = p256_csr();
        let (info, version) = raw_info(&der).unwrap();
        assert_eq!(version, 0);
        let request = CertReq::from_der(&der).unwrap();
        assert_eq!(info, request.info.to_der().unwrap());
        // The info is the first element, right after the outer SEQUENCE header.
        let header = match der[1] {
            0x81 => 3,
            0x82 => 4,
            _ => 2,
        };
        assert_eq!(&der[header..header + info.len()], info);
    }
}
