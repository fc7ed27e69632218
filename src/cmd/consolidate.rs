//! `sozialraum consolidate FILE_OR_DIR… -o Kreis_2026-Q3.xlsx` – one district
//! workbook for a quarter (or the year so far): every row with its source,
//! nothing lost, nothing counted twice.
//!
//! Exit code 0: no errors; 1: errors in a file or across files (with
//! `--strict` nothing is written then); 2: the job could not be done.

use std::io::IsTerminal;

use crate::cli::{ConsolidateArgs, OutputFormat};
use crate::config::Config;
use crate::consolidate::{self, workbook, Consolidation, Status};
use crate::finding::{Severity, Skipped};
use crate::i18n::{t, Lang};
use crate::pipeline::Options;
use crate::worker::Isolation;

use super::inputs;

pub fn run(
    args: &ConsolidateArgs,
    cfg: &Config,
    lang: Lang,
    config_path: Option<&std::path::Path>,
) -> miette::Result<i32> {
    if args.output.is_none() && args.common.format != OutputFormat::Json {
        return Err(miette::miette!(
            help = t(
                lang,
                "z. B. -o Kreis_2026-Q3.xlsx",
                "e.g. -o Kreis_2026-Q3.xlsx"
            ),
            "{}",
            t(
                lang,
                "Die Ausgabedatei fehlt (-o)",
                "The output file is missing (-o)"
            )
        ));
    }
    let quarters = match args.quarter {
        Some(q) => Some(vec![q]),
        None => super::period::parse_quarters(args.quarters.as_deref(), lang)?,
    };
    let gathered = inputs::gather(&args.inputs, lang)?;
    let mut skipped = gathered.skipped.clone();
    if gathered.files.is_empty() {
        return Err(inputs::nothing_to_do(&args.inputs, &skipped, lang));
    }
    if let Some(out) = &args.output {
        guard(out, &gathered.files, args.common.force, lang)?;
    }
    if let Some(n) = args.common.jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let iso = Isolation {
        enabled: !args.common.no_isolate,
        config_path: config_path.map(|p| p.to_path_buf()),
        exe: None,
    };
    let progress = !args.common.quiet && std::io::stderr().is_terminal();
    let paths = gathered.paths();
    let outcomes = super::check_all(
        &paths,
        cfg,
        Options {
            lang,
            keep_records: true,
        },
        &iso,
        progress,
    );
    let scanned = gathered.files.into_iter().map(|f| (f, ())).collect();
    let (kept_files, outcomes) = inputs::set_aside(scanned, outcomes, &mut skipped, lang);
    if let Some(out) = &args.output {
        // A scanned file at the output's place may go only if it is one of ours.
        let kept_paths: Vec<std::path::PathBuf> =
            kept_files.iter().map(|(f, ())| f.path.clone()).collect();
        crate::xlsx::refuse_overwrite(out, &kept_paths).map_err(|e| e.report(lang))?;
    }
    if outcomes.is_empty() {
        return Err(inputs::nothing_to_do(&args.inputs, &skipped, lang));
    }
    let opts = consolidate::Options {
        year: args.year,
        quarters,
        prefer_newest: args.prefer_newest,
    };
    let c = consolidate::consolidate(outcomes, cfg, &opts, lang);
    if !c.sources.iter().any(|s| s.status != Status::Excluded) {
        return Err(miette::miette!(
            help = t(
                lang,
                "--year und --quarter/--quarters prüfen; ohne sie zählt jeder gefundene Zeitraum",
                "check --year and --quarter/--quarters; without them every period found counts"
            ),
            "{}",
            t(
                lang,
                "Keine Meldung im gewählten Zeitraum; nichts geschrieben",
                "No submission in the chosen period; nothing written"
            )
        ));
    }

    let refuse = args.strict
        && c.sources
            .iter()
            .any(|s| s.status != Status::Excluded && s.outcome.report.summary.errors > 0);
    let mut written = None;
    if let Some(out) = &args.output {
        if !refuse {
            let mut wb = workbook::build(&c, cfg, crate::registry::texts(lang))
                .map_err(|e| e.report(lang))?;
            crate::xlsx::save_atomic(&mut wb, out, args.common.force)
                .map_err(|e| e.report(lang))?;
            written = Some(out.display().to_string());
        }
    }
    match args.common.format {
        OutputFormat::Json => println!(
            "{}",
            crate::render::consolidation::document(&c, written.as_deref(), &skipped, lang)
        ),
        OutputFormat::Human => print!("{}", human(&c, lang, written.as_deref(), refuse, &skipped)),
    }
    Ok(if c.has_errors() { 1 } else { 0 })
}

/// The output before any work: never an input (a scanned file at its place
/// is decided after the check), named .xlsx, no existing file replaced
/// without `--force`.
fn guard(
    out: &std::path::Path,
    files: &[inputs::Input],
    force: bool,
    lang: Lang,
) -> miette::Result<()> {
    let named: Vec<std::path::PathBuf> = files
        .iter()
        .filter(|f| !f.scanned || !crate::xlsx::same_file(&f.path, out))
        .map(|f| f.path.clone())
        .collect();
    crate::xlsx::guard_output(out, &named, force).map_err(|e| e.report(lang))
}

fn human(
    c: &Consolidation,
    lang: Lang,
    written: Option<&str>,
    refused: bool,
    skipped: &[Skipped],
) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "{}", t(lang, "Quellen:", "Sources:"));
    for src in &c.sources {
        let r = &src.outcome.report;
        let _ = writeln!(
            s,
            "  {:<28} {:<4} {:<8} {:>10} {:>12}  {}{}",
            crate::render::terminal::safe(&r.path),
            r.provider.as_deref().unwrap_or("–"),
            match (r.year, r.quarter) {
                (Some(y), Some(q)) => format!("{y}-Q{q}"),
                _ => "–".into(),
            },
            crate::finding::count(lang, r.summary.errors, Severity::Error),
            crate::finding::count(lang, r.summary.warnings, Severity::Warning),
            workbook::status_label(lang, src.status),
            src.reason
                .as_deref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        );
    }
    s.push_str(&crate::render::terminal::skipped_lines(skipped, lang));
    if !c.findings.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            t(lang, "Dateiübergreifende Befunde:", "Cross-file findings:")
        );
        for f in &c.findings {
            let place = match (&f.path, &f.sheet, &f.a1()) {
                (Some(p), Some(sh), Some(ce)) => format!("{p} {sh}!{ce}: "),
                (Some(p), _, _) => format!("{p}: "),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "  {} [{}] {}{}",
                crate::finding::severity_word(lang, f.severity),
                f.code,
                crate::render::terminal::safe(&place),
                crate::render::terminal::safe(&crate::registry::message(f, lang))
            );
        }
    }
    let _ = writeln!(
        s,
        "\n{} {} € ({} {})",
        t(lang, "Gesamtsumme:", "Grand total:"),
        crate::coerce::number::format_de(c.grand_total(), 2),
        c.rows.len(),
        t(lang, "Zeilen", "rows")
    );
    match (written, refused) {
        (Some(p), _) => {
            let _ = writeln!(s, "{} {p}", t(lang, "Geschrieben:", "Written:"));
        }
        (None, true) => {
            let _ = writeln!(
                s,
                "{}",
                t(
                    lang,
                    "Nicht geschrieben: --strict und Dateien mit Fehlern.",
                    "Not written: --strict and files with errors."
                )
            );
        }
        _ => {}
    }
    s
}
