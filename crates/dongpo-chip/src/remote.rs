//! The server side of a **relayed** Chip Authentication: the server is the CA terminal,
//! a phone app only carries APDUs between it and the chip.
//!
//! 1. [`RemoteCa::start`] draws the ephemeral key (OS CSPRNG), derives the session keys at
//!    once (the ephemeral private key is wiped before it returns, see
//!    [`CaTerminal::into_relayed`]) and gives the **plain** CA commands, which the app
//!    sends inside its own BAC/PACE secure messaging.
//! 2. [`RemoteCa::check_step1`] checks the chip's answers (opened by the app) and gives
//!    the proof-of-presence commands — SELECT and READ BINARY already protected under the
//!    new keys (SSC 1 and 3), which the app sends **raw**.
//! 3. [`RemoteCa::check_step2`] opens the chip's raw answers under the new keys (MAC,
//!    decryption, SSC 2 and 4) and compares the bytes read with the bytes the app
//!    submitted ([`PresenceProof`]).
//!
//! Between requests the state is kept as [`RemoteCa::to_bytes`] (it holds the session
//! keys: the caller encrypts it at rest) and read back with [`RemoteCa::from_bytes`].

use zeroize::Zeroizing;

use crate::apdu::{ApduError, CommandApdu, ResponseApdu};
use crate::ca::{
    CaError, CaProtocol, CaSelection, CaStep, CaTerminal, KeyAgreement, PresenceError,
    PresenceProof,
};
use crate::kdf::{Cipher, SessionKeys};
use crate::sm::{SecureMessaging, SmError};

