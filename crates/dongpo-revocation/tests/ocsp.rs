#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! OCSP: requests, GET decoding, the responder (statuses, issuers, nonces, delegation,
//! cache) and client verification.

mod ocsp_support;

use std::sync::Arc;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use dongpo_crypto::x509::SharedSigner;
use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_pki::Serial;
use dongpo_pki::UnixTime;
use dongpo_revocation::ocsp::asn1::{
    ID_PKIX_OCSP_NONCE, OcspRequest, OcspResponse, Request, ResponderId, Signature, TbsRequest,
    Version,
};
use dongpo_revocation::ocsp::nonce_extension;
use dongpo_revocation::ocsp::serial_of;
use dongpo_revocation::ocsp::{
    CertId, CertState, IssuerConfig, IssuerId, NoncePolicy, OcspError, OcspResponseStatus,
    Responder, ResponseBuilder, SignedBy, Status, build_request, cert_id, decode_get_path,
    error_response, parse_request, parse_response, verify_response, verify_responses,
};
use ocsp_support::{ALG, MapSource, NOW, TestCa};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::CrlReason;

const DAY: u64 = 86_400;

struct Fixture {
    ca: TestCa,
    source: Arc<MapSource>,
    responder: Responder<Arc<MapSource>>,
    id: IssuerId,
}

fn fixture(policy: NoncePolicy) -> Fixture {
    let ca = TestCa::new("CN=dongpo Test OCSP CA,O=dongpo test,C=KR", NOW);
    let source = Arc::new(MapSource::default());
    let mut responder = Responder::new(Arc::clone(&source));
    let config = IssuerConfig::new(ca.cert.clone(), ca.signer(), DAY).nonce_policy(policy);
    let id = responder.add_issuer(config).unwrap();
    Fixture {
        ca,
        source,
        responder,
        id,
    }
}

fn request_for(
    ca: &TestCa,
    serial: &[u8],
    hash: HashAlgorithm,
    nonce: Option<&[u8]>,
) -> (CertId, Vec<u8>) {
    let id = cert_id(hash, &ca.cert, serial).unwrap();
    let der = build_request(std::slice::from_ref(&id), nonce).unwrap();
    (id, der)
}

#[test]
fn requests_round_trip_with_several_cert_ids_and_a_nonce() {
    let ca = TestCa::new("CN=Round Trip CA,C=KR", NOW);
    let ids: Vec<_> = [&[1u8][..], &[0x80, 1], &[2; 20]]
        .iter()
        .map(|s| cert_id(HashAlgorithm::Sha256, &ca.cert, s).unwrap())
        .collect();
    let der = build_request(&ids, Some(&[7; 32])).unwrap();
    let parsed = parse_request(&der).unwrap();
    assert_eq!(parsed.cert_ids, ids);
    assert_eq!(parsed.nonce.as_ref().unwrap().value(), &[7; 32]);
    assert!(parsed.nonce.as_ref().unwrap().is_wrapped());
    assert!(!parsed.signed);
    // Serials are INTEGER content bytes as found in the certificate: a leading zero
    // octet stays, and so does a (legacy) negative serial.
    assert_eq!(parsed.cert_ids[1].serial_number.as_bytes(), &[0x80, 1]);
    let positive = cert_id(HashAlgorithm::Sha1, &ca.cert, &[0, 0x80, 1]).unwrap();
    assert_eq!(positive.serial_number.as_bytes(), &[0, 0x80, 1]);
    // SHA-1 CertIDs carry NULL parameters (as OpenSSL writes them), SHA-2 none.
    let sha1 = cert_id(HashAlgorithm::Sha1, &ca.cert, &[1]).unwrap();
    assert!(sha1.hash_algorithm.parameters.is_some());
    assert!(ids[0].hash_algorithm.parameters.is_none());
    assert_eq!(sha1.issuer_key_hash.as_bytes().len(), 20);
    assert!(matches!(
        build_request(&[], None).map(|d| parse_request(&d)),
        Ok(Err(OcspError::MalformedRequest(_)))
    ));
}

/// A request whose base64 holds '+', '/' and '=': the characters GET paths mangle.
fn awkward_request(ca: &TestCa) -> (Vec<u8>, String) {
    for n in 1u8..=255 {
        let nonce = vec![n; 1 + usize::from(n % 3)];
        let (_, der) = request_for(ca, &[n & 0x7f, n], HashAlgorithm::Sha1, Some(&nonce));
        let b64 = Base64::encode_string(&der);
        if b64.contains('+') && b64.contains('/') && b64.ends_with('=') {
            return (der, b64);
        }
    }
    panic!("no request with +, / and = in its base64");
}

