//! Deviation type OIDs (arc id-Deviation = 2.23.136.1.1.7).

use const_oid::ObjectIdentifier as Oid;

/// id-Deviation-CertOrKey-DSSignature: the DSC's signature is wrong.
pub const DS_SIGNATURE: Oid = Oid::new_unwrap("2.23.136.1.1.7.1.1");
/// id-Deviation-CertOrKey-DSEncoding: the DSC is wrongly encoded.
pub const DS_ENCODING: Oid = Oid::new_unwrap("2.23.136.1.1.7.1.2");
/// id-Deviation-CertOrKey-CSCAEncoding: the CSCA certificate is wrongly encoded.
pub const CSCA_ENCODING: Oid = Oid::new_unwrap("2.23.136.1.1.7.1.3");
/// id-Deviation-CertOrKey-AAKeyCompromised: the AA keys are compromised.
pub const AA_KEY_COMPROMISED: Oid = Oid::new_unwrap("2.23.136.1.1.7.1.4");
/// id-Deviation-LDS-DGMalformed (parameter: data group).
pub const DG_MALFORMED: Oid = Oid::new_unwrap("2.23.136.1.1.7.2.1");
/// id-Deviation-LDS-DGHashWrong (parameter: data group).
pub const DG_HASH_WRONG: Oid = Oid::new_unwrap("2.23.136.1.1.7.2.2");
/// id-Deviation-LDS-SODSignatureWrong.
pub const SOD_SIGNATURE_WRONG: Oid = Oid::new_unwrap("2.23.136.1.1.7.2.3");
/// id-Deviation-LDS-COMInconsistent.
pub const COM_INCONSISTENT: Oid = Oid::new_unwrap("2.23.136.1.1.7.2.4");
/// id-Deviation-MRZ-WrongData (parameter: MRZ field).
pub const MRZ_WRONG_DATA: Oid = Oid::new_unwrap("2.23.136.1.1.7.3.1");
/// id-Deviation-MRZ-WrongCheckDigit (parameter: MRZ field).
pub const MRZ_WRONG_CHECK_DIGIT: Oid = Oid::new_unwrap("2.23.136.1.1.7.3.2");
