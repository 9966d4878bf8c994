//! A certificate parsed once, with what verifiers ask of it again and again.

use const_oid::AssociatedOid;
use der::{Decode, Encode};
use dongpo_crypto::{HashAlgorithm, PublicKey, SignatureAlgorithm, Verifier, VerifyError};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier,
};

use crate::time::UnixTime;

/// Why a certificate could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// Not a DER (or PEM) X.509 certificate: a problem described in words.
    #[error("not an X.509 certificate: {0}")]
    Malformed(String),
    /// Not a DER X.509 certificate: the decoder's error.
    #[error("not an X.509 certificate: {0}")]
    Der(#[source] der::Error),
    /// PEM that is not UTF-8.
    #[error("not an X.509 certificate: {0}")]
    Utf8(#[source] std::str::Utf8Error),
    /// PEM that does not decode.
    #[error("not an X.509 certificate: {0}")]
    Pem(#[source] der::pem::Error),
    /// Its public key is unusable.
    #[error("certificate public key: {0}")]
    Key(#[from] dongpo_crypto::KeyError),
}

/// A parsed certificate with its public key, identifiers and fingerprints.
#[derive(Clone, Debug)]
pub struct Cert {
    /// The certificate.
    pub cert: Certificate,
    /// Its DER bytes as received.
    pub der: Vec<u8>,
    /// The subject public key.
    pub key: PublicKey,
    /// SHA-256 of the DER.
    pub sha256: Vec<u8>,
    /// SubjectKeyIdentifier, if present.
    pub ski: Option<Vec<u8>>,
    /// AuthorityKeyIdentifier keyIdentifier, if present.
    pub aki: Option<Vec<u8>>,
    /// notBefore.
    pub not_before: UnixTime,
    /// notAfter.
    pub not_after: UnixTime,
    /// Subject and issuer as text, computed on first use: formatting a name looks
    /// attribute names up in the OID database, which costs more than a signature check.
    names: std::sync::OnceLock<(String, String)>,
}

impl Cert {
    /// Parses DER, or PEM (`-----BEGIN CERTIFICATE-----`).
    ///
    /// # Errors
    /// [`CertError`] naming what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Self, CertError> {
        let der = if bytes.starts_with(b"-----BEGIN") {
            let text = std::str::from_utf8(bytes).map_err(CertError::Utf8)?;
            let (label, der) = der::pem::decode_vec(text.as_bytes()).map_err(CertError::Pem)?;
            if label != "CERTIFICATE" {
                return Err(CertError::Malformed(format!("PEM label {label}")));
            }
            der
        } else {
            bytes.to_vec()
        };
        let cert = Certificate::from_der(&der).map_err(CertError::Der)?;
        let spki = cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(CertError::Der)?;
        let key = PublicKey::from_spki_der(&spki)?;
        let ski = extension::<SubjectKeyIdentifier>(&cert).map(|s| s.0.as_bytes().to_vec());
        let aki = extension::<AuthorityKeyIdentifier>(&cert)
            .and_then(|a| a.key_identifier)
            .map(|k| k.as_bytes().to_vec());
        let validity = cert.tbs_certificate().validity();
        Ok(Cert {
            not_before: UnixTime::from_x509(&validity.not_before),
            not_after: UnixTime::from_x509(&validity.not_after),
            sha256: HashAlgorithm::Sha256.digest(&der),
            key,
            ski,
            aki,
            der,
            cert,
            names: std::sync::OnceLock::new(),
        })
    }

    fn names(&self) -> &(String, String) {
        self.names.get_or_init(|| {
            let tbs = self.cert.tbs_certificate();
            (tbs.subject().to_string(), tbs.issuer().to_string())
        })
    }

    /// Subject as an RFC 4514 string.
    #[must_use]
    pub fn subject(&self) -> String {
        self.names().0.clone()
    }

    /// Issuer as an RFC 4514 string.
    #[must_use]
    pub fn issuer(&self) -> String {
        self.names().1.clone()
    }

    /// Serial number as lower-case hex of its DER content bytes.
    #[must_use]
    pub fn serial_hex(&self) -> String {
        hex::encode(self.cert.tbs_certificate().serial_number().as_bytes())
    }

    /// Encoding deviations found in real CSCAs that RFC 5280 forbids but verifiers must
    /// read: a negative or zero serial number, a lower-case country code.
    #[must_use]
    pub fn encoding_quirks(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let serial = self.cert.tbs_certificate().serial_number().as_bytes();
        if serial.first().is_some_and(|b| b & 0x80 != 0) {
            out.push("negative serial number");
        } else if serial.iter().all(|b| *b == 0) {
            out.push("zero serial number");
        }
        let lower = |name: &x509_cert::name::Name| {
            name.iter().any(|atv| {
                atv.oid == const_oid::db::rfc4519::C
                    && atv
                        .value
                        .decode_as::<der::asn1::PrintableString>()
                        .is_ok_and(|c| c.to_string().chars().any(|ch| ch.is_ascii_lowercase()))
            })
        };
        if lower(self.cert.tbs_certificate().subject())
            || lower(self.cert.tbs_certificate().issuer())
        {
            out.push("lower-case country code");
        }
        out
    }

    /// Whether `at` lies within notBefore..=notAfter.
    #[must_use]
    pub fn valid_at(&self, at: UnixTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// KeyUsage, if present.
    #[must_use]
    pub fn key_usage(&self) -> Option<KeyUsage> {
        extension::<KeyUsage>(&self.cert)
    }

    /// BasicConstraints, if present.
    #[must_use]
    pub fn basic_constraints(&self) -> Option<BasicConstraints> {
        extension::<BasicConstraints>(&self.cert)
    }

    /// Whether the certificate may certify others: BasicConstraints cA=TRUE and the
    /// keyCertSign key usage, both (RFC 5280 §4.2.1.9, §6.1.4 (k), (n)). Every trust
    /// decision that lets a certificate vouch for another asks this one question.
    #[must_use]
    pub fn can_certify(&self) -> bool {
        self.basic_constraints().is_some_and(|bc| bc.ca)
            && self.key_usage().is_some_and(|ku| ku.key_cert_sign())
    }

    /// Whether the ExtendedKeyUsage extension lists `purpose`.
    #[must_use]
    pub fn has_extended_key_usage(&self, purpose: &const_oid::ObjectIdentifier) -> bool {
        extension::<x509_cert::ext::pkix::ExtendedKeyUsage>(&self.cert)
            .is_some_and(|eku| eku.0.contains(purpose))
    }

    /// Whether the certificate is self-issued (subject equals issuer).
    #[must_use]
    pub fn self_issued(&self) -> bool {
        crate::name::same_name(
            self.cert.tbs_certificate().subject(),
            self.cert.tbs_certificate().issuer(),
        ) != crate::name::NameMatch::Different
    }

    /// Verifies that `issuer`'s key signed this certificate.
    ///
    /// # Errors
    /// [`VerifyError`] when the algorithm is unknown or the signature is wrong.
    pub fn verify_signed_by(
        &self,
        issuer: &PublicKey,
        verifier: &Verifier,
    ) -> Result<(), VerifyError> {
        // The outer signatureAlgorithm is not signed: RFC 5280 §4.1.1.2 requires it to
        // equal the signed tbsCertificate.signature, or a changed copy would pass.
        if self.cert.signature_algorithm() != self.cert.tbs_certificate().signature() {
            return Err(VerifyError::MalformedSignature(
                "signatureAlgorithm differs from tbsCertificate.signature".into(),
            ));
        }
        let alg_der = self
            .cert
            .signature_algorithm()
            .to_der()
            .map_err(|e| VerifyError::MalformedSignature(e.to_string()))?;
        let algorithm = SignatureAlgorithm::from_identifier_der(&alg_der, None)
            .map_err(|e| VerifyError::Unsupported(e.to_string()))?;
        let tbs = self.tbs_der()?;
        let signature =
            self.cert.signature().as_bytes().ok_or_else(|| {
                VerifyError::MalformedSignature("BIT STRING with unused bits".into())
            })?;
        verifier.verify(issuer, &algorithm, &tbs, signature)
    }

    /// The TBSCertificate bytes as received (never re-encoded).
    fn tbs_der(&self) -> Result<Vec<u8>, VerifyError> {
        // Certificate ::= SEQUENCE { tbs, alg, sig }: the first element of the outer SEQUENCE.
        let outer = der::asn1::AnyRef::from_der(&self.der)
            .map_err(|e| VerifyError::MalformedSignature(e.to_string()))?;
        let mut reader = der::SliceReader::new(outer.value())
            .map_err(|e| VerifyError::MalformedSignature(e.to_string()))?;
        let tbs = <der::asn1::AnyRef<'_> as Decode>::decode(&mut reader)
            .map_err(|e: der::Error| VerifyError::MalformedSignature(e.to_string()))?;
        tbs.to_der()
            .map_err(|e| VerifyError::MalformedSignature(e.to_string()))
    }
}

fn extension<T: for<'a> Decode<'a> + AssociatedOid>(cert: &Certificate) -> Option<T> {
    cert.tbs_certificate()
        .get_extension::<T>()
        .ok()
        .flatten()
        .map(|(_, v)| v)
}
