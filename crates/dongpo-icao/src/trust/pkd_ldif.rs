//! ICAO PKD downloads in LDIF (RFC 2849): CSCA and DSC certificates
//! (`userCertificate;binary`), CRLs (`certificateRevocationList;binary`) and CSCA master
//! lists (`pkdMasterListContent`, formerly `CscaMasterListData`).
//!
//! The reader takes content records (and `changetype: add` records, which carry the same
//! data) with folded lines, `::` base64 and `:` plain values, comments, CRLF line ends and
//! an optional leading `version: 1`. URL values (`:<`) and other change records are
//! refused. Every error names the line it was found on; no input makes it panic.
//!
//! Whether a PKD file deserves trust at all is the caller's decision: distribution does
//! not establish trust (Doc 9303 Part 12). [`load_into`] trusts the self-signed CSCA
//! certificates of the file it is given, so give it only files obtained through a
//! channel you trust; link certificates and master lists it returns unverified, for the
//! caller to check against the complete store and a pinned anchor.

use base64ct::{Base64, Encoding};
use dongpo_crypto::Verifier;
use dongpo_pki::Cert;
use dongpo_pki::name::{NameMatch, same_name};

use crate::trust::store::TrustStore;

/// Why an LDIF file could not be read. `line` is 1-based and names the physical line
/// where the offending (possibly folded) line starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LdifError {
    /// A line starting with a space (a fold) follows a blank line or the start of the
    /// file, so there is nothing for it to continue.
    #[error("line {line}: continuation line (leading space) with no line to continue")]
    OrphanContinuation {
        /// The line.
        line: usize,
    },
    /// A line has no `:` between attribute and value; often a folded line that lost its
    /// leading space.
    #[error(
        "line {line}: expected `attribute: value` but found no colon \
         (a continuation of a folded line must start with one space)"
    )]
    MissingColon {
        /// The line.
        line: usize,
    },
    /// The text before the colon is not an attribute description (`name` or
    /// `name;option...`, letters, digits, `-`, `.`).
    #[error("line {line}: invalid attribute description {name:?}")]
    InvalidAttribute {
        /// The line.
        line: usize,
        /// What was found (lossy UTF-8).
        name: String,
    },
    /// A `::` value is not valid base64.
    #[error("line {line}: base64 value of `{attribute}` does not decode: {reason}")]
    Base64 {
        /// The line.
        line: usize,
        /// The attribute, as written.
        attribute: String,
        /// What the decoder said.
        reason: String,
    },
    /// A `:<` value refers to a URL; this reader never fetches anything.
    #[error(
        "line {line}: value of `{attribute}` is given by URL ({url}); URL values are not supported"
    )]
    UrlValue {
        /// The line.
        line: usize,
        /// The attribute, as written.
        attribute: String,
        /// The URL (lossy UTF-8).
        url: String,
    },
    /// A record does not start with `dn:`.
    #[error("line {line}: a record must start with `dn:`, found `{found}:`")]
    MissingDn {
        /// The line.
        line: usize,
        /// The attribute found instead.
        found: String,
    },
    /// A record has a second `dn:` line (a blank line between entries is missing).
    #[error("line {line}: second `dn:` in one record (missing blank line between entries?)")]
    DuplicateDn {
        /// The line.
        line: usize,
    },
    /// A distinguished name is not UTF-8.
    #[error("line {line}: dn is not UTF-8")]
    DnNotUtf8 {
        /// The line.
        line: usize,
    },
    /// `version:` is not `1`, or appears other than first in the file.
    #[error("line {line}: unsupported LDIF version line `{version}` (only a leading `version: 1`)")]
    UnsupportedVersion {
        /// The line.
        line: usize,
        /// The value found (lossy UTF-8).
        version: String,
    },
    /// A change record other than `add` (modify, delete, modrdn, ...).
    #[error(
        "line {line}: change record `changetype: {changetype}` is not supported \
         (only content records and `add`)"
    )]
    UnsupportedChange {
        /// The line.
        line: usize,
        /// The change type (lossy UTF-8).
        changetype: String,
    },
}

