//! `dongpo-server [--config FILE] [--listen ADDR] [--data-dir DIR] [--role ROLE] [--dev]`.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use dongpo_server::{CommandLine, Role, ServerConfig};

/// Many threads allocate and free request-sized buffers (a batch carries megabytes of
/// base64); mimalloc's per-thread heaps measured faster than glibc's arenas here.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The dongpo reference server: remote ePassport verification and certificate issuance.
#[derive(Parser)]
#[command(name = "dongpo-server", version)]
struct Args {
    /// TOML configuration file (environment variables DATABASE_URL and DONGPO_* override it).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks one, written to DATA_DIR/server.addr).
    #[arg(long)]
    listen: Option<String>,
    /// Data directory (CA, SQLite state, server keys); default ./dongpo-data.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Development mode: trust the testkit CSCAs, register the testkit identity, write an
    /// admin API key to DATA_DIR/dev-api-key. Never for production.
    #[arg(long)]
    dev: bool,
    /// The part this process plays: `all` (every part, the default), `verifier` (registry,
    /// verifications, receipts) or `ca` (profiles, certificates, CRLs, OCSP).
    #[arg(long, value_parser = parse_role)]
    role: Option<Role>,
}

fn parse_role(name: &str) -> Result<Role, String> {
    Role::from_name(name).ok_or_else(|| format!("'{name}' is not one of all, verifier, ca"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let cli = CommandLine {
        config: args.config,
        listen: args.listen,
        data_dir: args.data_dir,
        dev: args.dev,
        role: args.role,
    };
    let config = match ServerConfig::load(&cli, &|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("dongpo-server: {e}");
            return ExitCode::from(2);
        }
    };
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("DONGPO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Whatever level is asked for: the PostgreSQL driver logs statement parameters (report
    // JSON, DG1) at debug level, so it never gets more than warnings.
    for directive in ["tokio_postgres=warn", "postgres=warn"] {
        if let Ok(directive) = directive.parse() {
            filter = filter.add_directive(directive);
        }
    }
    // A log that cannot be written (its disk is full) is dropped: tracing's own report of
    // that goes to stderr through a panicking eprintln!, which took the server down.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .log_internal_errors(false);
    if config.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("dongpo-server: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(dongpo_server::serve(config, shutdown_signal()));
    // Requests in flight were drained within shutdown_grace_secs. What still runs is
    // background work (the start-up OCSP pre-signing of a large store takes minutes), none of
    // which must outlive a stop: dropping the runtime would wait for it, past the point where
    // an init system sends SIGKILL. Store writes are transactions, so nothing half-done stays.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("dongpo-server: {e}");
            ExitCode::FAILURE
        }
    }
}
