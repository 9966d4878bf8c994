//! The terminal side of PACE (the server, in a remote flow).

use dongpo_crypto::Curve;
use dongpo_crypto::agreement::{AgreementPublicKey, Domain, KeyPair};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{
    DynamicData, PaceError, PaceSelection, PaceStep, decrypt_nonce, general_authenticate,
    mse_set_at, token,
};
use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::bac::MrzKey;
use crate::kdf::{SecretKey, SessionKeys};
use crate::sm::{MAC_LEN, SecureMessaging};

/// Where the terminal is, with what it needs for the next answer.
enum State {
    SetAt,
    Nonce,
    Map {
        nonce: Zeroizing<Vec<u8>>,
        map: KeyPair,
    },
    Agree {
        ephemeral: KeyPair,
    },
    Tokens {
        keys: SessionKeys,
        chip_token: [u8; MAC_LEN],
        chip_public: Vec<u8>,
    },
    Done {
        keys: SessionKeys,
        chip_public: Vec<u8>,
    },
    Failed,
}

/// The private keys of the worked example: mapping, then ephemeral.
type FixedKeys = (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>);

/// Terminal side of PACE (generic mapping, ECDH).
///
/// Use: [`PaceTerminal::new`]; send [`PaceTerminal::next_command`] to the chip (in the
/// clear: PACE runs before any secure messaging) and pass its answer to
/// [`PaceTerminal::accept_response`], five times; then [`PaceTerminal::finish`] gives the
/// secure messaging. The first error ends the exchange (start again from MSE:Set AT).
pub struct PaceTerminal {
    selection: PaceSelection,
    password: SecretKey,
    /// The private keys of the worked example (mapping, then ephemeral); `None`: OS CSPRNG.
    fixed: Option<FixedKeys>,
    state: State,
    command: Option<CommandApdu>,
}

impl std::fmt::Debug for PaceTerminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaceTerminal")
            .field("selection", &self.selection)
            .field("step", &self.step())
            .finish_non_exhaustive()
    }
}

impl PaceTerminal {
    /// Starts PACE with the MRZ password; the mapping and ephemeral keys will be drawn from
    /// the OS CSPRNG.
    ///
    /// # Errors
    /// [`PaceError::Apdu`] (cannot happen for the supported protocols).
    pub fn new(selection: PaceSelection, password: &MrzKey) -> Result<Self, PaceError> {
        Self::build(selection, password, None)
    }

    /// As [`PaceTerminal::new`] with the mapping private key and the ephemeral private key
    /// given (big-endian): the 9303-11 worked example. Not for real use.
    ///
    /// # Errors
    /// As [`PaceTerminal::new`].
    pub fn with_randomness(
        selection: PaceSelection,
        password: &MrzKey,
        map_private: &[u8],
        ephemeral_private: &[u8],
    ) -> Result<Self, PaceError> {
        Self::build(
            selection,
            password,
            Some((
                Zeroizing::new(map_private.to_vec()),
                Zeroizing::new(ephemeral_private.to_vec()),
            )),
        )
    }

    fn build(
        selection: PaceSelection,
        password: &MrzKey,
        fixed: Option<FixedKeys>,
    ) -> Result<Self, PaceError> {
        Ok(PaceTerminal {
            command: Some(mse_set_at(&selection)?),
            password: password.pace_password_key(selection.protocol.cipher),
            selection,
            fixed,
            state: State::SetAt,
        })
    }

    /// The configuration in use.
    #[must_use]
    pub fn selection(&self) -> PaceSelection {
        self.selection
    }

    /// The command to send now, or `None` when done or failed.
    #[must_use]
    pub fn next_command(&self) -> Option<&CommandApdu> {
        self.command.as_ref()
    }

    /// The step whose answer is awaited (`None` when done or failed).
    #[must_use]
    pub fn step(&self) -> Option<PaceStep> {
        match self.state {
            State::SetAt => Some(PaceStep::MseSetAt),
            State::Nonce => Some(PaceStep::EncryptedNonce),
            State::Map { .. } => Some(PaceStep::Map),
            State::Agree { .. } => Some(PaceStep::KeyAgreement),
            State::Tokens { .. } => Some(PaceStep::MutualAuthentication),
            State::Done { .. } | State::Failed => None,
        }
    }

    /// Checks the chip's answer to [`PaceTerminal::next_command`] and prepares the next
    /// command.
    ///
    /// # Errors
    /// [`PaceError::OutOfOrder`] when nothing is outstanding; [`PaceError::Refused`] for a
    /// status other than 9000; [`PaceError::UnexpectedAnswer`],
    /// [`PaceError::NonceLength`], [`PaceError::Agreement`] (an invalid chip key),
    /// [`PaceError::ReflectedKey`], [`PaceError::TokenMismatch`] (wrong MRZ). Any error
    /// ends the exchange.
    pub fn accept_response(&mut self, response: &ResponseApdu) -> Result<(), PaceError> {
        let state = std::mem::replace(&mut self.state, State::Failed);
        self.command = None;
        let step = match &state {
            State::SetAt => PaceStep::MseSetAt,
            State::Nonce => PaceStep::EncryptedNonce,
            State::Map { .. } => PaceStep::Map,
            State::Agree { .. } => PaceStep::KeyAgreement,
            State::Tokens { .. } => PaceStep::MutualAuthentication,
            State::Done { .. } | State::Failed => return Err(PaceError::OutOfOrder),
        };
        if response.sw != StatusWord::SUCCESS {
            return Err(PaceError::Refused {
                step,
                sw: response.sw,
            });
        }
        let (next, command) = self.advance(state, step, response.data())?;
        self.state = next;
        self.command = command;
        Ok(())
    }