/// One LDIF entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdifEntry {
    /// The distinguished name, as written (base64 `dn::` decoded).
    pub dn: String,
    /// Attributes in file order: (lower-case type without options such as `;binary`,
    /// value bytes). An attribute with several values appears several times.
    pub attributes: Vec<(String, Vec<u8>)>,
}

impl LdifEntry {
    /// The values of attribute `name` (case-insensitive, without options).
    pub fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let name = name.to_ascii_lowercase();
        self.attributes
            .iter()
            .filter(move |(n, _)| *n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// A logical (unfolded) content line: where it starts, the text before the first colon
/// and everything after it.
struct Logical {
    line: usize,
    name: Vec<u8>,
    rest: Vec<u8>,
}

enum Item {
    Blank,
    Content(Logical),
}

/// Splits the file into physical lines (LF or CRLF), unfolds continuations, drops
/// comments and cuts each content line at its first colon.
fn logical_lines(ldif: &[u8]) -> Result<Vec<Item>, LdifError> {
    let ldif = ldif.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(ldif);
    let mut items = Vec::new();
    // the content line being built: (first line number, bytes)
    let mut current: Option<(usize, Vec<u8>)> = None;
    let mut in_comment = false;
    let mut physical = ldif.split(|&b| b == b'\n').enumerate().peekable();
    while let Some((index, raw)) = physical.next() {
        let number = index + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() {
            // the empty piece after a final newline is not a line
            if physical.peek().is_none() {
                break;
            }
            flush(&mut current, &mut items)?;
            in_comment = false;
            if !matches!(items.last(), Some(Item::Blank) | None) {
                items.push(Item::Blank);
            }
        } else if let Some(continuation) = raw.strip_prefix(b" ") {
            if in_comment {
                continue;
            }
            match current.as_mut() {
                Some((_, text)) => text.extend_from_slice(continuation),
                None => return Err(LdifError::OrphanContinuation { line: number }),
            }
        } else if raw.starts_with(b"#") {
            flush(&mut current, &mut items)?;
            in_comment = true;
        } else {
            flush(&mut current, &mut items)?;
            in_comment = false;
            current = Some((number, raw.to_vec()));
        }
    }
    flush(&mut current, &mut items)?;
    Ok(items)
}

fn flush(current: &mut Option<(usize, Vec<u8>)>, items: &mut Vec<Item>) -> Result<(), LdifError> {
    if let Some((line, mut text)) = current.take() {
        // `-` ends a modification in a change record: keep it so that the record's
        // `changetype` line is reported rather than this line
        let colon = match text.iter().position(|&b| b == b':') {
            Some(colon) => colon,
            None if text == b"-" => text.len(),
            None => return Err(LdifError::MissingColon { line }),
        };
        let mut rest = text.split_off(colon);
        // Drop the colon itself (absent for `-`, whose value is then empty).
        if !rest.is_empty() {
            rest.remove(0);
        }
        items.push(Item::Content(Logical {
            line,
            name: text,
            rest,
        }));
    }
    Ok(())
}

/// Checks an attribute description and returns (lower-case type, as written).
fn attribute_type(line: &Logical) -> Result<(String, String), LdifError> {
    let written = String::from_utf8_lossy(&line.name).into_owned();
    let invalid = || LdifError::InvalidAttribute {
        line: line.line,
        name: written.clone(),
    };
    let mut parts = line.name.split(|&b| b == b';');
    let kind = parts.next().unwrap_or_default();
    let kind_ok = kind.first().is_some_and(u8::is_ascii_alphanumeric)
        && kind
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.');
    let options_ok = parts.all(|option| {
        !option.is_empty()
            && option
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    });
    if !kind_ok || !options_ok {
        return Err(invalid());
    }
    let kind = std::str::from_utf8(kind).map_err(|_| invalid())?;
    Ok((kind.to_ascii_lowercase(), written))
}

/// Decodes the value after the first colon: `:` base64, `<` URL (refused), else plain.
fn value(line: &Logical, attribute: &str) -> Result<Vec<u8>, LdifError> {
    if let Some(encoded) = line.rest.strip_prefix(b":") {
        let encoded = encoded.trim_ascii();
        let text = std::str::from_utf8(encoded).map_err(|_| LdifError::Base64 {
            line: line.line,
            attribute: attribute.into(),
            reason: "not ASCII".into(),
        })?;
        Base64::decode_vec(text).map_err(|e| LdifError::Base64 {
            line: line.line,
            attribute: attribute.into(),
            reason: e.to_string(),
        })
    } else if let Some(url) = line.rest.strip_prefix(b"<") {
        Err(LdifError::UrlValue {
            line: line.line,
            attribute: attribute.into(),
            url: String::from_utf8_lossy(url.trim_ascii()).into_owned(),
        })
    } else {
        // The value after any spaces that follow the colon.
        Ok(line
            .rest
            .iter()
            .skip_while(|&&b| b == b' ')
            .copied()
            .collect())
    }
}

/// Parses an LDIF file into its entries.
///
/// # Errors
/// [`LdifError`] naming the line of the first problem.
pub fn parse(ldif: &[u8]) -> Result<Vec<LdifEntry>, LdifError> {
    let items = logical_lines(ldif)?;
    let mut entries = Vec::new();
    let mut first_record = true;
    for record in items.split(|item| matches!(item, Item::Blank)) {
        let mut lines = record.iter().filter_map(|item| match item {
            Item::Content(line) => Some(line),
            Item::Blank => None,
        });
        let Some(mut head) = lines.next() else {
            continue;
        };
        let (mut kind, mut written) = attribute_type(head)?;
        if kind == "version" {
            let version = value(head, &written)?;
            if !first_record || version.trim_ascii() != b"1" {
                return Err(LdifError::UnsupportedVersion {
                    line: head.line,
                    version: String::from_utf8_lossy(&version).into_owned(),
                });
            }
            first_record = false;
            // tolerate `version: 1` directly followed by the first entry
            match lines.next() {
                Some(next) => {
                    head = next;
                    (kind, written) = attribute_type(head)?;
                }
                None => continue,
            }
        }
        first_record = false;
        if kind != "dn" {
            return Err(LdifError::MissingDn {
                line: head.line,
                found: written,
            });
        }
        let dn = String::from_utf8(value(head, &written)?)
            .map_err(|_| LdifError::DnNotUtf8 { line: head.line })?;
        let mut attributes = Vec::new();
        for line in lines {
            let (kind, written) = attribute_type(line)?;
            let bytes = value(line, &written)?;
            match kind.as_str() {
                "dn" => return Err(LdifError::DuplicateDn { line: line.line }),
                "version" => {
                    return Err(LdifError::UnsupportedVersion {
                        line: line.line,
                        version: String::from_utf8_lossy(&bytes).into_owned(),
                    });
                }
                "changetype" => {
                    if !bytes.trim_ascii().eq_ignore_ascii_case(b"add") {
                        return Err(LdifError::UnsupportedChange {
                            line: line.line,
                            changetype: String::from_utf8_lossy(&bytes).into_owned(),
                        });
                    }
                }
                _ => attributes.push((kind, bytes)),
            }
        }
        entries.push(LdifEntry { dn, attributes });
    }
    Ok(entries)
}

/// A PKI object found in a PKD entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PkdObject {
    /// A certificate (`userCertificate` or `cACertificate`): CSCA or DSC, the entry's DN
    /// notwithstanding.
    Certificate {
        /// The entry's DN.
        dn: String,
        /// The certificate bytes (not yet parsed).
        der: Vec<u8>,
    },
    /// A CRL (`certificateRevocationList` or `authorityRevocationList`).
    Crl {
        /// The entry's DN.
        dn: String,
        /// The CRL bytes (not yet parsed).
        der: Vec<u8>,
    },
    /// A CSCA master list (`pkdMasterListContent`, or the older `CscaMasterListData`):
    /// CMS SignedData, unverified.
    MasterList {
        /// The entry's DN.
        dn: String,
        /// The CMS bytes.
        cms: Vec<u8>,
    },
}

/// The certificates, CRLs and master lists of `entries`, in file order; other
/// attributes (`objectClass`, `pkdVersion`, ...) are ignored.
#[must_use]
pub fn objects(entries: &[LdifEntry]) -> Vec<PkdObject> {
    let mut found = Vec::new();
    for entry in entries {
        for (name, bytes) in &entry.attributes {
            let dn = entry.dn.clone();
            let bytes = bytes.clone();
            match name.as_str() {
                "usercertificate" | "cacertificate" => {
                    found.push(PkdObject::Certificate { dn, der: bytes });
                }
                "certificaterevocationlist" | "authorityrevocationlist" => {
                    found.push(PkdObject::Crl { dn, der: bytes });
                }
                "pkdmasterlistcontent" | "cscamasterlistdata" => {
                    found.push(PkdObject::MasterList { dn, cms: bytes });
                }
                _ => {}
            }
        }
    }
    found
}

/// What [`load_into`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LdifImport {
    /// Self-signed CSCA certificates (trust anchors) added to the store; an entry whose
    /// certificate was already present counts too.
    pub cscas: usize,
    /// Document Signer certificates kept (untrusted) for SODs that do not embed theirs:
    /// end-entity certificates, and every certificate filed under `o=dsc`.
    pub dscs: usize,
    /// CRLs added to the store.
    pub crls: usize,
    /// Master lists found (returned, not trusted).
    pub master_lists: usize,
    /// CA certificates that are not self-signed (link certificates): not trusted here;
    /// `(DER, source)` for the caller to give to
    /// [`TrustStore::add_link_certificates`] once every trust source is loaded.
    pub links: Vec<(Vec<u8>, String)>,
    /// Objects refused: (entry DN, reason).
    pub rejected: Vec<(String, String)>,
}

