//! RSASSA-PSS parameters (RFC 4055 / RFC 8017 `RSASSA-PSS-params`).

use der::asn1::{AnyRef, Null};
use der::{Decode, Encode, Sequence};
use spki::{AlgorithmIdentifier, AlgorithmIdentifierOwned, AlgorithmIdentifierRef};

use crate::error::AlgorithmError;
use crate::hash::HashAlgorithm;
use crate::oid;

/// The three numbers that define a PSS signature; trailer field 1 (0xBC) is implied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PssParams {
    /// The message hash.
    pub hash: HashAlgorithm,
    /// The hash inside MGF1.
    pub mgf1_hash: HashAlgorithm,
    /// Salt length in bytes.
    pub salt_len: usize,
}

/// `RSASSA-PSS-params` as it appears on the wire; every field has a DEFAULT.
#[derive(Clone, Debug, Sequence)]
struct PssParamsAsn1<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer: Option<u32>,
}

impl PssParams {
    /// The RFC 4055 defaults: SHA-1, MGF1-SHA-1, salt 20.
    pub const DEFAULTS: PssParams = PssParams {
        hash: HashAlgorithm::Sha1,
        mgf1_hash: HashAlgorithm::Sha1,
        salt_len: 20,
    };

    /// Parameters with MGF1 over the message hash and a salt as long as the hash,
    /// the common choice (the Korean CSCA uses SHA-256 / MGF1-SHA-256 / 32).
    #[must_use]
    pub const fn with_hash(hash: HashAlgorithm) -> Self {
        PssParams {
            hash,
            mgf1_hash: hash,
            salt_len: hash.output_len(),
        }
    }

    /// Decodes the DER parameters of an `id-RSASSA-PSS` algorithm identifier.
    ///
    /// `None` (parameters absent) yields the RFC 4055 defaults.
    ///
    /// # Errors
    /// [`AlgorithmError::BadParameters`] for malformed DER, an unknown hash or mask
    /// generation function, or a trailer field other than 1.
    pub fn from_parameters(params: Option<AnyRef<'_>>) -> Result<Self, AlgorithmError> {
        let bad = |reason: String| AlgorithmError::BadParameters {
            oid: oid::RSASSA_PSS,
            reason,
        };
        let Some(any) = params else {
            return Ok(Self::DEFAULTS);
        };
        let wire: PssParamsAsn1<'_> = any
            .decode_as()
            .map_err(|e| bad(format!("RSASSA-PSS-params: {e}")))?;
        let hash = match wire.hash {
            Some(id) => hash_of(&id).map_err(|e| bad(format!("hashAlgorithm: {e}")))?,
            None => HashAlgorithm::Sha1,
        };
        let mgf1_hash = match wire.mask_gen {
            Some(mgf) => {
                if mgf.oid != oid::MGF1 {
                    return Err(bad(format!("maskGenAlgorithm {} is not MGF1", mgf.oid)));
                }
                let inner = mgf
                    .parameters
                    .ok_or_else(|| bad("MGF1 without a hash".into()))?
                    .decode_as::<AlgorithmIdentifierRef<'_>>()
                    .map_err(|e| bad(format!("MGF1 hash: {e}")))?;
                hash_of(&inner).map_err(|e| bad(format!("MGF1 hash: {e}")))?
            }
            None => HashAlgorithm::Sha1,
        };
        if let Some(trailer) = wire.trailer
            && trailer != 1
        {
            return Err(bad(format!("trailerField {trailer} (only 1 is defined)")));
        }
        let salt_len = wire.salt_len.map_or(20, |s| s as usize);
        Ok(PssParams {
            hash,
            mgf1_hash,
            salt_len,
        })
    }

    /// The DER `RSASSA-PSS-params` with every non-default field present.
    #[must_use]
    #[allow(
        clippy::expect_used,
        reason = "encoding fixed-shape values built here cannot fail; see `encode`"
    )]
    pub fn to_der(&self) -> Vec<u8> {
        // Invariant: every value encoded is built right here from a `HashAlgorithm` (a
        // known OID with NULL parameters) and a `u32`, a few dozen bytes in all: DER
        // encoding of such values has no failure case. These bytes end up signed and
        // hashed, so a silent empty fallback would be worse than a loud bug.
        self.encode()
            .expect("RSASSA-PSS-params built from known hash OIDs always encode")
    }

    fn encode(&self) -> der::Result<Vec<u8>> {
        let hash_der = hash_identifier(self.hash)?.to_der()?;
        let mgf_hash_der = hash_identifier(self.mgf1_hash)?.to_der()?;
        let mgf_id = AlgorithmIdentifier {
            oid: oid::MGF1,
            parameters: Some(AnyRef::try_from(mgf_hash_der.as_slice())?),
        };
        let mgf_der = mgf_id.to_der()?;
        let hash_ref = AlgorithmIdentifierRef::from_der(&hash_der)?;
        let mgf_ref = AlgorithmIdentifierRef::from_der(&mgf_der)?;
        let wire = PssParamsAsn1 {
            hash: Some(hash_ref).filter(|_| self.hash != HashAlgorithm::Sha1),
            mask_gen: Some(mgf_ref).filter(|_| self.mgf1_hash != HashAlgorithm::Sha1),
            salt_len: u32::try_from(self.salt_len).ok().filter(|s| *s != 20),
            trailer: None,
        };
        wire.to_der()
    }
}

/// A hash AlgorithmIdentifier with NULL parameters, as OpenSSL writes inside PSS params.
fn hash_identifier(hash: HashAlgorithm) -> der::Result<AlgorithmIdentifierOwned> {
    Ok(AlgorithmIdentifierOwned {
        oid: hash.oid(),
        parameters: Some(der::Any::encode_from(&Null)?),
    })
}

/// The hash named by a digest AlgorithmIdentifier (parameters absent or NULL).
fn hash_of(id: &AlgorithmIdentifierRef<'_>) -> Result<HashAlgorithm, AlgorithmError> {
    if let Some(params) = id.parameters
        && !params.is_null()
    {
        return Err(AlgorithmError::BadParameters {
            oid: id.oid,
            reason: "digest parameters must be absent or NULL".into(),
        });
    }
    HashAlgorithm::from_oid(&id.oid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_common_parameter_sets() {
        for params in [
            PssParams::with_hash(HashAlgorithm::Sha256),
            PssParams::with_hash(HashAlgorithm::Sha512),
            PssParams {
                hash: HashAlgorithm::Sha256,
                mgf1_hash: HashAlgorithm::Sha1,
                salt_len: 0,
            },
            PssParams::DEFAULTS,
        ] {
            let der = params.to_der();
            let any = AnyRef::from_der(&der).ok();
            assert_eq!(PssParams::from_parameters(any), Ok(params));
        }
    }

    #[test]
    fn absent_parameters_are_the_defaults() {
        assert_eq!(PssParams::from_parameters(None), Ok(PssParams::DEFAULTS));
    }

    #[test]
    fn rejects_garbage_and_bad_trailer() {
        let garbage = AnyRef::from_der(&[0x04, 0x01, 0x00]).ok();
        assert!(PssParams::from_parameters(garbage).is_err());
        // SEQUENCE { [3] { INTEGER 2 } }
        let trailer2 = [0x30, 0x05, 0xa3, 0x03, 0x02, 0x01, 0x02];
        let any = AnyRef::from_der(&trailer2).ok();
        assert!(PssParams::from_parameters(any).is_err());
    }
}
