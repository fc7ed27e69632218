//! Consolidation: many checked submissions become one district data set,
//! with nothing lost (every readable row, flagged or not, with its source)
//! and nothing counted twice (duplicate submissions are not summed), plus
//! the cross-file rules (`consistency`).

pub mod workbook;

use crate::config::Role;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::config::Config;
use crate::finding::violation::Message;
use crate::finding::{Finding, Severity};
use crate::i18n::{quarter_label, t, Lang};
use crate::pipeline::FileOutcome;
use crate::rules::table::{CellData, RowRecord};
use crate::rules::Cover;

crate::violation! {
/// Derselbe Träger hat dasselbe Quartal mehrfach eingereicht.
/// English: the same provider submitted the same quarter more than once.
ConsistencyDuplicateSubmission = "CONSISTENCY-DUPLICATE-SUBMISSION", Consistency, Error { provider: String, quarter: String }
    de: "Träger {provider} hat {quarter} mehrfach gemeldet: {value}.",
    en: "Provider {provider} submitted {quarter} more than once: {value}.",
    hint_de: "Die veraltete Datei entfernen oder mit --prefer-newest die neueste (Erstellt am) verwenden.",
    hint_en: "Remove the outdated file, or use --prefer-newest to take the newest (Erstellt am).";

/// Eine Meldung wurde ersetzt, weil derselbe Träger dasselbe Quartal neuer gemeldet hat (`--prefer-newest`).
/// English: a submission was superseded by a newer one for the same provider and quarter (`--prefer-newest`).
ConsistencySuperseded = "CONSISTENCY-SUPERSEDED", Consistency, Warning { expected: String }
    de: "Die Meldung wurde durch die neuere Meldung {expected} ersetzt und nicht übernommen.",
    en: "The submission was superseded by the newer one {expected} and not included.",
    hint_de: "",
    hint_en: "";

/// Eine Datei ist eine Byte für Byte identische Kopie einer anderen Meldung (z. B. `T02_2026-Q1 (1).xlsx`); sie zählt nur einmal.
/// English: a file is a byte-identical copy of another submission (e.g. `T02_2026-Q1 (1).xlsx`); it counts once.
ConsistencyIdenticalCopy = "CONSISTENCY-IDENTICAL-COPY", Consistency, Info { expected: String }
    de: "Die Datei ist eine identische Kopie von {expected} und wird nicht ein zweites Mal gezählt.",
    en: "The file is an identical copy of {expected} and is not counted a second time.",
    hint_de: "",
    hint_en: "";

/// Dieselbe Fall-ID wird im selben Quartal von zwei Trägern abgerechnet (mögliche Doppelabrechnung).
/// English: the same case key is billed by two providers in the same quarter (possible double billing).
ConsistencyCaseTwice = "CONSISTENCY-CASE-TWICE", Consistency, Error { quarter: String, expected: Vec<String> }
    de: "Die Fall-ID „{value}“ wird in {quarter} von mehreren Trägern abgerechnet: {expected}.",
    en: "The case \"{value}\" is billed in {quarter} by several providers: {expected}.",
    hint_de: "Mögliche Doppelabrechnung: bitte mit den Trägern klären.",
    hint_en: "Possible double billing: clarify with the providers.";

/// Dieselbe Fall-ID hat in verschiedenen Quartalen eines Trägers verschiedene Hilfearten.
/// English: the same case has different help types across quarters of one provider.
ConsistencyHelpTypeChanged = "CONSISTENCY-HELPTYPE-CHANGED", Consistency, Info { quarter: String, reading: String, expected: String }
    de: "Die Fall-ID „{value}“ hat in {quarter} die Hilfeart {reading}, vorher {expected}.",
    en: "The case \"{value}\" has help type {reading} in {quarter}, before {expected}.",
    hint_de: "",
    hint_en: "";

/// Ein Träger der Stammdaten hat für ein konsolidiertes Quartal keine Meldung abgegeben.
/// English: a provider of the master data has no submission for a consolidated quarter.
ConsistencyMissingSubmission = "CONSISTENCY-MISSING-SUBMISSION", Consistency, Warning { provider: String, quarter: String }
    de: "Von Träger {provider} ({value}) liegt für {quarter} keine Meldung vor.",
    en: "There is no submission by provider {provider} ({value}) for {quarter}.",
    hint_de: "",
    hint_en: "";

/// Ein Fall ohne `Ende` fehlt in der Meldung des folgenden Quartals desselben Trägers.
/// English: a case without an end date is missing from the same provider's next quarter.
ConsistencyCaseVanished = "CONSISTENCY-CASE-VANISHED", Consistency, Warning { reading: String, quarter: String }
    de: "Der Fall „{value}“ lief in {reading} ohne Ende, fehlt aber in der Meldung für {quarter}.",
    en: "The case \"{value}\" ran in {reading} without an end, but is missing from the report for {quarter}.",
    hint_de: "Entweder endete die Hilfe ohne Meldung des Endes, oder der Fall wurde vergessen.",
    hint_en: "Either the help ended without its end being reported, or the case was left out.";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Included,
    IncludedWithErrors,
    Rejected,
    /// Outside the requested period (`--year`, `--quarter`).
    Excluded,
}

