//! PACE version 2 with the generic mapping and ECDH (ICAO 9303-11 §4.4, command encodings
//! §4.4.4), both sides, as pure state machines over APDUs.
//!
//! * The password is the MRZ: `K = SHA-1(MRZ information)` as for BAC, and the password
//!   key `K_pi = KDF(K, 3)` ([`crate::MrzKey::pace_password_key`]).
//! * MSE:Set AT (`00 22 C1 A4`, data `80 <protocol OID> 83 01 01 [84 <parameter ID>]`),
//!   then four GENERAL AUTHENTICATE commands (`86`), the first three chained (CLA `10`),
//!   each with dynamic authentication data `7C` ([`DynamicData`]):
//!   1. `7C 00` → `7C { 80 z }`: the chip's nonce `s` encrypted under `K_pi` (AES-CBC, zero
//!      IV);
//!   2. `7C { 81 PK_map,PCD }` → `7C { 82 PK_map,PICC }`: the generic mapping
//!      `G~ = s*G + SK_map*PK_map` (`dongpo_crypto::agreement::KeyPair::map_nonce`);
//!   3. `7C { 83 PK_PCD }` → `7C { 84 PK_PICC }`: ephemeral ECDH on `G~`; the shared
//!      secret's x-coordinate gives `KSenc = KDF(K, 1)`, `KSmac = KDF(K, 2)`;
//!   4. `7C { 85 T_PCD }` → `7C { 86 T_PICC }`: authentication tokens, the CMAC under KSmac
//!      (8 bytes) of the other side's public key data object `7F49 { 06 OID, 86 point }`.
//! * Then secure messaging with the protocol's AES and SSC = 0 replaces any other.
//!
//! [`PaceTerminal`] yields the commands and checks the answers; [`PaceChip`] answers
//! them (for a virtual chip). [`select`] chooses the protocol and curve from EF.CardAccess
//! ([`dongpo_icao::lds::CardAccess`]). Ephemeral keys and the nonce come from the OS
//! CSPRNG; the `with_randomness` constructors fix them, for the worked example only.
//!
//! Supported: id-PACE-ECDH-GM-AES-CBC-CMAC-128/192/256 on the standardized curves 10 to 18
//! (P-224/256/384/521, brainpoolP224r1/256r1/320r1/384r1/512r1); the MRZ password only.
//! Not supported: DH, the integrated and chip-authentication mappings, 3DES, CAN/PIN/PUK,
//! proprietary domain parameters (`PACEDomainParameterInfo`). Timing as in
//! `dongpo_crypto::agreement`: constant time on P-256/384/521 and brainpoolP256r1/384r1.

use const_oid::ObjectIdentifier;
use dongpo_crypto::agreement::{AgreementError, AgreementPublicKey, authentication_token_input};
use dongpo_icao::tlv::encode;

use crate::apdu::{ApduError, CommandApdu, StatusWord};
use crate::kdf::{Cipher, SecretKey};
use crate::sm::{MAC_LEN, SmError, cbc_zero_iv_decrypt, cbc_zero_iv_encrypt, token_mac};

mod chip;
mod dynamic;
mod protocol;
mod terminal;
#[cfg(test)]
mod tests;

pub use chip::{PaceChip, PaceChipOutcome};
pub use dynamic::{DynamicData, DynamicDataError, encode_dynamic};
pub use protocol::{
    PaceProtocol, PaceSelection, card_access_der, select, standard_curve, standard_parameter_id,
};
pub use terminal::PaceTerminal;

/// Password reference `83 01 01`: the MRZ (9303-11 §4.4.4.1; `02` would be the CAN).
const MRZ_PASSWORD: u8 = 0x01;

/// Which command of the exchange an error belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaceStep {
    /// MSE:Set AT.
    MseSetAt,
    /// GENERAL AUTHENTICATE 1: the encrypted nonce.
    EncryptedNonce,
    /// GENERAL AUTHENTICATE 2: the mapping.
    Map,
    /// GENERAL AUTHENTICATE 3: the key agreement.
    KeyAgreement,
    /// GENERAL AUTHENTICATE 4: the authentication tokens.
    MutualAuthentication,
}

impl std::fmt::Display for PaceStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PaceStep::MseSetAt => "MSE:Set AT",
            PaceStep::EncryptedNonce => "GENERAL AUTHENTICATE (encrypted nonce)",
            PaceStep::Map => "GENERAL AUTHENTICATE (mapping)",
            PaceStep::KeyAgreement => "GENERAL AUTHENTICATE (key agreement)",
            PaceStep::MutualAuthentication => "GENERAL AUTHENTICATE (mutual authentication)",
        })
    }
}

