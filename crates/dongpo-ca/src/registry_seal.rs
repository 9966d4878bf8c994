//! The registry sealed at rest: each record's fields serialised and encrypted with
//! AES-256-GCM under a versioned data key, a fresh random 96-bit nonce per write, and the
//! person id and key version as associated data (a row copied onto another person, or
//! relabelled with another version, does not open).
//!
//! The data keys live in the store (`registry_keys`), each wrapped under the keyring's
//! registry sealing key ([`crate::keyring::KeyName::RegistrySeal`]), which never enters the
//! store: every node sharing a store sees a new data key as soon as it is added, and a copy
//! of the database or of the data directory without the keyring opens nothing. New rows are
//! sealed under the newest version; rows under older versions still open, and
//! [`crate::Ca::rotate_registry_key`] re-seals them in batches.
//!
//! The RRN-HMAC key that makes the person id is not rotated: it is the lookup key, so a new
//! one would need every RRN again, which the CA never keeps.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use dongpo_pki::time::UnixTime;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keyring;
use crate::store::{RegistryRecord, SealedRegistryRow, Store, StoreError, WrappedDataKey};

/// Why a registry row could not be sealed or opened. Messages name the person id (a keyed
/// hash) and key versions, never a field.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The row is sealed under a data key version the store does not hold.
    #[error(
        "registry row {person} is sealed under data key version {version}, which the store does not hold"
    )]
    UnknownVersion {
        /// The person id.
        person: String,
        /// The version.
        version: u32,
    },
    /// The row does not authenticate: altered, or moved from another person.
    #[error(
        "registry row {person} does not authenticate (altered, or copied from another person's row); refusing it"
    )]
    Tampered {
        /// The person id.
        person: String,
    },
    /// A data key does not unwrap under the keyring's sealing key.
    #[error(
        "registry data key version {version} does not unwrap under the keyring's registry-seal.key: the keyring is not this store's"
    )]
    WrongSealKey {
        /// The version.
        version: u32,
    },
    /// The store holds no data key although it holds sealed rows (an altered store).
    #[error("the store holds no registry data key")]
    NoKey,
    /// The OS random generator failed.
    #[error("the OS random number generator failed")]
    Random,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The fields of a record as sealed (the person id is the row's key, outside).
#[derive(Serialize, Deserialize)]
struct Fields {
    overseas_registration_number: String,
    registration_status: String,
    surname: String,
    given_names: String,
    name_hangul: String,
    date_of_birth: String,
    sex: String,
    nationality: String,
    document_number: String,
    country_of_residence: String,
}

fn row_aad(person: &str, version: u32) -> Vec<u8> {
    let mut aad = b"dongpo registry row v1\0".to_vec();
    aad.extend_from_slice(person.as_bytes());
    aad.push(0);
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

fn key_aad(version: u32) -> Vec<u8> {
    let mut aad = b"dongpo registry data key v1\0".to_vec();
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

/// The registry's data keys, unwrapped, and the key that wraps them.
pub struct RegistrySeal {
    seal_key: Zeroizing<[u8; 32]>,
    data_keys: BTreeMap<u32, Zeroizing<[u8; 32]>>,
}

impl std::fmt::Debug for RegistrySeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrySeal")
            .field("versions", &self.data_keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl RegistrySeal {
    /// The data keys of `store` unwrapped under `seal_key`; a store without any gets
    /// version 1 (unaudited: the CA's first open makes it).
    ///
    /// # Errors
    /// [`SealError::WrongSealKey`], [`SealError::Random`], the store's.
    pub fn load(
        seal_key: Zeroizing<[u8; 32]>,
        store: &mut dyn Store,
        now: UnixTime,
    ) -> Result<Self, SealError> {
        let mut seal = RegistrySeal {
            seal_key,
            data_keys: BTreeMap::new(),
        };
        seal.refresh(store)?;
        if seal.data_keys.is_empty() {
            let (wrapped, key) = seal.new_data_key(1, now)?;
            match store.add_registry_key(&wrapped, &[]) {
                Ok(()) => {
                    seal.data_keys.insert(1, key);
                }
                // Another node made it first: use theirs.
                Err(StoreError::KeyVersionTaken { .. }) => seal.refresh(store)?,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(seal)
    }

    /// Reads the store's data keys again (another node may have rotated).
    ///
    /// # Errors
    /// [`SealError::WrongSealKey`], the store's.
    pub fn refresh(&mut self, store: &mut dyn Store) -> Result<(), SealError> {
        for stored in store.registry_keys()? {
            if self.data_keys.contains_key(&stored.version) {
                continue;
            }
            let plain = keyring::open(&self.seal_key, &key_aad(stored.version), &stored.wrapped)
                .ok_or(SealError::WrongSealKey {
                    version: stored.version,
                })?;
            let key: [u8; 32] =
                plain
                    .as_slice()
                    .try_into()
                    .map_err(|_| SealError::WrongSealKey {
                        version: stored.version,
                    })?;
            self.data_keys.insert(stored.version, Zeroizing::new(key));
        }
        Ok(())
    }

    /// The newest data key version (the one new rows are sealed under).
    #[must_use]
    pub fn newest(&self) -> u32 {
        self.data_keys.keys().next_back().copied().unwrap_or(0)
    }

    /// A new random data key of `version`, and its wrapped form for the store.
    ///
    /// # Errors
    /// [`SealError::Random`].
    pub fn new_data_key(
        &self,
        version: u32,
        now: UnixTime,
    ) -> Result<(WrappedDataKey, Zeroizing<[u8; 32]>), SealError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut_slice()).map_err(|_| SealError::Random)?;
        let wrapped = keyring::seal(&self.seal_key, &key_aad(version), key.as_slice())
            .ok_or(SealError::Random)?;
        Ok((
            WrappedDataKey {
                version,
                wrapped,
                created_at: now,
            },
            key,
        ))
    }

    /// Adopts a data key this process added to the store.
    pub fn insert(&mut self, version: u32, key: Zeroizing<[u8; 32]>) {
        self.data_keys.insert(version, key);
    }

    /// Seals `record` under the newest data key.
    ///
    /// # Errors
    /// [`SealError::NoKey`], [`SealError::Random`].
    pub fn seal(&self, record: &RegistryRecord) -> Result<SealedRegistryRow, SealError> {
        let (&version, key) = self.data_keys.iter().next_back().ok_or(SealError::NoKey)?;
        let fields = Fields {
            overseas_registration_number: record.overseas_registration_number.clone(),
            registration_status: record.registration_status.clone(),
            surname: record.surname.clone(),
            given_names: record.given_names.clone(),
            name_hangul: record.name_hangul.clone(),
            date_of_birth: record.date_of_birth.clone(),
            sex: record.sex.clone(),
            nationality: record.nationality.clone(),
            document_number: record.document_number.clone(),
            country_of_residence: record.country_of_residence.clone(),
        };
        let plain = Zeroizing::new(serde_json::to_vec(&fields).map_err(|_| SealError::Random)?);
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| SealError::Random)?;
        let ciphertext = Aes256Gcm::new(&(**key).into())
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &plain,
                    aad: &row_aad(&record.person, version),
                },
            )
            .map_err(|_| SealError::Random)?;
        Ok(SealedRegistryRow {
            person: record.person.clone(),
            key_version: version,
            nonce,
            ciphertext,
        })
    }

    /// Opens a sealed row.
    ///
    /// # Errors
    /// [`SealError::UnknownVersion`] (refresh and retry: another node may have rotated),
    /// [`SealError::Tampered`].
    pub fn open(&self, row: &SealedRegistryRow) -> Result<RegistryRecord, SealError> {
        let key =
            self.data_keys
                .get(&row.key_version)
                .ok_or_else(|| SealError::UnknownVersion {
                    person: row.person.clone(),
                    version: row.key_version,
                })?;
        let tampered = || SealError::Tampered {
            person: row.person.clone(),
        };
        let plain = Zeroizing::new(
            Aes256Gcm::new(&(**key).into())
                .decrypt(
                    &Nonce::from(row.nonce),
                    Payload {
                        msg: &row.ciphertext,
                        aad: &row_aad(&row.person, row.key_version),
                    },
                )
                .map_err(|_| tampered())?,
        );
        let fields: Fields = serde_json::from_slice(&plain).map_err(|_| tampered())?;
        Ok(RegistryRecord {
            person: row.person.clone(),
            overseas_registration_number: fields.overseas_registration_number,
            registration_status: fields.registration_status,
            surname: fields.surname,
            given_names: fields.given_names,
            name_hangul: fields.name_hangul,
            date_of_birth: fields.date_of_birth,
            sex: fields.sex,
            nationality: fields.nationality,
            document_number: fields.document_number,
            country_of_residence: fields.country_of_residence,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn record(person: &str) -> RegistryRecord {
        RegistryRecord {
            person: person.into(),
            overseas_registration_number: "ORN-1".into(),
            registration_status: "registered".into(),
            surname: "HONG".into(),
            given_names: "GILDONG".into(),
            name_hangul: "홍길동".into(),
            date_of_birth: "1990-01-01".into(),
            sex: "M".into(),
            nationality: "KOR".into(),
            document_number: "M12345678".into(),
            country_of_residence: "USA".into(),
        }
    }

    fn seal_with_keys(versions: &[u32]) -> RegistrySeal {
        let mut seal = RegistrySeal {
            seal_key: Zeroizing::new([3; 32]),
            data_keys: BTreeMap::new(),
        };
        for v in versions {
            let (_, key) = seal.new_data_key(*v, UnixTime(0)).unwrap();
            seal.insert(*v, key);
        }
        seal
    }

    #[test]
    fn rows_round_trip_under_the_newest_key_and_hide_their_fields() {
        let seal = seal_with_keys(&[1, 2]);
        let row = seal.seal(&record("aa01")).unwrap();
        assert_eq!(row.key_version, 2);
        for secret in ["HONG", "GILDONG", "1990", "M12345678", "ORN-1"] {
            assert!(
                !row.ciphertext
                    .windows(secret.len())
                    .any(|w| w == secret.as_bytes()),
                "{secret} in the clear"
            );
        }
        assert!(seal.open(&row).unwrap() == record("aa01"));
        let again = seal.seal(&record("aa01")).unwrap();
        assert_ne!(again.nonce, row.nonce, "a fresh nonce per write");
    }

    #[test]
    fn altered_moved_or_relabelled_rows_are_refused() {
        let seal = seal_with_keys(&[1, 2]);
        let row = seal.seal(&record("aa01")).unwrap();
        let mut flipped = row.clone();
        if let Some(b) = flipped.ciphertext.get_mut(3) {
            *b ^= 1;
        }
        let moved = SealedRegistryRow {
            person: "bb02".into(),
            ..row.clone()
        };
        let relabelled = SealedRegistryRow {
            key_version: 1,
            ..row.clone()
        };
        for bad in [flipped, moved, relabelled] {
            assert!(matches!(seal.open(&bad), Err(SealError::Tampered { .. })));
        }
        let unknown = SealedRegistryRow {
            key_version: 9,
            ..row
        };
        assert!(matches!(
            seal.open(&unknown),
            Err(SealError::UnknownVersion { version: 9, .. })
        ));
    }
}