#[test]
fn get_paths_decode_despite_every_known_mangling() {
    let ca = TestCa::new("CN=GET CA,C=KR", NOW);
    let (der, b64) = awkward_request(&ca);
    let url_escaped = b64
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let cases = [
        b64.clone(),
        format!("/{b64}"),
        format!("//{b64}"),
        url_escaped.clone(),
        b64.replace('+', "%2b")
            .replace('/', "%2f")
            .replace('=', "%3d"),
        Base64UrlUnpadded::encode_string(&der),
        b64.trim_end_matches('=').to_string(),
        b64.replace('+', " "),
        format!("{}\r\n{}", &b64[..10], &b64[10..]),
        format!("{b64}/"),
    ];
    for case in &cases {
        assert_eq!(decode_get_path(case).as_ref(), Ok(&der), "{case}");
    }
    for garbage in [
        "", "/", "%", "%zz", "%4", "!!!!", "MEow*", "A===", "ab=cd", "日本",
    ] {
        assert!(
            matches!(decode_get_path(garbage), Err(OcspError::GetPath(_))),
            "{garbage:?} decoded"
        );
    }
    assert!(decode_get_path(&"A".repeat(5000)).is_err());

    let f = fixture(NoncePolicy::Ignore);
    let serial = [0x42u8];
    f.source.set(&f.id, &serial, CertState::Good);
    let (_, der) = request_for(&f.ca, &serial, HashAlgorithm::Sha1, None);
    let path = format!("/{}", Base64::encode_string(&der).replace('/', "%2F"));
    let outcome = f.responder.respond_get(&path, NOW);
    assert_eq!(outcome.status, OcspResponseStatus::Successful);
    // Decodable base64 that is not a request: malformedRequest, not a crash.
    assert_eq!(
        f.responder.respond_get("AAAA", NOW).status,
        OcspResponseStatus::MalformedRequest
    );
    assert_eq!(
        f.responder.respond_get("%%%", NOW).status,
        OcspResponseStatus::MalformedRequest
    );
}

#[test]
fn good_revoked_and_never_issued_are_answered_and_verified() {
    let f = fixture(NoncePolicy::Ignore);
    let verifier = Verifier::new();
    let revoked_at = UnixTime(NOW.0 - 3600);
    f.source.set(&f.id, &[0x10], CertState::Good);
    f.source.set(
        &f.id,
        &[0x11],
        CertState::Revoked {
            at: revoked_at,
            reason: Some(CrlReason::KeyCompromise),
        },
    );
    let cases = [
        (&[0x10u8][..], Status::Good),
        (
            &[0x11],
            Status::Revoked {
                at: revoked_at,
                reason: Some(CrlReason::KeyCompromise),
            },
        ),
        (&[0x12], Status::Unknown),
    ];
    for hash in [
        HashAlgorithm::Sha1,
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
    ] {
        for (serial, expected) in &cases {
            let (id, der) = request_for(&f.ca, serial, hash, None);
            let outcome = f.responder.respond(&der, NOW);
            assert_eq!(outcome.status, OcspResponseStatus::Successful);
            let single =
                verify_response(&outcome.der, &id, &f.ca.cert, NOW, None, &verifier).unwrap();
            assert_eq!(single.status, *expected, "{hash} {serial:?}");
            assert_eq!(single.signed_by, SignedBy::Issuer);
            assert_eq!(single.this_update, NOW);
            assert_eq!(single.next_update, Some(UnixTime(NOW.0 + DAY)));
            assert_eq!(single.produced_at, NOW);
            // `unknown` is never cached: the serial may be issued any moment.
            assert_eq!(outcome.cacheable, *expected != Status::Unknown);
            if outcome.cacheable {
                assert_eq!(outcome.max_age, DAY);
                assert!(outcome.etag.unwrap().to_string().starts_with('"'));
            }
        }
    }
}

#[test]
fn responses_encode_responder_id_by_key_and_times_without_fractions() {
    let f = fixture(NoncePolicy::Ignore);
    f.source.set(&f.id, &[5], CertState::Good);
    let (_, der) = request_for(&f.ca, &[5], HashAlgorithm::Sha1, None);
    let parsed = parse_response(&f.responder.respond(&der, NOW).der).unwrap();
    let data = &parsed.basic.tbs_response_data;
    let key =
        f.ca.cert
            .cert
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes();
    assert_eq!(
        data.responder_id,
        ResponderId::ByKey(OctetString::new(HashAlgorithm::Sha1.digest(key)).unwrap())
    );
    // producedAt: GeneralizedTime "20260601000000Z", 15 octets, no fraction.
    let produced = data.produced_at.to_der().unwrap();
    assert_eq!(&produced[..2], &[0x18, 15]);
    assert_eq!(&produced[2..], b"20260601000000Z");
    // byName is [1] EXPLICIT Name: a constructed [1] wrapping the Name SEQUENCE.
    let by_name = ResponderId::ByName(f.ca.cert.cert.tbs_certificate().subject().clone());
    let enc = by_name.to_der().unwrap();
    assert_eq!(enc[0], 0xa1);
    assert_eq!(enc[2], 0x30);
}

