//! Chip sessions: the server is the Chip Authentication terminal and the test plays the
//! app relaying APDUs to an in-process chip (`dongpo_chip::CaChip` behind a BAC channel,
//! holding the testkit passport's Chip Authentication key). A genuine exchange stores a
//! verification with `ca.authentication` passing; a clone, a forged MAC, a replayed,
//! reordered, truncated or garbled relay, an expired session, another API key and a
//! second use fail with their problem codes and store nothing. On PostgreSQL (when
//! `DONGPO_TEST_POSTGRES_URL` is set) two server processes serve the steps of one session.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::collections::BTreeMap;

use dongpo_chip::relay::{Channel, ChipSessionServer, SessionReply, relay};
use dongpo_chip::terminal::{ChipContents, Transport, TransportError};
use dongpo_chip::{
    BacChip, BacTerminal, CaChip, CaProtocol, ChipCaKey, ChipCaOutcome, Cipher, CommandApdu,
    KeyAgreement, MrzKey, ResponseApdu, SecureMessaging, StatusWord,
};
use dongpo_crypto::agreement::{Domain, KeyPair};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_icao::tlv::TlvReader;
use dongpo_testkit::{KeyStore, Profile, Variant};
use serde_json::{Value, json};
use support::{Client, InProcess, Passport, Reply};

/// The testkit passport's Chip Authentication private key (seed 1, P-256 profile).
fn testkit_chip_key() -> KeyPair {
    let key = KeyStore::default()
        .get(1, "p256/chip-authentication", KeySpec::Ec(Curve::P256))
        .unwrap();
    let pkcs8 = key.to_pkcs8_der().unwrap();
    // PrivateKeyInfo { version, algorithm, OCTET STRING { ECPrivateKey { 1, OCTET d } } }
    let mut outer = TlvReader::new(&pkcs8);
    let info = outer.expect(0x30).unwrap();
    let mut fields = TlvReader::new(info.value);
    fields.expect(0x02).unwrap();
    fields.expect(0x30).unwrap();
    let wrapped = fields.expect(0x04).unwrap();
    let mut ec = TlvReader::new(wrapped.value);
    let ec = ec.expect(0x30).unwrap();
    let mut ec = TlvReader::new(ec.value);
    ec.expect(0x02).unwrap();
    let d = ec.expect(0x04).unwrap();
    KeyPair::from_private_bytes(&Domain::ec(Curve::P256), d.value).unwrap()
}

/// The chip: SELECT of the application, BAC, then under secure messaging Chip
/// Authentication and SELECT + READ BINARY of its files.
struct Chip {
    /// `None` until BAC.
    sm: Option<SecureMessaging>,
    ca: CaChip,
    files: BTreeMap<u16, Vec<u8>>,
    selected: Option<u16>,
    mrz: MrzKey,
    rnd_ic: [u8; 8],
}

