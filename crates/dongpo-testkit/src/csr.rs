//! Subscriber keys and PKCS#10 CSRs, as a citizen's phone app would make them.

use std::str::FromStr;

use der::Encode;
use dongpo_crypto::x509::{CertSigner, SignatureBytes};
use dongpo_crypto::{Curve, HashAlgorithm, KeySpec, SignatureAlgorithm, SigningKey};
use x509_cert::builder::{Builder, RequestBuilder};
use x509_cert::name::Name;

use crate::TestkitError;
use crate::rng::SeededRng;

/// `p256` / `p384` / `rsa2048` / `rsa3072` / `rsa4096` to a key spec.
#[must_use]
pub fn key_spec(name: &str) -> Option<KeySpec> {
    match name {
        "p256" => Some(KeySpec::Ec(Curve::P256)),
        "p384" => Some(KeySpec::Ec(Curve::P384)),
        "rsa2048" => Some(KeySpec::Rsa(2048)),
        "rsa3072" => Some(KeySpec::Rsa(3072)),
        "rsa4096" => Some(KeySpec::Rsa(4096)),
        _ => None,
    }
}

/// The signature algorithm a subscriber signs its CSR with.
#[must_use]
pub fn csr_algorithm(spec: KeySpec) -> SignatureAlgorithm {
    match spec {
        KeySpec::Ec(Curve::P384) => SignatureAlgorithm::Ecdsa {
            hash: HashAlgorithm::Sha384,
            encoding: dongpo_crypto::EcdsaEncoding::Der,
        },
        KeySpec::Ec(_) => SignatureAlgorithm::Ecdsa {
            hash: HashAlgorithm::Sha256,
            encoding: dongpo_crypto::EcdsaEncoding::Der,
        },
        KeySpec::Rsa(_) => SignatureAlgorithm::RsaPkcs1 {
            hash: HashAlgorithm::Sha256,
        },
    }
}

/// A deterministic subscriber key for `(seed, label)`.
///
/// # Errors
/// Key generation failures.
pub fn subscriber_key(spec: KeySpec, seed: u64, label: &str) -> Result<SigningKey, TestkitError> {
    let mut rng = SeededRng::new(seed, &format!("subscriber/{label}"));
    Ok(SigningKey::generate_with_rng(spec, &mut rng)?)
}

/// A DER CSR for `key` with subject `CN=<common_name>` (the CA ignores the CSR's subject).
///
/// # Errors
/// Encoding or signing failures.
pub fn csr(key: &SigningKey, spec: KeySpec, common_name: &str) -> Result<Vec<u8>, TestkitError> {
    let subject = Name::from_str(&format!("CN={common_name}"))?;
    let builder = RequestBuilder::new(subject)?;
    let signer = CertSigner::new(key, csr_algorithm(spec));
    let request = builder.build::<_, SignatureBytes>(&signer)?;
    Ok(request.to_der()?)
}

/// PEM text of a DER CSR.
#[must_use]
pub fn csr_pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, der)
        .unwrap_or_default()
}

/// A DER CSR for the RSA `key` whose SubjectPublicKeyInfo names `id-RSASSA-PSS` (RFC 4055,
/// no parameters), signed with RSASSA-PSS-SHA256: a key restricted to signing with PSS,
/// which must not decrypt (the KISA VID random cannot be sealed to it).
///
/// # Errors
/// [`TestkitError::NotApplicable`] for an EC key; encoding or signing failures.
pub fn pss_restricted_csr(key: &SigningKey, common_name: &str) -> Result<Vec<u8>, TestkitError> {
    use der::Decode;
    use x509_cert::request::{CertReq, CertReqInfo, Version};
    use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

    if !matches!(key.public_key(), dongpo_crypto::PublicKey::Rsa(_)) {
        return Err(TestkitError::NotApplicable(
            "a PSS-restricted CSR needs an RSA key".into(),
        ));
    }
    let mut public_key = SubjectPublicKeyInfoOwned::from_der(&key.public_key().to_spki_der())?;
    public_key.algorithm = AlgorithmIdentifierOwned {
        oid: dongpo_crypto::oid::RSASSA_PSS,
        parameters: None,
    };
    let info = CertReqInfo {
        version: Version::V1,
        subject: Name::from_str(&format!("CN={common_name}"))?,
        public_key,
        attributes: x509_cert::attr::Attributes::default(),
    };
    let algorithm =
        SignatureAlgorithm::RsaPss(dongpo_crypto::PssParams::with_hash(HashAlgorithm::Sha256));
    let signature = key.sign(&algorithm, &info.to_der()?)?;
    Ok(CertReq {
        info,
        algorithm: algorithm.to_identifier(),
        signature: der::asn1::BitString::from_bytes(&signature)?,
    }
    .to_der()?)
}
