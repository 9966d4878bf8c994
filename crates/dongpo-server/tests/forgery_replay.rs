//! Replay of issue 15 over HTTP (profiles requiring chip presence): a forger took the
//! victim's genuine EF.SOD, rewrote its LDSSecurityObject so that DG15 is the forger's
//! own Active Authentication key (DG1 still the victim's), and appended a copy of the
//! SignerInfo whose messageDigest matches the rewritten eContent. Before the fix that got
//! 201 and then a `kb` certificate in the victim's name with the victim's registered RRN
//! (PA and AA passed). Now the SOD is refused as unreadable and nothing is issued.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

#[path = "../../dongpo-icao/tests/support/cms_tree.rs"]
mod cms_tree;

use cms_tree::Node;
use dongpo_icao::Sod;
use dongpo_testkit::{KeyStore, Profile, Variant};
use serde_json::json;
use support::{Client, InProcess, Passport, b64, issue};

fn certificate_count(server: &InProcess) -> i64 {
    let conn = rusqlite::Connection::open(server.data.join("ca").join("ca.sqlite")).unwrap();
    conn.query_row("SELECT COUNT(*) FROM certificates", [], |r| r.get(0))
        .unwrap()
}

/// The LDSSecurityObject `lds` with the hash of data group `n` replaced by `hash`.
fn with_dg_hash(lds: &[u8], n: u8, hash: &[u8]) -> Vec<u8> {
    let mut lds = Node::parse_exact(lds).unwrap();
    let list = lds.kid(2);
    let at = list
        .kids
        .as_ref()
        .unwrap()
        .iter()
        .position(|h| h.get(0).raw == [0x02, 0x01, n])
        .unwrap();
    *list.kid(at).kid(1) = Node::prim(0x04, hash);
    lds.encode()
}

#[test]
fn forged_two_signer_sod_with_the_forgers_dg15_gets_no_certificate() {
    let server = InProcess::dev("forgery", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let victim = Passport::new(Profile::P256, Variant::Genuine);
    // The forger's chip key: another testkit passport's DG15 and AA key.
    let forger =
        dongpo_testkit::generate(Profile::P256, Variant::Genuine, 2, &mut KeyStore::default())
            .unwrap()
            .files;
    let forger_dg15 = forger.get("DG15.bin").unwrap();
    assert_ne!(forger_dg15.as_slice(), victim.file("DG15.bin"));

    let genuine = Sod::parse(victim.file("EF_SOD.bin")).unwrap();
    let lds = with_dg_hash(
        &genuine.cms.econtent,
        15,
        &genuine.lds_hash.digest(forger_dg15),
    );
    let digest = genuine.cms.digest_algorithm.digest(&lds);
    let content = cms_tree::sod_content(victim.file("EF_SOD.bin"));

    for forged_first in [true, false] {
        let forged_sod = cms_tree::sod_wrap(&cms_tree::two_signer_forgery(
            &content,
            &lds,
            &digest,
            forged_first,
        ));
        let challenge = client.post("/v1/challenges", &json!({})).json();
        let mut body = victim.document();
        body["sod"] = json!(b64(&forged_sod));
        body["dg"]["15"] = json!(b64(forger_dg15));
        body["aa"] = json!({
            "challenge_id": challenge["id"],
            "signature": b64(&dongpo_testkit::active_auth::sign(
                forger.get("aa_key.p8").unwrap(),
                &hex::decode(challenge["challenge"].as_str().unwrap()).unwrap(),
                dongpo_crypto::HashAlgorithm::Sha256,
            )
            .unwrap()),
        });
        let reply = client.post("/v1/verifications", &body);
        assert_eq!(
            (reply.status, reply.code().as_str()),
            (422, "bad_sod"),
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        assert!(
            reply.text().contains("exactly one is required"),
            "{}",
            reply.text()
        );
        // Nothing to issue from: an id the forger might guess is unknown.
        let refused = issue(&client, &json!("ver_forged"), &victim.rrn(), "kb", 1);
        assert_ne!(refused.status, 201);
    }
    assert_eq!(certificate_count(&server), 0);
}
