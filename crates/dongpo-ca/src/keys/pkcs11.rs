//! Issuing keys inside an HSM, reached through PKCS#11 (tested against SoftHSM2).
//!
//! The private key is generated in the token as sensitive and non-extractable and is
//! only ever addressed by its `CKA_LABEL`; dongpo hashes ECDSA messages itself and
//! asks the token for `CKM_ECDSA`, and uses `CKM_SHA{256,384,512}_RSA_PKCS` for RSA.
//!
//! Sessions: a small pool of logged-in sessions, one per concurrent signer. Measured on
//! SoftHSM2 (P-256, 2 threads): pool ~8,700 sig/s, one mutex'd session ~5,700 sig/s,
//! a session per call ~6,400 sig/s while another session keeps the login, but ~290
//! sig/s when each call must log in again (the login derives the PIN key). RSA-3072 is
//! bound by the RSA operation (~270 sig/s whatever the strategy).

mod public_key;
mod token;

use std::path::PathBuf;
use std::sync::Mutex;

use const_oid::ObjectIdentifier;
use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use cryptoki::slot::Slot;
use der::Encode;
use dongpo_crypto::{
    Curve, EcdsaEncoding, EcdsaSignature, HashAlgorithm, KeySpec, PublicKey, SignError,
    SignatureAlgorithm, Signer, Verifier,
};

use super::{IssuerKeyError, Passphrase, signature_algorithm_for};
use public_key::{bad_public, read_public_key};
use token::{connect, find_key, lock, login, open_session, pkcs11_error};
pub use token::{find_softhsm_module, shared_context};

/// Where an HSM key lives and how to unlock it.
#[derive(Clone, Debug)]
pub struct Pkcs11Config {
    /// The PKCS#11 module (shared library), e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    /// `CKA_LABEL` of the token (trailing blanks are not significant).
    pub token_label: String,
    /// The token's user PIN.
    pub pin: Passphrase,
    /// `CKA_LABEL` shared by the private and the public key object.
    pub key_label: String,
}

/// A signing key held in a PKCS#11 token.
pub struct Pkcs11Key {
    ctx: Pkcs11,
    slot: Slot,
    token: String,
    label: String,
    pin: Passphrase,
    private: Mutex<ObjectHandle>,
    public: PublicKey,
    idle: Mutex<Vec<Session>>,
}

/// Idle sessions kept beyond this are closed: more would only hold token resources.
const MAX_IDLE_SESSIONS: usize = 16;

