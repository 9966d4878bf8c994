//! Chip Authentication version 1 (ICAO 9303-11 §6.2, §9.7-9.8; command encodings from
//! BSI TR-03110-3 B.11), both sides, as pure state machines over APDUs.
//!
//! * [`select`] picks the protocol and the chip's static key from a DG14 that Passive
//!   Authentication covered ([`PaCoveredDg14`]): id-CA-ECDH-3DES-CBC-CBC,
//!   id-CA-ECDH-AES-CBC-CMAC-128/192/256 and the same four id-CA-DH-* suites, with keyId
//!   matching between `ChipAuthenticationInfo` and `ChipAuthenticationPublicKeyInfo`.
//! * [`CaTerminal`] generates the ephemeral key pair on the chip key's own domain
//!   (`dongpo_crypto::agreement`, OS CSPRNG) and yields the *plain* commands: MSE:Set KAT
//!   (`00 22 41 A6`, data `91 <ephemeral key> [84 keyId]`) for 3DES, or MSE:Set AT
//!   (`00 22 41 A4`, data `80 <protocol OID> [84 keyId]`) followed by GENERAL
//!   AUTHENTICATE (`00 86 00 00`, data `7C { 80 <ephemeral key> }`, Le 256; answer
//!   `7C 00`) for AES. The caller sends them inside the current BAC/PACE secure
//!   messaging (protecting them and opening the answers with its [`SecureMessaging`]);
//!   the chip's answer to the last command is still under the **old** keys. Then
//!   [`CaTerminal::finish`] derives KSenc/KSmac from the shared secret (ECDH: the
//!   x-coordinate; DH: Z of |p| bytes) and returns a new [`SecureMessaging`] with SSC = 0
//!   and the protocol's cipher, which replaces the old one.
//! * [`CaChip`] is the chip side for a virtual chip: given its static private key(s), it
//!   answers those commands (the terminal's key is validated: on the curve / in the
//!   subgroup, else `6A80`) and hands back the new channel together with the answer,
//!   which is protected under the old keys before switching.
//! * [`PresenceProof`] is the proof of presence: after CA, an SM-protected SELECT +
//!   READ BINARY of a file range under the new keys whose MAC-verified, decrypted answer
//!   must equal bytes the caller already holds. Only a chip holding the private key of the
//!   DG14 key can produce it: CA v1 itself has the chip prove nothing until it speaks
//!   under the new keys.
//!
//! Timing: P-256, P-384, P-521, brainpoolP256r1, brainpoolP384r1 and the DH groups run in
//! constant time; other curves (brainpoolP512r1 among them) use variable-time arithmetic
//! (see `dongpo_crypto::agreement`). 3DES secure messaging is not constant time (the
//! `des` crate uses table S-boxes); AES and CMAC are.

use const_oid::ObjectIdentifier;
use dongpo_crypto::agreement::{AgreementError, AgreementPublicKey, KeyPair};
use dongpo_icao::lds::{
    ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, Dg14, ID_CA_DH, ID_CA_ECDH, ID_PK_DH,
    ID_PK_ECDH,
};
use dongpo_icao::tlv::{TlvReader, encode};

use crate::apdu::{ApduError, CommandApdu, ResponseApdu, StatusWord};
use crate::kdf::{Cipher, SessionKeys};
use crate::sm::{SecureMessaging, SmError};

/// Whether a CA protocol agrees keys with Diffie-Hellman or elliptic-curve Diffie-Hellman.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAgreement {
    /// id-CA-DH-*: modular Diffie-Hellman (the shared secret is Z, |p| bytes).
    Dh,
    /// id-CA-ECDH-*: ECDH (the shared secret is the x-coordinate).
    Ecdh,
}

/// A Chip Authentication v1 protocol: key agreement and secure-messaging cipher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CaProtocol {
    /// DH or ECDH.
    pub agreement: KeyAgreement,
    /// The cipher of the secure messaging that follows (3DES or AES-128/192/256).
    pub cipher: Cipher,
}

impl CaProtocol {
    /// Every protocol this module implements, ECDH first.
    pub const ALL: [CaProtocol; 8] = [
        CaProtocol::new(KeyAgreement::Ecdh, Cipher::Tdes),
        CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes128),
        CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes192),
        CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes256),
        CaProtocol::new(KeyAgreement::Dh, Cipher::Tdes),
        CaProtocol::new(KeyAgreement::Dh, Cipher::Aes128),
        CaProtocol::new(KeyAgreement::Dh, Cipher::Aes192),
        CaProtocol::new(KeyAgreement::Dh, Cipher::Aes256),
    ];

    /// The protocol with this key agreement and cipher.
    #[must_use]
    pub const fn new(agreement: KeyAgreement, cipher: Cipher) -> Self {
        CaProtocol { agreement, cipher }
    }

    /// The protocol an id-CA-{DH,ECDH}-* OID names, or `None` for any other OID.
    #[must_use]
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        CaProtocol::ALL.into_iter().find(|p| p.oid() == *oid)
    }

    /// The protocol OID: id-CA-DH or id-CA-ECDH (0.4.0.127.0.7.2.2.3.{1,2}) followed by
    /// 1 (3DES-CBC-CBC), 2, 3 or 4 (AES-CBC-CMAC-128/192/256).
    #[must_use]
    pub fn oid(self) -> ObjectIdentifier {
        let parent = match self.agreement {
            KeyAgreement::Dh => ID_CA_DH,
            KeyAgreement::Ecdh => ID_CA_ECDH,
        };
        let arc = match self.cipher {
            Cipher::Tdes => 1,
            Cipher::Aes128 => 2,
            Cipher::Aes192 => 3,
            Cipher::Aes256 => 4,
        };
        // Appending one small arc to a short constant OID cannot exceed the OID length
        // limit; fall back to the parent rather than panic.
        parent.push_arc(arc).unwrap_or(parent)
    }

    /// The `ChipAuthenticationPublicKeyInfo` protocol a key for this protocol carries.
    #[must_use]
    pub fn public_key_protocol(self) -> ObjectIdentifier {
        match self.agreement {
            KeyAgreement::Dh => ID_PK_DH,
            KeyAgreement::Ecdh => ID_PK_ECDH,
        }
    }

    /// True for the 3DES suites (MSE:Set KAT); false for AES (MSE:Set AT + GENERAL
    /// AUTHENTICATE).
    #[must_use]
    pub fn uses_set_kat(self) -> bool {
        self.cipher == Cipher::Tdes
    }
}

