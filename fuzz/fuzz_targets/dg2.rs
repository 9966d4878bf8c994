//! Hostile bytes into EF.DG2: as the whole file, and as the biometric data block of a
//! valid template (with and without the `FAC\0` marker) so that the ISO/IEC 19794-5
//! record parser is reached.
#![no_main]

use dongpo_icao::lds::Dg2;
use dongpo_icao::tlv::encode;
use libfuzzer_sys::fuzz_target;

fn wrap(bdb: &[u8]) -> Vec<u8> {
    let header = encode(
        &[0xA1],
        &[
            encode(&[0x81], &[0x02]),
            encode(&[0x87], &[0x01, 0x01]),
            encode(&[0x88], &[0x00, 0x08]),
        ]
        .concat(),
    );
    let template = encode(
        &[0x7F, 0x60],
        &[header, encode(&[0x5F, 0x2E], bdb)].concat(),
    );
    encode(
        &[0x75],
        &encode(&[0x7F, 0x61], &[encode(&[0x02], &[1]), template].concat()),
    )
}

fuzz_target!(|data: &[u8]| {
    if let Ok(dg2) = Dg2::parse(data) {
        for face in dg2.face_images() {
            assert!(face.data.len() <= data.len());
        }
    }
    let _ = Dg2::parse(&wrap(data));
    let mut fac = b"FAC\0010\0".to_vec();
    fac.extend_from_slice(data);
    let _ = Dg2::parse(&wrap(&fac));
});
