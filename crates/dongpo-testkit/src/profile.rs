//! The algorithm profiles of generated passports, one per algorithm family in use.

use dongpo_crypto::{Curve, EcdsaEncoding, HashAlgorithm, KeySpec, PssParams, SignatureAlgorithm};

/// An algorithm profile: the CSCA, DSC and SOD all use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// RSA-2048, PKCS#1 v1.5, SHA-256.
    Rsa2048,
    /// RSA-4096, PKCS#1 v1.5, SHA-256.
    Rsa4096,
    /// RSA-3072, RSASSA-PSS SHA-256 / MGF1-SHA-256 / salt 32 (the Korean CSCA profile).
    RsaPss3072,
    /// ECDSA P-256, SHA-256.
    P256,
    /// ECDSA P-384, SHA-384.
    P384,
    /// ECDSA P-521, SHA-512.
    P521,
    /// ECDSA brainpoolP256r1, SHA-256, explicit domain parameters.
    Bp256,
    /// ECDSA brainpoolP384r1, SHA-384, explicit domain parameters.
    Bp384,
    /// ECDSA brainpoolP512r1, SHA-512, explicit domain parameters.
    Bp512,
}

impl Profile {
    /// Every profile, in the order of `docs/cli.md` (`dongpo testkit passport`).
    pub const ALL: [Profile; 9] = [
        Profile::Rsa2048,
        Profile::Rsa4096,
        Profile::RsaPss3072,
        Profile::P256,
        Profile::P384,
        Profile::P521,
        Profile::Bp256,
        Profile::Bp384,
        Profile::Bp512,
    ];

    /// The CLI name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Rsa2048 => "rsa2048",
            Profile::Rsa4096 => "rsa4096",
            Profile::RsaPss3072 => "rsapss3072",
            Profile::P256 => "p256",
            Profile::P384 => "p384",
            Profile::P521 => "p521",
            Profile::Bp256 => "bp256",
            Profile::Bp384 => "bp384",
            Profile::Bp512 => "bp512",
        }
    }

    /// Parses a CLI name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The hash of the signature and of the data groups.
    #[must_use]
    pub const fn hash(self) -> HashAlgorithm {
        match self {
            Profile::P384 | Profile::Bp384 => HashAlgorithm::Sha384,
            Profile::P521 | Profile::Bp512 => HashAlgorithm::Sha512,
            _ => HashAlgorithm::Sha256,
        }
    }

    /// The curve of an ECDSA profile.
    #[must_use]
    pub const fn curve(self) -> Option<Curve> {
        match self {
            Profile::P256 => Some(Curve::P256),
            Profile::P384 => Some(Curve::P384),
            Profile::P521 => Some(Curve::P521),
            Profile::Bp256 => Some(Curve::BrainpoolP256r1),
            Profile::Bp384 => Some(Curve::BrainpoolP384r1),
            Profile::Bp512 => Some(Curve::BrainpoolP512r1),
            _ => None,
        }
    }

    /// Key type of the CSCA and DSC.
    #[must_use]
    pub const fn key_spec(self) -> KeySpec {
        match self {
            Profile::Rsa2048 => KeySpec::Rsa(2048),
            Profile::Rsa4096 => KeySpec::Rsa(4096),
            Profile::RsaPss3072 => KeySpec::Rsa(3072),
            Profile::P256 => KeySpec::Ec(Curve::P256),
            Profile::P384 => KeySpec::Ec(Curve::P384),
            Profile::P521 => KeySpec::Ec(Curve::P521),
            Profile::Bp256 => KeySpec::Ec(Curve::BrainpoolP256r1),
            Profile::Bp384 => KeySpec::Ec(Curve::BrainpoolP384r1),
            Profile::Bp512 => KeySpec::Ec(Curve::BrainpoolP512r1),
        }
    }

    /// The signature algorithm of certificates, CRLs and the SOD.
    #[must_use]
    pub const fn signature_algorithm(self) -> SignatureAlgorithm {
        match self {
            Profile::Rsa2048 | Profile::Rsa4096 => SignatureAlgorithm::RsaPkcs1 {
                hash: HashAlgorithm::Sha256,
            },
            Profile::RsaPss3072 => {
                SignatureAlgorithm::RsaPss(PssParams::with_hash(HashAlgorithm::Sha256))
            }
            _ => SignatureAlgorithm::Ecdsa {
                hash: self.hash(),
                encoding: EcdsaEncoding::Der,
            },
        }
    }

    /// Whether EC keys are written with explicit domain parameters (as most states do
    /// for brainpool keys).
    #[must_use]
    pub const fn explicit_ec_parameters(self) -> bool {
        matches!(self, Profile::Bp256 | Profile::Bp384 | Profile::Bp512)
    }

    /// Active Authentication key: RSA-1024 (ISO/IEC 9796-2, as most RSA chips) or ECDSA
    /// on the profile's curve (announced in DG14).
    #[must_use]
    pub const fn aa_key_spec(self) -> KeySpec {
        match self.curve() {
            Some(curve) => KeySpec::Ec(curve),
            None => KeySpec::Rsa(1024),
        }
    }

    /// Whether the SOD is LDSSecurityObject v1 (with LDSVersionInfo, LDS 1.8) rather than v0.
    #[must_use]
    pub const fn lds_v1(self) -> bool {
        matches!(
            self,
            Profile::RsaPss3072 | Profile::P256 | Profile::Bp384 | Profile::Bp512
        )
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