impl std::fmt::Display for CaProtocol {
    /// The protocol's name in BSI TR-03110-3, e.g. `id-CA-ECDH-AES-CBC-CMAC-128`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let agreement = match self.agreement {
            KeyAgreement::Dh => "DH",
            KeyAgreement::Ecdh => "ECDH",
        };
        let cipher = match self.cipher {
            Cipher::Tdes => "3DES-CBC-CBC",
            Cipher::Aes128 => "AES-CBC-CMAC-128",
            Cipher::Aes192 => "AES-CBC-CMAC-192",
            Cipher::Aes256 => "AES-CBC-CMAC-256",
        };
        write!(f, "id-CA-{agreement}-{cipher}")
    }
}

/// Which command of the exchange an error or answer belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaStep {
    /// MSE:Set KAT (3DES suites).
    MseSetKat,
    /// MSE:Set AT (AES suites).
    MseSetAt,
    /// GENERAL AUTHENTICATE (AES suites).
    GeneralAuthenticate,
}

impl CaStep {
    /// Checks the chip's (already unprotected) answer to this command: status 9000, no
    /// data after MSE, exactly `7C 00` after GENERAL AUTHENTICATE.
    ///
    /// # Errors
    /// [`CaError::Refused`], [`CaError::UnexpectedAnswer`].
    pub fn check_answer(self, response: &ResponseApdu) -> Result<(), CaError> {
        if response.sw != StatusWord::SUCCESS {
            return Err(CaError::Refused {
                step: self,
                sw: response.sw,
            });
        }
        let expected: &[u8] = match self {
            CaStep::MseSetKat | CaStep::MseSetAt => &[],
            CaStep::GeneralAuthenticate => &[0x7C, 0x00],
        };
        if response.data() != expected {
            return Err(CaError::UnexpectedAnswer { step: self });
        }
        Ok(())
    }
}

impl std::fmt::Display for CaStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CaStep::MseSetKat => "MSE:Set KAT",
            CaStep::MseSetAt => "MSE:Set AT",
            CaStep::GeneralAuthenticate => "GENERAL AUTHENTICATE",
        })
    }
}

/// Why Chip Authentication could not be set up or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// DG14 has no `ChipAuthenticationInfo` at all.
    #[error("DG14 names no Chip Authentication protocol")]
    NoChipAuthentication,
    /// DG14 names Chip Authentication only with protocols this module does not implement.
    #[error("DG14 names Chip Authentication protocol {0}, which is not supported")]
    UnsupportedProtocol(ObjectIdentifier),
    /// The `ChipAuthenticationInfo` is not version 1 (CA2/CA3 are not implemented).
    #[error("Chip Authentication version {0} is not supported (only version 1)")]
    UnsupportedVersion(u32),
    /// No `ChipAuthenticationPublicKeyInfo` matches the `ChipAuthenticationInfo` (or the
    /// key id asked for).
    #[error("DG14 has no Chip Authentication public key for key id {key_id:?}")]
    NoMatchingKey {
        /// The key id looked for (`None`: the info names none).
        key_id: Option<u64>,
    },
    /// Several public keys could match and the info names no key id.
    #[error("DG14 has several Chip Authentication public keys and the info names no key id")]
    AmbiguousKey,
    /// The key's algorithm (id-PK-DH / id-PK-ECDH and its SubjectPublicKeyInfo) does not
    /// match the protocol's key agreement.
    #[error("the Chip Authentication public key does not match protocol {protocol}")]
    KeyAlgorithmMismatch {
        /// The protocol OID of the info.
        protocol: ObjectIdentifier,
    },
    /// The chip's public key or the ephemeral key could not be used.
    #[error("key agreement: {0}")]
    Agreement(#[from] AgreementError),
    /// A command could not be encoded.
    #[error("APDU: {0}")]
    Apdu(#[from] ApduError),
    /// The chip refused a command.
    #[error("the chip refused {step}: {sw}")]
    Refused {
        /// Which command.
        step: CaStep,
        /// The chip's status word.
        sw: StatusWord,
    },
    /// The chip's answer has the wrong content (e.g. data after MSE, not `7C 00` after
    /// GENERAL AUTHENTICATE).
    #[error("unexpected answer to {step}")]
    UnexpectedAnswer {
        /// Which command.
        step: CaStep,
    },
    /// An answer arrived when no command was outstanding, or `finish` was called before
    /// every command was answered.
    #[error("Chip Authentication messages out of order")]
    OutOfOrder,
}

/// A parsed DG14 that the caller **promises** Passive Authentication covered and verified
/// (its hash in a verified EF.SOD). Chip Authentication on any other DG14 proves nothing:
/// a forged DG14 would name the forger's key.
#[derive(Clone, Copy, Debug)]
pub struct PaCoveredDg14<'a>(&'a Dg14);