#[test]
fn responder_id_by_name_verifies_too() {
    let f = fixture(NoncePolicy::Ignore);
    let id = cert_id(HashAlgorithm::Sha1, &f.ca.cert, &[9]).unwrap();
    let der = ResponseBuilder::new(NOW)
        .responder_name(f.ca.cert.cert.tbs_certificate().subject().clone())
        .single(
            id.clone(),
            Some(CertState::Good),
            NOW,
            Some(UnixTime(NOW.0 + 60)),
        )
        .unwrap()
        .sign(&f.ca.signer())
        .unwrap();
    let single = verify_response(&der, &id, &f.ca.cert, NOW, None, &Verifier::new()).unwrap();
    assert_eq!(single.status, Status::Good);
}

#[test]
fn foreign_issuers_get_unauthorized() {
    let f = fixture(NoncePolicy::Ignore);
    let other = TestCa::new("CN=Somebody Else CA,C=JP", NOW);
    let (id, der) = request_for(&other, &[1], HashAlgorithm::Sha1, None);
    let outcome = f.responder.respond(&der, NOW);
    assert_eq!(outcome.status, OcspResponseStatus::Unauthorized);
    assert!(!outcome.cacheable);
    assert_eq!(
        verify_response(&outcome.der, &id, &other.cert, NOW, None, &Verifier::new()),
        Err(OcspError::Status(OcspResponseStatus::Unauthorized))
    );
    // Same name, different key: still foreign (the key hash differs).
    let twin = TestCa::new("CN=dongpo Test OCSP CA,O=dongpo test,C=KR", NOW);
    let (_, der) = request_for(&twin, &[1], HashAlgorithm::Sha256, None);
    assert_eq!(
        f.responder.respond(&der, NOW).status,
        OcspResponseStatus::Unauthorized
    );
}

#[test]
fn ignore_policy_answers_from_cache_without_the_nonce() {
    let f = fixture(NoncePolicy::Ignore);
    let verifier = Verifier::new();
    f.source.set(&f.id, &[3], CertState::Good);
    let nonce = [0xa5; 32];
    let (id, der) = request_for(&f.ca, &[3], HashAlgorithm::Sha1, Some(&nonce));
    let first = f.responder.respond(&der, NOW);
    let second = f.responder.respond(&der, NOW);
    assert!(first.cacheable);
    assert_eq!(first.der, second.der, "same pre-signed bytes");
    assert_eq!(
        verify_response(&first.der, &id, &f.ca.cert, NOW, Some(&nonce), &verifier),
        Err(OcspError::NonceMissing)
    );
    assert!(verify_response(&first.der, &id, &f.ca.cert, NOW, None, &verifier).is_ok());
    // Oversized nonces are ignored, not refused, under this policy.
    let (_, der) = request_for(&f.ca, &[3], HashAlgorithm::Sha1, Some(&[1; 200]));
    assert_eq!(
        f.responder.respond(&der, NOW).status,
        OcspResponseStatus::Successful
    );
}

#[test]
fn echo_policy_signs_live_and_enforces_rfc8954_lengths() {
    let f = fixture(NoncePolicy::echo());
    let verifier = Verifier::new();
    f.source.set(&f.id, &[3], CertState::Good);
    for len in [1usize, 16, 32] {
        let nonce = vec![0x5a; len];
        let (id, der) = request_for(&f.ca, &[3], HashAlgorithm::Sha1, Some(&nonce));
        let outcome = f.responder.respond(&der, NOW);
        assert!(!outcome.cacheable);
        assert_eq!(outcome.max_age, 0);
        let ok = verify_response(&outcome.der, &id, &f.ca.cert, NOW, Some(&nonce), &verifier);
        assert_eq!(ok.unwrap().status, Status::Good);
        assert!(matches!(
            verify_response(
                &outcome.der,
                &id,
                &f.ca.cert,
                NOW,
                Some(&[0; 16]),
                &verifier
            ),
            Err(OcspError::NonceMismatch { .. })
        ));
    }
    // RFC 8954 §2.1: 0 or more than 32 octets -> malformedRequest.
    for len in [0usize, 33, 128] {
        let (_, der) = request_for(&f.ca, &[3], HashAlgorithm::Sha1, Some(&vec![1; len]));
        assert_eq!(
            f.responder.respond(&der, NOW).status,
            OcspResponseStatus::MalformedRequest,
            "nonce of {len}"
        );
    }
    // Without a nonce the cache still serves.
    let (_, der) = request_for(&f.ca, &[3], HashAlgorithm::Sha1, None);
    assert!(f.responder.respond(&der, NOW).cacheable);

    // RFC 9654 raises the limit to 128.
    let ca = TestCa::new("CN=RFC 9654 CA,C=KR", NOW);
    let source = Arc::new(MapSource::default());
    let mut responder = Responder::new(Arc::clone(&source));
    let policy = NoncePolicy::Echo {
        max_len: NoncePolicy::RFC9654_MAX_NONCE,
    };
    let issuer = responder
        .add_issuer(IssuerConfig::new(ca.cert.clone(), ca.signer(), DAY).nonce_policy(policy))
        .unwrap();
    source.set(&issuer, &[3], CertState::Good);
    let (id, der) = request_for(&ca, &[3], HashAlgorithm::Sha1, Some(&[9; 128]));
    let outcome = responder.respond(&der, NOW);
    assert!(verify_response(&outcome.der, &id, &ca.cert, NOW, Some(&[9; 128]), &verifier).is_ok());
    let (_, der) = request_for(&ca, &[3], HashAlgorithm::Sha1, Some(&[9; 129]));
    assert_eq!(
        responder.respond(&der, NOW).status,
        OcspResponseStatus::MalformedRequest
    );
}

