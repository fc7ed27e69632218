//! `sozialraum serve [--bind ADDR] [--data DIR] [--demo]` – the Meldeportal:
//! pages for providers and the JSON API (`src/portal/`). Stops on SIGTERM or
//! Ctrl-C after finishing the running requests.

use std::io::Write;

use crate::cli::ServeArgs;
use crate::config::Config;
use crate::i18n::{t, Lang};
use crate::portal::{self, demo, App, PortalError, Settings};

pub fn run(
    args: &ServeArgs,
    cfg: Config,
    lang: Lang,
    config_path: Option<&std::path::Path>,
) -> miette::Result<i32> {
    // The demo's folder goes when the server stops.
    let demo_dir = if args.demo {
        Some(
            tempfile::Builder::new()
                .prefix("sozialraum-demo-")
                .tempdir()
                .map_err(|e| miette::miette!("{}", crate::i18n::io_error(lang, &e)))?,
        )
    } else {
        None
    };
    let data = demo_dir
        .as_ref()
        .map(|d| d.path().to_path_buf())
        .unwrap_or_else(|| args.data.clone());
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let settings = Settings {
        bind: args.bind,
        data: data.clone(),
        max_upload_bytes: args.max_upload_mib << 20,
        checks: args.checks.map_or(cores, |n| n as usize),
        queue: args.queue,
        lock: std::time::Duration::from_secs(args.lock_seconds),
        behind_proxy: args.behind_proxy,
        isolate: !args.no_isolate,
        config_path: config_path.map(|p| p.to_path_buf()),
        clock_file: args.clock_file.clone(),
    };
    if let Some(file) = &args.clock_file {
        portal::clock::use_file(file.clone());
    }
    let (app, swept) = App::open(cfg, settings).map_err(|e| report(e, lang))?;
    if swept > 0 {
        eprintln!(
            "{} {swept}",
            t(
                lang,
                "Beim Start entfernte Dateien ohne Meldung (unterbrochene Einreichungen):",
                "Files without a submission removed at start (interrupted submissions):"
            )
        );
    }
    if args.demo {
        let (accounts, n) = demo::prepare(&app, lang).map_err(|e| miette::miette!("demo: {e}"))?;
        println!(
            "{} {n} {}",
            t(lang, "Vorführung:", "Demo:"),
            t(
                lang,
                "Beispielmeldungen eingereicht. Konten (Kennung, Rolle, Passwort):",
                "sample submissions submitted. Accounts (login, role, password):"
            )
        );
        for a in &accounts {
            let role = match &a.provider {
                Some(p) => format!("{} {p}", a.role.as_str()),
                None => a.role.as_str().to_string(),
            };
            println!("  {:<12} {:<13} {}", a.login, role, a.password);
        }
    }
    portal::serve(app, |addr| {
        println!(
            "{} http://{addr}/  ({} {})",
            t(lang, "Meldeportal läuft auf", "Reporting portal running at"),
            t(lang, "Daten:", "data:"),
            data.display()
        );
        let _ = std::io::stdout().flush();
    })
    .map_err(|e| report(e, lang))?;
    Ok(0)
}

fn report(e: PortalError, lang: Lang) -> miette::Report {
    match &e {
        PortalError::Bind { addr, source } => miette::miette!(
            help = t(
                lang,
                "Läuft dort schon ein Server? Eine andere Adresse mit --bind, z. B. --bind 127.0.0.1:8081",
                "Is a server running there already? Another address with --bind, e.g. --bind 127.0.0.1:8081"
            ),
            "{} {addr}: {}",
            t(lang, "Kann nicht lauschen auf", "Cannot listen on"),
            crate::i18n::io_error(lang, source)
        ),
        PortalError::Db { .. } => miette::miette!(
            help = t(
                lang,
                "Läuft schon ein anderer Server auf diesem Datenordner, oder ist er von einer neueren Version?",
                "Is another server running on this data folder, or is it from a newer version?"
            ),
            "{} {e}",
            t(lang, "Datenbank:", "Database:")
        ),
        _ => miette::miette!("{e}"),
    }
}