/// Why PACE could not be chosen or failed. Messages never carry key material or the
/// password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PaceError {
    /// EF.CardAccess lists no `PACEInfo`.
    #[error("EF.CardAccess offers no PACE")]
    NotOffered,
    /// EF.CardAccess offers PACE only in forms not implemented here.
    #[error(
        "EF.CardAccess offers PACE only with unsupported protocol or parameters (first: {protocol})"
    )]
    Unsupported {
        /// The protocol OID of the first `PACEInfo`.
        protocol: ObjectIdentifier,
    },
    /// The chip refused a command.
    #[error("the chip refused {step}: {sw}")]
    Refused {
        /// Which command.
        step: PaceStep,
        /// Its status word.
        sw: StatusWord,
    },
    /// The chip's answer is not the dynamic authentication data the step expects.
    #[error("unexpected answer to {step}: {source}")]
    UnexpectedAnswer {
        /// Which command.
        step: PaceStep,
        /// What was wrong.
        #[source]
        source: DynamicDataError,
    },
    /// The answer to MSE:Set AT carries data.
    #[error("unexpected data in the answer to {step}")]
    AnswerWithData {
        /// Which command.
        step: PaceStep,
    },
    /// The encrypted nonce is not one cipher block.
    #[error("the encrypted nonce is {len} bytes, not one cipher block")]
    NonceLength {
        /// Its length.
        len: usize,
    },
    /// A public key from the chip is invalid (off the curve, wrong length) or the mapping
    /// degenerated.
    #[error("{step}: {source}")]
    Agreement {
        /// Which command.
        step: PaceStep,
        /// The key agreement error.
        #[source]
        source: AgreementError,
    },
    /// The chip sent back the terminal's own public key.
    #[error("{step}: the chip's public key equals the terminal's")]
    ReflectedKey {
        /// Which command.
        step: PaceStep,
    },
    /// The chip's authentication token is wrong: a wrong password (MRZ) or not the chip
    /// that took part in the key agreement.
    #[error("the chip's authentication token does not verify")]
    TokenMismatch,
    /// A command could not be encoded.
    #[error("APDU: {0}")]
    Apdu(#[from] ApduError),
    /// A cipher or MAC could not be keyed.
    #[error("cryptographic setup: {0}")]
    Crypto(#[from] SmError),
    /// An answer arrived with no command outstanding, or `finish` came too early, or the
    /// exchange had already failed.
    #[error("PACE messages out of order")]
    OutOfOrder,
}

/// MSE:Set AT for PACE: `00 22 C1 A4`, `80 OID 83 01 01 [84 parameter ID]`.
fn mse_set_at(selection: &PaceSelection) -> Result<CommandApdu, ApduError> {
    let mut data = encode(&[0x80], selection.protocol.oid().as_bytes());
    data.extend(encode(&[0x83], &[MRZ_PASSWORD]));
    if selection.send_parameter_id {
        data.extend(encode(
            &[0x84],
            &crate::ca::key_id_bytes(selection.parameter_id()),
        ));
    }
    CommandApdu::new(0x00, 0x22, 0xC1, 0xA4, data, None)
}

/// GENERAL AUTHENTICATE `x0 86 00 00`, Le 256; chained (CLA `10`) but for the last.
fn general_authenticate(object: Option<(u8, &[u8])>, last: bool) -> Result<CommandApdu, ApduError> {
    let cla = if last { 0x00 } else { 0x10 };
    CommandApdu::new(cla, 0x86, 0x00, 0x00, encode_dynamic(object), Some(256))
}

/// `z = E(K_pi, s)`; `s` must be one block.
fn encrypt_nonce(password: &SecretKey, nonce: &[u8]) -> Result<Vec<u8>, SmError> {
    let mut z = nonce.to_vec();
    cbc_zero_iv_encrypt(password.cipher(), password.expose_secret(), &mut z)?;
    Ok(z)
}

/// `s = D(K_pi, z)`.
fn decrypt_nonce(
    password: &SecretKey,
    encrypted: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>, PaceError> {
    let block = password.cipher().block_len();
    if encrypted.len() != block {
        return Err(PaceError::NonceLength {
            len: encrypted.len(),
        });
    }
    let mut s = zeroize::Zeroizing::new(encrypted.to_vec());
    cbc_zero_iv_decrypt(password.cipher(), password.expose_secret(), &mut s)?;
    Ok(s)
}

/// The authentication token over `key` (the other side's ephemeral public key).
fn token(
    cipher: Cipher,
    mac_key: &SecretKey,
    protocol: &PaceProtocol,
    key: &AgreementPublicKey,
) -> Result<[u8; MAC_LEN], SmError> {
    token_mac(
        cipher,
        mac_key.expose_secret(),
        &authentication_token_input(&protocol.oid(), key),
    )
}
