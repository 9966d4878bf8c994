//! A virtual ePassport chip: answers ISO 7816-4 command APDUs for a testkit passport the
//! way an ICAO 9303 chip does (SELECT, READ BINARY, GET CHALLENGE, BAC, secure messaging,
//! Active Authentication), so that terminals can be tested without hardware.
//!
//! Chip Authentication v1 (MSE:Set KAT, MSE:Set AT, GENERAL AUTHENTICATE) is answered by
//! `dongpo_chip::CaChip` with the chip's static keys; after success the chip's secure
//! messaging switches to the new keys (SSC 0) from the next command on.
//!
//! PACE (ECDH generic mapping, AES-128, MRZ password) is answered by
//! `dongpo_chip::PaceChip` when [`ChipOptions::pace`] names a curve: EF.CardAccess then
//! offers it, MSE:Set AT and the four GENERAL AUTHENTICATE steps are answered in the
//! clear, and secure messaging starts with the PACE keys (SSC 0). BAC stays available.

use std::collections::BTreeMap;

use dongpo_chip::apdu::{CommandApdu, ResponseApdu, StatusWord};
use dongpo_chip::bac::{BacChip, MrzKey};
use dongpo_chip::ca::{CaChip, ChipCaKey, ChipCaOutcome};
use dongpo_chip::kdf::Cipher;
use dongpo_chip::pace::{PaceChip, PaceChipOutcome, PaceProtocol, PaceSelection, card_access_der};
use dongpo_chip::sm::SecureMessaging;
use dongpo_crypto::Curve;
use dongpo_crypto::HashAlgorithm;
use dongpo_icao::lds::{Dg14, Mrz};
use dongpo_icao::tlv::{self, TlvReader};

use crate::chip_auth::{ChipAuthSpec, KeyRole};
use crate::passport::Passport;
use crate::profile::Profile;
use crate::{KeyStore, TestkitError};

pub use dongpo_chip::terminal::EMRTD_AID;

/// The most data bytes a response carries (its data plus SW1 SW2 then fit a 2-byte
/// length prefix).
pub const MAX_RESPONSE_DATA: usize = 65_533;

/// The most plain bytes one READ BINARY returns under secure messaging: the protected
/// response (DO'87' with padding, DO'99', DO'8E') then stays within
/// [`MAX_RESPONSE_DATA`].
const MAX_READ_UNDER_SM: usize = 65_472;

/// File identifiers and short file identifiers of the files a chip holds.
const FILES: [(&str, u16); 7] = [
    ("EF_COM.bin", 0x011E),
    ("EF_SOD.bin", 0x011D),
    ("DG1.bin", 0x0101),
    ("DG2.bin", 0x0102),
    ("DG14.bin", 0x010E),
    ("DG15.bin", 0x010F),
    ("EF_CardAccess.bin", 0x011C),
];

/// The master file.
const MASTER_FILE: u16 = 0x3F00;

/// EF.CardAccess lies in the master file and is readable without access control.
const CARD_ACCESS: u16 = 0x011C;

/// How a virtual chip departs from the genuine chip of its document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChipVariant {
    /// The chip the document was issued with.
    Genuine,
    /// The same files on a different chip: its Active Authentication key and its Chip
    /// Authentication key differ from the ones DG15/DG14 publish (AA and CA fail).
    Clone,
    /// The chip's DG14 publishes a Chip Authentication key (whose private key the chip
    /// holds) that is not the one the SOD covers: DG14's hash does not match the SOD.
    CaKeyNotCovered,
}

impl ChipVariant {
    /// The CLI name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ChipVariant::Genuine => "genuine",
            ChipVariant::Clone => "clone",
            ChipVariant::CaKeyNotCovered => "ca-key-not-covered",
        }
    }

    /// Whose Chip Authentication key a chip of this variant holds.
    #[must_use]
    pub const fn ca_key_role(self) -> KeyRole {
        match self {
            ChipVariant::Genuine => KeyRole::Genuine,
            ChipVariant::Clone => KeyRole::Clone,
            ChipVariant::CaKeyNotCovered => KeyRole::NotCovered,
        }
    }
}