/// Whether `cert` is a CA certificate with keyCertSign: BasicConstraints cA=TRUE and
/// the keyCertSign key usage, both.
fn is_ca(cert: &Cert) -> bool {
    cert.can_certify()
}

/// Whether `cert` claims any CA power (cA or keyCertSign).
fn claims_ca(cert: &Cert) -> bool {
    cert.basic_constraints().is_some_and(|bc| bc.ca)
        || cert.key_usage().is_some_and(|ku| ku.key_cert_sign())
}

/// Whether `cert` is self-issued and its signature verifies with its own key.
fn self_signed(cert: &Cert, verifier: &Verifier) -> bool {
    let tbs = cert.cert.tbs_certificate();
    same_name(tbs.issuer(), tbs.subject()) != NameMatch::Different
        && cert.verify_signed_by(&cert.key, verifier).is_ok()
}

/// Whether the entry is filed under `o=dsc` (the PKD's Document Signer branch), however
/// the DN spells it (RFC 4514): spaces around `=`, `,` and `+`, multi-valued RDNs, the
/// type as `o`, `organizationName` or `2.5.4.10`, quoted or escaped values (`\63`,
/// `\ `). A DN that cannot be read counts as filed under `o=dsc`: the answer decides
/// whether a certificate may become a trust anchor, so doubt means no.
fn filed_under_dsc(dn: &str) -> bool {
    match dn_attributes(dn) {
        Some(attributes) => attributes.iter().any(|(kind, value)| {
            matches!(kind.as_str(), "o" | "organizationname" | "2.5.4.10") && value == "dsc"
        }),
        None => true,
    }
}

