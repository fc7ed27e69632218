//! The case-level view: cases, hours and cost per case, outliers against the
//! median of their help type, rates other than the contracted one, spending
//! per quarter and its jumps from one quarter to the next.

use crate::config::Role;
use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};

use super::checks::area_arg;
use super::ledger::{Entry, Origin};
use super::lines::deviation_pct;
use super::Period;
use crate::coerce::machine;
use crate::config::{AuditSettings, Config};
use crate::finding::arg::{Arg, Money, Num, Pct};
use crate::finding::violation::{FindingBuilder, Message};
use crate::finding::Finding;
use crate::show::{cents, quarter as quarter_label};

crate::violation! {
/// Die Kosten eines Falls in einem Quartal liegen über `outlier_factor` × dem Median der Kosten je Fall
/// und Quartal seiner Hilfeart (im geprüften Zeitraum, kreisweit).
/// English: a case's cost in a quarter exceeds `outlier_factor` × the median cost per case and quarter
/// of its help type (in the audited period, county-wide).
DeviationOutlier = "DEVIATION-OUTLIER", Deviation, Warning { value: Money, case: String, provider: String, quarter: String, help_type: String, factor: Num, median: Money, source: String }
    de: "Fall {case} ({provider}, {quarter}, {help_type}): Kosten {value} € liegen über dem {factor}-Fachen des Medians je Fall und Quartal dieser Hilfeart ({median} €).",
    en: "Case {case} ({provider}, {quarter}, {help_type}): cost {value} € exceeds {factor} times the median per case and quarter of this help type ({median} €).",
    hint_de: "Quelle: {source}. Bitte mit dem Träger klären (Stundenumfang, Abrechnung).",
    hint_en: "Source: {source}. Clarify with the provider (hours, billing).";

/// Ein Fall wurde mit einem anderen als dem vereinbarten Stundensatz des Trägers abgerechnet; genannt
/// werden die Mehr- oder Minderkosten.
/// English: a case was billed at a rate other than the provider's contracted rate; the difference in cost is stated.
DeviationRate = "DEVIATION-RATE", Deviation, Warning { value: Money, expected: Money, provider: String, quarter: String, difference: Money, hours: Num, source: String }
    de: "Stundensatz {value} € statt des vereinbarten Satzes {expected} € (Träger {provider}, {quarter}); Differenz {difference} € bei {hours} Fachleistungsstunden.",
    en: "Hourly rate {value} € instead of the contracted {expected} € (provider {provider}, {quarter}); difference {difference} € for {hours} hours.",
    hint_de: "Quelle: {source}. Abgerechnet wird der mit dem Landkreis vereinbarte Satz.",
    hint_en: "Source: {source}. Bill the rate contracted with the district.";

/// Die Ausgaben eines Sozialraums in einer Kategorie ändern sich von einem Quartal zum nächsten um mehr als
/// `jump_pct` Prozent.
/// English: a Sozialraum's spending in a category changes from one quarter to the next by more than `jump_pct` percent.
DeviationJump = "DEVIATION-JUMP", Deviation, Warning { sozialraum: Arg, category: String, quarter: String, previous_quarter: String, actual: Money, previous: Money, pct: Pct, jump: Num }
    de: "{sozialraum}, {category}: Ausgaben {quarter} {actual} € gegenüber {previous_quarter} {previous} € ({pct} %).",
    en: "{sozialraum}, {category}: spending {quarter} {actual} € against {previous_quarter} {previous} € ({pct} %).",
    hint_de: "Gemeldet werden Sprünge über ±{jump} % zum Vorquartal. Fehlt eine Meldung, oder hat sich die Fallzahl verändert?",
    hint_en: "Changes beyond ±{jump} % from the previous quarter are reported. Is a submission missing, or did the case load change?";
}

/// Case-level figures for one Sozialraum (or the county) and help type.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFigure {
    pub scope: Scope,
    /// `None`: rows without a valid help type.
    pub help_type: Option<String>,
    /// Distinct cases (Fall-IDs).
    pub cases: usize,
    /// Rows: one per case and quarter.
    pub rows: usize,
    pub hours: Decimal,
    pub cost: Decimal,
    pub cost_per_case: Decimal,
    pub hours_per_case: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Sozialraum(String),
    Unassigned,
    County,
}

