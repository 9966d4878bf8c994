#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Property tests: every OCSP request and response dongpo writes is DER that decodes and
//! re-encodes to the same bytes, and reads back to what was put in (CertIDs, nonce, each
//! certificate's state, times, reason) with the signature verifying.

mod ocsp_support;

use der::{Decode, Encode};
use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_pki::UnixTime;
use dongpo_revocation::ocsp::asn1::{OcspRequest, OcspResponse};
use dongpo_revocation::ocsp::{
    CertState, ResponseBuilder, Status, build_request, cert_id, parse_request, verify_responses,
};
use ocsp_support::{NOW, TestCa};
use proptest::prelude::*;
use x509_cert::ext::pkix::CrlReason;

const REASONS: [CrlReason; 9] = [
    CrlReason::Unspecified,
    CrlReason::KeyCompromise,
    CrlReason::CaCompromise,
    CrlReason::AffiliationChanged,
    CrlReason::Superseded,
    CrlReason::CessationOfOperation,
    CrlReason::CertificateHold,
    CrlReason::PrivilegeWithdrawn,
    CrlReason::AaCompromise,
];

/// A serial magnitude as the CA writes them (no leading zero octet, at most 20 octets).
fn serial() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 1..=20).prop_map(|mut s| {
        s[0] = (s[0] & 0x7f).max(1);
        s
    })
}

/// None is `unknown`.
fn state() -> impl Strategy<Value = Option<CertState>> {
    prop_oneof![
        Just(None),
        Just(Some(CertState::Good)),
        (
            1u64..=10 * 365 * 86_400,
            proptest::option::of(0usize..REASONS.len())
        )
            .prop_map(|(ago, reason)| Some(CertState::Revoked {
                at: UnixTime(NOW.0 - ago),
                reason: reason.map(|r| REASONS[r]),
            })),
    ]
}

fn hash() -> impl Strategy<Value = HashAlgorithm> {
    prop_oneof![
        Just(HashAlgorithm::Sha1),
        Just(HashAlgorithm::Sha256),
        Just(HashAlgorithm::Sha384),
        Just(HashAlgorithm::Sha512),
    ]
}

fn expected(state: Option<CertState>) -> Status {
    match state {
        None => Status::Unknown,
        Some(CertState::Good) => Status::Good,
        Some(CertState::Revoked { at, reason }) => Status::Revoked { at, reason },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn requests_round_trip(
        serials in proptest::collection::vec(serial(), 1..=5),
        hash in hash(),
        nonce in proptest::option::of(proptest::collection::vec(any::<u8>(), 1..=32)),
    ) {
        let ca = TestCa::new("CN=dongpo OCSP property CA,C=KR", NOW);
        let ids: Vec<_> = serials.iter().map(|s| cert_id(hash, &ca.cert, s).unwrap()).collect();
        let der = build_request(&ids, nonce.as_deref()).unwrap();
        prop_assert_eq!(OcspRequest::from_der(&der).unwrap().to_der().unwrap(), der.clone());
        let parsed = parse_request(&der).unwrap();
        prop_assert_eq!(&parsed.cert_ids, &ids);
        prop_assert_eq!(parsed.nonce.as_ref().map(|n| n.value().to_vec()), nonce);
        prop_assert!(!parsed.signed);
    }

    /// A serial with a redundant leading octet would make a request nobody can parse.
    #[test]
    fn cert_ids_refuse_non_minimal_serials(serial in serial(), high in any::<bool>()) {
        let ca = TestCa::new("CN=dongpo OCSP property CA,C=KR", NOW);
        let padded = if high {
            // A negative INTEGER with a redundant 0xff octet.
            [&[0xff, 0x80][..], &serial].concat()
        } else {
            [&[0x00][..], &serial].concat()
        };
        prop_assert!(cert_id(HashAlgorithm::Sha256, &ca.cert, &padded).is_err());
        prop_assert!(cert_id(HashAlgorithm::Sha256, &ca.cert, &[]).is_err());
    }

    #[test]
    fn responses_round_trip_and_verify(
        entries in proptest::collection::vec((serial(), state()), 1..=4),
        hash in hash(),
        validity in proptest::option::of(60u64..=7 * 86_400),
        nonce in proptest::option::of(proptest::collection::vec(any::<u8>(), 1..=32)),
    ) {
        let ca = TestCa::new("CN=dongpo OCSP property CA,C=KR", NOW);
        let mut builder = ResponseBuilder::new(NOW);
        let mut ids = Vec::new();
        for (serial, state) in &entries {
            let id = cert_id(hash, &ca.cert, serial).unwrap();
            builder = builder
                .single(id.clone(), *state, NOW, Some(UnixTime(NOW.0 + validity.unwrap_or(86_400))))
                .unwrap();
            ids.push(id);
        }
        if let Some(nonce) = &nonce {
            builder = builder
                .nonce_extn_value(&der::asn1::OctetString::new(nonce.clone()).unwrap().to_der().unwrap())
                .unwrap();
        }
        let der = builder.sign(&ca.signer()).unwrap();
        prop_assert_eq!(OcspResponse::from_der(&der).unwrap().to_der().unwrap(), der.clone());
        let request = parse_request(&build_request(&ids, nonce.as_deref()).unwrap()).unwrap();
        let statuses = verify_responses(
            &der,
            &request,
            &ca.cert,
            NOW,
            nonce.as_deref(),
            &Verifier::new(),
        )
        .unwrap();
        prop_assert_eq!(statuses.len(), entries.len());
        for (status, (_, state)) in statuses.iter().zip(&entries) {
            prop_assert_eq!(status.status, expected(*state));
            prop_assert_eq!(status.this_update, NOW);
            prop_assert_eq!(status.produced_at, NOW);
        }
    }
}
