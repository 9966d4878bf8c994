//! The chip side of PACE, for a virtual chip.

use const_oid::ObjectIdentifier;
use dongpo_crypto::agreement::{AgreementPublicKey, Domain, KeyPair};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{
    DynamicData, MRZ_PASSWORD, PaceProtocol, PaceSelection, encode_dynamic, encrypt_nonce,
    standard_curve, token,
};
use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::bac::MrzKey;
use crate::kdf::SessionKeys;
use crate::sm::SecureMessaging;

/// What the chip does with a command.
#[derive(Debug)]
pub enum PaceChipOutcome {
    /// Send this answer (in the clear) and carry on.
    Respond(ResponseApdu),
    /// Send this answer (in the clear), then use the given secure messaging (SSC = 0) for
    /// every later command.
    Established(ResponseApdu, SecureMessaging),
}

impl PaceChipOutcome {
    /// The answer to send.
    #[must_use]
    pub fn response(&self) -> &ResponseApdu {
        match self {
            PaceChipOutcome::Respond(r) | PaceChipOutcome::Established(r, _) => r,
        }
    }
}

enum State {
    Idle,
    Selected(PaceSelection),
    NonceSent(PaceSelection, Zeroizing<Vec<u8>>),
    Mapped(PaceSelection, Domain),
    Agreed(Box<Agreed>),
}

/// After the key agreement, waiting for the terminal's token.
struct Agreed {
    selection: PaceSelection,
    keys: SessionKeys,
    own: AgreementPublicKey,
    terminal: AgreementPublicKey,
}

/// Any refusal of the command's content.
fn wrong<E>(_: E) -> StatusWord {
    StatusWord::WRONG_DATA
}

/// The fixed randomness of the worked example.
struct Fixed {
    nonce: Zeroizing<Vec<u8>>,
    map_private: Zeroizing<Vec<u8>>,
    ephemeral_private: Zeroizing<Vec<u8>>,
}

/// Chip side of PACE (generic mapping, ECDH), MRZ password.
///
/// Feed it the plain commands [`PaceChip::is_pace_command`] recognises; send its answers
/// in the clear; on [`PaceChipOutcome::Established`] switch to the new secure messaging.
/// Refusals are status words and reset the exchange: `6A80` malformed data or an invalid
/// terminal key, `6A88` a protocol, parameter set or password not offered, `6985` a
/// command out of order (or with the wrong chaining bit), `6300` a wrong terminal token
/// (a wrong MRZ), `6A86` wrong P1/P2.
pub struct PaceChip {
    password: MrzKey,
    offers: Vec<PaceSelection>,
    fixed: Option<Fixed>,
    state: State,
}

impl std::fmt::Debug for PaceChip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaceChip")
            .field("offers", &self.offers)
            .finish_non_exhaustive()
    }
}

impl PaceChip {
    /// A chip whose MRZ gives `password`, offering `offers` (list them in EF.CardAccess
    /// with [`super::card_access_der`]). Nonces and keys come from the OS CSPRNG.
    #[must_use]
    pub fn new(password: &MrzKey, offers: Vec<PaceSelection>) -> Self {
        PaceChip {
            password: password.clone(),
            offers,
            fixed: None,
            state: State::Idle,
        }
    }

    /// As [`PaceChip::new`] with the nonce and the private keys fixed: the 9303-11 worked
    /// example. Not for real use (every run gives the same keys).
    #[must_use]
    pub fn with_randomness(
        password: &MrzKey,
        offers: Vec<PaceSelection>,
        nonce: &[u8],
        map_private: &[u8],
        ephemeral_private: &[u8],
    ) -> Self {
        PaceChip {
            fixed: Some(Fixed {
                nonce: Zeroizing::new(nonce.to_vec()),
                map_private: Zeroizing::new(map_private.to_vec()),
                ephemeral_private: Zeroizing::new(ephemeral_private.to_vec()),
            }),
            ..PaceChip::new(password, offers)
        }
    }

    /// Forgets any exchange under way (a new power-up).
    pub fn reset(&mut self) {
        self.state = State::Idle;
    }

    /// The configurations offered.
    #[must_use]
    pub fn offers(&self) -> &[PaceSelection] {
        &self.offers
    }