/// The outlier basis of one help type.
#[derive(Debug, Clone, PartialEq)]
pub struct HelpStats {
    pub help_type: String,
    pub rows: usize,
    /// Median cost per case and quarter.
    pub median: Decimal,
    /// `outlier_factor` × median.
    pub threshold: Decimal,
    pub outliers: usize,
}

/// Spending of one Sozialraum (or the county) and category per audited quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendSeries {
    pub sozialraum: Option<String>,
    pub category: String,
    /// One amount per quarter of the period, in order.
    pub by_quarter: Vec<Decimal>,
    /// Change to the previous quarter in percent (two places); `None` for the
    /// first quarter, after a gap or from nothing.
    pub change_pct: Vec<Option<Decimal>>,
}

fn median(values: &mut [Decimal]) -> Decimal {
    values.sort();
    let n = values.len();
    match (values.get(n.wrapping_sub(1) / 2), values.get(n / 2)) {
        (Some(a), Some(b)) if n.is_multiple_of(2) => (*a + *b) / Decimal::from(2),
        (_, Some(b)) => *b,
        _ => Decimal::ZERO,
    }
}

fn located(b: FindingBuilder, origin: &Origin, cell: &Option<String>) -> Finding {
    let mut b = b.sheet(origin.sheet.clone()).path(origin.path.clone());
    if let Some(c) = cell {
        b = b.cell_a1(c);
    }
    b.build()
}

fn column_title(cfg: &Config, category: &str, role: Role) -> String {
    cfg.tables()
        .find(|t| t.category.as_deref().unwrap_or(&t.name) == category)
        .and_then(|t| t.role(role).and_then(|i| t.columns.get(i)))
        .map(|c| c.title().to_string())
        .unwrap_or_else(|| role.as_str().to_string())
}

/// Rows billed at a rate other than the provider's contracted one.
pub(super) fn rate_findings(entries: &[&Entry], cfg: &Config, out: &mut Vec<Finding>) {
    for e in entries {
        let (Some(rate), Some(p)) = (e.rate, cfg.provider(&e.provider)) else {
            continue;
        };
        if rate == p.rate {
            continue;
        }
        let hours = e.hours.unwrap_or_default();
        let m = DeviationRate {
            value: Money(rate),
            expected: Money(p.rate),
            provider: e.provider.clone(),
            quarter: quarter_label(e.year, e.quarter),
            difference: Money(cents((rate - p.rate) * hours)),
            hours: Num(hours),
            source: e.origin.source.clone(),
        };
        let b = m
            .finding()
            .column(column_title(cfg, &e.category, Role::Rate))
            .value(machine(rate, true));
        out.push(located(b, &e.origin, &e.origin.rate_cell));
    }
}

/// Cases whose cost in a quarter exceeds `outlier_factor` × the median of their help type.
pub(super) fn outliers(
    entries: &[&Entry],
    cfg: &Config,
    s: &AuditSettings,
    out: &mut Vec<Finding>,
) -> Vec<HelpStats> {
    let mut by_help: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        if let (Some(h), Some(_)) = (e.help_type.as_deref(), e.cost) {
            by_help.entry(h).or_default().push(e);
        }
    }
    let mut stats = Vec::new();
    for (help, rows) in by_help {
        let mut costs: Vec<Decimal> = rows.iter().filter_map(|e| e.cost).collect();
        let med = median(&mut costs);
        let threshold = s.outlier_factor * med;
        let mut count = 0;
        for e in rows
            .iter()
            .filter(|e| e.cost.is_some_and(|c| c > threshold))
        {
            count += 1;
            let cost = e.cost.unwrap_or_default();
            let m = DeviationOutlier {
                value: Money(cost),
                case: e.case_id.clone().unwrap_or_else(|| "–".into()),
                provider: e.provider.clone(),
                quarter: quarter_label(e.year, e.quarter),
                help_type: help.to_string(),
                factor: Num(s.outlier_factor),
                median: Money(med),
                source: e.origin.source.clone(),
            };
            let b = m
                .finding()
                .column(column_title(cfg, &e.category, Role::Cost))
                .value(machine(cost, true));
            out.push(located(b, &e.origin, &e.origin.cost_cell));
        }
        stats.push(HelpStats {
            help_type: help.to_string(),
            rows: rows.len(),
            median: cents(med),
            threshold: cents(threshold),
            outliers: count,
        });
    }
    stats
}

