//! Signature algorithms as values: parsed once from an AlgorithmIdentifier, then passed
//! to a backend. Identification lives here so that backends only ever do arithmetic.

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, Null};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef};

use crate::error::AlgorithmError;
use crate::hash::HashAlgorithm;
use crate::oid;
use crate::pss::PssParams;

/// How an ECDSA signature is laid out on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EcdsaEncoding {
    /// X9.62 `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`.
    Der,
    /// BSI TR-03111 / IEEE P1363 plain `r || s`, each as long as the curve order.
    Plain,
}

/// A signature algorithm with everything a backend needs to verify or sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with the given hash.
    RsaPkcs1 {
        /// The message hash.
        hash: HashAlgorithm,
    },
    /// RSASSA-PSS with explicit parameters.
    RsaPss(PssParams),
    /// ECDSA with the given hash and signature encoding.
    Ecdsa {
        /// The message hash.
        hash: HashAlgorithm,
        /// DER or plain.
        encoding: EcdsaEncoding,
    },
}

impl SignatureAlgorithm {
    /// Parses a signature AlgorithmIdentifier.
    ///
    /// `supplied_hash` is the hash to use when the identifier names none: the bare
    /// `rsaEncryption` OID that some states put in a SignerInfo's signatureAlgorithm,
    /// where the hash comes from the SignerInfo's digestAlgorithm.
    ///
    /// # Errors
    /// An [`AlgorithmError`] naming the unknown OID or the bad parameters.
    pub fn from_identifier(
        id: &AlgorithmIdentifierRef<'_>,
        supplied_hash: Option<HashAlgorithm>,
    ) -> Result<Self, AlgorithmError> {
        Self::from_oid_and_parameters(&id.oid, id.parameters, supplied_hash)
    }

    /// Parses a DER-encoded signature AlgorithmIdentifier.
    ///
    /// # Errors
    /// As [`SignatureAlgorithm::from_identifier`], or malformed DER.
    pub fn from_identifier_der(
        der: &[u8],
        supplied_hash: Option<HashAlgorithm>,
    ) -> Result<Self, AlgorithmError> {
        // The encodings dongpo and most signers write, recognised by their bytes: a
        // passport's SignerInfo is read for every document of a batch.
        if let Some((_, algorithm)) = common_identifiers()
            .iter()
            .find(|(encoding, _)| encoding.as_slice() == der)
        {
            return Ok(*algorithm);
        }
        Self::decode_identifier_der(der, supplied_hash)
    }

    /// [`SignatureAlgorithm::from_identifier_der`] by decoding, for any encoding.
    fn decode_identifier_der(
        der: &[u8],
        supplied_hash: Option<HashAlgorithm>,
    ) -> Result<Self, AlgorithmError> {
        let id =
            AlgorithmIdentifierRef::from_der(der).map_err(|e| AlgorithmError::BadParameters {
                oid: ObjectIdentifier::new_unwrap("0.0"),
                reason: format!("AlgorithmIdentifier: {e}"),
            })?;
        Self::from_identifier(&id, supplied_hash)
    }

