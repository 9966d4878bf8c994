//! What a verifier trusts and why: the trust store ([`store`]) with the provenance of
//! every CSCA, CRL and deviation list, and the sources that fill it: CSCA master lists
//! ([`masterlist`]), deviation lists ([`deviation_list`]) and PKD LDIF files
//! ([`pkd_ldif`]). Each source is verified here before it is trusted; what a document
//! then proves is `verify`'s business.

pub mod deviation_list;
pub mod masterlist;
pub mod pkd_ldif;
pub mod store;
