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
    /// SHA-256 of EF.SOD.
    pub sod_sha256: Option<String>,
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
    /// The claims of `report`, stored under `id`.
    #[must_use]
    pub fn of(id: &str, report: &VerificationReport, challenge_id: Option<&str>, iat: u64) -> Self {
        ReceiptClaims {
            iss: "dongpo-server".into(),
            id: id.to_owned(),
            iat,
            verified_at: report.evidence.at.clone(),
            valid: report.valid,
            sod_sha256: report.evidence.sod_sha256.clone(),
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
        let signing_input = format!(
            "{}.{}",
            self.header,
            Base64UrlUnpadded::encode_string(&payload)
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