impl Chip {
    fn new(passport: &Passport, chip_key: KeyPair) -> Self {
        let names = [
            (0x011E, "EF_COM.bin"),
            (0x011D, "EF_SOD.bin"),
            (0x0101, "DG1.bin"),
            (0x0102, "DG2.bin"),
            (0x010E, "DG14.bin"),
        ];
        let mrz = dongpo_icao::lds::Mrz::from_dg1(passport.file("DG1.bin")).unwrap();
        Chip {
            sm: None,
            ca: CaChip::new(vec![ChipCaKey {
                protocol: CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes128),
                key_id: None,
                key: chip_key,
            }]),
            files: names
                .iter()
                .map(|(fid, name)| (*fid, passport.file(name).to_vec()))
                .collect(),
            selected: None,
            mrz: MrzKey::from_mrz_fields(
                &mrz.document_number,
                &mrz.date_of_birth,
                &mrz.date_of_expiry,
            )
            .unwrap(),
            rnd_ic: [1, 2, 3, 4, 5, 6, 7, 8],
        }
    }

    /// Before BAC: SELECT of the application, GET CHALLENGE, EXTERNAL AUTHENTICATE.
    fn plain(&mut self, command: &CommandApdu) -> ResponseApdu {
        match command.ins {
            0xA4 => ResponseApdu::status(StatusWord::SUCCESS),
            0x84 => ResponseApdu::new(self.rnd_ic.to_vec(), StatusWord::SUCCESS),
            0x82 => match BacChip::new(&self.mrz, self.rnd_ic).respond(command) {
                Ok((answer, sm)) => {
                    self.sm = Some(sm);
                    answer
                }
                Err(e) => ResponseApdu::status(e.chip_status()),
            },
            _ => ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED),
        }
    }

    fn transmit(&mut self, command: &CommandApdu) -> ResponseApdu {
        let Some(sm) = self.sm.as_mut() else {
            return self.plain(command);
        };
        let plain = match sm.unprotect_command(command) {
            Ok(p) => p,
            Err(e) => return ResponseApdu::status(e.chip_status()),
        };
        let (answer, next) = if CaChip::is_ca_command(&plain) {
            match self.ca.process(&plain) {
                ChipCaOutcome::Respond(r) => (r, None),
                ChipCaOutcome::Established(r, sm) => (r, Some(sm)),
            }
        } else {
            (self.file_command(&plain), None)
        };
        let sm = self.sm.as_mut().unwrap();
        let protected = sm.protect_response(plain.ins, &answer).unwrap();
        if let Some(new) = next {
            self.sm = Some(new);
        }
        protected
    }

    fn file_command(&mut self, plain: &CommandApdu) -> ResponseApdu {
        match plain.ins {
            0xA4 => {
                let fid = u16::from_be_bytes([plain.data()[0], plain.data()[1]]);
                if self.files.contains_key(&fid) {
                    self.selected = Some(fid);
                    ResponseApdu::status(StatusWord::SUCCESS)
                } else {
                    ResponseApdu::status(StatusWord::FILE_NOT_FOUND)
                }
            }
            0xB0 => {
                let Some(file) = self.selected.and_then(|fid| self.files.get(&fid)) else {
                    return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
                };
                let offset = usize::from(u16::from_be_bytes([plain.p1, plain.p2]));
                let end = (offset + plain.le().unwrap_or(256) as usize).min(file.len());
                ResponseApdu::new(file[offset.min(end)..end].to_vec(), StatusWord::SUCCESS)
            }
            _ => ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED),
        }
    }
}

/// The chip as the reference terminal reaches it (bytes in, bytes out).
impl Transport for Chip {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let command = CommandApdu::parse(apdu)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        Ok(Chip::transmit(self, &command).to_bytes())
    }
}

/// The app: its BAC channel to the chip.
struct App {
    sm: SecureMessaging,
    chip: Chip,
}

impl App {
    /// A chip holding `chip_key` (the genuine key, or a clone's own), after BAC.
    fn new(passport: &Passport, chip_key: KeyPair) -> Self {
        let mut chip = Chip::new(passport, chip_key);
        let mrz = dongpo_icao::lds::Mrz::from_dg1(passport.file("DG1.bin")).unwrap();
        let key = MrzKey::from_mrz_fields(
            &mrz.document_number,
            &mrz.date_of_birth,
            &mrz.date_of_expiry,
        )
        .unwrap();
        let challenge = chip.transmit(&CommandApdu::get_challenge());
        let terminal = BacTerminal::new(&key, &challenge).unwrap();
        let answer = chip.transmit(&terminal.external_authenticate().unwrap());
        App {
            sm: terminal.finish(&answer).unwrap(),
            chip,
        }
    }

    /// Runs a step's commands: inside the app's channel or raw, as the server says.
    fn run(&mut self, answer: &Value) -> Vec<String> {
        let channel = answer["channel"].as_str().unwrap();
        answer["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let command =
                    CommandApdu::parse(&hex::decode(c.as_str().unwrap()).unwrap()).unwrap();
                let response = match channel {
                    "existing" => {
                        let protected = self.sm.protect_command(&command).unwrap();
                        let raw = self.chip.transmit(&protected);
                        self.sm.unprotect_response(&raw).unwrap()
                    }
                    "chip-authentication" => self.chip.transmit(&command),
                    other => panic!("channel {other}"),
                };
                hex::encode(response.to_bytes())
            })
            .collect()
    }
}

