//! The issuance service (`dongpo_ca::finalize`): the order of its steps and hooks,
//! what each refusal leaves behind, the verification given back when issuance fails, and
//! the idempotent answer to a repeated request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::{Applicant, NOW, applicant, csr, new_ca};
use dongpo_ca::Approval;
use dongpo_ca::Assurance;
use dongpo_ca::Ca;
use dongpo_ca::store::StoreError;
use dongpo_ca::{
    Application, Finalized, IssuanceError, IssuanceHooks, Request, Standalone, finalize,
};
use dongpo_ca::{IssueError, Issued};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_pki::time::UnixTime;
use dongpo_testkit::Variant;

const P256: KeySpec = KeySpec::Ec(Curve::P256);

/// Hooks that write down every call, refuse after approval when told to, and say the
/// verification was already taken when told to.
#[derive(Default)]
struct Recorder {
    events: Vec<String>,
    refuse_approved: bool,
    taken: bool,
}

impl IssuanceHooks for Recorder {
    type Error = &'static str;

    fn approved(
        &mut self,
        application: &Application<'_>,
        approval: &Approval,
        _now: UnixTime,
    ) -> Result<(), &'static str> {
        assert_eq!(approval.profile().name, application.profile);
        self.events.push("approved".into());
        if self.refuse_approved {
            return Err("bound to another person");
        }
        Ok(())
    }

    fn consume(&mut self, _now: UnixTime) -> Result<bool, &'static str> {
        self.events.push("consume".into());
        Ok(!self.taken)
    }

    fn release(&mut self) {
        self.events.push("release".into());
    }

    fn record(&mut self, issued: &Issued) {
        self.events
            .push(format!("record {}", issued.serial.to_hex()));
    }

    fn issued(&mut self, issued: &Issued, _now: UnixTime) {
        self.events
            .push(format!("issued {}", issued.serial.to_hex()));
    }
}

fn application<'a>(person: &'a Applicant, csr: &'a [u8], profile: &'a str) -> Application<'a> {
    Application {
        report: &person.report,
        dg1: &person.dg1,
        receipt: Some("receipt-1"),
        rrn: person.rrn(),
        csr,
        profile,
    }
}

fn count(ca: &mut Ca) -> (u64, usize) {
    let store = ca.issuer().store();
    (
        store.certificate_count().unwrap(),
        store.serials().unwrap().len(),
    )
}

fn new<H: IssuanceHooks>(
    ca: &mut Ca,
    application: Application<'_>,
    hooks: &mut H,
) -> Result<Finalized, IssuanceError<H::Error>> {
    finalize(ca, &Request::New(application), hooks, NOW)
}