impl<'a> PaCoveredDg14<'a> {
    /// Wraps `dg14`. Call only with a DG14 whose hash a verified SOD covers
    /// (dongpo-icao's passive authentication passed for DG14).
    #[must_use]
    pub fn covered_by_passive_authentication(dg14: &'a Dg14) -> Self {
        PaCoveredDg14(dg14)
    }

    /// The DG14 content.
    #[must_use]
    pub fn dg14(&self) -> &'a Dg14 {
        self.0
    }
}

/// The protocol and chip key chosen from DG14.
#[derive(Clone, Debug)]
pub struct CaSelection {
    /// The protocol.
    pub protocol: CaProtocol,
    /// The key id to send in `DO'84'` (`None` when DG14 names none).
    pub key_id: Option<u64>,
    /// The chip's static public key.
    pub chip_key: AgreementPublicKey,
}

/// Chooses the Chip Authentication protocol and key from `dg14`.
///
/// With `key_id` = `Some(id)` only the `ChipAuthenticationInfo` naming that key is
/// considered; otherwise the first supported info (in DG14 order) whose key resolves.
/// An info without key id matches the only public key, or the only public key without
/// key id. A DG14 with public keys but no `ChipAuthenticationInfo` at all (first-generation
/// chips) implies the 3DES suite of the key's agreement, for a single key (or the one
/// `key_id` names).
///
/// # Errors
/// [`CaError::NoChipAuthentication`], [`CaError::UnsupportedProtocol`],
/// [`CaError::UnsupportedVersion`], [`CaError::NoMatchingKey`], [`CaError::AmbiguousKey`],
/// [`CaError::KeyAlgorithmMismatch`], [`CaError::Agreement`] (a key that does not parse).
/// With several candidates the first error is returned.
pub fn select(dg14: PaCoveredDg14<'_>, key_id: Option<u64>) -> Result<CaSelection, CaError> {
    let dg14 = dg14.dg14();
    let keys: Vec<&ChipAuthenticationPublicKeyInfo> =
        dg14.chip_authentication_public_keys().collect();
    if dg14.chip_authentication().next().is_none() {
        return infer_3des(&keys, key_id);
    }
    let infos: Vec<&ChipAuthenticationInfo> = dg14
        .chip_authentication()
        .filter(|i| key_id.is_none() || i.key_id == key_id)
        .collect();
    if infos.is_empty() {
        return Err(CaError::NoMatchingKey { key_id });
    }
    let mut first_error = None;
    for info in infos {
        match resolve(info, &keys) {
            Ok(selection) => return Ok(selection),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(CaError::NoChipAuthentication))
}

/// Chips of the first generation list a `ChipAuthenticationPublicKeyInfo` without any
/// `ChipAuthenticationInfo`; 9303-11 then implies the 3DES suite of the key's agreement
/// (id-PK-DH → id-CA-DH-3DES-CBC-CBC, id-PK-ECDH → id-CA-ECDH-3DES-CBC-CBC), as JMRTD does.
fn infer_3des(
    keys: &[&ChipAuthenticationPublicKeyInfo],
    key_id: Option<u64>,
) -> Result<CaSelection, CaError> {
    let candidates: Vec<&&ChipAuthenticationPublicKeyInfo> = keys
        .iter()
        .filter(|k| key_id.is_none() || k.key_id == key_id)
        .collect();
    let key = match candidates.as_slice() {
        [] if keys.is_empty() => return Err(CaError::NoChipAuthentication),
        [] => return Err(CaError::NoMatchingKey { key_id }),
        [only] => **only,
        _ => return Err(CaError::AmbiguousKey),
    };
    let agreement = if key.protocol == ID_PK_ECDH {
        KeyAgreement::Ecdh
    } else if key.protocol == ID_PK_DH {
        KeyAgreement::Dh
    } else {
        return Err(CaError::UnsupportedProtocol(key.protocol));
    };
    let info = ChipAuthenticationInfo {
        protocol: CaProtocol::new(agreement, Cipher::Tdes).oid(),
        version: 1,
        key_id: key.key_id,
    };
    resolve(&info, &[key])
}

fn resolve(
    info: &ChipAuthenticationInfo,
    keys: &[&ChipAuthenticationPublicKeyInfo],
) -> Result<CaSelection, CaError> {
    let protocol =
        CaProtocol::from_oid(&info.protocol).ok_or(CaError::UnsupportedProtocol(info.protocol))?;
    if info.version != 1 {
        return Err(CaError::UnsupportedVersion(info.version));
    }
    let key = match info.key_id {
        Some(id) => {
            let mut matching = keys.iter().filter(|k| k.key_id == Some(id));
            let key = matching.next().ok_or(CaError::NoMatchingKey {
                key_id: info.key_id,
            })?;
            if matching.next().is_some() {
                return Err(CaError::AmbiguousKey);
            }
            key
        }
        None => match keys {
            [only] => only,
            [] => return Err(CaError::NoMatchingKey { key_id: None }),
            _ => {
                let mut unnamed = keys.iter().filter(|k| k.key_id.is_none());
                let key = unnamed.next().ok_or(CaError::AmbiguousKey)?;
                if unnamed.next().is_some() {
                    return Err(CaError::AmbiguousKey);
                }
                key
            }
        },
    };
    let mismatch = CaError::KeyAlgorithmMismatch {
        protocol: info.protocol,
    };
    if key.protocol != protocol.public_key_protocol() {
        return Err(mismatch);
    }
    let chip_key = AgreementPublicKey::from_spki_der(&key.spki_der)?;
    let is_ec = chip_key.domain().curve().is_some();
    if is_ec != (protocol.agreement == KeyAgreement::Ecdh) || chip_key.domain().is_mapped() {
        return Err(mismatch);
    }
    Ok(CaSelection {
        protocol,
        key_id: info.key_id,
        chip_key,
    })
}

/// `DO'84'` value: the key id as a minimal big-endian unsigned integer (at least one byte).
pub(crate) fn key_id_bytes(key_id: u64) -> Vec<u8> {
    let bytes = key_id.to_be_bytes();
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    bytes.get(start..).unwrap_or(&[0]).to_vec()
}

pub(crate) fn key_id_from_bytes(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 8 {
        return None;
    }
    Some(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

fn mse_set_kat(ephemeral: &[u8], key_id: Option<u64>) -> Result<CommandApdu, ApduError> {
    let mut data = encode(&[0x91], ephemeral);
    if let Some(id) = key_id {
        data.extend(encode(&[0x84], &key_id_bytes(id)));
    }
    CommandApdu::new(0x00, 0x22, 0x41, 0xA6, data, None)
}

fn mse_set_at(protocol: CaProtocol, key_id: Option<u64>) -> Result<CommandApdu, ApduError> {
    let mut data = encode(&[0x80], protocol.oid().as_bytes());
    if let Some(id) = key_id {
        data.extend(encode(&[0x84], &key_id_bytes(id)));
    }
    CommandApdu::new(0x00, 0x22, 0x41, 0xA4, data, None)
}

fn general_authenticate(ephemeral: &[u8]) -> Result<CommandApdu, ApduError> {
    let data = encode(&[0x7C], &encode(&[0x80], ephemeral));
    CommandApdu::new(0x00, 0x86, 0x00, 0x00, data, Some(256))
}

/// Terminal side of Chip Authentication v1 (the server, in a remote flow).
///
/// Use: [`CaTerminal::new`], then for each [`CaTerminal::next_command`] protect it with
/// the current secure messaging, send it, open the chip's answer with the same secure
/// messaging and pass it to [`CaTerminal::accept_response`]; when `next_command` returns
/// `None`, [`CaTerminal::finish`] gives the new secure messaging that replaces the old.
pub struct CaTerminal {
    selection: CaSelection,
    ephemeral: KeyPair,
    commands: Vec<(CaStep, CommandApdu)>,
    answered: usize,
}

impl std::fmt::Debug for CaTerminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaTerminal")
            .field("protocol", &self.selection.protocol)
            .field("key_id", &self.selection.key_id)
            .field("answered", &self.answered)
            .finish_non_exhaustive()
    }
}

impl CaTerminal {
    /// Starts Chip Authentication with an ephemeral key pair drawn from the OS CSPRNG on
    /// the chip key's own domain parameters.
    ///
    /// # Errors
    /// [`CaError::Agreement`] (no randomness), [`CaError::Apdu`].
    pub fn new(selection: CaSelection) -> Result<Self, CaError> {
        let ephemeral = KeyPair::generate(selection.chip_key.domain())?;
        Self::with_ephemeral_key(selection, ephemeral)
    }

    /// As [`CaTerminal::new`] with a given ephemeral key pair (tests, worked examples).
    ///
    /// # Errors
    /// [`CaError::Agreement`] when the key pair is on another domain than the chip's key,
    /// [`CaError::Apdu`].
    pub fn with_ephemeral_key(selection: CaSelection, ephemeral: KeyPair) -> Result<Self, CaError> {
        if ephemeral.domain() != selection.chip_key.domain() {
            return Err(CaError::Agreement(AgreementError::DomainMismatch));
        }
        let public = ephemeral.public_key_bytes();
        let commands = if selection.protocol.uses_set_kat() {
            vec![(CaStep::MseSetKat, mse_set_kat(public, selection.key_id)?)]
        } else {
            vec![
                (
                    CaStep::MseSetAt,
                    mse_set_at(selection.protocol, selection.key_id)?,
                ),
                (CaStep::GeneralAuthenticate, general_authenticate(public)?),
            ]
        };
        Ok(CaTerminal {
            selection,
            ephemeral,
            commands,
            answered: 0,
        })
    }

    /// The protocol in use.
    #[must_use]
    pub fn protocol(&self) -> CaProtocol {
        self.selection.protocol
    }

    /// The terminal's ephemeral public key as sent to the chip.
    #[must_use]
    pub fn ephemeral_public_key(&self) -> &[u8] {
        self.ephemeral.public_key_bytes()
    }

    /// The next plain command to send (inside the current secure messaging), or `None`
    /// when every command has been answered.
    #[must_use]
    pub fn next_command(&self) -> Option<&CommandApdu> {
        self.commands.get(self.answered).map(|(_, c)| c)
    }

    /// Checks the chip's (already unprotected) answer to the outstanding command.
    ///
    /// # Errors
    /// [`CaError::OutOfOrder`] with no outstanding command, [`CaError::Refused`] for a
    /// status other than 9000, [`CaError::UnexpectedAnswer`] when an MSE answer carries
    /// data or a GENERAL AUTHENTICATE answer is not exactly `7C 00`.
    pub fn accept_response(&mut self, response: &ResponseApdu) -> Result<(), CaError> {
        let (step, _) = self
            .commands
            .get(self.answered)
            .ok_or(CaError::OutOfOrder)?;
        step.check_answer(response)?;
        self.answered += 1;
        Ok(())
    }

    /// Every plain command of the exchange, in order (one for 3DES, two for AES). None
    /// depends on the chip's answers, so a server may hand them to the relaying app at
    /// once; the answers still go through [`CaTerminal::accept_response`] in order.
    pub fn commands(&self) -> impl Iterator<Item = &CommandApdu> {
        self.commands.iter().map(|(_, c)| c)
    }

    /// Derives the new session keys and returns the secure messaging (SSC = 0, the
    /// protocol's cipher) that replaces the old one from the next command on.
    ///
    /// # Errors
    /// [`CaError::OutOfOrder`] before every command was answered, [`CaError::Agreement`].
    pub fn finish(self) -> Result<SecureMessaging, CaError> {
        Ok(SecureMessaging::with_zero_ssc(self.finish_keys()?))
    }

    /// As [`CaTerminal::finish`], but returns the session keys themselves (KSenc, KSmac)
    /// for a caller that keeps the channel state elsewhere (e.g. a server storing the
    /// keys and the SSC between requests; rebuild with [`SecureMessaging::new`] or
    /// [`SecureMessaging::with_zero_ssc`]). The ephemeral private key is dropped (wiped).
    ///
    /// # Errors
    /// As [`CaTerminal::finish`].
    pub fn finish_keys(self) -> Result<SessionKeys, CaError> {
        if self.answered != self.commands.len() {
            return Err(CaError::OutOfOrder);
        }
        let secret = self.ephemeral.agree(&self.selection.chip_key)?;
        Ok(SessionKeys::derive(
            secret.as_bytes(),
            self.selection.protocol.cipher,
        ))
    }
}

/// A Chip Authentication split for a relayed exchange (see [`CaTerminal::into_relayed`]).
pub struct RelayedCa {
    /// The plain commands with the step each is, in order.
    pub commands: Vec<(CaStep, CommandApdu)>,
    /// The session keys the chip derives once it accepts the last command.
    pub keys: SessionKeys,
    /// The protocol and key chosen.
    pub selection: CaSelection,
}

impl std::fmt::Debug for RelayedCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayedCa")
            .field("protocol", &self.selection.protocol)
            .field("commands", &self.commands.len())
            .finish_non_exhaustive()
    }
}

