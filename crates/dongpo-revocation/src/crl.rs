//! X.509 v2 CRLs as relying parties check them: parse (DER or PEM), verify against the
//! issuer's key, check the issuer name and freshness, look up a serial number.

use der::{Decode, Encode};
use dongpo_crypto::{SignatureAlgorithm, Verifier};
use dongpo_pki::name::{NameMatch, same_name};
use dongpo_pki::{Cert, UnixTime};
use x509_cert::crl::CertificateList;

/// Why a CRL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrlError {
    /// Not a DER or PEM CRL.
    #[error("not an X.509 CRL: {0}")]
    Malformed(String),
    /// Issued under another name than the certificate's issuer.
    #[error("CRL issuer {crl} is not {expected}")]
    WrongIssuer {
        /// The CRL's issuer.
        crl: String,
        /// The expected issuer.
        expected: String,
    },
    /// The signature does not verify with the issuer's key.
    #[error("CRL signature: {0}")]
    Signature(String),
    /// `nextUpdate` has passed (or `thisUpdate` is in the future).
    #[error("CRL not fresh at {at}: thisUpdate {this_update}, nextUpdate {next_update}")]
    Stale {
        /// Verification time.
        at: String,
        /// thisUpdate.
        this_update: String,
        /// nextUpdate, or `none`.
        next_update: String,
    },
}

/// A parsed CRL.
#[derive(Clone, Debug)]
pub struct Crl {
    /// The CRL.
    pub crl: CertificateList,
    /// DER as received.
    pub der: Vec<u8>,
}

/// The status of a serial number on a verified, fresh CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrlStatus {
    /// Not listed.
    Good,
    /// Listed, with the revocation time.
    Revoked {
        /// revocationDate.
        at: UnixTime,
    },
}

impl Crl {
    /// Parses DER, or PEM (`-----BEGIN X509 CRL-----`).
    ///
    /// # Errors
    /// [`CrlError::Malformed`].
    pub fn parse(bytes: &[u8]) -> Result<Self, CrlError> {
        let der = if bytes.starts_with(b"-----BEGIN") {
            let (label, der) =
                der::pem::decode_vec(bytes).map_err(|e| CrlError::Malformed(e.to_string()))?;
            if label != "X509 CRL" {
                return Err(CrlError::Malformed(format!("PEM label {label}")));
            }
            der
        } else {
            bytes.to_vec()
        };
        let crl =
            CertificateList::from_der(&der).map_err(|e| CrlError::Malformed(e.to_string()))?;
        Ok(Crl { crl, der })
    }

    /// The CRL number, if present, as hex.
    #[must_use]
    pub fn number_hex(&self) -> Option<String> {
        let ext = self.crl.tbs_cert_list.crl_extensions.as_ref()?;
        let number = ext.iter().find(|e| e.extn_id == const_oid_crl_number())?;
        let value = der::asn1::UintRef::from_der(number.extn_value.as_bytes()).ok()?;
        Some(hex::encode(value.as_bytes()))
    }

    /// Checks that `issuer` issued and signed this CRL and that it is fresh at `at`.
    ///
    /// # Errors
    /// The first [`CrlError`] found.
    pub fn verify(&self, issuer: &Cert, at: UnixTime, verifier: &Verifier) -> Result<(), CrlError> {
        let tbs = &self.crl.tbs_cert_list;
        if same_name(&tbs.issuer, issuer.cert.tbs_certificate().subject()) == NameMatch::Different {
            return Err(CrlError::WrongIssuer {
                crl: tbs.issuer.to_string(),
                expected: issuer.subject(),
            });
        }
        let alg_der = self
            .crl
            .signature_algorithm
            .to_der()
            .map_err(|e| CrlError::Malformed(e.to_string()))?;
        let algorithm = SignatureAlgorithm::from_identifier_der(&alg_der, None)
            .map_err(|e| CrlError::Signature(e.to_string()))?;
        let tbs_der = tbs
            .to_der()
            .map_err(|e| CrlError::Malformed(e.to_string()))?;
        let signature = self
            .crl
            .signature
            .as_bytes()
            .ok_or_else(|| CrlError::Signature("BIT STRING with unused bits".into()))?;
        verifier
            .verify(&issuer.key, &algorithm, &tbs_der, signature)
            .map_err(|e| CrlError::Signature(e.to_string()))?;
        let this_update = UnixTime::from_x509(&tbs.this_update);
        let next_update = tbs.next_update.as_ref().map(UnixTime::from_x509);
        let fresh = this_update <= at && next_update.is_some_and(|n| at <= n);
        if !fresh {
            return Err(CrlError::Stale {
                at: at.rfc3339(),
                this_update: this_update.rfc3339(),
                next_update: next_update.map_or_else(|| "none".to_string(), UnixTime::rfc3339),
            });
        }
        Ok(())
    }

    /// Whether `serial` (DER content bytes) is listed.
    #[must_use]
    pub fn status(&self, serial: &[u8]) -> CrlStatus {
        self.crl
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .find(|r| r.serial_number.as_bytes() == serial)
            .map_or(CrlStatus::Good, |r| CrlStatus::Revoked {
                at: UnixTime::from_x509(&r.revocation_date),
            })
    }
}

fn const_oid_crl_number() -> der::asn1::ObjectIdentifier {
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.20")
}