/// Builds a request by hand, to place or wrap the nonce the way broken clients do.
fn request_with_extensions(
    id: &CertId,
    request_extensions: Option<Vec<Extension>>,
    single_extensions: Option<Vec<Extension>>,
) -> Vec<u8> {
    OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: id.clone(),
                single_request_extensions: single_extensions,
            }],
            request_extensions,
        },
        optional_signature: None,
    }
    .to_der()
    .unwrap()
}

#[test]
fn misplaced_and_single_wrapped_nonces_are_echoed_as_sent() {
    let f = fixture(NoncePolicy::echo());
    let verifier = Verifier::new();
    f.source.set(&f.id, &[4], CertState::Good);
    let id = cert_id(HashAlgorithm::Sha1, &f.ca.cert, &[4]).unwrap();
    let nonce = [0x33; 20];
    // In singleRequestExtensions (keycloak#26439).
    let der = request_with_extensions(&id, None, Some(vec![nonce_extension(&nonce).unwrap()]));
    let outcome = f.responder.respond(&der, NOW);
    assert!(verify_response(&outcome.der, &id, &f.ca.cert, NOW, Some(&nonce), &verifier).is_ok());
    // Raw nonce in extnValue, no OCTET STRING wrapper (pre-RFC 6960 clients).
    let raw = Extension {
        extn_id: ID_PKIX_OCSP_NONCE,
        critical: false,
        extn_value: OctetString::new(nonce.to_vec()).unwrap(),
    };
    let der = request_with_extensions(&id, Some(vec![raw]), None);
    let parsed = parse_request(&der).unwrap();
    assert!(!parsed.nonce.as_ref().unwrap().is_wrapped());
    let outcome = f.responder.respond(&der, NOW);
    let echoed = parse_response(&outcome.der).unwrap();
    let ext = &echoed.basic.tbs_response_data.response_extensions.unwrap()[0];
    assert_eq!(ext.extn_value.as_bytes(), &nonce, "echoed verbatim");
    assert!(verify_response(&outcome.der, &id, &f.ca.cert, NOW, Some(&nonce), &verifier).is_ok());
    // Two nonces: malformed.
    let two = vec![
        nonce_extension(&nonce).unwrap(),
        nonce_extension(&nonce).unwrap(),
    ];
    let der = request_with_extensions(&id, Some(two), None);
    assert_eq!(
        f.responder.respond(&der, NOW).status,
        OcspResponseStatus::MalformedRequest
    );
}

#[test]
fn signed_requests_are_accepted_without_checking_the_signature() {
    let f = fixture(NoncePolicy::Ignore);
    f.source.set(&f.id, &[6], CertState::Good);
    let id = cert_id(HashAlgorithm::Sha1, &f.ca.cert, &[6]).unwrap();
    let mut request =
        OcspRequest::from_der(&build_request(std::slice::from_ref(&id), None).unwrap()).unwrap();
    request.optional_signature = Some(Signature {
        signature_algorithm: ALG.to_identifier(),
        signature: BitString::from_bytes(&[0xde, 0xad]).unwrap(),
        certs: None,
    });
    let der = request.to_der().unwrap();
    assert!(parse_request(&der).unwrap().signed);
    let outcome = f.responder.respond(&der, NOW);
    let single = verify_response(&outcome.der, &id, &f.ca.cert, NOW, None, &Verifier::new());
    assert_eq!(single.unwrap().status, Status::Good);
}

