//! Basic Access Control (ICAO 9303-11 §4.3 and §9.7.2), terminal side and chip side.
//!
//! 1. Both sides know the MRZ information (document number, date of birth, date of
//!    expiry, each with its check digit): [`MrzKey`], whose `K_seed` (the first 16 bytes
//!    of SHA-1 of that string) gives `Kenc` and `Kmac` through the KDF (3DES).
//! 2. The terminal reads `RND.IC` (GET CHALLENGE), picks `RND.IFD` and `K.IFD`, and sends
//!    EXTERNAL AUTHENTICATE with `E_IFD = 3DES-CBC(Kenc, RND.IFD || RND.IC || K.IFD)` and
//!    `M_IFD = MAC(Kmac, E_IFD)` ([`BacTerminal`]).
//! 3. The chip checks them and answers `E_IC || M_IC` over `RND.IC || RND.IFD || K.IC`
//!    ([`BacChip`]).
//! 4. Both derive the session keys from `K.IFD xor K.IC` and start the SSC at the last
//!    four bytes of `RND.IC` followed by the last four of `RND.IFD`.
//!
//! MACs and nonces are compared in constant time. The MRZ information is personal data:
//! no error or `Debug` output shows it.

use std::fmt;

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::kdf::{Cipher, KdfCounter, SecretKey, SessionKeys, derive_key};
use crate::sm::{self, MAC_LEN, SecureMessaging, SmError};

/// Length of the EXTERNAL AUTHENTICATE data (and of the chip's answer): 32-byte
/// cryptogram and 8-byte MAC.
pub const CRYPTOGRAM_LEN: usize = 40;

/// Why BAC failed. No variant carries MRZ data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BacError {
    /// A document number, date of birth or date of expiry that cannot be an MRZ field
    /// (which one is named; the value is not).
    #[error("the {field} is not a valid MRZ field")]
    InvalidField {
        /// `document number`, `date of birth` or `date of expiry`.
        field: &'static str,
    },
    /// GET CHALLENGE answered something other than 8 bytes with `9000`.
    #[error("GET CHALLENGE answered {len} bytes with {sw}, expected 8 bytes with 9000")]
    BadChallenge {
        /// Data bytes received.
        len: usize,
        /// Status word received.
        sw: StatusWord,
    },
    /// The chip refused EXTERNAL AUTHENTICATE (`6300` when the MRZ information is wrong).
    #[error("the chip refused BAC: {sw}")]
    Refused {
        /// The chip's status word.
        sw: StatusWord,
    },
    /// The EXTERNAL AUTHENTICATE data (command or answer) is not 40 bytes.
    #[error("BAC cryptogram of {len} bytes, expected {CRYPTOGRAM_LEN}")]
    CryptogramLength {
        /// Bytes received.
        len: usize,
    },
    /// The command is not EXTERNAL AUTHENTICATE (`00 82 00 00`).
    #[error("expected EXTERNAL AUTHENTICATE")]
    NotExternalAuthenticate,
    /// The MAC over the other side's cryptogram does not verify: the other side does
    /// not know the MRZ information (or a byte changed on the way).
    #[error("BAC authentication failed: the MAC does not verify")]
    BadMac,
    /// The decrypted cryptogram does not carry back this side's nonce.
    #[error("BAC authentication failed: the nonce does not match")]
    NonceMismatch,
    /// The operating system's random generator failed.
    #[error("random generator failed")]
    Random,
    /// A cipher step failed (see [`SmError::KeySetup`]).
    #[error("secure messaging: {0}")]
    Sm(#[from] SmError),
}

impl BacError {
    /// The status word a chip answers when EXTERNAL AUTHENTICATE fails this way:
    /// `6700` for a wrong length, `6300` when authentication fails.
    #[must_use]
    pub fn chip_status(&self) -> StatusWord {
        match self {
            Self::CryptogramLength { .. } => StatusWord::WRONG_LENGTH,
            Self::NotExternalAuthenticate => StatusWord::INS_NOT_SUPPORTED,
            _ => StatusWord::AUTHENTICATION_FAILED,
        }
    }
}

/// The access key derived from the MRZ information: SHA-1 of
/// `document number || cd || date of birth || cd || date of expiry || cd`. Its first 16
/// bytes are BAC's `K_seed`; all 20 are PACE's MRZ password `K` (9303-11 §9.7.3).
/// Wiped on drop; `Debug` shows nothing of it.
#[derive(Clone)]
pub struct MrzKey {
    hash: [u8; 20],
}

