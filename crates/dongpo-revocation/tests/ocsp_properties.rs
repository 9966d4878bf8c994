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

/// A serial magnitude as `Serial::random` draws them, with its top bit set (the INTEGER
/// needs a leading zero octet: `00 c0 ...`) or clear.
fn magnitude() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(any::<u8>(), 1..=16),
        any::<bool>(),
    )
        .prop_map(|(mut s, high)| {
            s[0] = if high {
                s[0] | 0x80
            } else {
                (s[0] & 0x7f).max(1)
            };
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Issue #18 finding 1: a certificate issued with a serial, asked about with the CertID
    /// its own serialNumber gives (as `openssl ocsp -cert` builds it), is answered `good`
    /// from the pre-signed cache with a CertID the client matches; after the revocation is
    /// recorded and the cache invalidated with the store's serial, every hash algorithm is
    /// answered `revoked` at once, from the cache.
    #[test]
    fn issued_then_revoked_serials_are_answered_revoked_at_once(magnitude in magnitude()) {
        use dongpo_pki::Serial;
        use dongpo_revocation::ocsp::serial_of;
        use dongpo_revocation::ocsp::{IssuerConfig, Responder};
        use ocsp_support::MapSource;
        use std::sync::Arc;

        let ca = TestCa::new("CN=dongpo OCSP serial CA,C=KR", NOW);
        // The store's serial, and the certificate issued with it.
        let stored = Serial::from_bytes(&magnitude).unwrap();
        let (leaf, _) = ca.leaf(&stored.to_integer());
        prop_assert_eq!(serial_of(&leaf), Some(stored.clone()));
        // The CertID a client builds from the certificate: its serialNumber verbatim.
        let wire = leaf.cert.tbs_certificate().serial_number().as_bytes().to_vec();
        prop_assert_eq!(wire[0] & 0x80, 0, "positive INTEGER");
        prop_assert_eq!(wire.len(), magnitude.len() + usize::from(magnitude[0] >= 0x80));

        let source = Arc::new(MapSource::default());
        let mut responder = Responder::new(Arc::clone(&source));
        let id = responder
            .add_issuer(IssuerConfig::new(ca.cert.clone(), ca.signer(), 86_400))
            .unwrap();
        source.set(&id, &wire, CertState::Good);
        // Issuance pre-signs (SHA-1 and SHA-256) with the store's serial.
        prop_assert_eq!(responder.presign(&id, [&stored], NOW).unwrap(), 2);
        let verifier = Verifier::new();
        let ask = |hash| {
            let cid = cert_id(hash, &ca.cert, &wire).unwrap();
            let request = build_request(std::slice::from_ref(&cid), None).unwrap();
            (cid, request)
        };
        for hash in [HashAlgorithm::Sha1, HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            let (cid, request) = ask(hash);
            // SHA-384 is not pre-signed: answered live once, then cached by the request.
            let answer = responder.respond(&request, NOW);
            let single = dongpo_revocation::ocsp::verify_response(
                &answer.der, &cid, &ca.cert, NOW, None, &verifier,
            )
            .unwrap();
            prop_assert_eq!(single.status, Status::Good);
            prop_assert!(responder.respond_cached(&request, NOW).is_some());
        }
        prop_assert_eq!(responder.cached_len(), 3);

        // The revocation: recorded in the source, the cache invalidated by the store's serial.
        let revoked = CertState::Revoked { at: NOW, reason: Some(CrlReason::KeyCompromise) };
        source.set(&id, &wire, revoked);
        responder.invalidate(&id, &stored, NOW).unwrap();
        for hash in [HashAlgorithm::Sha1, HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            let (cid, request) = ask(hash);
            let cached = responder.respond_cached(&request, NOW);
            prop_assert!(cached.is_some(), "{:?}: re-signed at invalidation", hash);
            for der in [cached.unwrap().der, responder.respond(&request, NOW).der] {
                let single = dongpo_revocation::ocsp::verify_response(
                    &der, &cid, &ca.cert, NOW, None, &verifier,
                )
                .unwrap();
                prop_assert_eq!(
                    single.status,
                    Status::Revoked { at: NOW, reason: Some(CrlReason::KeyCompromise) }
                );
            }
        }
    }
}
