//! The certificate authority of dongpo: a registration authority that turns a passing
//! ePassport verification, a registry record and a CSR into an [`Approval`], and an
//! issuer that signs only Approvals, under one of the overseas-citizen profiles.
//!
//! The flow follows Let's Encrypt Boulder's split of roles: the RA decides, the signer is
//! dumb and audited, the store records every serial *before* anything is signed and every
//! certificate *before* it is returned. [`finalize`] is the one workflow (approve,
//! consume, issue, record, release on failure, idempotent retries) the server and the CLI
//! call.
#![forbid(unsafe_code)]

pub mod access;
mod audit;
mod authority;
mod config;
mod csr;
mod evidence;
mod extensions;
mod files;
mod hierarchy;
mod init;
mod install;
mod issuance;
mod issue;
mod key_policy;
pub mod keyring;
pub mod keys;
mod lint;
mod ocsp;
mod publish;
mod ra;
mod reason;
mod registry;
pub mod registry_seal;
mod rrn;
pub mod store;
mod subject;
mod tbs;
mod vid;

pub use access::{
    Access, AccessError, AccessLog, Action, CHECKPOINT, CLI_ACTOR, DEFAULT_RETENTION_DAYS,
    ExportLine, access_key, person_subject,
};
pub use audit::{
    AuditChain, AuditEntry, AuditError, AuditRecord, AuditSummary, keyed_hmac, verify_chain,
    verify_chain_from,
};
pub use authority::{
    Application, ArlError, AuditVerifyError, Ca, ImportError, NotWritable, OpenError, Overrides,
    REGISTRY_STORE, ROLE_PIN, ROOT_NAME, RegistryLookupError, Rollover, RolloverError, Rotation,
    RotationError, VERIFIER_ROLE,
};
pub use config::{
    CaConfig, CaEntry, ConfigError, KeyRef, PassphraseSource, Pkcs11Ref, REPLACED_BY_MIN_ASSURANCE,
    REPLACED_SETTING,
};
pub use csr::{Csr, CsrError, MAX_CSR_LEN, parse_csr};
pub use evidence::{Assurance, EvidenceError, ID_PASSPORT_EVIDENCE, PassportEvidence};
pub use extensions::ExtensionError;
pub use files::{
    FileError, FileProblem, certificate_pem, create_secret, read_certificates, read_secret,
    write_new_private, write_public,
};
pub use init::{
    CONFIG_FILE, InitError, InitOptions, PASSPHRASE_ENV, PASSPHRASE_FILE, csr_file, init,
    init_external_root, request_pem, resolve_store,
};
pub use install::InstallError;
pub use issuance::{
    Finalized, IssuanceError, IssuanceHooks, Request, Standalone, access_records, finalize,
};
pub use issue::{IssueError, Issued, Issuer, IssuingCa, partition_of};
pub use key_policy::{KeyPolicy, KeyRejection, spki_sha256};
pub use lint::LintError;
pub use ocsp::{StoreStatus, responder};
pub use publish::{CRL_VALIDITY, CrlScope, PublishError};
pub use ra::{Approval, RaPolicy, Refusal, RegistryRefusal, assurance_reached, report_sha256};
pub use reason::RevocationReason;
pub use registry::{Erasure, Identity, RegistryError, RegistryKey};
pub use subject::{
    NameError, SubjectValues, UB_COMMON_NAME, is_forbidden_in_names, name_text_problem,
};
pub use vid::{AssignedVid, RANDOM_LEN, SealedRandom, VidAssignError};
