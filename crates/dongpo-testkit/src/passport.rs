//! One generated passport: keys, certificates, data groups, SOD, CRL, registry record
//! and the manifest of its expected outcome.

use std::collections::BTreeMap;

use der::Encode;
use dongpo_crypto::{Curve, EcdsaEncoding, EcdsaSignature, KeySpec, SignatureAlgorithm};
use dongpo_icao::oid;
use serde::{Deserialize, Serialize};

use crate::person::{Date, Person};
use crate::pki::{self, CertRequest, Role};
use crate::profile::Profile;
use crate::rng::SeededRng;
use crate::sod::{self, SodRequest};
use crate::time::{Instant, Timeline};
use crate::variant::Variant;
use crate::{KeyStore, TestkitError, ber, dg, mrz};

/// Issuing state of generated documents (MRZ) and country of their CSCA (certificates).
const STATE: &str = "KOR";

/// A generated passport: file name -> bytes, in the file names of `dongpo testkit passport`
/// (`docs/cli.md`).
#[derive(Clone, Debug)]
pub struct Passport {
    /// The files, keyed by name (`EF_SOD.bin`, `csca.der`, ...).
    pub files: BTreeMap<String, Vec<u8>>,
}

/// The expected outcome recorded in `manifest.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// Verification with the default policy, given csca.der and csca.crl.
    pub valid: bool,
    /// Checks (ids of `docs/cli.md`) that fail.
    pub failing_checks: Vec<String>,
    /// Quirks the default policy tolerates and names.
    pub quirks: Vec<String>,
    /// Verification with `--policy strict`.
    pub valid_under_strict: bool,
    /// Verification when no CRL is supplied (`dsc.revocation` is then skipped).
    pub valid_without_crl: bool,
}

/// `manifest.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// `dongpo-testkit <version>`.
    pub generator: String,
    /// The command that regenerates this directory.
    pub command: String,
    /// Profile name.
    pub profile: String,
    /// Variant name.
    pub variant: String,
    /// Seed.
    pub seed: u64,
    /// What the variant does.
    pub description: String,
    /// A time (RFC 3339) at which the expected outcome holds.
    pub verify_at: String,
    /// The expected outcome.
    pub expected: Expected,
    /// Algorithm names.
    pub algorithms: BTreeMap<String, String>,
    /// Data groups whose hashes are in the SOD.
    pub data_groups_hashed: Vec<u8>,
    /// SHA-256 of every other file.
    pub files: BTreeMap<String, String>,
}

/// Subject names of the CSCA and DSC of a profile.
#[must_use]
pub fn names(profile: Profile) -> (String, String) {
    let base = format!("OU=testkit {profile},O=dongpo test PKI,C=KR");
    (
        format!("CN=dongpo Test CSCA,{base}"),
        format!("CN=dongpo Test DSC,{base}"),
    )
}

/// The registry record of the holder of every current (not `ExpiredDsc`) passport of
/// `seed`, without generating the passport: what a development server registers.
#[must_use]
pub fn holder_identity(seed: u64) -> crate::person::Identity {
    Person::generate(seed, date_of(Timeline::CURRENT.passport_expiry)).identity
}

fn date_of(instant: Instant) -> Date {
    Date {
        year: instant.0,
        month: instant.1,
        day: instant.2,
    }
}

/// The CSCA of `profile` for `seed` and its key (self-signed, 9303-12 profile).
///
/// # Errors
/// Key generation, encoding or signing failures.
pub fn csca_certificate(
    profile: Profile,
    seed: u64,
    timeline: &Timeline,
    keys: &mut KeyStore,
) -> Result<
    (
        x509_cert::Certificate,
        std::sync::Arc<dongpo_crypto::SigningKey>,
    ),
    TestkitError,