impl fmt::Debug for MrzKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MrzKey(redacted)")
    }
}

impl Drop for MrzKey {
    fn drop(&mut self) {
        self.hash.zeroize();
    }
}

impl MrzKey {
    /// The key from the three MRZ fields as the MRZ writes them: the document number
    /// (letters, digits and `<`; padded with `<` to nine characters when shorter, used
    /// whole when longer), and the dates as `YYMMDD`. Lower-case letters are read as
    /// upper case. The check digits are computed here (with `dongpo_icao`'s MRZ code).
    ///
    /// # Errors
    /// [`BacError::InvalidField`] naming the field.
    pub fn from_mrz_fields(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<Self, BacError> {
        let mut number = document_number.to_ascii_uppercase();
        if number.is_empty() {
            return Err(BacError::InvalidField {
                field: "document number",
            });
        }
        while number.len() < 9 {
            number.push('<');
        }
        let mut info = String::with_capacity(number.len() + 15);
        for (value, field) in [
            (number.as_str(), "document number"),
            (date_of_birth, "date of birth"),
            (date_of_expiry, "date of expiry"),
        ] {
            let is_date = field != "document number";
            if is_date && (value.len() != 6 || !value.bytes().all(|b| b.is_ascii_digit())) {
                return Err(BacError::InvalidField { field });
            }
            let check =
                dongpo_icao::lds::check_char(value).ok_or(BacError::InvalidField { field })?;
            info.push_str(value);
            info.push(check);
        }
        let hash: [u8; 20] = Sha1::digest(info.as_bytes()).into();
        info.zeroize();
        number.zeroize();
        Ok(Self { hash })
    }

    /// BAC's `Kenc` and `Kmac` (3DES): the KDF over `K_seed`.
    #[must_use]
    pub fn bac_keys(&self) -> SessionKeys {
        SessionKeys::derive(self.key_seed(), Cipher::Tdes)
    }

    /// PACE's password key `K_π = KDF(K, 3)` for `cipher`, `K` the whole SHA-1 of the
    /// MRZ information.
    #[must_use]
    pub fn pace_password_key(&self, cipher: Cipher) -> SecretKey {
        derive_key(&self.hash, cipher, KdfCounter::Pace)
    }

    fn key_seed(&self) -> &[u8] {
        self.hash.get(..16).unwrap_or_default()
    }
}

/// Nonces and key halves of one BAC run; wiped on drop.
struct Material {
    rnd_ic: [u8; 8],
    rnd_ifd: [u8; 8],
    k_ifd: [u8; 16],
}

impl Drop for Material {
    fn drop(&mut self) {
        self.rnd_ic.zeroize();
        self.rnd_ifd.zeroize();
        self.k_ifd.zeroize();
    }
}

/// The terminal's half of BAC, between GET CHALLENGE and the answer to EXTERNAL
/// AUTHENTICATE.
pub struct BacTerminal {
    keys: SessionKeys,
    material: Material,
}

impl fmt::Debug for BacTerminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacTerminal(redacted)")
    }
}

impl BacTerminal {
    /// Starts BAC from the chip's answer to GET CHALLENGE (`RND.IC`), with `RND.IFD`
    /// and `K.IFD` from the operating system's random generator.
    ///
    /// # Errors
    /// [`BacError::BadChallenge`] unless the answer is 8 bytes with `9000`;
    /// [`BacError::Random`].
    pub fn new(key: &MrzKey, challenge: &ResponseApdu) -> Result<Self, BacError> {
        let rnd_ic: [u8; 8] = match (
            challenge.sw.is_success(),
            <[u8; 8]>::try_from(challenge.data()),
        ) {
            (true, Ok(rnd)) => rnd,
            _ => {
                return Err(BacError::BadChallenge {
                    len: challenge.data().len(),
                    sw: challenge.sw,
                });
            }
        };
        let mut rnd_ifd = [0u8; 8];
        let mut k_ifd = [0u8; 16];
        getrandom::fill(&mut rnd_ifd).map_err(|_| BacError::Random)?;
        getrandom::fill(&mut k_ifd).map_err(|_| BacError::Random)?;
        let terminal = Self::with_randomness(key, rnd_ic, rnd_ifd, k_ifd);
        k_ifd.zeroize();
        Ok(terminal)
    }