#[test]
fn delegated_responders_are_checked_on_both_sides() {
    let ca = TestCa::new("CN=Delegating CA,C=KR", NOW);
    let verifier = Verifier::new();
    let (delegate, delegate_key) = ca.responder(true, ca.not_before, UnixTime(NOW.0 + 30 * DAY));
    let source = Arc::new(MapSource::default());
    let mut responder = Responder::new(Arc::clone(&source));
    let signer = SharedSigner::new(delegate_key.clone(), ALG);
    let issuer = responder
        .add_issuer(IssuerConfig::delegated(
            ca.cert.clone(),
            delegate.clone(),
            signer,
            DAY,
        ))
        .unwrap();
    let revoked_at = UnixTime(NOW.0 - 10);
    source.set(
        &issuer,
        &[8],
        CertState::Revoked {
            at: revoked_at,
            reason: None,
        },
    );
    let (id, der) = request_for(&ca, &[8], HashAlgorithm::Sha256, None);
    let outcome = responder.respond(&der, NOW);
    let single = verify_response(&outcome.der, &id, &ca.cert, NOW, None, &verifier).unwrap();
    assert_eq!(
        single.signed_by,
        SignedBy::Delegate {
            subject: delegate.subject()
        }
    );
    assert_eq!(
        single.status,
        Status::Revoked {
            at: revoked_at,
            reason: None
        }
    );
    // The response is fresh for a day but the delegate expires in 30: check at +31 days
    // against a response produced then.
    let later = UnixTime(NOW.0 + 31 * DAY);
    let outcome = responder.respond(&der, later);
    assert!(matches!(
        verify_response(&outcome.der, &id, &ca.cert, later, None, &verifier),
        Err(OcspError::UnauthorisedResponder(_))
    ));

    // Configuration refuses a certificate without id-kp-OCSPSigning, a key that is not
    // the certificate's, and a "delegate" from another CA.
    let (no_eku, no_eku_key) = ca.responder(false, ca.not_before, ca.not_after);
    let mut r = Responder::new(Arc::clone(&source));
    let err = r
        .add_issuer(IssuerConfig::delegated(
            ca.cert.clone(),
            no_eku,
            SharedSigner::new(no_eku_key, ALG),
            DAY,
        ))
        .unwrap_err();
    assert!(err.to_string().contains("OCSPSigning"), "{err}");
    let err = r
        .add_issuer(IssuerConfig::delegated(
            ca.cert.clone(),
            delegate.clone(),
            ca.signer(),
            DAY,
        ))
        .unwrap_err();
    assert!(err.to_string().contains("signer key"), "{err}");
    let other = TestCa::new("CN=Delegating CA,C=KR", NOW);
    let (foreign, foreign_key) = other.responder(true, other.not_before, other.not_after);
    let err = r
        .add_issuer(IssuerConfig::delegated(
            ca.cert.clone(),
            foreign.clone(),
            SharedSigner::new(foreign_key.clone(), ALG),
            DAY,
        ))
        .unwrap_err();
    assert!(err.to_string().contains("signature by the issuer"), "{err}");
    let err = r
        .add_issuer(IssuerConfig::new(ca.cert.clone(), other.signer(), DAY))
        .unwrap_err();
    assert!(matches!(err, OcspError::Config(_)), "{err}");

    // A client refuses a response signed by a same-named CA's delegate, and one signed by
    // a certificate without the EKU.
    let forged = ResponseBuilder::new(NOW)
        .single(
            id.clone(),
            Some(CertState::Good),
            NOW,
            Some(UnixTime(NOW.0 + 60)),
        )
        .unwrap()
        .certificate(foreign.cert.clone())
        .sign(&SharedSigner::new(foreign_key, ALG))
        .unwrap();
    assert!(matches!(
        verify_response(&forged, &id, &ca.cert, NOW, None, &verifier),
        Err(OcspError::UnauthorisedResponder(m)) if m.contains("not signed by the issuer")
    ));
    let (no_eku, no_eku_key) = ca.responder(false, ca.not_before, ca.not_after);
    let forged = ResponseBuilder::new(NOW)
        .single(
            id.clone(),
            Some(CertState::Good),
            NOW,
            Some(UnixTime(NOW.0 + 60)),
        )
        .unwrap()
        .certificate(no_eku.cert.clone())
        .sign(&SharedSigner::new(no_eku_key, ALG))
        .unwrap();
    assert!(matches!(
        verify_response(&forged, &id, &ca.cert, NOW, None, &verifier),
        Err(OcspError::UnauthorisedResponder(m)) if m.contains("OCSPSigning")
    ));
    // No certificate at all for a responder ID that is not the issuer.
    let forged = ResponseBuilder::new(NOW)
        .single(
            id.clone(),
            Some(CertState::Good),
            NOW,
            Some(UnixTime(NOW.0 + 60)),
        )
        .unwrap()
        .sign(&SharedSigner::new(delegate_key, ALG))
        .unwrap();
    assert!(matches!(
        verify_response(&forged, &id, &ca.cert, NOW, None, &verifier),
        Err(OcspError::UnauthorisedResponder(_))
    ));
}

