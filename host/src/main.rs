//! `welcome`: the welcome page server.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use welcome_host::app::App;
use welcome_host::config::{Config, KvKind};
use welcome_host::embedded::materialize_default_template;
use welcome_host::invites::InviteStore;
use welcome_host::kv::{KvBackend, MemoryKv, SqliteKv};
use welcome_host::registry::{self, Registry, Role};
use welcome_host::services::{Counters, Services};
use welcome_host::{admin, reload, runtime, server};

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
    /// Work with plugin components.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
    /// OAuth client registration (RFC 7591) checks.
    Oauth {
        #[command(subcommand)]
        command: OauthCommand,
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

#[derive(Subcommand)]
enum PluginCommand {
    /// Check that a component implements a world, and list its imports.
    Check {
        /// The component (.wasm).
        file: PathBuf,
        /// What it should be: policy, invite-backend or http.
        #[arg(long, default_value = "policy")]
        kind: String,
    },
}

#[derive(Subcommand)]
enum OauthCommand {
    /// Verify a client id (and secret) as an authorization server would;
    /// prints the registered metadata, or fails naming why.
    Verify {
        /// The configuration file (TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// The tenant (host name).
        #[arg(long)]
        host: String,
        /// The client_id returned by registration.
        client_id: String,
        /// The client_secret to check, if any.
        #[arg(long)]
        secret: Option<String>,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WELCOME_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("warn,welcome=info,welcome_host=info")
            }),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { config, listen } => serve(config, listen),
        Command::CheckConfig { config } => check_config(&config),
        Command::Invites { config, host } => list_invites(config, host),
        Command::Oauth {
            command:
                OauthCommand::Verify {
                    config,
                    host,
                    client_id,
                    secret,
                },
        } => oauth_verify(config, host, client_id, secret),
        Command::Plugin {
            command: PluginCommand::Check { file, kind },
        } => plugin_check(&file, &kind),
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
    let server = config.server.clone();
    std::fs::create_dir_all(&server.data_dir)
        .with_context(|| format!("creating data directory {}", server.data_dir.display()))?;
    // Invite tokens and the admin token live here: owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&server.data_dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", server.data_dir.display()))?;
    }
    let shipped = materialize_default_template(&server.data_dir).with_context(|| {
        format!(
            "writing the default template under {}",
            server.data_dir.display()
        )
    })?;
    let invites = InviteStore::open(&server.data_dir.join("invites.sqlite3"))
        .context("opening the invite store")?;
    let kv: Arc<dyn KvBackend> = match server.kv {
        KvKind::Memory => Arc::new(MemoryKv::default()),
        KvKind::Sqlite => Arc::new(
            SqliteKv::open(&server.data_dir.join("kv.sqlite3"))
                .context("opening the key-value store")?,
        ),
    };
    let engine = runtime::engine(&server)?;
    let services = Arc::new(Services {
        engine: engine.clone(),
        invites,
        kv,
        failures: Counters::default(),
    });
    let registry = Registry::new(engine)?;
    let file = config.file.clone();
    let app = Arc::new(
        App::new(config, registry, services, shipped)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("{}: a component cannot be loaded", file.display()))?,
    );
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
        if let Some(admin_addr) = server.admin_listen {
            let admin_listener = admin::bind(admin_addr)
                .await
                .with_context(|| format!("listening on {admin_addr} (admin)"))?;
            // Only now that the port is ours: a failed second start must not
            // replace the token of a server that is running.
            let token = Arc::new(admin::token(
                server.admin_token.as_deref(),
                &server.data_dir,
            )?);
            println!("welcome: admin on http://{}", admin_listener.local_addr()?);
            tokio::spawn(admin::serve(app.clone(), admin_listener, token));
        }
        reload::spawn(app.clone())?;
        tracing::info!(config = %app.config_path().display(), "serving");
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

/// Parses the configuration and loads every component it names, as `serve`
/// would, without serving.
fn check_config(path: &std::path::Path) -> anyhow::Result<()> {
    let config = Config::load(path)?;
    let engine = runtime::engine(&config.server)?;
    let registry = Registry::new(engine)?;
    welcome_host::tenants::Tenants::load(&config, std::path::Path::new("/"), &registry)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("{}: a component cannot be loaded", config.file.display()))?;
    println!(
        "{}: {} host(s), configuration is valid",
        config.file.display(),
        config.hosts.len()
    );
    Ok(())
}

fn oauth_verify(
    config: PathBuf,
    host: String,
    client_id: String,
    secret: Option<String>,
) -> anyhow::Result<()> {
    let config = Config::load(&config)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let verdict = rt.block_on(welcome_host::oauth_verify::verify(
        &config,
        &host,
        &client_id,
        secret.as_deref(),
    ))?;
    match verdict {
        Ok(client) => {
            println!("{}", serde_json::to_string_pretty(&client)?);
            Ok(())
        }
        Err(why) => anyhow::bail!("client rejected: {why}"),
    }
}

fn plugin_check(file: &std::path::Path, kind: &str) -> anyhow::Result<()> {
    let role = match kind {
        "policy" => Role::Policy,
        "invite-backend" => Role::InviteBackend,
        "http" => Role::Http,
        other => anyhow::bail!("unknown kind {other:?}: use policy, invite-backend or http"),
    };
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    let engine = wasmtime::Engine::new(&config)?;
    let imports = registry::imports(&engine, &bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| file.display().to_string())?;
    println!("{}: imports", file.display());
    for i in &imports {
        println!("  {i}");
    }
    Registry::new(engine)?
        .compile(&bytes, role)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("{} does not implement {}", file.display(), role.world()))?;
    println!("{}: implements {}", file.display(), role.world());
    Ok(())
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
