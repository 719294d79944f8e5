//! `welcome`: the welcome page server.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use welcome_host::config::Config;
use welcome_host::embedded::materialize_default_template;
use welcome_host::invites::InviteStore;
use welcome_host::runtime::{self, PageLimits, Runtime};
use welcome_host::server::{self, App};
use welcome_host::tenants::Tenants;

/// A chat server's welcome page, run as WebAssembly components.
#[derive(Parser)]
#[command(name = "welcome", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the welcome page for the hosts in a configuration file.
    Serve {
        /// The configuration file (TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// Listen here instead of `server.listen` (port 0 picks a free port;
        /// the bound address is printed).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Check a configuration file and exit.
    CheckConfig {
        /// The configuration file (TOML).
        #[arg(long, short)]
        config: PathBuf,
    },
    /// List the invites in the store, one JSON object a line.
    Invites {
        /// The configuration file (TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// Only this host's invites.
        #[arg(long)]
        host: Option<String>,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WELCOME_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { config, listen } => serve(config, listen),
        Command::CheckConfig { config } => Config::load(&config)
            .map(|c| {
                println!(
                    "{}: {} host(s), configuration is valid",
                    c.file.display(),
                    c.hosts.len()
                );
            })
            .map_err(anyhow::Error::from),
        Command::Invites { config, host } => list_invites(config, host),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("welcome: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config_path: PathBuf, listen: Option<std::net::SocketAddr>) -> anyhow::Result<()> {
    let config = Config::load(&config_path)?;
    let server = &config.server;
    std::fs::create_dir_all(&server.data_dir)
        .with_context(|| format!("creating data directory {}", server.data_dir.display()))?;
    let shipped = materialize_default_template(&server.data_dir).with_context(|| {
        format!(
            "writing the default template under {}",
            server.data_dir.display()
        )
    })?;
    let invites = InviteStore::open(&server.data_dir.join("invites.sqlite3"))
        .context("opening the invite store")?;
    let tenants = Tenants::from_config(&config, &shipped);
    let engine = runtime::engine(server)?;
    let limits = PageLimits {
        memory_bytes: server.page_memory_bytes,
        timeout: Duration::from_millis(server.page_timeout_ms),
    };
    let runtime = Runtime::new(engine, tenants.iter(), invites, limits)?;
    let app = Arc::new(App {
        tenants,
        runtime,
        max_body_bytes: server.max_body_bytes,
    });
    let addr = listen.unwrap_or(server.listen);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr}"))?;
        let bound = listener.local_addr()?;
        tracing::info!(hosts = config.hosts.len(), config = %config.file.display(), "serving");
        // Tests and scripts read this line to learn the port.
        println!("welcome: listening on http://{bound}");
        server::serve(app, listener, shutdown_signal()).await
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot watch SIGTERM");
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn list_invites(config_path: PathBuf, host: Option<String>) -> anyhow::Result<()> {
    let config = Config::load(&config_path)?;
    let path = config.server.data_dir.join("invites.sqlite3");
    anyhow::ensure!(path.exists(), "no invite store at {}", path.display());
    let store = InviteStore::open(&path)?;
    for invite in store.list(host.as_deref())? {
        println!("{}", serde_json::to_string(&invite)?);
    }
    Ok(())
}