impl Status {
    pub fn counts(self) -> bool {
        matches!(self, Status::Included | Status::IncludedWithErrors)
    }
}

#[derive(Debug, Clone)]
pub struct Source {
    pub outcome: FileOutcome,
    pub status: Status,
    /// Why a file was rejected or excluded.
    pub reason: Option<String>,
    /// The portal's receipt number of the submission this file is (set by
    /// the portal; the command line has none).
    pub receipt: Option<String>,
}

impl Source {
    pub fn path(&self) -> &str {
        &self.outcome.report.path
    }
    pub fn key(&self) -> Option<(String, i32, u8)> {
        let c = &self.outcome.cover;
        Some((c.provider_id.clone()?, c.year?, c.quarter?))
    }
    /// Data rows per configured table sheet.
    pub fn rows(&self) -> BTreeMap<String, usize> {
        self.outcome
            .tables
            .iter()
            .map(|(n, t)| (n.clone(), t.data_rows))
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowStatus {
    Ok,
    Warning,
    Error,
}

/// One data row of one source, as the detail sheets show it.
#[derive(Debug, Clone)]
pub struct DetailRow {
    pub source: usize,
    pub category: String,
    pub sheet: String,
    pub provider: String,
    pub year: i32,
    pub quarter: u8,
    pub record: RowRecord,
    /// Per configured column: the sheet column it came from (for cell references).
    pub columns: Vec<Option<u32>>,
    pub status: RowStatus,
    pub cost: Option<Decimal>,
    pub hours: Option<Decimal>,
}

impl DetailRow {
    /// The A1 reference of a configured column's cell in this row.
    pub fn cell(&self, idx: Option<usize>) -> Option<String> {
        let col = self.columns.get(idx?).copied().flatten()?;
        Some(crate::finding::CellPos::new(self.record.row, col).a1())
    }
}

/// The JSON contract's `totals[]` entry (plus hours and case counts for the overview).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TotalKey {
    pub provider: String,
    pub year: i32,
    pub quarter: u8,
    pub sozialraum: Option<String>,
    pub category: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TotalValue {
    pub amount: Decimal,
    pub rows: usize,
    pub hours: Decimal,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub year: Option<i32>,
    pub quarters: Option<Vec<u8>>,
    pub prefer_newest: bool,
}

#[derive(Debug, Clone)]
pub struct Consolidation {
    pub sources: Vec<Source>,
    /// The consolidated (year, quarter) pairs.
    pub period: Vec<(i32, u8)>,
    pub rows: Vec<DetailRow>,
    pub totals: BTreeMap<TotalKey, TotalValue>,
    /// Cross-file findings, each with the path it concerns.
    pub findings: Vec<Finding>,
    /// Providers of the master data without a submission: (provider, year, quarter).
    pub missing: Vec<(String, i32, u8)>,
    /// The table categories in configuration order.
    pub categories: Vec<String>,
}

impl Consolidation {
    pub fn grand_total(&self) -> Decimal {
        self.totals.values().map(|v| v.amount).sum()
    }
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
            || self
                .sources
                .iter()
                .any(|s| s.status != Status::Excluded && s.outcome.report.summary.errors > 0)
    }
    pub fn has_warnings(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Warning)
            || self
                .sources
                .iter()
                .any(|s| s.status != Status::Excluded && s.outcome.report.summary.warnings > 0)
    }
}

