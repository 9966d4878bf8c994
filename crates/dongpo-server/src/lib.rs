//! `dongpo-server`: the reference HTTP server of dongpo (`docs/http.md`, `docs/openapi.yaml`).
//!
//! Remote ePassport verification with signed receipts, certificate issuance bound to a
//! fresh verification and a registry match, revocation, CRLs and OCSP, over hyper (axum)
//! on tokio, with TLS through rustls. The PKI logic lives in the other crates; this one
//! holds only the HTTP face, access control and the state that single-use rules need.
#![forbid(unsafe_code)]

mod auth;
mod bootstrap;
mod ca_expiry;
mod caller;
mod chip_seal;
mod chip_session;
mod config;
mod crl_cache;
pub mod db;
mod dev;
pub mod erasure;
mod error;
mod fingerprint;
mod metrics;
mod private_files;
mod receipt;
mod report_view;
mod role;
mod role_guard;
mod routes;
mod serve_error;
mod state;
mod tasks;
mod verification;
mod verify_pool;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use chip_session::MAX_OPEN_SESSIONS_PER_KEY;
pub use config::{CommandLine, ConfigError, ServerConfig};
pub use dev::MARKER_FILE;
pub use error::ApiError;
pub use role::Role;
pub use routes::{OPENAPI_YAML, ROUTES};
pub use serve_error::{BoxedError, ServeError};
pub use wire::{encode_cbor_batch, parse_cbor, parse_json};

/// The request bodies of the verification endpoints, decoded exactly as the handlers decode
/// them (with [`parse_json`] and [`parse_cbor`]): what the fuzz targets and typed clients use.
pub mod verify {
    pub use crate::routes::verify::{BatchBin, BatchIn, VerifyIn};
}

/// The file the bound address is written to (useful with port 0).
pub const ADDR_FILE: &str = "server.addr";

/// Runs the server until `shutdown` resolves, then drains requests in flight for up to
/// `shutdown_grace_secs`.
///
/// # Errors
/// [`ServeError`] naming what failed at start.
pub async fn serve(
    config: ServerConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listen = config.listen_addr().map_err(ServeError::other)?;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(
            axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(ServeError::step("TLS certificate or key"))?,
        ),
        _ => None,
    };
    let data_dir = config.data_dir.clone();
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let state = Arc::new(
        tokio::task::spawn_blocking(move || bootstrap::build(config))
            .await
            .map_err(ServeError::other)??,
    );
    let background = tasks::spawn(Arc::clone(&state));
    let trust_reload = tasks::spawn_trust_reload(Arc::clone(&state));
    let app = routes::router(Arc::clone(&state));
    let listener = std::net::TcpListener::bind(listen)
        .map_err(ServeError::step(format!("listen {listen}")))?;
    listener
        .set_nonblocking(true)
        .map_err(ServeError::step(format!("listen {listen}")))?;
    let bound: SocketAddr = listener.local_addr().map_err(ServeError::other)?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: draining requests in flight");
        stopper.graceful_shutdown(Some(grace));
    });
    let scheme = if tls.is_some() { "https" } else { "http" };
    dongpo_ca::write_public(&data_dir.join(ADDR_FILE), bound.to_string().as_bytes())?;
    tracing::info!(address = %bound, "listening on {scheme}://{bound}");
    let service = app.into_make_service();
    let served = match tls {
        Some(tls) => {
            axum_server::from_tcp_rustls(listener, tls)
                .map_err(ServeError::other)?
                .handle(handle)
                .serve(service)
                .await
        }
        None => {
            axum_server::from_tcp(listener)
                .map_err(ServeError::other)?
                .handle(handle)
                .serve(service)
                .await
        }
    };
    background.abort();
    trust_reload.abort();
    served.map_err(ServeError::other)
}
