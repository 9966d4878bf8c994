//! EF.DG2, the encoded face (9303-10 §4.7.2, ISO/IEC 7816-11 biometric templates):
//!
//! ```text
//! 75 { 7F61 { 02 count,
//!             7F60 { A1 biometric header, 5F2E|7F2E biometric data block } ... } }
//! ```
//!
//! An ISO/IEC 19794-5:2005 data block (`FAC\0`) is decoded down to its images; any other
//! block (ISO/IEC 39794-5, vendor formats) is returned opaque with the format owner and
//! type from its header. Image bytes are borrowed from the input.

use super::{DataGroup, LdsError, LdsFile, children, outer};
use crate::encoding::tlv::Tlv;

const FILE: LdsFile = LdsFile::Dg(DataGroup::Dg2);
const TAG_GROUP: u32 = 0x7F61;
const TAG_COUNT: u32 = 0x02;
const TAG_TEMPLATE: u32 = 0x7F60;
const TAG_HEADER: u32 = 0xA1;
const TAG_BDB: u32 = 0x5F2E;
const TAG_BDB_CONSTRUCTED: u32 = 0x7F2E;

/// ISO/IEC JTC 1/SC 37, the format owner of the ISO biometric formats.
pub const FORMAT_OWNER_ISO_SC37: u16 = 0x0101;
/// Format type of an ISO/IEC 19794-5 face image record.
pub const FORMAT_TYPE_FACE_19794_5: u16 = 0x0008;

/// `FAC\0`, the format identifier of an ISO/IEC 19794-5 record.
const FAC: &[u8; 4] = b"FAC\0";
/// Facial record header: format id, version, record length, number of images.
const RECORD_HEADER_LEN: usize = 14;
/// Facial information block, before any feature points.
const FACIAL_INFO_LEN: usize = 20;
/// One feature point.
const FEATURE_POINT_LEN: usize = 8;
/// Image information block.
const IMAGE_INFO_LEN: usize = 12;

/// The content of EF.DG2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dg2<'a> {
    /// The instance count written in the group template (`02`). It may disagree with
    /// `instances.len()`; the templates actually present are what is returned.
    pub declared_count: u32,
    /// One entry per biometric information template (`7F60`).
    pub instances: Vec<BiometricInstance<'a>>,
}

/// One biometric information template: header and data block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BiometricInstance<'a> {
    /// The biometric header template (`A1`).
    pub header: BiometricHeader<'a>,
    /// The biometric data block (`5F2E` or `7F2E`) exactly as stored.
    pub bdb: &'a [u8],
    /// The data block decoded when its format is known.
    pub data: BiometricData<'a>,
}

/// The biometric header template (ISO/IEC 7816-11 Table 7 as profiled by 9303-10).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BiometricHeader<'a> {
    /// `80` ICAO header version (`0101`), optional.
    pub version: Option<&'a [u8]>,
    /// `81` biometric type (`02` = face), optional.
    pub biometric_type: Option<&'a [u8]>,
    /// `82` biometric subtype, optional.
    pub biometric_subtype: Option<&'a [u8]>,
    /// `83` creation date and time, optional.
    pub creation_date: Option<&'a [u8]>,
    /// `85` validity period, optional.
    pub validity_period: Option<&'a [u8]>,
    /// `86` creator of the biometric reference data, optional.
    pub creator: Option<&'a [u8]>,
    /// `87` format owner (mandatory).
    pub format_owner: u16,
    /// `88` format type (mandatory).
    pub format_type: u16,
}

/// A biometric data block, decoded when dongpo knows its format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BiometricData<'a> {
    /// ISO/IEC 19794-5:2005 face image record.
    Face(FaceRecord<'a>),
    /// Any other format (ISO/IEC 39794-5, ...), with the owner and type of its header.
    Opaque {
        /// Format owner from the header.
        format_owner: u16,
        /// Format type from the header.
        format_type: u16,
        /// The block.
        data: &'a [u8],
    },
}