    /// Parses an OID and its (optional) parameters.
    ///
    /// # Errors
    /// An [`AlgorithmError`] naming the unknown OID or the bad parameters.
    pub fn from_oid_and_parameters(
        algorithm: &ObjectIdentifier,
        parameters: Option<AnyRef<'_>>,
        supplied_hash: Option<HashAlgorithm>,
    ) -> Result<Self, AlgorithmError> {
        use HashAlgorithm::{Sha1, Sha224, Sha256, Sha384, Sha512};
        let pkcs1 = |hash| Ok(SignatureAlgorithm::RsaPkcs1 { hash });
        let ecdsa = |hash, encoding| {
            // X9.62 and TR-03111 say parameters are absent; nothing real sends anything else.
            if parameters.is_some_and(|p| !p.is_null()) {
                return Err(AlgorithmError::BadParameters {
                    oid: *algorithm,
                    reason: "ECDSA signature algorithms take no parameters".into(),
                });
            }
            Ok(SignatureAlgorithm::Ecdsa { hash, encoding })
        };
        let der = EcdsaEncoding::Der;
        let plain = EcdsaEncoding::Plain;
        match *algorithm {
            oid::SHA1_WITH_RSA => pkcs1(Sha1),
            oid::SHA224_WITH_RSA => pkcs1(Sha224),
            oid::SHA256_WITH_RSA => pkcs1(Sha256),
            oid::SHA384_WITH_RSA => pkcs1(Sha384),
            oid::SHA512_WITH_RSA => pkcs1(Sha512),
            oid::RSA_ENCRYPTION => pkcs1(supplied_hash.ok_or(AlgorithmError::HashNotSupplied)?),
            oid::RSASSA_PSS => Ok(SignatureAlgorithm::RsaPss(PssParams::from_parameters(
                parameters,
            )?)),
            oid::ECDSA_WITH_SHA1 => ecdsa(Sha1, der),
            oid::ECDSA_WITH_SHA224 => ecdsa(Sha224, der),
            oid::ECDSA_WITH_SHA256 => ecdsa(Sha256, der),
            oid::ECDSA_WITH_SHA384 => ecdsa(Sha384, der),
            oid::ECDSA_WITH_SHA512 => ecdsa(Sha512, der),
            oid::ECDSA_PLAIN_SHA1 => ecdsa(Sha1, plain),
            oid::ECDSA_PLAIN_SHA224 => ecdsa(Sha224, plain),
            oid::ECDSA_PLAIN_SHA256 => ecdsa(Sha256, plain),
            oid::ECDSA_PLAIN_SHA384 => ecdsa(Sha384, plain),
            oid::ECDSA_PLAIN_SHA512 => ecdsa(Sha512, plain),
            other => Err(AlgorithmError::UnknownSignature(other)),
        }
    }

    /// The message hash.
    #[must_use]
    pub const fn hash(&self) -> HashAlgorithm {
        match self {
            SignatureAlgorithm::RsaPkcs1 { hash } | SignatureAlgorithm::Ecdsa { hash, .. } => *hash,
            SignatureAlgorithm::RsaPss(params) => params.hash,
        }
    }

    /// True for the RSA families.
    #[must_use]
    pub const fn is_rsa(&self) -> bool {
        matches!(
            self,
            SignatureAlgorithm::RsaPkcs1 { .. } | SignatureAlgorithm::RsaPss(_)
        )
    }

    /// The OID this algorithm is written with.
    #[must_use]
    pub const fn oid(&self) -> ObjectIdentifier {
        use EcdsaEncoding::{Der, Plain};
        use HashAlgorithm::{Sha1, Sha224, Sha256, Sha384, Sha512};
        match *self {
            SignatureAlgorithm::RsaPkcs1 { hash } => match hash {
                Sha1 => oid::SHA1_WITH_RSA,
                Sha224 => oid::SHA224_WITH_RSA,
                Sha256 => oid::SHA256_WITH_RSA,
                Sha384 => oid::SHA384_WITH_RSA,
                Sha512 => oid::SHA512_WITH_RSA,
            },
            SignatureAlgorithm::RsaPss(_) => oid::RSASSA_PSS,
            SignatureAlgorithm::Ecdsa {
                hash,
                encoding: Der,
            } => match hash {
                Sha1 => oid::ECDSA_WITH_SHA1,
                Sha224 => oid::ECDSA_WITH_SHA224,
                Sha256 => oid::ECDSA_WITH_SHA256,
                Sha384 => oid::ECDSA_WITH_SHA384,
                Sha512 => oid::ECDSA_WITH_SHA512,
            },
            SignatureAlgorithm::Ecdsa {
                hash,
                encoding: Plain,
            } => match hash {
                Sha1 => oid::ECDSA_PLAIN_SHA1,
                Sha224 => oid::ECDSA_PLAIN_SHA224,
                Sha256 => oid::ECDSA_PLAIN_SHA256,
                Sha384 => oid::ECDSA_PLAIN_SHA384,
                Sha512 => oid::ECDSA_PLAIN_SHA512,
            },
        }
    }

