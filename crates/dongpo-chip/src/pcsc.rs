//! A chip behind a PC/SC reader (cargo feature `pcsc`; building it needs the PC/SC
//! headers, `libpcsclite-dev` on Debian, and running it a PC/SC service, `pcscd`).
//!
//! [`PcscTransport`] connects to a named reader, or to the first reader that holds a
//! card, in shared mode with T=0 or T=1 (whichever the card offers), and carries APDUs
//! with extended-length buffers. A `61XX` answer is completed with GET RESPONSE.
//!
//! This transport has not met real hardware in this project's tests: only its refusals
//! (no service, no such reader) are tested.

use std::ffi::{CStr, CString};

use pcsc::{Card, Context, Protocols, ReaderState, Scope, ShareMode, State};

use crate::terminal::{Transport, TransportError};

/// The largest response accepted: 65,536 bytes of data and SW1 SW2.
pub const MAX_RESPONSE: usize = 65_538;

/// Why a PC/SC reader could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PcscError {
    /// No PC/SC service (is `pcscd` running?).
    #[error("PC/SC: no service (is pcscd running?)")]
    Service(#[source] pcsc::Error),
    /// The readers could not be listed.
    #[error("PC/SC: the readers cannot be listed")]
    Readers(#[source] pcsc::Error),
    /// No reader is connected.
    #[error("PC/SC: no reader is connected")]
    NoReader,
    /// No reader has the name asked for (or several contain it).
    #[error("PC/SC: no single reader named {0:?}")]
    NoSuchReader(String),
    /// No reader holds a card.
    #[error("PC/SC: no reader holds a card")]
    NoCard,
    /// The card could not be connected.
    #[error("PC/SC: cannot connect to the card")]
    Connect(#[source] pcsc::Error),
    /// An APDU could not be carried.
    #[error("PC/SC: transmit failed")]
    Transmit(#[source] pcsc::Error),
    /// The card's answers to GET RESPONSE grew beyond [`MAX_RESPONSE`], or did not end.
    #[error("PC/SC: response longer than {MAX_RESPONSE} bytes")]
    TooLong,
}

impl From<PcscError> for TransportError {
    fn from(error: PcscError) -> Self {
        Self::Io(std::io::Error::other(error))
    }
}

/// A reader as PC/SC lists it, and whether it holds a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    /// The reader's name.
    pub name: CString,
    /// Whether a card is present.
    pub card_present: bool,
}

/// Lists the readers and whether each holds a card.
///
/// # Errors
/// [`PcscError::Service`] without a PC/SC service; [`PcscError::Readers`].
pub fn readers() -> Result<Vec<Reader>, PcscError> {
    let context = Context::establish(Scope::User).map_err(PcscError::Service)?;
    list(&context)
}

fn list(context: &Context) -> Result<Vec<Reader>, PcscError> {
    let names = match context.list_readers_owned() {
        Ok(names) => names,
        Err(pcsc::Error::NoReadersAvailable) => return Ok(Vec::new()),
        Err(e) => return Err(PcscError::Readers(e)),
    };
    let mut states: Vec<ReaderState> = names
        .into_iter()
        .map(|name| ReaderState::new(name, State::UNAWARE))
        .collect();
    context
        .get_status_change(std::time::Duration::ZERO, &mut states)
        .map_err(PcscError::Readers)?;
    Ok(states
        .iter()
        .map(|state| Reader {
            name: state.name().to_owned(),
            card_present: state.event_state().contains(State::PRESENT),
        })
        .collect())
}

/// Chooses a reader: the one named `wanted` (its exact name, or the only name that
/// contains it), or without a name the first that holds a card.
///
/// # Errors
/// [`PcscError::NoReader`], [`PcscError::NoSuchReader`], [`PcscError::NoCard`].
pub fn choose<'r>(readers: &'r [Reader], wanted: Option<&str>) -> Result<&'r CStr, PcscError> {
    if readers.is_empty() {
        return Err(PcscError::NoReader);
    }
    let Some(wanted) = wanted else {
        return readers
            .iter()
            .find(|r| r.card_present)
            .map(|r| r.name.as_c_str())
            .ok_or(PcscError::NoCard);
    };
    let name_of = |r: &Reader| r.name.to_string_lossy().into_owned();
    if let Some(exact) = readers.iter().find(|r| name_of(r) == wanted) {
        return Ok(exact.name.as_c_str());
    }
    let mut containing = readers.iter().filter(|r| name_of(r).contains(wanted));
    match (containing.next(), containing.next()) {
        (Some(only), None) => Ok(only.name.as_c_str()),
        _ => Err(PcscError::NoSuchReader(wanted.to_owned())),
    }
}

