//! Which PACE to run: the protocol OIDs implemented here, the standardized domain
//! parameter IDs (9303-11 §9.5.1) and the choice from EF.CardAccess.

use const_oid::ObjectIdentifier;
use dongpo_crypto::Curve;
use dongpo_icao::lds::{CardAccess, ID_PACE};

use super::PaceError;
use crate::kdf::Cipher;

/// A PACE protocol implemented here: ECDH with the generic mapping and AES secure
/// messaging (id-PACE-ECDH-GM-AES-CBC-CMAC-128/192/256, `0.4.0.127.0.7.2.2.4.2.{2,3,4}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PaceProtocol {
    /// The cipher of the key derivation, the nonce encryption, the tokens and the
    /// secure messaging that follows.
    pub cipher: Cipher,
}

impl PaceProtocol {
    /// Every protocol implemented, AES-128 first.
    pub const ALL: [PaceProtocol; 3] = [
        PaceProtocol {
            cipher: Cipher::Aes128,
        },
        PaceProtocol {
            cipher: Cipher::Aes192,
        },
        PaceProtocol {
            cipher: Cipher::Aes256,
        },
    ];

    /// The protocol an OID names, or `None` (other mappings, DH, 3DES).
    #[must_use]
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        PaceProtocol::ALL.into_iter().find(|p| p.oid() == *oid)
    }

    /// The protocol OID: id-PACE-ECDH-GM (`id-PACE` 2) then 2, 3 or 4 for AES-128/192/256.
    #[must_use]
    pub fn oid(self) -> ObjectIdentifier {
        let arc = match self.cipher {
            Cipher::Tdes => 1,
            Cipher::Aes128 => 2,
            Cipher::Aes192 => 3,
            Cipher::Aes256 => 4,
        };
        // Two small arcs on a short constant OID stay within the length limit.
        ID_PACE
            .push_arc(2)
            .and_then(|o| o.push_arc(arc))
            .unwrap_or(ID_PACE)
    }
}

/// The standardized domain parameter IDs of 9303-11 §9.5.1 that name a curve supported
/// here (8 and 9, the 192-bit curves, are not).
const STANDARD_CURVES: [(u64, Curve); 9] = [
    (10, Curve::P224),
    (11, Curve::BrainpoolP224r1),
    (12, Curve::P256),
    (13, Curve::BrainpoolP256r1),
    (14, Curve::BrainpoolP320r1),
    (15, Curve::P384),
    (16, Curve::BrainpoolP384r1),
    (17, Curve::BrainpoolP512r1),
    (18, Curve::P521),
];

/// The curve of a standardized domain parameter ID, or `None`.
#[must_use]
pub fn standard_curve(parameter_id: u64) -> Option<Curve> {
    STANDARD_CURVES
        .iter()
        .find(|(id, _)| *id == parameter_id)
        .map(|(_, c)| *c)
}

/// The standardized domain parameter ID of `curve`.
#[must_use]
pub fn standard_parameter_id(curve: Curve) -> u64 {
    STANDARD_CURVES
        .iter()
        .find(|(_, c)| *c == curve)
        .map_or(0, |(id, _)| *id)
}

/// One PACE configuration: protocol, curve (by standardized parameter ID) and whether
/// MSE:Set AT names the parameter ID in `DO'84'` (required when EF.CardAccess offers
/// more than one set of domain parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaceSelection {
    /// The protocol.
    pub protocol: PaceProtocol,
    /// The curve.
    pub curve: Curve,
    /// Send `84 <parameter ID>` in MSE:Set AT.
    pub send_parameter_id: bool,
}

impl PaceSelection {
    /// `protocol` on `curve`, without `DO'84'`.
    #[must_use]
    pub fn new(protocol: PaceProtocol, curve: Curve) -> Self {
        PaceSelection {
            protocol,
            curve,
            send_parameter_id: false,
        }
    }

    /// The standardized parameter ID of the curve.
    #[must_use]
    pub fn parameter_id(&self) -> u64 {
        standard_parameter_id(self.curve)
    }

    /// The `PACEInfo` (DER) that offers this configuration in EF.CardAccess:
    /// `SEQUENCE { protocol, version 2, parameterId }`.
    #[must_use]
    pub fn pace_info_der(&self) -> Vec<u8> {
        use dongpo_icao::tlv::encode;
        let mut body = encode(&[0x06], self.protocol.oid().as_bytes());
        body.extend(encode(&[0x02], &[0x02]));
        body.extend(encode(&[0x02], &integer_bytes(self.parameter_id())));
        encode(&[0x30], &body)
    }
}

/// A DER INTEGER's content for a non-negative value (minimal, a leading zero when the top
/// bit is set).
fn integer_bytes(value: u64) -> Vec<u8> {
    let mut bytes = crate::ca::key_id_bytes(value);
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        bytes.insert(0, 0);
    }
    bytes
}

/// EF.CardAccess offering `selections` (one `PACEInfo` each, in order).
#[must_use]
pub fn card_access_der(selections: &[PaceSelection]) -> Vec<u8> {
    let body: Vec<u8> = selections.iter().flat_map(|s| s.pace_info_der()).collect();
    dongpo_icao::tlv::encode(&[0x31], &body)
}

/// Chooses PACE from EF.CardAccess: the first `PACEInfo` (file order) of version 2 with a
/// protocol of [`PaceProtocol`] and a standardized parameter ID of a supported curve.
/// `DO'84'` is sent when the file lists more than one `PACEInfo`.
///
/// # Errors
/// [`PaceError::NotOffered`] without any `PACEInfo`; [`PaceError::Unsupported`] when none
/// is usable (other mappings, DH, 3DES, proprietary or unsupported parameters).
pub fn select(card_access: &CardAccess) -> Result<PaceSelection, PaceError> {
    let infos: Vec<_> = card_access.pace_infos().collect();
    let first = infos.first().ok_or(PaceError::NotOffered)?;
    infos
        .iter()
        .find_map(|info| {
            let protocol = PaceProtocol::from_oid(&info.protocol)?;
            let curve = standard_curve(info.parameter_id?)?;
            (info.version == 2).then_some(PaceSelection {
                protocol,
                curve,
                send_parameter_id: infos.len() > 1,
            })
        })
        .ok_or(PaceError::Unsupported {
            protocol: first.protocol,
        })
}
