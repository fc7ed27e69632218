//! `sozialraum check FILE_OR_DIR…` – every problem of each submission, located
//! at its cell.
//!
//! Exit code 0: no errors (warnings allowed unless `--strict`); 1: at least one
//! error; 2: the job could not be done.

use std::io::IsTerminal;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::cli::{CheckArgs, OutputFormat};
use crate::config::Config;
use crate::finding::FileReport;
use crate::i18n::{t, Lang};
use crate::pipeline::{FileOutcome, Options};
use crate::read::sniff;
use crate::render::annotate::{self as annotate_render, AnnotateRequest};
use crate::render::{json, terminal};
use crate::worker::{self, AnnotateTarget, Isolation};

use super::inputs::{self, Input};

pub fn run(
    args: &CheckArgs,
    cfg: &Config,
    lang: Lang,
    config_path: Option<&std::path::Path>,
) -> miette::Result<i32> {
    let gathered = inputs::gather(&args.inputs, lang)?;
    let mut skipped = gathered.skipped.clone();
    let files = gathered.paths();
    if files.is_empty() {
        return Err(inputs::nothing_to_do(&args.inputs, &skipped, lang));
    }
    if args.annotate.is_some() && files.len() != 1 {
        return Err(miette::miette!(
            help = t(
                lang,
                "Für mehrere Dateien: --annotate-dir ORDNER",
                "For several files: --annotate-dir FOLDER"
            ),
            "{} ({} {})",
            t(
                lang,
                "--annotate braucht genau eine Eingabedatei",
                "--annotate needs exactly one input file"
            ),
            files.len(),
            t(lang, "gefunden", "found")
        ));
    }
    let iso = Isolation {
        enabled: !args.no_isolate,
        config_path: config_path.map(|p| p.to_path_buf()),
        exe: None,
    };
    let opts = Options {
        lang,
        keep_records: false,
    };
    let date = check_date();
    let targets = annotate_targets(args, lang, &gathered.files, date)?;
    let outcomes: Vec<FileOutcome> = gathered
        .files
        .par_iter()
        .zip(targets.par_iter())
        .map(|(input, target)| {
            let shown = input.path.display().to_string();
            worker::check_file_annotated(&input.path, &shown, cfg, opts, &iso, target.as_ref())
        })
        .collect();
    // Inputs, targets and outcomes stay aligned: set aside together.
    let with_targets = gathered.files.into_iter().zip(targets).collect();
    let (kept_inputs, kept) = inputs::set_aside(with_targets, outcomes, &mut skipped, lang);
    let (kept_files, kept_targets): (Vec<PathBuf>, Vec<Option<AnnotateTarget>>) = kept_inputs
        .into_iter()
        .map(|(input, target)| (input.path, target))
        .unzip();
    if kept.is_empty() {
        return Err(inputs::nothing_to_do(&args.inputs, &skipped, lang));
    }
    let written = finish_annotations(cfg, lang, &kept_files, &kept_targets, &kept)?;
    let reports: Vec<FileReport> = kept.into_iter().map(|o| o.report).collect();
    match args.format {
        OutputFormat::Json => {
            use std::io::Write;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            json::write_check_document(&mut out, &reports, &skipped, lang)
                .and_then(|()| out.flush())
                .map_err(|e| miette::miette!("{}", crate::i18n::io_error(lang, &e)))?;
        }
        OutputFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let style = terminal::Style {
                color,
                show_infos: args.all,
            };
            let mut out = String::new();
            for r in &reports {
                terminal::render_file(&mut out, r, lang, &style);
            }
            out.push_str(&crate::render::terminal::skipped_lines(&skipped, lang));
            let failing = reports.iter().filter(|r| r.fails(args.strict)).count();
            out.push_str(&match lang {
                Lang::De => format!(
                    "{} geprüft, {} nicht annehmbar.\n",
                    files_word(lang, reports.len()),
                    failing
                ),
                Lang::En => format!(
                    "{} checked, {} not acceptable.\n",
                    files_word(lang, reports.len()),
                    failing
                ),
            });
            for w in &written {
                out.push_str(&format!(
                    "{} {}\n",
                    t(lang, "Kommentierte Kopie:", "Annotated copy:"),
                    w.display()
                ));
            }
            print!("{out}");
        }
    }
    let code = if reports.iter().any(|r| r.fails(args.strict)) {
        1
    } else {
        0
    };
    crate::worker::leave_to_exit(reports);
    Ok(code)
}

