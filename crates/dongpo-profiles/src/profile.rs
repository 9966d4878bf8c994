//! Certificate profiles as data: one TOML file per certificate type under `profiles/`.
//! Loading refuses unknown keys, malformed OIDs and impossible values with a message that
//! names the file and the field; a new certificate type is a new file, not new code.

use std::path::Path;

use const_oid::ObjectIdentifier;
use dongpo_crypto::{Curve, KeySpec};
use serde::Deserialize;

use crate::Assurance;

/// The five profiles shipped with dongpo (the pilot's issuing institutions).
const BUILTIN: [(&str, &str); 5] = [
    (
        "profiles/shinhan.toml",
        include_str!("../profiles/shinhan.toml"),
    ),
    ("profiles/toss.toml", include_str!("../profiles/toss.toml")),
    ("profiles/kb.toml", include_str!("../profiles/kb.toml")),
    (
        "profiles/woori.toml",
        include_str!("../profiles/woori.toml"),
    ),
    ("profiles/hana.toml", include_str!("../profiles/hana.toml")),
];

/// Why a profile was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The TOML does not parse or has unknown/missing keys.
    #[error("{file}: {reason}")]
    Syntax {
        /// The profile file.
        file: String,
        /// The parser's message (names the key and line).
        reason: String,
    },
    /// A value is impossible or malformed.
    #[error("{file}: field {field}: {reason}")]
    Field {
        /// The profile file.
        file: String,
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A file could not be read.
    #[error("{file}: {reason}")]
    Io {
        /// The file.
        file: String,
        /// The error.
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    display_name: String,
    institution: String,
    validity_days: u32,
    key_algorithms: Vec<String>,
    key_usage: Vec<String>,
    extended_key_usage: Vec<String>,
    identify_data_vid: bool,
    min_assurance: String,
    #[serde(default)]
    validity_beyond_issuer: Option<String>,
    #[serde(default)]
    assumptions: Vec<String>,
    certificate_policy: PolicyFile,
    subject: SubjectFile,
    publication: PublicationFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    oid: String,
    cps_uri: String,
    user_notice: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectFile {
    common_name: String,
    unique_id: String,
    organizational_unit: Option<String>,
    country: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicationFile {
    crl_distribution_point: String,
    ocsp_url: String,
}

/// Where a subject attribute's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectSource {
    /// The registry's real name of the citizen.
    RealName,
    /// A stable subject identifier (never the resident registration number), different for
    /// each issuing institution: a person's certificates of two providers are not linked by
    /// it.
    SubjectId,
    /// A stable subject identifier shared by every institution that asks for it: a
    /// person's certificates of those providers are linked by it. Only for a profile whose
    /// relying parties need that link (`unique_id = "shared_subject_id"`).
    SharedSubjectId,
    /// The registered country of residence.
    CountryOfResidence,
}

/// What issuance does when the profile's validity would run past the issuing CA's
/// notAfter (RFC 5280 §6.1.3 rejects a certificate whose issuer has expired, so a
/// certificate outliving its CA is unusable for its last part).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ValidityBeyondIssuer {
    /// notAfter is cut to the issuing CA's notAfter (the default).
    #[default]
    Cap,
    /// Issuance is refused.
    Refuse,
}

/// Key usages a subscriber certificate may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUsageBit {
    /// digitalSignature.
    DigitalSignature,
    /// nonRepudiation (contentCommitment).
    NonRepudiation,
    /// keyEncipherment.
    KeyEncipherment,
    /// keyAgreement.
    KeyAgreement,
}