impl Pkcs11Key {
    /// Generates a key pair in the token: `CKA_TOKEN` objects, the private key
    /// `CKA_SENSITIVE` and not extractable, both labelled `config.key_label` and sharing
    /// a random 16-byte `CKA_ID`.
    ///
    /// # Errors
    /// [`IssuerKeyError::UnsupportedSpec`] for anything but P-256, P-384 and RSA-3072,
    /// [`IssuerKeyError::KeyExists`] when the label is taken, token, login and module
    /// errors as for [`Pkcs11Key::open`].
    pub fn generate(config: &Pkcs11Config, spec: KeySpec) -> Result<Self, IssuerKeyError> {
        let (mechanism, mut public_template) = match spec {
            KeySpec::Ec(curve @ (Curve::P256 | Curve::P384)) => {
                let params = ObjectIdentifier::new(curve.oid())
                    .ok()
                    .and_then(|oid| oid.to_der().ok())
                    .ok_or_else(|| unsupported_spec(spec))?;
                (Mechanism::EccKeyPairGen, vec![Attribute::EcParams(params)])
            }
            KeySpec::Rsa(3072) => (
                Mechanism::RsaPkcsKeyPairGen,
                vec![
                    Attribute::ModulusBits(3072.into()),
                    Attribute::PublicExponent(vec![1, 0, 1]),
                ],
            ),
            _ => return Err(unsupported_spec(spec)),
        };
        let (ctx, slot) = connect(config)?;
        let token = config.token_label.clone();
        let label = config.key_label.clone();
        let ck = |operation| {
            let token = token.clone();
            move |e: CkError| pkcs11_error(&token, operation, &e)
        };
        let session = ctx
            .open_rw_session(slot)
            .map_err(ck("open read-write session"))?;
        login(&session, &token, &config.pin)?;
        let taken = session
            .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
            .map_err(ck("find objects"))?;
        if !taken.is_empty() {
            return Err(IssuerKeyError::KeyExists { token, label });
        }
        let mut id = vec![0u8; 16];
        getrandom::fill(&mut id).map_err(|e| IssuerKeyError::Pkcs11 {
            token: token.clone(),
            operation: "draw CKA_ID",
            reason: e.to_string(),
        })?;
        let common = [
            Attribute::Token(true),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id),
        ];
        public_template.extend(common.iter().cloned());
        public_template.extend([Attribute::Private(false), Attribute::Verify(true)]);
        let mut private_template = common.to_vec();
        private_template.extend([
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
        ]);
        let (public, private) = session
            .generate_key_pair(&mechanism, &public_template, &private_template)
            .map_err(ck("generate key pair"))?;
        let public = read_public_key(&session, public, &token, &label)?;
        Ok(Pkcs11Key {
            ctx,
            slot,
            token,
            label,
            pin: config.pin.clone(),
            private: Mutex::new(private),
            public,
            idle: Mutex::new(vec![session]),
        })
    }

    /// Opens the key pair labelled `config.key_label` in the token labelled
    /// `config.token_label`, and checks with a test signature that the private and
    /// public objects belong together.
    ///
    /// # Errors
    /// [`IssuerKeyError::TokenNotFound`] (listing the tokens present),
    /// [`IssuerKeyError::KeyNotFound`] / [`IssuerKeyError::AmbiguousKey`] naming token
    /// and label, [`IssuerKeyError::Pkcs11`] for a wrong PIN or a failing module,
    /// [`IssuerKeyError::BadPublicKey`] when the objects do not form a usable pair.
    pub fn open(config: &Pkcs11Config) -> Result<Self, IssuerKeyError> {
        let (ctx, slot) = connect(config)?;
        let token = config.token_label.clone();
        let label = config.key_label.clone();
        let session = open_session(&ctx, slot, &token, &config.pin)?;
        let private = find_key(&session, &token, &label, ObjectClass::PRIVATE_KEY)?;
        let public_handle = find_key(&session, &token, &label, ObjectClass::PUBLIC_KEY)?;
        let id_of = |handle| {
            session
                .get_attributes(handle, &[AttributeType::Id])
                .map_err(|e| pkcs11_error(&token, "read CKA_ID", &e))
        };
        if id_of(private)? != id_of(public_handle)? {
            return Err(bad_public(
                &token,
                &label,
                "the private and public key objects have different CKA_ID",
            ));
        }
        let public = read_public_key(&session, public_handle, &token, &label)?;
        let key = Pkcs11Key {
            ctx,
            slot,
            token,
            label,
            pin: config.pin.clone(),
            private: Mutex::new(private),
            public,
            idle: Mutex::new(vec![session]),
        };
        key.self_test()?;
        Ok(key)
    }

    /// Signs a fixed message and verifies it with the token's public key, so that a
    /// mismatched pair is found at start-up rather than in a relying party.
    fn self_test(&self) -> Result<(), IssuerKeyError> {
        let Some(algorithm) = signature_algorithm_for(&self.public) else {
            return Err(bad_public(
                &self.token,
                &self.label,
                "no signature algorithm for this key type",
            ));
        };
        let message = b"dongpo-ca PKCS#11 key self-test";
        let signature = self.sign_on_token(&algorithm, message)?;
        Verifier::new()
            .verify(&self.public, &algorithm, message, &signature)
            .map_err(|e| {
                bad_public(
                    &self.token,
                    &self.label,
                    &format!("the private key does not match the public key: {e}"),
                )
            })
    }

    /// Runs `op` on a pooled, logged-in session with the private key handle. After a
    /// session, login or handle failure (token reset, logout, handle invalidated) it
    /// retries once on a fresh session with the key looked up again by label.
    fn with_session(
        &self,
        operation: &'static str,
        op: impl Fn(&Session, ObjectHandle) -> Result<Vec<u8>, CkError>,
    ) -> Result<Vec<u8>, IssuerKeyError> {
        let pooled = lock(&self.idle).pop();
        let session = match pooled {
            Some(s) => s,
            None => open_session(&self.ctx, self.slot, &self.token, &self.pin)?,
        };
        let handle = *lock(&self.private);
        match op(&session, handle) {
            Ok(out) => {
                self.give_back(session);
                Ok(out)
            }
            Err(CkError::Pkcs11(rv, _)) if is_stale(rv) => {
                drop(session);
                let session = open_session(&self.ctx, self.slot, &self.token, &self.pin)?;
                let handle =
                    find_key(&session, &self.token, &self.label, ObjectClass::PRIVATE_KEY)?;
                *lock(&self.private) = handle;
                let out =
                    op(&session, handle).map_err(|e| pkcs11_error(&self.token, operation, &e))?;
                self.give_back(session);
                Ok(out)
            }
            Err(e) => {
                // A failed C_Sign ends the operation; the session itself is still good.
                self.give_back(session);
                Err(pkcs11_error(&self.token, operation, &e))
            }
        }
    }

    fn give_back(&self, session: Session) {
        let mut idle = lock(&self.idle);
        if idle.len() < MAX_IDLE_SESSIONS {
            idle.push(session);
        }
    }

    fn unsupported(&self, algorithm: &SignatureAlgorithm) -> IssuerKeyError {
        IssuerKeyError::Unsupported {
            key: self.describe(),
            algorithm: algorithm.name(),
        }
    }
}