/// `1 Datei`, `3 Dateien`.
fn files_word(lang: Lang, n: usize) -> String {
    match (lang, n == 1) {
        (Lang::De, true) => "1 Datei".into(),
        (Lang::De, false) => format!("{n} Dateien"),
        (Lang::En, true) => "1 file".into(),
        (Lang::En, false) => format!("{n} files"),
    }
}

/// The date shown as "checked on": today, or `SOURCE_DATE_EPOCH` for reproducible runs.
pub fn check_date() -> chrono::NaiveDate {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map(|d| d.date_naive())
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// Where each input's annotated copy goes (none without `--annotate`/`--annotate-dir`).
fn annotate_targets(
    args: &CheckArgs,
    lang: Lang,
    inputs: &[Input],
    check_date: chrono::NaiveDate,
) -> miette::Result<Vec<Option<AnnotateTarget>>> {
    let files: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    let outs: Vec<Option<PathBuf>> = match (&args.annotate, &args.annotate_dir) {
        (Some(out), _) => vec![Some(out.clone())],
        (None, Some(dir)) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                miette::miette!("{}: {}", dir.display(), crate::i18n::io_error(lang, &e))
            })?;
            let suffix = t(lang, "geprüft", "checked");
            let mut seen = std::collections::HashSet::new();
            files
                .iter()
                .map(|f| {
                    let stem = f
                        .file_stem()
                        .map(|s| s.to_string_lossy().to_string())
                        .unwrap_or_else(|| "datei".into());
                    // A macro workbook's copy keeps its macros (and needs their extension).
                    let ext = match f.extension().and_then(|e| e.to_str()) {
                        Some(e) if e.eq_ignore_ascii_case("xlsm") => "xlsm",
                        _ => "xlsx",
                    };
                    // Two inputs with the same name in different folders get distinct copies.
                    let mut candidate = dir.join(format!("{stem}_{suffix}.{ext}"));
                    let mut n = 2;
                    while !seen.insert(candidate.clone()) {
                        candidate = dir.join(format!("{stem}_{suffix} ({n}).{ext}"));
                        n += 1;
                    }
                    Some(candidate)
                })
                .collect()
        }
        (None, None) => vec![None; files.len()],
    };
    for out in outs.iter().flatten() {
        // An annotated copy of an earlier run found in the scanned folder is
        // no input: it may be replaced (with --force) by the new copy.
        let earlier_copy = |i: &Input| {
            i.scanned
                && crate::xlsx::same_file(&i.path, out)
                && std::panic::catch_unwind(|| sniff::own_output_of_file(&i.path))
                    .ok()
                    .flatten()
                    == Some(sniff::OwnOutput::AnnotatedCopy)
        };
        let guarded: Vec<PathBuf> = inputs
            .iter()
            .filter(|i| !earlier_copy(i))
            .map(|i| i.path.clone())
            .collect();
        crate::xlsx::guard_copy_output(out, &guarded, args.force).map_err(|e| e.report(lang))?;
    }
    Ok(outs
        .into_iter()
        .zip(inputs)
        .map(|(o, input)| {
            o.map(|out| AnnotateTarget {
                out,
                check_date,
                replace: args.force,
                only_submissions: input.scanned,
            })
        })
        .collect())
}

/// Readable files were annotated where they were checked; a file that could
/// not be read gets its report-only copy here (it needs no reading).
fn finish_annotations(
    cfg: &Config,
    lang: Lang,
    files: &[PathBuf],
    targets: &[Option<AnnotateTarget>],
    outcomes: &[FileOutcome],
) -> miette::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for ((input, target), o) in files.iter().zip(targets).zip(outcomes) {
        let Some(t) = target else { continue };
        match &o.annotated {
            Some(Ok(_)) => written.push(t.out.clone()),
            Some(Err(e)) => return Err(miette::miette!("{e}")),
            None => {
                let req = AnnotateRequest {
                    input,
                    report: &o.report,
                    source: None,
                    created: o.cover.created,
                    check_date: t.check_date,
                    lang,
                    formats: None,
                };
                annotate_render::write(&req, cfg, &t.out, t.replace).map_err(|e| e.report(lang))?;
                written.push(t.out.clone());
            }
        }
    }
    Ok(written)
}
