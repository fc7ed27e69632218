//! `sozialraum audit INPUT… --budget Budgetplan.xlsx -o Controlling_2026-Q3.xlsx`
//! – plan against actual per Sozialraum and category, the budget pro rata to
//! the quarters reported, a projection to the year's end, case-level figures,
//! and a controlling workbook with charts.
//!
//! INPUT is either quarterly submissions (files or folders; they are checked
//! and consolidated as `consolidate` does) or district workbooks written by
//! `consolidate` (recognised by their sheets `Übersicht` and `Quellen`).
//!
//! Exit code 0: no error finding; 1: an error finding (an overspending alert,
//! spending without a budget, a budget plan error, a file that could not be
//! included) or an input file with errors (as `check` would fail it); 2: the
//! job could not be done.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::audit::district::{self, InputKind};
use crate::audit::{self, Ledger, Period};
use crate::cli::{AuditArgs, OutputFormat};
use crate::config::Config;
use crate::consolidate;
use crate::i18n::{t, Lang};
use crate::pipeline::Options;
use crate::worker::Isolation;

pub fn run(
    args: &AuditArgs,
    cfg: &Config,
    lang: Lang,
    config_path: Option<&Path>,
) -> miette::Result<i32> {
    let quarters = super::period::parse_quarters(args.quarters.as_deref(), lang)?;
    let mut inputs = collect_inputs(args, lang)?;
    if inputs.submissions.is_empty() && inputs.districts.is_empty() {
        return Err(super::inputs::nothing_to_do(
            &args.inputs,
            &inputs.skipped,
            lang,
        ));
    }
    // The budget plan and district workbooks are untrusted too: read in the
    // guarded child, with the same memory and time limits as a submission.
    let iso = Isolation {
        enabled: !args.common.no_isolate,
        config_path: config_path.map(|p| p.to_path_buf()),
        exe: None,
    };
    let shown = args.budget.display().to_string();
    let mut plan =
        crate::worker::read_budget(&args.budget, &shown, cfg, lang, &iso).map_err(|e| {
            miette::miette!(
                help = t(
                    lang,
                    "Blatt „Budgetplan“ mit den Spalten Jahr, Sozialraum, Kategorie, Budget",
                    "Sheet \"Budgetplan\" with the columns Jahr, Sozialraum, Kategorie, Budget"
                ),
                "{}",
                e.message(lang)
            )
        })?;

    let ledger = if inputs.districts.is_empty() {
        let submissions = std::mem::take(&mut inputs.submissions);
        from_submissions(
            submissions,
            &mut inputs.skipped,
            args,
            cfg,
            lang,
            &iso,
            quarters.clone(),
        )?
    } else {
        from_districts(&inputs.districts, cfg, lang, &iso)?
    };
    let period = choose_period(&ledger, args.year, quarters, lang)?;
    plan.require_year(period.year, cfg).map_err(|e| {
        miette::miette!(
            help = t(lang, "--year wählt das Jahr", "--year chooses the year"),
            "{}",
            e.message(lang)
        )
    })?;
    let a = audit::audit(&ledger, &plan, cfg, &period);

    let mut written = None;
    if let Some(out) = &args.output {
        let mut wb = audit::workbook::build(&a, cfg, &plan.path, crate::registry::texts(lang))
            .map_err(|e| e.report(lang))?;
        crate::xlsx::save_atomic(&mut wb, out, args.common.force).map_err(|e| e.report(lang))?;
        written = Some(out.display().to_string());
    }
    match args.common.format {
        OutputFormat::Json => println!("{}", crate::render::audit::json(&a, &inputs.skipped, lang)),
        OutputFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            print!(
                "{}",
                crate::render::audit::human(
                    &a,
                    cfg,
                    lang,
                    color,
                    &inputs.skipped,
                    written.as_deref()
                )
            );
        }
    }
    Ok(if a.has_errors() { 1 } else { 0 })
}

#[derive(Debug, Default)]
struct Inputs {
    submissions: Vec<super::inputs::Input>,
    districts: Vec<PathBuf>,
    /// Files found in folders and left out, with the reason.
    skipped: Vec<Skipped>,
}