    /// The AlgorithmIdentifier to write into certificates, CRLs and SignerInfos:
    /// NULL parameters for PKCS#1 (RFC 4055), explicit parameters for PSS, none for ECDSA.
    #[must_use]
    pub fn to_identifier(&self) -> AlgorithmIdentifierOwned {
        let parameters = match self {
            SignatureAlgorithm::RsaPkcs1 { .. } => der::Any::encode_from(&Null).ok(),
            SignatureAlgorithm::RsaPss(params) => der::Any::from_der(&params.to_der()).ok(),
            SignatureAlgorithm::Ecdsa { .. } => None,
        };
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters,
        }
    }

    /// DER of [`SignatureAlgorithm::to_identifier`].
    #[must_use]
    pub fn to_identifier_der(&self) -> Vec<u8> {
        self.to_identifier().to_der().unwrap_or_default()
    }

    /// A stable human-readable name for reports: `sha256WithRSAEncryption`,
    /// `rsassa-pss(sha256,mgf1-sha256,salt=32)`, `ecdsa-with-sha384`, `ecdsa-plain-sha256`.
    #[must_use]
    pub fn name(&self) -> String {
        // Two pieces copied, not formatted: the name goes into every document's report.
        let joined = |first: &str, second: &str| {
            let mut name = String::with_capacity(first.len() + second.len());
            name.push_str(first);
            name.push_str(second);
            name
        };
        match self {
            SignatureAlgorithm::RsaPkcs1 { hash } => joined(hash.name(), "WithRSAEncryption"),
            SignatureAlgorithm::RsaPss(p) => {
                format!(
                    "rsassa-pss({},mgf1-{},salt={})",
                    p.hash, p.mgf1_hash, p.salt_len
                )
            }
            SignatureAlgorithm::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Der,
            } => joined("ecdsa-with-", hash.name()),
            SignatureAlgorithm::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Plain,
            } => joined("ecdsa-plain-", hash.name()),
        }
    }
}

/// Every signature algorithm of every hash: PKCS#1 v1.5, PSS with the parameters of
/// [`PssParams::with_hash`], ECDSA in both encodings.
fn every_algorithm() -> impl Iterator<Item = SignatureAlgorithm> {
    HashAlgorithm::ALL.into_iter().flat_map(|hash| {
        [
            SignatureAlgorithm::RsaPkcs1 { hash },
            SignatureAlgorithm::RsaPss(PssParams::with_hash(hash)),
            SignatureAlgorithm::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Der,
            },
            SignatureAlgorithm::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Plain,
            },
        ]
    })
}

/// The common encodings of signature AlgorithmIdentifiers with the algorithm each
/// decodes to: every algorithm as [`SignatureAlgorithm::to_identifier_der`] writes it,
/// and PKCS#1 v1.5 also with its parameters absent. Each is kept only when decoding it
/// gives that very algorithm whatever hash is supplied (none of them is the bare
/// `rsaEncryption`, the one identifier that takes the supplied hash), so that finding
/// one here answers as decoding would.
fn common_identifiers() -> &'static [(Vec<u8>, SignatureAlgorithm)] {
    static COMMON: std::sync::OnceLock<Vec<(Vec<u8>, SignatureAlgorithm)>> =
        std::sync::OnceLock::new();
    COMMON.get_or_init(|| {
        let mut common = Vec::new();
        for algorithm in every_algorithm() {
            common.push((algorithm.to_identifier_der(), algorithm));
            if let SignatureAlgorithm::RsaPkcs1 { .. } = algorithm {
                let absent = AlgorithmIdentifierOwned {
                    oid: algorithm.oid(),
                    parameters: None,
                };
                common.extend(absent.to_der().ok().map(|der| (der, algorithm)));
            }
        }
        // The ones signers use most first (a look-up compares lengths, then bytes).
        common.sort_by_key(|(_, algorithm)| algorithm.hash() != HashAlgorithm::Sha256);
        common.retain(|(der, algorithm)| {
            std::iter::once(None)
                .chain(HashAlgorithm::ALL.map(Some))
                .all(|hash| {
                    SignatureAlgorithm::decode_identifier_der(der, hash).as_ref() == Ok(algorithm)
                })
        });
        common
    })
}

