//! `dongpo-server`: the reference HTTP server of dongpo (`docs/http.md`, `docs/openapi.yaml`).
//!
//! Remote ePassport verification with signed receipts, certificate issuance bound to a
//! fresh verification and a registry match, revocation, CRLs and OCSP, over hyper (axum)
//! on tokio, with TLS through rustls. The PKI logic lives in the other crates; this one
//! holds only the HTTP face, access control and the state that single-use rules need.
#![forbid(unsafe_code)]

pub mod auth;
pub mod bootstrap;
pub mod ca_expiry;
pub mod config;
mod crl_cache;
pub mod db;
pub mod dev;
pub mod error;
pub mod fingerprint;
pub mod metrics;
pub mod private_files;
pub mod receipt;
pub mod report_view;
pub mod routes;
pub mod state;
mod tasks;
pub mod verify_pool;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use config::{CommandLine, ServerConfig};
pub use state::AppState;

/// The file the bound address is written to (useful with port 0).
pub const ADDR_FILE: &str = "server.addr";

/// Runs the server until `shutdown` resolves, then drains requests in flight for up to
/// `shutdown_grace_secs`.
///
/// # Errors
/// A message naming what failed at start.
pub async fn serve(
    config: ServerConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let listen = config.listen_addr().map_err(|e| e.to_string())?;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(
            axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| format!("TLS certificate or key: {e}"))?,
        ),
        _ => None,
    };
    let data_dir = config.data_dir.clone();
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let state = Arc::new(
        tokio::task::spawn_blocking(move || bootstrap::build(config))
            .await
            .map_err(|e| e.to_string())??,
    );
    let background = tasks::spawn(Arc::clone(&state));
    let trust_reload = tasks::spawn_trust_reload(Arc::clone(&state));
    let app = routes::router(Arc::clone(&state));
    let listener =
        std::net::TcpListener::bind(listen).map_err(|e| format!("listen {listen}: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("listen {listen}: {e}"))?;
    let bound: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: draining requests in flight");
        stopper.graceful_shutdown(Some(grace));
    });
    let scheme = if tls.is_some() { "https" } else { "http" };
    dongpo_ca::files::write_public(&data_dir.join(ADDR_FILE), bound.to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    tracing::info!(address = %bound, "listening on {scheme}://{bound}");
    let service = app.into_make_service();
    let served = match tls {
        Some(tls) => {
            axum_server::from_tcp_rustls(listener, tls)
                .map_err(|e| e.to_string())?
                .handle(handle)
                .serve(service)
                .await
        }
        None => {
            axum_server::from_tcp(listener)
                .map_err(|e| e.to_string())?
                .handle(handle)
                .serve(service)
                .await
        }
    };
    background.abort();
    trust_reload.abort();
    served.map_err(|e| e.to_string())
}
