//! Chip Authentication by the reference terminal, on the session
//! [`Terminal::read_document`] left open: the protocol and key from a DG14 the caller's
//! Passive Authentication covered ([`PaCoveredDg14`]), the exchange of [`CaTerminal`]
//! inside the BAC secure messaging, the switch to the new keys (SSC 0), then the proof of
//! presence ([`PresenceProof`]): EF.SOD's first bytes, read again under the new keys,
//! must equal the bytes already read.

use crate::ca::{self, CaError, CaProtocol, CaTerminal, MAX_PRESENCE_LEN, PaCoveredDg14};
use crate::ca::{PresenceError, PresenceProof};
use crate::terminal::{ChipContents, ReadError, Terminal, Transport};

/// The file read back as the proof of presence: EF.SOD, which every chip holds.
const PROOF_FILE: u16 = 0x011D;

/// Why Chip Authentication by the terminal failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChipAuthError {
    /// No session is open (call [`Terminal::read_document`] first), or an earlier
    /// Chip Authentication failed and closed it.
    #[error("no open secure-messaging session with the chip")]
    NoSession,
    /// Protocol choice from DG14 or the exchange itself failed.
    #[error("Chip Authentication: {0}")]
    Ca(#[from] CaError),
    /// The chip did not answer correctly under the new keys.
    #[error("proof of presence under the Chip Authentication keys: {0}")]
    Presence(#[from] PresenceError),
    /// The chip could not be reached, or a protected answer did not check out under the
    /// BAC keys.
    #[error("{0}")]
    Read(#[from] ReadError),
}

/// A chip that proved possession of the private key of its DG14's Chip Authentication key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipAuthenticated {
    /// The protocol run.
    pub protocol: CaProtocol,
    /// The key id sent in `DO'84'` (`None`: DG14 names none).
    pub key_id: Option<u64>,
    /// How many bytes of EF.SOD the chip returned, under the new keys, equal to those read.
    pub bytes_read_back: usize,
}

impl std::fmt::Display for ChipAuthenticated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.protocol)?;
        if let Some(id) = self.key_id {
            write!(f, " (key id {id})")?;
        }
        write!(
            f,
            "; under the agreed keys the chip returned the first {} bytes of EF.SOD as read",
            self.bytes_read_back
        )
    }
}

impl<T: Transport> Terminal<T> {
    /// Chip Authentication v1 with the key of `dg14` (which the caller's Passive
    /// Authentication covered), on the session [`Terminal::read_document`] opened;
    /// `contents` is what that call returned. On success the session continues under the
    /// new keys; on failure it is closed.
    ///
    /// # Errors
    /// [`ChipAuthError`]: no session, a DG14 without a usable key, a refused command, an
    /// answer that does not check out, or bytes read back that differ.
    pub fn chip_authenticate(
        &mut self,
        dg14: PaCoveredDg14<'_>,
        contents: &ChipContents,
    ) -> Result<ChipAuthenticated, ChipAuthError> {
        let mut sm = self.session.take().ok_or(ChipAuthError::NoSession)?;
        let selection = ca::select(dg14, None)?;
        let key_id = selection.key_id;
        let mut terminal = CaTerminal::new(selection)?;
        while let Some(command) = terminal.next_command().cloned() {
            let answer = self.send_secure(&mut sm, &command)?;
            terminal.accept_response(&answer)?;
        }
        let protocol = terminal.protocol();
        let sm = terminal.finish()?;
        let expected = contents
            .sod
            .get(..contents.sod.len().min(MAX_PRESENCE_LEN))
            .unwrap_or_default();
        let mut proof = PresenceProof::new(sm, PROOF_FILE, 0, expected)?;
        while let Some(command) = proof.next_command()? {
            let answer = self.send(&command)?;
            proof.accept_response(&answer)?;
        }
        self.session = Some(proof.finish()?);
        Ok(ChipAuthenticated {
            protocol,
            key_id,
            bytes_read_back: expected.len(),
        })
    }
}
