//! The budget lines: plan against actual per Sozialraum and category, the
//! budget pro rata to the quarters reported, the projection to the year's
//! end, the status by the thresholds of `[audit]` and its direction, and the
//! pair Fallarbeit+Milieuarbeit that may cover one of its parts.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::budget::BudgetPlan;
use super::Period;
use crate::coerce::number::cents;
use crate::config::AuditSettings;
use crate::i18n::{t, Lang};

/// The categories that may cover each other, and the name of their combined line.
pub const PAIR: [&str; 2] = ["Fallarbeit", "Milieuarbeit"];
pub const PAIR_CATEGORY: &str = "Fallarbeit+Milieuarbeit";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BudgetStatus {
    Ok,
    Warning,
    Alert,
}

impl BudgetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetStatus::Ok => "ok",
            BudgetStatus::Warning => "warning",
            BudgetStatus::Alert => "alert",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            BudgetStatus::Ok => "ok",
            BudgetStatus::Warning => t(lang, "Warnung", "warning"),
            BudgetStatus::Alert => t(lang, "Alarm", "alert"),
        }
    }
}

/// Which way a line that is not ok deviates from its pro-rata budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// More spent than planned (also: spending without a budget).
    Over,
    /// Less spent than planned.
    Under,
}

impl Direction {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Direction::Over => t(lang, "Überschreitung", "overspend"),
            Direction::Under => t(lang, "Unterschreitung", "underspend"),
        }
    }
}

/// The status as the reader sees it: `ok`, `Warnung: Überschreitung`,
/// `Alarm: Unterschreitung` (English: `warning: overspend`, …).
pub fn status_label(status: BudgetStatus, direction: Option<Direction>, lang: Lang) -> String {
    match direction {
        Some(d) if status != BudgetStatus::Ok => {
            format!("{}: {}", status.label(lang), d.label(lang))
        }
        _ => status.label(lang).to_string(),
    }
}

/// The annual budget's share for `quarters` reported quarters, to the cent.
pub fn pro_rata(budget: Decimal, quarters: usize) -> Decimal {
    cents(budget * Decimal::from(quarters) / Decimal::from(4))
}

/// The actual spending extrapolated to four quarters, to the cent.
pub fn projection(actual: Decimal, quarters: usize) -> Decimal {
    if quarters == 0 {
        return Decimal::ZERO;
    }
    cents(actual * Decimal::from(4) / Decimal::from(quarters))
}

/// The deviation in percent of the pro-rata budget, two places; `None` without a budget.
pub fn deviation_pct(deviation: Decimal, pro_rata: Decimal) -> Option<Decimal> {
    if pro_rata.is_zero() {
        return None;
    }
    Some(
        (deviation * Decimal::from(100) / pro_rata)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
    )
}

/// The status of a line by its (shown, rounded) percentage: what the reader
/// sees decides, so 5.00 % is ok at `ok_pct = 5`. Spending without a budget is an alert.
pub fn status(pct: Option<Decimal>, actual: Decimal, s: &AuditSettings) -> BudgetStatus {
    match pct {
        None if actual.is_zero() => BudgetStatus::Ok,
        None => BudgetStatus::Alert,
        Some(p) if p.abs() <= s.ok_pct => BudgetStatus::Ok,
        Some(p) if p.abs() <= s.warning_pct => BudgetStatus::Warning,
        Some(_) => BudgetStatus::Alert,
    }
}

/// One line of the plan/actual table.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// `None`: the county total.
    pub sozialraum: Option<String>,
    pub category: String,
    pub budget: Decimal,
    /// The plan's `Budget` cell (lines of one Sozialraum and category only).
    pub budget_cell: Option<crate::finding::CellPos>,
    pub pro_rata: Decimal,
    pub actual: Decimal,
    /// Rows of spending behind `actual`.
    pub rows: usize,
    pub deviation: Decimal,
    pub deviation_pct: Option<Decimal>,
    pub projection: Decimal,
    pub status: BudgetStatus,
    /// The pair partner that covers this line's overspending.
    pub covered_by: Option<String>,
}

impl Line {
    /// Over or under the pro-rata budget; `None` while the status is ok.
    pub fn direction(&self) -> Option<Direction> {
        if self.status == BudgetStatus::Ok || self.deviation.is_zero() {
            None
        } else if self.deviation > Decimal::ZERO {
            Some(Direction::Over)
        } else {
            Some(Direction::Under)
        }
    }
    /// `Alarm: Überschreitung` and the like.
    pub fn status_label(&self, lang: Lang) -> String {
        status_label(self.status, self.direction(), lang)
    }
}