pub(super) fn spend_series(
    entries: &[&Entry],
    areas: &[String],
    categories: &[String],
    period: &Period,
) -> Vec<SpendSeries> {
    let mut spend: BTreeMap<(Option<String>, String, u8), Decimal> = BTreeMap::new();
    for e in entries {
        let cost = e.cost.unwrap_or_default();
        *spend
            .entry((e.sozialraum.clone(), e.category.clone(), e.quarter))
            .or_default() += cost;
        *spend
            .entry((None, e.category.clone(), e.quarter))
            .or_default() += cost;
    }
    let present: BTreeSet<(Option<String>, String)> =
        spend.keys().map(|k| (k.0.clone(), k.1.clone())).collect();
    let mut out = Vec::new();
    let scopes: Vec<Option<String>> = areas
        .iter()
        .cloned()
        .map(Some)
        .chain(std::iter::once(None))
        .collect();
    for cat in categories {
        for area in &scopes {
            if !present.contains(&(area.clone(), cat.clone())) {
                continue;
            }
            let by_quarter: Vec<Decimal> = period
                .quarters
                .iter()
                .map(|q| {
                    spend
                        .get(&(area.clone(), cat.clone(), *q))
                        .copied()
                        .unwrap_or_default()
                })
                .collect();
            let mut change_pct = vec![None];
            for (i, w) in period.quarters.windows(2).enumerate() {
                let consecutive = matches!(w, [a, b] if *b == *a + 1);
                let prev = by_quarter.get(i).copied().unwrap_or_default();
                let cur = by_quarter.get(i + 1).copied().unwrap_or_default();
                change_pct.push(if consecutive {
                    deviation_pct(cur - prev, prev)
                } else {
                    None
                });
            }
            out.push(SpendSeries {
                sozialraum: area.clone(),
                category: cat.clone(),
                by_quarter,
                change_pct,
            });
        }
    }
    out
}

/// A Sozialraum's spending changing by more than `jump_pct` from one quarter to the next.
pub(super) fn jump_findings(
    series: &[SpendSeries],
    period: &Period,
    s: &AuditSettings,
    out: &mut Vec<Finding>,
) {
    for sr in series.iter().filter(|sr| sr.sozialraum.is_some()) {
        for (i, change) in sr.change_pct.iter().enumerate() {
            let Some(pct) = change else { continue };
            if pct.abs() <= s.jump_pct {
                continue;
            }
            let (Some(q), Some(pq), Some(cur), Some(prev)) = (
                period.quarters.get(i),
                period.quarters.get(i.wrapping_sub(1)),
                sr.by_quarter.get(i),
                sr.by_quarter.get(i.wrapping_sub(1)),
            ) else {
                continue;
            };
            let m = DeviationJump {
                sozialraum: area_arg(&sr.sozialraum),
                category: sr.category.clone(),
                quarter: quarter_label(period.year, *q),
                previous_quarter: quarter_label(period.year, *pq),
                actual: Money(*cur),
                previous: Money(*prev),
                pct: Pct(*pct),
                jump: Num(s.jump_pct),
            };
            let f = m.finding().value(format!("{pct:.2}")).build();
            out.push(f);
        }
    }
}

#[derive(Default)]
struct CaseAcc {
    cases: BTreeSet<String>,
    rows: usize,
    hours: Decimal,
    cost: Decimal,
}

impl CaseAcc {
    fn add(&mut self, e: &Entry, i: usize) {
        self.cases
            .insert(e.case_id.clone().unwrap_or_else(|| format!("\u{0}{i}")));
        self.rows += 1;
        self.hours += e.hours.unwrap_or_default();
        self.cost += e.cost.unwrap_or_default();
    }
    fn figure(self, scope: Scope, help_type: Option<String>) -> CaseFigure {
        let n = Decimal::from(self.cases.len().max(1));
        CaseFigure {
            scope,
            help_type,
            cases: self.cases.len(),
            rows: self.rows,
            hours: self.hours,
            cost: self.cost,
            cost_per_case: cents(self.cost / n),
            hours_per_case: (self.hours / n)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        }
    }
}