impl CaTerminal {
    /// For a terminal that is not there when the chip answers (a server whose commands an
    /// app relays): the commands, and the session keys derived **now**, before any
    /// answer. The keys depend only on the ephemeral key and the chip's static key, so
    /// deriving them early lets the ephemeral private key be wiped at once (it is dropped
    /// here) instead of kept between requests. The chip's answers must still be checked
    /// in order with [`CaStep::check_answer`] before the keys are used; nothing about the
    /// chip is proven until it answers under them ([`PresenceProof`]).
    ///
    /// # Errors
    /// [`CaError::Agreement`].
    pub fn into_relayed(self) -> Result<RelayedCa, CaError> {
        let secret = self.ephemeral.agree(&self.selection.chip_key)?;
        let keys = SessionKeys::derive(secret.as_bytes(), self.selection.protocol.cipher);
        Ok(RelayedCa {
            commands: self.commands,
            keys,
            selection: self.selection,
        })
    }
}

/// One static Chip Authentication key of a (virtual) chip.
pub struct ChipCaKey {
    /// The protocol this key is offered with (its `ChipAuthenticationInfo`).
    pub protocol: CaProtocol,
    /// Its key id in DG14 (`None` when DG14 names none).
    pub key_id: Option<u64>,
    /// The static key pair; its public key is the one in DG14 (for a genuine chip).
    pub key: KeyPair,
}

