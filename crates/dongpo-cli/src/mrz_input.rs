//! The BAC key from the MRZ flags the chip commands share (`--mrz-file`, or
//! `--document-number` with `--date-of-birth` and `--date-of-expiry`).

use std::path::PathBuf;

use dongpo_chip::bac::MrzKey;

/// The BAC key from `--mrz-file` or `--document-number` with the two dates.
pub fn mrz_key_from(
    mrz_file: Option<&PathBuf>,
    document_number: Option<&String>,
    date_of_birth: Option<&String>,
    date_of_expiry: Option<&String>,
) -> Result<MrzKey, String> {
    let (number, birth, expiry) = match (mrz_file, document_number) {
        (Some(path), None) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            // The MRZ lines as printed, joined (line breaks and spaces dropped).
            let joined: String = text.split_whitespace().collect();
            let mrz = dongpo_icao::lds::Mrz::parse(&joined)
                .map_err(|e| format!("--mrz-file: not an MRZ: {e}"))?;
            (mrz.document_number, mrz.date_of_birth, mrz.date_of_expiry)
        }
        (None, Some(number)) => match (date_of_birth, date_of_expiry) {
            (Some(birth), Some(expiry)) => (number.clone(), birth.clone(), expiry.clone()),
            _ => return Err("--document-number needs --date-of-birth and --date-of-expiry".into()),
        },
        (Some(_), Some(_)) => return Err("--mrz-file replaces --document-number".into()),
        (None, None) => return Err("give --document-number (with the dates) or --mrz-file".into()),
    };
    MrzKey::from_mrz_fields(&number, &birth, &expiry).map_err(|e| e.to_string())
}