/// What a virtual chip offers.
#[derive(Clone, Debug)]
pub struct ChipOptions {
    /// Answer INTERNAL AUTHENTICATE (and serve DG15); without it DG15 is not on the chip.
    pub active_authentication: bool,
    /// Genuine, clone or ca-key-not-covered.
    pub variant: ChipVariant,
    /// The Chip Authentication the chip answers (`None`: it refuses CA commands). The
    /// passport must be made for it ([`crate::chip_document::passport`]).
    pub chip_authentication: Option<ChipAuthSpec>,
    /// PACE on this curve (id-PACE-ECDH-GM-AES-CBC-CMAC-128), offered in EF.CardAccess
    /// ([`pace_offer`]); `None`: no PACE.
    pub pace: Option<Curve>,
}

/// The PACE a virtual chip offers on `curve`: ECDH generic mapping with AES-128.
#[must_use]
pub fn pace_offer(curve: Curve) -> PaceSelection {
    PaceSelection::new(
        PaceProtocol {
            cipher: Cipher::Aes128,
        },
        curve,
    )
}

/// Errors building a virtual chip.
#[derive(Debug, thiserror::Error)]
pub enum ChipError {
    /// A file the chip needs is missing from the passport.
    #[error("the passport has no {0}")]
    MissingFile(&'static str),
    /// DG1 holds no readable MRZ, or its fields do not make a BAC key.
    #[error("DG1: {0}")]
    Mrz(String),
    /// DG14 is unreadable.
    #[error("DG14: {0}")]
    Dg14(String),
    /// Key generation for a variant failed.
    #[error(transparent)]
    Testkit(#[from] TestkitError),
    /// The variant needs Chip Authentication, and none is offered.
    #[error("variant {0} needs Chip Authentication (not --chip-auth none)")]
    NeedsChipAuthentication(&'static str),
}

/// Access-control state of one power-up.
enum Access {
    /// Nothing done yet.
    None,
    /// GET CHALLENGE answered with this RND.IC.
    Challenged([u8; 8]),
    /// BAC done: every command must come under secure messaging.
    Secure(SecureMessaging),
}

/// A software ePassport chip (one power-up at a time; [`VirtualChip::reset`] starts a new
/// one).
pub struct VirtualChip {
    files: BTreeMap<u16, Vec<u8>>,
    mrz_key: MrzKey,
    aa_key: Option<Vec<u8>>,
    aa_hash: HashAlgorithm,
    access: Access,
    application_selected: bool,
    current: Option<u16>,
    ca: CaChip,
    /// Secure messaging established by Chip Authentication, switched to once the answer
    /// went out under the old keys.
    next_sm: Option<SecureMessaging>,
    /// The PACE chip side, when PACE is offered.
    pace: Option<PaceChip>,
}

impl std::fmt::Debug for VirtualChip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualChip")
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .field("active_authentication", &self.aa_key.is_some())
            .finish_non_exhaustive()
    }
}

impl VirtualChip {
    /// A chip holding `passport`'s files (`EF_COM.bin`, `EF_SOD.bin`, `DG<n>.bin`, and
    /// `EF_CardAccess.bin` when present), answering BAC with the key of its DG1 MRZ.
    /// `profile` and `seed` are the passport's: a `clone` chip's AA key is derived from
    /// them under another label; the Chip Authentication key of `options` is
    /// [`ChipAuthSpec::chip_key`] for the variant's [`ChipVariant::ca_key_role`].
    ///
    /// # Errors
    /// [`ChipError`] for a passport without EF.SOD, DG1 or (with AA) `aa_key.p8`, an
    /// unreadable DG1 or DG14, or a failed key generation.
    pub fn new(
        passport: &Passport,
        profile: Profile,
        seed: u64,
        options: &ChipOptions,
        keys: &mut KeyStore,
    ) -> Result<Self, ChipError> {
        let aa_key = if !options.active_authentication {
            None
        } else if options.variant == ChipVariant::Clone {
            let key = keys.get(seed, &format!("{profile}/aa-clone"), profile.aa_key_spec())?;
            Some(key.to_pkcs8_der().map_err(TestkitError::from)?.to_vec())
        } else {
            Some(
                passport
                    .files
                    .get("aa_key.p8")
                    .cloned()
                    .ok_or(ChipError::MissingFile("aa_key.p8"))?,
            )
        };
        let ca_keys = match options.chip_authentication {
            Some(spec) => vec![spec.chip_key(profile, seed, options.variant.ca_key_role())?],
            None => Vec::new(),
        };
        Ok(Self::from_files(&passport.files, aa_key)?
            .with_chip_authentication(ca_keys)
            .with_pace(options.pace))
    }

