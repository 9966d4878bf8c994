//! The checked-in corpus is what its manifests say: each variant breaks exactly what
//! it claims, checked with the crypto layer and the `cms` parser (independently of the
//! generator's own code paths).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::{Decode, Encode};
use dongpo_crypto::{EcdsaSignature, HashAlgorithm, PublicKey, SignatureAlgorithm, Verifier};
use dongpo_icao::LdsSecurityObject;
use dongpo_testkit::Variant;
use x509_cert::Certificate;

#[test]
fn every_variant_breaks_exactly_what_its_manifest_says() {
    let verifier = Verifier::new();
    let docs = common::corpus();
    assert_eq!(
        docs.len(),
        96,
        "9 profiles x 11 variants, short-r only for the 6 ECDSA ones"
    );
    for doc in &docs {
        let name = format!("{}/{}", doc.profile, doc.variant);
        let content = common::sod_content(&doc.files["EF_SOD.bin"]);
        let is_der = ContentInfo::from_der(content).is_ok();
        assert_eq!(
            !is_der,
            doc.variant == Variant::BerIndefinite,
            "{name}: DER-ness"
        );
        let info = ContentInfo::from_ber(content).unwrap_or_else(|e| panic!("{name}: {e}"));
        let signed: SignedData = info
            .content
            .decode_as_encoding(der::EncodingRules::Ber)
            .unwrap();
        let encap = &signed.encap_content_info;
        let expected_type = if doc.variant == Variant::IdData {
            dongpo_icao::oid::ID_DATA
        } else {
            dongpo_icao::oid::LDS_SECURITY_OBJECT
        };
        assert_eq!(encap.econtent_type, expected_type, "{name}");
        let econtent = encap
            .econtent
            .as_ref()
            .unwrap()
            .decode_as_encoding::<der::asn1::OctetString>(der::EncodingRules::Ber)
            .unwrap();
        let lds = LdsSecurityObject::from_der(econtent.as_bytes()).unwrap();
        let hash = HashAlgorithm::from_oid(&lds.hash_algorithm.algorithm).unwrap();
        assert_eq!(hash, doc.profile.hash(), "{name}");
        assert_eq!(lds.version == 1, lds.lds_version_info.is_some(), "{name}");

        // Data-group hashes: each DG file against the SOD.
        for (number, file) in [
            (1, "DG1.bin"),
            (2, "DG2.bin"),
            (14, "DG14.bin"),
            (15, "DG15.bin"),
        ] {
            let listed = lds
                .data_group_hash_values
                .iter()
                .find(|h| h.data_group_number == number);
            match listed {
                None => assert!(
                    number == 15 && doc.variant == Variant::UncoveredDg,
                    "{name}: DG{number} missing"
                ),
                Some(h) => {
                    let matches =
                        h.data_group_hash_value.as_bytes() == hash.digest(&doc.files[file]);
                    let tampered = number == 2 && doc.variant == Variant::TamperedDg;
                    assert_eq!(matches, !tampered, "{name}: DG{number} hash");
                }
            }
        }

        // SignerInfo: messageDigest and the signature over the DER signedAttrs.
        let signer = signed.signer_infos.0.iter().next().unwrap();
        let dsc = Certificate::from_der(&doc.files["dsc.der"]).unwrap();
        match &signer.sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => {
                assert_eq!(
                    &ias.serial_number,
                    dsc.tbs_certificate().serial_number(),
                    "{name}"
                );
            }
            SignerIdentifier::SubjectKeyIdentifier(_) => {
                panic!("{name}: expected issuerAndSerialNumber")
            }
        }
        let attrs = signer.signed_attrs.as_ref().unwrap();
        let md = attrs
            .iter()
            .find(|a| a.oid == dongpo_icao::oid::ATTR_MESSAGE_DIGEST)
            .unwrap();
        let md = md
            .values
            .iter()
            .next()
            .unwrap()
            .decode_as::<der::asn1::OctetString>()
            .unwrap();
        let md_ok = md.as_bytes() == hash.digest(econtent.as_bytes());
        assert_eq!(
            md_ok,
            doc.variant != Variant::WrongMessageDigest,
            "{name}: messageDigest"
        );

        let dsc_key = PublicKey::from_spki_der(
            &dsc.tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            dsc_key.description(),
            doc.manifest["algorithms"]["dsc_key"],
            "{name}"
        );
        let alg = SignatureAlgorithm::from_identifier_der(
            &signer.signature_algorithm.to_der().unwrap(),
            Some(hash),
        )
        .unwrap();
        let signature = signer.signature.as_bytes();
        let verified = verifier
            .verify(&dsc_key, &alg, &attrs.to_der().unwrap(), signature)
            .is_ok();
        assert_eq!(
            verified,
            doc.variant != Variant::BadSignature,
            "{name}: SOD signature"
        );
        if doc.variant == Variant::ShortR {
            let scalar_len = doc.profile.curve().unwrap().order_bits().div_ceil(8);
            assert!(
                EcdsaSignature::from_der(signature).unwrap().r().len() < scalar_len,
                "{name}: r not short"
            );
        }

        // DSC -> CSCA: signed by the CSCA key except for unknown-csca.
        let csca = Certificate::from_der(&doc.files["csca.der"]).unwrap();
        let csca_key = PublicKey::from_spki_der(
            &csca
                .tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            csca_key.description(),
            doc.manifest["algorithms"]["csca_key"],
            "{name}: CSCA key type"
        );
        let cert_alg = SignatureAlgorithm::from_identifier_der(
            &dsc.signature_algorithm().to_der().unwrap(),
            None,
        )
        .unwrap();
        let chained = verifier
            .verify(
                &csca_key,
                &cert_alg,
                &dsc.tbs_certificate().to_der().unwrap(),
                dsc.signature().raw_bytes(),
            )
            .is_ok();
        assert_eq!(
            chained,
            doc.variant != Variant::UnknownCsca,
            "{name}: DSC signature"
        );
        if let PublicKey::Ec(ec) = &dsc_key {
            assert_eq!(
                ec.explicit_parameters,
                doc.profile.explicit_ec_parameters(),
                "{name}"
            );
        }

        // The CRL lists the DSC exactly for revoked-dsc.
        let crl = x509_cert::crl::CertificateList::from_der(&doc.files["csca.crl"]).unwrap();
        let revoked = crl
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .any(|r| &r.serial_number == dsc.tbs_certificate().serial_number());
        assert_eq!(revoked, doc.variant == Variant::RevokedDsc, "{name}: CRL");
        let expected_valid = doc.manifest["expected"]["valid"].as_bool().unwrap();
        assert_eq!(
            expected_valid,
            doc.variant.failing_checks().is_empty(),
            "{name}: manifest"
        );
    }
}

#[test]
fn dg1_mrz_and_identity_agree() {
    for doc in common::corpus()
        .iter()
        .filter(|d| d.variant == Variant::Genuine)
    {
        let identity: serde_json::Value =
            serde_json::from_slice(&doc.files["identity.json"]).unwrap();
        let dg1 = &doc.files["DG1.bin"];
        assert_eq!(&dg1[..4], &[0x61, 0x5b, 0x5f, 0x1f]);
        let mrz = std::str::from_utf8(&dg1[5..]).unwrap();
        assert_eq!(mrz.len(), 88);
        let number = identity["document_number"].as_str().unwrap();
        assert_eq!(&mrz[44..53], number);
        assert!(mrz[5..].starts_with(identity["surname"].as_str().unwrap()));
        let dob = identity["date_of_birth"].as_str().unwrap().replace('-', "");
        assert_eq!(&mrz[57..63], &dob[2..]);
        // What `dongpo-server --dev` registers without generating a passport.
        assert_eq!(
            identity,
            serde_json::to_value(dongpo_testkit::passport::holder_identity(
                doc.manifest["seed"].as_u64().unwrap()
            ))
            .unwrap(),
            "{}: holder_identity",
            doc.profile
        );
    }
}
