//! An independent reader reads the virtual chip: the `dmrtd` crate (crates.io; its own
//! BAC, secure messaging and file reading, which dongpo does not ship) through the TCP
//! framing of `dongpo testkit chip serve`, byte for byte.

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
