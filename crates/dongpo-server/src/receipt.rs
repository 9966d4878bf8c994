//! Verification receipts: what a verification rested on, without personal data, signed by
//! the server as a JWS (RFC 7515 compact, ES256) that anyone with the key from
//! `/v1/receipt-keys` (a JWK set) can check.

use base64ct::{Base64UrlUnpadded, Encoding};
use dongpo_crypto::{
    Curve, EcdsaEncoding, HashAlgorithm, KeySpec, PublicKey, SignatureAlgorithm, SigningKey,
};
use dongpo_icao::VerificationReport;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a receipt states.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptClaims {
    /// `dongpo-server`.
    pub iss: String,
    /// Receipt id (= the verification id).
    pub id: String,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Verification time (RFC 3339).
    pub verified_at: String,
    /// The report's verdict.
    pub valid: bool,
    /// The document's keyed identifier: HMAC-SHA256 of EF.SOD's SHA-256 under the
    /// server's document-fingerprint key ([`crate::fingerprint::sod_id`]). It says
    /// whether two receipts rest on the same document to the server only; an unkeyed
    /// hash would identify the passport to anyone who ever read its SOD. Receipts signed
    /// before it carried `sod_sha256` instead: they still verify, reading as `None` here.
    #[serde(default)]
    pub sod_id: Option<String>,
    /// Data groups covered by the SOD and supplied.
    pub covered_dgs: Vec<u8>,
    /// SHA-256 of the DSC.
    pub dsc_sha256: Option<String>,
    /// SHA-256 of the CSCA.
    pub csca_sha256: Option<String>,
    /// Content id of the trust store.
    pub trust_snapshot: String,
    /// CRL numbers used.
    pub crl_numbers: Vec<String>,
    /// Policy name.
    pub policy: String,
    /// Check id -> pass / fail / skipped.
    pub checks: std::collections::BTreeMap<String, dongpo_icao::Status>,
    /// The Active Authentication challenge used.
    pub challenge_id: Option<String>,
    /// SHA-256 of the report (JSON): the value certificates carry in their evidence.
    pub report_sha256: String,
}

impl ReceiptClaims {
    /// The claims of `report`, stored under `id`; the document identified under
    /// `fingerprint_key`.
    #[must_use]
    pub fn of(
        id: &str,
        report: &VerificationReport,
        challenge_id: Option<&str>,
        iat: u64,
        fingerprint_key: &[u8; 32],
    ) -> Self {
        ReceiptClaims {
            iss: "dongpo-server".into(),
            id: id.to_owned(),
            iat,
            verified_at: report.evidence.at.clone(),
            valid: report.valid,
            sod_id: report
                .evidence
                .sod_sha256
                .as_deref()
                .map(|sod| crate::fingerprint::sod_id(fingerprint_key, sod)),
            covered_dgs: report.evidence.covered_dgs.clone(),
            dsc_sha256: report.dsc.as_ref().map(|c| c.sha256.clone()),
            csca_sha256: report.csca.as_ref().map(|c| c.sha256.clone()),
            trust_snapshot: report.evidence.trust_snapshot.clone(),
            crl_numbers: report.evidence.crl_numbers.clone(),
            policy: report.evidence.policy.clone(),
            checks: report
                .checks
                .iter()
                .map(|c| (c.id.to_string(), c.status))
                .collect(),
            challenge_id: challenge_id.map(str::to_owned),
            report_sha256: hex::encode(dongpo_ca::report_sha256(report)),
        }
    }
}

