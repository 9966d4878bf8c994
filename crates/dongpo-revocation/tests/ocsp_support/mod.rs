//! A small test PKI for the OCSP tests: a P-256 CA, leaves, delegated responders, an
//! in-memory status source, PEM output.
#![allow(dead_code)]

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use const_oid::AssociatedOid;
use der::Encode;
use der::asn1::{Null, UtcTime};
use dongpo_crypto::x509::CertSigner;
use dongpo_crypto::x509::SharedSigner;
use dongpo_crypto::{Curve, EcdsaEncoding, HashAlgorithm, KeySpec, SignatureAlgorithm, SigningKey};
use dongpo_pki::{Cert, Serial, UnixTime};
use dongpo_revocation::ocsp::CertState;
use dongpo_revocation::ocsp::asn1::{ID_KP_OCSP_SIGNING, ID_PKIX_OCSP_NOCHECK};
use dongpo_revocation::ocsp::{IssuerId, StatusError, StatusSource};
use dongpo_testpki::FixedProfile;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::time::{Time, Validity};

/// 2026-06-01T00:00:00Z: the fixed "now" of tests that do not involve OpenSSL.
pub const NOW: UnixTime = UnixTime(1_780_272_000);

pub const ALG: SignatureAlgorithm = SignatureAlgorithm::Ecdsa {
    hash: HashAlgorithm::Sha256,
    encoding: EcdsaEncoding::Der,
};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ca,
    Leaf,
    /// A delegated responder; `eku` false builds one without id-kp-OCSPSigning.
    Responder {
        eku: bool,
    },
}

fn ext(oid: der::asn1::ObjectIdentifier, critical: bool, value: &impl Encode) -> Extension {
    dongpo_testpki::extension(oid, critical, value).unwrap()
}

/// The extensions of `kind`, after the key identifiers.
fn extensions(kind: Kind, subject: &SigningKey, issuer: &SigningKey) -> Vec<Extension> {
    let mut out = vec![
        dongpo_testpki::authority_key_identifier(issuer.public_key()).unwrap(),
        dongpo_testpki::subject_key_identifier(subject.public_key()).unwrap(),
    ];
    match kind {
        Kind::Ca => {
            let ku = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
            out.push(ext(KeyUsage::OID, true, &ku));
            let bc = BasicConstraints {
                ca: true,
                path_len_constraint: None,
            };
            out.push(ext(BasicConstraints::OID, true, &bc));
        }
        Kind::Leaf => {
            let ku = KeyUsage(KeyUsages::DigitalSignature.into());
            out.push(ext(KeyUsage::OID, true, &ku));
        }
        Kind::Responder { eku } => {
            let ku = KeyUsage(KeyUsages::DigitalSignature.into());
            out.push(ext(KeyUsage::OID, true, &ku));
            let purpose = if eku {
                ID_KP_OCSP_SIGNING
            } else {
                const_oid::db::rfc5280::ID_KP_CLIENT_AUTH
            };
            out.push(ext(
                ExtendedKeyUsage::OID,
                false,
                &ExtendedKeyUsage(vec![purpose]),
            ));
            out.push(ext(ID_PKIX_OCSP_NOCHECK, false, &Null));
        }
    }
    out
}

pub fn key() -> Arc<SigningKey> {
    Arc::new(SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap())
}

fn time(t: UnixTime) -> Time {
    Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(t.0)).unwrap())
}

/// Issues a certificate for `subject_key` signed by `issuer_key`.
#[allow(clippy::too_many_arguments)]
pub fn issue(
    kind: Kind,
    subject: &str,
    issuer: &str,
    subject_key: &SigningKey,
    issuer_key: &SigningKey,
    serial: &[u8],
    not_before: UnixTime,
    not_after: UnixTime,
) -> Cert {
    let profile = FixedProfile {
        issuer: Name::from_str(issuer).unwrap(),
        subject: Name::from_str(subject).unwrap(),
        extensions: extensions(kind, subject_key, issuer_key),
    };
    let spki = dongpo_testpki::spki_of(subject_key.public_key(), false).unwrap();
    let validity = Validity::new(time(not_before), time(not_after));
    let signer = CertSigner::new(issuer_key, ALG);
    let cert = dongpo_testpki::issue(profile, serial, validity, spki, &signer).unwrap();
    Cert::parse(&cert.to_der().unwrap()).unwrap()
}

/// A CA, its key, and the window its certificates are valid in.
pub struct TestCa {
    pub name: String,
    pub cert: Cert,
    pub key: Arc<SigningKey>,
    pub not_before: UnixTime,
    pub not_after: UnixTime,
}

impl TestCa {
    /// A self-signed CA valid from a day before `around` for a year.
    pub fn new(name: &str, around: UnixTime) -> Self {
        let key = key();
        let not_before = UnixTime(around.0 - 86_400);
        let not_after = UnixTime(around.0 + 365 * 86_400);
        let cert = issue(
            Kind::Ca,
            name,
            name,
            &key,
            &key,
            &[0x01],
            not_before,
            not_after,
        );
        TestCa {
            name: name.to_string(),
            cert,
            key,
            not_before,
            not_after,
        }
    }

    /// A leaf with `serial`.
    pub fn leaf(&self, serial: &[u8]) -> (Cert, Arc<SigningKey>) {
        let key = key();
        let subject = format!("CN=citizen {},O=dongpo test", hex::encode(serial));
        let cert = issue(
            Kind::Leaf,
            &subject,
            &self.name,
            &key,
            &self.key,
            serial,
            self.not_before,
            self.not_after,
        );
        (cert, key)
    }

    /// A delegated responder certificate valid from `not_before` to `not_after`.
    pub fn responder(
        &self,
        eku: bool,
        not_before: UnixTime,
        not_after: UnixTime,
    ) -> (Cert, Arc<SigningKey>) {
        let key = key();
        let cert = issue(
            Kind::Responder { eku },
            "CN=dongpo OCSP responder,O=dongpo test",
            &self.name,
            &key,
            &self.key,
            &[0x7f, 0x01],
            not_before,
            not_after,
        );
        (cert, key)
    }

    pub fn signer(&self) -> SharedSigner {
        SharedSigner::new(self.key.clone(), ALG)
    }
}

/// Statuses in memory, changeable while a responder holds the source.
#[derive(Default)]
pub struct MapSource {
    states: RwLock<HashMap<(IssuerId, Serial), CertState>>,
    pub unavailable: RwLock<bool>,
    pub calls: std::sync::atomic::AtomicUsize,
}

impl MapSource {
    /// `serial` as DER INTEGER content (what `cert_id` takes), e.g. `[0x00, 0xc0]`.
    pub fn set(&self, issuer: &IssuerId, serial: &[u8], state: CertState) {
        let serial = Serial::from_integer(serial).expect("a positive serial");
        self.states
            .write()
            .unwrap()
            .insert((issuer.clone(), serial), state);
    }

    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl StatusSource for MapSource {
    fn status(&self, issuer: &IssuerId, serial: &Serial) -> Result<Option<CertState>, StatusError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if *self.unavailable.read().unwrap() {
            return Err(StatusError::Unavailable("test database down".into()));
        }
        Ok(self
            .states
            .read()
            .unwrap()
            .get(&(issuer.clone(), serial.clone()))
            .copied())
    }
}

pub fn pem(label: &str, der: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    let b64 = Base64::encode_string(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
