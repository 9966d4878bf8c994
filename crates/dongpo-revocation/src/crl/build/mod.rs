//! Issuing CRLs: complete or partitioned, full or delta, signed for an issuing CA.
//!
//! x509-cert's `CrlBuilder` copies the issuer certificate's *own* authorityKeyIdentifier
//! into the CRL, which names the root's key for any CA below it. So the `TBSCertList`
//! is assembled here from x509-cert types and signed through the same traits its
//! builders use (`Signer + Keypair + DynSignatureAlgorithmIdentifier`).

mod entries;
mod error;
mod extensions;
mod number;
mod wire;

use der::asn1::AnyRef;
use der::{Decode, Encode, Tag};
use dongpo_pki::UnixTime;
use spki::{
    DynSignatureAlgorithmIdentifier, EncodePublicKey, SignatureBitStringEncoding,
    SubjectPublicKeyInfoRef,
};
use x509_cert::Certificate;
use x509_cert::Version;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::name::Name;

pub use entries::partition_of;
pub use error::CrlBuildError;
pub use number::CrlNumber;

use error::encoding;

/// The CA a CRL speaks for: its name and key identifier, and its key when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlIssuer {
    /// The issuing CA's subject, written as the CRL issuer.
    pub name: Name,
    /// The issuing CA's subjectKeyIdentifier, written as the CRL's authorityKeyIdentifier.
    pub key_identifier: Vec<u8>,
    /// The issuing CA's subjectPublicKey bits; when present the signer must hold this key.
    pub public_key: Option<Vec<u8>>,
}

impl CrlIssuer {
    /// From the issuing CA's certificate.
    ///
    /// # Errors
    /// [`CrlBuildError::Issuer`] when it has no subjectKeyIdentifier or its keyUsage
    /// lacks cRLSign.
    pub fn from_certificate(cert: &Certificate) -> Result<Self, CrlBuildError> {
        let tbs = cert.tbs_certificate();
        let ski = tbs
            .get_extension::<SubjectKeyIdentifier>()
            .map_err(|source| CrlBuildError::IssuerExtension {
                what: "subjectKeyIdentifier",
                source,
            })?
            .ok_or_else(|| CrlBuildError::Issuer("no subjectKeyIdentifier".into()))?;
        let usage =
            tbs.get_extension::<KeyUsage>()
                .map_err(|source| CrlBuildError::IssuerExtension {
                    what: "keyUsage",
                    source,
                })?;
        if let Some((_, usage)) = usage
            && !usage.0.contains(KeyUsages::CRLSign)
        {
            return Err(CrlBuildError::Issuer("keyUsage lacks cRLSign".into()));
        }
        Ok(CrlIssuer {
            name: tbs.subject().clone(),
            key_identifier: ski.1.0.as_bytes().to_vec(),
            public_key: Some(
                tbs.subject_public_key_info()
                    .subject_public_key
                    .raw_bytes()
                    .to_vec(),
            ),
        })
    }
}

/// Which certificates a CRL covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every certificate of the issuing CA (all end-entity certificates).
    Full,
    /// Every CA certificate of a root (an ARL, RFC 5280 §5.2.5 onlyContainsCACerts): the
    /// issuing CA certificates it revoked.
    CaCertificates,
    /// The certificates whose serial's last octet modulo `partitions` is `index`.
    Partition {
        /// This partition.
        index: u32,
        /// How many partitions the CA uses.
        partitions: u32,
        /// The URI in those certificates' cRLDistributionPoints, byte for byte.
        url: &'a str,
    },
}

/// One revoked certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial number: big-endian magnitude, or the DER INTEGER content bytes.
    pub serial: Vec<u8>,
    /// When it was revoked (revocationDate).
    pub revoked_at: UnixTime,
    /// RFC 5280 §5.3.1 reason code; `Some(0)` (unspecified) is written as no reason.
    pub reason: Option<u8>,
    /// When the key is known or suspected to have become unusable.
    pub invalidity_date: Option<UnixTime>,
}