/// A query's single integer over the server's SQLite state.
fn count(server: &InProcess, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(server.data.join("server.sqlite")).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn post_step(client: &Client, id: &str, step: u64, responses: &[String]) -> Reply {
    client.post(
        &format!("/v1/chip-sessions/{id}/responses"),
        &json!({"step": step, "responses": responses}),
    )
}

fn expect(reply: &Reply, status: u16, code: &str) {
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (status, code),
        "{}",
        reply.text()
    );
}

fn open(client: &Client, passport: &Passport) -> Value {
    let opened = client.post("/v1/chip-sessions", &passport.document());
    assert_eq!(opened.status, 201, "{}", opened.text());
    let opened = opened.json();
    assert_eq!(opened["step"], 1);
    assert_eq!(opened["channel"], "existing");
    // id-CA-ECDH-AES-CBC-CMAC-128: MSE:Set AT, GENERAL AUTHENTICATE.
    assert_eq!(opened["commands"].as_array().unwrap().len(), 2);
    assert!(
        opened["commands"][0]
            .as_str()
            .unwrap()
            .starts_with("002241A4")
    );
    opened
}

/// A genuine exchange, `first` serving session open and step 1, `second` step 2.
fn genuine_exchange(first: &Client, second: &Client, passport: &Passport) -> Value {
    let opened = open(first, passport);
    let id = opened["id"].as_str().unwrap();
    let mut app = App::new(passport, testkit_chip_key());
    let step1 = post_step(first, id, 1, &app.run(&opened));
    assert_eq!(step1.status, 200, "{}", step1.text());
    let step1 = step1.json();
    assert_eq!(
        (step1["step"].clone(), step1["channel"].clone()),
        (json!(2), json!("chip-authentication"))
    );
    let done = post_step(second, id, 2, &app.run(&step1));
    assert_eq!(done.status, 200, "{}", done.text());
    let done = done.json();
    assert_eq!(done["step"], "done");
    let verification = &done["verification"];
    assert_eq!(verification["report"]["valid"], true, "{verification}");
    let ca = verification["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "ca.authentication")
        .unwrap();
    assert_eq!(ca["status"], "pass", "{ca}");
    // A second use of the finished session.
    expect(
        &post_step(second, id, 2, &app.run(&step1)),
        409,
        "chip_session_ended",
    );
    done
}

#[test]
fn a_genuine_chip_completes_a_session_and_its_verification_is_stored() {
    let server = InProcess::dev("chip-genuine", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let done = genuine_exchange(&client, &client, &passport);
    let id = done["verification"]["id"].as_str().unwrap();
    let receipt = client.get(&format!("/v1/verifications/{id}/receipt"));
    assert_eq!(receipt.status, 200, "{}", receipt.text());
    assert!(done["verification"]["receipt"].is_string());
}

#[test]
fn a_clone_and_a_forged_mac_fail_and_store_nothing() {
    let server = InProcess::dev("chip-clone", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);

    // The DG14 copied, another private key: step 1 goes through, step 2 does not verify.
    let opened = open(&client, &passport);
    let id = opened["id"].as_str().unwrap();
    let clone_key = KeyPair::generate(&Domain::ec(Curve::P256)).unwrap();
    let mut app = App::new(&passport, clone_key);
    let step1 = post_step(&client, id, 1, &app.run(&opened)).json();
    let failed = post_step(&client, id, 2, &app.run(&step1));
    expect(&failed, 422, "chip_authentication_failed");
    assert!(failed.json().get("verification").is_none());
    expect(
        &post_step(&client, id, 2, &app.run(&step1)),
        409,
        "chip_session_ended",
    );

    // The genuine chip, one bit of the READ BINARY answer's MAC flipped by the relay.
    let opened = open(&client, &passport);
    let id = opened["id"].as_str().unwrap();
    let mut app = App::new(&passport, testkit_chip_key());
    let step1 = post_step(&client, id, 1, &app.run(&opened)).json();
    let mut answers = app.run(&step1);
    let mut bytes = hex::decode(&answers[1]).unwrap();
    let at = bytes.len() - 3;
    bytes[at] ^= 0x01;
    answers[1] = hex::encode(bytes);
    expect(
        &post_step(&client, id, 2, &answers),
        422,
        "chip_authentication_failed",
    );

    // Nothing stored; every ended session's sealed keys and files dropped.
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM server_verifications"),
        0
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM server_chip_sessions WHERE sealed IS NOT NULL OR step <> 0"
        ),
        0
    );
}

