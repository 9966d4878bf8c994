//! An independent reader reads the virtual chip: the `dmrtd` crate (crates.io; its own
//! BAC, PACE, secure messaging and file reading, which dongpo does not ship) through the
//! TCP framing of `dongpo testkit chip serve`, byte for byte.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::{TcpListener, TcpStream};

use chrono::NaiveDate;
use dmrtd::com::{TransceiveError, Transceiver};
use dmrtd::lds::ef::ElementaryFile;
use dmrtd::passport::Passport as DmrtdPassport;
use dmrtd::proto::dba_key::DBAKey;
use dongpo_chip::terminal::{read_frame, write_frame};
use dongpo_testkit::chip::{ChipOptions, ChipVariant, VirtualChip, serve_connection};
use dongpo_testkit::{KeyStore, Profile, Variant};

/// dmrtd's transport: the 2-byte length framing over TCP.
struct Framed(TcpStream);

impl Transceiver for Framed {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransceiveError> {
        write_frame(&mut self.0, apdu).map_err(|e| TransceiveError::new(e.to_string()))?;
        read_frame(&mut self.0)
            .map_err(|e| TransceiveError::new(e.to_string()))?
            .ok_or_else(|| TransceiveError::new("connection closed"))
    }
}

fn date(iso: &str) -> NaiveDate {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d").unwrap()
}

/// dmrtd's own Active Authentication (INTERNAL AUTHENTICATE, verified with its DG15
/// code): the genuine chip passes, the clone fails.
#[test]
fn dmrtd_active_authentication_genuine_and_clone() {
    for profile in [Profile::Rsa2048, Profile::P256] {
        for variant in [ChipVariant::Genuine, ChipVariant::Clone] {
            let mut keys = KeyStore::default();
            let passport =
                dongpo_testkit::generate(profile, Variant::Genuine, 12, &mut keys).unwrap();
            let mut chip = VirtualChip::new(
                &passport,
                profile,
                12,
                &ChipOptions {
                    active_authentication: true,
                    variant,
                    chip_authentication: None,
                    pace: None,
                },
                &mut keys,
            )
            .unwrap();
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let address = listener.local_addr().unwrap();
            let server = std::thread::spawn(move || {
                let (mut stream, _) = listener.accept().unwrap();
                serve_connection(&mut chip, &mut stream).unwrap();
            });
            let identity: serde_json::Value =
                serde_json::from_slice(&passport.files["identity.json"]).unwrap();
            let key = DBAKey::new(
                identity["document_number"].as_str().unwrap(),
                date(identity["date_of_birth"].as_str().unwrap()),
                date(identity["date_of_expiry"].as_str().unwrap()),
                false,
            )
            .unwrap();
            let mut reader = DmrtdPassport::new(Framed(TcpStream::connect(address).unwrap()));
            reader.start_session(key).unwrap();
            let outcome = reader.verify_active_authentication(&[9, 8, 7, 6, 5, 4, 3, 2]);
            assert_eq!(
                outcome.is_ok(),
                variant == ChipVariant::Genuine,
                "{profile} {variant:?}: {outcome:?}"
            );
            drop(reader);
            server.join().unwrap();
        }
    }
}

#[test]
fn dmrtd_reads_dg1_sod_com_dg2_dg14_dg15_byte_for_byte() {
    for profile in [Profile::P256, Profile::Rsa2048] {
        let mut keys = KeyStore::default();
        let passport = dongpo_testkit::generate(profile, Variant::Genuine, 11, &mut keys).unwrap();
        let mut chip = VirtualChip::new(
            &passport,
            profile,
            11,
            &ChipOptions {
                active_authentication: true,
                variant: ChipVariant::Genuine,
                chip_authentication: None,
                pace: None,
            },
            &mut keys,
        )
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            serve_connection(&mut chip, &mut stream).unwrap();
        });

        let identity: serde_json::Value =
            serde_json::from_slice(&passport.files["identity.json"]).unwrap();
        let key = DBAKey::new(
            identity["document_number"].as_str().unwrap(),
            date(identity["date_of_birth"].as_str().unwrap()),
            date(identity["date_of_expiry"].as_str().unwrap()),
            false,
        )
        .unwrap();
        let mut reader = DmrtdPassport::new(Framed(TcpStream::connect(address).unwrap()));
        reader.start_session(key).unwrap();
        let file = |name: &str| passport.files[name].as_slice();
        assert_eq!(
            reader.read_ef_dg1().unwrap().to_bytes(),
            file("DG1.bin"),
            "{profile}"
        );
        assert_eq!(
            reader.read_ef_sod().unwrap().to_bytes(),
            file("EF_SOD.bin"),
            "{profile}"
        );
        assert_eq!(
            reader.read_ef_com().unwrap().to_bytes(),
            file("EF_COM.bin"),
            "{profile}"
        );
        assert_eq!(
            reader.read_ef_dg2().unwrap().to_bytes(),
            file("DG2.bin"),
            "{profile}"
        );
        assert_eq!(
            reader.read_ef_dg14().unwrap().to_bytes(),
            file("DG14.bin"),
            "{profile}"
        );
        assert_eq!(
            reader.read_ef_dg15().unwrap().to_bytes(),
            file("DG15.bin"),
            "{profile}"
        );
        drop(reader);
        server.join().unwrap();
    }
}

/// dmrtd's own PACE (EF.CardAccess read in the clear, ECDH generic mapping on P-256 with
/// AES-128, then AES secure messaging) opens a chip offering PACE and reads its files.
#[test]
fn dmrtd_reads_a_pace_chip() {
    let profile = Profile::P256;
    let options = ChipOptions {
        active_authentication: false,
        variant: ChipVariant::Genuine,
        chip_authentication: None,
        pace: Some(dongpo_crypto::Curve::P256),
    };
    let mut keys = KeyStore::default();
    let passport =
        dongpo_testkit::chip_document::passport(profile, 13, &options, &mut keys).unwrap();
    let mut chip = VirtualChip::new(&passport, profile, 13, &options, &mut keys).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        serve_connection(&mut chip, &mut stream).unwrap();
    });
    let identity: serde_json::Value =
        serde_json::from_slice(&passport.files["identity.json"]).unwrap();
    let key = DBAKey::new(
        identity["document_number"].as_str().unwrap(),
        date(identity["date_of_birth"].as_str().unwrap()),
        date(identity["date_of_expiry"].as_str().unwrap()),
        true,
    )
    .unwrap();
    let mut reader = DmrtdPassport::new(Framed(TcpStream::connect(address).unwrap()));
    let card_access = reader.read_ef_card_access().unwrap();
    assert_eq!(
        card_access.to_bytes(),
        passport.files["EF_CardAccess.bin"].as_slice()
    );
    reader.start_session_pace(key, &card_access).unwrap();
    let file = |name: &str| passport.files[name].as_slice();
    assert_eq!(reader.read_ef_dg1().unwrap().to_bytes(), file("DG1.bin"));
    assert_eq!(reader.read_ef_sod().unwrap().to_bytes(), file("EF_SOD.bin"));
    assert_eq!(reader.read_ef_dg2().unwrap().to_bytes(), file("DG2.bin"));
    drop(reader);
    server.join().unwrap();
}
