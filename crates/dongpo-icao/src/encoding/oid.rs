//! ICAO and BSI object identifiers (9303-10 §4.6, 9303-11 §9.2, 9303-12 §9-10).

use const_oid::ObjectIdentifier as Oid;

/// id-icao-mrtd-security-ldsSecurityObject: eContentType of EF.SOD.
pub const LDS_SECURITY_OBJECT: Oid = Oid::new_unwrap("2.23.136.1.1.1");
/// id-icao-cscaMasterList: eContentType of a CSCA master list.
pub const CSCA_MASTER_LIST: Oid = Oid::new_unwrap("2.23.136.1.1.2");
/// id-icao-cscaMasterListSigningKey: EKU of a master-list signer.
pub const MASTER_LIST_SIGNER_EKU: Oid = Oid::new_unwrap("2.23.136.1.1.3");
/// id-icao-mrtd-security-aaProtocolObject: ActiveAuthenticationInfo in DG14.
pub const AA_PROTOCOL: Oid = Oid::new_unwrap("2.23.136.1.1.5");
/// id-icao-mrtd-security-extensions-documentTypeList (DSC extension).
pub const DOCUMENT_TYPE_LIST: Oid = Oid::new_unwrap("2.23.136.1.1.6.2");
/// id-icao-DeviationList: eContentType of a deviation list.
pub const DEVIATION_LIST: Oid = Oid::new_unwrap("2.23.136.1.1.7");
/// id-icao-DeviationListSigningKey: EKU of a deviation-list signer.
pub const DEVIATION_LIST_SIGNER_EKU: Oid = Oid::new_unwrap("2.23.136.1.1.8");
/// id-data (PKCS#7): found as SOD eContentType in some real documents (a quirk).
pub const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData (CMS).
pub const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// CMS contentType signed attribute.
pub const ATTR_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
/// CMS messageDigest signed attribute.
pub const ATTR_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
/// CMS signingTime signed attribute.
pub const ATTR_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");

/// id-PK-ECDH (BSI TR-03110): Chip Authentication public key, ECDH.
pub const PK_ECDH: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.1.2");
/// id-CA-ECDH-AES-CBC-CMAC-128 (BSI TR-03110).
pub const CA_ECDH_AES_CBC_CMAC_128: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.3.2.2");
/// id-PACE-ECDH-GM-AES-CBC-CMAC-128 (BSI TR-03110).
pub const PACE_ECDH_GM_AES_CBC_CMAC_128: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.4.2.2");
/// id-TA (BSI TR-03110): Terminal Authentication.
pub const TA: Oid = Oid::new_unwrap("0.4.0.127.0.7.2.2.2");