    fn advance(
        &self,
        state: State,
        step: PaceStep,
        data: &[u8],
    ) -> Result<(State, Option<CommandApdu>), PaceError> {
        let unexpected = |source| PaceError::UnexpectedAnswer { step, source };
        let agreement = |source| PaceError::Agreement { step, source };
        let domain = Domain::ec(self.selection.curve);
        match state {
            State::SetAt => {
                if !data.is_empty() {
                    return Err(PaceError::AnswerWithData { step });
                }
                Ok((State::Nonce, Some(general_authenticate(None, false)?)))
            }
            State::Nonce => {
                let objects = DynamicData::parse(data, &[0x80]).map_err(unexpected)?;
                let nonce =
                    decrypt_nonce(&self.password, objects.require(0x80).map_err(unexpected)?)?;
                let map = self.key_pair(&domain, 0).map_err(agreement)?;
                let command = general_authenticate(Some((0x81, map.public_key_bytes())), false)?;
                Ok((State::Map { nonce, map }, Some(command)))
            }
            State::Map { nonce, map } => {
                let objects = DynamicData::parse(data, &[0x82]).map_err(unexpected)?;
                let chip = objects.require(0x82).map_err(unexpected)?;
                let chip = AgreementPublicKey::from_bytes(&domain, chip).map_err(agreement)?;
                if chip.as_bytes() == map.public_key_bytes() {
                    return Err(PaceError::ReflectedKey { step });
                }
                let mapped = map.map_nonce(&chip, &nonce).map_err(agreement)?;
                let ephemeral = self.key_pair(&mapped, 1).map_err(agreement)?;
                let command =
                    general_authenticate(Some((0x83, ephemeral.public_key_bytes())), false)?;
                Ok((State::Agree { ephemeral }, Some(command)))
            }
            State::Agree { ephemeral } => {
                let objects = DynamicData::parse(data, &[0x84]).map_err(unexpected)?;
                let chip = objects.require(0x84).map_err(unexpected)?;
                let chip =
                    AgreementPublicKey::from_bytes(ephemeral.domain(), chip).map_err(agreement)?;
                if chip.as_bytes() == ephemeral.public_key_bytes() {
                    return Err(PaceError::ReflectedKey { step });
                }
                let secret = ephemeral.agree(&chip).map_err(agreement)?;
                let cipher = self.selection.protocol.cipher;
                let keys = SessionKeys::derive(secret.as_bytes(), cipher);
                let protocol = &self.selection.protocol;
                let own = token(cipher, &keys.mac, protocol, &chip)?;
                let chip_token = token(cipher, &keys.mac, protocol, &ephemeral.public_key())?;
                let command = general_authenticate(Some((0x85, &own)), true)?;
                Ok((
                    State::Tokens {
                        keys,
                        chip_token,
                        chip_public: chip.as_bytes().to_vec(),
                    },
                    Some(command),
                ))
            }
            State::Tokens {
                keys,
                chip_token,
                chip_public,
            } => {
                // 87/88: certification authority references (Terminal Authentication).
                let objects = DynamicData::parse(data, &[0x86, 0x87, 0x88]).map_err(unexpected)?;
                let received = objects.require(0x86).map_err(unexpected)?;
                if !bool::from(received.ct_eq(&chip_token)) {
                    return Err(PaceError::TokenMismatch);
                }
                Ok((State::Done { keys, chip_public }, None))
            }
            State::Done { .. } | State::Failed => Err(PaceError::OutOfOrder),
        }
    }

    /// The mapping (`index` 0) or ephemeral (1) key pair on `domain`.
    fn key_pair(
        &self,
        domain: &Domain,
        index: usize,
    ) -> Result<KeyPair, dongpo_crypto::agreement::AgreementError> {
        match &self.fixed {
            Some((map, ephemeral)) => {
                let private = if index == 0 { map } else { ephemeral };
                KeyPair::from_private_bytes(domain, private)
            }
            None => KeyPair::generate(domain),
        }
    }

    /// The chip's ephemeral public key `PK_PICC` (its identifier for Chip Authentication
    /// after PACE), once PACE has succeeded.
    #[must_use]
    pub fn chip_public_key(&self) -> Option<&[u8]> {
        match &self.state {
            State::Done { chip_public, .. } => Some(chip_public),
            _ => None,
        }
    }

    /// The curve in use.
    #[must_use]
    pub fn curve(&self) -> Curve {
        self.selection.curve
    }

    /// The session keys (KSenc, KSmac) once PACE has succeeded.
    ///
    /// # Errors
    /// [`PaceError::OutOfOrder`] before the chip's token verified.
    pub fn finish_keys(self) -> Result<SessionKeys, PaceError> {
        match self.state {
            State::Done { keys, .. } => Ok(keys),
            _ => Err(PaceError::OutOfOrder),
        }
    }

    /// The secure messaging (the protocol's AES, SSC = 0) once PACE has succeeded.
    ///
    /// # Errors
    /// [`PaceError::OutOfOrder`] before the chip's token verified.
    pub fn finish(self) -> Result<SecureMessaging, PaceError> {
        Ok(SecureMessaging::with_zero_ssc(self.finish_keys()?))
    }
}
