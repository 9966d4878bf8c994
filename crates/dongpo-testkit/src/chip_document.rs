//! The document a virtual chip holds: the genuine testkit passport of a profile and seed,
//! with DG14 publishing the chip's Chip Authentication key as the chip's options ask
//! (`dongpo testkit chip serve`).

use dongpo_chip::pace::card_access_der;

use crate::chip::{ChipError, ChipOptions, ChipVariant, pace_offer};
use crate::chip_auth::{ChipAuthSpec, KeyRole};
use crate::passport::{Manifest, Passport, generate_with_chip_auth};
use crate::profile::Profile;
use crate::variant::Variant;
use crate::{KeyStore, TestkitError};

/// The files of the chip `options` describe, deterministic from `profile` and `seed`:
///
/// * with Chip Authentication, DG14 holds the `ChipAuthenticationPublicKeyInfo` and
///   `ChipAuthenticationInfo` of the genuine key of [`ChipOptions::chip_authentication`]
///   (the SOD covers it); without, DG14 offers no Chip Authentication;
/// * with PACE ([`ChipOptions::pace`]), `EF_CardAccess.bin` offers it (one `PACEInfo`);
/// * [`ChipVariant::CaKeyNotCovered`]: the SOD covers that DG14, but the chip holds a
///   DG14 publishing another key (its own), so DG14's hash fails; `manifest.json` then
///   says so (`dg.14.hash` failing, not valid).
///
/// # Errors
/// [`ChipError::NeedsChipAuthentication`] for `ca-key-not-covered` without Chip
/// Authentication; generation failures.
pub fn passport(
    profile: Profile,
    seed: u64,
    options: &ChipOptions,
    keys: &mut KeyStore,
) -> Result<Passport, ChipError> {
    let infos = |role: KeyRole| -> Result<Vec<Vec<u8>>, TestkitError> {
        match options.chip_authentication {
            Some(spec) => spec.security_infos(&spec.key_pair(profile, seed, role)?),
            None => Ok(Vec::new()),
        }
    };
    let mut passport = generate_with_chip_auth(
        profile,
        Variant::Genuine,
        seed,
        keys,
        Some(infos(KeyRole::Genuine)?),
    )?;
    if let Some(curve) = options.pace {
        passport.files.insert(
            "EF_CardAccess.bin".to_string(),
            card_access_der(&[pace_offer(curve)]),
        );
    }
    let command = format!(
        "dongpo testkit chip serve --profile {profile}{} {} --seed {seed}{} --out DIR --listen ADDR",
        if options.pace.is_some() {
            " --access pace"
        } else {
            ""
        },
        ChipAuthSpec::cli_options(options.chip_authentication),
        match options.variant {
            ChipVariant::Genuine => String::new(),
            other => format!(" --variant {}", other.name()),
        }
    );
    if options.variant != ChipVariant::CaKeyNotCovered {
        if let Some(manifest) = passport.files.get_mut("manifest.json") {
            *manifest = edit_manifest(manifest, &command, None)?;
        }
        return Ok(passport);
    }
    if options.chip_authentication.is_none() {
        return Err(ChipError::NeedsChipAuthentication(options.variant.name()));
    }
    let other = generate_with_chip_auth(
        profile,
        Variant::Genuine,
        seed,
        keys,
        Some(infos(KeyRole::NotCovered)?),
    )?;
    let dg14 = other
        .files
        .get("DG14.bin")
        .cloned()
        .ok_or(ChipError::MissingFile("DG14.bin"))?;
    passport.files.insert("DG14.bin".to_string(), dg14.clone());
    if let Some(manifest) = passport.files.get_mut("manifest.json") {
        *manifest = edit_manifest(manifest, &command, Some(&dg14))?;
    }
    Ok(passport)
}

/// The genuine passport's manifest with the command that makes this chip and, for a
/// DG14 the SOD does not cover (`uncovered_dg14`), that variant's expected outcome.
fn edit_manifest(
    manifest: &[u8],
    command: &str,
    uncovered_dg14: Option<&[u8]>,
) -> Result<Vec<u8>, TestkitError> {
    let mut manifest: Manifest = serde_json::from_slice(manifest)?;
    manifest.command = command.to_string();
    if let Some(dg14) = uncovered_dg14 {
        manifest.variant = "ca-key-not-covered".to_string();
        manifest.description = "virtual chip: DG14 publishes a Chip Authentication key (the chip's own) that is not the one the SOD covers; DG14's hash fails and Chip Authentication must not count".to_string();
        manifest.expected.valid = false;
        manifest.expected.valid_under_strict = false;
        manifest.expected.valid_without_crl = false;
        manifest.expected.failing_checks = vec!["dg.14.hash".to_string()];
        manifest.files.insert(
            "DG14.bin".to_string(),
            hex::encode(dongpo_crypto::HashAlgorithm::Sha256.digest(dg14)),
        );
    }
    let mut bytes = serde_json::to_vec_pretty(&manifest)?;
    bytes.push(b'\n');
    Ok(bytes)
}
