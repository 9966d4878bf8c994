//! Erasing a person: the one workflow behind `POST /v1/registry/erase` and `dongpo registry
//! delete` (the front ends only translate). The CA deletes the registry record (audited)
//! and names the person's certificates; the server then deletes the verifications and
//! receipts those certificates were issued on and the person's document bindings. What a
//! CA must keep stays, pseudonymous: certificates (with their evidence: the report hash
//! and the DSC the passport was signed under, until they expire), serials, key bindings.
//! Both steps can be run again: a retry after a failure finishes the erasure.

use dongpo_ca::{Ca, Erasure, ImportError};
use dongpo_pki::time::UnixTime;

use crate::db::{DbError, Removed, ServerDb};

/// What an erasure removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erased {
    /// The CA's part: the registry record and the certificates kept.
    pub ca: Erasure,
    /// The server's part; `None` when there was no server database to erase from.
    pub server: Option<Removed>,
}

/// Why an erasure failed. Messages name no personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EraseError {
    /// The resident registration number is malformed: nothing was changed.
    #[error(transparent)]
    BadRrn(dongpo_ca::RegistryError),
    /// The CA store failed: nothing was changed, or the registry record is gone and the
    /// server's records are not (run the erasure again).
    #[error("erasure: {0}")]
    Ca(#[source] ImportError),
    /// The server database failed after the registry part ran (`erasure` says what it
    /// did, for the access record): run the erasure again to finish it.
    #[error("erasure: the registry part is done, the server's records not yet: {source}")]
    Server {
        /// What the CA's part did.
        erasure: Box<Erasure>,
        /// The server database's failure.
        #[source]
        source: DbError,
    },
}

/// Erases the person with resident registration number `rrn` from the CA (`ca`) and from
/// the server's database (`db`, when there is one).
///
/// # Errors
/// [`EraseError`].
pub fn erase_person(
    ca: &mut Ca,
    db: Option<&mut dyn ServerDb>,
    rrn: &str,
    now: UnixTime,
) -> Result<Erased, EraseError> {
    let erasure = ca.erase_person(rrn, now).map_err(|e| match e {
        ImportError::Registry(e) => EraseError::BadRrn(e),
        other => EraseError::Ca(other),
    })?;
    let server = match db {
        Some(db) => match db.erase_person(&erasure.person, &erasure.certificate_serials) {
            Ok(removed) => Some(removed),
            Err(source) => {
                return Err(EraseError::Server {
                    erasure: Box::new(erasure),
                    source,
                });
            }
        },
        None => None,
    };
    Ok(Erased {
        ca: erasure,
        server,
    })
}
