//! A tiny root -> issuing CA -> leaf hierarchy built with x509-cert's builder, and
//! helpers to run external tools when they are installed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    dead_code
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use const_oid::AssociatedOid;
use der::Encode;
use der::asn1::Ia5String;
use dongpo_crypto::x509::CertSigner;
use dongpo_crypto::{Curve, EcdsaEncoding, HashAlgorithm, KeySpec, SignatureAlgorithm, SigningKey};
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::partition_of;
use dongpo_testpki::FixedProfile;
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{BasicConstraints, CrlDistributionPoints, KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::time::{Time, Validity};

/// 2026-06-01T00:00:00Z: CRLs are issued at this time.
pub const NOW: UnixTime = UnixTime(1_780_272_000);
/// Partitions the test CA uses.
pub const PARTITIONS: u32 = 4;

pub fn algorithm() -> SignatureAlgorithm {
    SignatureAlgorithm::Ecdsa {
        hash: HashAlgorithm::Sha256,
        encoding: EcdsaEncoding::Der,
    }
}

/// The CDP URL of a partition, as dongpo-ca writes it.
pub fn crl_url(partition: u32) -> String {
    format!("http://ca.example/crl/toss-{partition}.crl")
}

pub struct Ca {
    pub key: SigningKey,
    pub cert: Certificate,
}

impl Ca {
    pub fn signer(&self) -> CertSigner<&SigningKey> {
        CertSigner::new(&self.key, algorithm())
    }

    pub fn parsed(&self) -> Cert {
        Cert::parse(&self.cert.to_der().unwrap()).unwrap()
    }

    pub fn pem(&self) -> String {
        pem(&self.cert.to_der().unwrap(), "CERTIFICATE")
    }
}

pub struct Hierarchy {
    pub root: Ca,
    pub issuing: Ca,
}

enum Kind {
    Ca,
    Leaf { cdp: String },
}

fn ext(oid: der::asn1::ObjectIdentifier, critical: bool, value: &impl Encode) -> Extension {
    dongpo_testpki::extension(oid, critical, value).unwrap()
}

/// The extensions of `kind`, after the key identifiers.
fn extensions(kind: &Kind, subject: &SigningKey, issuer: &SigningKey) -> Vec<Extension> {
    let mut out = vec![
        dongpo_testpki::subject_key_identifier(subject.public_key()).unwrap(),
        dongpo_testpki::authority_key_identifier(issuer.public_key()).unwrap(),
    ];
    match kind {
        Kind::Ca => {
            let bc = BasicConstraints {
                ca: true,
                path_len_constraint: None,
            };
            out.push(ext(BasicConstraints::OID, true, &bc));
            let ku = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
            out.push(ext(KeyUsage::OID, true, &ku));
        }
        Kind::Leaf { cdp } => {
            let ku = KeyUsage(KeyUsages::DigitalSignature.into());
            out.push(ext(KeyUsage::OID, true, &ku));
            let uri = GeneralName::UniformResourceIdentifier(Ia5String::new(cdp).unwrap());
            let cdp = CrlDistributionPoints(vec![DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![uri])),
                reasons: None,
                crl_issuer: None,
            }]);
            out.push(ext(CrlDistributionPoints::OID, false, &cdp));
        }
    }
    out
}

fn issue(
    subject: &str,
    issuer: Option<&Ca>,
    subject_key: &SigningKey,
    serial: &[u8],
    kind: Kind,
) -> Certificate {
    let subject_name = Name::from_str(subject).unwrap();
    let signing_key = issuer.map_or(subject_key, |ca| &ca.key);
    let profile = FixedProfile {
        issuer: issuer.map_or(subject_name.clone(), |ca| {
            ca.cert.tbs_certificate().subject().clone()
        }),
        subject: subject_name,
        extensions: extensions(&kind, subject_key, signing_key),
    };
    let validity = Validity::new(
        Time::from_str("2026-01-01T00:00:00Z").unwrap(),
        Time::from_str("2036-01-01T00:00:00Z").unwrap(),
    );
    let spki = dongpo_testpki::spki_of(subject_key.public_key(), false).unwrap();
    let signer = CertSigner::new(signing_key, algorithm());
    dongpo_testpki::issue(profile, serial, validity, spki, &signer).unwrap()
}

fn p256() -> SigningKey {
    SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap()
}

impl Hierarchy {
    pub fn new() -> Self {
        let root_key = p256();
        let root_cert = issue(
            "CN=Test Root,O=Example,C=KR",
            None,
            &root_key,
            &[1],
            Kind::Ca,
        );
        let root = Ca {
            key: root_key,
            cert: root_cert,
        };
        let issuing_key = p256();
        let issuing_cert = issue(
            "CN=Test Issuing CA,O=Example,C=KR",
            Some(&root),
            &issuing_key,
            &[2],
            Kind::Ca,
        );
        Hierarchy {
            root,
            issuing: Ca {
                key: issuing_key,
                cert: issuing_cert,
            },
        }
    }

    /// A leaf whose cRLDistributionPoints names its partition's CRL.
    pub fn leaf(&self, serial: &[u8]) -> Certificate {
        let url = crl_url(partition_of(serial, PARTITIONS));
        issue(
            "CN=Holder,O=Example,C=KR",
            Some(&self.issuing),
            &p256(),
            serial,
            Kind::Leaf { cdp: url },
        )
    }
}

/// 16-octet serials (like dongpo-ca's) ending in `last`, so their partition is
/// `last % PARTITIONS`.
pub fn serial(n: u8, last: u8) -> Vec<u8> {
    let mut serial = vec![0x11; 16];
    serial[1] = n;
    serial[15] = last;
    serial
}

pub fn pem(der: &[u8], label: &str) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
}

/// A fresh directory for one test's files.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("crl-builder-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `tool args`, returning its exit success and stdout+stderr, or `None` (after
/// printing `skipped: <tool> not found`) when it is not installed.
pub fn run(tool: &str, args: &[&str], dir: &Path) -> Option<(bool, String)> {
    match Command::new(tool).args(args).current_dir(dir).output() {
        Ok(out) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            Some((out.status.success(), text))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("skipped: {tool} not found");
            None
        }
        Err(e) => panic!("{tool}: {e}"),
    }
}
