//! X.509 v2 CRLs as relying parties check them: parse (DER or PEM), verify against the
//! issuer's key, check the issuer name and freshness, look up a serial number, check
//! that a partitioned CRL covers a certificate.

mod index;
mod read;
mod scope;

use std::ops::Range;

use der::oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_DELTA_CRL_INDICATOR,
    ID_CE_FRESHEST_CRL, ID_CE_ISSUER_ALT_NAME, ID_CE_ISSUING_DISTRIBUTION_POINT,
    ID_PE_AUTHORITY_INFO_ACCESS,
};
use der::{Decode, Encode};
use dongpo_crypto::{SignatureAlgorithm, Verifier};
use dongpo_pki::name::{NameMatch, same_name};
use dongpo_pki::{Cert, UnixTime};
use x509_cert::crl::{CertificateList, RevokedCert};

use index::RevokedIndex;

/// Why a CRL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CrlError {
    /// Not a DER or PEM CRL: a structural problem described in words.
    #[error("not an X.509 CRL: {0}")]
    Malformed(String),
    /// Not a DER CRL: the decoder's error.
    #[error("not an X.509 CRL: {0}")]
    Der(#[source] der::Error),
    /// PEM that does not decode.
    #[error("not an X.509 CRL: {0}")]
    Pem(#[source] der::pem::Error),
    /// A field or extension of the CRL that does not decode.
    #[error("not an X.509 CRL: {what}: {source}")]
    Field {
        /// Which field (`cRLNumber is not a DER INTEGER`, `issuingDistributionPoint`).
        what: &'static str,
        /// The decoder's error.
        #[source]
        source: der::Error,
    },
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
    #[error(
        "CRL not fresh at {at}: thisUpdate {this_update}, nextUpdate {}",
        .next_update.map_or_else(|| "none".to_string(), UnixTime::rfc3339)
    )]
    Stale {
        /// Verification time.
        at: UnixTime,
        /// thisUpdate.
        this_update: UnixTime,
        /// nextUpdate (`none` when the CRL has none).
        next_update: Option<UnixTime>,
    },
    /// A critical CRL or entry extension this crate cannot process (RFC 5280 §5.2, §5.3).
    #[error("CRL has an unsupported critical extension {0}")]
    UnsupportedCritical(der::oid::ObjectIdentifier),
    /// The CRL's issuingDistributionPoint does not cover the certificate.
    #[error("CRL does not cover the certificate: {0}")]
    OutOfScope(String),
}

/// A parsed CRL.
#[derive(Clone, Debug)]
pub struct Crl {
    /// The CRL, except its entries: `revoked_certificates` is always `None`, because a
    /// million decoded entries take about nine times their DER. Use [`Crl::status`],
    /// [`Crl::revoked`] and [`Crl::revoked_count`].
    pub crl: CertificateList,
    /// DER as received.
    pub der: Vec<u8>,
    /// The signed `tbsCertList` within `der`.
    tbs: Range<usize>,
    /// The content of `revokedCertificates` within `der`.
    revoked: Option<Range<usize>>,
    /// The entries by serial number.
    index: RevokedIndex,
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
    /// Parses DER, or PEM (`-----BEGIN X509 CRL-----`), checking every entry.
    ///
    /// # Errors
    /// [`CrlError::Malformed`].
    pub fn parse(bytes: &[u8]) -> Result<Self, CrlError> {
        let der = if bytes.starts_with(b"-----BEGIN") {
            let (label, der) = der::pem::decode_vec(bytes).map_err(CrlError::Pem)?;
            if label != "X509 CRL" {
                return Err(CrlError::Malformed(format!("PEM label {label}")));
            }
            der
        } else {
            bytes.to_vec()
        };
        let parts = read::read(&der).map_err(CrlError::Der)?;
        let index = match parts.revoked.clone() {
            Some(revoked) => RevokedIndex::build(&der, revoked).map_err(CrlError::Der)?,
            None => RevokedIndex::default(),
        };
        // cRLNumber and deltaCRLIndicator decide which CRL is newest and whether a CRL is
        // complete: present but unreadable, they would make a delta pass for a complete
        // CRL (and hide revocations), so such a CRL is refused, not read without them.
        for (oid, what) in [
            (ID_CE_CRL_NUMBER, "cRLNumber is not a DER INTEGER"),
            (
                ID_CE_DELTA_CRL_INDICATOR,
                "deltaCRLIndicator is not a DER INTEGER",
            ),
        ] {
            let present = parts
                .crl
                .tbs_cert_list
                .crl_extensions
                .iter()
                .flatten()
                .filter(|e| e.extn_id == oid);
            for ext in present {
                der::asn1::UintRef::from_der(ext.extn_value.as_bytes())
                    .map_err(|source| CrlError::Field { what, source })?;
            }
        }
        Ok(Crl {
            crl: parts.crl,
            der,
            tbs: parts.tbs,
            revoked: parts.revoked,
            index,
        })
    }

    /// The CRL number, if present, as hex.
    #[must_use]
    pub fn number_hex(&self) -> Option<String> {
        self.extension_uint_hex(ID_CE_CRL_NUMBER)
    }