impl std::fmt::Debug for ChipCaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChipCaKey")
            .field("protocol", &self.protocol)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// What the chip does with a command.
#[derive(Debug)]
pub enum ChipCaOutcome {
    /// Answer with this response (protected under the current keys) and carry on.
    Respond(ResponseApdu),
    /// Answer with this response, protected under the **current** keys, then replace the
    /// current secure messaging with the given one (SSC = 0).
    Established(ResponseApdu, SecureMessaging),
}

impl ChipCaOutcome {
    /// The response to send.
    #[must_use]
    pub fn response(&self) -> &ResponseApdu {
        match self {
            ChipCaOutcome::Respond(r) | ChipCaOutcome::Established(r, _) => r,
        }
    }
}

/// Chip side of Chip Authentication v1 (for the virtual chip).
///
/// Feed it the *unprotected* commands that [`CaChip::is_ca_command`] recognises; protect
/// its answer with the current secure messaging; on [`ChipCaOutcome::Established`] switch
/// to the new secure messaging after sending the answer.
#[derive(Debug)]
pub struct CaChip {
    keys: Vec<ChipCaKey>,
    /// The key chosen by MSE:Set AT (index into `keys`), waiting for GENERAL AUTHENTICATE.
    pending: Option<usize>,
}

impl CaChip {
    /// A chip holding these static keys.
    #[must_use]
    pub fn new(keys: Vec<ChipCaKey>) -> Self {
        CaChip {
            keys,
            pending: None,
        }
    }

    /// Forgets an MSE:Set AT waiting for GENERAL AUTHENTICATE (a new power-up).
    pub fn reset(&mut self) {
        self.pending = None;
    }