/// Why a readable file cannot be counted: the facts that neither the cover
/// nor the file name gives.
fn missing_facts(cover: &Cover, lang: Lang) -> Option<String> {
    let missing: Vec<&str> = [
        (
            cover.provider_id.is_none(),
            t(lang, "Träger-Nr.", "provider number"),
        ),
        (cover.year.is_none(), t(lang, "Berichtsjahr", "year")),
        (cover.quarter.is_none(), t(lang, "Quartal", "quarter")),
    ]
    .into_iter()
    .filter_map(|(gone, name)| gone.then_some(name))
    .collect();
    if missing.is_empty() {
        return None;
    }
    let list = missing.join(", ");
    Some(match lang {
        Lang::De => format!("{list} weder im Deckblatt noch im Dateinamen lesbar"),
        Lang::En => format!("{list} readable neither on the cover nor in the file name"),
    })
}

/// How a counted file's provider and period were found, when not simply from the cover.
fn fact_notes(cover: &Cover, lang: Lang) -> Option<String> {
    let o = &cover.origin;
    let provider = cover.provider_id.as_deref().unwrap_or_default();
    let mut notes = Vec::new();
    match (o.provider_from_file_name, o.provider_unknown, &cover.provider_written) {
        (true, false, Some(w)) => notes.push(match lang {
            Lang::De => {
                format!("Träger-Nr. {w} im Deckblatt unbekannt; gezählt unter {provider} aus dem Dateinamen")
            }
            Lang::En => format!(
                "provider number {w} on the cover unknown; counted under {provider} from the file name"
            ),
        }),
        (true, false, None) => notes.push(match lang {
            Lang::De => format!("Träger-Nr. fehlt im Deckblatt; gezählt unter {provider} aus dem Dateinamen"),
            Lang::En => format!(
                "provider number missing on the cover; counted under {provider} from the file name"
            ),
        }),
        (true, true, _) => notes.push(match lang {
            Lang::De => format!(
                "unbekannter Träger: Träger-Nr. fehlt im Deckblatt, {provider} aus dem Dateinamen steht nicht in den Stammdaten; gezählt unter {provider}"
            ),
            Lang::En => format!(
                "unknown provider: provider number missing on the cover, {provider} from the file name is not in the master data; counted under {provider}"
            ),
        }),
        (false, true, _) => notes.push(match lang {
            Lang::De => format!(
                "unbekannter Träger: {provider} steht nicht in den Stammdaten; gezählt unter {provider} wie im Deckblatt"
            ),
            Lang::En => format!(
                "unknown provider: {provider} is not in the master data; counted under {provider} as on the cover"
            ),
        }),
        (false, false, _) => {}
    }
    if let (true, Some(y)) = (o.year_from_file_name, cover.year) {
        notes.push(match lang {
            Lang::De => format!("Berichtsjahr fehlt im Deckblatt; {y} aus dem Dateinamen"),
            Lang::En => format!("year missing on the cover; {y} from the file name"),
        });
    }
    if let (true, Some(q)) = (o.quarter_from_file_name, cover.quarter) {
        notes.push(match lang {
            Lang::De => format!("Quartal fehlt im Deckblatt; Q{q} aus dem Dateinamen"),
            Lang::En => format!("quarter missing on the cover; Q{q} from the file name"),
        });
    }
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// The title of the first table column with `role` (`fallback` without one).
fn title_of(cfg: &Config, role: Role, fallback: &str) -> String {
    cfg.tables()
        .find_map(|t| t.role(role).and_then(|i| t.columns.get(i)))
        .map(|c| c.title().to_string())
        .unwrap_or_else(|| fallback.to_string())
}

fn with_path(mut f: Finding, path: &str) -> Finding {
    f.path = Some(path.to_string());
    f
}

/// Consolidates checked files. Deterministic: the order of `outcomes` does not matter.
pub fn consolidate(
    outcomes: Vec<FileOutcome>,
    cfg: &Config,
    opts: &Options,
    lang: Lang,
) -> Consolidation {
    let mut sources: Vec<Source> = outcomes
        .into_iter()
        .map(|o| {
            let budget_plan = o
                .report
                .findings
                .iter()
                .any(|f| f.is::<crate::rules::file::FileBudgetPlan>());
            let (status, reason) = if budget_plan {
                (
                    Status::Excluded,
                    Some(
                        crate::i18n::t(
                            lang,
                            "Budgetplan, keine Meldung",
                            "budget plan, not a submission",
                        )
                        .to_string(),
                    ),
                )
            } else if !o.readable {
                (
                    Status::Rejected,
                    Some(
                        crate::i18n::t(lang, "Datei nicht lesbar", "file not readable").to_string(),
                    ),
                )
            } else if let Some(missing) = missing_facts(&o.cover, lang) {
                (Status::Rejected, Some(missing))
            } else if o.report.summary.errors > 0 {
                (Status::IncludedWithErrors, fact_notes(&o.cover, lang))
            } else {
                (Status::Included, fact_notes(&o.cover, lang))
            };
            Source {
                outcome: o,
                status,
                reason,
                receipt: None,
            }
        })
        .collect();
    sources.sort_by(|a, b| (a.key(), a.path()).cmp(&(b.key(), b.path())));

    // The period: what was asked for, or every quarter found.
    for s in sources.iter_mut().filter(|s| s.status.counts()) {
        let Some((_, y, q)) = s.key() else { continue };
        let outside = opts.year.is_some_and(|oy| oy != y)
            || opts.quarters.as_ref().is_some_and(|qs| !qs.contains(&q));
        if outside {
            s.status = Status::Excluded;
            s.reason = Some(
                crate::i18n::t(lang, "außerhalb des Zeitraums", "outside the period").to_string(),
            );
        }
    }
    let period: Vec<(i32, u8)> = match (&opts.year, &opts.quarters) {
        (Some(y), Some(qs)) => qs.iter().map(|q| (*y, *q)).collect(),
        _ => {
            let found: BTreeSet<(i32, u8)> = sources
                .iter()
                .filter(|s| s.status.counts())
                .filter_map(|s| s.key().map(|k| (k.1, k.2)))
                .collect();
            found.into_iter().collect()
        }
    };

    let mut findings = Vec::new();
    resolve_duplicates(&mut sources, opts, lang, &mut findings);

    // Detail rows and totals.
    let categories: Vec<String> = cfg.tables().map(|t| t.name.clone()).collect();
    let mut rows = Vec::new();
    let mut totals: BTreeMap<TotalKey, TotalValue> = BTreeMap::new();
    for (si, s) in sources.iter().enumerate() {
        if !s.status.counts() {
            continue;
        }
        let Some((provider, year, quarter)) = s.key() else {
            continue;
        };
        for (cat, table) in &s.outcome.tables {
            let Some(sheet) = cfg.sheet(cat) else {
                continue;
            };
            let category = sheet.category.clone().unwrap_or_else(|| cat.clone());
            let cost_idx = sheet.role(Role::Cost);
            let hours_idx = sheet.role(Role::Hours);
            for rec in &table.records {
                let get = |i: Option<usize>| {
                    i.and_then(|i| rec.values.get(i))
                        .and_then(|v| v.as_ref())
                        .and_then(|v| v.as_dec())
                };
                let cost = get(cost_idx);
                let hours = get(hours_idx);
                let status = if rec.errors > 0 {
                    RowStatus::Error
                } else if rec.warnings > 0 {
                    RowStatus::Warning
                } else {
                    RowStatus::Ok
                };
                let key = TotalKey {
                    provider: provider.clone(),
                    year,
                    quarter,
                    sozialraum: rec.charged_to.clone(),
                    category: category.clone(),
                };
                let t = totals.entry(key).or_default();
                t.amount += cost.unwrap_or_default();
                t.hours += hours.unwrap_or_default();
                t.rows += 1;
                rows.push(DetailRow {
                    source: si,
                    category: category.clone(),
                    sheet: table.sheet.clone(),
                    provider: provider.clone(),
                    year,
                    quarter,
                    record: rec.clone(),
                    columns: table.columns.clone(),
                    status,
                    cost,
                    hours,
                });
            }
        }
    }
    cross_file_cases(&sources, &rows, cfg, &mut findings);
    let missing = completeness(&sources, &period, cfg, &mut findings);
    vanished_cases(&sources, &rows, &period, cfg, &mut findings);
    Consolidation {
        sources,
        period,
        rows,
        totals,
        findings,
        missing,
        categories,
    }
}

/// Two files for the same provider and quarter: identical copies count once;
/// otherwise `--prefer-newest` takes the newest `Erstellt am`, or both are
/// held back with an error, because summing both would count twice.
fn resolve_duplicates(
    sources: &mut [Source],
    opts: &Options,
    lang: Lang,
    findings: &mut Vec<Finding>,
) {
    let mut groups: BTreeMap<(String, i32, u8), Vec<usize>> = BTreeMap::new();
    for (i, s) in sources.iter().enumerate() {
        if s.status.counts() {
            if let Some(k) = s.key() {
                groups.entry(k).or_default().push(i);
            }
        }
    }
    for ((provider, year, q), mut idx) in groups {
        if idx.len() < 2 {
            continue;
        }
        // The original before its copies: `T02_2026-Q1 (1).xlsx`, `Kopie von …` are longer.
        idx.sort_by_key(|i| {
            let path = sources.get(*i).map(|s| s.path()).unwrap_or_default();
            (path.chars().count(), path.to_string())
        });
        let quarter = quarter_label(year, q);
        // Byte-identical copies: keep the first, note the others.
        let mut distinct: Vec<usize> = Vec::new();
        for i in idx {
            let sha = sources.get(i).and_then(|s| s.outcome.report.sha256.clone());
            let first_same = distinct.iter().copied().find(|d| {
                sources
                    .get(*d)
                    .and_then(|s| s.outcome.report.sha256.clone())
                    == sha
            });
            match first_same {
                Some(d) => {
                    let kept = sources
                        .get(d)
                        .map(|s| s.path().to_string())
                        .unwrap_or_default();
                    if let Some(s) = sources.get_mut(i) {
                        s.status = Status::Rejected;
                        s.reason = Some(format!(
                            "{} {kept}",
                            crate::i18n::t(lang, "identische Kopie von", "identical copy of")
                        ));
                        let f = ConsistencyIdenticalCopy { expected: kept }
                            .finding()
                            .build();
                        findings.push(with_path(f, s.path()));
                    }
                }
                None => distinct.push(i),
            }
        }
        if distinct.len() < 2 {
            continue;
        }
        let paths: Vec<String> = distinct
            .iter()
            .filter_map(|i| sources.get(*i).map(|s| s.path().to_string()))
            .collect();
        let newest = if opts.prefer_newest {
            let dated: Vec<(Option<chrono::NaiveDate>, usize)> = distinct
                .iter()
                .map(|i| (sources.get(*i).and_then(|s| s.outcome.cover.created), *i))
                .collect();
            let max = dated.iter().map(|d| d.0).max().flatten();
            let at_max: Vec<usize> = dated
                .iter()
                .filter(|d| d.0.is_some() && d.0 == max)
                .map(|d| d.1)
                .collect();
            if at_max.len() == 1 {
                at_max.first().copied()
            } else {
                None
            }
        } else {
            None
        };
        match newest {
            Some(keep) => {
                let kept = sources
                    .get(keep)
                    .map(|s| s.path().to_string())
                    .unwrap_or_default();
                for i in distinct.iter().copied().filter(|i| *i != keep) {
                    if let Some(s) = sources.get_mut(i) {
                        s.status = Status::Rejected;
                        s.reason = Some(format!(
                            "{} {kept}",
                            crate::i18n::t(lang, "ersetzt durch", "superseded by")
                        ));
                        let m = ConsistencySuperseded {
                            expected: kept.clone(),
                        };
                        let f = m.finding().build();
                        findings.push(with_path(f, s.path()));
                    }
                }
            }
            None => {
                for i in distinct.iter().copied() {
                    if let Some(s) = sources.get_mut(i) {
                        s.status = Status::Rejected;
                        s.reason = Some(
                            crate::i18n::t(lang, "doppelte Meldung", "duplicate submission")
                                .to_string(),
                        );
                        let m = ConsistencyDuplicateSubmission {
                            provider: provider.clone(),
                            quarter: quarter.clone(),
                        };
                        let f = m.finding().value(paths.join(", ")).build();
                        findings.push(with_path(f, s.path()));
                    }
                }
            }
        }
    }
}

fn text_at(rec: &RowRecord, idx: Option<usize>) -> Option<&str> {
    idx.and_then(|i| rec.values.get(i))
        .and_then(|v| v.as_ref())
        .and_then(CellData::as_text)
}

/// The same case billed by two providers in one quarter; the same case with
/// another help type in another quarter of one provider.
fn cross_file_cases(
    sources: &[Source],
    rows: &[DetailRow],
    cfg: &Config,
    findings: &mut Vec<Finding>,
) {
    let mut by_case: BTreeMap<(i32, u8, String), Vec<&DetailRow>> = BTreeMap::new();
    let mut help: BTreeMap<(String, String), Vec<&DetailRow>> = BTreeMap::new();
    for r in rows {
        let Some(sheet) = cfg.sheet(&r.category).or_else(|| {
            cfg.tables()
                .find(|t| t.category.as_deref() == Some(&r.category))
        }) else {
            continue;
        };
        let Some(case) = text_at(&r.record, sheet.role(Role::CaseId)) else {
            continue;
        };
        by_case
            .entry((r.year, r.quarter, case.to_string()))
            .or_default()
            .push(r);
        if sheet.role(Role::HelpType).is_some() {
            help.entry((r.provider.clone(), case.to_string()))
                .or_default()
                .push(r);
        }
    }
    let case_idx = cfg.tables().find_map(|t| t.role(Role::CaseId));
    let cell_of = |r: &DetailRow| r.cell(case_idx);
    for ((y, q, case), rs) in by_case {
        let providers: BTreeSet<&str> = rs.iter().map(|r| r.provider.as_str()).collect();
        if providers.len() < 2 {
            continue;
        }
        let list: Vec<String> = rs
            .iter()
            .map(|r| {
                format!(
                    "{} ({})",
                    r.provider,
                    sources.get(r.source).map(|s| s.path()).unwrap_or_default()
                )
            })
            .collect();
        for r in &rs {
            let path = sources.get(r.source).map(|s| s.path()).unwrap_or_default();
            let m = ConsistencyCaseTwice {
                quarter: quarter_label(y, q),
                expected: list.clone(),
            };
            let mut b = m.finding().sheet(r.sheet.clone()).value(case.clone());
            if let Some(c) = cell_of(r) {
                b = b.cell_a1(&c);
            }
            let title = title_of(cfg, Role::CaseId, "Fall-ID");
            findings.push(with_path(b.column(title).build(), path));
        }
    }
    for ((_, case), mut rs) in help {
        rs.sort_by_key(|r| (r.year, r.quarter));
        let help_idx = cfg.tables().find_map(|t| t.role(Role::HelpType));
        for pair in rs.windows(2) {
            let [a, b] = pair else { continue };
            let (Some(ha), Some(hb)) = (text_at(&a.record, help_idx), text_at(&b.record, help_idx))
            else {
                continue;
            };
            if ha != hb && (a.year, a.quarter) != (b.year, b.quarter) {
                let path = sources.get(b.source).map(|s| s.path()).unwrap_or_default();
                let m = ConsistencyHelpTypeChanged {
                    quarter: quarter_label(b.year, b.quarter),
                    reading: hb.to_string(),
                    expected: ha.to_string(),
                };
                let mut f = m.finding().sheet(b.sheet.clone());
                // No cell rather than an empty one when the position is unknown.
                if let Some(c) = b.cell(help_idx) {
                    f = f.cell_a1(&c);
                }
                let title = title_of(cfg, Role::HelpType, "Hilfeart");
                let f = f.column(title).value(case.clone()).build();
                findings.push(with_path(f, path));
            }
        }
    }
}

/// Every provider of the master data owes a submission for every consolidated quarter.
fn completeness(
    sources: &[Source],
    period: &[(i32, u8)],
    cfg: &Config,
    findings: &mut Vec<Finding>,
) -> Vec<(String, i32, u8)> {
    let submitted: BTreeSet<(String, i32, u8)> = sources
        .iter()
        .filter(|s| s.status != Status::Excluded && s.outcome.readable)
        .filter_map(|s| s.key())
        .collect();
    let mut missing = Vec::new();
    for (y, q) in period {
        for p in &cfg.providers {
            if !submitted.contains(&(p.id.clone(), *y, *q)) {
                let m = ConsistencyMissingSubmission {
                    provider: p.id.clone(),
                    quarter: quarter_label(*y, *q),
                };
                let f = m.finding().value(p.name.clone()).build();
                findings.push(f);
                missing.push((p.id.clone(), *y, *q));
            }
        }
    }
    missing
}

/// A case reported without an end in one quarter should appear in the
/// provider's next consolidated quarter.
fn vanished_cases(
    sources: &[Source],
    rows: &[DetailRow],
    period: &[(i32, u8)],
    cfg: &Config,
    findings: &mut Vec<Finding>,
) {
    let Some(fall) = cfg
        .tables()
        .find(|t| t.role(Role::CaseId).is_some() && t.role(Role::End).is_some())
    else {
        return;
    };
    let (Some(case_idx), Some(end_idx)) = (fall.role(Role::CaseId), fall.role(Role::End)) else {
        return;
    };
    let category = fall.category.clone().unwrap_or_else(|| fall.name.clone());
    let included: BTreeSet<(String, i32, u8)> = sources
        .iter()
        .filter(|s| s.status.counts())
        .filter_map(|s| s.key())
        .collect();
    let mut cases: HashMap<(String, i32, u8), BTreeSet<String>> = HashMap::new();
    for r in rows.iter().filter(|r| r.category == category) {
        if let Some(c) = text_at(&r.record, Some(case_idx)) {
            cases
                .entry((r.provider.clone(), r.year, r.quarter))
                .or_default()
                .insert(c.to_string());
        }
    }
    for r in rows.iter().filter(|r| r.category == category) {
        let open = r
            .record
            .values
            .get(end_idx)
            .map(|v| v.is_none())
            .unwrap_or(true);
        if !open {
            continue;
        }
        let Some(case) = text_at(&r.record, Some(case_idx)) else {
            continue;
        };
        let next = if r.quarter == 4 {
            (r.year + 1, 1)
        } else {
            (r.year, r.quarter + 1)
        };
        if !period.contains(&next) || !included.contains(&(r.provider.clone(), next.0, next.1)) {
            continue;
        }
        let present = cases
            .get(&(r.provider.clone(), next.0, next.1))
            .is_some_and(|s| s.contains(case));
        if !present {
            let path = sources.get(r.source).map(|s| s.path()).unwrap_or_default();
            let m = ConsistencyCaseVanished {
                reading: quarter_label(r.year, r.quarter),
                quarter: quarter_label(next.0, next.1),
            };
            let mut f = m.finding().sheet(r.sheet.clone());
            if let Some(c) = r.cell(Some(case_idx)) {
                f = f.cell_a1(&c);
            }
            let title = title_of(cfg, Role::CaseId, "Fall-ID");
            let f = f.column(title).value(case.to_string()).build();
            findings.push(with_path(f, path));
        }
    }
}
