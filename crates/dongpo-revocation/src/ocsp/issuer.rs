//! The issuers a responder serves: configuration, checks done once at start-up, and the
//! per-issuer state (precomputed CertID hashes, signer, cache, nonce policy).

use der::asn1::OctetString;
use dongpo_crypto::x509::SharedSigner;
use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_pki::name::{NameMatch, same_name};
use dongpo_pki::{Cert, Serial, UnixTime};
use x509_cert::Certificate;

use crate::ocsp::asn1::{CertId, ID_KP_OCSP_SIGNING, ResponderId};
use crate::ocsp::cache::ResponseCache;
use crate::ocsp::error::OcspError;
use crate::ocsp::request::{Nonce, hash_identifier, issuer_hashes};
use crate::ocsp::response::{CertState, ResponseBuilder, responder_key_id};
use crate::ocsp::source::IssuerId;

/// What to do with a request nonce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoncePolicy {
    /// Answer from the pre-signed cache and echo no nonce (RFC 5019 §4: pre-produced
    /// responses cannot carry it; clients rely on thisUpdate/nextUpdate for freshness).
    Ignore,
    /// Sign live and echo the nonce. RFC 8954 §2.1: "A server MUST reject any OCSP request
    /// that has a nonce in the Nonce extension with a length of either 0 octets or more
    /// than 32 octets with the malformedRequest OCSPResponseStatus". RFC 9654 (which
    /// obsoletes RFC 8954) raises the limit to 128 octets: set `max_len` accordingly.
    Echo {
        /// Longest nonce accepted, in octets (32 per RFC 8954, 128 per RFC 9654).
        max_len: usize,
    },
}

impl NoncePolicy {
    /// RFC 8954's maximum nonce length.
    pub const RFC8954_MAX_NONCE: usize = 32;
    /// RFC 9654's maximum nonce length.
    pub const RFC9654_MAX_NONCE: usize = 128;

    /// [`NoncePolicy::Echo`] with RFC 8954's 32-octet limit.
    #[must_use]
    pub const fn echo() -> Self {
        NoncePolicy::Echo {
            max_len: Self::RFC8954_MAX_NONCE,
        }
    }
}

/// One issuer the responder answers for, and how it signs.
pub struct IssuerConfig {
    issuer: Cert,
    signer: SharedSigner,
    delegate: Option<Cert>,
    validity: u64,
    nonce: NoncePolicy,
    presign_hashes: Vec<HashAlgorithm>,
}

impl std::fmt::Debug for IssuerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerConfig")
            .field("issuer", &self.issuer.subject())
            .field("delegated", &self.delegate.is_some())
            .field("validity", &self.validity)
            .field("nonce", &self.nonce)
            .finish_non_exhaustive()
    }
}

impl IssuerConfig {
    /// The issuer signs its own responses with `signer` (its CA key); responses are valid
    /// for `validity_secs` (nextUpdate = thisUpdate + validity).
    #[must_use]
    pub fn new(issuer: Cert, signer: SharedSigner, validity_secs: u64) -> Self {
        IssuerConfig {
            issuer,
            signer,
            delegate: None,
            validity: validity_secs,
            nonce: NoncePolicy::Ignore,
            presign_hashes: vec![HashAlgorithm::Sha1, HashAlgorithm::Sha256],
        }
    }

    /// A delegated responder (RFC 6960 §4.2.2.2): `responder` is a certificate issued by
    /// `issuer` with id-kp-OCSPSigning, and `signer` holds its key. The certificate is
    /// sent in `certs` so clients can check it.
    #[must_use]
    pub fn delegated(
        issuer: Cert,
        responder: Cert,
        signer: SharedSigner,
        validity_secs: u64,
    ) -> Self {
        let mut config = Self::new(issuer, signer, validity_secs);
        config.delegate = Some(responder);
        config
    }

    /// Sets the nonce policy (default [`NoncePolicy::Ignore`]).
    #[must_use]
    pub fn nonce_policy(mut self, policy: NoncePolicy) -> Self {
        self.nonce = policy;
        self
    }

    /// CertID hash algorithms to pre-sign for (default SHA-1, which RFC 5019 clients and
    /// OpenSSL use, and SHA-256). Other algorithms are answered live and then cached.
    #[must_use]
    pub fn presign_hashes(mut self, hashes: Vec<HashAlgorithm>) -> Self {
        self.presign_hashes = hashes;
        self
    }
}

/// Checks that `signer` holds the key of `cert`.
fn same_key(signer: &SharedSigner, cert: &Cert) -> Result<(), OcspError> {
    let signer_spki = signer.public_key().to_spki_der();
    let signer_key = spki::SubjectPublicKeyInfoRef::try_from(signer_spki.as_slice())
        .map_err(|e| OcspError::Config(format!("signer key: {e}")))?;
    let cert_key = &cert
        .cert
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key;
    if signer_key.subject_public_key.raw_bytes() == cert_key.raw_bytes() {
        Ok(())
    } else {
        Err(OcspError::Config(format!(
            "signer key is not the key of {}",
            cert.subject()
        )))
    }
}

/// Checks a delegated responder certificate against its issuer at configuration time, so
/// that a misconfigured responder fails to start rather than sign unverifiable answers.
fn check_delegate(issuer: &Cert, delegate: &Cert) -> Result<(), OcspError> {
    let bad = |what: &str| OcspError::Config(format!("{}: {what}", delegate.subject()));
    if same_name(
        delegate.cert.tbs_certificate().issuer(),
        issuer.cert.tbs_certificate().subject(),
    ) == NameMatch::Different
    {
        return Err(bad(&format!("not issued by {}", issuer.subject())));
    }
    delegate
        .verify_signed_by(&issuer.key, &Verifier::new())
        .map_err(|e| bad(&format!("signature by the issuer: {e}")))?;
    if !delegate.has_extended_key_usage(&ID_KP_OCSP_SIGNING) {
        return Err(bad("no id-kp-OCSPSigning extended key usage"));
    }
    Ok(())
}