#[test]
fn an_open_session_holds_its_keys_and_files_only_sealed() {
    let server = InProcess::dev("chip-sealed", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let opened = open(&client, &passport);
    let conn = rusqlite::Connection::open(server.data.join("server.sqlite")).unwrap();
    let (owner, sealed): (String, Vec<u8>) = conn
        .query_row(
            "SELECT owner, sealed FROM server_chip_sessions WHERE id = ?1",
            [opened["id"].as_str().unwrap()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        server.key.contains(&format!("_{owner}_")),
        "bound to the opening key"
    );
    let dg1 = passport.file("DG1.bin");
    assert!(sealed.len() > dg1.len());
    // Neither DG1 nor a 16-byte window of the SOD appears in clear.
    assert!(!sealed.windows(dg1.len()).any(|w| w == dg1));
    let sod = passport.file("EF_SOD.bin");
    let sod_windows: std::collections::HashSet<&[u8]> = sod.windows(16).collect();
    assert!(!sealed.windows(16).any(|w| sod_windows.contains(w)));
}

#[test]
fn replayed_reordered_truncated_and_garbled_relays_end_the_session() {
    let server = InProcess::dev("chip-relay", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);

    // Step 1 replayed after it passed: the session ends, step 2 is refused.
    let opened = open(&client, &passport);
    let id = opened["id"].as_str().unwrap();
    let mut app = App::new(&passport, testkit_chip_key());
    let answers = app.run(&opened);
    let step1 = post_step(&client, id, 1, &answers);
    assert_eq!(step1.status, 200);
    expect(
        &post_step(&client, id, 1, &answers),
        409,
        "chip_session_step",
    );
    let raw = app.run(&step1.json());
    expect(&post_step(&client, id, 2, &raw), 409, "chip_session_ended");

    // Step 2 before step 1.
    let opened = open(&client, &passport);
    let id = opened["id"].as_str().unwrap();
    expect(&post_step(&client, id, 2, &[]), 409, "chip_session_step");
    expect(&post_step(&client, id, 1, &[]), 409, "chip_session_ended");

    // A step number that never exists.
    let opened = open(&client, &passport);
    let id = opened["id"].as_str().unwrap();
    expect(&post_step(&client, id, 3, &[]), 409, "chip_session_step");

    // Truncated: one answer for two commands.
    let opened = open(&client, &passport);
    let id = opened["id"].as_str().unwrap();
    let mut app = App::new(&passport, testkit_chip_key());
    let answers = app.run(&opened);
    expect(
        &post_step(&client, id, 1, &answers[..1]),
        422,
        "chip_relay_invalid",
    );
    expect(
        &post_step(&client, id, 1, &answers),
        409,
        "chip_session_ended",
    );

    // Garbled: not hex, and a single byte (no status word).
    for garbage in ["zz", "90"] {
        let opened = open(&client, &passport);
        let id = opened["id"].as_str().unwrap();
        expect(
            &post_step(&client, id, 1, &[garbage.to_owned(), "9000".to_owned()]),
            422,
            "chip_relay_invalid",
        );
    }

    // The chip's answers swapped: GENERAL AUTHENTICATE's 7C00 where MSE's 9000 belongs.
    let opened = open(&client, &passport);
    let id = opened["id"].as_str().unwrap();
    let mut app = App::new(&passport, testkit_chip_key());
    let mut answers = app.run(&opened);
    answers.swap(0, 1);
    expect(
        &post_step(&client, id, 1, &answers),
        422,
        "chip_authentication_failed",
    );

    // Unknown fields are refused, so is `aa` on open.
    let opened = open(&client, &passport);
    let id = opened["id"].as_str().unwrap();
    let extra = client.post(
        &format!("/v1/chip-sessions/{id}/responses"),
        &json!({"step": 1, "responses": [], "extra": true}),
    );
    expect(&extra, 400, "bad_request");
    let mut body = passport.document();
    body["aa"] = json!({"challenge_id": "x", "signature": "AA=="});
    expect(&client.post("/v1/chip-sessions", &body), 400, "bad_request");
}

#[test]
fn sessions_expire_belong_to_their_api_key_and_need_a_covered_dg14() {
    let server = InProcess::dev("chip-expiry", |c| c.chip_session_ttl_secs = 1);
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);

    // Another API key does not see the session (and cannot end it).
    let made = client.post(
        "/v1/api-keys",
        &json!({"name": "app", "scopes": ["verify"]}),
    );
    assert_eq!(made.status, 201, "{}", made.text());
    let made = made.json();
    let other = Client::new(&server.url, made["key"].as_str());
    let opened = open(&client, &passport);
    let id = opened["id"].as_str().unwrap();
    let mut app = App::new(&passport, testkit_chip_key());
    let answers = app.run(&opened);
    expect(
        &post_step(&other, id, 1, &answers),
        404,
        "chip_session_not_found",
    );
    expect(
        &post_step(&client, "cs_unknown", 1, &answers),
        404,
        "chip_session_not_found",
    );

    // Past its lifetime.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    expect(
        &post_step(&client, id, 1, &answers),
        410,
        "chip_session_expired",
    );
    expect(
        &post_step(&client, id, 1, &answers),
        409,
        "chip_session_ended",
    );

    // No DG14: nothing to authenticate the chip with.
    let mut body = passport.document();
    body["dg"].as_object_mut().unwrap().remove("14");
    expect(
        &client.post("/v1/chip-sessions", &body),
        422,
        "chip_authentication_unavailable",
    );
    // A DG14 that does not match the SOD.
    let mut body = passport.document();
    body["dg"]["14"] = json!(support::b64(b"\x6e\x00"));
    expect(
        &client.post("/v1/chip-sessions", &body),
        422,
        "chip_authentication_unavailable",
    );
}