impl std::fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_round_trips_through_its_identifier() {
        let mut all = Vec::new();
        for hash in HashAlgorithm::ALL {
            all.push(SignatureAlgorithm::RsaPkcs1 { hash });
            all.push(SignatureAlgorithm::RsaPss(PssParams::with_hash(hash)));
            all.push(SignatureAlgorithm::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Der,
            });
            all.push(SignatureAlgorithm::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Plain,
            });
        }
        for alg in all {
            let der = alg.to_identifier_der();
            assert_eq!(
                SignatureAlgorithm::from_identifier_der(&der, None),
                Ok(alg),
                "{alg}"
            );
        }
    }

    /// The byte look-up holds every algorithm in its written encoding (and PKCS#1
    /// without parameters), each answering as decoding does; anything else is decoded.
    #[test]
    fn common_encodings_answer_as_decoding() {
        let common = common_identifiers();
        assert_eq!(common.len(), 25);
        for algorithm in every_algorithm() {
            assert!(
                common
                    .iter()
                    .any(|(der, a)| *a == algorithm && *der == algorithm.to_identifier_der()),
                "{algorithm}"
            );
        }
        for (der, algorithm) in common {
            for hash in [None, Some(HashAlgorithm::Sha1), Some(HashAlgorithm::Sha512)] {
                assert_eq!(
                    SignatureAlgorithm::from_identifier_der(der, hash),
                    SignatureAlgorithm::decode_identifier_der(der, hash)
                );
                assert_eq!(
                    SignatureAlgorithm::from_identifier_der(der, hash),
                    Ok(*algorithm)
                );
            }
        }
        // Not in the table: the bare rsaEncryption OID still takes the supplied hash.
        let bare = AlgorithmIdentifierOwned {
            oid: oid::RSA_ENCRYPTION,
            parameters: der::Any::encode_from(&Null).ok(),
        }
        .to_der()
        .unwrap();
        assert_eq!(
            SignatureAlgorithm::from_identifier_der(&bare, Some(HashAlgorithm::Sha384)),
            Ok(SignatureAlgorithm::RsaPkcs1 {
                hash: HashAlgorithm::Sha384
            })
        );
    }

    #[test]
    fn names_are_written_as_format_would() {
        for algorithm in every_algorithm() {
            let expected = match algorithm {
                SignatureAlgorithm::RsaPkcs1 { hash } => format!("{hash}WithRSAEncryption"),
                SignatureAlgorithm::RsaPss(p) => format!(
                    "rsassa-pss({},mgf1-{},salt={})",
                    p.hash, p.mgf1_hash, p.salt_len
                ),
                SignatureAlgorithm::Ecdsa {
                    hash,
                    encoding: EcdsaEncoding::Der,
                } => format!("ecdsa-with-{hash}"),
                SignatureAlgorithm::Ecdsa {
                    hash,
                    encoding: EcdsaEncoding::Plain,
                } => format!("ecdsa-plain-{hash}"),
            };
            assert_eq!(algorithm.name(), expected);
        }
    }

    #[test]
    fn bare_rsa_encryption_takes_the_supplied_hash() {
        let id = AlgorithmIdentifierRef {
            oid: oid::RSA_ENCRYPTION,
            parameters: None,
        };
        assert_eq!(
            SignatureAlgorithm::from_identifier(&id, None),
            Err(AlgorithmError::HashNotSupplied)
        );
        assert_eq!(
            SignatureAlgorithm::from_identifier(&id, Some(HashAlgorithm::Sha384)),
            Ok(SignatureAlgorithm::RsaPkcs1 {
                hash: HashAlgorithm::Sha384
            })
        );
    }

    #[test]
    fn unknown_oids_are_named_in_the_error() {
        let md5_rsa = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.4");
        let id = AlgorithmIdentifierRef {
            oid: md5_rsa,
            parameters: None,
        };
        let err = SignatureAlgorithm::from_identifier(&id, None).err();
        assert_eq!(err, Some(AlgorithmError::UnknownSignature(md5_rsa)));
        assert!(SignatureAlgorithm::from_identifier_der(b"\x30\x00garbage", None).is_err());
    }
}