/// An ISO/IEC 19794-5:2005 facial record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaceRecord<'a> {
    /// Version, e.g. `010` for the 2005 edition.
    pub version: [u8; 3],
    /// The images of the record.
    pub images: Vec<FaceImage<'a>>,
}

/// How the image bytes are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageType {
    /// JPEG (ISO/IEC 10918).
    Jpeg,
    /// JPEG 2000 (ISO/IEC 15444), as a JP2 file or a raw codestream.
    Jpeg2000,
    /// Neither magic bytes nor the image data type identify the encoding.
    Unknown,
}

impl ImageType {
    /// The encoding the first bytes of `image` announce, if they announce one.
    #[must_use]
    pub fn from_magic(image: &[u8]) -> Option<Self> {
        const JP2_SIGNATURE: [u8; 12] = [
            0, 0, 0, 0x0C, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A,
        ];
        if image.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if image.starts_with(&JP2_SIGNATURE) || image.starts_with(&[0xFF, 0x4F, 0xFF, 0x51])
        {
            Some(ImageType::Jpeg2000)
        } else {
            None
        }
    }

    /// The encoding named by a 19794-5 image data type byte (0 JPEG, 1 JPEG 2000).
    #[must_use]
    pub fn from_data_type(data_type: u8) -> Self {
        match data_type {
            0 => ImageType::Jpeg,
            1 => ImageType::Jpeg2000,
            _ => ImageType::Unknown,
        }
    }

    /// The MIME type, for handing the image on.
    #[must_use]
    pub const fn mime_type(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Jpeg2000 => "image/jp2",
            ImageType::Unknown => "application/octet-stream",
        }
    }
}

/// One face image of a 19794-5 record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaceImage<'a> {
    /// The encoding: from the image's magic bytes, or from `image_data_type` when they
    /// are not recognised.
    pub image_type: ImageType,
    /// The image data type byte as written (0 JPEG, 1 JPEG 2000).
    pub image_data_type: u8,
    /// Width in pixels, from the record.
    pub width: u16,
    /// Height in pixels, from the record.
    pub height: u16,
    /// Face image type (0 basic, 1 full frontal, 2 token frontal).
    pub face_image_type: u8,
    /// Gender (0 unspecified, 1 male, 2 female, 0xFF unknown).
    pub gender: u8,
    /// Eye colour code.
    pub eye_colour: u8,
    /// Hair colour code.
    pub hair_colour: u8,
    /// Expression code.
    pub expression: u16,
    /// Colour space code.
    pub colour_space: u8,
    /// Source type code.
    pub source_type: u8,
    /// Number of feature points recorded.
    pub feature_points: u16,
    /// The encoded image.
    pub data: &'a [u8],
}

impl<'a> Dg2<'a> {
    /// Parses the complete EF.DG2 file.
    ///
    /// # Errors
    /// [`LdsError`] for a broken TLV structure, a missing template, header or data
    /// block, or a 19794-5 record whose lengths do not fit.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, LdsError> {
        let file = outer(FILE, bytes)?;
        let group = children(FILE, &file)?
            .into_iter()
            .find(|t| t.tag == TAG_GROUP)
            .ok_or(LdsError::Missing {
                file: FILE,
                what: "biometric information group template 7F61",
            })?;
        let items = children(FILE, &group)?;
        let count = items
            .iter()
            .find(|t| t.tag == TAG_COUNT)
            .ok_or(LdsError::Missing {
                file: FILE,
                what: "number of instances 02",
            })?;
        let declared_count = be_uint(count.value).ok_or_else(|| LdsError::Malformed {
            file: FILE,
            what: "number of instances 02",
            reason: format!("{} bytes, expected 1 to 4", count.value.len()),
        })?;
        let instances = items
            .iter()
            .filter(|t| t.tag == TAG_TEMPLATE)
            .map(instance)
            .collect::<Result<Vec<_>, _>>()?;
        if instances.is_empty() {
            return Err(LdsError::Missing {
                file: FILE,
                what: "biometric information template 7F60",
            });
        }
        Ok(Dg2 {
            declared_count,
            instances,
        })
    }

    /// Every face image of every 19794-5 record, in file order.
    pub fn face_images(&self) -> impl Iterator<Item = &FaceImage<'a>> {
        self.instances.iter().flat_map(|i| match &i.data {
            BiometricData::Face(record) => record.images.as_slice(),
            BiometricData::Opaque { .. } => &[],
        })
    }
}

