//! The Meldeportal (`sozialraum serve`): providers check their quarterly
//! workbooks in a browser, see every problem at its cell, submit, get a
//! receipt and keep track of what they sent; a JSON API does the same for
//! scripts. What it must guarantee is in `../shared/domain/portal.md`.
//!
//! - [`db`]: the state in SQLite (accounts, sessions, submissions, audit trail);
//! - [`store`]: submitted files by SHA-256 beside it;
//! - [`auth`]: passwords, sessions, tokens, CSRF, the login throttle;
//! - [`check`]: every upload through the isolated worker, at most N at once;
//! - [`submit`]: what may be submitted, and storing it;
//! - [`pages`] (with [`views`], [`text`] and the templates) and [`api`]: the routes;
//! - [`office`] (with [`deadline`]): the status board, who is still missing, `/api/v1/status`;
//! - [`http`]: headers, log, uploads and downloads every route shares;
//! - [`period`] and [`district`]: a period's current submissions consolidated, the district workbook;
//! - [`demo`]: `serve --demo`.

pub mod api;
pub mod auth;
pub mod chart;
pub mod check;
pub mod clock;
pub mod controlling;
pub mod db;
pub mod deadline;
pub mod demo;
pub mod district;
pub mod http;
pub mod office;
pub mod pages;
pub mod period;
pub mod store;
pub mod submit;
pub mod text;
pub mod views;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::config::Config;
use crate::i18n::Lang;
use crate::worker::Isolation;

/// How the server runs (`sozialraum serve` flags).
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    pub data: PathBuf,
    /// Uploads above this are refused with `413`.
    pub max_upload_bytes: u64,
    /// Checks running at once.
    pub checks: usize,
    /// Checks waiting for a turn; beyond: `503`.
    pub queue: usize,
    /// How long a login stays locked after too many failures.
    pub lock: Duration,
    /// The client's address is the last one of `X-Forwarded-For` (set by
    /// the district's reverse proxy), not the connection's.
    pub behind_proxy: bool,
    /// Check in a guarded child process (always, but for debugging).
    pub isolate: bool,
    /// `--config FILE`, handed to the worker's child.
    pub config_path: Option<PathBuf>,
    /// Tests only: the time is read from this file (see [`clock`]).
    pub clock_file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Db { path: PathBuf, source: db::DbError },
    #[error("{addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Runtime(std::io::Error),
}

/// Everything a request may need.
pub struct App {
    pub cfg: Config,
    pub settings: Settings,
    pub db: db::Db,
    pub store: store::Store,
    pub checks: check::Checks,
    pub held: check::Held,
    pub throttle: auth::Throttle,
    /// The controlling's last computations (page, charts, workbook).
    pub controlling: controlling::Cache,
    iso: Isolation,
}

/// Creates `dir` (and parents) readable by the server's user only.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

impl App {
    /// Opens the data folder: the database (migrated), the file store (swept
    /// of files no submission names).
    pub fn open(cfg: Config, settings: Settings) -> Result<(App, usize), PortalError> {
        let data = settings.data.clone();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| PortalError::Io { path, source }
        };
        private_dir(&data).map_err(io(&data))?;
        let db = db::Db::open(&data).map_err(|source| PortalError::Db {
            path: data.join(db::DB_FILE),
            source,
        })?;
        let store = store::Store::open(&data).map_err(io(&data.join(store::FILES_DIR)))?;
        let swept = {
            let conn = db.conn();
            let _ = db::delete_expired_sessions(&conn);
            let keep = db::referenced_files(&conn).map_err(|e| PortalError::Db {
                path: data.join(db::DB_FILE),
                source: e.into(),
            })?;
            store
                .sweep(&keep)
                .map_err(io(&data.join(store::FILES_DIR)))?
        };
        let iso = Isolation {
            enabled: settings.isolate,
            config_path: settings.config_path.clone(),
            exe: None,
        };
        let app = App {
            checks: check::Checks::new(settings.checks, settings.queue),
            // Held uploads: at most what 16 full-size uploads with copies need.
            held: check::Held::new((settings.max_upload_bytes as usize).saturating_mul(32)),
            throttle: auth::Throttle::new(settings.lock),
            controlling: controlling::Cache::default(),
            cfg,
            settings,
            db,
            store,
            iso,
        };
        Ok((app, swept))
    }

    /// Checks an upload in the worker (blocking; see [`check::run`]).
    pub fn check(&self, bytes: &[u8], name: &str, lang: Lang, annotate: bool) -> check::Checked {
        check::run(bytes, name, &self.cfg, lang, &self.iso, annotate)
    }

    /// Whom the login throttle counts per address: the connection's peer,
    /// or behind the proxy the address it appended to `X-Forwarded-For`.
    pub fn client(&self, peer: SocketAddr, headers: &axum::http::HeaderMap) -> std::net::IpAddr {
        if !self.settings.behind_proxy {
            return peer.ip();
        }
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or(peer.ip())
    }

    /// The frame of a page for a reader who is not logged in.
    pub fn frame(&self, lang: Lang, current: &'static str, here: &str) -> views::Frame {
        views::Frame::new(lang, &self.cfg.district.name, current, here)
    }
}

