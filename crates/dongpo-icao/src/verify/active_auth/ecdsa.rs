//! ECDSA Active Authentication: a signature over the challenge itself, plain `r || s`
//! (BSI TR-03111 §5.2.1, what chips send) or X9.62 DER (some ID cards).

use std::sync::OnceLock;

use dongpo_crypto::{
    EcdsaEncoding, HashAlgorithm, PublicKey, SignatureAlgorithm, Verifier, VerifyError,
};

use super::{AaAlgorithm, AaError, AaOutcome, SignatureEncoding};

/// One verifier per process, so that prepared DG15 keys are cached.
fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(Verifier::new)
}

/// Verifies an ECDSA Active Authentication signature over `challenge` with `hash`
/// (from DG14 `ActiveAuthenticationInfo`). A signature exactly `2 * |order|` bytes long
/// is read as plain `r || s`, anything else as DER; a plain-length signature that fails
/// and parses as DER is tried as DER too. The outcome names the encoding that verified.
///
/// # Errors
/// [`AaError::UnsuitableKey`] for a non-EC key, [`AaError::MalformedSignature`] when the
/// bytes are in neither encoding, [`AaError::EcdsaInvalid`] when the signature is wrong.
pub fn verify_ecdsa(
    key: &PublicKey,
    hash: HashAlgorithm,
    challenge: &[u8],
    signature: &[u8],
) -> Result<AaOutcome, AaError> {
    let PublicKey::Ec(ec) = key else {
        return Err(AaError::UnsuitableKey(format!(
            "{} cannot make ECDSA signatures",
            key.description()
        )));
    };
    if challenge.is_empty() {
        return Err(AaError::EmptyChallenge);
    }
    let plain_len = 2 * ec.curve.order_bits().div_ceil(8);
    let first = if signature.len() == plain_len {
        EcdsaEncoding::Plain
    } else {
        EcdsaEncoding::Der
    };
    let attempt = |encoding| {
        let algorithm = SignatureAlgorithm::Ecdsa { hash, encoding };
        verifier().verify(key, &algorithm, challenge, signature)
    };
    let encoding = match attempt(first) {
        Ok(()) => first,
        Err(e) if first == EcdsaEncoding::Plain && signature.first() == Some(&0x30) => {
            attempt(EcdsaEncoding::Der)
                .map(|()| EcdsaEncoding::Der)
                .map_err(|_| to_aa_error(e))?
        }
        Err(e) => return Err(to_aa_error(e)),
    };
    Ok(AaOutcome {
        algorithm: AaAlgorithm::Ecdsa,
        hash,
        signature_encoding: SignatureEncoding::Ecdsa(encoding),
        key: key.description(),
    })
}

fn to_aa_error(e: VerifyError) -> AaError {
    match e {
        VerifyError::Key(k) => AaError::Key(k),
        VerifyError::MalformedSignature(m) => AaError::MalformedSignature(m),
        VerifyError::Invalid => AaError::EcdsaInvalid,
        VerifyError::Unsupported(what) => AaError::UnsuitableKey(what),
        // `VerifyError` is non-exhaustive: an unknown reason fails as unsuitable.
        other => AaError::UnsuitableKey(other.to_string()),
    }
}