/// An issuer as the responder holds it.
pub(crate) struct Issuer {
    pub(crate) id: IssuerId,
    pub(crate) name: String,
    /// (hash, issuerNameHash, issuerKeyHash) for every supported hash.
    hashes: Vec<(HashAlgorithm, Vec<u8>, Vec<u8>)>,
    signer: SharedSigner,
    responder_id: ResponderId,
    certs: Vec<Certificate>,
    pub(crate) validity: u64,
    pub(crate) nonce: NoncePolicy,
    pub(crate) presign_hashes: Vec<HashAlgorithm>,
    pub(crate) cache: ResponseCache,
}

impl Issuer {
    /// Checks `config` (signer key, delegate certificate) and precomputes its hashes.
    pub(crate) fn from_config(config: IssuerConfig) -> Result<Self, OcspError> {
        let IssuerConfig {
            issuer,
            signer,
            delegate,
            validity,
            nonce,
            presign_hashes,
        } = config;
        if validity == 0 {
            return Err(OcspError::Config("validity period of 0 seconds".into()));
        }
        let mut certs = Vec::new();
        match &delegate {
            Some(responder) => {
                check_delegate(&issuer, responder)?;
                same_key(&signer, responder)?;
                certs.push(responder.cert.clone());
            }
            None => same_key(&signer, &issuer)?,
        }
        let mut hashes = Vec::new();
        for hash in HashAlgorithm::ALL {
            let (name_hash, key_hash) = issuer_hashes(hash, &issuer)?;
            hashes.push((hash, name_hash, key_hash));
        }
        Ok(Issuer {
            responder_id: responder_key_id(&signer.public_key().to_spki_der())?,
            id: IssuerId(issuer.sha256.clone()),
            name: issuer.subject(),
            hashes,
            signer,
            certs,
            validity,
            nonce,
            presign_hashes,
            cache: ResponseCache::new(),
        })
    }

    /// Whether `cert_id` (under `hash`) names this issuer.
    pub(crate) fn owns(&self, hash: HashAlgorithm, cert_id: &CertId) -> bool {
        let name = cert_id.issuer_name_hash.as_bytes();
        let key = cert_id.issuer_key_hash.as_bytes();
        self.hashes
            .iter()
            .any(|(h, n, k)| *h == hash && n == name && k == key)
    }

    /// Whether `cert_id` is exactly our own CertID for `serial` under `hash` (what
    /// [`Issuer::cert_id`] builds), compared in place without building one.
    pub(crate) fn is_canonical(
        &self,
        hash: HashAlgorithm,
        cert_id: &CertId,
        serial: &Serial,
    ) -> bool {
        let parameters_canonical = match &cert_id.hash_algorithm.parameters {
            // SHA-1 carries NULL parameters, the SHA-2 family none (`hash_identifier`).
            Some(p) => {
                hash == HashAlgorithm::Sha1
                    && der::Tagged::tag(p) == der::Tag::Null
                    && p.value().is_empty()
            }
            None => hash != HashAlgorithm::Sha1,
        };
        parameters_canonical
            && cert_id.hash_algorithm.oid == hash.oid()
            && self.owns(hash, cert_id)
            && serial.is_integer_content(cert_id.serial_number.as_bytes())
    }

    /// Our own CertID for `serial` under `hash`, as pre-signed responses carry it: the
    /// serial as the positive INTEGER the certificate (and every client's request) has.
    pub(crate) fn cert_id(
        &self,
        hash: HashAlgorithm,
        serial: &Serial,
    ) -> Result<Option<CertId>, OcspError> {
        let Some((_, name_hash, key_hash)) = self.hashes.iter().find(|(h, ..)| *h == hash) else {
            return Ok(None);
        };
        Ok(Some(CertId {
            hash_algorithm: hash_identifier(hash),
            issuer_name_hash: OctetString::new(name_hash.as_slice())
                .map_err(OcspError::encoding("name hash"))?,
            issuer_key_hash: OctetString::new(key_hash.as_slice())
                .map_err(OcspError::encoding("key hash"))?,
            serial_number: serial
                .to_int()
                .map_err(OcspError::encoding("serial number"))?,
        }))
    }

    /// nextUpdate of a response produced at `now`.
    pub(crate) fn next_update(&self, now: UnixTime) -> UnixTime {
        UnixTime(now.0.saturating_add(self.validity))
    }

    /// Signs one response answering every (CertID, state) pair, echoing `nonce`.
    pub(crate) fn sign(
        &self,
        answers: &[(CertId, Option<CertState>)],
        nonce: Option<&Nonce>,
        now: UnixTime,
    ) -> Result<Vec<u8>, OcspError> {
        let next_update = self.next_update(now);
        let mut builder = ResponseBuilder::new(now).responder_id(self.responder_id.clone());
        for (id, state) in answers {
            builder = builder.single(id.clone(), *state, now, Some(next_update))?;
        }
        if let Some(nonce) = nonce {
            builder = builder.nonce_extn_value(nonce.extn_value())?;
        }
        for cert in &self.certs {
            builder = builder.certificate(cert.clone());
        }
        builder.sign(&self.signer)
    }
}