impl Line {
    /// A line from the (annual, pro-rata) budget and the (amount, rows) spent in `n` quarters.
    fn new(
        sozialraum: Option<String>,
        category: &str,
        plan: (Decimal, Decimal),
        spent: (Decimal, usize),
        n: usize,
        s: &AuditSettings,
    ) -> Line {
        let ((budget, pro_rata), (actual, rows)) = (plan, spent);
        let deviation = actual - pro_rata;
        let pct = deviation_pct(deviation, pro_rata);
        Line {
            sozialraum,
            category: category.to_string(),
            budget,
            budget_cell: None,
            pro_rata,
            actual,
            rows,
            deviation,
            deviation_pct: pct,
            projection: projection(actual, n),
            status: status(pct, actual, s),
            covered_by: None,
        }
    }
}

/// The plan/actual table: per category each Sozialraum in report order (a
/// configured one always, any other only with a budget or spending) and the
/// county; then, if both categories of the pair are configured, the pair per
/// Sozialraum and for the county, after marking what the pair covers.
pub(super) fn budget_lines(
    plan: &BudgetPlan,
    period: &Period,
    categories: &[String],
    areas: &[String],
    configured: &BTreeSet<String>,
    actual: &BTreeMap<(Option<String>, String), (Decimal, usize)>,
    s: &AuditSettings,
) -> Vec<Line> {
    let n = period.quarters.len();
    let mut lines = Vec::new();
    for cat in categories {
        let mut county = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, 0usize);
        for area in areas {
            let plan_line = plan.line(period.year, area, cat);
            let (spent, rows) = actual
                .get(&(Some(area.clone()), cat.clone()))
                .copied()
                .unwrap_or_default();
            if plan_line.is_none() && rows == 0 && !configured.contains(area) {
                continue;
            }
            let budget = plan_line.map(|l| l.amount).unwrap_or_default();
            let pr = pro_rata(budget, n);
            let mut line = Line::new(Some(area.clone()), cat, (budget, pr), (spent, rows), n, s);
            line.budget_cell = plan_line.map(|l| l.cell);
            county.0 += budget;
            county.1 += pr;
            lines.push(line);
        }
        for (spent, rows) in actual.iter().filter(|((_, c), _)| c == cat).map(|(_, v)| v) {
            county.2 += *spent;
            county.3 += *rows;
        }
        lines.push(Line::new(
            None,
            cat,
            (county.0, county.1),
            (county.2, county.3),
            n,
            s,
        ));
    }
    if PAIR.iter().all(|p| categories.iter().any(|c| c == p)) {
        let pair_of = |area: &Option<String>| -> Option<Line> {
            let parts: Vec<&Line> = lines
                .iter()
                .filter(|l| l.sozialraum == *area && PAIR.contains(&l.category.as_str()))
                .collect();
            if parts.is_empty() {
                return None;
            }
            let sum = |f: fn(&Line) -> Decimal| parts.iter().map(|l| f(l)).sum::<Decimal>();
            let rows = parts.iter().map(|l| l.rows).sum();
            Some(Line::new(
                area.clone(),
                PAIR_CATEGORY,
                (sum(|l| l.budget), sum(|l| l.pro_rata)),
                (sum(|l| l.actual), rows),
                n,
                s,
            ))
        };
        let mut pairs: Vec<Line> = areas
            .iter()
            .filter_map(|a| pair_of(&Some(a.clone())))
            .collect();
        pairs.extend(pair_of(&None));
        mark_covered(&mut lines, &pairs, s);
        lines.extend(pairs);
    }
    lines
}

/// A percentage with its sign, two places: `+4,87` / `+4.87`.
pub fn show_pct(p: Decimal, lang: Lang) -> String {
    let s = format!("{:+.2}", p);
    match lang {
        Lang::De => s.replace('.', ","),
        Lang::En => s,
    }
}

