//! `sozialraum consolidate FILE_OR_DIR… -o Kreis_2026-Q3.xlsx` – one district
//! workbook for a quarter (or the year so far): every row with its source,
//! nothing lost, nothing counted twice.
//!
//! Exit code 0: no errors; 1: errors in a file or across files (with
//! `--strict` nothing is written then); 2: the job could not be done.

use std::io::IsTerminal;

use serde::Serialize;

use crate::cli::{ConsolidateArgs, OutputFormat};
use crate::coerce::number::format_json;
use crate::config::Config;
use crate::consolidate::{self, workbook, Consolidation, Status};
use crate::finding::Finding;
use crate::i18n::{t, Lang};
use crate::pipeline::Options;
use crate::read::isolate::Isolation;

pub fn run(
    args: &ConsolidateArgs,
    cfg: &Config,
    lang: Lang,
    config_path: Option<&std::path::Path>,
) -> miette::Result<i32> {
    let files = super::expand_inputs(&args.inputs).map_err(|e| miette::miette!("{e}"))?;
    if args.output.is_none() && args.format != OutputFormat::Json {
        return Err(miette::miette!(
            help = "z. B. -o Kreis_2026-Q3.xlsx",
            "Die Ausgabedatei fehlt (-o)"
        ));
    }
    if let Some(out) = &args.output {
        crate::xlsx::refuse_overwrite(out, &files).map_err(|e| miette::miette!("{e}"))?;
    }
    let quarters = parse_quarters(args)?;
    if let Some(n) = args.jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let iso = Isolation {
        enabled: !args.no_isolate,
        config_path: config_path.map(|p| p.to_path_buf()),
    };
    let progress = !args.quiet && std::io::stderr().is_terminal();
    let outcomes = super::check_all(
        &files,
        cfg,
        Options {
            lang,
            keep_records: true,
        },
        &iso,
        progress,
    );
    let opts = consolidate::Options {
        year: args.year,
        quarters,
        prefer_newest: args.prefer_newest,
    };
    let c = consolidate::consolidate(outcomes, cfg, &opts, lang);

    let refuse = args.strict
        && c.sources
            .iter()
            .any(|s| s.status != Status::Excluded && s.outcome.report.summary.errors > 0);
    let mut written = None;
    if let Some(out) = &args.output {
        if !refuse {
            let mut wb = workbook::build(&c, cfg, lang).map_err(|e| miette::miette!("{e}"))?;
            crate::xlsx::save_atomic(&mut wb, out).map_err(|e| miette::miette!("{e}"))?;
            written = Some(out.display().to_string());
        }
    }
    match args.format {
        OutputFormat::Json => println!("{}", json(&c, written.as_deref())),
        OutputFormat::Human => print!("{}", human(&c, lang, written.as_deref(), refuse)),
    }
    Ok(if c.has_errors() { 1 } else { 0 })
}

fn parse_quarters(args: &ConsolidateArgs) -> miette::Result<Option<Vec<u8>>> {
    if let Some(q) = args.quarter {
        return Ok(Some(vec![q]));
    }
    let Some(range) = &args.quarters else {
        return Ok(None);
    };
    let bad = || {
        miette::miette!(
            help = "z. B. --quarters 1-3",
            "Ungültiger Quartalsbereich „{range}“"
        )
    };
    let (a, b) = range.split_once('-').unwrap_or((range, range));
    let a: u8 = a.trim().parse().map_err(|_| bad())?;
    let b: u8 = b.trim().parse().map_err(|_| bad())?;
    if !(1..=4).contains(&a) || !(1..=4).contains(&b) || a > b {
        return Err(bad());
    }
    Ok(Some((a..=b).collect()))
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    sha256: Option<&'a str>,
    provider: Option<&'a str>,
    year: Option<i32>,
    quarter: Option<u8>,
    status: Status,
    rows: std::collections::BTreeMap<String, usize>,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct JsonTotal<'a> {
    provider: &'a str,
    year: i32,
    quarter: u8,
    sozialraum: Option<&'a str>,
    category: &'a str,
    amount: String,
    rows: usize,
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    output: Option<&'a str>,
    files: Vec<JsonFile<'a>>,
    totals: Vec<JsonTotal<'a>>,
    grand_total: String,
    findings: &'a [Finding],
}

pub fn json(c: &Consolidation, output: Option<&str>) -> String {
    let doc = JsonDoc {
        output,
        files: c
            .sources
            .iter()
            .map(|s| {
                let r = &s.outcome.report;
                JsonFile {
                    path: &r.path,
                    sha256: r.sha256.as_deref(),
                    provider: r.provider.as_deref(),
                    year: r.year,
                    quarter: r.quarter,
                    status: s.status,
                    rows: s.rows(),
                    errors: r.summary.errors,
                    warnings: r.summary.warnings,
                }
            })
            .collect(),
        totals: c
            .totals
            .iter()
            .map(|(k, v)| JsonTotal {
                provider: &k.provider,
                year: k.year,
                quarter: k.quarter,
                sozialraum: k.sozialraum.as_deref(),
                category: &k.category,
                amount: format_json(v.amount),
                rows: v.rows,
            })
            .collect(),
        grand_total: format_json(c.grand_total()),
        findings: &c.findings,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn human(c: &Consolidation, lang: Lang, written: Option<&str>, refused: bool) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "{}", t(lang, "Quellen:", "Sources:"));
    for src in &c.sources {
        let r = &src.outcome.report;
        let _ = writeln!(
            s,
            "  {:<28} {:<4} {:<8} {:>3} {} {:>3} {}  {}{}",
            crate::render::terminal::safe(&r.path),
            r.provider.as_deref().unwrap_or("–"),
            match (r.year, r.quarter) {
                (Some(y), Some(q)) => format!("{y}-Q{q}"),
                _ => "–".into(),
            },
            r.summary.errors,
            t(lang, "Fehler", "errors"),
            r.summary.warnings,
            t(lang, "Warnungen", "warnings"),
            workbook::status_label(lang, src.status),
            src.reason
                .as_deref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        );
    }
    if !c.findings.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            t(lang, "Dateiübergreifende Befunde:", "Cross-file findings:")
        );
        for f in &c.findings {
            let place = match (&f.path, &f.sheet, &f.cell) {
                (Some(p), Some(sh), Some(ce)) => format!("{p} {sh}!{ce}: "),
                (Some(p), _, _) => format!("{p}: "),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "  {} [{}] {}{}",
                crate::i18n::severity_word(lang, f.severity),
                f.code,
                crate::render::terminal::safe(&place),
                crate::render::terminal::safe(&f.message)
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
