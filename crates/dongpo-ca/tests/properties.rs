#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Property tests of what the CA writes: serial numbers encode to positive DER INTEGERs
//! of at most 20 octets and read back (DER and hex), and the passport-evidence extension
//! round-trips through DER for any values.

use der::{Decode, Encode};
use dongpo_ca::evidence::{Assurance, PassportEvidence};
use dongpo_ca::serial::Serial;
use dongpo_pki::time::UnixTime;
use proptest::prelude::*;
use x509_cert::serial_number::SerialNumber;

proptest! {
    #[test]
    fn serials_encode_positive_and_read_back(bytes in proptest::collection::vec(any::<u8>(), 0..=24)) {
        let Some(serial) = Serial::from_bytes(&bytes) else {
            // Refused: zero, or a magnitude over 20 octets.
            let start = bytes.iter().position(|&b| b != 0);
            prop_assert!(start.is_none_or(|s| bytes.len() - s > 20));
            return Ok(());
        };
        prop_assert_eq!(Serial::from_hex(&serial.to_hex()), Some(serial.clone()));
        prop_assert_eq!(Serial::from_hex(&serial.to_hex().to_uppercase()), Some(serial.clone()));
        match serial.to_x509() {
            Ok(x509) => {
                let der = x509.to_der().unwrap();
                let content: SerialNumber = SerialNumber::from_der(&der).unwrap();
                let content = content.as_bytes();
                // Positive: the first content octet has its top bit clear.
                prop_assert!(content[0] & 0x80 == 0);
                prop_assert!(content.len() <= 20);
                prop_assert_eq!(Serial::from_bytes(content), Some(serial));
            }
            // Only a 20-octet magnitude with its top bit set needs a 21st (sign) octet.
            Err(_) => prop_assert!(serial.as_bytes().len() == 20 && serial.as_bytes()[0] & 0x80 != 0),
        }
    }

    #[test]
    fn random_serials_are_valid(_round in 0..64u8) {
        let serial = Serial::random().unwrap();
        let x509 = serial.to_x509().unwrap();
        prop_assert!(x509.as_bytes().len() <= 20);
        prop_assert!(x509.as_bytes()[0] & 0x80 == 0);
    }

    #[test]
    fn passport_evidence_round_trips(
        hash in proptest::array::uniform32(any::<u8>()),
        active in any::<bool>(),
        letters in "[A-Z]{1,3}",
        at in 0u64..4_102_444_800,
        receipt in proptest::option::of("[a-zA-Z0-9_-]{1,40}"),
    ) {
        let assurance = if active {
            Assurance::PassiveAndActiveAuthentication
        } else {
            Assurance::PassiveAuthentication
        };
        // As the MRZ prints it: padded with fillers to three characters.
        let printed = format!("{letters:<<3}");
        let mut evidence = PassportEvidence::new(&hash, assurance, &printed, UnixTime(at)).unwrap();
        evidence.receipt = receipt.clone();
        let der = evidence.to_der().unwrap();
        let back = PassportEvidence::from_der(&der).unwrap();
        prop_assert_eq!(back.report_hash.as_bytes(), &hash[..]);
        prop_assert_eq!(back.assurance, assurance);
        prop_assert_eq!(back.issuing_state.as_str(), letters.as_str());
        prop_assert_eq!(back.verified_at.to_unix_duration().as_secs(), at);
        prop_assert_eq!(&back.receipt, &receipt);
        prop_assert_eq!(back.to_der().unwrap(), der);
    }
}
