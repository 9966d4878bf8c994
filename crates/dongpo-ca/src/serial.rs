//! Certificate serial numbers: the canonical [`Serial`] lives in `dongpo_pki::serial`, so
//! that the OCSP responder (which does not depend on the CA) keys its cache, its
//! invalidations and its pre-signed CertIDs exactly as the store keys certificates.

pub use dongpo_pki::serial::{RandomError, Serial};