/// Everything one CRL says.
#[derive(Clone, Copy, Debug)]
pub struct CrlSpec<'a> {
    /// The issuing CA.
    pub issuer: &'a CrlIssuer,
    /// This CRL's number (see [`CrlNumber::next`]).
    pub crl_number: &'a CrlNumber,
    /// thisUpdate.
    pub this_update: UnixTime,
    /// nextUpdate (after `this_update`).
    pub next_update: UnixTime,
    /// Revoked certificates, in any order.
    pub entries: &'a [RevokedEntry],
    /// Which certificates the CRL covers.
    pub scope: Scope<'a>,
    /// For a delta CRL, the number of its base CRL (smaller than `crl_number`).
    pub delta_of: Option<&'a CrlNumber>,
    /// For a complete CRL with deltas, where the delta CRL is published (the freshestCRL
    /// extension, RFC 5280 §5.2.6; OpenSSL looks for deltas only when it is present).
    pub freshest: Option<&'a str>,
}

/// Builds and signs a v2 CRL; returns its DER.
///
/// # Errors
/// [`CrlBuildError`] naming the field or entry at fault.
pub fn build_crl<S, Sig>(spec: &CrlSpec<'_>, signer: &S) -> Result<Vec<u8>, CrlBuildError>
where
    S: signature::Signer<Sig> + signature::Keypair + DynSignatureAlgorithmIdentifier,
    S::VerifyingKey: EncodePublicKey,
    Sig: SignatureBitStringEncoding,
{
    check_spec(spec)?;
    check_key(spec.issuer, signer)?;
    let algorithm = signer
        .signature_algorithm_identifier()
        .map_err(|e| CrlBuildError::Signing(format!("algorithm identifier: {e}")))?;
    let revoked = entries::encode(
        spec.entries,
        &spec.scope,
        spec.this_update,
        spec.delta_of.is_some(),
    )?;
    let tbs = wire::TbsCertList {
        version: Version::V2,
        signature: algorithm.clone(),
        issuer: spec.issuer.name.clone(),
        this_update: entries::x509_time(spec.this_update, "thisUpdate")?,
        next_update: Some(entries::x509_time(spec.next_update, "nextUpdate")?),
        revoked_certificates: revoked
            .as_deref()
            .map(|der| AnyRef::new(Tag::Sequence, der))
            .transpose()
            .map_err(encoding("revokedCertificates"))?,
        crl_extensions: Some(extensions::crl_extensions(spec)?),
    }
    .to_der()
    .map_err(encoding("tbsCertList"))?;
    drop(revoked);
    let signature = signer
        .try_sign(&tbs)
        .map_err(|e| CrlBuildError::Signing(e.to_string()))?
        .to_bitstring()
        .map_err(encoding("signature"))?;
    wire::CertificateList {
        tbs_cert_list: AnyRef::from_der(&tbs).map_err(encoding("tbsCertList"))?,
        signature_algorithm: algorithm,
        signature,
    }
    .to_der()
    .map_err(encoding("certificateList"))
}

fn check_spec(spec: &CrlSpec<'_>) -> Result<(), CrlBuildError> {
    if spec.next_update <= spec.this_update {
        return Err(CrlBuildError::Times(format!(
            "nextUpdate {} is not after thisUpdate {}",
            spec.next_update.rfc3339(),
            spec.this_update.rfc3339()
        )));
    }
    if let Scope::Partition {
        index,
        partitions,
        url,
    } = spec.scope
    {
        if partitions == 0 || index >= partitions {
            return Err(CrlBuildError::Partition(format!(
                "index {index} is not below the partition count {partitions}"
            )));
        }
        if url.is_empty() {
            return Err(CrlBuildError::Partition("empty URL".into()));
        }
    }
    if let Some(base) = spec.delta_of
        && base >= spec.crl_number
    {
        return Err(CrlBuildError::Number(format!(
            "delta CRL number {} is not above its base {}",
            spec.crl_number.to_hex(),
            base.to_hex()
        )));
    }
    Ok(())
}

/// A CRL signed by any other key would fail every relying party's check; refuse early.
fn check_key<S>(issuer: &CrlIssuer, signer: &S) -> Result<(), CrlBuildError>
where
    S: signature::Keypair,
    S::VerifyingKey: EncodePublicKey,
{
    let Some(expected) = &issuer.public_key else {
        return Ok(());
    };
    let spki = signer
        .verifying_key()
        .to_public_key_der()
        .map_err(|e| CrlBuildError::Signing(format!("signer public key: {e}")))?;
    let spki = SubjectPublicKeyInfoRef::from_der(spki.as_bytes())
        .map_err(|e| CrlBuildError::Signing(format!("signer public key: {e}")))?;
    // Compare the key bits, not the SPKI: the certificate may spell EC parameters out.
    if spki.subject_public_key.raw_bytes() == expected.as_slice() {
        Ok(())
    } else {
        Err(CrlBuildError::KeyMismatch)
    }
}