> {
    let key = keys.get(seed, &format!("{profile}/csca"), profile.key_spec())?;
    let (name, _) = names(profile);
    let cert = pki::issue(
        &CertRequest {
            role: Role::Csca,
            subject: &name,
            issuer: &name,
            subject_key: key.public_key(),
            explicit_ec_parameters: profile.explicit_ec_parameters(),
            issuer_key: &key,
            algorithm: profile.signature_algorithm(),
            not_before: timeline.csca_not_before,
            not_after: timeline.csca_not_after,
            key_usage_end: Instant(timeline.csca_not_before.0 + 5, 1, 1, 0, 0, 0),
        },
        &pki::serial(&mut SeededRng::new(seed, &format!("{profile}/csca-serial"))),
        &mut SeededRng::new(seed, &format!("{profile}/csca-cert")),
    )?;
    Ok((cert, key))
}

/// Generates one passport.
///
/// # Errors
/// [`TestkitError::NotApplicable`] for `short-r` on an RSA profile; encoding or signing
/// failures otherwise.
pub fn generate(
    profile: Profile,
    variant: Variant,
    seed: u64,
    keys: &mut KeyStore,
) -> Result<Passport, TestkitError> {
    generate_with_chip_auth(profile, variant, seed, keys, None)
}

/// As [`generate`], but with `chip_auth` (DER SecurityInfos, see
/// [`dg::chip_auth_infos`]; empty: no Chip Authentication) in DG14 instead of the
/// testkit's ECDH-AES-128 key. `None` is [`generate`].
///
/// # Errors
/// As [`generate`].
pub fn generate_with_chip_auth(
    profile: Profile,
    variant: Variant,
    seed: u64,
    keys: &mut KeyStore,
    chip_auth: Option<Vec<Vec<u8>>>,
) -> Result<Passport, TestkitError> {
    build(profile, variant, seed, keys, chip_auth, true)
}

/// The genuine passport of [`generate`] as a chip without any proof of presence would
/// hold it: DG14 offers no Chip Authentication and there is no DG15 (no Active
/// Authentication), so the SOD hashes DG1, DG2 and DG14 only. What a profile asking for
/// `PA` alone is tested with.
///
/// # Errors
/// As [`generate`].
pub fn generate_without_chip_presence(
    profile: Profile,
    seed: u64,
    keys: &mut KeyStore,
) -> Result<Passport, TestkitError> {
    build(
        profile,
        Variant::Genuine,
        seed,
        keys,
        Some(Vec::new()),
        false,
    )
}

