//! The registry of overseas citizens, as the CA holds it.
//!
//! Resident registration numbers (RRNs) never reach the store or a log: a record is keyed
//! by an HMAC-SHA256 of the RRN under the CA's registry key (a plain hash of a 13-digit
//! number with a known structure is brute-forced in seconds; a keyed one is not). The
//! KISA VID is not kept here: it is drawn per certificate (`crate::vid`).

use hmac::Mac;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::store::RegistryRecord;

/// Why a registry input was refused. Messages name the line and column, never a value.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The resident registration number is not 13 digits (`YYMMDD-NNNNNNN`).
    #[error("{at}: resident_registration_number is not 13 digits (YYMMDD-NNNNNNN)")]
    BadRrn {
        /// Where (line or file).
        at: String,
    },
    /// A field is missing or malformed.
    #[error("{at}: {field}: {reason}")]
    Field {
        /// Where (line or file).
        at: String,
        /// Which field.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The CSV or JSON structure is broken.
    #[error("{at}: {reason}")]
    Format {
        /// Where.
        at: String,
        /// What was wrong (no field values).
        reason: String,
    },
}

/// The CA's secret key for registry identifiers.
pub struct RegistryKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for RegistryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RegistryKey(..)")
    }
}

impl RegistryKey {
    /// Wraps 32 secret octets.
    #[must_use]
    pub fn new(key: [u8; 32]) -> Self {
        RegistryKey(Zeroizing::new(key))
    }

    /// The registry identifier of a person: hex HMAC-SHA256 of the RRN's 13 digits.
    ///
    /// # Errors
    /// [`RegistryError::BadRrn`] when `rrn` is not 13 digits (one hyphen after the sixth allowed).
    pub fn person_id(&self, rrn: &str, at: &str) -> Result<String, RegistryError> {
        let digits =
            crate::rrn::normalise(rrn).ok_or_else(|| RegistryError::BadRrn { at: at.into() })?;
        Ok(hex::encode(
            self.mac(b"dongpo registry person v1", digits.as_bytes()),
        ))
    }

    /// The subject identifier (`UID`) a certificate of `institution` carries for a person:
    /// a MAC under this key of the institution and the registry identifier, so it is stable
    /// across one institution's certificates of a person, differs between institutions (two
    /// providers' certificates cannot be linked through it), and cannot be computed from a
    /// person's registry identifier (which the access records and the audit log carry)
    /// without the key.
    #[must_use]
    pub fn subject_id(&self, person: &str, institution: &str) -> String {
        // The institution's length first, so that no split of the same text collides.
        let mut data = u32::try_from(institution.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes()
            .to_vec();
        data.extend_from_slice(institution.as_bytes());
        data.extend_from_slice(person.as_bytes());
        hex::encode(self.mac(b"dongpo subject id v3", &data).split_at(16).0)
    }

    /// The subject identifier (`UID`) shared by every institution whose profile asks for
    /// it (`unique_id = "shared_subject_id"`): a MAC of the registry identifier alone, so a
    /// person's certificates under such profiles are linked by it. Under its own label, so
    /// it equals no institution's identifier.
    #[must_use]
    pub fn shared_subject_id(&self, person: &str) -> String {
        hex::encode(
            self.mac(b"dongpo shared subject id v1", person.as_bytes())
                .split_at(16)
                .0,
        )
    }

    /// The `UID` of `person` under `profile`: shared when the profile links institutions,
    /// else its institution's.
    #[must_use]
    pub fn subject_id_for(&self, person: &str, profile: &dongpo_profiles::Profile) -> String {
        if profile.links_institutions() {
            self.shared_subject_id(person)
        } else {
            self.subject_id(person, &profile.institution)
        }
    }

    fn mac(&self, label: &[u8], data: &[u8]) -> [u8; 32] {
        let mut mac = crate::audit::keyed_hmac(&self.0);
        mac.update(label);
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

/// What erasing a person removed from the CA, and what it keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erasure {
    /// The person's registry identifier (pseudonymous: the keyed hash of the RRN), which
    /// the kept certificates, serials and key bindings still carry.
    pub person: String,
    /// Whether a registry record was there and was deleted (false: there was none).
    pub record_deleted: bool,
    /// Serials (lowercase hex) of the person's certificates: kept, for revocation and
    /// status, and the key to what the server holds about the person.
    pub certificate_serials: Vec<String>,
}

/// One overseas citizen as the agency's registry describes them: the columns of the CSV
/// import and the fields of the testkit's `identity.json`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// 13-digit resident registration number (never stored).
    pub resident_registration_number: String,
    /// Overseas-citizen registration number.
    pub overseas_registration_number: String,
    /// `registered`, or another status that forbids issuance.
    pub registration_status: String,
    /// Primary identifier as in the MRZ.
    pub surname: String,
    /// Secondary identifier as in the MRZ.
    pub given_names: String,
    /// The name in Hangul.
    pub name_hangul: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// `M`, `F` or `X`.
    pub sex: String,
    /// Nationality (three letters).
    pub nationality: String,
    /// Passport number.
    pub document_number: String,
    /// Passport expiry, `YYYY-MM-DD` (optional; the chip's DG1 is what counts).
    #[serde(default)]
    pub date_of_expiry: Option<String>,
    /// Country of residence (ISO 3166-1 alpha-3).
    pub country_of_residence: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Personal data stays out of debug output (and so out of logs).
        f.write_str("Identity(..)")
    }
}