/// The largest body of a request that is no upload (forms, JSON).
pub const SMALL_BODY: usize = 64 << 10;

/// Every route: the provider's pages and the JSON API.
pub fn router(app: Arc<App>) -> Router {
    // Uploads may be large; every other request is a small form or JSON.
    let upload =
        DefaultBodyLimit::max((app.settings.max_upload_bytes as usize).saturating_add(1 << 20));
    Router::new()
        .route("/", get(pages::home))
        .route("/anmelden", get(pages::login_form).post(pages::login))
        .route("/abmelden", post(pages::logout))
        .route("/sprache", get(pages::language))
        .route(
            "/passwort",
            get(pages::password_form).post(pages::change_password),
        )
        .route(
            "/pruefen",
            get(pages::check_form).post(pages::check).layer(upload),
        )
        .route("/pruefen/{token}/kommentiert", get(pages::held_annotated))
        .route(
            "/einreichen",
            get(pages::submit_form).post(pages::submit).layer(upload),
        )
        .route("/meldungen", get(pages::list))
        .route("/meldungen/{id}", get(pages::receipt))
        .route("/meldungen/{id}/datei", get(pages::file))
        .route("/meldungen/{id}/kommentiert", get(pages::annotated))
        .route(
            "/meldungen/{id}/zurueckziehen",
            get(pages::withdraw_question).post(pages::withdraw),
        )
        // The office's and the controlling's status board (office.rs).
        .route("/uebersicht", get(office::board_page))
        .route("/uebersicht/ausstehend", get(office::outstanding_page))
        .route("/uebersicht/ausstehend.csv", get(office::outstanding_csv))
        .route("/api/v1/status", get(office::api_status))
        // The controlling: budget plans, plan/actual, charts, workbook.
        .route("/controlling", get(controlling::page))
        .route(
            "/controlling/budgetplan",
            get(controlling::plans)
                .post(controlling::upload)
                .layer(upload),
        )
        .route("/controlling/diagramm/{file}", get(controlling::diagram))
        .route(
            "/controlling/auswertung.xlsx",
            get(controlling::page_workbook),
        )
        .route(
            "/api/v1/budget",
            get(controlling::api_plans)
                .post(controlling::api_upload)
                .layer(upload),
        )
        .route("/api/v1/audit.xlsx", get(controlling::api_workbook))
        .route("/static/portal.css", get(pages::stylesheet))
        .route("/static/portal.js", get(pages::script))
        .route("/favicon.ico", get(pages::favicon))
        .route("/api/v1/token", post(api::token))
        .route("/api/v1/check", post(api::check).layer(upload))
        .route(
            "/api/v1/submissions",
            get(api::list).post(api::submit).layer(upload),
        )
        .route(
            "/api/v1/submissions/{id}",
            get(api::show).delete(api::withdraw),
        )
        .route("/api/v1/submissions/{id}/file", get(api::file))
        .route("/api/v1/submissions/{id}/annotated", get(api::annotated))
        // The district workbook of a period (office and controlling).
        .route("/kreismappe", get(district::page))
        .route("/api/v1/district.xlsx", get(district::api_xlsx))
        .route("/api/v1/district.json", get(district::api_json))
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(SMALL_BODY))
        .layer(axum::middleware::from_fn(http::frame))
        .with_state(app)
}

/// Serves until SIGTERM or Ctrl-C, then finishes the running requests.
/// `ready` learns the bound address (port 0 picks a free one).
pub fn serve(app: App, ready: impl FnOnce(SocketAddr)) -> Result<(), PortalError> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(PortalError::Runtime)?;
    let addr = app.settings.bind;
    let app = Arc::new(app);
    rt.block_on(async move {
        // Listen for the signals before saying we are ready: a SIGTERM right
        // after start must stop us cleanly too.
        let stop = stop_signal()?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| PortalError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| PortalError::Bind { addr, source })?;
        ready(local);
        let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(stop)
            .await
            .map_err(PortalError::Runtime)
    })
}

/// SIGTERM (service manager) or SIGINT (Ctrl-C), registered now, awaited later.
fn stop_signal() -> Result<impl std::future::Future<Output = ()>, PortalError> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(PortalError::Runtime)?;
    #[cfg(unix)]
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(PortalError::Runtime)?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("Beende: laufende Anfragen werden abgeschlossen …");
    })
}