    /// True for PACE's MSE:Set AT (`22 C1 A4`) and, while PACE is under way, GENERAL
    /// AUTHENTICATE (`86`).
    #[must_use]
    pub fn is_pace_command(&self, command: &CommandApdu) -> bool {
        match (command.ins, command.p1, command.p2) {
            (0x22, 0xC1, 0xA4) => true,
            (0x86, _, _) => !matches!(self.state, State::Idle),
            _ => false,
        }
    }

    /// Processes one plain command.
    pub fn process(&mut self, command: &CommandApdu) -> PaceChipOutcome {
        let state = std::mem::replace(&mut self.state, State::Idle);
        match self.process_inner(state, command) {
            Ok((next, outcome)) => {
                self.state = next;
                outcome
            }
            Err(sw) => PaceChipOutcome::Respond(ResponseApdu::status(sw)),
        }
    }

    fn process_inner(
        &self,
        state: State,
        command: &CommandApdu,
    ) -> Result<(State, PaceChipOutcome), StatusWord> {
        let chained = command.cla & 0x10 != 0;
        if command.cla & !0x10 != 0x00 {
            return Err(StatusWord::CLA_NOT_SUPPORTED);
        }
        let respond =
            |data: Vec<u8>| PaceChipOutcome::Respond(ResponseApdu::new(data, StatusWord::SUCCESS));
        match (command.ins, command.p1, command.p2) {
            (0x22, 0xC1, 0xA4) if !chained => {
                let selection = self.parse_set_at(command.data())?;
                Ok((State::Selected(selection), respond(Vec::new())))
            }
            (0x86, 0x00, 0x00) => {
                let last = matches!(state, State::Agreed(_));
                if chained == last {
                    return Err(StatusWord::CONDITIONS_NOT_SATISFIED);
                }
                match state {
                    State::Idle => Err(StatusWord::CONDITIONS_NOT_SATISFIED),
                    State::Selected(selection) => {
                        DynamicData::parse(command.data(), &[]).map_err(wrong)?;
                        let nonce = self.nonce(&selection)?;
                        let password = self.password.pace_password_key(selection.protocol.cipher);
                        let z = encrypt_nonce(&password, &nonce)
                            .map_err(|_| StatusWord::NO_PRECISE_DIAGNOSIS)?;
                        Ok((
                            State::NonceSent(selection, nonce),
                            respond(encode_dynamic(Some((0x80, &z)))),
                        ))
                    }
                    State::NonceSent(selection, nonce) => {
                        let objects = DynamicData::parse(command.data(), &[0x81]).map_err(wrong)?;
                        let domain = Domain::ec(selection.curve);
                        let terminal = objects.require(0x81).map_err(wrong)?;
                        let terminal =
                            AgreementPublicKey::from_bytes(&domain, terminal).map_err(wrong)?;
                        let map = self.key_pair(&domain, 0)?;
                        if terminal.as_bytes() == map.public_key_bytes() {
                            return Err(StatusWord::WRONG_DATA);
                        }
                        let mapped = map.map_nonce(&terminal, &nonce).map_err(wrong)?;
                        Ok((
                            State::Mapped(selection, mapped),
                            respond(encode_dynamic(Some((0x82, map.public_key_bytes())))),
                        ))
                    }
                    State::Mapped(selection, mapped) => {
                        let objects = DynamicData::parse(command.data(), &[0x83]).map_err(wrong)?;
                        let terminal = objects.require(0x83).map_err(wrong)?;
                        let terminal =
                            AgreementPublicKey::from_bytes(&mapped, terminal).map_err(wrong)?;
                        let ephemeral = self.key_pair(&mapped, 1)?;
                        if terminal.as_bytes() == ephemeral.public_key_bytes() {
                            return Err(StatusWord::WRONG_DATA);
                        }
                        let secret = ephemeral.agree(&terminal).map_err(wrong)?;
                        let keys =
                            SessionKeys::derive(secret.as_bytes(), selection.protocol.cipher);
                        let answer = encode_dynamic(Some((0x84, ephemeral.public_key_bytes())));
                        Ok((
                            State::Agreed(Box::new(Agreed {
                                selection,
                                keys,
                                own: ephemeral.public_key(),
                                terminal,
                            })),
                            respond(answer),
                        ))
                    }
                    State::Agreed(agreed) => {
                        let Agreed {
                            selection,
                            keys,
                            own,
                            terminal,
                        } = *agreed;
                        let objects = DynamicData::parse(command.data(), &[0x85]).map_err(wrong)?;
                        let received = objects.require(0x85).map_err(wrong)?;
                        let cipher = selection.protocol.cipher;
                        let protocol = &selection.protocol;
                        let expected = token(cipher, &keys.mac, protocol, &own)
                            .map_err(|_| StatusWord::NO_PRECISE_DIAGNOSIS)?;
                        if !bool::from(received.ct_eq(&expected)) {
                            return Err(StatusWord::AUTHENTICATION_FAILED);
                        }
                        let answer = token(cipher, &keys.mac, protocol, &terminal)
                            .map_err(|_| StatusWord::NO_PRECISE_DIAGNOSIS)?;
                        let response = ResponseApdu::new(
                            encode_dynamic(Some((0x86, &answer))),
                            StatusWord::SUCCESS,
                        );
                        Ok((
                            State::Idle,
                            PaceChipOutcome::Established(
                                response,
                                SecureMessaging::with_zero_ssc(keys),
                            ),
                        ))
                    }
                }
            }
            (0x22 | 0x86, _, _) => Err(StatusWord::WRONG_P1_P2),
            _ => Err(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    /// MSE:Set AT data: `80 OID 83 01 01 [84 parameter ID]`, naming an offer.
    fn parse_set_at(&self, data: &[u8]) -> Result<PaceSelection, StatusWord> {
        let objects = crate::ca::read_objects(data, &[0x80, 0x83, 0x84])?;
        let oid = crate::ca::object(&objects, 0x80).ok_or(StatusWord::WRONG_DATA)?;
        let oid = ObjectIdentifier::from_bytes(oid).map_err(|_| StatusWord::WRONG_DATA)?;
        let protocol = PaceProtocol::from_oid(&oid).ok_or(StatusWord::REFERENCED_DATA_NOT_FOUND)?;
        if crate::ca::object(&objects, 0x83) != Some(&[MRZ_PASSWORD]) {
            return Err(StatusWord::REFERENCED_DATA_NOT_FOUND);
        }
        let curve = match crate::ca::object(&objects, 0x84) {
            Some(id) => Some(
                crate::ca::key_id_from_bytes(id)
                    .and_then(standard_curve)
                    .ok_or(StatusWord::REFERENCED_DATA_NOT_FOUND)?,
            ),
            None => None,
        };
        let mut candidates = self
            .offers
            .iter()
            .filter(|o| o.protocol == protocol && curve.is_none_or(|c| c == o.curve));
        let chosen = candidates
            .next()
            .ok_or(StatusWord::REFERENCED_DATA_NOT_FOUND)?;
        if curve.is_none() && candidates.next().is_some() {
            // Ambiguous without DO'84'.
            return Err(StatusWord::WRONG_DATA);
        }
        Ok(*chosen)
    }

    /// The nonce `s`: one cipher block.
    fn nonce(&self, selection: &PaceSelection) -> Result<Zeroizing<Vec<u8>>, StatusWord> {
        let len = selection.protocol.cipher.block_len();
        match &self.fixed {
            Some(fixed) if fixed.nonce.len() == len => Ok(fixed.nonce.clone()),
            Some(_) => Err(StatusWord::NO_PRECISE_DIAGNOSIS),
            None => {
                let mut nonce = Zeroizing::new(vec![0u8; len]);
                getrandom::fill(&mut nonce).map_err(|_| StatusWord::NO_PRECISE_DIAGNOSIS)?;
                Ok(nonce)
            }
        }
    }

    /// The mapping (`index` 0) or ephemeral (1) key pair on `domain`.
    fn key_pair(&self, domain: &Domain, index: usize) -> Result<KeyPair, StatusWord> {
        let pair = match &self.fixed {
            Some(fixed) => {
                let private = if index == 0 {
                    &fixed.map_private
                } else {
                    &fixed.ephemeral_private
                };
                KeyPair::from_private_bytes(domain, private)
            }
            None => KeyPair::generate(domain),
        };
        pair.map_err(|_| StatusWord::NO_PRECISE_DIAGNOSIS)
    }
}
