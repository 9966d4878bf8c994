//! The app side of a server chip session (`POST /v1/chip-sessions`): the server is the
//! Chip Authentication terminal, this code only carries APDUs.
//!
//! [`relay`] reads the chip over BAC with the reference [`Terminal`], opens a session with
//! the files, sends the server's step-1 commands **inside** its own secure messaging
//! (protecting them and opening the answers), the step-2 commands **raw** (the server
//! protected them under the Chip Authentication keys, which this code never learns), and
//! returns the server's verification. The HTTP part is the caller's: it implements
//! [`ChipSessionServer`] (a bank app brings its own client; `dongpo chip relay` uses one
//! over `ureq`).

use crate::apdu::{ApduError, CommandApdu};
use crate::bac::MrzKey;
use crate::terminal::{ChipContents, ReadError, Terminal, Transport};

/// How the app must send a step's commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Inside the app's current BAC/PACE secure messaging (`"existing"`).
    Existing,
    /// As they are: already protected under the Chip Authentication keys
    /// (`"chip-authentication"`).
    ChipAuthentication,
}

impl Channel {
    /// The channel a session answer names (`"existing"`, `"chip-authentication"`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "existing" => Some(Channel::Existing),
            "chip-authentication" => Some(Channel::ChipAuthentication),
            _ => None,
        }
    }
}

/// What the server answered.
#[derive(Debug)]
pub enum SessionReply<V> {
    /// Commands for the chip, with the step number to answer as.
    Commands {
        /// The step the answers are posted as.
        step: u32,
        /// The APDUs, in order.
        commands: Vec<CommandApdu>,
        /// How to send them.
        channel: Channel,
    },
    /// The session ended with a verification.
    Done(V),
}

/// The server of a chip session, as the caller reaches it.
pub trait ChipSessionServer {
    /// The verification the server returns at the end.
    type Verification;
    /// The caller's error (HTTP, a problem document).
    type Error;
    /// `POST /v1/chip-sessions` with the files read (the implementation keeps the
    /// session id for [`ChipSessionServer::respond`]).
    ///
    /// # Errors
    /// The caller's.
    fn open(
        &mut self,
        contents: &ChipContents,
    ) -> Result<SessionReply<Self::Verification>, Self::Error>;
    /// `POST /v1/chip-sessions/{id}/responses` with the chip's answers (each data and
    /// SW1 SW2) to step `step`.
    ///
    /// # Errors
    /// The caller's.
    fn respond(
        &mut self,
        step: u32,
        answers: &[Vec<u8>],
    ) -> Result<SessionReply<Self::Verification>, Self::Error>;
}

/// Why a relay failed.
#[derive(Debug, thiserror::Error)]
pub enum RelayError<E> {
    /// The chip could not be read or reached.
    #[error("chip: {0}")]
    Chip(#[from] ReadError),
    /// The server refused or could not be reached.
    #[error("server: {0}")]
    Server(E),
    /// The server's answer does not fit the session protocol (e.g. a first answer that is
    /// not step 1 inside the existing channel).
    #[error("unexpected answer from the server: {0}")]
    Protocol(&'static str),
    /// A command could not be encoded.
    #[error("APDU: {0}")]
    Apdu(#[from] ApduError),
}

/// Steps of a session at most (two for Chip Authentication v1; a margin for later ones).
const MAX_STEPS: usize = 4;

/// Reads the chip with `key` over `transport` and relays a chip session with `server`;
/// returns the server's verification.
///
/// # Errors
/// [`RelayError`].
pub fn relay<T: Transport, S: ChipSessionServer>(
    transport: T,
    key: &MrzKey,
    server: &mut S,
) -> Result<S::Verification, RelayError<S::Error>> {
    let mut terminal = Terminal::new(transport);
    let mut sm = terminal.open_bac(key)?;
    let contents = terminal.read_files(&mut sm)?;
    let mut reply = server.open(&contents).map_err(RelayError::Server)?;
    for _ in 0..MAX_STEPS {
        let (step, commands, channel) = match reply {
            SessionReply::Done(verification) => return Ok(verification),
            SessionReply::Commands {
                step,
                commands,
                channel,
            } => (step, commands, channel),
        };
        let mut answers = Vec::with_capacity(commands.len());
        for command in &commands {
            let answer = match channel {
                Channel::Existing => terminal.send_secure(&mut sm, command)?,
                Channel::ChipAuthentication => terminal.send(command)?,
            };
            answers.push(answer.to_bytes());
        }
        reply = server.respond(step, &answers).map_err(RelayError::Server)?;
    }
    Err(RelayError::Protocol("the session did not end"))
}