/// Overspending in one of the pair that the pair as a whole absorbs.
fn mark_covered(lines: &mut [Line], pairs: &[Line], s: &AuditSettings) {
    for line in lines.iter_mut() {
        if line.status == BudgetStatus::Ok
            || line.deviation <= Decimal::ZERO
            || !PAIR.contains(&line.category.as_str())
        {
            continue;
        }
        let Some(pair) = pairs.iter().find(|p| p.sozialraum == line.sozialraum) else {
            continue;
        };
        if pair.deviation_pct.is_some_and(|p| p <= s.ok_pct) {
            line.covered_by = PAIR
                .iter()
                .find(|p| **p != line.category)
                .map(|p| p.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn d(s: &str) -> Decimal {
        s.parse().expect("a decimal literal")
    }

    /// The thresholds of `[audit]` spelled out, so the tests do not lean on defaults.
    fn settings() -> AuditSettings {
        AuditSettings {
            ok_pct: d("5"),
            warning_pct: d("15"),
            outlier_factor: d("3"),
            jump_pct: d("50"),
        }
    }

    /// A line of `category` in Achim: 1,200 € budget (300 € pro rata for one quarter), `actual` spent.
    fn line(category: &str, actual: &str) -> Line {
        let plan = (d("1200"), pro_rata(d("1200"), 1));
        Line::new(
            Some("Achim".into()),
            category,
            plan,
            (d(actual), 1),
            1,
            &settings(),
        )
    }

    #[test]
    fn pro_rata_is_the_quarters_share_of_the_year_to_the_cent() {
        for (budget, quarters, expected) in [
            ("1000", 0, "0"),
            ("1000", 1, "250"),
            ("1000", 3, "750"),
            ("1000", 4, "1000"),
            // 0.10 × 3 / 4 = 0.075 rounds half away from zero.
            ("0.10", 3, "0.08"),
            ("1234.57", 1, "308.64"),
        ] {
            assert_eq!(
                pro_rata(d(budget), quarters),
                d(expected),
                "{budget} for {quarters} quarters"
            );
        }
    }

    #[test]
    fn the_projection_extrapolates_to_four_quarters_to_the_cent() {
        for (actual, quarters, expected) in [
            ("300", 1, "1200"),
            ("300", 3, "400"),
            ("300", 4, "300"),
            ("100", 3, "133.33"),
            ("200", 3, "266.67"),
            // No quarter reported: nothing to extrapolate.
            ("300", 0, "0"),
        ] {
            assert_eq!(
                projection(d(actual), quarters),
                d(expected),
                "{actual} in {quarters} quarters"
            );
        }
    }

    #[test]
    fn the_deviation_is_a_percentage_of_the_pro_rata_budget_with_two_places() {
        for (deviation, pro_rata, expected) in [
            ("50", "1000", Some("5")),
            ("-150", "1000", Some("-15")),
            ("1", "3", Some("33.33")),
            ("2", "3", Some("66.67")),
            // Half a hundredth rounds away from zero, on both sides.
            ("0.125", "100", Some("0.13")),
            ("-0.125", "100", Some("-0.13")),
            ("0", "1000", Some("0")),
            // No budget, no percentage.
            ("500", "0", None),
        ] {
            assert_eq!(
                deviation_pct(d(deviation), d(pro_rata)),
                expected.map(d),
                "{deviation} of {pro_rata}"
            );
        }
    }

    #[test]
    fn the_status_follows_the_thresholds_of_the_shown_percentage() {
        let s = settings();
        for (pct, actual, expected) in [
            (Some("0"), "100", BudgetStatus::Ok),
            // At the threshold is still inside it, on both sides.
            (Some("5.00"), "100", BudgetStatus::Ok),
            (Some("-5.00"), "100", BudgetStatus::Ok),
            (Some("5.01"), "100", BudgetStatus::Warning),
            (Some("-5.01"), "100", BudgetStatus::Warning),
            (Some("15"), "100", BudgetStatus::Warning),
            (Some("-15"), "100", BudgetStatus::Warning),
            (Some("15.01"), "100", BudgetStatus::Alert),
            (Some("-100"), "0", BudgetStatus::Alert),
            // Without a budget: nothing spent is fine, anything spent is an alert.
            (None, "0", BudgetStatus::Ok),
            (None, "0.01", BudgetStatus::Alert),
        ] {
            assert_eq!(
                status(pct.map(d), d(actual), &s),
                expected,
                "{pct:?} with {actual} spent"
            );
        }
    }

    #[test]
    fn a_line_that_is_not_ok_says_which_way_it_deviates() {
        for (actual, status, direction, label) in [
            ("300", BudgetStatus::Ok, None, "ok"),
            // +5 %: ok, so no direction even though more was spent.
            ("315", BudgetStatus::Ok, None, "ok"),
            (
                "-0",
                BudgetStatus::Alert,
                Some(Direction::Under),
                "Alarm: Unterschreitung",
            ),
            (
                "270",
                BudgetStatus::Warning,
                Some(Direction::Under),
                "Warnung: Unterschreitung",
            ),
            (
                "330",
                BudgetStatus::Warning,
                Some(Direction::Over),
                "Warnung: Überschreitung",
            ),
            (
                "400",
                BudgetStatus::Alert,
                Some(Direction::Over),
                "Alarm: Überschreitung",
            ),
        ] {
            let l = line("Fallarbeit", actual);
            assert_eq!(l.status, status, "{actual}");
            assert_eq!(l.direction(), direction, "{actual}");
            assert_eq!(l.status_label(Lang::De), label, "{actual}");
        }
        assert_eq!(
            line("Fallarbeit", "400").status_label(Lang::En),
            "alert: overspend"
        );
        assert_eq!(
            line("Fallarbeit", "270").status_label(Lang::En),
            "warning: underspend"
        );
    }

    #[test]
    fn a_line_keeps_its_figures_together() {
        let l = line("Fallarbeit", "330");
        assert_eq!(l.budget, d("1200"));
        assert_eq!(l.pro_rata, d("300"));
        assert_eq!(l.deviation, d("30"));
        assert_eq!(l.deviation_pct, Some(d("10")));
        assert_eq!(l.projection, d("1320"));
        assert_eq!(l.covered_by, None);
    }

    #[test]
    fn a_percentage_is_shown_with_its_sign_and_two_places() {
        assert_eq!(show_pct(d("4.87"), Lang::De), "+4,87");
        assert_eq!(show_pct(d("4.87"), Lang::En), "+4.87");
        assert_eq!(show_pct(d("-12.5"), Lang::De), "-12,50");
        assert_eq!(show_pct(d("0"), Lang::En), "+0.00");
    }

    /// Marks `lines` against a pair line with `pair_actual` spent of 600 € pro rata.
    fn covered(lines: &mut [Line], pair_actual: &str) {
        let pair = Line::new(
            Some("Achim".into()),
            PAIR_CATEGORY,
            (d("2400"), d("600")),
            (d(pair_actual), 2),
            1,
            &settings(),
        );
        mark_covered(lines, &[pair], &settings());
    }

    #[test]
    fn overspending_in_one_of_the_pair_is_covered_when_the_pair_is_ok() {
        // Fallarbeit 400 of 300 (alert, over), Milieuarbeit 200 of 300: the pair 600 of 600.
        let mut lines = [line("Fallarbeit", "400"), line("Milieuarbeit", "200")];
        covered(&mut lines, "600");
        assert_eq!(lines[0].covered_by.as_deref(), Some("Milieuarbeit"));
        // Underspending is never covered: it needs no cover.
        assert_eq!(lines[1].covered_by, None);

        let mut lines = [line("Milieuarbeit", "400")];
        covered(&mut lines, "600");
        assert_eq!(lines[0].covered_by.as_deref(), Some("Fallarbeit"));

        // The pair at exactly +5 % still covers; an underspent pair covers too.
        for pair_actual in ["630", "100"] {
            let mut lines = [line("Fallarbeit", "400")];
            covered(&mut lines, pair_actual);
            assert_eq!(
                lines[0].covered_by.as_deref(),
                Some("Milieuarbeit"),
                "{pair_actual}"
            );
        }
    }

    #[test]
    fn nothing_is_covered_when_the_pair_itself_deviates_or_the_line_is_no_part_of_it() {
        // The pair over +5 %.
        let mut lines = [line("Fallarbeit", "400")];
        covered(&mut lines, "631");
        assert_eq!(lines[0].covered_by, None);
        // A line that is ok needs no cover.
        let mut lines = [line("Fallarbeit", "315")];
        covered(&mut lines, "600");
        assert_eq!(lines[0].covered_by, None);
        // Strukturarbeit is not part of the pair.
        let mut lines = [line("Strukturarbeit", "400")];
        covered(&mut lines, "600");
        assert_eq!(lines[0].covered_by, None);
        // A pair of another Sozialraum does not cover.
        let mut lines = [line("Fallarbeit", "400")];
        lines[0].sozialraum = Some("Verden".into());
        covered(&mut lines, "600");
        assert_eq!(lines[0].covered_by, None);
        // Nor does a pair without budget.
        let mut lines = [line("Fallarbeit", "400")];
        let pair = Line::new(
            Some("Achim".into()),
            PAIR_CATEGORY,
            (d("0"), d("0")),
            (d("600"), 2),
            1,
            &settings(),
        );
        mark_covered(&mut lines, &[pair], &settings());
        assert_eq!(lines[0].covered_by, None);
    }
}
