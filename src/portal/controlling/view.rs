//! What the controlling page shows, prepared from an [`Audit`]: the
//! plan/actual table by category block, and the two charts.

use rust_decimal::Decimal;

use super::super::chart::{self, BarChart, Series};
use super::words::words;
use crate::audit::{Audit, BudgetStatus, Direction, Line, PAIR, PAIR_CATEGORY};
use crate::i18n::Lang;

/// One row of the plan/actual table.
pub struct LineRow {
    pub area: String,
    pub county: bool,
    pub budget: String,
    pub pro_rata: String,
    pub actual: String,
    pub deviation: String,
    pub deviation_pct: String,
    pub projection: String,
    /// `st-ok`, `st-alert-over`, …: the colour (CSS), never the only sign.
    pub status_class: &'static str,
    pub status: String,
    pub remark: String,
}

/// The rows of one category (or of the pair), Sozialräume then the county.
pub struct Block {
    pub title: String,
    pub rows: Vec<LineRow>,
}

pub fn category_title(category: &str, lang: Lang) -> String {
    if category == PAIR_CATEGORY {
        words(lang).pair_title.to_string()
    } else {
        category.to_string()
    }
}

fn short(category: &str, lang: Lang) -> String {
    if category == PAIR_CATEGORY {
        words(lang).pair_short.to_string()
    } else {
        category.to_string()
    }
}

pub fn status_class(s: BudgetStatus, d: Option<Direction>) -> &'static str {
    match (s, d) {
        (BudgetStatus::Ok, _) => "st-ok",
        (BudgetStatus::Warning, Some(Direction::Under)) => "st-warning-under",
        (BudgetStatus::Alert, Some(Direction::Under)) => "st-alert-under",
        (BudgetStatus::Warning, _) => "st-warning-over",
        (BudgetStatus::Alert, _) => "st-alert-over",
    }
}

/// A percentage as the reader writes it: `-90,40 %` / `-90.40 %`.
pub fn pct(p: Option<Decimal>, lang: Lang) -> String {
    match p {
        None => "–".to_string(),
        Some(p) => {
            let s = format!("{p:.2}");
            let s = match lang {
                Lang::De => s.replace('.', ","),
                Lang::En => s,
            };
            let s = s.replacen('-', "−", 1);
            if p > Decimal::ZERO {
                format!("+{s} %")
            } else {
                format!("{s} %")
            }
        }
    }
}

fn signed_money(d: Decimal, lang: Lang) -> String {
    let s = chart::money(d, lang).replacen('-', "−", 1);
    if d > Decimal::ZERO {
        format!("+{s}")
    } else {
        s
    }
}

fn row(l: &Line, lang: Lang) -> LineRow {
    let w = words(lang);
    let remark = match (&l.covered_by, l.deviation_pct) {
        (Some(p), _) => format!("{} {}", w.covered_by, category_title(p, lang)),
        (None, None) if !l.actual.is_zero() => w.no_budget.to_string(),
        _ => String::new(),
    };
    LineRow {
        area: l
            .sozialraum
            .clone()
            .unwrap_or_else(|| w.county_total.to_string()),
        county: l.sozialraum.is_none(),
        budget: chart::money(l.budget, lang),
        pro_rata: chart::money(l.pro_rata, lang),
        actual: chart::money(l.actual, lang),
        deviation: signed_money(l.deviation, lang),
        deviation_pct: pct(l.deviation_pct, lang),
        projection: chart::money(l.projection, lang),
        status_class: status_class(l.status, l.direction()),
        status: l.status_label(lang),
        remark,
    }
}

/// The table: one block per category in the audit's order, the pair last.
pub fn blocks(a: &Audit, lang: Lang) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for l in &a.lines {
        match out.last_mut() {
            Some(b) if b.title == category_title(&l.category, lang) => b.rows.push(row(l, lang)),
            _ => out.push(Block {
                title: category_title(&l.category, lang),
                rows: vec![row(l, lang)],
            }),
        }
    }
    out
}

/// Light (pro rata) and strong (actual) colour of a chart category: the
/// same in both charts (by the category's place in the configuration; the
/// pair has its own).
fn colours(a: &Audit, category: &str) -> (&'static str, &'static str) {
    const PAIRS: [(&str, &str); 5] = [
        ("#a9c8ec", "#1f5fa8"),
        ("#a8dcb8", "#217a45"),
        ("#f3c48e", "#b8620b"),
        ("#cfcfcf", "#4d4d4d"),
        ("#f2b8c6", "#a3244a"),
    ];
    if category == PAIR_CATEGORY {
        return ("#d7b8e8", "#6a3d9a");
    }
    let i = a
        .categories
        .iter()
        .position(|c| c == category)
        .unwrap_or(a.categories.len());
    PAIRS[i % PAIRS.len()]
}

