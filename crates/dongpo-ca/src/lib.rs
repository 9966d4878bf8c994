//! The certificate authority of dongpo: a registration authority that turns a passing
//! ePassport verification, a registry record and a CSR into an [`ra::Approval`], and an
//! issuer that signs only Approvals, under one of the overseas-citizen profiles.
//!
//! The flow follows Let's Encrypt Boulder's split of roles: the RA decides, the signer is
//! dumb and audited, the store records every serial *before* anything is signed and every
//! certificate *before* it is returned. [`issuance::finalize`] is the one workflow (approve,
//! consume, issue, record, release on failure, idempotent retries) the server and the CLI
//! call.
#![forbid(unsafe_code)]

pub mod audit;
pub mod authority;
pub mod config;
pub mod csr;
pub mod evidence;
pub mod extensions;
pub mod files;
pub mod hierarchy;
pub mod init;
pub mod issuance;
pub mod issue;
pub mod key_policy;
pub mod keys;
pub mod lint;
pub mod ocsp;
pub mod publish;
pub mod ra;
pub mod reason;
pub mod registry;
pub mod serial;
pub mod store;
pub mod subject;
pub mod tbs;