/// The (type, value) pairs of an RFC 4514 DN string, types and values trimmed and
/// lower-cased (ASCII), values unquoted and unescaped; `None` when it does not read.
fn dn_attributes(dn: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut current = Vec::<u8>::new();
    let mut bytes = dn.bytes();
    let mut finish = |raw: &mut Vec<u8>| -> Option<()> {
        let text = String::from_utf8(std::mem::take(raw)).ok()?;
        let (kind, value) = text.split_once('=')?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        out.push((
            kind.trim().to_ascii_lowercase(),
            value.trim().to_ascii_lowercase(),
        ));
        Some(())
    };
    while let Some(b) = bytes.next() {
        match b {
            b'\\' => {
                let first = bytes.next()?;
                if first.is_ascii_hexdigit() {
                    let second = bytes.next()?;
                    let pair = [first, second];
                    let hex = std::str::from_utf8(&pair).ok()?;
                    current.push(u8::from_str_radix(hex, 16).ok()?);
                } else {
                    current.push(first);
                }
            }
            b',' | b'+' | b';' => finish(&mut current)?,
            _ => current.push(b),
        }
    }
    if !current.is_empty() {
        finish(&mut current)?;
    }
    Some(out)
}

/// Loads CSCA trust anchors and CRLs into the store; Document Signer certificates are
/// kept untrusted (a DSC is verified through its CSCA); link certificates and master
/// lists are returned to the caller, who must verify them (links against the complete
/// store, master lists against a pinned anchor) before trusting them.
///
/// A certificate becomes a trust anchor only when it is self-signed (issuer = subject
/// and the self-signature verifies), a CA certificate (BasicConstraints cA=TRUE) with
/// the keyCertSign key usage, and not filed under `o=dsc`. Every `o=dsc` entry, and
/// every certificate that claims no CA power, is kept as a DSC; a CA certificate that
/// is not self-signed goes to [`LdifImport::links`]; a self-signed certificate with
/// only one of cA and keyCertSign is refused. A certificate or CRL that does not parse
/// is recorded in [`LdifImport::rejected`] and the import goes on. Store sources read
/// `ldif:<source>#<dn>`.
///
/// The CSCAs are trusted because the caller hands over the file: only pass a file
/// obtained through a channel you trust.
///
/// # Errors
/// [`LdifError`] when the file itself is not readable LDIF (nothing is loaded then).
pub fn load_into(
    store: &mut TrustStore,
    ldif: &[u8],
    source: &str,
    verifier: &Verifier,
) -> Result<(LdifImport, Vec<Vec<u8>>), LdifError> {
    let entries = parse(ldif)?;
    let mut import = LdifImport::default();
    let mut master_lists = Vec::new();
    for object in objects(&entries) {
        match object {
            PkdObject::Certificate { dn, der } => {
                let name = format!("ldif:{source}#{dn}");
                let cert = match Cert::parse(&der) {
                    Err(e) => {
                        import.rejected.push((dn, format!("certificate: {e}")));
                        continue;
                    }
                    Ok(cert) => cert,
                };
                if filed_under_dsc(&dn) || !claims_ca(&cert) {
                    match store.add_dsc(&der, &name) {
                        Ok(()) => import.dscs += 1,
                        Err(e) => import.rejected.push((dn, e.to_string())),
                    }
                } else if !self_signed(&cert, verifier) {
                    import.links.push((der, name));
                } else if !is_ca(&cert) {
                    import.rejected.push((
                        dn,
                        "self-signed certificate without both cA and keyCertSign: not a trust anchor"
                            .into(),
                    ));
                } else {
                    match store.add_csca(&der, &name) {
                        Ok(()) => import.cscas += 1,
                        Err(e) => import.rejected.push((dn, e.to_string())),
                    }
                }
            }
            PkdObject::Crl { dn, der } => match store.add_crl(&der, &format!("ldif:{source}#{dn}"))
            {
                Ok(()) => import.crls += 1,
                Err(e) => import.rejected.push((dn, e.to_string())),
            },
            PkdObject::MasterList { cms, .. } => {
                import.master_lists += 1;
                master_lists.push(cms);
            }
        }
    }
    Ok((import, master_lists))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn attr<'a>(entry: &'a LdifEntry, name: &str) -> Vec<&'a [u8]> {
        entry.values(name).collect()
    }

    #[test]
    fn empty_and_comment_only_files_have_no_entries() {
        assert_eq!(parse(b"").unwrap(), vec![]);
        assert_eq!(parse(b"\n\n").unwrap(), vec![]);
        assert_eq!(parse(b"# nothing\n #  folded comment\n\n").unwrap(), vec![]);
        assert_eq!(parse(b"version: 1\n").unwrap(), vec![]);
    }

    #[test]
    fn content_records_with_folds_base64_comments_and_options() {
        let ldif = b"version: 1\n\
            \n\
            # a comment\n\
            dn: cn=a,o=csca,c=KR,dc=data\n\
            objectClass: top\n\
            ObjectClass: pkdDownload\n\
            userCertificate;binary:: aGVs\n bG8=\n\
            pkdVersion:   42\n\
            sn: trailing \n\
            \n\
            \n\
            dn:: Y249YixjPUZS\n\
            certificateRevocationList;binary::AQID\n";
        let entries = parse(ldif).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].dn, "cn=a,o=csca,c=KR,dc=data");
        assert_eq!(
            attr(&entries[0], "objectclass"),
            vec![&b"top"[..], b"pkdDownload"]
        );
        assert_eq!(attr(&entries[0], "userCertificate"), vec![&b"hello"[..]]);
        assert_eq!(attr(&entries[0], "pkdversion"), vec![&b"42"[..]]);
        assert_eq!(attr(&entries[0], "sn"), vec![&b"trailing "[..]]);
        assert_eq!(entries[1].dn, "cn=b,c=FR");
        assert_eq!(
            entries[1].attributes,
            vec![("certificaterevocationlist".to_string(), vec![1, 2, 3])]
        );
    }

    #[test]
    fn crlf_bom_and_a_fold_inside_the_attribute_name() {
        let ldif = b"\xEF\xBB\xBFdn: c=KR\r\nuserCerti\r\n ficate;binary:: AQ\r\n ID\r\n\r\n";
        let entries = parse(ldif).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            entries[0].attributes,
            vec![("usercertificate".to_string(), vec![1, 2, 3])]
        );
    }

    #[test]
    fn version_directly_followed_by_an_entry() {
        let entries = parse(b"version: 1\ndn: c=KR\ncn: x\n").unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].dn, "c=KR");
    }

    #[test]
    fn change_records() {
        let entries = parse(b"dn: c=KR\nchangetype: add\ncn: x\n").unwrap();
        assert_eq!(entries[0].attributes, vec![("cn".into(), b"x".to_vec())]);
        assert_eq!(
            parse(b"dn: c=KR\nchangetype: modify\nreplace: cn\ncn: y\n-\n"),
            Err(LdifError::UnsupportedChange {
                line: 2,
                changetype: "modify".into()
            })
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases: &[(&[u8], LdifError)] = &[
            (
                b"dn: c=KR\n\n folded\n",
                LdifError::OrphanContinuation { line: 3 },
            ),
            (b" x\n", LdifError::OrphanContinuation { line: 1 }),
            (
                b"dn: c=KR\nuserCertificate:: AQID\nBAUG\n",
                LdifError::MissingColon { line: 3 },
            ),
            (
                b"dn: c=KR\nbad name: x\n",
                LdifError::InvalidAttribute {
                    line: 2,
                    name: "bad name".into(),
                },
            ),
            (
                b"dn: c=KR\nuserCertificate;: x\n",
                LdifError::InvalidAttribute {
                    line: 2,
                    name: "userCertificate;".into(),
                },
            ),
            (
                b"dn: c=KR\n: x\n",
                LdifError::InvalidAttribute {
                    line: 2,
                    name: String::new(),
                },
            ),
            (
                b"dn: c=KR\ncn: x\n-\n",
                LdifError::InvalidAttribute {
                    line: 3,
                    name: "-".into(),
                },
            ),
            (
                b"dn: c=KR\n\ncn: x\n",
                LdifError::MissingDn {
                    line: 3,
                    found: "cn".into(),
                },
            ),
            (b"dn: c=KR\ndn: c=FR\n", LdifError::DuplicateDn { line: 2 }),
            (b"dn:: /w==\n", LdifError::DnNotUtf8 { line: 1 }),
            (
                b"version: 2\n\ndn: c=KR\n",
                LdifError::UnsupportedVersion {
                    line: 1,
                    version: "2".into(),
                },
            ),
            (
                b"dn: c=KR\n\nversion: 1\n",
                LdifError::UnsupportedVersion {
                    line: 3,
                    version: "1".into(),
                },
            ),
            (
                b"dn: c=KR\njpegPhoto:< file:///etc/passwd\n",
                LdifError::UrlValue {
                    line: 2,
                    attribute: "jpegPhoto".into(),
                    url: "file:///etc/passwd".into(),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse(input).as_ref(),
                Err(expected),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        let Err(LdifError::Base64 {
            line, attribute, ..
        }) = parse(b"dn: c=KR\ncn: x\nuserCertificate;binary:: AQ*D\n")
        else {
            panic!("bad base64 accepted");
        };
        assert_eq!((line, attribute.as_str()), (3, "userCertificate;binary"));
        let message = parse(b"dn: c=KR\n\n x\n").unwrap_err().to_string();
        assert!(message.starts_with("line 3:"), "{message}");
    }

    #[test]
    fn objects_by_attribute() {
        let entries = parse(
            b"dn: cn=1,o=dsc,c=FR\nobjectClass: inetOrgPerson\nuserCertificate;binary:: AQ==\n\n\
              dn: cn=2,o=crl,c=FR\ncertificateRevocationList;binary:: Ag==\n\n\
              dn: cn=3,o=ml,c=FR\npkdMasterListContent:: Aw==\n\n\
              dn: cn=4,o=ml,c=FR\nCscaMasterListData:: BA==\n",
        )
        .unwrap();
        assert_eq!(
            objects(&entries),
            vec![
                PkdObject::Certificate {
                    dn: "cn=1,o=dsc,c=FR".into(),
                    der: vec![1]
                },
                PkdObject::Crl {
                    dn: "cn=2,o=crl,c=FR".into(),
                    der: vec![2]
                },
                PkdObject::MasterList {
                    dn: "cn=3,o=ml,c=FR".into(),
                    cms: vec![3]
                },
                PkdObject::MasterList {
                    dn: "cn=4,o=ml,c=FR".into(),
                    cms: vec![4]
                },
            ]
        );
    }

    #[test]
    fn unparsable_objects_are_rejected_not_fatal() {
        let mut store = TrustStore::new();
        let (import, lists) = load_into(
            &mut store,
            b"dn: cn=junk,o=csca,c=XX\nuserCertificate;binary:: AQID\n\n\
              dn: cn=junk,o=crl,c=XX\ncertificateRevocationList;binary:: AQID\n\n\
              dn: cn=ml,o=ml,c=XX\npkdMasterListContent:: AQID\n",
            "test.ldif",
            &Verifier::new(),
        )
        .unwrap();
        assert_eq!((import.cscas, import.dscs, import.crls), (0, 0, 0));
        assert_eq!(import.master_lists, 1);
        assert_eq!(lists, vec![vec![1, 2, 3]]);
        assert_eq!(import.rejected.len(), 2);
        assert_eq!(import.rejected[0].0, "cn=junk,o=csca,c=XX");
        assert!(store.cscas().is_empty());
    }
}
