//! The part a server process plays (`--role`, config `role`, `DONGPO_ROLE`): the verifier
//! (registry, challenges, chip sessions, verifications, receipts), a provider CA
//! (profiles, certificates, revocation, CRLs, OCSP), or both in one process (`all`).

use serde::{Deserialize, Serialize};

/// A verifier's registry directory under the data directory.
pub const REGISTRY_DIR: &str = "registry";

/// A server role.
///
/// ```
/// use dongpo_server::Role;
///
/// let verifier = Role::from_name("verifier").expect("a role");
/// assert!(verifier.holds_registry() && !verifier.holds_ca());
/// assert!(Role::default().holds_registry() && Role::default().holds_ca());
/// assert_eq!(Role::from_name("registry"), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything in one process (the default; `--dev` and `dongpo demo`).
    #[default]
    All,
    /// The agency: registry, challenges, chip sessions, verifications and receipts. No CA
    /// key, issuing CA, CRL or OCSP.
    Verifier,
    /// A provider CA: profiles, certificates, revocation, CRLs and OCSP. No registry.
    Ca,
}

/// What serves a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Every role (API keys, health, readiness, metrics, the OpenAPI document).
    Common,
    /// The verifier's part.
    Verifier,
    /// The CA's part.
    Ca,
}

impl Role {
    /// Its name (`all`, `verifier`, `ca`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Role::All => "all",
            Role::Verifier => "verifier",
            Role::Ca => "ca",
        }
    }

    /// The role called `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [Role::All, Role::Verifier, Role::Ca]
            .into_iter()
            .find(|r| r.name() == name)
    }

    /// Whether this role plays `part`.
    #[must_use]
    pub fn plays(self, part: Part) -> bool {
        match (self, part) {
            (Role::All, _) | (_, Part::Common) => true,
            (Role::Verifier, Part::Verifier) | (Role::Ca, Part::Ca) => true,
            (Role::Verifier, Part::Ca) | (Role::Ca, Part::Verifier) => false,
        }
    }

    /// Whether this role holds a CA (root, issuing CAs, their keys).
    #[must_use]
    pub fn holds_ca(self) -> bool {
        self.plays(Part::Ca)
    }

    /// Whether this role holds the registry of overseas citizens.
    #[must_use]
    pub fn holds_registry(self) -> bool {
        self.plays(Part::Verifier)
    }
}

/// The part a route (a path of [`crate::ROUTES`]) belongs to. `POST /v1/certificates` is
/// the CA's (at a `ca`-only process it answers `verifier_code_required`).
#[must_use]
pub fn part_of(path: &str) -> Part {
    match path {
        "/v1/challenges"
        | "/v1/verifications"
        | "/v1/verifications:batch"
        | "/v1/chip-sessions"
        | "/v1/chip-sessions/{id}/responses"
        | "/v1/verifications/{id}/receipt"
        | "/v1/receipt-keys"
        | "/v1/registry"
        | "/v1/registry/erase" => Part::Verifier,
        "/v1/profiles"
        | "/v1/certificates"
        | "/v1/certificates/{serial}"
        | "/v1/certificates/{serial}/revoke"
        | "/crl/{file}"
        | "/ocsp"
        | "/ocsp/{request}" => Part::Ca,
        _ => Part::Common,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_plays_its_part_and_all_plays_every_part() {
        for part in [Part::Common, Part::Verifier, Part::Ca] {
            assert!(Role::All.plays(part));
        }
        assert!(Role::Verifier.plays(Part::Verifier) && !Role::Verifier.plays(Part::Ca));
        assert!(Role::Ca.plays(Part::Ca) && !Role::Ca.plays(Part::Verifier));
        assert!(Role::Ca.plays(Part::Common) && Role::Verifier.plays(Part::Common));
        assert_eq!(Role::from_name("verifier"), Some(Role::Verifier));
        assert_eq!(Role::from_name("CA"), None);
    }

    #[test]
    fn every_route_has_its_part() {
        let parts: Vec<Part> = crate::ROUTES.iter().map(|(_, p)| part_of(p)).collect();
        assert_eq!(part_of("/v1/registry"), Part::Verifier);
        assert_eq!(part_of("/ocsp"), Part::Ca);
        assert_eq!(part_of("/v1/api-keys"), Part::Common);
        // Only the operational routes and API keys are common.
        let common: Vec<&str> = crate::ROUTES
            .iter()
            .zip(&parts)
            .filter(|(_, part)| **part == Part::Common)
            .map(|((_, path), _)| *path)
            .collect();
        assert_eq!(
            common,
            [
                "/v1/api-keys",
                "/healthz",
                "/readyz",
                "/metrics",
                "/openapi.yaml"
            ]
        );
    }
}
