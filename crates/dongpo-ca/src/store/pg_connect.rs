//! The one way dongpo connects to PostgreSQL (the CA store, its node claim and the
//! server's tables): plain TCP, or TLS through rustls as the URL's `sslmode` says.
//!
//! * `sslmode` absent or `disable`: no TLS. Only for a local socket or loopback, or a link
//!   the operator otherwise trusts (`docs/operators.md`).
//! * `sslmode=require` or `verify-full`: TLS, the server's certificate verified against the
//!   CA certificates in the PEM file named by [`CA_FILE_ENV`] (a private CA), else the
//!   public web roots, and its name against the URL's host. `require` is verified as
//!   fully as `verify-full`: an encrypted connection to an unauthenticated server protects
//!   nothing against the active attacker TLS is there for.
//! * Any other mode (`prefer`, `allow`, `verify-ca`) is refused: `prefer` and `allow` fall
//!   back to plain TCP without saying so.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ::postgres::config::SslMode;
use ::postgres::{Client, Config, NoTls};
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The environment variable naming a PEM file of CA certificates that a PostgreSQL
/// server's TLS certificate must chain to (instead of the public web roots).
pub const CA_FILE_ENV: &str = "DONGPO_DATABASE_CA_FILE";

/// How a URL asks to connect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Plain TCP (`sslmode` absent or `disable`).
    Plain,
    /// TLS with the certificate and host name verified (`require`, `verify-full`).
    VerifiedTls,
}

/// Why a connection could not be made. Messages never repeat the URL (it may carry a
/// password).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// An `sslmode` dongpo does not support.
    #[error(
        "postgres: sslmode={0} is not supported: use require or verify-full for TLS, or \
         disable for a local socket"
    )]
    SslMode(String),
    /// The URL does not parse (the driver's message names the option, not its value).
    #[error("postgres: the URL is not valid: {0}")]
    Url(String),
    /// The CA file could not be read.
    #[error("{CA_FILE_ENV}: {path}: {source}")]
    CaFileUnreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The CA file holds no usable certificate.
    #[error("{CA_FILE_ENV}: {path}: no PEM CA certificate in it")]
    CaFileEmpty {
        /// The file.
        path: PathBuf,
    },
    /// TLS could not be set up.
    #[error("postgres: TLS setup: {0}")]
    Tls(String),
    /// The connection failed.
    #[error("{0}")]
    Connect(String),
}

/// The URL without its `sslmode` parameter (which the driver does not know in every form)
/// and the transport it asked for.
///
/// # Errors
/// [`ConnectError::SslMode`] for an unsupported mode.
pub fn split_sslmode(url: &str) -> Result<(String, Transport), ConnectError> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, query),
        None => return Ok((url.to_owned(), Transport::Plain)),
    };
    let mut transport = Transport::Plain;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", mode)) => {
                transport = match mode {
                    "disable" => Transport::Plain,
                    "require" | "verify-full" => Transport::VerifiedTls,
                    other => return Err(ConnectError::SslMode(printable_mode(other))),
                };
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, transport))
}

/// A mode as it may be repeated in a message: a short word, else a placeholder.
fn printable_mode(mode: &str) -> String {
    if mode.len() <= 16 && mode.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        mode.to_owned()
    } else {
        "(an unknown value)".to_owned()
    }
}

/// The CA certificates of a PEM file.
///
/// # Errors
/// [`ConnectError::CaFileUnreadable`], [`ConnectError::CaFileEmpty`].
pub fn load_ca_file(path: &Path) -> Result<RootCertStore, ConnectError> {
    let pem = std::fs::read(path).map_err(|source| ConnectError::CaFileUnreadable {
        path: path.to_owned(),
        source,
    })?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem).flatten() {
        // A certificate webpki cannot use as a trust anchor is skipped; none at all fails.
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        return Err(ConnectError::CaFileEmpty {
            path: path.to_owned(),
        });
    }
    Ok(roots)
}