/// A receipt failed to sign or verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The key cannot sign receipts (described).
    #[error("receipt signing: {0}")]
    Key(&'static str),
    /// The signer failed.
    #[error("receipt signing: {0}")]
    Sign(#[source] dongpo_crypto::SignError),
    /// The claims did not serialise.
    #[error("receipt signing: {0}")]
    Claims(#[source] serde_json::Error),
    /// Not a JWS of ours, or the signature does not verify.
    #[error("receipt: {0}")]
    Invalid(&'static str),
}

const ES256: SignatureAlgorithm = SignatureAlgorithm::Ecdsa {
    hash: HashAlgorithm::Sha256,
    encoding: EcdsaEncoding::Plain,
};

/// The server's receipt-signing key (P-256).
pub struct ReceiptSigner {
    key: SigningKey,
    kid: String,
    header: String,
    /// The public key's JWK coordinates (`x`, `y`), Base64url.
    coordinates: (String, String),
}

impl ReceiptSigner {
    /// A signer for `key` (must be P-256).
    ///
    /// # Errors
    /// [`ReceiptError::Key`] for another key type.
    pub fn new(key: SigningKey) -> Result<Self, ReceiptError> {
        const NOT_P256: &str = "the receipt key must be P-256";
        let PublicKey::Ec(ec) = key.public_key() else {
            return Err(ReceiptError::Key(NOT_P256));
        };
        if ec.curve != Curve::P256 {
            return Err(ReceiptError::Key(NOT_P256));
        }
        // The JWK publishes the uncompressed point's two coordinates: a key that does not
        // give one has nothing to publish, so it is refused here rather than published
        // with empty coordinates.
        let coordinates = match ec.point.split_first() {
            Some((0x04, xy)) if xy.len() == 64 => {
                let (x, y) = xy.split_at(32);
                (
                    Base64UrlUnpadded::encode_string(x),
                    Base64UrlUnpadded::encode_string(y),
                )
            }
            _ => return Err(ReceiptError::Key(NOT_P256)),
        };
        let digest: [u8; 32] = Sha256::digest(&ec.point).into();
        let (kid_bytes, _) = digest.split_at(8);
        let kid = hex::encode(kid_bytes);
        let header = Base64UrlUnpadded::encode_string(
            serde_json::json!({ "alg": "ES256", "typ": "dongpo-receipt+jwt", "kid": kid })
                .to_string()
                .as_bytes(),
        );
        Ok(ReceiptSigner {
            key,
            kid,
            header,
            coordinates,
        })
    }

    /// A fresh key from the OS CSPRNG.
    ///
    /// # Errors
    /// [`ReceiptError::Sign`].
    pub fn generate() -> Result<SigningKey, ReceiptError> {
        SigningKey::generate(KeySpec::Ec(Curve::P256)).map_err(ReceiptError::Sign)
    }

    /// Signs the claims: `header.payload.signature`.
    ///
    /// # Errors
    /// [`ReceiptError::Sign`].
    pub fn sign(&self, claims: &ReceiptClaims) -> Result<String, ReceiptError> {
        let payload = serde_json::to_vec(claims).map_err(ReceiptError::Claims)?;
        self.sign_payload(&payload)
    }

    /// Signs a payload as it stands: `header.payload.signature`.
    fn sign_payload(&self, payload: &[u8]) -> Result<String, ReceiptError> {
        let signing_input = format!(
            "{}.{}",
            self.header,
            Base64UrlUnpadded::encode_string(payload)
        );
        let signature = self
            .key
            .sign(&ES256, signing_input.as_bytes())
            .map_err(ReceiptError::Sign)?;
        Ok(format!(
            "{signing_input}.{}",
            Base64UrlUnpadded::encode_string(&signature)
        ))
    }

    /// The JWK set publishing the verification key.
    #[must_use]
    pub fn jwks(&self) -> serde_json::Value {
        let (x, y) = &self.coordinates;
        serde_json::json!({ "keys": [{
            "kty": "EC", "crv": "P-256", "x": x, "y": y,
            "kid": self.kid, "alg": "ES256", "use": "sig"
        }]})
    }

    /// Checks a receipt's signature with this key and returns its claims.
    ///
    /// # Errors
    /// [`ReceiptError::Invalid`].
    pub fn verify(&self, jws: &str) -> Result<ReceiptClaims, ReceiptError> {
        let (signing_input, signature) = jws
            .rsplit_once('.')
            .ok_or(ReceiptError::Invalid("not a JWS compact serialisation"))?;
        let (header, payload) = signing_input
            .split_once('.')
            .ok_or(ReceiptError::Invalid("not a JWS compact serialisation"))?;
        if header != self.header {
            return Err(ReceiptError::Invalid("header is not ours (alg, kid)"));
        }
        let signature = Base64UrlUnpadded::decode_vec(signature)
            .map_err(|_| ReceiptError::Invalid("signature is not base64url"))?;
        let verifier = dongpo_crypto::Verifier::new();
        verifier
            .verify(
                self.key.public_key(),
                &ES256,
                signing_input.as_bytes(),
                &signature,
            )
            .map_err(|_| ReceiptError::Invalid("signature does not verify"))?;
        let payload = Base64UrlUnpadded::decode_vec(payload)
            .map_err(|_| ReceiptError::Invalid("payload is not base64url"))?;
        serde_json::from_slice(&payload)
            .map_err(|_| ReceiptError::Invalid("payload is not receipt claims"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn claims(sod_id: Option<&str>) -> ReceiptClaims {
        ReceiptClaims {
            iss: "dongpo-server".into(),
            id: "r1".into(),
            iat: 1,
            verified_at: "2026-01-01T00:00:00Z".into(),
            valid: true,
            sod_id: sod_id.map(str::to_owned),
            covered_dgs: vec![1, 2],
            dsc_sha256: None,
            csca_sha256: None,
            trust_snapshot: "t".into(),
            crl_numbers: Vec::new(),
            policy: "default".into(),
            checks: std::collections::BTreeMap::new(),
            challenge_id: None,
            report_sha256: "00".into(),
        }
    }

    #[test]
    fn receipts_round_trip_and_a_changed_payload_fails() {
        let signer = ReceiptSigner::new(ReceiptSigner::generate().unwrap()).unwrap();
        let c = claims(Some("ab"));
        let jws = signer.sign(&c).unwrap();
        assert_eq!(signer.verify(&jws).unwrap(), c);
        let other = signer.sign(&claims(Some("ac"))).unwrap();
        let (head, _) = jws.rsplit_once('.').unwrap();
        let (_, sig) = other.rsplit_once('.').unwrap();
        assert!(signer.verify(&format!("{head}.{sig}")).is_err());
    }

    /// Receipts signed before `sod_id` carried the unkeyed `sod_sha256`: they still
    /// verify (the signature covers what they say), and read without a `sod_id`.
    #[test]
    fn receipts_with_the_old_sod_sha256_still_verify() {
        let signer = ReceiptSigner::new(ReceiptSigner::generate().unwrap()).unwrap();
        let mut old = serde_json::to_value(claims(None)).unwrap();
        let fields = old.as_object_mut().unwrap();
        fields.remove("sod_id");
        fields.insert("sod_sha256".into(), serde_json::json!("cd".repeat(32)));
        let jws = signer
            .sign_payload(&serde_json::to_vec(&old).unwrap())
            .unwrap();
        assert_eq!(signer.verify(&jws).unwrap(), claims(None));
    }

    #[test]
    fn new_receipts_carry_no_unkeyed_sod_hash() {
        let sod_sha256 = "cd".repeat(32);
        let id = crate::fingerprint::sod_id(&[7; 32], &sod_sha256);
        let text = serde_json::to_string(&claims(Some(&id))).unwrap();
        assert!(!text.contains("sod_sha256"));
        assert!(!text.contains(&sod_sha256));
        assert_ne!(id, crate::fingerprint::sod_id(&[8; 32], &sod_sha256));
    }
}
