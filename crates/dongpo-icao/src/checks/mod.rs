//! What a verification reports, shared by `verify/` (which produces checks) and `trust/`
//! (deviation lists waive checks by id; master lists summarise their signer): the check
//! ids ([`check_id::CheckId`]) and the report's shapes ([`report`]). It sits below both
//! so that neither depends on the other through it.

pub mod check_id;
pub mod report;
