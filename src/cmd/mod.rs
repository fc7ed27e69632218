//! One file per command; each ends in one `run` function.

pub mod audit;
pub mod check;
pub mod consolidate;
pub mod explain;
pub mod template;

use std::path::{Path, PathBuf};

use crate::read::sniff::EXTENSIONS;

/// Expands folders (recursively, sorted) into the spreadsheet files below them.
/// Files named explicitly are always taken, whatever their extension.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for input in inputs {
        if !input.exists() {
            return Err(format!(
                "{}: Datei oder Ordner nicht gefunden",
                input.display()
            ));
        }
        if input.is_dir() && !looks_like_workbook(input) {
            walk(input, &mut out);
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}

fn looks_like_workbook(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.starts_with("~$") || name.starts_with(".~lock") {
            continue; // Excel/LibreOffice lock files of an open workbook
        }
        if looks_like_workbook(&p) {
            out.push(p);
        } else if p.is_dir() {
            walk(&p, out);
        }
    }
}

/// Checks files in parallel (each in a guarded child process), with a
/// progress bar on a terminal.
pub fn check_all(
    files: &[PathBuf],
    cfg: &crate::config::Config,
    opts: crate::pipeline::Options,
    iso: &crate::read::isolate::Isolation,
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
            let o = crate::read::isolate::check_file(p, &shown, cfg, opts, iso);
            bar.inc(1);
            o
        })
        .collect();
    bar.finish_and_clear();
    out
}
