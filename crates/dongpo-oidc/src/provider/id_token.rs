//! ID tokens: pairwise subjects and the claims a grant releases.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use super::{Client, PairwiseSecret, Provider, PushedRequest, VerifiedPerson};
use crate::claims::{Scope, acr, amr, names};
use crate::jose::b64;

/// `sub` for a person at a sector: HMAC-SHA256 under the provider's secret over the
/// length-prefixed sector and the person's stable id, base64url. Same person, other
/// sector: unrelated value; same sector: always the same value.
pub(crate) fn pairwise_subject(secret: &PairwiseSecret, sector: &str, person_id: &str) -> String {
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.0.as_slice()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; unreachable with a 32-byte key.
        Err(_) => return String::new(),
    };
    let sector_len = u64::try_from(sector.len()).unwrap_or(u64::MAX);
    mac.update(&sector_len.to_be_bytes());
    mac.update(sector.as_bytes());
    mac.update(person_id.as_bytes());
    b64(&mac.finalize().into_bytes())
}

impl Provider {
    /// The claims of the ID token for `request`, completed for `person` at `now`.
    pub(crate) fn id_token_claims(
        &self,
        client: &Client,
        request: &PushedRequest,
        person: &VerifiedPerson,
        now: u64,
    ) -> Map<String, Value> {
        let mut c = Map::new();
        let scopes: Vec<Scope> = request
            .scopes
            .iter()
            .filter_map(|s| Scope::from_name(s))
            .collect();
        c.insert("iss".into(), self.config.issuer.clone().into());
        c.insert(
            "sub".into(),
            pairwise_subject(&self.pairwise, client.sector(), &person.person_id).into(),
        );
        c.insert("aud".into(), client.id().into());
        c.insert("iat".into(), now.into());
        c.insert(
            "exp".into(),
            now.saturating_add(self.config.id_token_lifetime).into(),
        );
        c.insert("auth_time".into(), person.auth_time.0.into());
        c.insert("nonce".into(), request.nonce.clone().into());
        c.insert("acr".into(), acr(person.assurance).into());
        c.insert(
            "amr".into(),
            amr(person.assurance)
                .iter()
                .map(|v| Value::from(*v))
                .collect::<Vec<_>>()
                .into(),
        );
        c.insert(
            names::ISSUING_STATE.into(),
            person.issuing_state.clone().into(),
        );
        if scopes.contains(&Scope::OverseasIdentity) {
            let id = &person.identity;
            c.insert(names::MRZ_NAME.into(), id.mrz_name.clone().into());
            if let Some(hangul) = &id.hangul_name {
                c.insert(names::HANGUL_NAME.into(), hangul.clone().into());
            }
            c.insert(names::BIRTHDATE.into(), id.birth_date.clone().into());
            c.insert(
                names::REGISTRATION_STATUS.into(),
                id.registration_status.clone().into(),
            );
        }
        if scopes.contains(&Scope::Rrn)
            && let Some(rrn) = &person.rrn
        {
            c.insert(names::RRN.into(), rrn.expose().into());
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_subjects_differ_by_sector_and_secret_and_are_stable() {
        let secret = PairwiseSecret::new([7; 32]);
        let a = pairwise_subject(&secret, "ca-kb", "person-1");
        assert_eq!(a, pairwise_subject(&secret, "ca-kb", "person-1"));
        assert_eq!(a.len(), 43);
        assert_ne!(a, pairwise_subject(&secret, "ca-nh", "person-1"));
        assert_ne!(a, pairwise_subject(&secret, "ca-kb", "person-2"));
        assert_ne!(
            a,
            pairwise_subject(&PairwiseSecret::new([8; 32]), "ca-kb", "person-1")
        );
        // the length prefix keeps sector and id apart
        assert_ne!(
            pairwise_subject(&secret, "ab", "c"),
            pairwise_subject(&secret, "a", "bc")
        );
    }
}