/// A big-endian unsigned number of 1 to 4 bytes.
fn be_uint(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 4 {
        return None;
    }
    Some(bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

fn instance<'a>(template: &Tlv<'a>) -> Result<BiometricInstance<'a>, LdsError> {
    let items = children(FILE, template)?;
    let header_tlv = items
        .iter()
        .find(|t| t.tag == TAG_HEADER)
        .ok_or(LdsError::Missing {
            file: FILE,
            what: "biometric header template A1",
        })?;
    let header = header(header_tlv)?;
    let bdb = items
        .iter()
        .find(|t| t.tag == TAG_BDB || t.tag == TAG_BDB_CONSTRUCTED)
        .ok_or(LdsError::Missing {
            file: FILE,
            what: "biometric data block 5F2E or 7F2E",
        })?
        .value;
    let data = if bdb.starts_with(FAC) {
        BiometricData::Face(face_record(bdb)?)
    } else {
        BiometricData::Opaque {
            format_owner: header.format_owner,
            format_type: header.format_type,
            data: bdb,
        }
    };
    Ok(BiometricInstance { header, bdb, data })
}

fn header<'a>(tlv: &Tlv<'a>) -> Result<BiometricHeader<'a>, LdsError> {
    let mut header = BiometricHeader::default();
    let (mut owner, mut format) = (None, None);
    for item in children(FILE, tlv)? {
        let v = Some(item.value);
        match item.tag {
            0x80 => header.version = v,
            0x81 => header.biometric_type = v,
            0x82 => header.biometric_subtype = v,
            0x83 => header.creation_date = v,
            0x85 => header.validity_period = v,
            0x86 => header.creator = v,
            0x87 => owner = Some(u16_field(item.value, "format owner 87")?),
            0x88 => format = Some(u16_field(item.value, "format type 88")?),
            // Other (national or future) header elements are not needed to read the face.
            _ => {}
        }
    }
    header.format_owner = owner.ok_or(LdsError::Missing {
        file: FILE,
        what: "format owner 87",
    })?;
    header.format_type = format.ok_or(LdsError::Missing {
        file: FILE,
        what: "format type 88",
    })?;
    Ok(header)
}

fn u16_field(value: &[u8], what: &'static str) -> Result<u16, LdsError> {
    match value {
        [hi, lo] => Ok(u16::from_be_bytes([*hi, *lo])),
        _ => Err(LdsError::Malformed {
            file: FILE,
            what,
            reason: format!("{} bytes, expected 2", value.len()),
        }),
    }
}