/// Why a relayed Chip Authentication failed or could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteCaError {
    /// Setting up or checking the CA commands failed (a refusal by the chip included).
    #[error("Chip Authentication: {0}")]
    Ca(#[from] CaError),
    /// The proof of presence under the new keys failed (MAC, decryption, bytes).
    #[error("proof of presence: {0}")]
    Presence(#[from] PresenceError),
    /// A command could not be protected.
    #[error("secure messaging: {0}")]
    Sm(#[from] SmError),
    /// A command could not be built.
    #[error("APDU: {0}")]
    Apdu(#[from] ApduError),
    /// A different number of answers than commands were relayed.
    #[error("{got} answers relayed for {expected} commands")]
    AnswerCount {
        /// Commands sent.
        expected: usize,
        /// Answers relayed.
        got: usize,
    },
    /// Stored state that does not parse (not written by [`RemoteCa::to_bytes`]).
    #[error("stored Chip Authentication state is malformed")]
    BadState,
}

/// The server's state of one relayed Chip Authentication (see the module docs).
pub struct RemoteCa {
    protocol: CaProtocol,
    key_id: Option<u64>,
    steps: Vec<CaStep>,
    keys: SessionKeys,
    fid: u16,
    offset: u16,
    expected: Vec<u8>,
}

impl std::fmt::Debug for RemoteCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteCa")
            .field("protocol", &self.protocol)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// Format version of [`RemoteCa::to_bytes`].
const STATE_VERSION: u8 = 1;

impl RemoteCa {
    /// Starts CA with `selection` (from a DG14 Passive Authentication covered); the proof
    /// of presence will read `expected.len()` bytes of EF `fid` at `offset` and compare
    /// them with `expected`. Returns the state and the plain commands of step 1.
    ///
    /// # Errors
    /// [`RemoteCaError::Ca`] (no randomness, key agreement), [`RemoteCaError::Presence`]
    /// (a range [`PresenceProof`] refuses).
    pub fn start(
        selection: CaSelection,
        fid: u16,
        offset: u16,
        expected: &[u8],
    ) -> Result<(Self, Vec<CommandApdu>), RemoteCaError> {
        let relayed = CaTerminal::new(selection)?.into_relayed()?;
        let state = RemoteCa {
            protocol: relayed.selection.protocol,
            key_id: relayed.selection.key_id,
            steps: relayed.commands.iter().map(|(s, _)| *s).collect(),
            keys: relayed.keys,
            fid,
            offset,
            expected: expected.to_vec(),
        };
        // The range is checked now, not when the chip has already answered.
        state.presence()?;
        let commands = relayed.commands.into_iter().map(|(_, c)| c).collect();
        Ok((state, commands))
    }

    /// The protocol in use.
    #[must_use]
    pub fn protocol(&self) -> CaProtocol {
        self.protocol
    }

    fn presence(&self) -> Result<PresenceProof, RemoteCaError> {
        Ok(PresenceProof::new(
            SecureMessaging::with_zero_ssc(self.keys.clone()),
            self.fid,
            self.offset,
            &self.expected,
        )?)
    }

    /// Checks the chip's answers to the step-1 commands (opened by the app) and returns
    /// the two protected commands of the proof of presence, for the app to send raw.
    ///
    /// # Errors
    /// [`RemoteCaError::AnswerCount`], [`RemoteCaError::Ca`] (a refusal or unexpected
    /// answer), [`RemoteCaError::Sm`].
    pub fn check_step1(&self, answers: &[ResponseApdu]) -> Result<Vec<CommandApdu>, RemoteCaError> {
        if answers.len() != self.steps.len() {
            return Err(RemoteCaError::AnswerCount {
                expected: self.steps.len(),
                got: answers.len(),
            });
        }
        for (step, answer) in self.steps.iter().zip(answers) {
            step.check_answer(answer)?;
        }
        // Both commands at once: SELECT under SSC 1, READ BINARY under SSC 3 (the chip's
        // answer to SELECT takes SSC 2). The same commands are rebuilt in step 2.
        let mut proof = self.presence()?;
        let select = proof.next_command()?.ok_or(RemoteCaError::BadState)?;
        let mut after_select = SecureMessaging::new(self.keys.clone(), &self.ssc(2))?;
        let read = after_select.protect_command(&CommandApdu::read_binary(
            self.offset,
            u32::try_from(self.expected.len()).map_err(|_| RemoteCaError::BadState)?,
        )?)?;
        Ok(vec![select, read])
    }

    /// The counter value `n` as an SSC block of the cipher.
    fn ssc(&self, n: u8) -> Vec<u8> {
        let mut block = vec![0u8; self.keys.cipher().block_len()];
        if let Some(last) = block.last_mut() {
            *last = n;
        }
        block
    }

    /// Checks the chip's raw answers to the proof-of-presence commands; on success
    /// returns what was proven, for the report (protocol, key id, file range).
    ///
    /// # Errors
    /// [`RemoteCaError::AnswerCount`], [`RemoteCaError::Presence`] (MAC, decryption,
    /// refusal, different bytes: what a chip without the DG14 private key produces).
    pub fn check_step2(&self, answers: &[ResponseApdu]) -> Result<String, RemoteCaError> {
        let [select, read] = answers else {
            return Err(RemoteCaError::AnswerCount {
                expected: 2,
                got: answers.len(),
            });
        };
        let mut proof = self.presence()?;
        proof.next_command()?;
        proof.accept_response(select)?;
        proof.next_command()?;
        proof.accept_response(read)?;
        proof.finish()?;
        Ok(format!(
            "the chip answered under Chip Authentication keys ({}{}) with {} bytes of EF {:04X} at offset {} equal to the submitted file",
            protocol_name(self.protocol),
            self.key_id
                .map(|id| format!(", key id {id}"))
                .unwrap_or_default(),
            self.expected.len(),
            self.fid,
            self.offset
        ))
    }

    /// The state as bytes, to keep between requests. It holds the session keys: encrypt
    /// it at rest and wipe it after use (the buffer is wiped on drop).
    #[must_use]
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(64 + self.expected.len()));
        out.push(STATE_VERSION);
        out.push(agreement_code(self.protocol.agreement));
        out.push(cipher_code(self.protocol.cipher));
        match self.key_id {
            Some(id) => {
                out.push(1);
                out.extend_from_slice(&id.to_be_bytes());
            }
            None => out.push(0),
        }
        out.push(u8::try_from(self.steps.len()).unwrap_or(0));
        out.extend(self.steps.iter().map(|s| step_code(*s)));
        out.extend_from_slice(&self.fid.to_be_bytes());
        out.extend_from_slice(&self.offset.to_be_bytes());
        for key in [&self.keys.enc, &self.keys.mac] {
            let bytes = key.expose_secret();
            out.push(u8::try_from(bytes.len()).unwrap_or(0));
            out.extend_from_slice(bytes);
        }
        out.extend_from_slice(
            &u16::try_from(self.expected.len())
                .unwrap_or(0)
                .to_be_bytes(),
        );
        out.extend_from_slice(&self.expected);
        out
    }

    /// The state [`RemoteCa::to_bytes`] wrote.
    ///
    /// # Errors
    /// [`RemoteCaError::BadState`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RemoteCaError> {
        let mut r = Reader(bytes);
        if r.u8()? != STATE_VERSION {
            return Err(RemoteCaError::BadState);
        }
        let agreement = match r.u8()? {
            0 => KeyAgreement::Dh,
            1 => KeyAgreement::Ecdh,
            _ => return Err(RemoteCaError::BadState),
        };
        let cipher = match r.u8()? {
            0 => Cipher::Tdes,
            1 => Cipher::Aes128,
            2 => Cipher::Aes192,
            3 => Cipher::Aes256,
            _ => return Err(RemoteCaError::BadState),
        };
        let key_id = match r.u8()? {
            0 => None,
            1 => Some(u64::from_be_bytes(
                r.take(8)?.try_into().map_err(|_| RemoteCaError::BadState)?,
            )),
            _ => return Err(RemoteCaError::BadState),
        };
        let count = r.u8()?;
        let steps = (0..count)
            .map(|_| match r.u8()? {
                0 => Ok(CaStep::MseSetKat),
                1 => Ok(CaStep::MseSetAt),
                2 => Ok(CaStep::GeneralAuthenticate),
                _ => Err(RemoteCaError::BadState),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let fid = r.u16()?;
        let offset = r.u16()?;
        let enc_len = r.u8()?;
        let enc = r.take(usize::from(enc_len))?;
        let mac_len = r.u8()?;
        let mac = r.take(usize::from(mac_len))?;
        let keys =
            SessionKeys::from_bytes(cipher, enc, mac).map_err(|_| RemoteCaError::BadState)?;
        let len = r.u16()?;
        let expected = r.take(usize::from(len))?.to_vec();
        if !r.0.is_empty() {
            return Err(RemoteCaError::BadState);
        }
        Ok(RemoteCa {
            protocol: CaProtocol::new(agreement, cipher),
            key_id,
            steps,
            keys,
            fid,
            offset,
            expected,
        })
    }
}

impl Drop for RemoteCa {
    fn drop(&mut self) {
        // The bytes the chip is to read back are document content.
        zeroize::Zeroize::zeroize(&mut self.expected);
    }
}

/// The protocol's name as 9303-11 writes it, e.g. `id-CA-ECDH-AES-CBC-CMAC-128`.
#[must_use]
pub fn protocol_name(protocol: CaProtocol) -> String {
    let agreement = match protocol.agreement {
        KeyAgreement::Dh => "DH",
        KeyAgreement::Ecdh => "ECDH",
    };
    let cipher = match protocol.cipher {
        Cipher::Tdes => "3DES-CBC-CBC",
        Cipher::Aes128 => "AES-CBC-CMAC-128",
        Cipher::Aes192 => "AES-CBC-CMAC-192",
        Cipher::Aes256 => "AES-CBC-CMAC-256",
    };
    format!("id-CA-{agreement}-{cipher}")
}

fn agreement_code(agreement: KeyAgreement) -> u8 {
    match agreement {
        KeyAgreement::Dh => 0,
        KeyAgreement::Ecdh => 1,
    }
}

fn cipher_code(cipher: Cipher) -> u8 {
    match cipher {
        Cipher::Tdes => 0,
        Cipher::Aes128 => 1,
        Cipher::Aes192 => 2,
        Cipher::Aes256 => 3,
    }
}

fn step_code(step: CaStep) -> u8 {
    match step {
        CaStep::MseSetKat => 0,
        CaStep::MseSetAt => 1,
        CaStep::GeneralAuthenticate => 2,
    }
}

/// A cursor over stored state that never panics.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RemoteCaError> {
        if self.0.len() < n {
            return Err(RemoteCaError::BadState);
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, RemoteCaError> {
        self.take(1)?
            .first()
            .copied()
            .ok_or(RemoteCaError::BadState)
    }

    fn u16(&mut self) -> Result<u16, RemoteCaError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes(
            b.try_into().map_err(|_| RemoteCaError::BadState)?,
        ))
    }
}