/// A validated certificate profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Short name (`toss`), equal to the file stem.
    pub name: String,
    /// Human name.
    pub display_name: String,
    /// Issuing institution.
    pub institution: String,
    /// Certificate lifetime in days.
    pub validity_days: u32,
    /// A validity that would outlive the issuing CA is capped or refused
    /// (`validity_beyond_issuer = "cap" | "refuse"`, default `cap`).
    pub validity_beyond_issuer: ValidityBeyondIssuer,
    /// Subscriber keys the CA accepts.
    pub key_algorithms: Vec<KeySpec>,
    /// Key usage bits.
    pub key_usage: Vec<KeyUsageBit>,
    /// Extended key usages.
    pub extended_key_usage: Vec<ObjectIdentifier>,
    /// Certificate policy OID.
    pub policy_oid: ObjectIdentifier,
    /// CPS URI.
    pub cps_uri: String,
    /// User notice text.
    pub user_notice: String,
    /// commonName source.
    pub common_name: SubjectSource,
    /// uniqueIdentifier (UID) source.
    pub unique_id: SubjectSource,
    /// Fixed organizationalUnit, if any.
    pub organizational_unit: Option<String>,
    /// Country source.
    pub country: SubjectSource,
    /// CRL distribution point template (`{partition}` is replaced).
    pub crl_distribution_point: String,
    /// OCSP responder URL.
    pub ocsp_url: String,
    /// Carry the KISA identifyData VID in the subjectAltName.
    pub identify_data_vid: bool,
    /// The lowest assurance issuance accepts (`min_assurance`, required): `PA+CA` (or
    /// `PA+AA`, the same rank) asks for proof that the genuine chip was present.
    pub min_assurance: Assurance,
    /// Values not taken from a public source, stated.
    pub assumptions: Vec<String>,
}

impl Profile {
    /// Whether the certificates of this profile carry the identifier shared by
    /// institutions ([`SubjectSource::SharedSubjectId`] in any subject attribute), which
    /// links a person's certificates across providers.
    #[must_use]
    pub fn links_institutions(&self) -> bool {
        [self.common_name, self.unique_id, self.country].contains(&SubjectSource::SharedSubjectId)
    }
}

fn field(file: &str, field: &'static str, reason: impl Into<String>) -> ProfileError {
    ProfileError::Field {
        file: file.into(),
        field,
        reason: reason.into(),
    }
}

fn key_spec(name: &str) -> Option<KeySpec> {
    Some(match name {
        "rsa2048" => KeySpec::Rsa(2048),
        "rsa3072" => KeySpec::Rsa(3072),
        "rsa4096" => KeySpec::Rsa(4096),
        "p256" => KeySpec::Ec(Curve::P256),
        "p384" => KeySpec::Ec(Curve::P384),
        _ => return None,
    })
}

/// The profile-file name of a key algorithm (`rsa2048`, `p256`), as `key_algorithms` spells it.
#[must_use]
pub fn key_algorithm_name(spec: &KeySpec) -> String {
    match spec {
        KeySpec::Rsa(bits) => format!("rsa{bits}"),
        KeySpec::Ec(Curve::P256) => "p256".into(),
        KeySpec::Ec(Curve::P384) => "p384".into(),
        KeySpec::Ec(curve) => format!("{curve:?}").to_ascii_lowercase(),
    }
}

fn usage(name: &str) -> Option<KeyUsageBit> {
    Some(match name {
        "digitalSignature" => KeyUsageBit::DigitalSignature,
        "nonRepudiation" => KeyUsageBit::NonRepudiation,
        "keyEncipherment" => KeyUsageBit::KeyEncipherment,
        "keyAgreement" => KeyUsageBit::KeyAgreement,
        _ => return None,
    })
}

fn source(file: &str, name: &'static str, value: &str) -> Result<SubjectSource, ProfileError> {
    match value {
        "real_name" => Ok(SubjectSource::RealName),
        "subject_id" => Ok(SubjectSource::SubjectId),
        "shared_subject_id" => Ok(SubjectSource::SharedSubjectId),
        "country_of_residence" => Ok(SubjectSource::CountryOfResidence),
        other => Err(field(
            file,
            name,
            format!(
                "unknown source '{other}' (real_name, subject_id, shared_subject_id, country_of_residence)"
            ),
        )),
    }
}