#[test]
fn two_servers_on_one_postgres_serve_the_steps_of_one_session() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set (chip sessions on PostgreSQL)");
        return;
    };
    let database =
        dongpo_testkit::pg_database::Database::create(&admin_url, "dongpo_chip").unwrap();
    let data = support::fresh_dir("pg-chip");
    let env_a = [
        ("DATABASE_URL", database.url.as_str()),
        ("DONGPO_NODE", "server-a"),
    ];
    let a = support::Process::start(&data, &["--dev"], &env_a);
    let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
    let key = key.trim();
    let env_b = [
        ("DATABASE_URL", database.url.as_str()),
        ("DONGPO_NODE", "server-b"),
    ];
    let b = support::Process::start(&data, &["--dev"], &env_b);
    let (ca, cb) = (
        Client::new(&a.url, Some(key)),
        Client::new(&b.url, Some(key)),
    );
    let passport = Passport::new(Profile::P256, Variant::Genuine);

    // Opened and step 1 on A, step 2 (and the second use) on B.
    let done = genuine_exchange(&ca, &cb, &passport);
    let id = done["verification"]["id"].as_str().unwrap();
    assert_eq!(
        ca.get(&format!("/v1/verifications/{id}/receipt")).status,
        200
    );

    // A step 1 replayed on the other node ends the session there too.
    let opened = open(&ca, &passport);
    let sid = opened["id"].as_str().unwrap();
    let mut app = App::new(&passport, testkit_chip_key());
    let answers = app.run(&opened);
    assert_eq!(post_step(&ca, sid, 1, &answers).status, 200);
    expect(&post_step(&cb, sid, 1, &answers), 409, "chip_session_step");
    expect(&post_step(&ca, sid, 2, &[]), 409, "chip_session_ended");
    drop((a, b));
    let _ = std::fs::remove_dir_all(&data);
}

/// `dongpo_chip::relay` over HTTP, as an app's code would implement it.
struct Http<'a> {
    client: &'a Client,
    id: Option<String>,
}