    /// This chip answering Chip Authentication with `keys` (none: CA commands are
    /// refused with `6A88`).
    #[must_use]
    pub fn with_chip_authentication(mut self, keys: Vec<ChipCaKey>) -> Self {
        self.ca = CaChip::new(keys);
        self
    }

    /// This chip offering PACE on `curve` (EF.CardAccess replaced by one naming it), or
    /// not at all (`None`).
    #[must_use]
    pub fn with_pace(mut self, curve: Option<Curve>) -> Self {
        self.pace = curve.map(|curve| {
            let offer = pace_offer(curve);
            self.files.insert(CARD_ACCESS, card_access_der(&[offer]));
            PaceChip::new(&self.mrz_key, vec![offer])
        });
        self
    }

    /// A chip holding the named files (names as in [`Passport::files`]) and, when given,
    /// answering INTERNAL AUTHENTICATE with the PKCS#8 key `aa_key` (DG15 is served only
    /// then).
    ///
    /// # Errors
    /// As [`VirtualChip::new`].
    pub fn from_files(
        files: &BTreeMap<String, Vec<u8>>,
        aa_key: Option<Vec<u8>>,
    ) -> Result<Self, ChipError> {
        let mut by_id = BTreeMap::new();
        for (name, fid) in FILES {
            if fid == 0x010F && aa_key.is_none() {
                continue;
            }
            if let Some(bytes) = files.get(name) {
                by_id.insert(fid, bytes.clone());
            }
        }
        if !by_id.contains_key(&0x011D) {
            return Err(ChipError::MissingFile("EF_SOD.bin"));
        }
        let dg1 = by_id
            .get(&0x0101)
            .ok_or(ChipError::MissingFile("DG1.bin"))?;
        let mrz = Mrz::from_dg1(dg1).map_err(|e| ChipError::Mrz(e.to_string()))?;
        let mrz_key = MrzKey::from_mrz_fields(
            &mrz.document_number,
            &mrz.date_of_birth,
            &mrz.date_of_expiry,
        )
        .map_err(|e| ChipError::Mrz(e.to_string()))?;
        // The hash ECDSA chips sign with is the one DG14 names; RSA chips (ISO/IEC 9796-2)
        // name theirs in the signature's trailer.
        let aa_hash = match by_id.get(&0x010E) {
            Some(dg14) => Dg14::parse(dg14)
                .map_err(|e| ChipError::Dg14(e.to_string()))?
                .active_authentication()
                .map(|aa| aa.hash_algorithm())
                .transpose()
                .map_err(|e| ChipError::Dg14(e.to_string()))?
                .unwrap_or(HashAlgorithm::Sha256),
            None => HashAlgorithm::Sha256,
        };
        Ok(Self {
            files: by_id,
            mrz_key,
            aa_key,
            aa_hash,
            access: Access::None,
            application_selected: false,
            current: None,
            ca: CaChip::new(Vec::new()),
            next_sm: None,
            pace: None,
        })
    }

    /// A new power-up: sessions, keys and selections are forgotten.
    pub fn reset(&mut self) {
        self.access = Access::None;
        self.application_selected = false;
        self.current = None;
        self.ca.reset();
        self.next_sm = None;
        if let Some(pace) = &mut self.pace {
            pace.reset();
        }
    }

