//! A small BER tree for building structural forgeries of CMS SignedData in tests and in
//! the `cms_forgery` fuzz target (shared with `#[path]`; no dependencies beyond std).
//! Unchanged subtrees re-encode as the exact bytes they were read from, so a signature
//! over an untouched part stays valid; a changed node is written with a minimal
//! definite length, or an indefinite one when asked.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

/// `messageDigest` (1.2.840.113549.1.9.4) as a DER OBJECT IDENTIFIER.
pub const OID_MESSAGE_DIGEST: [u8; 11] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04,
];

/// One TLV: primitive (value kept in `raw`) or constructed (children parsed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The tag byte.
    pub tag: u8,
    /// The bytes as read (or as built); the whole TLV.
    pub raw: Vec<u8>,
    /// The children of a constructed node.
    pub kids: Option<Vec<Node>>,
    /// Write an indefinite length when re-encoded.
    pub indefinite: bool,
    dirty: bool,
}

fn length_bytes(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let mut out = vec![0x80 | (bytes.len() - skip) as u8];
    out.extend_from_slice(&bytes[skip..]);
    out
}

impl Node {
    /// Reads the TLV at the start of `bytes`: the node and how many bytes it took.
    pub fn parse(bytes: &[u8]) -> Option<(Node, usize)> {
        Self::parse_depth(bytes, 0)
    }

    fn parse_depth(bytes: &[u8], depth: usize) -> Option<(Node, usize)> {
        if depth > 40 {
            return None;
        }
        let tag = *bytes.first()?;
        if tag & 0x1f == 0x1f {
            return None;
        }
        let first = *bytes.get(1)?;
        let constructed = tag & 0x20 != 0;
        if first == 0x80 {
            if !constructed {
                return None;
            }
            let mut kids = Vec::new();
            let mut at = 2;
            loop {
                if bytes.get(at..at + 2)? == [0, 0] {
                    at += 2;
                    break;
                }
                let (kid, used) = Self::parse_depth(bytes.get(at..)?, depth + 1)?;
                kids.push(kid);
                at += used;
            }
            return Some((
                Node {
                    tag,
                    raw: bytes.get(..at)?.to_vec(),
                    kids: Some(kids),
                    indefinite: true,
                    dirty: false,
                },
                at,
            ));
        }
        let (header, len) = if first < 0x80 {
            (2, usize::from(first))
        } else {
            let n = usize::from(first & 0x7f);
            if n > 4 {
                return None;
            }
            let len = bytes
                .get(2..2 + n)?
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (2 + n, len)
        };
        let end = header.checked_add(len)?;
        let raw = bytes.get(..end)?.to_vec();
        let kids = if constructed {
            let mut kids = Vec::new();
            let mut at = header;
            while at < end {
                let (kid, used) = Self::parse_depth(bytes.get(at..end)?, depth + 1)?;
                kids.push(kid);
                at += used;
            }
            Some(kids)
        } else {
            None
        };
        Some((
            Node {
                tag,
                raw,
                kids,
                indefinite: false,
                dirty: false,
            },
            end,
        ))
    }

    /// Reads `bytes` as exactly one TLV.
    pub fn parse_exact(bytes: &[u8]) -> Option<Node> {
        let (node, used) = Self::parse(bytes)?;
        (used == bytes.len()).then_some(node)
    }

    /// A new primitive node.
    pub fn prim(tag: u8, value: &[u8]) -> Node {
        let mut raw = vec![tag];
        raw.extend(length_bytes(value.len()));
        raw.extend_from_slice(value);
        Node {
            tag,
            raw,
            kids: None,
            indefinite: false,
            dirty: false,
        }
    }

    /// A new constructed node.
    pub fn cons(tag: u8, kids: Vec<Node>) -> Node {
        Node {
            tag,
            raw: Vec::new(),
            kids: Some(kids),
            indefinite: false,
            dirty: true,
        }
    }

    /// The bytes: as read when nothing below changed.
    pub fn encode(&self) -> Vec<u8> {
        let Some(kids) = self.kids.as_ref().filter(|_| self.dirty) else {
            return self.raw.clone();
        };
        let content: Vec<u8> = kids.iter().flat_map(Node::encode).collect();
        let mut out = vec![self.tag];
        if self.indefinite {
            out.push(0x80);
            out.extend(content);
            out.extend([0, 0]);
        } else {
            out.extend(length_bytes(content.len()));
            out.extend(content);
        }
        out
    }

    /// The value of a primitive node as read.
    pub fn value(&self) -> &[u8] {
        let first = self.raw.get(1).copied().unwrap_or(0);
        let header = if first < 0x80 {
            2
        } else {
            2 + usize::from(first & 0x7f)
        };
        self.raw.get(header..).unwrap_or_default()
    }

    /// The children, for changing (this node is re-encoded).
    pub fn kids_mut(&mut self) -> &mut Vec<Node> {
        self.dirty = true;
        self.kids.get_or_insert_with(Vec::new)
    }

    /// Child `i`, for changing.
    pub fn kid(&mut self, i: usize) -> &mut Node {
        &mut self.kids_mut()[i]
    }