/// A chip in a PC/SC reader.
pub struct PcscTransport {
    card: Card,
    buffer: Vec<u8>,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscTransport").finish_non_exhaustive()
    }
}

impl PcscTransport {
    /// Connects to the reader named `reader` (see [`choose`]), or to the first reader
    /// holding a card, with T=0 or T=1.
    ///
    /// # Errors
    /// [`PcscError`] when there is no service, no such reader, no card, or the card
    /// does not answer.
    pub fn connect(reader: Option<&str>) -> Result<Self, PcscError> {
        let context = Context::establish(Scope::User).map_err(PcscError::Service)?;
        let readers = list(&context)?;
        let name = choose(&readers, reader)?;
        let card = context
            .connect(name, ShareMode::Shared, Protocols::ANY)
            .map_err(PcscError::Connect)?;
        Ok(Self {
            card,
            buffer: vec![0; MAX_RESPONSE],
        })
    }

    fn exchange(&mut self, apdu: &[u8]) -> Result<Vec<u8>, PcscError> {
        let answer = self
            .card
            .transmit(apdu, &mut self.buffer)
            .map_err(PcscError::Transmit)?;
        Ok(answer.to_vec())
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut answer = self.exchange(apdu)?;
        // 61XX: XX more bytes wait for GET RESPONSE (T=0 above all).
        // Bounded: a card answering `61XX` without data forever is refused too.
        let mut rounds = 0usize;
        while let [.., 0x61, more] = answer[..] {
            answer.truncate(answer.len().saturating_sub(2));
            let next = self.exchange(&[0x00, 0xC0, 0x00, 0x00, more])?;
            answer.extend_from_slice(&next);
            rounds += 1;
            if answer.len() > MAX_RESPONSE || rounds > MAX_RESPONSE / 256 + 1 {
                return Err(PcscError::TooLong.into());
            }
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(name: &str, card_present: bool) -> Reader {
        Reader {
            name: CString::new(name).unwrap_or_default(),
            card_present,
        }
    }

    #[test]
    fn chooses_the_first_reader_with_a_card() {
        let readers = [
            reader("A 00", false),
            reader("B 01", true),
            reader("C 02", true),
        ];
        assert_eq!(choose(&readers, None).ok(), Some(c"B 01"));
        let empty = [reader("A 00", false)];
        assert!(matches!(choose(&empty, None), Err(PcscError::NoCard)));
        assert!(matches!(choose(&[], None), Err(PcscError::NoReader)));
    }

    #[test]
    fn chooses_a_named_reader_exactly_or_by_a_unique_part() {
        let readers = [
            reader("ACS ACR122U 00", false),
            reader("ACS ACR122U 01", true),
            reader("Identiv uTrust 00", false),
        ];
        assert_eq!(
            choose(&readers, Some("ACS ACR122U 00")).ok(),
            Some(c"ACS ACR122U 00")
        );
        assert_eq!(
            choose(&readers, Some("uTrust")).ok(),
            Some(c"Identiv uTrust 00")
        );
        assert!(matches!(
            choose(&readers, Some("ACR122U")),
            Err(PcscError::NoSuchReader(_))
        ));
        assert!(matches!(
            choose(&readers, Some("Omnikey")),
            Err(PcscError::NoSuchReader(_))
        ));
    }

    #[test]
    fn an_absent_reader_is_a_typed_error() {
        // With no pcscd (as in CI) this is `Service`; with one, `NoReader` or `NoSuchReader`.
        let refused = PcscTransport::connect(Some("dongpo: no such reader"));
        assert!(matches!(
            refused,
            Err(PcscError::Service(_)
                | PcscError::Readers(_)
                | PcscError::NoReader
                | PcscError::NoSuchReader(_))
        ));
        let transport_error = TransportError::from(PcscError::NoCard);
        assert!(transport_error.to_string().starts_with("transport: "));
    }
}
