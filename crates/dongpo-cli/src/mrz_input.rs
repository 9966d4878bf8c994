//! The BAC key from the MRZ flags the chip commands share (`--mrz-file`, or
//! `--document-number` with `--date-of-birth` and `--date-of-expiry`): one clap struct,
//! flattened into each command that opens a chip.

use std::path::PathBuf;

use clap::Args;
use dongpo_chip::bac::MrzKey;

/// The MRZ flags of `dongpo chip read` and `dongpo chip relay`.
#[derive(Args)]
pub struct MrzArgs {
    /// Document number as in the MRZ.
    #[arg(long = "document-number")]
    document_number: Option<String>,
    /// Date of birth, YYMMDD.
    #[arg(long = "date-of-birth")]
    date_of_birth: Option<String>,
    /// Date of expiry, YYMMDD.
    #[arg(long = "date-of-expiry")]
    date_of_expiry: Option<String>,
    /// A file holding the MRZ (two or three lines), instead of the three flags.
    #[arg(long = "mrz-file")]
    mrz_file: Option<PathBuf>,
}

impl MrzArgs {
    /// The BAC key these flags give.
    pub fn key(&self) -> Result<MrzKey, String> {
        mrz_key_from(
            self.mrz_file.as_ref(),
            self.document_number.as_ref(),
            self.date_of_birth.as_ref(),
            self.date_of_expiry.as_ref(),
        )
    }
}

/// The BAC key from `--mrz-file` or `--document-number` with the two dates.
fn mrz_key_from(
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
