//! Many documents under one Document Signer, as a State issues them: one CSCA, one DSC
//! and its key, then per document a new person, DG1, DG2 and an EF.SOD signed by the
//! same key. Cheap next to [`crate::generate`]: no key generation and no certificate per
//! document, only the SOD signature (benchmarks and batch tests need thousands).

use std::sync::Arc;

use der::{Decode, Encode};
use dongpo_crypto::{KeySpec, PublicKey, RsaPublicKey, SigningKey};
use dongpo_icao::oid;
use dongpo_icao::passive_auth::Document;
use x509_cert::Certificate;

use crate::passport::{csca_certificate, names};
use crate::person::{Date, Person};
use crate::pki::{self, CertRequest, Role};
use crate::profile::Profile;
use crate::rng::SeededRng;
use crate::sod::{self, SodRequest};
use crate::time::{Instant, Timeline};
use crate::{KeyStore, TestkitError, dg, mrz};

/// Issuing state of the documents (MRZ).
const STATE: &str = "KOR";

/// A CSCA, its CRL and one DSC with its key, ready to sign documents.
pub struct DocumentSigner {
    profile: Profile,
    seed: u64,
    label: String,
    csca: Vec<u8>,
    crl: Vec<u8>,
    dsc: Certificate,
    dsc_der: Vec<u8>,
    dsc_key: Arc<SigningKey>,
    dg14: Vec<u8>,
    dg15: Vec<u8>,
    /// Set when the DSC certifies another key than the one signing: SOD signatures are
    /// then replaced by seeded bytes of this length (the certified modulus length).
    forged_signature_len: Option<usize>,
}

/// An RSA public key of any size, for tests of the size limits: a seeded random odd
/// modulus of exactly `bits` bits (a multiple of 8; not a product of two primes, and no
/// private key exists) and the exponent `exponent` (big-endian). dongpo must refuse such
/// a key before any arithmetic, so no real key is needed.
#[must_use]
pub fn rsa_key_of_any_size(bits: usize, exponent: &[u8], seed: u64) -> PublicKey {
    let mut modulus = SeededRng::new(seed, &format!("rsa-modulus-{bits}")).bytes(bits / 8);
    if let Some(top) = modulus.first_mut() {
        *top |= 0x80;
    }
    if let Some(low) = modulus.last_mut() {
        *low |= 0x01;
    }
    PublicKey::Rsa(RsaPublicKey {
        modulus,
        exponent: exponent.to_vec(),
        pss_restriction: None,
    })
}

impl DocumentSigner {
    /// The profile's CSCA (the one [`crate::generate`] makes for `seed`) and its DSC
    /// number `dsc`, with its own key. Several signers of one profile and seed share
    /// the CSCA, as the DSCs of one State do.
    ///
    /// # Errors
    /// Key generation, encoding or signing failures.
    pub fn new(
        profile: Profile,
        seed: u64,
        dsc: u32,
        keys: &mut KeyStore,
    ) -> Result<Self, TestkitError> {
        Self::build(profile, seed, dsc, keys, None)
    }

    /// As [`DocumentSigner::new`], but the DSC certificate (issued by the profile's CSCA
    /// as usual) certifies `certified` instead of the key that signs, as a forger's DSC
    /// would; e.g. a key from [`rsa_key_of_any_size`]. For an RSA key, every SOD then
    /// carries a seeded signature value as long as its modulus (and below it), so that
    /// only the key's size limits can stop the work of checking it.
    ///
    /// # Errors
    /// Key generation, encoding or signing failures.
    pub fn with_certified_key(
        profile: Profile,
        seed: u64,
        dsc: u32,
        keys: &mut KeyStore,
        certified: &PublicKey,
    ) -> Result<Self, TestkitError> {
        Self::build(profile, seed, dsc, keys, Some(certified))
    }

