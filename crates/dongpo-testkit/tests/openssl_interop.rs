//! The corpus interoperates with OpenSSL: `openssl cms -verify` on every SOD,
//! `openssl x509` on every certificate, `openssl crl -verify` on every CRL and
//! `openssl verify` on the chains OpenSSL accepts (named curves and RSA).
//! Prints `skipped: ...` when no `openssl` binary is installed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::path::Path;
use std::process::Command;

use dongpo_testkit::Variant;

fn openssl(args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("run openssl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn have_openssl() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

/// Seconds since 1970 of an RFC 3339 `YYYY-MM-DDT00:00:00Z` (days from civil).
fn epoch(rfc3339: &str) -> i64 {
    let (y, m, d) = (
        rfc3339[0..4].parse::<i64>().unwrap(),
        rfc3339[5..7].parse::<i64>().unwrap(),
        rfc3339[8..10].parse::<i64>().unwrap(),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

#[test]
fn openssl_verifies_the_master_list_and_link_certificate() {
    if !have_openssl() {
        println!("skipped: no openssl binary on PATH");
        return;
    }
    let dir = common::corpus_dir().join("masterlist");
    let scratch = std::env::temp_dir().join(format!("dongpo-openssl-ml-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let anchor = scratch.join("anchor.pem").display().to_string();
    let link = scratch.join("link.pem").display().to_string();
    let d = |f: &str| dir.join(f).display().to_string();
    assert!(
        openssl(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            &d("anchor.der"),
            "-out",
            &anchor
        ])
        .0
    );
    assert!(
        openssl(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            &d("link.der"),
            "-out",
            &link
        ])
        .0
    );
    let (ok, err) = openssl(&[
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        &d("masterlist.ml"),
        "-CAfile",
        &anchor,
        "-purpose",
        "any",
        "-binary",
        "-out",
        "/dev/null",
    ]);
    assert!(
        ok,
        "openssl cms -verify of the master list against its anchor: {err}"
    );
    let (ok, err) = openssl(&["verify", "-attime", "1780272000", "-CAfile", &anchor, &link]);
    assert!(ok, "link certificate: {err}");
    std::fs::remove_dir_all(&scratch).ok();
}

#[test]
fn openssl_accepts_what_it_should() {
    if !have_openssl() {
        println!("skipped: no openssl binary on PATH");
        return;
    }
    let scratch = std::env::temp_dir().join(format!("dongpo-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut checked = 0;
    for doc in common::corpus() {
        let name = format!("{}/{}", doc.profile, doc.variant);
        let sod = write(
            &scratch,
            "sod.p7",
            common::sod_content(&doc.files["EF_SOD.bin"]),
        );
        let (cms_ok, err) = openssl(&[
            "cms",
            "-verify",
            "-noverify",
            "-inform",
            "DER",
            "-in",
            &sod,
            "-binary",
            "-out",
            "/dev/null",
        ]);
        let cms_expected = !matches!(
            doc.variant,
            Variant::BadSignature | Variant::WrongMessageDigest
        );
        assert_eq!(cms_ok, cms_expected, "{name}: openssl cms -verify: {err}");

        let csca_der = write(&scratch, "csca.der", &doc.files["csca.der"]);
        let dsc_der = write(&scratch, "dsc.der", &doc.files["dsc.der"]);
        for cert in [&csca_der, &dsc_der] {
            let (ok, err) = openssl(&["x509", "-inform", "DER", "-in", cert, "-noout", "-text"]);
            assert!(ok, "{name}: openssl x509 -text {cert}: {err}");
        }
        let csca_pem = scratch.join("csca.pem").display().to_string();
        let dsc_pem = scratch.join("dsc.pem").display().to_string();
        assert!(
            openssl(&[
                "x509", "-inform", "DER", "-in", &csca_der, "-out", &csca_pem
            ])
            .0
        );
        assert!(openssl(&["x509", "-inform", "DER", "-in", &dsc_der, "-out", &dsc_pem]).0);
        let crl = write(&scratch, "csca.crl", &doc.files["csca.crl"]);
        let (crl_ok, err) = openssl(&[
            "crl", "-inform", "DER", "-in", &crl, "-CAfile", &csca_pem, "-noout",
        ]);
        assert!(
            crl_ok && err.contains("verify OK"),
            "{name}: openssl crl -verify: {err}"
        );

        if !doc.profile.explicit_ec_parameters() {
            let at = epoch(doc.manifest["verify_at"].as_str().unwrap()).to_string();
            let (ok, err) = openssl(&["verify", "-attime", &at, "-CAfile", &csca_pem, &dsc_pem]);
            let expected = !matches!(doc.variant, Variant::UnknownCsca | Variant::ExpiredDsc);
            assert_eq!(ok, expected, "{name}: openssl verify: {err}");
        }
        checked += 1;
    }
    std::fs::remove_dir_all(&scratch).ok();
    assert_eq!(checked, 96);
}