    /// Starts BAC with given `RND.IFD` and `K.IFD` (the worked example of 9303-11
    /// Appendix D, tests). Real runs use [`BacTerminal::new`].
    #[must_use]
    pub fn with_randomness(
        key: &MrzKey,
        rnd_ic: [u8; 8],
        rnd_ifd: [u8; 8],
        k_ifd: [u8; 16],
    ) -> Self {
        Self {
            keys: key.bac_keys(),
            material: Material {
                rnd_ic,
                rnd_ifd,
                k_ifd,
            },
        }
    }

    /// The EXTERNAL AUTHENTICATE command: `00 82 00 00 28 || E_IFD || M_IFD || 28`.
    ///
    /// # Errors
    /// [`BacError::Sm`] if a cipher step fails.
    pub fn external_authenticate(&self) -> Result<CommandApdu, BacError> {
        let mut s = Vec::with_capacity(CRYPTOGRAM_LEN);
        s.extend_from_slice(&self.material.rnd_ifd);
        s.extend_from_slice(&self.material.rnd_ic);
        s.extend_from_slice(&self.material.k_ifd);
        let data = seal(&self.keys, s)?;
        CommandApdu::external_authenticate(&data, CRYPTOGRAM_LEN as u32)
            .map_err(|e| BacError::Sm(SmError::Apdu(e)))
    }

    /// Checks the chip's answer and opens the secure-messaging channel.
    ///
    /// # Errors
    /// [`BacError::Refused`] when the chip refused (wrong MRZ information),
    /// [`BacError::CryptogramLength`], [`BacError::BadMac`] or
    /// [`BacError::NonceMismatch`] when the answer is not the genuine chip's.
    pub fn finish(self, response: &ResponseApdu) -> Result<SecureMessaging, BacError> {
        if !response.sw.is_success() {
            return Err(BacError::Refused { sw: response.sw });
        }
        let mut r = open(&self.keys, response.data())?;
        let (rnd_ic, rest) = r.split_at(8);
        let (rnd_ifd, k_ic) = rest.split_at(8);
        let nonces_match =
            rnd_ic.ct_eq(&self.material.rnd_ic) & rnd_ifd.ct_eq(&self.material.rnd_ifd);
        let result = if bool::from(nonces_match) {
            session(
                &self.material.k_ifd,
                k_ic,
                &self.material.rnd_ic,
                &self.material.rnd_ifd,
            )
        } else {
            Err(BacError::NonceMismatch)
        };
        r.zeroize();
        result
    }
}

/// The chip's half of BAC: the access keys and the challenge it gave.
pub struct BacChip {
    keys: SessionKeys,
    rnd_ic: [u8; 8],
}

impl fmt::Debug for BacChip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacChip(redacted)")
    }
}

impl Drop for BacChip {
    fn drop(&mut self) {
        self.rnd_ic.zeroize();
    }
}

impl BacChip {
    /// The chip after answering GET CHALLENGE with `rnd_ic`.
    #[must_use]
    pub fn new(key: &MrzKey, rnd_ic: [u8; 8]) -> Self {
        Self {
            keys: key.bac_keys(),
            rnd_ic,
        }
    }

    /// Answers EXTERNAL AUTHENTICATE with a random `K.IC`.
    ///
    /// # Errors
    /// As [`BacChip::respond_with`], and [`BacError::Random`].
    pub fn respond(
        self,
        command: &CommandApdu,
    ) -> Result<(ResponseApdu, SecureMessaging), BacError> {
        let mut k_ic = [0u8; 16];
        getrandom::fill(&mut k_ic).map_err(|_| BacError::Random)?;
        let result = self.respond_with(command, k_ic);
        k_ic.zeroize();
        result
    }

    /// Answers EXTERNAL AUTHENTICATE with the given `K.IC`: checks `M_IFD` and that the
    /// cryptogram carries `RND.IC`, then returns `E_IC || M_IC` (`9000`) and the channel.
    ///
    /// # Errors
    /// [`BacError::NotExternalAuthenticate`], [`BacError::CryptogramLength`],
    /// [`BacError::BadMac`], [`BacError::NonceMismatch`]; [`BacError::chip_status`]
    /// gives the status word to answer.
    pub fn respond_with(
        self,
        command: &CommandApdu,
        k_ic: [u8; 16],
    ) -> Result<(ResponseApdu, SecureMessaging), BacError> {
        if command.header() != [0x00, 0x82, 0x00, 0x00] {
            return Err(BacError::NotExternalAuthenticate);
        }
        let mut s = open(&self.keys, command.data())?;
        let (rnd_ifd, rest) = s.split_at(8);
        let (rnd_ic, k_ifd) = rest.split_at(8);
        if !bool::from(rnd_ic.ct_eq(&self.rnd_ic)) {
            s.zeroize();
            return Err(BacError::NonceMismatch);
        }
        let mut rnd_ifd_arr = [0u8; 8];
        rnd_ifd_arr.copy_from_slice(rnd_ifd);
        let mut r = Vec::with_capacity(CRYPTOGRAM_LEN);
        r.extend_from_slice(&self.rnd_ic);
        r.extend_from_slice(rnd_ifd);
        r.extend_from_slice(&k_ic);
        let answer = seal(&self.keys, r);
        let channel = session(k_ifd, &k_ic, &self.rnd_ic, &rnd_ifd_arr);
        s.zeroize();
        rnd_ifd_arr.zeroize();
        Ok((ResponseApdu::new(answer?, StatusWord::SUCCESS), channel?))
    }
}

