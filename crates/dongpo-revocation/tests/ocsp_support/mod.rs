//! A small test PKI for the OCSP tests: a P-256 CA, leaves, delegated responders, an
//! in-memory status source, PEM output.
#![allow(dead_code)]

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use const_oid::AssociatedOid;
use der::asn1::{Null, OctetString, UtcTime};
use der::{Decode, Encode};
use dongpo_crypto::x509::{CertSigner, SignatureBytes};
use dongpo_crypto::{Curve, EcdsaEncoding, HashAlgorithm, KeySpec, SignatureAlgorithm, SigningKey};
use dongpo_pki::{Cert, Serial, UnixTime};
use dongpo_revocation::ocsp::asn1::{ID_KP_OCSP_SIGNING, ID_PKIX_OCSP_NOCHECK};
use dongpo_revocation::ocsp::{CertState, SharedSigner};
use dongpo_revocation::ocsp::{IssuerId, StatusError, StatusSource};
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
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

struct Profile {
    issuer: Name,
    subject: Name,
    kind: Kind,
}

fn ext(oid: der::asn1::ObjectIdentifier, critical: bool, value: &impl Encode) -> Extension {
    Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der().unwrap()).unwrap(),
    }
}

fn key_id(spki: &SubjectPublicKeyInfoRef<'_>) -> OctetString {
    OctetString::new(HashAlgorithm::Sha1.digest(spki.subject_public_key.raw_bytes())).unwrap()
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(key_id(&issuer_spk)),
            ..Default::default()
        };
        let mut out = vec![
            ext(AuthorityKeyIdentifier::OID, false, &aki),
            ext(
                SubjectKeyIdentifier::OID,
                false,
                &SubjectKeyIdentifier(key_id(&spk)),
            ),
        ];
        match self.kind {
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
        Ok(out)
    }
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
    let profile = Profile {
        issuer: Name::from_str(issuer).unwrap(),
        subject: Name::from_str(subject).unwrap(),
        kind,
    };
    let spki =
        SubjectPublicKeyInfoOwned::from_der(&subject_key.public_key().to_spki_der()).unwrap();
    let builder = CertificateBuilder::new(
        profile,
        SerialNumber::new(serial).unwrap(),
        Validity::new(time(not_before), time(not_after)),
        spki,
    )
    .unwrap();
    let cert = builder
        .build::<_, SignatureBytes>(&CertSigner::new(issuer_key, ALG))
        .unwrap();
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
        SharedSigner::new(Arc::clone(&self.key), ALG)
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