/// The TLS client configuration: `ca_file`'s CAs, else the public web roots.
///
/// # Errors
/// The CA file's errors; [`ConnectError::Tls`].
pub fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, ConnectError> {
    let roots = match ca_file {
        Some(path) => load_ca_file(path)?,
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    // The provider named explicitly: the tree builds rustls with two, so there is no
    // process default to fall back on.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Connects to `url` as its `sslmode` says, with the CA file from [`CA_FILE_ENV`].
///
/// # Errors
/// [`ConnectError`].
pub fn connect(url: &str) -> Result<Client, ConnectError> {
    let ca_file = std::env::var_os(CA_FILE_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    connect_with(url, ca_file.as_deref())
}

/// Connects to `url` as its `sslmode` says, trusting `ca_file`'s CAs for TLS.
///
/// # Errors
/// [`ConnectError`].
pub fn connect_with(url: &str, ca_file: Option<&Path>) -> Result<Client, ConnectError> {
    let (url, transport) = split_sslmode(url)?;
    let mut config: Config = url.parse().map_err(|e: ::postgres::Error| {
        // The parser's messages name the option ("invalid value for option `port`").
        ConnectError::Url(e.to_string())
    })?;
    let connected = match transport {
        Transport::Plain => config.ssl_mode(SslMode::Disable).connect(NoTls),
        Transport::VerifiedTls => {
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(ca_file)?);
            config.ssl_mode(SslMode::Require).connect(tls)
        }
    };
    connected.map_err(|e| ConnectError::Connect(super::postgres::describe(&e)))
}

impl From<ConnectError> for super::StoreError {
    fn from(e: ConnectError) -> Self {
        super::StoreError::Backend(e.to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_is_split_off_and_honoured() {
        assert_eq!(
            split_sslmode("postgres://u@h/db").unwrap(),
            ("postgres://u@h/db".to_owned(), Transport::Plain)
        );
        assert_eq!(
            split_sslmode("postgres://u@h/db?sslmode=disable").unwrap(),
            ("postgres://u@h/db".to_owned(), Transport::Plain)
        );
        for mode in ["require", "verify-full"] {
            assert_eq!(
                split_sslmode(&format!(
                    "postgres://u@h/db?connect_timeout=5&sslmode={mode}&application_name=x"
                ))
                .unwrap(),
                (
                    "postgres://u@h/db?connect_timeout=5&application_name=x".to_owned(),
                    Transport::VerifiedTls
                )
            );
        }
    }

    #[test]
    fn modes_that_fall_back_to_plain_tcp_are_refused() {
        for mode in ["prefer", "allow", "verify-ca", "REQUIRE", ""] {
            let e = split_sslmode(&format!("postgres://u@h/db?sslmode={mode}")).unwrap_err();
            assert!(matches!(e, ConnectError::SslMode(_)), "{mode}");
        }
        // The message never repeats what it cannot vouch for.
        let e = split_sslmode("postgres://u@h/db?sslmode=s3cret%21pass").unwrap_err();
        assert!(!e.to_string().contains("s3cret"));
    }

    #[test]
    fn ca_file_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("dongpo-pg-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.pem");
        assert!(matches!(
            load_ca_file(&missing),
            Err(ConnectError::CaFileUnreadable { .. })
        ));
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, b"not a certificate\n").unwrap();
        let e = load_ca_file(&empty).unwrap_err();
        assert!(matches!(e, ConnectError::CaFileEmpty { .. }));
        assert!(e.to_string().contains("empty.pem"));
        // A bad CA file stops the connection before any network traffic.
        let e = connect_with("postgres://u@127.0.0.1:1/db?sslmode=require", Some(&empty))
            .map(drop)
            .unwrap_err();
        assert!(matches!(e, ConnectError::CaFileEmpty { .. }));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_ca_file_with_a_certificate_is_loaded() {
        let dir = std::env::temp_dir().join(format!("dongpo-pg-ca-ok-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Any CA certificate will do as a trust anchor: a synthetic CSCA.
        let der = include_bytes!("../../../../test-vectors/synthetic/masterlist/anchor.der");
        let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).unwrap();
        let file = dir.join("ca.pem");
        std::fs::write(&file, pem).unwrap();
        assert_eq!(load_ca_file(&file).unwrap().len(), 1);
        tls_config(Some(&file)).unwrap();
        tls_config(None).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