fn build(
    profile: Profile,
    variant: Variant,
    seed: u64,
    keys: &mut KeyStore,
    chip_auth: Option<Vec<Vec<u8>>>,
    with_dg15: bool,
) -> Result<Passport, TestkitError> {
    if variant == Variant::ShortR && profile.curve().is_none() {
        return Err(TestkitError::NotApplicable(format!(
            "{variant} needs an ECDSA profile, not {profile}"
        )));
    }
    let timeline = if variant == Variant::ExpiredDsc {
        Timeline::EXPIRED
    } else {
        Timeline::CURRENT
    };
    let algorithm = profile.signature_algorithm();
    let explicit = profile.explicit_ec_parameters();
    let person = Person::generate(seed, date_of(timeline.passport_expiry));
    let label = |role: &str| format!("{profile}/{role}");
    let rng = |role: &str| SeededRng::new(seed, &label(role));

    let dsc_key = keys.get(seed, &label("dsc"), profile.key_spec())?;
    let aa_key = keys.get(seed, &label("aa"), profile.aa_key_spec())?;
    let chip_curve = if matches!(profile, Profile::P256 | Profile::P384 | Profile::P521) {
        Curve::P256
    } else {
        Curve::BrainpoolP256r1
    };
    let chip_key = keys.get(seed, &label("chip-authentication"), KeySpec::Ec(chip_curve))?;

    let (csca_name, dsc_name) = names(profile);
    let (csca, csca_key) = csca_certificate(profile, seed, &timeline, keys)?;
    let dsc_issuer_key = if variant == Variant::UnknownCsca {
        keys.get(seed, &label("rogue-csca"), profile.key_spec())?
    } else {
        csca_key.clone()
    };
    let dsc_serial = pki::serial(&mut rng("dsc-serial"));
    let dsc = pki::issue(
        &CertRequest {
            role: Role::Dsc,
            subject: &dsc_name,
            issuer: &csca_name,
            subject_key: dsc_key.public_key(),
            explicit_ec_parameters: explicit,
            issuer_key: &dsc_issuer_key,
            algorithm,
            not_before: timeline.dsc_not_before,
            not_after: timeline.dsc_not_after,
            key_usage_end: timeline.dsc_key_usage_end,
        },
        &dsc_serial,
        &mut rng("dsc-cert"),
    )?;

    let aa_algorithm = profile.curve().map(|_| SignatureAlgorithm::Ecdsa {
        hash: profile.hash(),
        encoding: EcdsaEncoding::Plain,
    });
    let aa_spki = if explicit {
        aa_key.public_key().to_spki_der_explicit()
    } else {
        aa_key.public_key().to_spki_der()
    };
    let dg1 = dg::dg1(&mrz::td3(&person, STATE));
    let mut dg2 = dg::dg2(&mut rng("dg2"));
    let dg14 = match chip_auth {
        None => dg::dg14(chip_key.public_key(), aa_algorithm)?,
        Some(infos) => dg::dg14_with_chip_auth(infos, aa_algorithm)?,
    };
    let dg15 = dg::dg15(&aa_spki);

    let mut hashed: Vec<(u8, &[u8])> = vec![(1, &dg1), (2, &dg2), (14, &dg14)];
    if variant != Variant::UncoveredDg && with_dg15 {
        hashed.push((15, &dg15));
    }
    let content_type = if variant == Variant::IdData {
        oid::ID_DATA
    } else {
        oid::LDS_SECURITY_OBJECT
    };
    let mut request = SodRequest {
        hash: profile.hash(),
        data_groups: &hashed,
        lds_v1: profile.lds_v1(),
        dsc: &dsc,
        dsc_key: &dsc_key,
        algorithm,
        signing_time: timeline.signing_time,
        content_type,
        wrong_message_digest: variant == Variant::WrongMessageDigest,
        corrupt_signature: variant == Variant::BadSignature,
    };
    let mut sod = sod::build(&request, &mut rng("sod"))?;
    if variant == Variant::ShortR {
        let scalar_len = profile.curve().map_or(0, |c| c.order_bits().div_ceil(8));
        let mut second = 0u32;
        while EcdsaSignature::from_der(&sod.signature).map_or(true, |s| s.r().len() >= scalar_len) {
            second += 1;
            if second > 20_000 {
                return Err(TestkitError::NotApplicable(
                    "no short r within 20000 signing times".into(),
                ));
            }
            let Instant(y, mo, d, h, _, _) = timeline.signing_time;
            request.signing_time = Instant(
                y,
                mo,
                d,
                h + (second / 3600) as u8,
                ((second / 60) % 60) as u8,
                (second % 60) as u8,
            );
            sod = sod::build(&request, &mut rng("sod"))?;
        }
    }
    let sod_file = if variant == Variant::BerIndefinite {
        let ber = ber::to_indefinite(&sod.content_info, &ber::SIGNED_DATA_WRAPPERS)
            .ok_or_else(|| TestkitError::NotApplicable("SOD is not well-formed DER".into()))?;
        sod::wrap(&ber)
    } else {
        sod::wrap(&sod.content_info)
    };
    let data_groups_hashed: Vec<u8> = hashed.iter().map(|(n, _)| *n).collect();
    if variant == Variant::TamperedDg {
        // Inside the JPEG comment padding: the image still decodes, the hash changes.
        let middle = dg2.len() / 2;
        if let Some(byte) = dg2.get_mut(middle) {
            *byte ^= 0x20;
        }
    }

    let revoked = if variant == Variant::RevokedDsc {
        vec![(dsc_serial.clone(), timeline.revocation)]
    } else {
        Vec::new()
    };
    let crl = pki::crl(
        &csca,
        &csca_key,
        algorithm,
        timeline.crl_this_update,
        timeline.crl_next_update,
        &revoked,
        &mut rng("crl"),
    )?;

    let lds_version = if profile.lds_v1() { "0108" } else { "0107" };
    let mut files = BTreeMap::new();
    files.insert("csca.der".to_string(), csca.to_der()?);
    files.insert("dsc.der".to_string(), dsc.to_der()?);
    files.insert("EF_SOD.bin".to_string(), sod_file);
    files.insert(
        "EF_COM.bin".to_string(),
        dg::ef_com(
            lds_version,
            if with_dg15 {
                &[1, 2, 14, 15]
            } else {
                &[1, 2, 14]
            },
        ),
    );
    files.insert("DG1.bin".to_string(), dg1.clone());
    files.insert("DG2.bin".to_string(), dg2);
    files.insert("DG14.bin".to_string(), dg14.clone());
    if with_dg15 {
        files.insert("DG15.bin".to_string(), dg15.clone());
        files.insert("aa_key.p8".to_string(), aa_key.to_pkcs8_der()?.to_vec());
    }
    files.insert("csca.crl".to_string(), crl.to_der()?);
    let mut identity = serde_json::to_vec_pretty(&person.identity)?;
    identity.push(b'\n');
    files.insert("identity.json".to_string(), identity);

    let failing: Vec<String> = variant
        .failing_checks()
        .iter()
        .map(ToString::to_string)
        .collect();
    let quirks: Vec<String> = variant.quirks().iter().map(ToString::to_string).collect();
    let valid = failing.is_empty();
    let expected = Expected {
        valid,
        valid_under_strict: valid && quirks.is_empty(),
        valid_without_crl: valid || variant == Variant::RevokedDsc,
        failing_checks: failing,
        quirks,
    };
    let mut algorithms = BTreeMap::new();
    algorithms.insert("signature".to_string(), algorithm.name());
    algorithms.insert("digest".to_string(), profile.hash().name().to_string());
    algorithms.insert("csca_key".to_string(), csca_key.public_key().description());
    algorithms.insert("dsc_key".to_string(), dsc_key.public_key().description());
    algorithms.insert("aa_key".to_string(), aa_key.public_key().description());
    algorithms.insert(
        "aa_signature".to_string(),
        aa_algorithm.map_or_else(|| "rsa-iso9796-2".to_string(), |a| a.name()),
    );
    let command = match variant {
        Variant::Genuine => {
            format!("dongpo testkit passport --profile {profile} --seed {seed} --out DIR")
        }
        _ => format!(
            "dongpo testkit passport --profile {profile} --variant {variant} --seed {seed} --out DIR"
        ),
    };
    let digests = files
        .iter()
        .map(|(name, bytes)| {
            (
                name.clone(),
                hex::encode(dongpo_crypto::HashAlgorithm::Sha256.digest(bytes)),
            )
        })
        .collect();
    let manifest = Manifest {
        generator: format!("dongpo-testkit {}", env!("CARGO_PKG_VERSION")),
        command,
        profile: profile.name().to_string(),
        variant: variant.name().to_string(),
        seed,
        description: variant.description().to_string(),
        verify_at: timeline.verify_at.rfc3339(),
        expected,
        algorithms,
        data_groups_hashed,
        files: digests,
    };
    let mut manifest_json = serde_json::to_vec_pretty(&manifest)?;
    manifest_json.push(b'\n');
    files.insert("manifest.json".to_string(), manifest_json);
    Ok(Passport { files })
}