/// Cases, hours and cost per case for each Sozialraum and help type, then the county per help type.
pub(super) fn case_figures(entries: &[&Entry], areas: &[String]) -> Vec<CaseFigure> {
    let mut acc: BTreeMap<(Scope, Option<String>), CaseAcc> = BTreeMap::new();
    for (i, e) in entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.case_id.is_some() || e.help_type.is_some())
    {
        let scope = match &e.sozialraum {
            Some(s) => Scope::Sozialraum(s.clone()),
            None => Scope::Unassigned,
        };
        acc.entry((scope, e.help_type.clone()))
            .or_default()
            .add(e, i);
        acc.entry((Scope::County, e.help_type.clone()))
            .or_default()
            .add(e, i);
    }
    let rank = |s: &Scope| match s {
        Scope::Sozialraum(name) => (
            0,
            areas.iter().position(|a| a == name).unwrap_or(usize::MAX),
        ),
        Scope::Unassigned => (1, 0),
        Scope::County => (2, 0),
    };
    let mut figures: Vec<CaseFigure> = acc
        .into_iter()
        .map(|((scope, help), a)| a.figure(scope, help))
        .collect();
    figures.sort_by(|a, b| (rank(&a.scope), &a.help_type).cmp(&(rank(&b.scope), &b.help_type)));
    figures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("a decimal literal")
    }

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones() {
        for (values, expected) in [
            (vec![], "0"),
            (vec!["7"], "7"),
            (vec!["9", "1", "5"], "5"),
            (vec!["4", "1", "3", "2"], "2.5"),
            (vec!["100", "1", "1", "1"], "1"),
        ] {
            let mut values: Vec<Decimal> = values.into_iter().map(d).collect();
            assert_eq!(median(&mut values), d(expected), "{values:?}");
        }
    }

    fn entry(area: Option<&str>, case: Option<&str>, help: &str, hours: &str, cost: &str) -> Entry {
        Entry {
            provider: "T01".into(),
            year: 2026,
            quarter: 1,
            category: "Fallarbeit".into(),
            sozialraum: area.map(str::to_string),
            cost: Some(d(cost)),
            hours: Some(d(hours)),
            case_id: case.map(str::to_string),
            help_type: Some(help.into()),
            ..Entry::default()
        }
    }

    #[test]
    fn case_figures_count_cases_not_rows_and_divide_per_case() {
        let rows = [
            // One case in two rows, one more case, one row without a Fall-ID (a case of its own).
            entry(Some("Achim"), Some("A-1"), "SPFH", "10", "500"),
            entry(Some("Achim"), Some("A-1"), "SPFH", "5", "250"),
            entry(Some("Achim"), Some("A-2"), "SPFH", "1", "50"),
            entry(Some("Achim"), None, "SPFH", "1", "100"),
            entry(Some("Verden"), Some("V-1"), "SPFH", "2", "100"),
            entry(None, Some("X-1"), "SPFH", "3", "150"),
        ];
        let refs: Vec<&Entry> = rows.iter().collect();
        let areas = ["Verden".to_string(), "Achim".to_string()];
        let figures = case_figures(&refs, &areas);
        let scopes: Vec<&Scope> = figures.iter().map(|f| &f.scope).collect();
        // Report order: the Sozialräume as given, the unassigned rows, the county.
        assert_eq!(
            scopes,
            [
                &Scope::Sozialraum("Verden".into()),
                &Scope::Sozialraum("Achim".into()),
                &Scope::Unassigned,
                &Scope::County,
            ]
        );
        let achim = &figures[1];
        assert_eq!((achim.cases, achim.rows), (3, 4));
        assert_eq!((achim.hours, achim.cost), (d("17"), d("900")));
        assert_eq!(achim.cost_per_case, d("300"));
        assert_eq!(achim.hours_per_case, d("5.67"));
        let county = &figures[3];
        assert_eq!((county.cases, county.rows), (5, 6));
        assert_eq!(county.cost_per_case, d("230"));
    }
}
