#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Property tests of what the CA writes: serial numbers encode to positive DER INTEGERs
//! of at most 20 octets and read back (DER and hex), the passport-evidence extension
//! round-trips through DER for any values, and every certificate issued (any EC profile,
//! key and time) is DER that re-encodes to the same bytes and reads back as issued.

mod common;

use std::sync::{Mutex, OnceLock};

use common::{NOW, applicant, csr, new_ca};
use der::{Decode, Encode};
use dongpo_ca::Ca;
use dongpo_ca::{Assurance, PassportEvidence};
use dongpo_crypto::{Curve, KeySpec, Verifier};
use dongpo_pki::Serial;
use dongpo_pki::time::UnixTime;
use dongpo_testkit::Variant;
use proptest::prelude::*;
use x509_cert::serial_number::SerialNumber;

/// One CA with the testkit applicant registered, shared by the cases.
fn shared_ca() -> &'static Mutex<Ca> {
    static CA: OnceLock<Mutex<Ca>> = OnceLock::new();
    CA.get_or_init(|| {
        let (_, mut ca) = new_ca("properties", None);
        ca.register(&applicant(Variant::Genuine, 1, NOW).identity, NOW)
            .unwrap();
        Mutex::new(ca)
    })
}

proptest! {
    #[test]
    fn serials_encode_positive_and_read_back(bytes in proptest::collection::vec(any::<u8>(), 0..=24)) {
        let Some(serial) = Serial::from_bytes(&bytes) else {
            // Refused: zero, or an INTEGER over 20 octets (a 20-octet magnitude with its top
            // bit set needs a 21st, sign, octet; issue #18 made `from_bytes` refuse it too).
            let start = bytes.iter().position(|&b| b != 0);
            let too_long = |s: usize| {
                bytes.len() - s > 20 || (bytes.len() - s == 20 && bytes[s] & 0x80 != 0)
            };
            prop_assert!(start.is_none_or(too_long));
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
            // `from_bytes` refuses every serial whose INTEGER would not fit in 20 octets.
            Err(e) => prop_assert!(false, "{e}"),
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
        level in 0usize..4,
        letters in "[A-Z]{1,3}",
        at in 0u64..4_102_444_800,
        receipt in proptest::option::of("[a-zA-Z0-9_-]{1,40}"),
    ) {
        let assurance = Assurance::ALL[level];
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn issued_certificates_round_trip(
        profile in prop_oneof![Just("shinhan"), Just("kb"), Just("woori"), Just("hana")],
        curve in prop_oneof![Just(Curve::P256), Just(Curve::P384)],
        key_seed in 1_000u64..1_000_000,
        after in 0u64..500,
    ) {
        let person = applicant(Variant::Genuine, 1, NOW);
        let mut ca = shared_ca().lock().unwrap();
        let now = UnixTime(NOW.0 + after);
        let Ok(approval) = ca.approve(
            &person.report,
            &person.dg1,
            person.rrn(),
            &csr(KeySpec::Ec(curve), key_seed),
            profile,
            now,
        ) else {
            // The profile does not take this curve: nothing to issue.
            return Ok(());
        };
        let issued = ca.issue(&approval, now).unwrap();
        let x509 = x509_cert::Certificate::from_der(&issued.der).unwrap();
        prop_assert_eq!(x509.to_der().unwrap(), issued.der.clone());

        let cert = dongpo_pki::Cert::parse(&issued.der).unwrap();
        prop_assert_eq!(Serial::from_hex(&cert.serial_hex()), Some(issued.serial.clone()));
        prop_assert_eq!(cert.not_before, now);
        let chain = ca.chain(profile).unwrap();
        let issuing = dongpo_pki::Cert::parse(&chain[0]).unwrap();
        prop_assert!(cert.verify_signed_by(&issuing.key, &Verifier::new()).is_ok());
        prop_assert_eq!(cert.issuer(), issuing.subject());
        let evidence = PassportEvidence::of_certificate(&issued.der).unwrap().unwrap();
        prop_assert_eq!(evidence.assurance, Assurance::PaAa);
        prop_assert_eq!(evidence.issuing_state.as_str(), "KOR");
        let stored = ca.issuer().store().certificate(issued.serial.as_bytes()).unwrap().unwrap();
        prop_assert_eq!(stored.cert.der, issued.der);
    }
}
