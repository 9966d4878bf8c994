//! `dongpo chip relay`: reads a chip with the reference terminal and relays a server chip
//! session (`POST /v1/chip-sessions`): the server is the Chip Authentication terminal, this
//! command only carries APDUs ([`dongpo_chip::relay`]) over HTTP (`docs/cli.md`).

use std::path::PathBuf;
use std::time::Duration;

use base64ct::{Base64, Encoding};
use clap::Args;
use dongpo_chip::CommandApdu;
use dongpo_chip::relay::{Channel, ChipSessionServer, RelayError, SessionReply, relay};
use dongpo_chip::terminal::ChipContents;

use crate::chip_transport::ChipAddress;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::exit;

/// `dongpo chip relay`.
#[derive(Args)]
pub struct RelayArgs {
    /// The chip: tcp:HOST:PORT, or pcsc / pcsc:READER (built with the feature pcsc).
    #[arg(long)]
    chip: String,
    /// The MRZ that opens the chip (BAC).
    #[command(flatten)]
    mrz: crate::mrz_input::MrzArgs,
    /// The dongpo server, e.g. https://verify.example (its API key from DONGPO_API_KEY
    /// or --api-key-file, never on the command line).
    #[arg(long)]
    server: String,
    /// A file holding the API key (scope verify).
    #[arg(long = "api-key-file")]
    api_key_file: Option<PathBuf>,
    /// Print the server's verification as JSON.
    #[arg(long)]
    json: bool,
}

/// A chip session over HTTP.
struct HttpSession {
    agent: ureq::Agent,
    server: String,
    key: Zeroizing<String>,
    id: Option<String>,
}

/// A failed HTTP exchange: the problem code when the server sent one.
struct ServerError {
    code: Option<String>,
    message: String,
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl HttpSession {
    fn post(&self, path: &str, body: &Value) -> Result<Value, ServerError> {
        let plain = |message: String| ServerError {
            code: None,
            message,
        };
        let mut response = self
            .agent
            .post(format!("{}{path}", self.server))
            .header("Content-Type", "application/json")
            .header("Authorization", format!("Bearer {}", self.key.as_str()))
            .send(body.to_string().as_bytes())
            .map_err(|e| plain(format!("{path}: {e}")))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(16 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| plain(format!("{path}: {e}")))?;
        let answer: Value = serde_json::from_str(&text)
            .map_err(|_| plain(format!("{path}: the server answered {status}, not JSON")))?;
        if (200..300).contains(&status) {
            return Ok(answer);
        }
        let code = answer
            .pointer("/error/code")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Err(ServerError {
            message: format!(
                "{path}: {status} {}: {}",
                code.as_deref().unwrap_or("-"),
                answer
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            ),
            code,
        })
    }
}

fn reply(answer: Value) -> Result<SessionReply<Value>, ServerError> {
    let bad = |what: &str| ServerError {
        code: None,
        message: format!("the server's session answer has no valid {what}"),
    };
    if answer.get("step").and_then(Value::as_str) == Some("done") {
        return answer
            .get("verification")
            .cloned()
            .map(SessionReply::Done)
            .ok_or_else(|| bad("verification"));
    }
    let step = answer
        .get("step")
        .and_then(Value::as_u64)
        .and_then(|s| u32::try_from(s).ok())
        .ok_or_else(|| bad("step"))?;
    let channel = answer
        .get("channel")
        .and_then(Value::as_str)
        .and_then(Channel::from_name)
        .ok_or_else(|| bad("channel"))?;
    let commands = answer
        .get("commands")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("commands"))?
        .iter()
        .map(|c| {
            c.as_str()
                .and_then(|h| hex::decode(h).ok())
                .and_then(|b| CommandApdu::parse(&b).ok())
                .ok_or_else(|| bad("commands"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SessionReply::Commands {
        step,
        commands,
        channel,
    })
}

impl ChipSessionServer for HttpSession {
    type Verification = Value;
    type Error = ServerError;

    fn open(&mut self, contents: &ChipContents) -> Result<SessionReply<Value>, ServerError> {
        let dg: serde_json::Map<String, Value> = contents
            .data_groups
            .iter()
            .map(|(n, b)| (n.to_string(), json!(Base64::encode_string(b))))
            .collect();
        let body = match &contents.com {
            Some(com) => json!({
                "sod": Base64::encode_string(&contents.sod),
                "dg": dg,
                "com": Base64::encode_string(com),
            }),
            None => json!({"sod": Base64::encode_string(&contents.sod), "dg": dg}),
        };
        let answer = self.post("/v1/chip-sessions", &body)?;
        self.id = answer.get("id").and_then(Value::as_str).map(str::to_owned);
        reply(answer)
    }

    fn respond(
        &mut self,
        step: u32,
        answers: &[Vec<u8>],
    ) -> Result<SessionReply<Value>, ServerError> {
        let id = self.id.clone().ok_or_else(|| ServerError {
            code: None,
            message: "no session id from the server".into(),
        })?;
        let responses: Vec<String> = answers.iter().map(hex::encode_upper).collect();
        reply(self.post(
            &format!("/v1/chip-sessions/{id}/responses"),
            &json!({"step": step, "responses": responses}),
        )?)
    }
}

fn api_key(args: &RelayArgs) -> Result<Zeroizing<String>, String> {
    if let Some(path) = &args.api_key_file {
        let text = Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        );
        return Ok(Zeroizing::new(text.trim().to_owned()));
    }
    std::env::var("DONGPO_API_KEY")
        .map(Zeroizing::new)
        .map_err(|_| "give the API key in DONGPO_API_KEY or --api-key-file".into())
}

/// Runs `dongpo chip relay`: exit 0 valid, 1 invalid (Chip Authentication failed
/// included), 2 unreadable chip, transport or server errors.
pub fn run(args: &RelayArgs) -> Result<u8, String> {
    let key = args.mrz.key()?;
    let chip = ChipAddress::parse(&args.chip)?;
    let mut session = HttpSession {
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into(),
        server: args.server.trim_end_matches('/').to_owned(),
        key: api_key(args)?,
        id: None,
    };
    let transport = chip.connect()?;
    let verification = match relay(transport, &key, &mut session) {
        Ok(v) => v,
        Err(RelayError::Server(e)) if e.code.as_deref() == Some("chip_authentication_failed") => {
            eprintln!("dongpo: {e}");
            return Ok(exit::INVALID);
        }
        Err(RelayError::Server(e)) => return Err(format!("server: {e}")),
        Err(e) => return Err(format!("chip session: {e}")),
    };
    let valid = verification.pointer("/report/valid") == Some(&Value::Bool(true));
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&verification).map_err(|e| e.to_string())?
        );
    } else {
        print_verification(&verification);
    }
    Ok(if valid { exit::OK } else { exit::INVALID })
}

fn print_verification(verification: &Value) {
    let text = |v: &Value, pointer: &str| {
        v.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("-")
            .to_owned()
    };
    let valid = verification.pointer("/report/valid") == Some(&Value::Bool(true));
    println!(
        "verification {}: {}",
        text(verification, "/id"),
        if valid { "VALID" } else { "INVALID" }
    );
    if let Some(assurance) = verification.pointer("/report/assurance") {
        println!("  assurance {assurance}");
    }
    let checks = verification
        .pointer("/report/checks")
        .and_then(Value::as_array);
    for check in checks.into_iter().flatten() {
        println!(
            "  {:<5} {:<26} {}",
            text(check, "/status"),
            text(check, "/id"),
            text(check, "/detail")
        );
    }
}