/// A cursor over a 19794-5 record that reports a short record instead of panicking.
struct Record<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Record<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], LdsError> {
        let end = self.pos.checked_add(n);
        let slice = end.and_then(|end| self.data.get(self.pos..end));
        match (slice, end) {
            (Some(s), Some(end)) => {
                self.pos = end;
                Ok(s)
            }
            _ => Err(LdsError::Malformed {
                file: FILE,
                what: "ISO/IEC 19794-5 face record",
                reason: format!(
                    "{what} needs {n} bytes at record offset {}, {} remain",
                    self.pos,
                    self.data.len().saturating_sub(self.pos)
                ),
            }),
        }
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, LdsError> {
        let [byte] = self.take(1, what)? else {
            return Err(malformed(format!("{what} is not one byte")));
        };
        Ok(*byte)
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, LdsError> {
        match self.take(2, what)? {
            [a, b] => Ok(u16::from_be_bytes([*a, *b])),
            _ => Err(malformed(format!("{what} is not two bytes"))),
        }
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, LdsError> {
        match self.take(4, what)? {
            [a, b, c, d] => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
            _ => Err(malformed(format!("{what} is not four bytes"))),
        }
    }
}

fn malformed(reason: String) -> LdsError {
    LdsError::Malformed {
        file: FILE,
        what: "ISO/IEC 19794-5 face record",
        reason,
    }
}

/// Decodes an ISO/IEC 19794-5:2005 record (§5.4-5.7): record header, then per image a
/// facial information block, feature points, image information and the image.
fn face_record(bdb: &[u8]) -> Result<FaceRecord<'_>, LdsError> {
    let mut r = Record { data: bdb, pos: 0 };
    r.take(FAC.len(), "format identifier")?;
    let version_bytes = r.take(4, "version")?;
    let version = match version_bytes {
        [a, b, c, 0] => [*a, *b, *c],
        _ => {
            return Err(malformed(format!(
                "version {version_bytes:02X?} is not NUL-terminated"
            )));
        }
    };
    let record_len = usize::try_from(r.u32("record length")?).unwrap_or(usize::MAX);
    if record_len < RECORD_HEADER_LEN || record_len > bdb.len() {
        return Err(malformed(format!(
            "record length {record_len}, but the data block has {} bytes",
            bdb.len()
        )));
    }
    // Anything after the declared record is not part of it.
    r.data = bdb.get(..record_len).unwrap_or(bdb);
    let count = r.u16("number of facial images")?;
    let mut images = Vec::new();
    for _ in 0..count {
        let block_start = r.pos;
        let block_len = usize::try_from(r.u32("facial record data length")?).unwrap_or(usize::MAX);
        let feature_points = r.u16("number of feature points")?;
        let gender = r.u8("gender")?;
        let eye_colour = r.u8("eye colour")?;
        let hair_colour = r.u8("hair colour")?;
        r.take(3, "feature mask")?;
        let expression = r.u16("expression")?;
        r.take(6, "pose angle and uncertainty")?;
        r.take(
            usize::from(feature_points) * FEATURE_POINT_LEN,
            "feature points",
        )?;
        let face_image_type = r.u8("face image type")?;
        let image_data_type = r.u8("image data type")?;
        let width = r.u16("width")?;
        let height = r.u16("height")?;
        let colour_space = r.u8("image colour space")?;
        let source_type = r.u8("source type")?;
        r.take(4, "device type and quality")?;
        let fixed =
            FACIAL_INFO_LEN + usize::from(feature_points) * FEATURE_POINT_LEN + IMAGE_INFO_LEN;
        let image_len = block_len.checked_sub(fixed).ok_or_else(|| {
            malformed(format!(
                "facial record data length {block_len} at record offset {block_start} is \
                 shorter than its {fixed} header bytes"
            ))
        })?;
        let data = r.take(image_len, "image data")?;
        let image_type = ImageType::from_magic(data)
            .unwrap_or_else(|| ImageType::from_data_type(image_data_type));
        images.push(FaceImage {
            image_type,
            image_data_type,
            width,
            height,
            face_image_type,
            gender,
            eye_colour,
            hair_colour,
            expression,
            colour_space,
            source_type,
            feature_points,
            data,
        });
    }
    Ok(FaceRecord { version, images })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::tlv::{TlvError, encode};
    use crate::lds::testdata;

    fn bsi() -> Vec<u8> {
        testdata::read("real/bsi-tr03105-5/Datagroup2.bin")
    }

    #[test]
    fn bsi_reference_passport_holds_one_jpeg2000_face() {
        let bytes = bsi();
        let dg2 = Dg2::parse(&bytes).unwrap();
        assert_eq!(dg2.declared_count, 1);
        assert_eq!(dg2.instances.len(), 1);
        let inst = &dg2.instances[0];
        assert_eq!(inst.header.format_owner, FORMAT_OWNER_ISO_SC37);
        assert_eq!(inst.header.format_type, FORMAT_TYPE_FACE_19794_5);
        assert_eq!(inst.header.biometric_type, Some(&[0x02][..]));
        assert_eq!(inst.header.version, None);
        assert_eq!(inst.bdb.len(), 0x3AC5);
        let BiometricData::Face(record) = &inst.data else {
            panic!("not a 19794-5 record")
        };
        assert_eq!(&record.version, b"010");
        let images: Vec<_> = dg2.face_images().collect();
        assert_eq!(images.len(), 1);
        let face = images[0];
        assert_eq!(face.image_type, ImageType::Jpeg2000);
        assert_eq!(face.image_data_type, 1);
        // The record says 337x449; the JP2 `ihdr` box inside says 413x531 (a quirk of
        // this sample: the record header is not derived from the image).
        assert_eq!((face.width, face.height), (337, 449));
        assert_eq!(face.face_image_type, 1);
        assert_eq!(face.data.len(), 0x3AB7 - 32);
        assert!(face.data.starts_with(&[0, 0, 0, 0x0C, b'j', b'P']));
        assert_eq!(face.data.as_ptr_range().end, bytes.as_ptr_range().end);
    }

    #[test]
    fn bsi_2008_passport_has_the_same_face() {
        let old = testdata::read("real/jmrtd-bsi2008/Datagroup2.bin");
        let (new, old_dg2) = (bsi(), Dg2::parse(&old).unwrap());
        let new_dg2 = Dg2::parse(&new).unwrap();
        let a: Vec<_> = old_dg2
            .face_images()
            .map(|f| (f.width, f.height, f.data))
            .collect();
        let b: Vec<_> = new_dg2
            .face_images()
            .map(|f| (f.width, f.height, f.data))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn synthetic_documents_hold_a_24x32_jpeg() {
        for dir in testdata::synthetic_dirs() {
            let bytes = testdata::read(&format!("{dir}/DG2.bin"));
            let dg2 = Dg2::parse(&bytes).unwrap();
            assert_eq!(dg2.instances[0].header.version, Some(&[1, 1][..]), "{dir}");
            let faces: Vec<_> = dg2.face_images().collect();
            assert_eq!(faces.len(), 1, "{dir}");
            let face = faces[0];
            assert_eq!(face.image_type, ImageType::Jpeg, "{dir}");
            assert_eq!(face.image_data_type, 0, "{dir}");
            assert_eq!((face.width, face.height), (24, 32), "{dir}");
            assert!(face.data.starts_with(&[0xFF, 0xD8]), "{dir}");
            assert!(face.data.ends_with(&[0xFF, 0xD9]), "{dir}");
        }
    }

    /// A DG2 around `bdb` with the given format owner and type.
    fn dg2_with(bdb_tag: &[u8], bdb: &[u8], owner: u16, ftype: u16) -> Vec<u8> {
        let header = encode(
            &[0xA1],
            &[
                encode(&[0x81], &[0x02]),
                encode(&[0x87], &owner.to_be_bytes()),
                encode(&[0x88], &ftype.to_be_bytes()),
            ]
            .concat(),
        );
        let template = encode(&[0x7F, 0x60], &[header, encode(bdb_tag, bdb)].concat());
        let group = encode(&[0x7F, 0x61], &[encode(&[0x02], &[1]), template].concat());
        encode(&[0x75], &group)
    }

    #[test]
    fn other_formats_are_returned_opaque() {
        // An ISO/IEC 39794-5 block is ASN.1, not "FAC\0".
        let block = [0xA1, 0x03, 0x80, 0x01, 0x00];
        for tag in [&[0x5F, 0x2E][..], &[0x7F, 0x2E][..]] {
            let bytes = dg2_with(tag, &block, 0x0101, 0x0040);
            let dg2 = Dg2::parse(&bytes).unwrap();
            assert_eq!(
                dg2.instances[0].data,
                BiometricData::Opaque {
                    format_owner: 0x0101,
                    format_type: 0x0040,
                    data: &block
                }
            );
            assert_eq!(dg2.face_images().count(), 0);
        }
    }

    #[test]
    fn magic_bytes_override_the_data_type_byte() {
        assert_eq!(
            ImageType::from_magic(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(
            ImageType::from_magic(&[0xFF, 0x4F, 0xFF, 0x51]),
            Some(ImageType::Jpeg2000)
        );
        assert_eq!(ImageType::from_magic(b"GIF89a"), None);
        assert_eq!(ImageType::from_data_type(7), ImageType::Unknown);
        assert_eq!(ImageType::Jpeg2000.mime_type(), "image/jp2");
    }

    #[test]
    fn inconsistent_face_records_are_errors() {
        let bytes = bsi();
        let dg2 = Dg2::parse(&bytes).unwrap();
        let bdb = dg2.instances[0].bdb.to_vec();
        // Facial record data length one byte longer than the record.
        let mut long = bdb.clone();
        long[0x11] += 1;
        // Record length larger than the block.
        let mut huge = bdb.clone();
        huge[0x0A] = 0xFF;
        // Facial record data length shorter than its fixed part.
        let mut tiny = bdb.clone();
        tiny[0x10] = 0;
        tiny[0x11] = 5;
        // Version without its NUL.
        let mut version = bdb.clone();
        version[7] = b'1';
        for (name, broken) in [
            ("long", long),
            ("huge", huge),
            ("tiny", tiny),
            ("version", version),
        ] {
            let file = dg2_with(&[0x5F, 0x2E], &broken, 0x0101, 0x0008);
            assert!(
                matches!(Dg2::parse(&file), Err(LdsError::Malformed { .. })),
                "{name}: {:?}",
                Dg2::parse(&file)
            );
        }
        // Every truncation of the record itself.
        for n in [4, 8, 13, 14, 20, 40, 46, 47] {
            let file = dg2_with(&[0x5F, 0x2E], &bdb[..n], 0x0101, 0x0008);
            assert!(Dg2::parse(&file).is_err(), "{n}");
        }
    }

    #[test]
    fn hostile_input_gives_typed_errors() {
        let good = bsi();
        for bytes in testdata::hostile_inputs(&good) {
            assert!(Dg2::parse(&bytes).is_err(), "{} bytes", bytes.len());
        }
        assert!(matches!(
            Dg2::parse(&[]),
            Err(LdsError::Tlv {
                source: TlvError::UnexpectedEnd { .. },
                ..
            })
        ));
        let mut wrong = good.clone();
        wrong[0] = 0x61;
        assert!(matches!(
            Dg2::parse(&wrong),
            Err(LdsError::WrongTag {
                expected: 0x75,
                found: 0x61,
                ..
            })
        ));
        assert!(matches!(
            Dg2::parse(&encode(&[0x75], &[])),
            Err(LdsError::Missing { .. })
        ));
        let no_owner = encode(
            &[0x75],
            &encode(
                &[0x7F, 0x61],
                &[
                    encode(&[0x02], &[1]),
                    encode(
                        &[0x7F, 0x60],
                        &[
                            encode(&[0xA1], &encode(&[0x88], &[0, 8])),
                            encode(&[0x5F, 0x2E], b"x"),
                        ]
                        .concat(),
                    ),
                ]
                .concat(),
            ),
        );
        assert_eq!(
            Dg2::parse(&no_owner),
            Err(LdsError::Missing {
                file: FILE,
                what: "format owner 87"
            })
        );
    }
}