fn session_reply(reply: &Reply) -> Result<SessionReply<Value>, String> {
    if reply.status >= 300 {
        return Err(reply.code());
    }
    let answer = reply.json();
    if answer["step"] == "done" {
        return Ok(SessionReply::Done(answer["verification"].clone()));
    }
    Ok(SessionReply::Commands {
        step: u32::try_from(answer["step"].as_u64().unwrap()).unwrap(),
        commands: answer["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| CommandApdu::parse(&hex::decode(c.as_str().unwrap()).unwrap()).unwrap())
            .collect(),
        channel: Channel::from_name(answer["channel"].as_str().unwrap()).unwrap(),
    })
}

impl ChipSessionServer for Http<'_> {
    type Verification = Value;
    type Error = String;

    fn open(&mut self, contents: &ChipContents) -> Result<SessionReply<Value>, String> {
        let dg: serde_json::Map<String, Value> = contents
            .data_groups
            .iter()
            .map(|(n, b)| (n.to_string(), json!(support::b64(b))))
            .collect();
        let reply = self.client.post(
            "/v1/chip-sessions",
            &json!({"sod": support::b64(&contents.sod), "dg": dg}),
        );
        if reply.status == 201 {
            self.id = reply.json()["id"].as_str().map(str::to_owned);
        }
        session_reply(&reply)
    }

    fn respond(&mut self, step: u32, answers: &[Vec<u8>]) -> Result<SessionReply<Value>, String> {
        let responses: Vec<String> = answers.iter().map(hex::encode).collect();
        session_reply(&post_step(
            self.client,
            self.id.as_deref().unwrap(),
            u64::from(step),
            &responses,
        ))
    }
}

#[test]
fn the_relay_library_reads_the_chip_and_completes_a_session() {
    let server = InProcess::dev("chip-relay-lib", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let mrz = dongpo_icao::lds::Mrz::from_dg1(passport.file("DG1.bin")).unwrap();
    let key = MrzKey::from_mrz_fields(
        &mrz.document_number,
        &mrz.date_of_birth,
        &mrz.date_of_expiry,
    )
    .unwrap();

    let chip = Chip::new(&passport, testkit_chip_key());
    let mut http = Http {
        client: &client,
        id: None,
    };
    let verification = relay(chip, &key, &mut http).unwrap();
    assert_eq!(verification["report"]["valid"], true, "{verification}");
    let ca = verification["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "ca.authentication")
        .unwrap()
        .clone();
    assert_eq!(ca["status"], "pass");

    // A clone: the relay carries it through, the server refuses it.
    let clone = Chip::new(
        &passport,
        KeyPair::generate(&Domain::ec(Curve::P256)).unwrap(),
    );
    let mut http = Http {
        client: &client,
        id: None,
    };
    match relay(clone, &key, &mut http) {
        Err(dongpo_chip::relay::RelayError::Server(code)) => {
            assert_eq!(code, "chip_authentication_failed");
        }
        other => panic!("{other:?}"),
    }
}

/// adv19 finding 1: a session keeps a sealed copy of the submitted files until it ends, so
/// files that fail Passive Authentication (here megabytes of data groups the SOD does not
/// hash) are refused before anything is stored, and one API key holds a bounded number of
/// open sessions.
#[test]
fn invalid_documents_and_too_many_open_sessions_store_nothing() {
    let server = InProcess::dev("chip-bounds", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let mut junk = passport.document();
    for n in ["3", "4"] {
        junk["dg"][n] = json!(support::b64(
            &std::iter::repeat_n(0x5a, 300_000).collect::<Vec<u8>>()
        ));
    }
    let refused = client.post("/v1/chip-sessions", &junk);
    expect(&refused, 422, "passive_authentication_failed");
    assert!(
        refused.text().contains("dg.3.covered"),
        "{}",
        refused.text()
    );
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM server_chip_sessions"),
        0
    );

    let bound = i64::try_from(dongpo_server::MAX_OPEN_SESSIONS_PER_KEY).unwrap();
    for _ in 0..bound {
        open(&client, &passport);
    }
    expect(
        &client.post("/v1/chip-sessions", &passport.document()),
        429,
        "chip_sessions_exhausted",
    );
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM server_chip_sessions"),
        bound
    );
}
