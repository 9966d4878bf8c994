//! Object identifiers dongpo recognises, named once.
//!
//! Only OIDs that `const_oid::db` lacks or names unhelpfully live here; the rest are
//! re-exported from `const_oid::db` so that every crate spells an OID the same way.

use const_oid::ObjectIdentifier as Oid;

/// rsaEncryption (PKCS#1): an RSA key, and in some SODs a signature algorithm whose hash
/// comes from the SignerInfo digestAlgorithm.
pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
/// id-RSASSA-PSS (RFC 4055).
pub const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
/// id-mgf1 (RFC 8017).
pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
/// sha1WithRSAEncryption.
pub const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
/// sha224WithRSAEncryption.
pub const SHA224_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.14");
/// sha256WithRSAEncryption.
pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
/// sha384WithRSAEncryption.
pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
/// sha512WithRSAEncryption.
pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");

/// id-ecPublicKey (X9.62).
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// dhpublicnumber (X9.42, RFC 3279 §2.3.3): a finite-field DH key with `(p, g, q)`
/// DomainParameters, as DG14 carries a DH Chip Authentication key.
pub const DH_PUBLIC_NUMBER: Oid = Oid::new_unwrap("1.2.840.10046.2.1");
/// prime-field (X9.62 FieldID type).
pub const PRIME_FIELD: Oid = Oid::new_unwrap("1.2.840.10045.1.1");
/// ecdsa-with-SHA1 (X9.62).
pub const ECDSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
/// ecdsa-with-SHA224.
pub const ECDSA_WITH_SHA224: Oid = Oid::new_unwrap("1.2.840.10045.4.3.1");
/// ecdsa-with-SHA256.
pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384.
pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
/// ecdsa-with-SHA512.
pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");

/// ecdsa-plain-SHA1 (BSI TR-03111): the signature is r||s, not DER.
pub const ECDSA_PLAIN_SHA1: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.1");
/// ecdsa-plain-SHA224 (BSI TR-03111).
pub const ECDSA_PLAIN_SHA224: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.2");
/// ecdsa-plain-SHA256 (BSI TR-03111).
pub const ECDSA_PLAIN_SHA256: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.3");
/// ecdsa-plain-SHA384 (BSI TR-03111).
pub const ECDSA_PLAIN_SHA384: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.4");
/// ecdsa-plain-SHA512 (BSI TR-03111).
pub const ECDSA_PLAIN_SHA512: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.5");

/// id-sha1.
pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
/// id-sha224.
pub const SHA224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.4");
/// id-sha256.
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384.
pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
/// id-sha512.
pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
