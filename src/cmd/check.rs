//! `sozialraum check FILE_OR_DIR…` – every problem of each submission, located
//! at its cell.
//!
//! Exit code 0: no errors (warnings allowed unless `--strict`); 1: at least one
//! error; 2: the job could not be done.

use std::io::IsTerminal;

use rayon::prelude::*;

use crate::cli::{CheckArgs, OutputFormat};
use crate::config::Config;
use crate::finding::FileReport;
use crate::i18n::Lang;
use crate::pipeline::{FileOutcome, Options};
use crate::read::isolate::{self, Isolation};
use crate::render::annotate::{self as annotate_render, AnnotateRequest};
use crate::render::{json, terminal};

pub fn run(
    args: &CheckArgs,
    cfg: &Config,
    lang: Lang,
    config_path: Option<&std::path::Path>,
) -> miette::Result<i32> {
    let files = super::expand_inputs(&args.inputs).map_err(|e| miette::miette!("{e}"))?;
    if files.is_empty() {
        return Err(miette::miette!(
            help = "Unterstützt: .xlsx .xlsm .xlsb .xls .ods",
            "Keine Tabellendateien gefunden in: {}",
            args.inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if args.annotate.is_some() && files.len() != 1 {
        return Err(miette::miette!(
            help = "Für mehrere Dateien: --annotate-dir ORDNER",
            "--annotate braucht genau eine Eingabedatei ({} gefunden)",
            files.len()
        ));
    }
    if let Some(out) = &args.annotate {
        crate::xlsx::refuse_overwrite(out, &files).map_err(|e| miette::miette!("{e}"))?;
    }
    let iso = Isolation {
        enabled: !args.no_isolate,
        config_path: config_path.map(|p| p.to_path_buf()),
    };
    let opts = Options {
        lang,
        keep_records: false,
    };
    let outcomes: Vec<FileOutcome> = files
        .par_iter()
        .map(|p| {
            let shown = p.display().to_string();
            isolate::check_file(p, &shown, cfg, opts, &iso)
        })
        .collect();
    let written = annotate(args, cfg, lang, &files, &outcomes)?;
    let reports: Vec<FileReport> = outcomes.into_iter().map(|o| o.report).collect();
    match args.format {
        OutputFormat::Json => println!("{}", json::check_document(&reports)),
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
            let failing = reports.iter().filter(|r| r.fails(args.strict)).count();
            out.push_str(&match lang {
                Lang::De => format!(
                    "{} Datei(en) geprüft, {} nicht annehmbar.\n",
                    reports.len(),
                    failing
                ),
                Lang::En => format!(
                    "{} file(s) checked, {} not acceptable.\n",
                    reports.len(),
                    failing
                ),
            });
            for w in &written {
                out.push_str(&format!(
                    "{} {}\n",
                    crate::i18n::t(lang, "Kommentierte Kopie:", "Annotated copy:"),
                    w.display()
                ));
            }
            print!("{out}");
        }
    }
    Ok(if reports.iter().any(|r| r.fails(args.strict)) {
        1
    } else {
        0
    })
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

fn annotate(
    args: &CheckArgs,
    cfg: &Config,
    lang: Lang,
    files: &[std::path::PathBuf],
    outcomes: &[FileOutcome],
) -> miette::Result<Vec<std::path::PathBuf>> {
    let targets: Vec<(usize, std::path::PathBuf)> = match (&args.annotate, &args.annotate_dir) {
        (Some(out), _) => vec![(0, out.clone())],
        (None, Some(dir)) => {
            std::fs::create_dir_all(dir).map_err(|e| miette::miette!("{}: {e}", dir.display()))?;
            files
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let stem = f
                        .file_stem()
                        .map(|s| s.to_string_lossy().to_string())
                        .unwrap_or_else(|| "datei".into());
                    let suffix = crate::i18n::t(lang, "geprüft", "checked");
                    (i, dir.join(format!("{stem}_{suffix}.xlsx")))
                })
                .collect::<Vec<_>>()
                .into_iter()
                .scan(std::collections::HashSet::new(), |seen, (i, p)| {
                    // Two inputs with the same name in different folders get distinct copies.
                    let mut candidate = p.clone();
                    let mut n = 2;
                    while !seen.insert(candidate.clone()) {
                        let stem = p
                            .file_stem()
                            .map(|s| s.to_string_lossy().to_string())
                            .unwrap_or_default();
                        candidate = p.with_file_name(format!("{stem} ({n}).xlsx"));
                        n += 1;
                    }
                    Some((i, candidate))
                })
                .collect()
        }
        (None, None) => return Ok(Vec::new()),
    };
    for (_, out) in &targets {
        crate::xlsx::refuse_overwrite(out, files).map_err(|e| miette::miette!("{e}"))?;
    }
    let date = check_date();
    let mut written = Vec::new();
    for (i, out) in targets {
        let (Some(input), Some(o)) = (files.get(i), outcomes.get(i)) else {
            continue;
        };
        let req = AnnotateRequest {
            input,
            report: &o.report,
            readable: o.readable,
            created: o.cover.created,
            check_date: date,
            lang,
        };
        annotate_render::write(&req, cfg, &out).map_err(|e| miette::miette!("{e}"))?;
        written.push(out);
    }
    Ok(written)
}