#[test]
fn client_refuses_tampered_stale_and_mismatched_responses() {
    let f = fixture(NoncePolicy::Ignore);
    let verifier = Verifier::new();
    f.source.set(&f.id, &[1], CertState::Good);
    let (id, der) = request_for(&f.ca, &[1], HashAlgorithm::Sha1, None);
    let good = f.responder.respond(&der, NOW).der.to_vec();
    assert!(verify_response(&good, &id, &f.ca.cert, NOW, None, &verifier).is_ok());
    // Within the skew before thisUpdate, and at nextUpdate exactly: fresh.
    assert!(
        verify_response(
            &good,
            &id,
            &f.ca.cert,
            UnixTime(NOW.0 - 299),
            None,
            &verifier
        )
        .is_ok()
    );
    assert!(
        verify_response(
            &good,
            &id,
            &f.ca.cert,
            UnixTime(NOW.0 + DAY),
            None,
            &verifier
        )
        .is_ok()
    );
    for at in [UnixTime(NOW.0 - 301), UnixTime(NOW.0 + DAY + 1)] {
        assert!(matches!(
            verify_response(&good, &id, &f.ca.cert, at, None, &verifier),
            Err(OcspError::Stale { .. })
        ));
    }
    // Flip a byte of the signed serial: the signature breaks (or the CertID no longer
    // matches); never accepted.
    let serial_at = good
        .windows(3)
        .rposition(|w| w == [0x02, 0x01, 0x01])
        .unwrap()
        + 2;
    let mut tampered = good.clone();
    tampered[serial_at] ^= 0x02;
    assert!(verify_response(&tampered, &id, &f.ca.cert, NOW, None, &verifier).is_err());
    // The wrong serial, the wrong issuer.
    let other_id = cert_id(HashAlgorithm::Sha1, &f.ca.cert, &[2]).unwrap();
    assert!(matches!(
        verify_response(&good, &other_id, &f.ca.cert, NOW, None, &verifier),
        Err(OcspError::CertIdMismatch(_))
    ));
    let other = TestCa::new("CN=Other,C=KR", NOW);
    assert!(matches!(
        verify_response(&good, &id, &other.cert, NOW, None, &verifier),
        Err(OcspError::WrongIssuer(_))
    ));
    // No nextUpdate: freshness unknowable, refused.
    let der = ResponseBuilder::new(NOW)
        .single(id.clone(), Some(CertState::Good), NOW, None)
        .unwrap()
        .sign(&f.ca.signer())
        .unwrap();
    assert!(matches!(
        verify_response(&der, &id, &f.ca.cert, NOW, None, &verifier),
        Err(OcspError::Stale { next_update, .. }) if next_update.is_none()
    ));
    // An unknown critical response extension.
    let der = ResponseBuilder::new(NOW)
        .single(
            id.clone(),
            Some(CertState::Good),
            NOW,
            Some(UnixTime(NOW.0 + 60)),
        )
        .unwrap()
        .extension(Extension {
            extn_id: der::asn1::ObjectIdentifier::new_unwrap("1.2.3.4"),
            critical: true,
            extn_value: OctetString::new(vec![5, 0]).unwrap(),
        })
        .sign(&f.ca.signer())
        .unwrap();
    assert_eq!(
        verify_response(&der, &id, &f.ca.cert, NOW, None, &verifier),
        Err(OcspError::CriticalExtension("1.2.3.4".into()))
    );
    assert!(matches!(
        parse_response(b"\x30\x03\x0a\x01\x00"),
        Err(OcspError::MalformedResponse(_))
    ));
}

#[test]
fn error_responses_are_five_unsigned_bytes() {
    for (status, code) in [
        (OcspResponseStatus::MalformedRequest, 1u8),
        (OcspResponseStatus::InternalError, 2),
        (OcspResponseStatus::TryLater, 3),
        (OcspResponseStatus::Unauthorized, 6),
        (OcspResponseStatus::Successful, 2),
    ] {
        assert_eq!(error_response(status), vec![0x30, 0x03, 0x0a, 0x01, code]);
    }
}

#[test]
fn unavailable_source_gives_try_later() {
    let f = fixture(NoncePolicy::Ignore);
    *f.source.unavailable.write().unwrap() = true;
    let (_, der) = request_for(&f.ca, &[1], HashAlgorithm::Sha1, None);
    assert_eq!(
        f.responder.respond(&der, NOW).status,
        OcspResponseStatus::TryLater
    );
    assert!(matches!(
        f.responder
            .presign(&f.id, [Serial::from_hex("01").unwrap()], NOW),
        Err(OcspError::Source(_))
    ));
}