impl Pkcs11Key {
    /// Signs on the token, keeping the PKCS#11 error typed (the [`Signer`] impl boxes it
    /// into [`SignError::Key`]).
    fn sign_on_token(
        &self,
        algorithm: &SignatureAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, IssuerKeyError> {
        match (&self.public, *algorithm) {
            (PublicKey::Ec(ec), SignatureAlgorithm::Ecdsa { hash, encoding }) => {
                // CKM_ECDSA signs a digest: hashing here lets one mechanism serve every
                // hash, and keeps large TBS structures off the token's transport.
                let digest = hash.digest(message);
                let raw = self.with_session("sign (CKM_ECDSA)", |s, key| {
                    s.sign(&Mechanism::Ecdsa, key, &digest)
                })?;
                let scalar_len = ec.curve.order_bits().div_ceil(8);
                let malformed = |reason: String| IssuerKeyError::Pkcs11 {
                    token: self.token.clone(),
                    operation: "sign (CKM_ECDSA)",
                    reason,
                };
                let sig = EcdsaSignature::from_plain(&raw, scalar_len)
                    .map_err(|e| malformed(format!("token returned {e}")))?;
                match encoding {
                    EcdsaEncoding::Der => Ok(sig.to_der()),
                    EcdsaEncoding::Plain => sig
                        .to_fixed(scalar_len)
                        .ok_or_else(|| malformed("signature scalar too long".into())),
                }
            }
            (PublicKey::Rsa(_), SignatureAlgorithm::RsaPkcs1 { hash }) => {
                let mechanism = match hash {
                    HashAlgorithm::Sha256 => || Mechanism::Sha256RsaPkcs,
                    HashAlgorithm::Sha384 => || Mechanism::Sha384RsaPkcs,
                    HashAlgorithm::Sha512 => || Mechanism::Sha512RsaPkcs,
                    _ => return Err(self.unsupported(algorithm)),
                };
                self.with_session("sign (CKM_SHAx_RSA_PKCS)", |s, key| {
                    s.sign(&mechanism(), key, message)
                })
            }
            _ => Err(self.unsupported(algorithm)),
        }
    }
}

impl Signer for Pkcs11Key {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign(&self, algorithm: &SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.sign_on_token(algorithm, message)
            .map_err(|e| SignError::Key(Box::new(e)))
    }

    fn describe(&self) -> String {
        format!(
            "pkcs11 token '{}' key '{}' ({})",
            self.token,
            self.label,
            self.public.description()
        )
    }
}

impl std::fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("token", &self.token)
            .field("label", &self.label)
            .field("public", &self.public.description())
            .finish_non_exhaustive()
    }
}

/// Failures a fresh session and a new handle lookup can cure.
fn is_stale(rv: RvError) -> bool {
    matches!(
        rv,
        RvError::SessionHandleInvalid
            | RvError::SessionClosed
            | RvError::UserNotLoggedIn
            | RvError::KeyHandleInvalid
            | RvError::ObjectHandleInvalid
    )
}
fn unsupported_spec(spec: KeySpec) -> IssuerKeyError {
    let spec = match spec {
        KeySpec::Rsa(bits) => format!("RSA-{bits}"),
        KeySpec::Ec(curve) => curve.name().to_owned(),
    };
    IssuerKeyError::UnsupportedSpec { spec }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_specs_are_refused_before_touching_the_module() {
        let config = Pkcs11Config {
            module: PathBuf::from("/nonexistent/libpkcs11.so"),
            token_label: "t".into(),
            pin: Passphrase::new(b"1234".to_vec()),
            key_label: "k".into(),
        };
        for (spec, name) in [
            (KeySpec::Rsa(2048), "RSA-2048"),
            (KeySpec::Ec(Curve::P521), "P-521"),
        ] {
            match Pkcs11Key::generate(&config, spec) {
                Err(IssuerKeyError::UnsupportedSpec { spec }) => assert_eq!(spec, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        // A supported spec gets as far as loading the module, which names the path.
        let err = Pkcs11Key::generate(&config, KeySpec::Ec(Curve::P256)).unwrap_err();
        assert!(matches!(err, IssuerKeyError::Module { .. }), "{err}");
        assert!(
            err.to_string().contains("/nonexistent/libpkcs11.so"),
            "{err}"
        );
    }
}
