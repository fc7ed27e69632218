//! The case-level view: cases, hours and cost per case, outliers against the
//! median of their help type, rates other than the contracted one, spending
//! per quarter and its jumps from one quarter to the next.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};

use super::checks::area_label;
use super::ledger::{Entry, Origin};
use super::lines::{deviation_pct, show_pct};
use super::Period;
use crate::coerce::number::cents;
use crate::coerce::{machine, show_money};
use crate::config::{AuditSettings, Config};
use crate::finding::catalog::{Code, FindingBuilder};
use crate::finding::Finding;
use crate::i18n::{quarter_label, Lang};

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
    let mut b = b.sheet(origin.sheet.clone());
    if let Some(c) = cell {
        b = b.cell_a1(c.clone());
    }
    let mut f = b.build();
    f.path = Some(origin.path.clone());
    f
}

fn column_title(cfg: &Config, category: &str, key: &str) -> String {
    cfg.tables()
        .find(|t| t.category.as_deref().unwrap_or(&t.name) == category)
        .and_then(|t| t.column_index(key).and_then(|i| t.columns.get(i)))
        .map(|c| c.title().to_string())
        .unwrap_or_else(|| key.to_string())
}

/// Rows billed at a rate other than the provider's contracted one.
pub(super) fn rate_findings(entries: &[&Entry], cfg: &Config, lang: Lang, out: &mut Vec<Finding>) {
    for e in entries {
        let (Some(rate), Some(p)) = (e.rate, cfg.provider(&e.provider)) else {
            continue;
        };
        if rate == p.rate {
            continue;
        }
        let hours = e.hours.unwrap_or_default();
        let b = FindingBuilder::new(Code::DeviationRate, lang)
            .column(column_title(cfg, &e.category, "rate"))
            .value(machine(rate, true))
            .arg("value", show_money(rate, lang))
            .arg("expected", show_money(p.rate, lang))
            .arg("provider", e.provider.clone())
            .arg("quarter", quarter_label(e.year, e.quarter))
            .arg(
                "difference",
                show_money(cents((rate - p.rate) * hours), lang),
            )
            .arg("hours", crate::coerce::show_dec(hours, lang))
            .arg("source", e.origin.source.clone());
        out.push(located(b, &e.origin, &e.origin.rate_cell));
    }
}

/// Cases whose cost in a quarter exceeds `outlier_factor` × the median of their help type.
pub(super) fn outliers(
    entries: &[&Entry],
    cfg: &Config,
    s: &AuditSettings,
    lang: Lang,
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
            let b = FindingBuilder::new(Code::DeviationOutlier, lang)
                .column(column_title(cfg, &e.category, "cost"))
                .value(machine(cost, true))
                .arg("value", show_money(cost, lang))
                .arg("case", e.case_id.clone().unwrap_or_else(|| "–".into()))
                .arg("provider", e.provider.clone())
                .arg("quarter", quarter_label(e.year, e.quarter))
                .arg("help_type", help.to_string())
                .arg("factor", s.outlier_factor.normalize().to_string())
                .arg("median", show_money(med, lang))
                .arg("source", e.origin.source.clone());
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
    lang: Lang,
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
            let f = FindingBuilder::new(Code::DeviationJump, lang)
                .value(format!("{pct:.2}"))
                .arg("sozialraum", area_label(&sr.sozialraum, lang))
                .arg("category", sr.category.clone())
                .arg("quarter", quarter_label(period.year, *q))
                .arg("previous_quarter", quarter_label(period.year, *pq))
                .arg("actual", show_money(*cur, lang))
                .arg("previous", show_money(*prev, lang))
                .arg("pct", show_pct(*pct, lang))
                .arg("jump", s.jump_pct.normalize().to_string())
                .build();
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