#[test]
fn presigned_cache_is_served_refreshed_and_invalidated() {
    let f = fixture(NoncePolicy::Ignore);
    let verifier = Verifier::new();
    let serials: Vec<Vec<u8>> = (1u8..=5).map(|n| vec![0x20, n]).collect();
    for s in &serials {
        f.source.set(&f.id, s, CertState::Good);
    }
    // Never-issued serials are skipped; SHA-1 and SHA-256 are pre-signed.
    let signed = f
        .responder
        .presign(
            &f.id,
            serials
                .iter()
                .chain([&vec![0x99]])
                .filter_map(|s| Serial::from_integer(s)),
            NOW,
        )
        .unwrap();
    assert_eq!(signed, 10);
    assert_eq!(f.responder.cached_len(), 10);
    let calls = f.source.calls();
    let (id, der) = request_for(&f.ca, &serials[0], HashAlgorithm::Sha256, None);
    let first = f.responder.respond(&der, UnixTime(NOW.0 + 100));
    assert_eq!(f.source.calls(), calls, "served without asking the source");
    assert_eq!(first.max_age, DAY - 100);
    assert_eq!(first.next_update, Some(UnixTime(NOW.0 + DAY)));

    // Nothing is due early on; near nextUpdate everything is re-signed.
    assert_eq!(
        f.responder
            .refresh_due(UnixTime(NOW.0 + 3600), 3600)
            .unwrap(),
        0
    );
    let later = UnixTime(NOW.0 + DAY - 1800);
    assert_eq!(f.responder.refresh_due(later, 3600).unwrap(), 10);
    let refreshed = f.responder.respond(&der, later);
    assert_ne!(refreshed.etag, first.etag);
    let single = verify_response(&refreshed.der, &id, &f.ca.cert, later, None, &verifier).unwrap();
    assert_eq!(single.this_update, later);

    // Revocation: the cache says good until invalidated, then revoked at once.
    let revoked = CertState::Revoked {
        at: later,
        reason: Some(CrlReason::CessationOfOperation),
    };
    f.source.set(&f.id, &serials[0], revoked);
    let stale = f.responder.respond(&der, later);
    assert_eq!(
        verify_response(&stale.der, &id, &f.ca.cert, later, None, &verifier)
            .unwrap()
            .status,
        Status::Good
    );
    assert_eq!(
        f.responder
            .invalidate(&f.id, &Serial::from_integer(&serials[0]).unwrap(), later)
            .unwrap(),
        2
    );
    let calls = f.source.calls();
    let fresh = f.responder.respond(&der, later);
    assert_eq!(
        f.source.calls(),
        calls,
        "re-signed at invalidation, not on request"
    );
    assert_eq!(
        verify_response(&fresh.der, &id, &f.ca.cert, later, None, &verifier)
            .unwrap()
            .status,
        Status::Revoked {
            at: later,
            reason: Some(CrlReason::CessationOfOperation)
        }
    );

    // An entry past its nextUpdate is never served: the request is signed live.
    let expired = UnixTime(NOW.0 + 3 * DAY);
    let (id2, der2) = request_for(&f.ca, &serials[1], HashAlgorithm::Sha1, None);
    let outcome = f.responder.respond(&der2, expired);
    assert!(verify_response(&outcome.der, &id2, &f.ca.cert, expired, None, &verifier).is_ok());
    assert!(
        f.responder
            .invalidate(
                &IssuerId(vec![0; 32]),
                &Serial::from_hex("01").unwrap(),
                NOW
            )
            .is_err()
    );
}

#[test]
fn several_requests_in_one_message_are_answered_together() {
    let f = fixture(NoncePolicy::echo());
    let verifier = Verifier::new();
    let other = TestCa::new("CN=Not Ours,C=KR", NOW);
    f.source.set(&f.id, &[1], CertState::Good);
    f.source.set(
        &f.id,
        &[2],
        CertState::Revoked {
            at: NOW,
            reason: Some(CrlReason::Superseded),
        },
    );
    let ids = vec![
        cert_id(HashAlgorithm::Sha1, &f.ca.cert, &[1]).unwrap(),
        cert_id(HashAlgorithm::Sha256, &f.ca.cert, &[2]).unwrap(),
        cert_id(HashAlgorithm::Sha1, &f.ca.cert, &[3]).unwrap(),
        cert_id(HashAlgorithm::Sha1, &other.cert, &[1]).unwrap(),
    ];
    let nonce = [0x11; 32];
    let der = build_request(&ids, Some(&nonce)).unwrap();
    let outcome = f.responder.respond(&der, NOW);
    assert!(!outcome.cacheable);
    let parsed = parse_request(&der).unwrap();
    let ours = dongpo_revocation::ocsp::ParsedRequest {
        cert_ids: ids[..3].to_vec(),
        ..parsed.clone()
    };
    let statuses: Vec<_> = verify_responses(
        &outcome.der,
        &ours,
        &f.ca.cert,
        NOW,
        Some(&nonce),
        &verifier,
    )
    .unwrap()
    .into_iter()
    .map(|s| s.status)
    .collect();
    assert_eq!(
        statuses,
        [
            Status::Good,
            Status::Revoked {
                at: NOW,
                reason: Some(CrlReason::Superseded)
            },
            Status::Unknown
        ]
    );
    // The foreign CertID is answered `unknown` (RFC 6960 §2.2), in the same response.
    let response = parse_response(&outcome.der).unwrap();
    assert_eq!(response.basic.tbs_response_data.responses.len(), 4);
    // All foreign: unauthorized. Too many: malformed.
    let der = build_request(&ids[3..], None).unwrap();
    assert_eq!(
        f.responder.respond(&der, NOW).status,
        OcspResponseStatus::Unauthorized
    );
    let many = vec![ids[0].clone(); 65];
    let der = build_request(&many, None).unwrap();
    assert_eq!(
        f.responder.respond(&der, NOW).status,
        OcspResponseStatus::MalformedRequest
    );
}