    /// Whether a secure-messaging session is open.
    #[must_use]
    pub fn is_secured(&self) -> bool {
        matches!(self.access, Access::Secure(_))
    }

    /// Answers one command APDU (bytes in, response data and SW1 SW2 out). Never panics;
    /// every refusal is a status word.
    pub fn transmit(&mut self, command: &[u8]) -> Vec<u8> {
        self.process(command).to_bytes()
    }

    /// Answers one command APDU.
    pub fn process(&mut self, command: &[u8]) -> ResponseApdu {
        let secured = self.is_secured();
        let Ok(command) = CommandApdu::parse(command) else {
            // Not even an APDU: after BAC it is an unprotected command like any other.
            if secured {
                self.access = Access::None;
                return ResponseApdu::status(StatusWord::SM_OBJECTS_MISSING);
            }
            return ResponseApdu::status(StatusWord::WRONG_LENGTH);
        };
        if command.cla & 0x0C == 0x0C {
            let Access::Secure(sm) = &mut self.access else {
                return ResponseApdu::status(StatusWord::SM_NOT_SUPPORTED);
            };
            let plain = match sm.unprotect_command(&command) {
                Ok(plain) => plain,
                Err(e) => {
                    // A wrongly protected command ends the session, as on real chips.
                    let sw = e.chip_status();
                    self.access = Access::None;
                    return ResponseApdu::status(sw);
                }
            };
            let response = self.dispatch(&plain, true);
            let next_sm = self.next_sm.take();
            let Access::Secure(sm) = &mut self.access else {
                return response;
            };
            let protected = match sm.protect_response(plain.ins, &response) {
                Ok(protected) if protected.data().len() <= MAX_RESPONSE_DATA => protected,
                _ => {
                    self.access = Access::None;
                    return ResponseApdu::status(StatusWord::NO_PRECISE_DIAGNOSIS);
                }
            };
            if let Some(next) = next_sm {
                // Chip Authentication succeeded: its answer went out under the old keys,
                // everything after it uses the new ones.
                self.access = Access::Secure(next);
            }
            return protected;
        }
        if secured {
            // A plain command after BAC: refused, and the session keys dropped.
            self.access = Access::None;
            return ResponseApdu::status(StatusWord::SM_OBJECTS_MISSING);
        }
        if let Some(pace) = &mut self.pace
            && pace.is_pace_command(&command)
        {
            // PACE runs in the clear (chained GENERAL AUTHENTICATE, CLA 10).
            return match pace.process(&command) {
                PaceChipOutcome::Respond(response) => response,
                PaceChipOutcome::Established(response, sm) => {
                    self.access = Access::Secure(sm);
                    self.application_selected = false;
                    self.current = None;
                    response
                }
            };
        }
        self.dispatch(&command, false)
    }