    /// Checks that `issuer` issued and signed this CRL, that it is fresh at `at` and
    /// that it has no critical extension this crate cannot process. Whether the CRL
    /// covers a given certificate is [`Crl::check_scope`]; whether it is a delta CRL,
    /// [`Crl::delta_base_hex`].
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
        self.check_critical()?;
        if tbs.signature != self.crl.signature_algorithm {
            return Err(CrlError::Signature(
                "tbsCertList and CertificateList name different algorithms".into(),
            ));
        }
        let alg_der = self
            .crl
            .signature_algorithm
            .to_der()
            .map_err(CrlError::Der)?;
        let algorithm = SignatureAlgorithm::from_identifier_der(&alg_der, None)
            .map_err(|e| CrlError::Signature(e.to_string()))?;
        // The signed bytes as received: re-encoding would need the decoded entries.
        let tbs_der = self
            .der
            .get(self.tbs.clone())
            .ok_or_else(|| CrlError::Malformed("tbsCertList out of range".into()))?;
        let signature = self
            .crl
            .signature
            .as_bytes()
            .ok_or_else(|| CrlError::Signature("BIT STRING with unused bits".into()))?;
        verifier
            .verify(&issuer.key, &algorithm, tbs_der, signature)
            .map_err(|e| CrlError::Signature(e.to_string()))?;
        let this_update = UnixTime::from_x509(&tbs.this_update);
        let next_update = tbs.next_update.as_ref().map(UnixTime::from_x509);
        let fresh = this_update <= at && next_update.is_some_and(|n| at <= n);
        if !fresh {
            return Err(CrlError::Stale {
                at,
                this_update,
                next_update,
            });
        }
        Ok(())
    }

    /// Whether `serial` (DER content bytes) is listed: a binary search.
    #[must_use]
    pub fn status(&self, serial: &[u8]) -> CrlStatus {
        self.index
            .find(&self.der, serial)
            .map_or(CrlStatus::Good, |at| CrlStatus::Revoked { at })
    }

    /// How many certificates the CRL lists.
    #[must_use]
    pub fn revoked_count(&self) -> usize {
        self.index.len()
    }

    /// The entries in CRL order, decoded one at a time (with their extensions).
    pub fn revoked(&self) -> impl Iterator<Item = RevokedCert> + '_ {
        index::entries(&self.der, self.revoked.clone())
    }

    /// For a delta CRL, the number of its base CRL as hex (deltaCRLIndicator); `None`
    /// for a complete CRL. A delta lists only changes since its base, so a serial it
    /// does not list is not known to be good.
    #[must_use]
    pub fn delta_base_hex(&self) -> Option<String> {
        self.extension_uint_hex(ID_CE_DELTA_CRL_INDICATOR)
    }

    /// Checks that this CRL's issuingDistributionPoint covers `cert` (RFC 5280
    /// §6.3.3 (b)): a partition's distribution point must be a cRLDistributionPoints
    /// name of the certificate, and user-only or CA-only CRLs must match its kind.
    ///
    /// # Errors
    /// [`CrlError::OutOfScope`] saying why, or [`CrlError::Malformed`].
    pub fn check_scope(&self, cert: &Cert) -> Result<(), CrlError> {
        scope::check(self.crl.tbs_cert_list.crl_extensions.as_ref(), cert)
    }

    /// Whether issuingDistributionPoint marks this CRL indirect (entries may be of
    /// certificates of other issuers, RFC 5280 §5.2.5).
    #[must_use]
    pub fn is_indirect(&self) -> bool {
        self.crl
            .tbs_cert_list
            .crl_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == ID_CE_ISSUING_DISTRIBUTION_POINT)
            .and_then(|e| {
                x509_cert::ext::pkix::IssuingDistributionPoint::from_der(e.extn_value.as_bytes())
                    .ok()
            })
            .is_some_and(|idp| idp.indirect_crl)
    }

    fn extension_uint_hex(&self, oid: der::asn1::ObjectIdentifier) -> Option<String> {
        let ext = self.crl.tbs_cert_list.crl_extensions.as_ref()?;
        let found = ext.iter().find(|e| e.extn_id == oid)?;
        let value = der::asn1::UintRef::from_der(found.extn_value.as_bytes()).ok()?;
        Some(hex::encode(value.as_bytes()))
    }

    /// RFC 5280 §5.2: a CRL with a critical extension the reader does not process
    /// must not be used.
    fn check_critical(&self) -> Result<(), CrlError> {
        const KNOWN: [der::asn1::ObjectIdentifier; 7] = [
            ID_CE_AUTHORITY_KEY_IDENTIFIER,
            ID_CE_ISSUER_ALT_NAME,
            ID_CE_CRL_NUMBER,
            ID_CE_DELTA_CRL_INDICATOR,
            ID_CE_ISSUING_DISTRIBUTION_POINT,
            ID_CE_FRESHEST_CRL,
            ID_PE_AUTHORITY_INFO_ACCESS,
        ];
        let extensions = self.crl.tbs_cert_list.crl_extensions.iter().flatten();
        if let Some(unknown) = extensions
            .filter(|e| e.critical && !KNOWN.contains(&e.extn_id))
            .map(|e| e.extn_id)
            .next()
            .or(self.index.unsupported_critical)
        {
            return Err(CrlError::UnsupportedCritical(unknown));
        }
        // certificateIssuer entries make a CRL indirect; a CRL that does not say so
        // (issuingDistributionPoint indirectCRL) would misattribute them.
        if self.index.certificate_issuer_entries && !self.is_indirect() {
            return Err(CrlError::Malformed(
                "certificateIssuer entries on a CRL that is not indirect".into(),
            ));
        }
        Ok(())
    }
}