impl Identity {
    /// Parses one `identity.json`.
    ///
    /// # Errors
    /// [`RegistryError::Format`] naming the JSON problem (serde's message names the field).
    pub fn from_json(text: &str, at: &str) -> Result<Self, RegistryError> {
        serde_json::from_str(text).map_err(|e| RegistryError::Format {
            at: at.into(),
            reason: format!("identity JSON: {}", redact_serde(&e.to_string())),
        })
    }

    /// The registry record: the RRN replaced by its keyed hash. No VID and no random `R` is
    /// kept per person: with both, the RRN is recovered from the row (`crate::vid` draws
    /// them per certificate instead).
    ///
    /// # Errors
    /// [`RegistryError`] naming the field that is malformed.
    pub fn to_record(&self, key: &RegistryKey, at: &str) -> Result<RegistryRecord, RegistryError> {
        self.validate(at)?;
        let person = key.person_id(&self.resident_registration_number, at)?;
        Ok(RegistryRecord {
            person,
            overseas_registration_number: self.overseas_registration_number.clone(),
            registration_status: self.registration_status.clone(),
            surname: self.surname.clone(),
            given_names: self.given_names.clone(),
            name_hangul: self.name_hangul.clone(),
            date_of_birth: self.date_of_birth.clone(),
            sex: self.sex.clone(),
            nationality: self.nationality.clone(),
            document_number: self.document_number.clone(),
            country_of_residence: self.country_of_residence.clone(),
        })
    }

    fn validate(&self, at: &str) -> Result<(), RegistryError> {
        let bad = |field: &'static str, reason: &str| RegistryError::Field {
            at: at.into(),
            field,
            reason: reason.into(),
        };
        let mrz_name = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_uppercase() || b == b' ' || b == b'<')
        };
        if crate::rrn::normalise(&self.resident_registration_number).is_none() {
            return Err(RegistryError::BadRrn { at: at.into() });
        }
        if self.surname.is_empty() || !mrz_name(&self.surname) {
            return Err(bad(
                "surname",
                "must be non-empty, A-Z and spaces as in the MRZ",
            ));
        }
        if !mrz_name(&self.given_names) {
            return Err(bad("given_names", "must be A-Z and spaces as in the MRZ"));
        }
        if !is_iso_date(&self.date_of_birth) {
            return Err(bad("date_of_birth", "must be YYYY-MM-DD"));
        }
        if !matches!(self.sex.as_str(), "M" | "F" | "X" | "<") {
            return Err(bad("sex", "must be M, F or X"));
        }
        for (field, value) in [
            ("nationality", &self.nationality),
            ("country_of_residence", &self.country_of_residence),
        ] {
            if value.len() != 3 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(bad(field, "must be a three-letter country code"));
            }
        }
        if self.document_number.is_empty() || self.document_number.len() > 9 {
            return Err(bad("document_number", "must be 1 to 9 characters"));
        }
        if self.registration_status.is_empty() {
            return Err(bad("registration_status", "must not be empty"));
        }
        // The certificate's commonName is the Hangul name, else "SURNAME GIVEN NAMES":
        // what it cannot carry is refused here, at import, never at issuance.
        let limit = crate::subject::UB_COMMON_NAME;
        if self.name_hangul.is_empty() {
            let latin = format!("{} {}", self.surname, self.given_names);
            if latin.trim().chars().count() > limit {
                return Err(bad(
                    "surname",
                    &format!(
                        "with given_names longer than the {limit} characters a certificate's commonName holds (and name_hangul is empty)"
                    ),
                ));
            }
        } else if let Some(problem) = crate::subject::name_text_problem(&self.name_hangul, limit) {
            return Err(bad(
                "name_hangul",
                &format!("{problem} (it becomes the certificate's commonName)"),
            ));
        }
        for (field, value) in [
            (
                "overseas_registration_number",
                &self.overseas_registration_number,
            ),
            ("registration_status", &self.registration_status),
            ("document_number", &self.document_number),
        ] {
            if value.chars().any(crate::subject::is_forbidden_in_names) {
                return Err(bad(
                    field,
                    "holds a control, format or private-use character",
                ));
            }
        }
        Ok(())
    }
}

