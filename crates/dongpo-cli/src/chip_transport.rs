//! `--chip`, one parser for `dongpo chip read` and `dongpo chip relay`: `tcp:HOST:PORT`
//! always, `pcsc` / `pcsc:READER` when built with the cargo feature `pcsc`.

use dongpo_chip::terminal::{TcpTransport, Transport, TransportError};

/// The refusal of `pcsc...` by a build without the feature.
#[cfg(not(feature = "pcsc"))]
pub const WITHOUT_PCSC: &str = "built without PC/SC: cargo build --features pcsc";

/// Where the chip is, as `--chip` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChipAddress {
    /// `tcp:HOST:PORT`: a chip behind 2-byte length framing.
    Tcp(String),
    /// `pcsc` (the first reader with a card) or `pcsc:READER`.
    #[cfg(feature = "pcsc")]
    Pcsc(Option<String>),
}

impl ChipAddress {
    /// Parses `--chip`.
    ///
    /// # Errors
    /// A message naming the accepted forms; `pcsc...` without the feature.
    pub fn parse(value: &str) -> Result<Self, String> {
        if let Some(address) = value.strip_prefix("tcp:") {
            if address.is_empty() {
                return Err(format!("--chip {value}: expected tcp:HOST:PORT"));
            }
            return Ok(Self::Tcp(address.to_owned()));
        }
        let reader = match value.strip_prefix("pcsc") {
            Some("") => None,
            Some(rest) => match rest.strip_prefix(':') {
                Some(name) if !name.is_empty() => Some(name),
                _ => return Err(format!("--chip {value}: expected {FORMS}")),
            },
            None => return Err(format!("--chip {value}: expected {FORMS}")),
        };
        pcsc_address(reader)
    }

    /// Connects to the chip.
    ///
    /// # Errors
    /// A message when the chip cannot be reached.
    pub fn connect(&self) -> Result<ChipTransport, String> {
        match self {
            Self::Tcp(address) => TcpTransport::connect(address)
                .map(ChipTransport::Tcp)
                .map_err(|e| format!("--chip: {e}")),
            #[cfg(feature = "pcsc")]
            Self::Pcsc(reader) => dongpo_chip::pcsc::PcscTransport::connect(reader.as_deref())
                .map(ChipTransport::Pcsc)
                .map_err(|e| format!("--chip: {e}")),
        }
    }
}

#[cfg(feature = "pcsc")]
const FORMS: &str = "tcp:HOST:PORT, pcsc or pcsc:READER";
#[cfg(not(feature = "pcsc"))]
const FORMS: &str = "tcp:HOST:PORT";

#[cfg(feature = "pcsc")]
fn pcsc_address(reader: Option<&str>) -> Result<ChipAddress, String> {
    Ok(ChipAddress::Pcsc(reader.map(str::to_owned)))
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_address(_reader: Option<&str>) -> Result<ChipAddress, String> {
    Err(WITHOUT_PCSC.to_owned())
}

/// A connected chip, whichever transport `--chip` chose.
#[derive(Debug)]
pub enum ChipTransport {
    /// Over TCP.
    Tcp(TcpTransport),
    /// In a PC/SC reader.
    #[cfg(feature = "pcsc")]
    Pcsc(dongpo_chip::pcsc::PcscTransport),
}

impl Transport for ChipTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            Self::Tcp(t) => t.transmit(apdu),
            #[cfg(feature = "pcsc")]
            Self::Pcsc(t) => t.transmit(apdu),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_is_always_accepted() {
        assert_eq!(
            ChipAddress::parse("tcp:127.0.0.1:7000"),
            Ok(ChipAddress::Tcp("127.0.0.1:7000".into()))
        );
        assert!(ChipAddress::parse("tcp:").is_err());
        let other = ChipAddress::parse("usb:0").err().unwrap_or_default();
        assert!(other.contains("expected tcp:HOST:PORT"), "{other}");
        assert!(ChipAddress::parse("pcscd").is_err());
        assert!(ChipAddress::parse("pcsc:").is_err());
    }

    #[cfg(not(feature = "pcsc"))]
    #[test]
    fn pcsc_is_refused_without_the_feature() {
        for value in ["pcsc", "pcsc:ACS ACR122U 00"] {
            assert_eq!(ChipAddress::parse(value), Err(WITHOUT_PCSC.to_owned()));
        }
    }

    #[cfg(feature = "pcsc")]
    #[test]
    fn pcsc_is_accepted_with_the_feature() {
        assert_eq!(ChipAddress::parse("pcsc"), Ok(ChipAddress::Pcsc(None)));
        assert_eq!(
            ChipAddress::parse("pcsc:ACS ACR122U 00"),
            Ok(ChipAddress::Pcsc(Some("ACS ACR122U 00".into())))
        );
        // No reader of that name here: a message, not a panic.
        let refused = ChipAddress::Pcsc(Some("dongpo: no such reader".into()))
            .connect()
            .err()
            .unwrap_or_default();
        assert!(refused.starts_with("--chip: PC/SC: "), "{refused}");
    }
}