#[test]
fn a_new_application_is_approved_consumed_issued_recorded_and_published_in_that_order() {
    let (_dir, mut ca) = new_ca("service-order", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let request = csr(P256, 1);
    let mut hooks = Recorder::default();
    let done = new(&mut ca, application(&person, &request, "kb"), &mut hooks).unwrap();
    let serial = done.serial.to_hex();
    assert_eq!(
        hooks.events,
        [
            "approved".to_owned(),
            "consume".to_owned(),
            format!("record {serial}"),
            format!("issued {serial}"),
        ]
    );
    assert!(!done.repeated);
    assert_eq!(done.profile, "kb");
    assert_eq!(done.assurance, Some(Assurance::PaAa));
    assert_eq!(done.chain, ca.chain("kb").unwrap());
    let stored = ca
        .issuer()
        .store()
        .certificate(done.serial.as_bytes())
        .unwrap()
        .unwrap();
    assert_eq!(stored.cert.der, done.der);
    assert_eq!(stored.cert.issuer, done.issuer);
    // The receipt named in the application is in the certificate's evidence.
    let evidence = dongpo_ca::PassportEvidence::of_certificate(&done.der)
        .unwrap()
        .unwrap();
    assert_eq!(evidence.receipt.as_deref(), Some("receipt-1"));
}

#[test]
fn refusals_before_consumption_touch_nothing() {
    let (_dir, mut ca) = new_ca("service-refusals", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    let request = csr(P256, 1);
    let before = count(&mut ca);

    // A bad CSR is refused before the registry is consulted: nothing is consumed.
    let mut hooks = Recorder::default();
    let e = new(
        &mut ca,
        application(&person, b"not a CSR", "kb"),
        &mut hooks,
    )
    .unwrap_err();
    assert!(
        matches!(&e, IssuanceError::Refused(r) if r.code() == "bad_csr"),
        "{e}"
    );
    assert!(hooks.events.is_empty(), "{:?}", hooks.events);

    // Not registered: the RA refuses with the one registry code, and the verification is
    // consumed (one verification buys one registry answer); nothing else runs.
    let mut hooks = Recorder::default();
    let e = new(&mut ca, application(&person, &request, "kb"), &mut hooks).unwrap_err();
    assert!(
        matches!(&e, IssuanceError::Refused(r) if r.code() == "registry_refused"),
        "{e}"
    );
    assert_eq!(hooks.events, ["consume"]);

    // Registered, but the caller refuses after the approval: nothing is consumed.
    ca.register(&person.identity, NOW).unwrap();
    let mut hooks = Recorder {
        refuse_approved: true,
        ..Recorder::default()
    };
    let e = new(&mut ca, application(&person, &request, "kb"), &mut hooks).unwrap_err();
    assert!(matches!(e, IssuanceError::Hook("bound to another person")));
    assert_eq!(hooks.events, ["approved"]);

    // The verification was taken by a concurrent request: no serial reserved.
    let mut hooks = Recorder {
        taken: true,
        ..Recorder::default()
    };
    let e = new(&mut ca, application(&person, &request, "kb"), &mut hooks).unwrap_err();
    assert!(matches!(e, IssuanceError::AlreadyConsumed), "{e}");
    assert_eq!(hooks.events, ["approved", "consume"]);
    assert_eq!(count(&mut ca), before, "refusals changed the store");
}

#[test]
fn a_failed_issuance_gives_the_verification_back() {
    let (_dir, mut ca) = new_ca("service-release", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    let other = applicant(Variant::Genuine, 2, NOW);
    ca.register(&person.identity, NOW).unwrap();
    ca.register(&other.identity, NOW).unwrap();
    let shared = csr(P256, 7);
    new(
        &mut ca,
        application(&person, &shared, "kb"),
        &mut Standalone,
    )
    .unwrap();
    let before = count(&mut ca);

    // The same key for another person: the store refuses it at reservation.
    let mut hooks = Recorder::default();
    let e = new(&mut ca, application(&other, &shared, "kb"), &mut hooks).unwrap_err();
    assert!(
        matches!(
            e,
            IssuanceError::Issue(IssueError::Store(StoreError::KeyBoundToOtherPerson))
        ),
        "{e}"
    );
    assert_eq!(hooks.events, ["approved", "consume", "release"]);
    assert_eq!(count(&mut ca), before);
}

#[test]
fn a_repeated_request_gets_the_same_certificate_and_any_other_is_refused() {
    let (_dir, mut ca) = new_ca("service-repeat", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let request = csr(P256, 1);
    let first = new(
        &mut ca,
        application(&person, &request, "kb"),
        &mut Standalone,
    )
    .unwrap();
    let before = count(&mut ca);
    let repeat = |ca: &mut Ca, serial, csr: &[u8], profile| {
        finalize(
            ca,
            &Request::Repeat {
                serial,
                csr,
                profile,
            },
            &mut Recorder::default(),
            NOW,
        )
    };

    let again = repeat(&mut ca, Some(first.serial.clone()), &request, "kb").unwrap();
    assert!(again.repeated);
    assert_eq!(again.serial, first.serial);
    assert_eq!(again.der, first.der);
    assert_eq!(again.issuer, first.issuer);
    assert_eq!(again.profile, first.profile);
    assert_eq!(again.chain, first.chain);
    assert_eq!(again.assurance, first.assurance);

    // The same key as PEM is the same request.
    let pem = dongpo_testkit::csr::csr_pem(&request);
    let again = repeat(&mut ca, Some(first.serial.clone()), pem.as_bytes(), "kb").unwrap();
    assert_eq!(again.serial, first.serial);

    // Another profile, another key, no recorded serial, an unknown serial, an unreadable
    // CSR: not a retry.
    let other_key = csr(P256, 2);
    let unknown = dongpo_pki::Serial::from_hex("0102").unwrap();
    for (serial, csr, profile) in [
        (Some(first.serial.clone()), request.as_slice(), "toss"),
        (Some(first.serial.clone()), other_key.as_slice(), "kb"),
        (None, request.as_slice(), "kb"),
        (Some(unknown), request.as_slice(), "kb"),
        (Some(first.serial.clone()), b"not a csr".as_slice(), "kb"),
    ] {
        let e = repeat(&mut ca, serial, csr, profile).unwrap_err();
        assert!(matches!(e, IssuanceError::NotARetry), "{e}");
    }
    assert_eq!(count(&mut ca), before, "repeats changed the store");
}