#[test]
fn every_truncation_and_byte_flip_of_a_request_is_survived() {
    let f = fixture(NoncePolicy::echo());
    f.source.set(&f.id, &[0x31, 0x32], CertState::Good);
    let (_, der) = request_for(&f.ca, &[0x31, 0x32], HashAlgorithm::Sha1, Some(&[0xee; 32]));
    for len in 0..der.len() {
        let outcome = f.responder.respond(&der[..len], NOW);
        assert_eq!(
            outcome.status,
            OcspResponseStatus::MalformedRequest,
            "truncated to {len}"
        );
        assert!(parse_request(&der[..len]).is_err());
    }
    let mut outcomes = std::collections::BTreeMap::new();
    for i in 0..der.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut mutated = der.clone();
            mutated[i] ^= mask;
            let outcome = f.responder.respond(&mutated, NOW);
            // Always a well-formed OCSPResponse.
            let decoded = OcspResponse::from_der(&outcome.der).unwrap();
            assert_eq!(decoded.response_status, outcome.status);
            *outcomes.entry(format!("{:?}", outcome.status)).or_insert(0) += 1;
        }
    }
    // Flips in the hashes make the issuer foreign, in the serial or nonce they still
    // parse, in tags and lengths they break the DER: all three outcomes occur.
    for status in ["MalformedRequest", "Unauthorized", "Successful"] {
        assert!(outcomes.contains_key(status), "{outcomes:?}");
    }
}

#[test]
fn a_responder_serves_several_issuers_with_their_own_keys() {
    let a = TestCa::new("CN=Issuer A,C=KR", NOW);
    let b = TestCa::new("CN=Issuer B,C=KR", NOW);
    let source = Arc::new(MapSource::default());
    let mut responder = Responder::new(Arc::clone(&source));
    let ia = responder
        .add_issuer(IssuerConfig::new(a.cert.clone(), a.signer(), DAY))
        .unwrap();
    let ib = responder
        .add_issuer(IssuerConfig::new(b.cert.clone(), b.signer(), DAY))
        .unwrap();
    assert!(
        responder
            .add_issuer(IssuerConfig::new(a.cert.clone(), a.signer(), DAY))
            .is_err()
    );
    assert_eq!(responder.issuer_ids(), vec![ia.clone(), ib.clone()]);
    // The same serial, good at A and revoked at B.
    let (leaf_a, _) = a.leaf(&[0x55]);
    source.set(
        &ia,
        &serial_of(&leaf_a).unwrap().to_integer(),
        CertState::Good,
    );
    source.set(
        &ib,
        &[0x55],
        CertState::Revoked {
            at: NOW,
            reason: None,
        },
    );
    let verifier = Verifier::new();
    for (ca, expected) in [
        (&a, Status::Good),
        (
            &b,
            Status::Revoked {
                at: NOW,
                reason: None,
            },
        ),
    ] {
        let (id, der) = request_for(ca, &[0x55], HashAlgorithm::Sha1, None);
        let outcome = responder.respond(&der, NOW);
        let single = verify_response(&outcome.der, &id, &ca.cert, NOW, None, &verifier).unwrap();
        assert_eq!(single.status, expected);
    }
}

/// Issue #18: `c0 e0` as CertID serial is the negative INTEGER -8000, not the certificate
/// `00 c0 e0`: it is answered `unknown` (live, not cached), never with the status of its
/// positive twin, and it does not disturb the twin's cache entry.
#[test]
fn a_negative_certid_serial_is_unknown_not_its_positive_twin() {
    let f = fixture(NoncePolicy::Ignore);
    let verifier = Verifier::new();
    let positive = [0x00u8, 0xc0, 0xe0];
    f.source.set(
        &f.id,
        &positive,
        CertState::Revoked {
            at: NOW,
            reason: Some(CrlReason::KeyCompromise),
        },
    );
    let (id, der) = request_for(&f.ca, &[0xc0, 0xe0], HashAlgorithm::Sha1, None);
    let calls = f.source.calls();
    let outcome = f.responder.respond(&der, NOW);
    assert_eq!(
        f.source.calls(),
        calls,
        "a negative serial is not looked up"
    );
    assert!(!outcome.cacheable);
    assert!(f.responder.respond_cached(&der, NOW).is_none());
    assert_eq!(
        verify_response(&outcome.der, &id, &f.ca.cert, NOW, None, &verifier)
            .unwrap()
            .status,
        Status::Unknown
    );
    let (id, der) = request_for(&f.ca, &positive, HashAlgorithm::Sha1, None);
    let outcome = f.responder.respond(&der, NOW);
    assert!(outcome.cacheable);
    assert!(matches!(
        verify_response(&outcome.der, &id, &f.ca.cert, NOW, None, &verifier)
            .unwrap()
            .status,
        Status::Revoked { .. }
    ));
}