/// `E || MAC(E)` with `E = 3DES-CBC(Kenc, plain)`.
fn seal(keys: &SessionKeys, mut plain: Vec<u8>) -> Result<Vec<u8>, BacError> {
    sm::tdes_encrypt(keys.enc.expose_secret(), &mut plain)?;
    let mac = sm::retail_mac(keys.mac.expose_secret(), &plain)?;
    plain.extend_from_slice(&mac);
    Ok(plain)
}

/// Checks `MAC(E)` (constant time) and returns the 32 decrypted bytes of `E`.
fn open(keys: &SessionKeys, data: &[u8]) -> Result<Vec<u8>, BacError> {
    if data.len() != CRYPTOGRAM_LEN {
        return Err(BacError::CryptogramLength { len: data.len() });
    }
    let (cryptogram, mac) = data.split_at(CRYPTOGRAM_LEN - MAC_LEN);
    let expected = sm::retail_mac(keys.mac.expose_secret(), cryptogram)?;
    if !bool::from(expected.ct_eq(mac)) {
        return Err(BacError::BadMac);
    }
    let mut plain = cryptogram.to_vec();
    sm::tdes_decrypt(keys.enc.expose_secret(), &mut plain)?;
    Ok(plain)
}

/// The channel from `K.IFD xor K.IC` with SSC `RND.IC[4..] || RND.IFD[4..]`.
fn session(
    k_ifd: &[u8],
    k_ic: &[u8],
    rnd_ic: &[u8; 8],
    rnd_ifd: &[u8; 8],
) -> Result<SecureMessaging, BacError> {
    let mut seed = [0u8; 16];
    for ((slot, a), b) in seed.iter_mut().zip(k_ifd).zip(k_ic) {
        *slot = a ^ b;
    }
    let keys = SessionKeys::derive(&seed, Cipher::Tdes);
    seed.zeroize();
    let mut ssc = [0u8; 8];
    let (ic, ifd) = ssc.split_at_mut(4);
    ic.copy_from_slice(rnd_ic.get(4..).unwrap_or_default());
    ifd.copy_from_slice(rnd_ifd.get(4..).unwrap_or_default());
    let channel = SecureMessaging::new(keys, &ssc);
    ssc.zeroize();
    Ok(channel?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_seed_of_the_9303_specimen() {
        // 9303-11 Appendix D.2: MRZ information L898902C<369080619406236.
        let key = MrzKey::from_mrz_fields("L898902C", "690806", "940623").unwrap();
        assert_eq!(
            hex::encode_upper(key.key_seed()),
            "239AB9CB282DAF66231DC5A4DF6BFBAE"
        );
        assert_eq!(
            hex::encode_upper(key.hash),
            "239AB9CB282DAF66231DC5A4DF6BFBAEDF477565"
        );
        // The same number already padded, and in lower case.
        let padded = MrzKey::from_mrz_fields("l898902c<", "690806", "940623").unwrap();
        assert_eq!(padded.hash, key.hash);
    }

    #[test]
    fn invalid_fields_are_named_without_their_value() {
        for (doc, dob, doe, field) in [
            ("", "690806", "940623", "document number"),
            ("L89 8902", "690806", "940623", "document number"),
            ("L898902C", "69086", "940623", "date of birth"),
            ("L898902C", "690806", "9406A3", "date of expiry"),
        ] {
            let err = MrzKey::from_mrz_fields(doc, dob, doe).unwrap_err();
            assert_eq!(err, BacError::InvalidField { field });
            let text = err.to_string();
            assert!(!text.contains("6908") && !text.contains("L89"), "{text}");
        }
        let key = MrzKey::from_mrz_fields("L898902C", "690806", "940623").unwrap();
        assert_eq!(format!("{key:?}"), "MrzKey(redacted)");
    }
}