    /// True for MSE:Set KAT, MSE:Set AT naming an id-CA-* protocol, and GENERAL
    /// AUTHENTICATE with a `7C { 80 .. }` body (CLA without chaining); false for
    /// everything else (PACE's MSE:Set AT and GENERAL AUTHENTICATE among them).
    #[must_use]
    pub fn is_ca_command(command: &CommandApdu) -> bool {
        let header = (command.cla & !0x0C, command.ins, command.p1, command.p2);
        match header {
            (0x00, 0x22, 0x41, 0xA6) => true,
            (0x00, 0x22, 0x41, 0xA4) => {
                let mut reader = TlvReader::new(command.data());
                matches!(reader.find(0x80), Ok(Some(t))
                    if ObjectIdentifier::from_bytes(t.value).is_ok_and(|oid| CaProtocol::from_oid(&oid).is_some()))
            }
            (0x00, 0x86, 0x00, 0x00) => parse_general_authenticate(command.data()).is_ok(),
            _ => false,
        }
    }

    /// Processes one unprotected command. Refusals are answers (status words), and reset
    /// the exchange: `6E00` a class byte other than `00` (logical channels, chaining),
    /// `6A86` wrong P1/P2, `6A80` malformed data or an invalid terminal key,
    /// `6A88` unknown protocol or key id, `6985` GENERAL AUTHENTICATE without MSE:Set AT,
    /// `6D00` another instruction.
    pub fn process(&mut self, command: &CommandApdu) -> ChipCaOutcome {
        let result = self.process_inner(command);
        match result {
            Ok(outcome) => outcome,
            Err(sw) => {
                self.pending = None;
                ChipCaOutcome::Respond(ResponseApdu::status(sw))
            }
        }
    }

    fn process_inner(&mut self, command: &CommandApdu) -> Result<ChipCaOutcome, StatusWord> {
        // Basic channel, no chaining (the secure-messaging bits are ignored: the caller
        // has opened the command).
        if command.cla & !0x0C != 0x00 {
            return Err(StatusWord::CLA_NOT_SUPPORTED);
        }
        match (command.ins, command.p1, command.p2) {
            (0x22, 0x41, 0xA6) => {
                self.pending = None;
                let (public, key_id) = parse_set_kat(command.data())?;
                let index = self.find_key(key_id, |p| p.uses_set_kat())?;
                self.establish(index, public)
            }
            (0x22, 0x41, 0xA4) => {
                self.pending = None;
                let (protocol, key_id) = parse_set_at(command.data())?;
                let index = self.find_key(key_id, |p| p == protocol && !p.uses_set_kat())?;
                self.pending = Some(index);
                Ok(ChipCaOutcome::Respond(ResponseApdu::status(
                    StatusWord::SUCCESS,
                )))
            }
            (0x86, 0x00, 0x00) => {
                let index = self
                    .pending
                    .take()
                    .ok_or(StatusWord::CONDITIONS_NOT_SATISFIED)?;
                let public = parse_general_authenticate(command.data())?;
                self.establish(index, public)
            }
            (0x22 | 0x86, _, _) => Err(StatusWord::WRONG_P1_P2),
            _ => Err(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    fn find_key(
        &self,
        key_id: Option<u64>,
        accept: impl Fn(CaProtocol) -> bool,
    ) -> Result<usize, StatusWord> {
        let mut candidates = self
            .keys
            .iter()
            .enumerate()
            .filter(|(_, k)| accept(k.protocol) && (key_id.is_none() || k.key_id == key_id));
        let (index, _) = candidates
            .next()
            .ok_or(StatusWord::REFERENCED_DATA_NOT_FOUND)?;
        if key_id.is_none() && candidates.next().is_some() {
            // Several keys and no reference: ambiguous (9303-11 requires DO'84' then).
            return Err(StatusWord::WRONG_DATA);
        }
        Ok(index)
    }

    fn establish(&self, index: usize, public: &[u8]) -> Result<ChipCaOutcome, StatusWord> {
        let key = self
            .keys
            .get(index)
            .ok_or(StatusWord::REFERENCED_DATA_NOT_FOUND)?;
        let terminal = AgreementPublicKey::from_bytes(key.key.domain(), public)
            .map_err(|_| StatusWord::WRONG_DATA)?;
        let secret = key
            .key
            .agree(&terminal)
            .map_err(|_| StatusWord::WRONG_DATA)?;
        let keys = SessionKeys::derive(secret.as_bytes(), key.protocol.cipher);
        let response = if key.protocol.uses_set_kat() {
            ResponseApdu::status(StatusWord::SUCCESS)
        } else {
            ResponseApdu::new(vec![0x7C, 0x00], StatusWord::SUCCESS)
        };
        Ok(ChipCaOutcome::Established(
            response,
            SecureMessaging::with_zero_ssc(keys),
        ))
    }
}

/// Reads a flat list of data objects, each tag at most once and only from `allowed`.
pub(crate) fn read_objects<'a>(
    data: &'a [u8],
    allowed: &[u32],
) -> Result<Vec<(u32, &'a [u8])>, StatusWord> {
    let mut reader = TlvReader::new(data);
    let mut objects: Vec<(u32, &[u8])> = Vec::new();
    while !reader.is_empty() {
        let tlv = reader.read().map_err(|_| StatusWord::WRONG_DATA)?;
        if !allowed.contains(&tlv.tag) || objects.iter().any(|(t, _)| *t == tlv.tag) {
            return Err(StatusWord::WRONG_DATA);
        }
        objects.push((tlv.tag, tlv.value));
    }
    Ok(objects)
}

pub(crate) fn object<'a>(objects: &[(u32, &'a [u8])], tag: u32) -> Option<&'a [u8]> {
    objects.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v)
}