use crate::finding::Skipped;
use crate::xlsx::same_file;

/// Expands folders and sorts the files: submissions, district workbooks, our
/// own controlling workbooks (never inputs). The budget plan and the output,
/// when they lie in an input folder, are not inputs either.
fn collect_inputs(args: &AuditArgs, lang: Lang) -> miette::Result<Inputs> {
    let mut inputs = Inputs::default();
    let mut explicit_districts = false;
    let mut found_districts = Vec::new();
    let gathered = super::inputs::gather(&args.inputs, lang)?;
    inputs.skipped = gathered.skipped;
    for input in gathered.files {
        let file = input.path.clone();
        if same_file(&file, &args.budget) {
            if !input.scanned {
                return Err(miette::miette!(
                    help = t(
                        lang,
                        "Der Budgetplan gehört nach --budget",
                        "The budget plan goes after --budget"
                    ),
                    "{} {}",
                    file.display(),
                    t(
                        lang,
                        "ist der Budgetplan, keine Meldung",
                        "is the budget plan, not a submission"
                    )
                ));
            }
            continue;
        }
        if input.scanned && args.output.as_deref().is_some_and(|o| same_file(&file, o)) {
            // The output's own place: checked below like any output.
            if district::classify(&file) != InputKind::Submission {
                continue;
            }
        }
        match district::classify(&file) {
            InputKind::Controlling => {
                inputs.skipped.push(Skipped {
                    path: file.display().to_string(),
                    reason: format!(
                        "{}, {}",
                        t(lang, "Controlling-Arbeitsmappe", "controlling workbook"),
                        t(lang, "von sozialraum geschrieben", "written by sozialraum")
                    ),
                });
            }
            InputKind::District if input.scanned => found_districts.push(file),
            InputKind::District => {
                explicit_districts = true;
                inputs.districts.push(file);
            }
            InputKind::Submission => inputs.submissions.push(input),
        }
    }
    if explicit_districts && !inputs.submissions.is_empty() {
        return Err(miette::miette!(
            help = t(
                lang,
                "Entweder die Kreis-Arbeitsmappe oder die Meldungen angeben, nicht beides: sonst zählte alles doppelt",
                "Give either the district workbook or the submissions, not both: everything would count twice"
            ),
            "{}: {}",
            t(
                lang,
                "Kreis-Arbeitsmappe und Meldungen gemischt",
                "District workbook and submissions mixed"
            ),
            inputs.districts.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
    if inputs.submissions.is_empty() {
        inputs.districts.extend(found_districts);
    } else {
        for f in found_districts {
            inputs.skipped.push(Skipped {
                path: f.display().to_string(),
                reason: t(
                    lang,
                    "Kreis-Arbeitsmappe neben Meldungen",
                    "district workbook next to submissions",
                )
                .to_string(),
            });
        }
    }
    inputs.skipped.sort();
    if let Some(out) = &args.output {
        let mut guarded: Vec<PathBuf> = inputs
            .submissions
            .iter()
            .map(|i| i.path.clone())
            .chain(inputs.districts.iter().cloned())
            .collect();
        guarded.push(args.budget.clone());
        crate::xlsx::guard_output(out, &guarded, args.common.force).map_err(|e| e.report(lang))?;
    }
    Ok(inputs)
}

fn from_submissions(
    inputs: Vec<super::inputs::Input>,
    skipped: &mut Vec<Skipped>,
    args: &AuditArgs,
    cfg: &Config,
    lang: Lang,
    iso: &Isolation,
    quarters: Option<Vec<u8>>,
) -> miette::Result<Ledger> {
    if let Some(n) = args.common.jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let progress = !args.common.quiet
        && args.common.format == OutputFormat::Human
        && std::io::stderr().is_terminal();
    let files: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    let outcomes = super::check_all(
        &files,
        cfg,
        Options {
            lang,
            keep_records: true,
        },
        iso,
        progress,
    );
    let opts = consolidate::Options {
        year: args.year,
        quarters,
        prefer_newest: false,
    };
    let inputs = inputs.into_iter().map(|i| (i, ())).collect();
    let (_, outcomes) = super::inputs::set_aside(inputs, outcomes, skipped, lang);
    if outcomes.is_empty() {
        return Err(super::inputs::nothing_to_do(&args.inputs, skipped, lang));
    }
    let c = consolidate::consolidate(outcomes, cfg, &opts, lang);
    if !c
        .sources
        .iter()
        .any(|s| s.status != consolidate::Status::Excluded)
    {
        return Err(miette::miette!(
            help = t(
                lang,
                "--year und --quarters prüfen",
                "check --year and --quarters"
            ),
            "{}",
            t(
                lang,
                "Keine Meldung im gewählten Zeitraum; nichts geschrieben",
                "No submission in the chosen period; nothing written"
            )
        ));
    }
    Ok(audit::ledger_from_consolidation(&c, cfg))
}

/// District workbooks; two of them must not hold the same provider and quarter.
fn from_districts(
    files: &[PathBuf],
    cfg: &Config,
    lang: Lang,
    iso: &Isolation,
) -> miette::Result<Ledger> {
    let mut ledger = Ledger::default();
    let mut owner: BTreeMap<(String, i32, u8), String> = BTreeMap::new();
    for file in files {
        let shown = file.display().to_string();
        let part = crate::worker::read_district(file, &shown, cfg, lang, iso)
            .map_err(|e| miette::miette!("{}", e.message(lang)))?;
        let keys: BTreeSet<(String, i32, u8)> = part
            .entries
            .iter()
            .map(|e| (e.provider.clone(), e.year, e.quarter))
            .collect();
        for k in keys {
            if let Some(other) = owner.insert(k.clone(), shown.clone()) {
                return Err(miette::miette!(
                    help = t(
                        lang,
                        "Jede Meldung darf nur einmal zählen",
                        "Every submission may count only once"
                    ),
                    "{} {}-Q{} {} {other} {} {shown}",
                    k.0,
                    k.1,
                    k.2,
                    t(lang, "steht in", "is in"),
                    t(lang, "und in", "and in")
                ));
            }
        }
        ledger.entries.extend(part.entries);
        ledger.findings.extend(part.findings);
        ledger.period.extend(part.period);
        ledger.sources.extend(part.sources);
    }
    ledger.period.sort();
    ledger.period.dedup();
    Ok(ledger)
}

fn choose_period(
    ledger: &Ledger,
    year: Option<i32>,
    quarters: Option<Vec<u8>>,
    lang: Lang,
) -> miette::Result<Period> {
    let years = ledger.years();
    let year = match year {
        Some(y) => y,
        None => match (years.first(), years.len()) {
            (Some(y), 1) => *y,
            (None, _) => {
                return Err(miette::miette!(
                    help = t(
                        lang,
                        "Sind die Meldungen lesbar? `sozialraum check` zeigt es.",
                        "Are the submissions readable? `sozialraum check` tells."
                    ),
                    "{}",
                    t(
                        lang,
                        "Keine auswertbaren Meldungen gefunden",
                        "No submissions that could be evaluated"
                    )
                ))
            }
            _ => {
                let list = years
                    .iter()
                    .map(|y| y.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(miette::miette!(
                    help = t(lang, "z. B. --year 2026", "e.g. --year 2026"),
                    "{} ({list}); {}",
                    t(
                        lang,
                        "Die Daten umfassen mehrere Jahre",
                        "The data span several years"
                    ),
                    t(lang, "bitte eines wählen", "please choose one")
                ));
            }
        },
    };
    let quarters = match quarters {
        Some(q) => q,
        None => ledger
            .period
            .iter()
            .filter(|p| p.0 == year)
            .map(|p| p.1)
            .collect::<BTreeSet<u8>>()
            .into_iter()
            .collect(),
    };
    if quarters.is_empty() {
        return Err(miette::miette!(
            help = t(
                lang,
                "--year und --quarters prüfen",
                "check --year and --quarters"
            ),
            "{} {year}",
            t(
                lang,
                "Keine Meldungen gefunden für",
                "No submissions found for"
            )
        ));
    }
    Ok(Period { year, quarters })
}
