//! One file per command; each ends in one `run` function.

pub mod audit;
pub mod backup;
pub mod check;
pub mod consolidate;
pub mod explain;
pub mod export;
pub mod inputs;
pub mod period;
pub mod serve;
pub mod template;
pub mod users;

use std::path::PathBuf;

/// Checks files in parallel (each in a guarded child process), with a
/// progress bar on a terminal.
pub fn check_all(
    files: &[PathBuf],
    cfg: &crate::config::Config,
    opts: crate::pipeline::Options,
    iso: &crate::worker::Isolation,
    progress: bool,
) -> Vec<crate::pipeline::FileOutcome> {
    use rayon::prelude::*;
    let bar = if progress {
        indicatif::ProgressBar::with_draw_target(
            Some(files.len() as u64),
            indicatif::ProgressDrawTarget::stderr(),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let out = files
        .par_iter()
        .map(|p| {
            let shown = p.display().to_string();
            let o = crate::worker::check_file(p, &shown, cfg, opts, iso);
            bar.inc(1);
            o
        })
        .collect();
    bar.finish_and_clear();
    out
}

/// The database of the portal's data folder `data` (`export`, `backup`):
/// an error that names the folder when there is none.
pub fn portal_db(
    data: &std::path::Path,
    lang: crate::i18n::Lang,
) -> miette::Result<std::path::PathBuf> {
    use crate::i18n::t;
    let db = data.join(crate::portal::db::DB_FILE);
    if db.is_file() {
        return Ok(db);
    }
    Err(miette::miette!(
        help = t(
            lang,
            "--data nennt den Ordner, den `sozialraum serve --data` benutzt.",
            "--data names the folder `sozialraum serve --data` uses."
        ),
        "{} {}",
        t(
            lang,
            "Kein Datenordner des Portals:",
            "No portal data folder:"
        ),
        data.display()
    ))
}