fn key_id_object(objects: &[(u32, &[u8])]) -> Result<Option<u64>, StatusWord> {
    object(objects, 0x84)
        .map(|v| key_id_from_bytes(v).ok_or(StatusWord::WRONG_DATA))
        .transpose()
}

/// MSE:Set KAT data: `91 <ephemeral public key> [84 keyId]`.
fn parse_set_kat(data: &[u8]) -> Result<(&[u8], Option<u64>), StatusWord> {
    let objects = read_objects(data, &[0x91, 0x84])?;
    let public = object(&objects, 0x91).ok_or(StatusWord::WRONG_DATA)?;
    Ok((public, key_id_object(&objects)?))
}

/// MSE:Set AT data for CA: `80 <protocol OID> [84 keyId]`.
fn parse_set_at(data: &[u8]) -> Result<(CaProtocol, Option<u64>), StatusWord> {
    let objects = read_objects(data, &[0x80, 0x84])?;
    let oid = object(&objects, 0x80).ok_or(StatusWord::WRONG_DATA)?;
    let oid = ObjectIdentifier::from_bytes(oid).map_err(|_| StatusWord::WRONG_DATA)?;
    let protocol = CaProtocol::from_oid(&oid).ok_or(StatusWord::REFERENCED_DATA_NOT_FOUND)?;
    Ok((protocol, key_id_object(&objects)?))
}

/// GENERAL AUTHENTICATE data for CA: `7C { 80 <ephemeral public key> }`.
fn parse_general_authenticate(data: &[u8]) -> Result<&[u8], StatusWord> {
    let mut reader = TlvReader::new(data);
    let outer = reader.expect(0x7C).map_err(|_| StatusWord::WRONG_DATA)?;
    reader.finish().map_err(|_| StatusWord::WRONG_DATA)?;
    let objects = read_objects(outer.value, &[0x80])?;
    object(&objects, 0x80).ok_or(StatusWord::WRONG_DATA)
}

/// The most bytes one proof of presence reads: its protected answer stays a short APDU
/// (223 data bytes pad to 224, `87 81 E1 01 ..` + `99 02 ..` + `8E 08 ..` < 256).
pub const MAX_PRESENCE_LEN: usize = 223;