/// `YYYY-MM-DD` with a plausible month and day (birth dates predate 1970, so no clock maths).
fn is_iso_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let number = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    matches!(
        (number(y, 4), number(m, 2), number(d, 2)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

/// serde messages may quote the offending value; keep only the part that names the field.
fn redact_serde(message: &str) -> String {
    match message.find(": ") {
        Some(_) if message.contains("invalid value") || message.contains("invalid type") => {
            "a field has the wrong type".into()
        }
        _ => message.to_owned(),
    }
}

/// Parses a registry CSV export (header row with the [`Identity`] field names, in any
/// order) into records. All or nothing: the first bad row refuses the whole file.
///
/// # Errors
/// [`RegistryError`] naming the line and field.
pub fn import_csv(text: &str, key: &RegistryKey) -> Result<Vec<RegistryRecord>, RegistryError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, row) in reader.deserialize::<Identity>().enumerate() {
        let at = format!("line {}", index + 2);
        let identity = row.map_err(|e| RegistryError::Format {
            at: at.clone(),
            reason: match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => match err.field() {
                    Some(i) => format!("column {} is missing or malformed", i + 1),
                    None => redact_serde(&err.to_string()),
                },
                _ => "malformed CSV row".into(),
            },
        })?;
        let record = identity.to_record(key, &at)?;
        if !seen.insert(record.person.clone()) {
            return Err(RegistryError::Format {
                at,
                reason: "the same resident registration number appears twice".into(),
            });
        }
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_ids_are_keyed_stable_per_institution_and_differ_between_institutions() {
        let key = key();
        let person = "aa01";
        let kb = key.subject_id(person, "KB Kookmin Bank");
        assert_eq!(kb, key.subject_id(person, "KB Kookmin Bank"));
        assert_eq!(kb.len(), 32);
        assert_ne!(kb, key.subject_id(person, "Toss"));
        assert_ne!(kb, key.subject_id("bb02", "KB Kookmin Bank"));
        // No person id and institution pair collides with another split of the same text.
        assert_ne!(key.subject_id("ab", "c"), key.subject_id("b", "ca"));
        // Keyed: another key gives other identifiers for the same person.
        assert_ne!(
            kb,
            RegistryKey::new([7u8; 32]).subject_id(person, "KB Kookmin Bank")
        );
        // The shared identifier is one for all institutions and none of theirs.
        let shared = key.shared_subject_id(person);
        assert_eq!(shared, key.shared_subject_id(person));
        assert_eq!(shared.len(), 32);
        assert_ne!(shared, key.shared_subject_id("bb02"));
        assert_ne!(shared, kb);
        assert_ne!(shared, key.subject_id(person, ""));
        assert_ne!(
            shared,
            RegistryKey::new([7u8; 32]).shared_subject_id(person)
        );
    }

    const HEADER: &str = "resident_registration_number,overseas_registration_number,registration_status,surname,given_names,name_hangul,date_of_birth,sex,nationality,document_number,country_of_residence";

    fn key() -> RegistryKey {
        RegistryKey::new([9u8; 32])
    }

    #[test]
    fn person_ids_are_keyed_and_ignore_the_hyphen() {
        let a = key().person_id("800101-1000008", "t").unwrap();
        assert_eq!(a, key().person_id("8001011000008", "t").unwrap());
        assert_ne!(
            a,
            RegistryKey::new([8; 32])
                .person_id("8001011000008", "t")
                .unwrap()
        );
        assert!(!a.contains("800101"));
        assert!(matches!(
            key().person_id("80010-11000008", "t"),
            Err(RegistryError::BadRrn { .. })
        ));
        assert!(key().person_id("800101100000", "t").is_err());
    }

    #[test]
    fn csv_import_hashes_rrns_and_names_bad_lines() {
        let good =
            "800101-1000008,OK-1,registered,KIM,MINJUN,김민준,1980-01-01,M,KOR,M12345678,USA";
        let records = import_csv(&format!("{HEADER}\n{good}\n"), &key()).unwrap();
        assert_eq!(records.len(), 1);
        let record = &records[0];
        assert_eq!(
            record.person,
            key().person_id("8001011000008", "t").unwrap()
        );
        assert!(format!("{record:?}").find("8001011000008").is_none());

        let bad_rrn = good.replace("800101-1000008", "80-0101");
        let err = import_csv(&format!("{HEADER}\n{good}\n{bad_rrn}\n"), &key()).unwrap_err();
        assert!(err.to_string().starts_with("line 3"), "{err}");
        assert!(!err.to_string().contains("80-0101"));

        let bad_date = good.replace("1980-01-01", "01/01/1980");
        let err = import_csv(&format!("{HEADER}\n{bad_date}\n"), &key()).unwrap_err();
        assert!(err.to_string().contains("date_of_birth"), "{err}");

        let err = import_csv(&format!("{HEADER}\n{good}\n{good}\n"), &key()).unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");

        let err = import_csv("surname\nKIM\n", &key()).unwrap_err();
        assert!(err.to_string().starts_with("line 2"), "{err}");
    }

    #[test]
    fn names_a_certificate_cannot_carry_are_refused_at_import_by_field() {
        let good =
            "800101-1000008,OK-1,registered,KIM,MINJUN,김민준,1980-01-01,M,KOR,M12345678,USA";
        let long = "김".repeat(65);
        for (hangul, shown) in [
            ("김민\u{202E}준", "\u{202E}"),
            ("김\u{200B}민준", "\u{200B}"),
            ("\"김\r\n민준\"", "\r\n"),
            ("김\u{0007}민준", "\u{0007}"),
            (long.as_str(), long.as_str()),
        ] {
            let row = good.replace("김민준", hangul);
            let err = import_csv(&format!("{HEADER}\n{row}\n"), &key()).unwrap_err();
            let text = err.to_string();
            assert!(
                matches!(
                    &err,
                    RegistryError::Field {
                        field: "name_hangul",
                        ..
                    }
                ),
                "{hangul:?}: {text}"
            );
            assert!(text.starts_with("line 2: name_hangul"), "{text}");
            assert!(!text.contains(shown) && !text.contains("김"), "{text}");
        }
        let sixty_four = good.replace("김민준", &"김".repeat(64));
        assert_eq!(
            import_csv(&format!("{HEADER}\n{sixty_four}\n"), &key())
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn identity_debug_hides_personal_data() {
        let json = r#"{"resident_registration_number":"800101-1000008","overseas_registration_number":"OK-1","registration_status":"registered","surname":"KIM","given_names":"MINJUN","name_hangul":"김민준","date_of_birth":"1980-01-01","sex":"M","nationality":"KOR","document_number":"M12345678","country_of_residence":"USA"}"#;
        let identity = Identity::from_json(json, "identity.json").unwrap();
        assert_eq!(format!("{identity:?}"), "Identity(..)");
        assert!(Identity::from_json("{}", "identity.json").is_err());
    }
}