fn url(file: &str, name: &'static str, value: &str) -> Result<String, ProfileError> {
    if value.starts_with("http://") || value.starts_with("https://") {
        Ok(value.to_string())
    } else {
        Err(field(
            file,
            name,
            format!("'{value}' is not an http(s) URL"),
        ))
    }
}

/// Parses and validates one profile; `file` names it in errors (its stem must be the
/// profile's name).
///
/// # Errors
/// [`ProfileError`] naming the file and the field.
pub fn load_str(text: &str, file: &str) -> Result<Profile, ProfileError> {
    let raw: ProfileFile = toml::from_str(text).map_err(|e| ProfileError::Syntax {
        file: file.into(),
        reason: e.to_string(),
    })?;
    let stem = Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if raw.name != stem
        || raw.name.is_empty()
        || !raw
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(field(
            file,
            "name",
            format!(
                "'{}' must be lower-case and equal the file name '{stem}'",
                raw.name
            ),
        ));
    }
    if !(1..=3650).contains(&raw.validity_days) {
        return Err(field(
            file,
            "validity_days",
            format!("{} is impossible (1 to 3650 days)", raw.validity_days),
        ));
    }
    let validity_beyond_issuer = match raw.validity_beyond_issuer.as_deref() {
        None | Some("cap") => ValidityBeyondIssuer::Cap,
        Some("refuse") => ValidityBeyondIssuer::Refuse,
        Some(other) => {
            return Err(field(
                file,
                "validity_beyond_issuer",
                format!("unknown '{other}' (cap, refuse)"),
            ));
        }
    };
    if raw.key_algorithms.is_empty() {
        return Err(field(file, "key_algorithms", "no key algorithm allowed"));
    }
    let key_algorithms = raw
        .key_algorithms
        .iter()
        .map(|k| {
            key_spec(k).ok_or_else(|| {
                field(
                    file,
                    "key_algorithms",
                    format!("unknown '{k}' (rsa2048, rsa3072, rsa4096, p256, p384)"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if raw.key_usage.is_empty() {
        return Err(field(
            file,
            "key_usage",
            "a subscriber certificate needs a key usage",
        ));
    }
    let key_usage = raw
        .key_usage
        .iter()
        .map(|k| usage(k).ok_or_else(|| field(file, "key_usage", format!("unknown '{k}'"))))
        .collect::<Result<Vec<_>, _>>()?;
    let oid = |name: &'static str, text: &str| {
        ObjectIdentifier::new(text)
            .map_err(|e| field(file, name, format!("'{text}' is not an OID: {e}")))
    };
    let extended_key_usage = raw
        .extended_key_usage
        .iter()
        .map(|t| oid("extended_key_usage", t))
        .collect::<Result<Vec<_>, _>>()?;
    let policy_oid = oid("certificate_policy.oid", &raw.certificate_policy.oid)?;
    if !raw
        .publication
        .crl_distribution_point
        .contains("{partition}")
    {
        return Err(field(
            file,
            "publication.crl_distribution_point",
            "must contain {partition}",
        ));
    }
    let min_assurance = Assurance::from_label(&raw.min_assurance).ok_or_else(|| {
        field(
            file,
            "min_assurance",
            format!(
                "unknown '{}' (PA, PA+AA, PA+CA, PA+AA+CA)",
                raw.min_assurance
            ),
        )
    })?;
    Ok(Profile {
        name: raw.name,
        display_name: raw.display_name,
        institution: raw.institution,
        validity_days: raw.validity_days,
        validity_beyond_issuer,
        key_algorithms,
        key_usage,
        extended_key_usage,
        policy_oid,
        cps_uri: url(
            file,
            "certificate_policy.cps_uri",
            &raw.certificate_policy.cps_uri,
        )?,
        user_notice: raw.certificate_policy.user_notice,
        common_name: source(file, "subject.common_name", &raw.subject.common_name)?,
        unique_id: source(file, "subject.unique_id", &raw.subject.unique_id)?,
        organizational_unit: raw.subject.organizational_unit,
        country: source(file, "subject.country", &raw.subject.country)?,
        crl_distribution_point: url(
            file,
            "publication.crl_distribution_point",
            &raw.publication.crl_distribution_point,
        )?,
        ocsp_url: url(file, "publication.ocsp_url", &raw.publication.ocsp_url)?,
        identify_data_vid: raw.identify_data_vid,
        min_assurance,
        assumptions: raw.assumptions,
    })
}

/// The five shipped profiles (shinhan, toss, kb, woori, hana).
///
/// # Errors
/// A [`ProfileError`] if a shipped file is invalid (a test keeps them valid).
pub fn builtin() -> Result<Vec<Profile>, ProfileError> {
    BUILTIN
        .iter()
        .map(|(file, text)| load_str(text, file))
        .collect()
}

/// Writes the five shipped profiles into `dir` (created if missing) as `<name>.toml`, each
/// text passed through `edit(name, text)` first: the start of a `profiles_dir` of one's own
/// (and of tests that need a profile changed, e.g. one carrying the KISA VID).
///
/// # Errors
/// The file system's.
pub fn write_builtin(dir: &Path, edit: impl Fn(&str, &str) -> String) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (file, text) in BUILTIN {
        let name = file
            .trim_start_matches("profiles/")
            .trim_end_matches(".toml");
        std::fs::write(dir.join(format!("{name}.toml")), edit(name, text))?;
    }
    Ok(())
}

/// Every `*.toml` profile in `dir`, sorted by name.
///
/// # Errors
/// The first [`ProfileError`].
pub fn load_dir(dir: &Path) -> Result<Vec<Profile>, ProfileError> {
    let io = |e: std::io::Error| ProfileError::Io {
        file: dir.display().to_string(),
        reason: e.to_string(),
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|e| ProfileError::Io {
                file: p.display().to_string(),
                reason: e.to_string(),
            })?;
            load_str(&text, &p.display().to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_profiles_written_out_load_as_the_builtin_ones() {
        let dir =
            std::env::temp_dir().join(format!("dongpo-profiles-written-{}", std::process::id()));
        write_builtin(&dir, |_, text| text.to_owned()).unwrap();
        let mut shipped = builtin().unwrap();
        shipped.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(load_dir(&dir).unwrap(), shipped, "load_dir sorts by name");
        write_builtin(&dir, |name, text| {
            text.replace(
                "identify_data_vid = false",
                &format!("identify_data_vid = {}", name == "kb"),
            )
        })
        .unwrap();
        let vid: Vec<_> = load_dir(&dir)
            .unwrap()
            .into_iter()
            .filter(|p| p.identify_data_vid)
            .map(|p| p.name)
            .collect();
        assert_eq!(vid, ["kb"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn five_shipped_profiles_load_with_their_facts() {
        let profiles = builtin().unwrap();
        let names: Vec<_> = profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["shinhan", "toss", "kb", "woori", "hana"]);
        let toss = profiles.iter().find(|p| p.name == "toss").unwrap();
        assert_eq!(toss.validity_days, 1095, "Toss CPS: 3 years");
        assert_eq!(toss.validity_beyond_issuer, ValidityBeyondIssuer::Cap);
        assert_eq!(
            toss.key_algorithms,
            [KeySpec::Rsa(2048)],
            "Toss CPS: RSA-2048 subscriber keys"
        );
        for p in &profiles {
            assert!(
                p.policy_oid.to_string().starts_with("1.3.6.1.4.1.32473."),
                "{}: example arc",
                p.name
            );
            assert!(!p.assumptions.is_empty(), "{}: assumptions stated", p.name);
            assert_eq!(
                p.min_assurance,
                Assurance::PaCa,
                "{}: chip presence required",
                p.name
            );
        }
    }

    #[test]
    fn refusals_name_the_file_and_the_field() {
        let good = include_str!("../profiles/toss.toml");
        let cases = [
            (
                good.replace("validity_days = 1095", "validity_days = 0"),
                "validity_days",
            ),
            (
                good.replace(
                    "validity_days = 1095",
                    "validity_days = 1095\nvalidity_beyond_issuer = \"stretch\"",
                ),
                "validity_beyond_issuer",
            ),
            (
                good.replace("oid = \"1.3.6.1.4.1.32473.1.2\"", "oid = \"1.3..6\""),
                "certificate_policy.oid",
            ),
            (
                good.replace("\"rsa2048\"]", "\"dsa1024\"]"),
                "key_algorithms",
            ),
            (
                good.replace(
                    "country = \"country_of_residence\"",
                    "country = \"birthplace\"",
                ),
                "subject.country",
            ),
            (
                good.replace("min_assurance = \"PA+CA\"", "min_assurance = \"pa\""),
                "min_assurance",
            ),
            (
                good.replace("min_assurance = \"PA+CA\"", "min_assurance = \"PA+BAC\""),
                "min_assurance",
            ),
            (
                good.replace(
                    "ocsp_url = \"http://ca.example/ocsp\"",
                    "ocsp_url = \"ftp://x\"",
                ),
                "publication.ocsp_url",
            ),
        ];
        for (text, name) in cases {
            let err = load_str(&text, "profiles/toss.toml").unwrap_err();
            assert!(
                matches!(&err, ProfileError::Field { field, .. } if *field == name),
                "{err}"
            );
            assert!(
                err.to_string().starts_with("profiles/toss.toml: field"),
                "{err}"
            );
        }
        let refuse = good.replace(
            "validity_days = 1095",
            "validity_days = 1095\nvalidity_beyond_issuer = \"refuse\"",
        );
        assert_eq!(
            load_str(&refuse, "profiles/toss.toml")
                .unwrap()
                .validity_beyond_issuer,
            ValidityBeyondIssuer::Refuse
        );
        for (label, level) in [("PA", Assurance::Pa), ("PA+AA", Assurance::PaAa)] {
            let text = good.replace(
                "min_assurance = \"PA+CA\"",
                &format!("min_assurance = \"{label}\""),
            );
            assert_eq!(
                load_str(&text, "profiles/toss.toml").unwrap().min_assurance,
                level
            );
        }
        let without = good.replace("min_assurance = \"PA+CA\"\n", "");
        assert_ne!(without, good);
        let err = load_str(&without, "profiles/toss.toml").unwrap_err();
        assert!(err.to_string().contains("min_assurance"), "{err}");
        let unknown = format!("{good}\ncolour = \"blue\"\n");
        let err = load_str(&unknown, "profiles/toss.toml").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
        let err = load_str(good, "profiles/other.toml").unwrap_err();
        assert!(err.to_string().contains("field name"), "{err}");
    }

    #[test]
    fn a_sixth_certificate_type_is_a_new_file_not_new_code() {
        let dir =
            std::env::temp_dir().join(format!("dongpo-profiles-sixth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in BUILTIN {
            std::fs::write(dir.join(Path::new(file).file_name().unwrap()), text).unwrap();
        }
        let naver = include_str!("../profiles/toss.toml")
            .replace("name = \"toss\"", "name = \"naver\"")
            .replace("Toss (Viva Republica)", "Naver")
            .replace("32473.1.2", "32473.1.6");
        std::fs::write(dir.join("naver.toml"), naver).unwrap();
        let profiles = load_dir(&dir).unwrap();
        assert_eq!(profiles.len(), 6);
        let naver = profiles.iter().find(|p| p.name == "naver").unwrap();
        assert_eq!(naver.institution, "Naver");
        assert_eq!(naver.policy_oid.to_string(), "1.3.6.1.4.1.32473.1.6");
        std::fs::remove_dir_all(&dir).ok();
    }
}