/// The categories the budget chart shows: Fallarbeit and Milieuarbeit
/// together when both are configured (they may cover each other), then
/// every other category.
fn chart_categories(a: &Audit) -> Vec<String> {
    let has_pair = PAIR.iter().all(|p| a.categories.iter().any(|c| c == p));
    let mut out = Vec::new();
    if has_pair {
        out.push(PAIR_CATEGORY.to_string());
    }
    for c in &a.categories {
        if !(has_pair && PAIR.contains(&c.as_str())) {
            out.push(c.clone());
        }
    }
    out
}

/// The Sozialräume of the table, in its order (without the county).
fn areas(a: &Audit) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in &a.lines {
        if let Some(s) = &l.sozialraum {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
    }
    out
}

/// Budget pro rata against actual per Sozialraum, per chart category.
pub fn budget_chart(a: &Audit, lang: Lang) -> BarChart {
    let w = words(lang);
    let cats = chart_categories(a);
    let areas = areas(a);
    let mut series = Vec::new();
    for c in &cats {
        let (light, strong) = colours(a, c);
        series.push(Series {
            label: format!("{}: {}", short(c, lang), w.series_pro_rata),
            fill: light,
        });
        series.push(Series {
            label: format!("{}: {}", short(c, lang), w.series_actual),
            fill: strong,
        });
    }
    let mut values = Vec::new();
    let mut desc = Vec::new();
    for area in &areas {
        let mut row = Vec::new();
        let mut said = Vec::new();
        for c in &cats {
            let (p, act) = a
                .line(area, c)
                .map_or((Decimal::ZERO, Decimal::ZERO), |l| (l.pro_rata, l.actual));
            row.push(p);
            row.push(act);
            said.push(format!(
                "{} {} {}, {} {}",
                short(c, lang),
                w.series_pro_rata,
                chart::money(p, lang),
                w.series_actual,
                chart::money(act, lang)
            ));
        }
        values.push(row);
        desc.push(format!("{area}: {}", said.join("; ")));
    }
    BarChart {
        title: format!("{}, {}", w.chart_budget_title, a.period.label()),
        desc: desc.join(". "),
        group_axis: w.axis_area.to_string(),
        value_axis: w.axis_euro.to_string(),
        groups: areas,
        series,
        values,
        horizontal: true,
    }
}

/// The county's spending per quarter, one bar per category.
pub fn quarters_chart(a: &Audit, lang: Lang) -> BarChart {
    let w = words(lang);
    let series: Vec<Series> = a
        .categories
        .iter()
        .map(|c| Series {
            label: c.clone(),
            fill: colours(a, c).1,
        })
        .collect();
    let county = |c: &str| {
        a.series
            .iter()
            .find(|s| s.sozialraum.is_none() && s.category == c)
    };
    let mut values = Vec::new();
    let mut desc = Vec::new();
    let groups: Vec<String> = a
        .period
        .quarters
        .iter()
        .map(|q| format!("Q{q} {}", a.period.year))
        .collect();
    for (qi, g) in groups.iter().enumerate() {
        let row: Vec<Decimal> = a
            .categories
            .iter()
            .map(|c| {
                county(c)
                    .and_then(|s| s.by_quarter.get(qi))
                    .copied()
                    .unwrap_or_default()
            })
            .collect();
        let said: Vec<String> = a
            .categories
            .iter()
            .zip(&row)
            .map(|(c, v)| format!("{c} {}", chart::money(*v, lang)))
            .collect();
        desc.push(format!("{g}: {}", said.join(", ")));
        values.push(row);
    }
    BarChart {
        title: format!("{}, {}", w.chart_quarters_title, a.period.label()),
        desc: desc.join(". "),
        group_axis: w.axis_quarter.to_string(),
        value_axis: w.axis_euro.to_string(),
        groups,
        series,
        values,
        horizontal: false,
    }
}

/// A threshold of `[audit]` as the reader writes it: `5`, `7,5`.
pub fn pct_plain(p: Decimal, lang: Lang) -> String {
    let s = p.normalize().to_string();
    match lang {
        Lang::De => s.replace('.', ","),
        Lang::En => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_carry_their_sign_and_the_readers_comma() {
        assert_eq!(pct(Some(Decimal::new(-9040, 2)), Lang::De), "−90,40 %");
        assert_eq!(pct(Some(Decimal::new(1250, 2)), Lang::En), "+12.50 %");
        assert_eq!(pct(None, Lang::De), "–");
        assert_eq!(
            signed_money(Decimal::new(-162_715_036, 2), Lang::De),
            "−1.627.150,36 €"
        );
    }

    #[test]
    fn every_status_has_its_own_class() {
        let classes: std::collections::BTreeSet<&str> = crate::audit::workbook::STATUSES
            .iter()
            .map(|(s, d)| status_class(*s, *d))
            .collect();
        assert_eq!(classes.len(), 5);
    }
}