    /// Child `i`, read only.
    pub fn get(&self, i: usize) -> &Node {
        &self.kids.as_ref().unwrap()[i]
    }

    /// Re-encode this node (and everything above it once reached through `kid`) with an
    /// indefinite length.
    pub fn make_indefinite(&mut self) {
        self.dirty = true;
        self.indefinite = true;
    }
}

/// A ContentInfo(SignedData) as a tree, with the paths CMS gives its parts.
#[derive(Clone, Debug)]
pub struct Cms {
    /// `ContentInfo`.
    pub root: Node,
}

impl Cms {
    /// Reads a ContentInfo.
    pub fn parse(content_info: &[u8]) -> Option<Cms> {
        Node::parse_exact(content_info).map(|root| Cms { root })
    }

    /// The bytes.
    pub fn encode(&self) -> Vec<u8> {
        self.root.encode()
    }

    /// `SignedData`.
    pub fn signed_data(&mut self) -> &mut Node {
        self.root.kid(1).kid(0)
    }

    /// `signerInfos` (the last field of SignedData).
    pub fn signer_infos(&mut self) -> &mut Node {
        self.signed_data().kids_mut().last_mut().unwrap()
    }

    /// The first SignerInfo as it lies in the bytes.
    pub fn signer_info(&self) -> Node {
        let sd = self.root.get(1).get(0);
        sd.kids.as_ref().unwrap().last().unwrap().get(0).clone()
    }

    /// The eContent value as read.
    pub fn econtent(&self) -> Vec<u8> {
        let octets = self.root.get(1).get(0).get(2).get(1).get(0);
        match &octets.kids {
            // A constructed (BER) OCTET STRING: its segments joined.
            Some(kids) => kids.iter().flat_map(|k| k.value().to_vec()).collect(),
            None => octets.value().to_vec(),
        }
    }

    /// Replaces eContent.
    pub fn set_econtent(&mut self, econtent: &[u8]) {
        *self.signed_data().kid(2).kid(1).kid(0) = Node::prim(0x04, econtent);
    }

    /// The `[0]` certificates field, when present.
    pub fn certificates(&mut self) -> Option<&mut Node> {
        self.signed_data()
            .kids_mut()
            .iter_mut()
            .find(|n| n.tag == 0xa0)
    }
}

/// The signedAttrs `[0]` of a SignerInfo.
pub fn signed_attrs(signer_info: &mut Node) -> &mut Node {
    signer_info
        .kids_mut()
        .iter_mut()
        .find(|n| n.tag == 0xa0)
        .unwrap()
}

/// Index of the messageDigest attribute among the signedAttrs.
pub fn message_digest_index(attrs: &Node) -> usize {
    attrs
        .kids
        .as_ref()
        .unwrap()
        .iter()
        .position(|a| a.get(0).raw == OID_MESSAGE_DIGEST)
        .unwrap()
}

/// An Attribute `SEQUENCE { type, SET OF value }` of messageDigest with `digests`.
pub fn message_digest_attribute(digests: &[&[u8]]) -> Node {
    let values = digests.iter().map(|d| Node::prim(0x04, d)).collect();
    Node::cons(
        0x30,
        vec![
            Node::parse_exact(&OID_MESSAGE_DIGEST).unwrap(),
            Node::cons(0x31, values),
        ],
    )
}

/// A copy of `signer_info` whose messageDigest is `digest` (its signature unchanged:
/// not valid over the new attributes).
pub fn with_message_digest(signer_info: &Node, digest: &[u8]) -> Node {
    let mut forged = signer_info.clone();
    let attrs = signed_attrs(&mut forged);
    let i = message_digest_index(attrs);
    *attrs.kid(i) = message_digest_attribute(&[digest]);
    forged
}

/// The attack of issue 15: eContent replaced by `econtent`, and beside the genuine
/// SignerInfo a copy whose messageDigest is `digest` (the hash of `econtent`). With
/// `forged_first`, the copy comes first in the bytes.
pub fn two_signer_forgery(
    content_info: &[u8],
    econtent: &[u8],
    digest: &[u8],
    forged_first: bool,
) -> Vec<u8> {
    let mut cms = Cms::parse(content_info).unwrap();
    let genuine = cms.signer_info();
    let forged = with_message_digest(&genuine, digest);
    cms.set_econtent(econtent);
    *cms.signer_infos().kids_mut() = if forged_first {
        vec![forged, genuine]
    } else {
        vec![genuine, forged]
    };
    cms.encode()
}

/// The ContentInfo inside EF.SOD's 0x77 wrapper (definite length).
pub fn sod_content(sod: &[u8]) -> Vec<u8> {
    Node::parse(sod).unwrap().0.get(0).raw.clone()
}

/// EF.SOD: `77 { content_info }`.
pub fn sod_wrap(content_info: &[u8]) -> Vec<u8> {
    let mut out = vec![0x77];
    out.extend(length_bytes(content_info.len()));
    out.extend_from_slice(content_info);
    out
}