    fn dispatch(&mut self, command: &CommandApdu, secured: bool) -> ResponseApdu {
        // Only the interindustry class 00 (secure messaging already removed); no chaining,
        // no proprietary classes.
        if command.cla != 0 {
            return ResponseApdu::status(StatusWord::CLA_NOT_SUPPORTED);
        }
        match command.ins {
            0xA4 => self.select(command, secured),
            0xB0 | 0xB1 => self.read_binary(command, secured),
            0x84 => self.get_challenge(command),
            0x82 => self.external_authenticate(command, secured),
            0x88 => self.internal_authenticate(command, secured),
            0x22 | 0x86 => self.chip_authentication(command, secured),
            _ => ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    /// Chip Authentication (MSE:Set KAT / MSE:Set AT, `22`; GENERAL AUTHENTICATE, `86`)
    /// through [`CaChip`]: only under secure messaging (else `6982`); refusals as
    /// [`CaChip::process`] gives them (`6A88` also when the chip offers no CA). On success
    /// the new secure messaging waits in `next_sm` until the answer is protected.
    fn chip_authentication(&mut self, command: &CommandApdu, secured: bool) -> ResponseApdu {
        if !secured {
            return ResponseApdu::status(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        match self.ca.process(command) {
            ChipCaOutcome::Respond(response) => response,
            ChipCaOutcome::Established(response, sm) => {
                self.next_sm = Some(sm);
                response
            }
        }
    }

    fn select(&mut self, command: &CommandApdu, secured: bool) -> ResponseApdu {
        if command.p2 != 0x0C && command.p2 != 0x00 {
            return ResponseApdu::status(StatusWord::WRONG_P1_P2);
        }
        match command.p1 {
            0x04 => {
                if command.data() == EMRTD_AID {
                    self.application_selected = true;
                    self.current = None;
                    ResponseApdu::status(StatusWord::SUCCESS)
                } else {
                    ResponseApdu::status(StatusWord::FILE_NOT_FOUND)
                }
            }
            0x00 | 0x02 => {
                let &[high, low] = command.data() else {
                    return ResponseApdu::status(StatusWord::WRONG_LENGTH);
                };
                let fid = u16::from_be_bytes([high, low]);
                if fid == MASTER_FILE && command.p1 == 0x00 {
                    self.application_selected = false;
                    self.current = None;
                    return ResponseApdu::status(StatusWord::SUCCESS);
                }
                match self.check_file(fid, secured) {
                    Ok(()) => {
                        self.current = Some(fid);
                        ResponseApdu::status(StatusWord::SUCCESS)
                    }
                    Err(sw) => ResponseApdu::status(sw),
                }
            }
            _ => ResponseApdu::status(StatusWord::WRONG_P1_P2),
        }
    }

    /// Whether `fid` exists where it is looked for and may be accessed now.
    fn check_file(&self, fid: u16, secured: bool) -> Result<(), StatusWord> {
        if !self.files.contains_key(&fid) {
            return Err(StatusWord::FILE_NOT_FOUND);
        }
        if fid == CARD_ACCESS {
            return Ok(());
        }
        if !self.application_selected {
            return Err(StatusWord::FILE_NOT_FOUND);
        }
        if !secured {
            return Err(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        Ok(())
    }

    fn read_binary(&mut self, command: &CommandApdu, secured: bool) -> ResponseApdu {
        let odd = command.ins == 0xB1;
        let (fid, offset) = if odd {
            if (command.p1, command.p2) != (0, 0) {
                return ResponseApdu::status(StatusWord::WRONG_P1_P2);
            }
            let Some(offset) = odd_offset(command.data()) else {
                return ResponseApdu::status(StatusWord::WRONG_DATA);
            };
            (self.current, offset)
        } else if command.p1 & 0x80 != 0 {
            if command.p1 & 0x60 != 0 {
                return ResponseApdu::status(StatusWord::WRONG_P1_P2);
            }
            let sfi = command.p1 & 0x1F;
            let fid = FILES
                .iter()
                .map(|(_, fid)| *fid)
                .find(|fid| (fid & 0x1F) as u8 == sfi && self.files.contains_key(fid));
            let Some(fid) = fid else {
                return ResponseApdu::status(StatusWord::FILE_NOT_FOUND);
            };
            if let Err(sw) = self.check_file(fid, secured) {
                return ResponseApdu::status(sw);
            }
            self.current = Some(fid);
            (Some(fid), usize::from(command.p2))
        } else {
            (
                self.current,
                usize::from(u16::from_be_bytes([command.p1, command.p2]) & 0x7FFF),
            )
        };
        if !odd && !command.data().is_empty() {
            return ResponseApdu::status(StatusWord::WRONG_LENGTH);
        }
        let Some(le) = command.le() else {
            return ResponseApdu::status(StatusWord::WRONG_LENGTH);
        };
        let Some(fid) = fid else {
            // No current elementary file.
            return ResponseApdu::status(StatusWord(0x6986));
        };
        if let Err(sw) = self.check_file(fid, secured) {
            return ResponseApdu::status(sw);
        }
        let Some(file) = self.files.get(&fid) else {
            return ResponseApdu::status(StatusWord::FILE_NOT_FOUND);
        };
        if offset >= file.len() {
            return ResponseApdu::status(StatusWord::WRONG_PARAMETERS);
        }
        let wildcard = le == 256 || le == 65_536;
        let cap = if secured {
            MAX_READ_UNDER_SM
        } else {
            MAX_RESPONSE_DATA
        };
        // Odd READ BINARY wraps the bytes in DO'53' (up to 4 header bytes).
        let cap = if odd { cap - 4 } else { cap };
        let want = (le as usize).min(cap);
        let end = file.len().min(offset.saturating_add(want));
        let bytes = file.get(offset..end).unwrap_or_default();
        let short = bytes.len() < le as usize && !wildcard && end == file.len();
        let data = if odd {
            tlv::encode(&[0x53], bytes)
        } else {
            bytes.to_vec()
        };
        let sw = if short {
            StatusWord::END_OF_FILE
        } else {
            StatusWord::SUCCESS
        };
        ResponseApdu::new(data, sw)
    }

    fn get_challenge(&mut self, command: &CommandApdu) -> ResponseApdu {
        if (command.p1, command.p2) != (0, 0) {
            return ResponseApdu::status(StatusWord::WRONG_P1_P2);
        }
        if command.le() != Some(8) || !command.data().is_empty() {
            return ResponseApdu::status(StatusWord::WRONG_LENGTH);
        }
        let mut challenge = [0u8; 8];
        if getrandom::fill(&mut challenge).is_err() {
            return ResponseApdu::status(StatusWord::NO_PRECISE_DIAGNOSIS);
        }
        if !self.is_secured() {
            self.access = Access::Challenged(challenge);
        }
        ResponseApdu::new(challenge.to_vec(), StatusWord::SUCCESS)
    }

    fn external_authenticate(&mut self, command: &CommandApdu, secured: bool) -> ResponseApdu {
        if secured {
            // BAC again inside a session is not something this chip supports.
            return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let Access::Challenged(rnd_ic) = std::mem::replace(&mut self.access, Access::None) else {
            return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        match BacChip::new(&self.mrz_key, rnd_ic).respond(command) {
            Ok((response, sm)) => {
                self.access = Access::Secure(sm);
                response
            }
            Err(e) => ResponseApdu::status(e.chip_status()),
        }
    }

    fn internal_authenticate(&mut self, command: &CommandApdu, secured: bool) -> ResponseApdu {
        let Some(key) = &self.aa_key else {
            return ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED);
        };
        if !secured {
            return ResponseApdu::status(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        if (command.p1, command.p2) != (0, 0) {
            return ResponseApdu::status(StatusWord::WRONG_P1_P2);
        }
        if command.data().len() != 8 || command.le().is_none() {
            return ResponseApdu::status(StatusWord::WRONG_LENGTH);
        }
        match crate::active_auth::sign(key, command.data(), self.aa_hash) {
            Ok(signature) => ResponseApdu::new(signature, StatusWord::SUCCESS),
            Err(_) => ResponseApdu::status(StatusWord::NO_PRECISE_DIAGNOSIS),
        }
    }
}

/// Serves `chip` on one connection (a fresh power-up): each command APDU arrives with
/// its length (two bytes, big-endian) in front, each response goes back the same way,
/// until the peer closes the connection.
///
/// # Errors
/// I/O errors of the connection.
pub fn serve_connection(
    chip: &mut VirtualChip,
    stream: &mut (impl std::io::Read + std::io::Write),
) -> Result<(), dongpo_chip::terminal::TransportError> {
    chip.reset();
    while let Some(command) = dongpo_chip::terminal::read_frame(stream)? {
        let response = chip.transmit(&command);
        dongpo_chip::terminal::write_frame(stream, &response)?;
    }
    chip.reset();
    Ok(())
}

/// The offset of an odd READ BINARY: DO'54' of one to three bytes.
fn odd_offset(data: &[u8]) -> Option<usize> {
    let mut reader = TlvReader::new(data);
    let object = reader.read().ok()?;
    if object.tag != 0x54 || !reader.is_empty() || object.value.is_empty() || object.value.len() > 3
    {
        return None;
    }
    Some(
        object
            .value
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
    )
}