/// Why the proof of presence failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PresenceError {
    /// The requested range is empty, longer than [`MAX_PRESENCE_LEN`], or starts beyond
    /// offset 0x7FFF.
    #[error("proof-of-presence range is empty, too long or beyond offset 0x7FFF")]
    BadRange,
    /// The answer did not verify under the new keys (a MAC failure here is what a cloned
    /// chip, without the DG14 private key, produces).
    #[error("secure messaging under the Chip Authentication keys: {0}")]
    Sm(#[from] SmError),
    /// The chip refused SELECT or READ BINARY.
    #[error("the chip refused {step}: {sw}")]
    Refused {
        /// "SELECT" or "READ BINARY".
        step: &'static str,
        /// Status word (already MAC-verified).
        sw: StatusWord,
    },
    /// SELECT answered with data.
    #[error("unexpected data in the answer to SELECT")]
    UnexpectedData,
    /// READ BINARY returned a different number of bytes than asked for.
    #[error("READ BINARY returned {got} bytes, {expected} expected")]
    WrongLength {
        /// Bytes asked for.
        expected: usize,
        /// Bytes returned.
        got: usize,
    },
    /// The bytes read differ from the bytes the caller expected.
    #[error("the bytes read from the chip differ from the submitted file")]
    Mismatch,
    /// An answer arrived when none was expected, or `finish` came too early.
    #[error("proof-of-presence messages out of order")]
    OutOfOrder,
    /// A command could not be built.
    #[error("APDU: {0}")]
    Apdu(#[from] ApduError),
}

/// Proof of presence after Chip Authentication: SELECT EF `fid`, READ BINARY of
/// `expected.len()` bytes at `offset`, both protected under the new keys; the decrypted,
/// MAC-verified answer must equal `expected` (what the app submitted). Any failure
/// means Chip Authentication failed.
pub struct PresenceProof {
    sm: SecureMessaging,
    commands: [CommandApdu; 2],
    expected: Vec<u8>,
    /// 0: SELECT to send, 1: SELECT sent, 2: READ to send, 3: READ sent, 4: done.
    state: u8,
}

impl std::fmt::Debug for PresenceProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresenceProof")
            .field("len", &self.expected.len())
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl PresenceProof {
    /// Prepares the check over the secure messaging [`CaTerminal::finish`] returned.
    ///
    /// # Errors
    /// [`PresenceError::BadRange`], [`PresenceError::Apdu`].
    pub fn new(
        sm: SecureMessaging,
        fid: u16,
        offset: u16,
        expected: &[u8],
    ) -> Result<Self, PresenceError> {
        if expected.is_empty() || expected.len() > MAX_PRESENCE_LEN || offset > 0x7FFF {
            return Err(PresenceError::BadRange);
        }
        let len = u32::try_from(expected.len()).map_err(|_| PresenceError::BadRange)?;
        Ok(PresenceProof {
            sm,
            commands: [
                CommandApdu::select_ef(fid),
                CommandApdu::read_binary(offset, len)?,
            ],
            expected: expected.to_vec(),
            state: 0,
        })
    }

    /// The next protected command to send to the chip as it is (no outer wrapping), or
    /// `None` once both were answered.
    ///
    /// # Errors
    /// [`PresenceError::OutOfOrder`] while an answer is outstanding, [`PresenceError::Sm`].
    pub fn next_command(&mut self) -> Result<Option<CommandApdu>, PresenceError> {
        let index = match self.state {
            0 => 0,
            2 => 1,
            4 => return Ok(None),
            _ => return Err(PresenceError::OutOfOrder),
        };
        let command = self.commands.get(index).ok_or(PresenceError::OutOfOrder)?;
        let protected = self.sm.protect_command(command)?;
        self.state += 1;
        Ok(Some(protected))
    }

    /// Opens and checks the chip's protected answer to the last command.
    ///
    /// # Errors
    /// Every [`PresenceError`] but `BadRange`; after an error the check stays failed.
    pub fn accept_response(&mut self, response: &ResponseApdu) -> Result<(), PresenceError> {
        let step = match self.state {
            1 => "SELECT",
            3 => "READ BINARY",
            _ => return Err(PresenceError::OutOfOrder),
        };
        // Any failure ends the check: the state no longer accepts anything.
        let sent = self.state;
        self.state = 5;
        let plain = self.sm.unprotect_response(response)?;
        if plain.sw != StatusWord::SUCCESS {
            return Err(PresenceError::Refused { step, sw: plain.sw });
        }
        if sent == 1 {
            if !plain.data().is_empty() {
                return Err(PresenceError::UnexpectedData);
            }
        } else {
            if plain.data().len() != self.expected.len() {
                return Err(PresenceError::WrongLength {
                    expected: self.expected.len(),
                    got: plain.data().len(),
                });
            }
            // Not secret (the app submitted these bytes), but compare in constant time anyway.
            if !bool::from(subtle::ConstantTimeEq::ct_eq(
                plain.data(),
                self.expected.as_slice(),
            )) {
                return Err(PresenceError::Mismatch);
            }
        }
        self.state = sent + 1;
        Ok(())
    }

    /// The chip proved presence: returns the secure messaging to continue with.
    ///
    /// # Errors
    /// [`PresenceError::OutOfOrder`] unless both answers were accepted.
    pub fn finish(self) -> Result<SecureMessaging, PresenceError> {
        if self.state == 4 {
            Ok(self.sm)
        } else {
            Err(PresenceError::OutOfOrder)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_oids_round_trip() {
        for p in CaProtocol::ALL {
            assert_eq!(CaProtocol::from_oid(&p.oid()), Some(p));
        }
        assert_eq!(
            CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes128)
                .oid()
                .to_string(),
            "0.4.0.127.0.7.2.2.3.2.2"
        );
        assert_eq!(
            CaProtocol::new(KeyAgreement::Dh, Cipher::Tdes)
                .oid()
                .to_string(),
            "0.4.0.127.0.7.2.2.3.1.1"
        );
        assert_eq!(CaProtocol::from_oid(&ID_CA_ECDH), None);
    }

    #[test]
    fn protocol_names() {
        let names: Vec<String> = CaProtocol::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(
            names.first().map(String::as_str),
            Some("id-CA-ECDH-3DES-CBC-CBC")
        );
        assert_eq!(
            names.last().map(String::as_str),
            Some("id-CA-DH-AES-CBC-CMAC-256")
        );
        assert!(names.contains(&"id-CA-ECDH-AES-CBC-CMAC-192".to_string()));
    }

    #[test]
    fn key_id_encoding() {
        assert_eq!(key_id_bytes(0), [0]);
        assert_eq!(key_id_bytes(1), [1]);
        assert_eq!(key_id_bytes(0x1234), [0x12, 0x34]);
        for id in [0, 1, 255, 256, u64::MAX] {
            assert_eq!(key_id_from_bytes(&key_id_bytes(id)), Some(id));
        }
        assert_eq!(key_id_from_bytes(&[]), None);
        assert_eq!(key_id_from_bytes(&[0; 9]), None);
    }

    #[test]
    fn chip_command_parsers_refuse_malformed_data() {
        assert_eq!(parse_set_kat(&[]), Err(StatusWord::WRONG_DATA));
        assert_eq!(
            parse_set_kat(&[0x91, 0x05, 0x04]),
            Err(StatusWord::WRONG_DATA)
        );
        assert_eq!(
            parse_set_kat(&[0x91, 0x01, 0x04, 0x91, 0x01, 0x04]),
            Err(StatusWord::WRONG_DATA)
        );
        assert_eq!(
            parse_set_kat(&[0x91, 0x01, 0x04, 0x85, 0x00]),
            Err(StatusWord::WRONG_DATA)
        );
        assert_eq!(parse_set_at(&[0x80, 0x00]), Err(StatusWord::WRONG_DATA));
        // A PACE OID is not a CA protocol.
        let pace = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.2.2");
        assert_eq!(
            parse_set_at(&encode(&[0x80], pace.as_bytes())),
            Err(StatusWord::REFERENCED_DATA_NOT_FOUND)
        );
        assert_eq!(
            parse_general_authenticate(&[0x7C, 0x00]),
            Err(StatusWord::WRONG_DATA)
        );
        assert_eq!(
            parse_general_authenticate(&[0x7C, 0x03, 0x80, 0x01, 0x04, 0x00]),
            Err(StatusWord::WRONG_DATA)
        );
        assert_eq!(
            parse_general_authenticate(&[0x7C, 0x03, 0x80, 0x01, 0x04]),
            Ok(&[0x04][..])
        );
    }
}