    fn build(
        profile: Profile,
        seed: u64,
        dsc: u32,
        keys: &mut KeyStore,
        certified: Option<&PublicKey>,
    ) -> Result<Self, TestkitError> {
        let timeline = Timeline::CURRENT;
        let label = format!("{profile}/batch-dsc-{dsc}");
        let (csca, csca_key) = csca_certificate(profile, seed, &timeline, keys)?;
        let dsc_key = keys.get(seed, &label, profile.key_spec())?;
        let (csca_name, dsc_name) = names(profile);
        let dsc_name = dsc_name.replacen(
            "CN=dongpo Test DSC",
            &format!("CN=dongpo Test DSC {dsc}"),
            1,
        );
        let rng = |role: &str| SeededRng::new(seed, &format!("{label}/{role}"));
        let dsc_cert = pki::issue(
            &CertRequest {
                role: Role::Dsc,
                subject: &dsc_name,
                issuer: &csca_name,
                subject_key: certified.unwrap_or(dsc_key.public_key()),
                explicit_ec_parameters: profile.explicit_ec_parameters(),
                issuer_key: &csca_key,
                algorithm: profile.signature_algorithm(),
                not_before: timeline.dsc_not_before,
                not_after: timeline.dsc_not_after,
                key_usage_end: timeline.dsc_key_usage_end,
            },
            &pki::serial(&mut rng("serial")),
            &mut rng("cert"),
        )?;
        let crl = pki::crl(
            &csca,
            &csca_key,
            profile.signature_algorithm(),
            timeline.crl_this_update,
            timeline.crl_next_update,
            &[],
            &mut rng("crl"),
        )?;
        // Chip keys are per chip in reality; one pair serves every document here, since
        // Passive Authentication only hashes DG14 and DG15.
        let chip = keys.get(
            seed,
            &format!("{label}/chip"),
            KeySpec::Ec(dongpo_crypto::Curve::P256),
        )?;
        let aa = keys.get(seed, &format!("{label}/aa"), profile.aa_key_spec())?;
        Ok(DocumentSigner {
            profile,
            seed,
            dg14: dg::dg14(chip.public_key(), None)?,
            dg15: dg::dg15(&aa.public_key().to_spki_der()),
            csca: csca.to_der()?,
            crl: crl.to_der()?,
            dsc_der: dsc_cert.to_der()?,
            dsc: dsc_cert,
            dsc_key,
            label,
            forged_signature_len: match certified {
                Some(PublicKey::Rsa(rsa)) => Some(rsa.byte_len()),
                _ => None,
            },
        })
    }

    /// The CSCA certificate (DER).
    #[must_use]
    pub fn csca_der(&self) -> &[u8] {
        &self.csca
    }

    /// The CSCA's CRL (DER), revoking nothing.
    #[must_use]
    pub fn crl_der(&self) -> &[u8] {
        &self.crl
    }

    /// The DSC (DER).
    #[must_use]
    pub fn dsc_der(&self) -> &[u8] {
        &self.dsc_der
    }

    /// A time at which every document verifies (the testkit's `verify_at`).
    #[must_use]
    pub fn verify_at(&self) -> String {
        Timeline::CURRENT.verify_at.rfc3339()
    }

    /// Document number `index`: its own person, DG1, DG2 (16 KB) and EF.SOD; DG14 and
    /// DG15 as every document of this signer has them; EF.COM not given.
    ///
    /// # Errors
    /// Encoding or signing failures.
    pub fn document(&self, index: u64) -> Result<Document, TestkitError> {
        let timeline = Timeline::CURRENT;
        let Instant(year, month, day, ..) = timeline.passport_expiry;
        let person_seed = self.seed.wrapping_mul(1_000_003).wrapping_add(index);
        let person = Person::generate(person_seed, Date { year, month, day });
        let rng = |role: &str| SeededRng::new(self.seed, &format!("{}/{index}/{role}", self.label));
        let dg1 = dg::dg1(&mrz::td3(&person, STATE));
        let dg2 = dg::dg2(&mut rng("dg2"));
        let hashed: [(u8, &[u8]); 4] = [(1, &dg1), (2, &dg2), (14, &self.dg14), (15, &self.dg15)];
        let signed = sod::build(
            &SodRequest {
                hash: self.profile.hash(),
                data_groups: &hashed,
                lds_v1: self.profile.lds_v1(),
                dsc: &self.dsc,
                dsc_key: &self.dsc_key,
                algorithm: self.profile.signature_algorithm(),
                signing_time: timeline.signing_time,
                content_type: oid::LDS_SECURITY_OBJECT,
                wrong_message_digest: false,
                corrupt_signature: false,
            },
            &mut rng("sod"),
        )?;
        let data_groups = [
            (1, dg1),
            (2, dg2),
            (14, self.dg14.clone()),
            (15, self.dg15.clone()),
        ]
        .into_iter()
        .collect();
        let content_info = match self.forged_signature_len {
            Some(len) => with_signature(&signed.content_info, rng("forged"), len)?,
            None => signed.content_info,
        };
        Ok(Document {
            sod: sod::wrap(&content_info),
            data_groups,
            com: None,
            active_auth: None,
            chip_authentication: None,
        })
    }
}

/// `content_info` with its (only) SignerInfo's signature replaced by `len` seeded bytes
/// whose first is 0x01, so that the value is below any modulus of `len` bytes.
fn with_signature(
    content_info: &[u8],
    mut rng: SeededRng,
    len: usize,
) -> Result<Vec<u8>, TestkitError> {
    let mut info = cms::content_info::ContentInfo::from_der(content_info)?;
    let mut signed: cms::signed_data::SignedData = info.content.decode_as()?;
    let mut infos = der::asn1::SetOfVec::new();
    for signer in signed.signer_infos.0.iter() {
        let mut signer = signer.clone();
        let mut value = rng.bytes(len);
        if let Some(first) = value.first_mut() {
            *first = 0x01;
        }
        signer.signature = der::asn1::OctetString::new(value)?;
        infos.insert(signer)?;
    }
    signed.signer_infos = cms::signed_data::SignerInfos(infos);
    info.content = der::Any::encode_from(&signed)?;
    Ok(info.to_der()?)
}
