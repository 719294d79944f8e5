//! Hot swap: the configuration file and every component file it names are
//! watched; a change (or SIGHUP) reloads off the request path, after a short
//! pause so a file being written is read whole. Replace files by writing a
//! new file and renaming it over the old one.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::app::{App, component_files};
use crate::config::ComponentSource;

/// How long to wait after the last change before reloading.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Starts watching and reloading; runs until the process ends.
pub fn spawn(app: Arc<App>) -> wasmtime::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    let watched = Arc::new(std::sync::Mutex::new(HashSet::<PathBuf>::new()));
    let filter = watched.clone();
    let notify_tx = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        let interesting = filter
            .lock()
            .map(|w| event.paths.iter().any(|p| w.contains(p)))
            .unwrap_or(false);
        if interesting {
            let _ = notify_tx.send(());
        }
    })
    .map_err(|e| wasmtime::format_err!("starting the file watcher: {e}"))?;
    let mut dirs = HashSet::new();
    let mut update_watches = move |app: &App, watcher: &mut notify::RecommendedWatcher| {
        let mut files: Vec<PathBuf> = vec![app.config_path().to_path_buf()];
        for source in component_files(&app.snapshot().config) {
            if let ComponentSource::File(p) = source {
                files.push(p);
            }
        }
        let files: Vec<PathBuf> = files
            .into_iter()
            .map(|f| f.canonicalize().unwrap_or(f))
            .collect();
        for f in &files {
            // Watch the directory: a rename over the file replaces its inode.
            if let Some(dir) = f.parent()
                && dirs.insert(dir.to_path_buf())
                && let Err(e) = watcher.watch(dir, RecursiveMode::NonRecursive)
            {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot watch directory");
            }
        }
        if let Ok(mut w) = watched.lock() {
            *w = files.into_iter().collect();
        }
    };
    update_watches(&app, &mut watcher);

    #[cfg(unix)]
    {
        let hup_tx = tx.clone();
        tokio::spawn(async move {
            let Ok(mut hup) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            else {
                tracing::warn!("cannot watch SIGHUP");
                return;
            };
            while hup.recv().await.is_some() {
                tracing::info!("SIGHUP: reloading");
                let _ = hup_tx.send(());
            }
        });
    }

    tokio::spawn(async move {
        let mut watcher = watcher;
        while rx.recv().await.is_some() {
            // Let a burst of events settle into one reload.
            tokio::time::sleep(DEBOUNCE).await;
            while rx.try_recv().is_ok() {}
            let reloading = app.clone();
            match tokio::task::spawn_blocking(move || reloading.reload()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "reload refused; the running configuration keeps serving")
                }
                Err(e) => tracing::error!(error = %e, "reload task failed"),
            }
            update_watches(&app, &mut watcher);
        }
    });
    Ok(())
}
