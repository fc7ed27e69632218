//! `sozialraum audit`: every figure of a small example computed by hand, the
//! budget plan's findings at their cells, the JSON contract of `rules.md`,
//! and the controlling workbook (charts over the right ranges, equal bytes
//! for equal inputs).

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use rust_decimal::Decimal;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use common::{sozialraum, zip_part, Cell, Submission};
use sozialraum::audit::budget::{self, BudgetError, BudgetPlan};
use sozialraum::audit::{self, BudgetStatus, Entry, Ledger, Origin, Period, Scope, PAIR_CATEGORY};
use sozialraum::config::Config;
use sozialraum::finding::{Finding, Severity};
use sozialraum::i18n::Lang;

fn d(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

fn cfg() -> Config {
    sozialraum::registry::verden().expect("embedded configuration")
}

// ------------------------------------------------------------------ fixtures

/// A workbook with one sheet; rows are (0-based row, cells from column A).
fn workbook(sheet: &str, rows: &[(u32, Vec<Cell>)]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).expect("sheet name");
    for (r, cells) in rows {
        for (c, v) in cells.iter().enumerate() {
            let c = c as u16;
            match v {
                Cell::Text(t) => ws.write_string(*r, c, t).map(|_| ()),
                Cell::Number(x) => ws.write_number(*r, c, *x).map(|_| ()),
                _ => Ok(()),
            }
            .expect("write cell");
        }
    }
    wb.save_to_buffer().expect("save")
}

fn t(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn n(x: f64) -> Cell {
    Cell::Number(x)
}

/// A plan line for 2026: Sozialraum, Kategorie, Budget.
fn line(area: &str, category: &str, budget: f64) -> Vec<Cell> {
    vec![n(2026.0), t(area), t(category), n(budget)]
}

const HEADER: [&str; 4] = ["Jahr", "Sozialraum", "Kategorie", "Budget"];

/// A complete plan: the given lines, every other Sozialraum and category at 0 €.
fn plan_rows(lines: &[(&str, &str, f64)]) -> Vec<(u32, Vec<Cell>)> {
    let mut rows = vec![(0, HEADER.iter().map(|h| t(h)).collect())];
    let areas = [
        "Achim",
        "Verden",
        "Oyten/Ottersberg",
        "Langwedel",
        "Dörverden/Kirchlinteln",
        "Thedinghausen",
    ];
    let mut all: Vec<(String, String, f64)> = Vec::new();
    for a in areas {
        for c in ["Fallarbeit", "Milieuarbeit", "Strukturarbeit"] {
            let b = lines
                .iter()
                .find(|l| l.0 == a && l.1 == c)
                .map(|l| l.2)
                .unwrap_or(0.0);
            all.push((a.into(), c.into(), b));
        }
    }
    let kw = lines
        .iter()
        .find(|l| l.0 == "kreisweit")
        .map(|l| l.2)
        .unwrap_or(0.0);
    all.push(("kreisweit".into(), "Strukturarbeit".into(), kw));
    for (i, (a, c, b)) in all.iter().enumerate() {
        rows.push((1 + i as u32, line(a, c, *b)));
    }
    rows
}

fn read_plan(rows: &[(u32, Vec<Cell>)]) -> BudgetPlan {
    budget::read_bytes(
        &workbook("Budgetplan", rows),
        "Budgetplan.xlsx",
        &cfg(),
        Lang::De,
    )
    .expect("plan readable")
}

fn contracted(provider: &str) -> Decimal {
    cfg().provider(provider).expect("provider").rate
}

/// A Fallarbeit row; hours are cost / 100, the rate the contracted one.
fn case(
    provider: &str,
    q: u8,
    area: Option<&str>,
    id: &str,
    help: Option<&str>,
    cost: &str,
    row: u32,
) -> Entry {
    let cost = d(cost);
    let path = format!("{provider}_2026-Q{q}.xlsx");
    Entry {
        provider: provider.into(),
        year: 2026,
        quarter: q,
        category: "Fallarbeit".into(),
        sozialraum: area.map(str::to_string),
        cost: Some(cost),
        hours: Some(cost / Decimal::from(100)),
        case_id: Some(id.into()),
        help_type: help.map(str::to_string),
        rate: Some(contracted(provider)),
        origin: Origin {
            path: path.clone(),
            sheet: "Fallarbeit".into(),
            cost_cell: Some(format!("H{row}")),
            rate_cell: Some(format!("G{row}")),
            source: format!("{path}, Fallarbeit!H{row}"),
        },
    }
}

/// A Milieuarbeit or Strukturarbeit row.
fn spend(provider: &str, q: u8, category: &str, area: &str, cost: &str) -> Entry {
    Entry {
        provider: provider.into(),
        year: 2026,
        quarter: q,
        category: category.into(),
        sozialraum: Some(area.into()),
        cost: Some(d(cost)),
        hours: Some(Decimal::ONE),
        ..Entry::default()
    }
}

/// The hand-computed example (2026, Q1–Q2, so the pro-rata budget is half
/// the annual one):
///
/// | | budget | pro rata | Q1 | Q2 | actual | deviation | % | status |
/// |---|---|---|---|---|---|---|---|---|
/// | Achim Fall | 120 000 | 60 000 | 27 000 | 37 000 | 64 000 | +4 000 | +6.67 | warning, covered |
/// | Achim Milieu | 20 000 | 10 000 | 2 400 | 3 600 | 6 000 | −4 000 | −40.00 | alert (under) |
/// | Achim Fall+Milieu | 140 000 | 70 000 | | | 70 000 | 0 | 0.00 | ok |
/// | Achim Struktur | 20 000 | 10 000 | 5 000 | 5 500 | 10 500 | +500 | +5.00 | ok (edge) |
/// | Verden Fall | 120 000 | 60 000 | 26 000 | 50 000 | 76 000 | +16 000 | +26.67 | alert (over) |
/// | Verden Milieu | 20 000 | 10 000 | 5 000 | 5 000 | 10 000 | 0 | 0.00 | ok |
/// | Verden Fall+Milieu | 140 000 | 70 000 | | | 86 000 | +16 000 | +22.86 | alert |
/// | Verden Struktur | 20 000 | 10 000 | 4 000 | 7 500 | 11 500 | +1 500 | +15.00 | warning (edge) |
/// | kreisweit Struktur | 0 | 0 | 500 | 500 | 1 000 | | – | alert, no budget |
/// | no Sozialraum, Fall | – | – | 1 234.56 | | 1 234.56 | | | county only |
///
/// Cases (§ 31: A1, A2 in Achim; V1, V2 in Verden; § 30: A3, V3):
/// § 31 costs 10 000, 10 000, 12 000, 12 000, 10 000, 10 000, 11 000, 40 000 → median
/// 10 500, threshold 31 500 → V2 in Q2 (40 000) is an outlier. § 30 costs 5 000,
/// 15 000, 5 000 → median 5 000, threshold 15 000 → A3 in Q2 (15 000) is not.
fn example() -> (Ledger, BudgetPlan) {
    let mut entries = vec![
        case(
            "T01",
            1,
            Some("Achim"),
            "JA-2026-00001",
            Some("§ 31"),
            "10000",
            2,
        ),
        case(
            "T01",
            1,
            Some("Achim"),
            "JA-2026-00002",
            Some("§ 31"),
            "12000",
            3,
        ),
        case(
            "T01",
            1,
            Some("Achim"),
            "JA-2026-00003",
            Some("§ 30"),
            "5000",
            4,
        ),
        case(
            "T01",
            2,
            Some("Achim"),
            "JA-2026-00001",
            Some("§ 31"),
            "10000",
            2,
        ),
        case(
            "T01",
            2,
            Some("Achim"),
            "JA-2026-00002",
            Some("§ 31"),
            "12000",
            3,
        ),
        case(
            "T01",
            2,
            Some("Achim"),
            "JA-2026-00003",
            Some("§ 30"),
            "15000",
            4,
        ),
        case(
            "T02",
            1,
            Some("Verden"),
            "JA-2026-00101",
            Some("§ 31"),
            "10000",
            2,
        ),
        case(
            "T02",
            1,
            Some("Verden"),
            "JA-2026-00102",
            Some("§ 31"),
            "11000",
            3,
        ),
        case(
            "T02",
            1,
            Some("Verden"),
            "JA-2026-00103",
            Some("§ 30"),
            "5000",
            4,
        ),
        case(
            "T02",
            2,
            Some("Verden"),
            "JA-2026-00101",
            Some("§ 31"),
            "10000",
            2,
        ),
        case(
            "T02",
            2,
            Some("Verden"),
            "JA-2026-00102",
            Some("§ 31"),
            "40000",
            3,
        ),
        case("T01", 1, None, "JA-2026-00009", None, "1234.56", 5),
        spend("T01", 1, "Milieuarbeit", "Achim", "2400"),
        spend("T01", 2, "Milieuarbeit", "Achim", "3600"),
        spend("T02", 1, "Milieuarbeit", "Verden", "5000"),
        spend("T02", 2, "Milieuarbeit", "Verden", "5000"),
        spend("T01", 1, "Strukturarbeit", "Achim", "5000"),
        spend("T01", 2, "Strukturarbeit", "Achim", "5500"),
        spend("T02", 1, "Strukturarbeit", "Verden", "4000"),
        spend("T02", 2, "Strukturarbeit", "Verden", "7500"),
        spend("T01", 1, "Strukturarbeit", "kreisweit", "500"),
        spend("T01", 2, "Strukturarbeit", "kreisweit", "500"),
    ];
    // One case billed at 65.00 € instead of T01's contracted 62.40 €, 100 hours.
    if let Some(e) = entries.first_mut() {
        e.rate = Some(d("65.00"));
    }
    let ledger = Ledger {
        entries,
        period: vec![(2026, 1), (2026, 2)],
        findings: Vec::new(),
        sources: Vec::new(),
    };
    let plan = read_plan(&plan_rows(&[
        ("Achim", "Fallarbeit", 120_000.0),
        ("Achim", "Milieuarbeit", 20_000.0),
        ("Achim", "Strukturarbeit", 20_000.0),
        ("Verden", "Fallarbeit", 120_000.0),
        ("Verden", "Milieuarbeit", 20_000.0),
        ("Verden", "Strukturarbeit", 20_000.0),
    ]));
    (ledger, plan)
}

fn run_example() -> audit::Audit {
    let (ledger, mut plan) = example();
    let cfg = cfg();
    plan.require_year(2026, &cfg).expect("plan for 2026");
    let period = Period {
        year: 2026,
        quarters: vec![1, 2],
    };
    audit::audit(&ledger, &plan, &cfg, &period)
}

fn findings<'a>(a: &'a audit::Audit, code: &str) -> Vec<&'a Finding> {
    a.findings.iter().filter(|f| f.code == code).collect()
}

// ------------------------------------------------------------------ the figures

#[test]
fn the_rules_md_example_row() {
    // budget 2 400 000, three quarters reported, actual 1 712 345.60
    let pro_rata = audit::pro_rata(d("2400000"), 3);
    assert_eq!(pro_rata, d("1800000.00"));
    let deviation = d("1712345.60") - pro_rata;
    assert_eq!(deviation, d("-87654.40"));
    assert_eq!(audit::deviation_pct(deviation, pro_rata), Some(d("-4.87")));
    assert_eq!(audit::projection(d("1712345.60"), 3), d("2283127.47"));
    let s = cfg().audit;
    assert_eq!(
        audit::status(Some(d("-4.87")), d("1712345.60"), &s),
        BudgetStatus::Ok
    );
}

#[test]
fn pro_rata_and_projection_round_to_the_cent() {
    assert_eq!(audit::pro_rata(d("100000.01"), 3), d("75000.01")); // 75 000.0075
    assert_eq!(audit::pro_rata(d("90000"), 1), d("22500"));
    assert_eq!(audit::pro_rata(d("90000"), 4), d("90000"));
    assert_eq!(audit::projection(d("100"), 3), d("133.33"));
    assert_eq!(audit::projection(d("200"), 3), d("266.67"));
    assert_eq!(audit::projection(d("5"), 0), Decimal::ZERO);
    assert_eq!(audit::deviation_pct(d("5"), Decimal::ZERO), None);
    // 0.125 % rounds half away from zero, not to even
    assert_eq!(audit::deviation_pct(d("0.125"), d("100")), Some(d("0.13")));
    assert_eq!(
        audit::deviation_pct(d("-0.125"), d("100")),
        Some(d("-0.13"))
    );
}

#[test]
fn status_at_the_threshold_edges() {
    let s = cfg().audit; // ok ≤ 5 %, warning ≤ 15 %
    let one = Decimal::ONE;
    let cases = [
        ("0", BudgetStatus::Ok),
        ("5.00", BudgetStatus::Ok),
        ("-5.00", BudgetStatus::Ok),
        ("5.01", BudgetStatus::Warning),
        ("-5.01", BudgetStatus::Warning),
        ("15.00", BudgetStatus::Warning),
        ("-15.00", BudgetStatus::Warning),
        ("15.01", BudgetStatus::Alert),
        ("-15.01", BudgetStatus::Alert),
        ("-100", BudgetStatus::Alert),
    ];
    for (pct, want) in cases {
        assert_eq!(audit::status(Some(d(pct)), one, &s), want, "{pct} %");
    }
    // No budget: nothing spent is fine, anything spent is an alert.
    assert_eq!(audit::status(None, Decimal::ZERO, &s), BudgetStatus::Ok);
    assert_eq!(audit::status(None, one, &s), BudgetStatus::Alert);
    // The shown (rounded) percentage decides: 5.004 % is shown as 5.00 % and is ok.
    let pct = audit::deviation_pct(d("5.004"), d("100"));
    assert_eq!(pct, Some(d("5.00")));
    assert_eq!(audit::status(pct, one, &s), BudgetStatus::Ok);
}

/// (Sozialraum, category) → budget, pro rata, actual, deviation, pct, projection, status.
type ExpectedLine = (
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    BudgetStatus,
);

#[test]
fn every_line_of_the_example() {
    let a = run_example();
    let rows: [ExpectedLine; 13] = [
        (
            Some("Achim"),
            "Fallarbeit",
            "120000",
            "60000",
            "64000",
            "4000",
            Some("6.67"),
            "128000",
            BudgetStatus::Warning,
        ),
        (
            Some("Achim"),
            "Milieuarbeit",
            "20000",
            "10000",
            "6000",
            "-4000",
            Some("-40.00"),
            "12000",
            BudgetStatus::Alert,
        ),
        (
            Some("Achim"),
            "Strukturarbeit",
            "20000",
            "10000",
            "10500",
            "500",
            Some("5.00"),
            "21000",
            BudgetStatus::Ok,
        ),
        (
            Some("Achim"),
            PAIR_CATEGORY,
            "140000",
            "70000",
            "70000",
            "0",
            Some("0.00"),
            "140000",
            BudgetStatus::Ok,
        ),
        (
            Some("Verden"),
            "Fallarbeit",
            "120000",
            "60000",
            "76000",
            "16000",
            Some("26.67"),
            "152000",
            BudgetStatus::Alert,
        ),
        (
            Some("Verden"),
            "Milieuarbeit",
            "20000",
            "10000",
            "10000",
            "0",
            Some("0.00"),
            "20000",
            BudgetStatus::Ok,
        ),
        (
            Some("Verden"),
            "Strukturarbeit",
            "20000",
            "10000",
            "11500",
            "1500",
            Some("15.00"),
            "23000",
            BudgetStatus::Warning,
        ),
        (
            Some("Verden"),
            PAIR_CATEGORY,
            "140000",
            "70000",
            "86000",
            "16000",
            Some("22.86"),
            "172000",
            BudgetStatus::Alert,
        ),
        (
            Some("kreisweit"),
            "Strukturarbeit",
            "0",
            "0",
            "1000",
            "1000",
            None,
            "2000",
            BudgetStatus::Alert,
        ),
        (
            Some("Langwedel"),
            "Fallarbeit",
            "0",
            "0",
            "0",
            "0",
            None,
            "0",
            BudgetStatus::Ok,
        ),
        // County: every line plus the 1 234.56 € without a valid Sozialraum.
        (
            None,
            "Fallarbeit",
            "240000",
            "120000",
            "141234.56",
            "21234.56",
            Some("17.70"),
            "282469.12",
            BudgetStatus::Alert,
        ),
        (
            None,
            "Strukturarbeit",
            "40000",
            "20000",
            "23000",
            "3000",
            Some("15.00"),
            "46000",
            BudgetStatus::Warning,
        ),
        (
            None,
            PAIR_CATEGORY,
            "280000",
            "140000",
            "157234.56",
            "17234.56",
            Some("12.31"),
            "314469.12",
            BudgetStatus::Warning,
        ),
    ];
    for (area, cat, budget, pro_rata, actual, deviation, pct, projection, status) in rows {
        let l = match area {
            Some(s) => a.line(s, cat),
            None => a.county(cat),
        }
        .unwrap_or_else(|| panic!("no line {area:?} {cat}"));
        let what = format!("{area:?} {cat}");
        assert_eq!(l.budget, d(budget), "budget {what}");
        assert_eq!(l.pro_rata, d(pro_rata), "pro rata {what}");
        assert_eq!(l.actual, d(actual), "actual {what}");
        assert_eq!(l.deviation, d(deviation), "deviation {what}");
        assert_eq!(l.deviation_pct, pct.map(d), "pct {what}");
        assert_eq!(l.projection, d(projection), "projection {what}");
        assert_eq!(l.status, status, "status {what}");
    }
    // kreisweit has a Strukturarbeit line only; Fall+Milieu pairs only for Sozialräume with those lines.
    assert!(a.line("kreisweit", "Fallarbeit").is_none());
    assert!(a.line("kreisweit", PAIR_CATEGORY).is_none());
    // Lines grouped by category (each closed by its county line), the pair last.
    let order: Vec<(Option<&str>, &str)> = a
        .lines
        .iter()
        .map(|l| (l.sozialraum.as_deref(), l.category.as_str()))
        .collect();
    assert_eq!(order.first(), Some(&(Some("Achim"), "Fallarbeit")));
    assert_eq!(order.get(6), Some(&(None, "Fallarbeit")));
    assert_eq!(order.last(), Some(&(None, PAIR_CATEGORY)));
    assert_eq!(a.lines.len(), 7 + 7 + 8 + 7);
}

#[test]
fn an_overspend_the_pair_covers_is_an_info_not_a_warning() {
    let a = run_example();
    let achim = a.line("Achim", "Fallarbeit").expect("line");
    assert_eq!(achim.covered_by.as_deref(), Some("Milieuarbeit"));
    let covered = findings(&a, "DEVIATION-COVERED");
    assert_eq!(covered.len(), 1, "{covered:#?}");
    let f = covered.first().expect("covered");
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(sozialraum::registry::message(f, sozialraum::i18n::Lang::De), "Achim, Fallarbeit: Mehrausgabe 4.000,00 € (+6,67 %), gedeckt durch Milieuarbeit; Fallarbeit+Milieuarbeit zusammen +0,00 %.");
    assert_eq!(
        (f.sheet.as_deref(), f.a1().as_deref()),
        (Some("Budgetplan"), Some("D2"))
    );
    assert_eq!(f.path.as_deref(), Some("Budgetplan.xlsx"));
    // No warning for Achim's Fallarbeit …
    let budget = findings(&a, "DEVIATION-BUDGET");
    assert!(!budget.iter().any(
        |f| sozialraum::registry::message(f, sozialraum::i18n::Lang::De)
            .starts_with("Achim, Fallarbeit")
    ));
    // … but Verden's pair is overspent itself: Fallarbeit is an error (alert, overspent), not covered.
    assert_eq!(
        a.line("Verden", "Fallarbeit")
            .and_then(|l| l.covered_by.clone()),
        None
    );
    let verden: Vec<&&Finding> = budget
        .iter()
        .filter(|f| {
            sozialraum::registry::message(f, sozialraum::i18n::Lang::De)
                .starts_with("Verden, Fallarbeit:")
        })
        .collect();
    assert_eq!(verden.len(), 1);
    assert_eq!(verden.first().map(|f| f.severity), Some(Severity::Error));
    assert_eq!(
        verden.first().and_then(|f| f.value.as_deref()),
        Some("26.67")
    );
    assert_eq!(
        verden.first().map(|f| sozialraum::registry::message(f, sozialraum::i18n::Lang::De)).as_deref(),
        Some("Verden, Fallarbeit: Ist 76.000,00 € gegenüber anteiligem Budget 60.000,00 € (2026, Q1–Q2), Abweichung 16.000,00 € (+26,67 %); Hochrechnung 152.000,00 € bei 120.000,00 € Jahresbudget.")
    );
}

#[test]
fn budget_findings_follow_the_status() {
    let a = run_example();
    let budget = findings(&a, "DEVIATION-BUDGET");
    let severity_of = |prefix: &str| {
        budget
            .iter()
            .find(|f| {
                sozialraum::registry::message(f, sozialraum::i18n::Lang::De).starts_with(prefix)
            })
            .map(|f| f.severity)
    };
    // An underspending alert is a warning, an overspending alert an error.
    assert_eq!(severity_of("Achim, Milieuarbeit:"), Some(Severity::Warning));
    assert_eq!(
        severity_of("Verden, Fallarbeit+Milieuarbeit:"),
        Some(Severity::Error)
    );
    assert_eq!(
        severity_of("Verden, Strukturarbeit:"),
        Some(Severity::Warning)
    );
    assert_eq!(
        severity_of("Landkreis gesamt, Fallarbeit:"),
        Some(Severity::Error)
    );
    // Lines within ok_pct have no finding; ok lines never do.
    assert_eq!(severity_of("Achim, Strukturarbeit:"), None);
    assert_eq!(severity_of("Verden, Milieuarbeit:"), None);
    assert_eq!(budget.len(), 8, "{budget:#?}");
    // Spending without a budget.
    let none = findings(&a, "DEVIATION-NO-BUDGET");
    assert_eq!(none.len(), 1);
    assert_eq!(
        none.first()
            .map(|f| sozialraum::registry::message(f, sozialraum::i18n::Lang::De))
            .as_deref(),
        Some("kreisweit, Strukturarbeit: Ausgaben von 1.000,00 €, aber kein Budget im Plan.")
    );
    assert_eq!(none.first().and_then(|f| f.a1()).as_deref(), Some("D20"));
    // Rows without a Sozialraum.
    let un = findings(&a, "DEVIATION-UNASSIGNED");
    assert_eq!(un.len(), 1);
    assert_eq!(un.first().and_then(|f| f.value.as_deref()), Some("1234.56"));
    assert!(a.has_errors());
}

#[test]
fn an_outlier_is_found_at_its_cost_cell() {
    let a = run_example();
    let out = findings(&a, "DEVIATION-OUTLIER");
    assert_eq!(out.len(), 1, "{out:#?}");
    let f = out.first().expect("outlier");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.rule.as_str(), "deviation");
    assert_eq!(f.path.as_deref(), Some("T02_2026-Q2.xlsx"));
    assert_eq!(
        (f.sheet.as_deref(), f.a1().as_deref(), f.column.as_deref()),
        (Some("Fallarbeit"), Some("H3"), Some("Kosten"))
    );
    assert_eq!(f.value.as_deref(), Some("40000.00"));
    assert_eq!(
        sozialraum::registry::message(f, sozialraum::i18n::Lang::De),
        "Fall JA-2026-00102 (T02, 2026-Q2, § 31): Kosten 40.000,00 € liegen über dem 3-Fachen des Medians je Fall und Quartal dieser Hilfeart (10.500,00 €)."
    );
    let stats: Vec<(&str, &str, &str, usize)> =
        vec![("§ 30", "5000", "15000", 0), ("§ 31", "10500", "31500", 1)];
    for (help, median, threshold, outliers) in stats {
        let h = a
            .help_stats
            .iter()
            .find(|h| h.help_type == help)
            .expect("help stats");
        assert_eq!(
            (h.median, h.threshold, h.outliers),
            (d(median), d(threshold), outliers),
            "{help}"
        );
    }
}

#[test]
fn a_rate_other_than_the_contracted_one() {
    let a = run_example();
    let rate = findings(&a, "DEVIATION-RATE");
    assert_eq!(rate.len(), 1, "{rate:#?}");
    let f = rate.first().expect("rate");
    assert_eq!(f.path.as_deref(), Some("T01_2026-Q1.xlsx"));
    assert_eq!(
        (f.sheet.as_deref(), f.a1().as_deref(), f.column.as_deref()),
        (Some("Fallarbeit"), Some("G2"), Some("Stundensatz"))
    );
    assert_eq!(f.value.as_deref(), Some("65.00"));
    assert_eq!(
        sozialraum::registry::message(f, sozialraum::i18n::Lang::De),
        "Stundensatz 65,00 € statt des vereinbarten Satzes 62,40 € (Träger T01, 2026-Q1); Differenz 260,00 € bei 100 Fachleistungsstunden."
    );
}

#[test]
fn quarter_over_quarter_jumps_above_the_threshold() {
    let a = run_example();
    let jumps: Vec<String> = findings(&a, "DEVIATION-JUMP")
        .iter()
        .map(|f| sozialraum::registry::message(f, sozialraum::i18n::Lang::De))
        .collect();
    assert_eq!(
        jumps,
        vec![
            "Verden, Fallarbeit: Ausgaben 2026-Q2 50.000,00 € gegenüber 2026-Q1 26.000,00 € (+92,31 %).",
            "Verden, Strukturarbeit: Ausgaben 2026-Q2 7.500,00 € gegenüber 2026-Q1 4.000,00 € (+87,50 %).",
        ]
    );
    // Achim's Milieuarbeit grows by exactly 50 %: at the threshold, not above it.
    let series = a
        .series
        .iter()
        .find(|s| s.sozialraum.as_deref() == Some("Achim") && s.category == "Milieuarbeit")
        .expect("series");
    assert_eq!(series.by_quarter, vec![d("2400"), d("3600")]);
    assert_eq!(series.change_pct, vec![None, Some(d("50.00"))]);
}

#[test]
fn cases_hours_and_cost_per_case() {
    let a = run_example();
    let fig = |scope: Scope, help: &str| {
        a.figures
            .iter()
            .find(|f| f.scope == scope && f.help_type.as_deref() == Some(help))
            .map(|f| {
                (
                    f.cases,
                    f.rows,
                    f.hours,
                    f.cost,
                    f.cost_per_case,
                    f.hours_per_case,
                )
            })
            .unwrap_or_else(|| panic!("no figure {help}"))
    };
    let achim = Scope::Sozialraum("Achim".into());
    assert_eq!(
        fig(achim.clone(), "§ 31"),
        (2, 4, d("440"), d("44000"), d("22000"), d("220"))
    );
    assert_eq!(
        fig(achim, "§ 30"),
        (1, 2, d("200"), d("20000"), d("20000"), d("200"))
    );
    assert_eq!(
        fig(Scope::Sozialraum("Verden".into()), "§ 31"),
        (2, 4, d("710"), d("71000"), d("35500"), d("355"))
    );
    assert_eq!(
        fig(Scope::County, "§ 31"),
        (4, 8, d("1150"), d("115000"), d("28750"), d("287.5"))
    );
    assert_eq!(
        fig(Scope::County, "§ 30"),
        (2, 3, d("250"), d("25000"), d("12500"), d("125"))
    );
    assert!(a
        .figures
        .iter()
        .any(|f| f.scope == Scope::Unassigned && f.help_type.is_none()));
}

#[test]
fn the_json_document_follows_rules_md() {
    let a = run_example();
    let doc: Value =
        serde_json::from_str(&sozialraum::render::audit::json(&a, &[], Lang::De)).expect("json");
    // serde_json's map sorts the keys; the document itself keeps the contract's order.
    let mut keys: Vec<&str> = doc
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec!["findings", "inputs", "quarters", "rows", "skipped", "year"]
    );
    let text = sozialraum::render::audit::json(&a, &[], Lang::De);
    let at = |k: &str| text.find(&format!("\"{k}\":")).expect("key");
    assert!(
        at("year") < at("quarters")
            && at("quarters") < at("inputs")
            && at("inputs") < at("rows")
            && at("rows") < at("findings")
    );
    assert_eq!(
        doc["inputs"],
        serde_json::json!({"files": 0, "with_errors": 0, "with_warnings": 0, "errors": 0, "warnings": 0})
    );
    assert_eq!(doc["year"], 2026);
    assert_eq!(doc["quarters"], serde_json::json!([1, 2]));
    let rows = doc["rows"].as_array().expect("rows");
    let first = rows.first().expect("row");
    assert_eq!(
        first,
        &serde_json::json!({
            "sozialraum": "Achim", "category": "Fallarbeit",
            "budget": "120000.00", "budget_pro_rata": "60000.00",
            "actual": "64000.00", "deviation": "4000.00", "deviation_pct": "6.67",
            "projection": "128000.00", "status": "warning", "direction": "over"
        })
    );
    let kreisweit = rows
        .iter()
        .find(|r| r["sozialraum"] == "kreisweit")
        .expect("kreisweit");
    assert_eq!(kreisweit["deviation_pct"], Value::Null);
    assert_eq!(kreisweit["status"], "alert");
    assert_eq!(
        kreisweit["direction"], "over",
        "spending without a budget is overspending"
    );
    // The direction tells over from under; an ok line has none.
    for r in rows {
        let deviation = d(r["deviation"].as_str().expect("deviation"));
        let expected = match (r["status"].as_str(), deviation.is_sign_positive()) {
            (Some("ok"), _) => Value::Null,
            (_, true) => "over".into(),
            (_, false) => "under".into(),
        };
        assert_eq!(r["direction"], expected, "{r}");
    }
    assert!(rows.iter().any(|r| r["direction"] == "under"), "{rows:?}");
    let county = rows
        .iter()
        .find(|r| r["sozialraum"].is_null() && r["category"] == "Fallarbeit")
        .expect("county");
    assert_eq!(county["actual"], "141234.56");
    assert_eq!(county["projection"], "282469.12");
    assert!(rows
        .iter()
        .any(|r| r["category"] == "Fallarbeit+Milieuarbeit" && r["sozialraum"].is_null()));
    for r in rows {
        for k in [
            "budget",
            "budget_pro_rata",
            "actual",
            "deviation",
            "projection",
        ] {
            let s = r[k].as_str().expect("money is a string");
            assert!(
                s.split_once('.').is_some_and(|(_, c)| c.len() == 2),
                "{k} = {s}"
            );
        }
    }
    let f = doc["findings"].as_array().expect("findings");
    assert!(f.iter().all(|f| f["rule"] == "deviation"
        || f["rule"] == "consistency"
        || f["code"].as_str().is_some_and(|c| c.starts_with("BUDGET"))));
}

// ------------------------------------------------------------------ the budget plan

#[test]
fn budget_plan_problems_are_found_at_their_cells() {
    let cfg = cfg();
    // Title rows above the header (header in row 3), then lines with one problem each.
    let mut rows = vec![
        (0, vec![t("Budgetplan 2026 – Landkreis Verden")]),
        (2, HEADER.iter().map(|h| t(h)).collect()),
    ];
    let body: Vec<Vec<Cell>> = vec![
        line("Achim", "Fallarbeit", 2_400_000.0), // row 4
        line("Achm", "Milieuarbeit", 300_000.0),  // row 5: unknown Sozialraum
        line("Achim", "Fallarbiet", 1.0),         // row 6: unknown category
        line("Achim", "Fallarbeit", 1.0),         // row 7: duplicate of row 4
        line("Verden", "Fallarbeit", -5.0),       // row 8: negative
        vec![n(2026.0), t("Verden"), t("Milieuarbeit"), t("viel")], // row 9: not a number
        line("kreisweit", "Fallarbeit", 10.0),    // row 10: county-wide only in Strukturarbeit
        line("Kirchlinteln", "Fallarbeit", 1_100_000.0), // row 11: a municipality, read as its Sozialraum
        vec![t("Summe"), Cell::Blank, Cell::Blank, n(3_800_000.0)], // row 12: a totals row is no line
        vec![t("zwanzig"), t("Verden"), t("Strukturarbeit"), n(1.0)], // row 13: year not a number
        line("Achim", "Strukturarbeit", 120_000.0),                 // row 14
    ];
    for (i, cells) in body.into_iter().enumerate() {
        rows.push((3 + i as u32, cells));
    }
    let mut plan = budget::read_bytes(&workbook("Budgetplan", &rows), "plan.xlsx", &cfg, Lang::De)
        .expect("readable");
    let at = |plan: &BudgetPlan, code: &str| -> Vec<Option<String>> {
        plan.findings
            .iter()
            .filter(|f| f.code == code)
            .map(|f| f.a1())
            .collect()
    };
    let some = |c: &str| vec![Some(c.to_string())];
    assert_eq!(at(&plan, "BUDGET-SOZIALRAUM"), some("B5"));
    assert_eq!(at(&plan, "BUDGET-CATEGORY"), some("C6"));
    assert_eq!(at(&plan, "BUDGET-DUPLICATE"), some("B7"));
    assert_eq!(at(&plan, "BUDGET-NEGATIVE"), some("D8"));
    assert_eq!(
        at(&plan, "BUDGET-NOT-NUMBER"),
        vec![Some("D9".to_string()), Some("A13".to_string())]
    );
    assert_eq!(at(&plan, "BUDGET-COUNTY-WIDE"), some("C10"));
    assert_eq!(at(&plan, "ENUM-MUNICIPALITY"), some("B11"));
    let dup = plan
        .findings
        .iter()
        .find(|f| f.code == "BUDGET-DUPLICATE")
        .expect("duplicate");
    assert_eq!(sozialraum::registry::message(dup, sozialraum::i18n::Lang::De), "2026 / Achim / Fallarbeit steht mehrfach im Budgetplan (zuerst in D4); es zählt die erste.");
    assert!(plan.findings.iter().all(
        |f| f.path.as_deref() == Some("plan.xlsx") && f.sheet.as_deref() == Some("Budgetplan")
    ));
    // The valid lines: the first Achim/Fallarbeit, Dörverden/Kirchlinteln via its municipality, Achim/Strukturarbeit.
    let lines: Vec<(&str, &str, Decimal, String)> = plan
        .lines
        .iter()
        .map(|l| {
            (
                l.sozialraum.as_str(),
                l.category.as_str(),
                l.amount,
                l.cell.a1(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("Achim", "Fallarbeit", d("2400000"), "D4".to_string()),
            (
                "Dörverden/Kirchlinteln",
                "Fallarbeit",
                d("1100000"),
                "D11".to_string()
            ),
            ("Achim", "Strukturarbeit", d("120000"), "D14".to_string()),
        ]
    );
    // Missing lines of 2026: every Sozialraum × category not named at all. Verden's
    // Fallarbeit (negative) and Milieuarbeit (not a number) are named, so not "missing" again.
    plan.require_year(2026, &cfg).expect("2026 present");
    let missing: Vec<&str> = plan
        .findings
        .iter()
        .filter(|f| f.code == "BUDGET-MISSING")
        .filter_map(|f| f.value.as_deref())
        .collect();
    assert_eq!(missing.len(), 6 * 3 - 5, "{missing:?}");
    assert!(missing.contains(&"Achim / Milieuarbeit"));
    assert!(!missing.contains(&"Verden / Fallarbeit"));
    assert!(!missing.contains(&"Verden / Milieuarbeit"));
    assert!(plan.has_errors());
}

#[test]
fn a_plan_the_audit_cannot_use_is_an_error() {
    let cfg = cfg();
    let read = |bytes: Vec<u8>| budget::read_bytes(&bytes, "plan.xlsx", &cfg, Lang::De);
    let no_sheet = read(workbook(
        "Plan",
        &[(0, HEADER.iter().map(|h| t(h)).collect())],
    ));
    assert!(
        matches!(no_sheet, Err(BudgetError::SheetMissing { .. })),
        "{no_sheet:?}"
    );
    let no_budget = read(workbook(
        "Budgetplan",
        &[(
            0,
            vec![t("Jahr"), t("Sozialraum"), t("Kategorie"), t("Betrag")],
        )],
    ));
    match no_budget {
        Err(BudgetError::ColumnMissing { missing, row, .. }) => {
            assert_eq!(missing, "„Budget“");
            assert_eq!(row, 1);
        }
        other => panic!("{other:?}"),
    }
    let no_header = read(workbook("Budgetplan", &[(0, vec![t("irgendwas")])]));
    assert!(
        matches!(no_header, Err(BudgetError::HeaderNotFound { .. })),
        "{no_header:?}"
    );
    let mut other_year = read(workbook("Budgetplan", &plan_rows(&[]))).expect("readable");
    assert!(matches!(
        other_year.require_year(2027, &cfg),
        Err(BudgetError::NoYear { year: 2027, .. })
    ));
    // `Budget €` and `Jahresbudget` are accepted headers too.
    let alias = read(workbook(
        "budgetplan",
        &[
            (
                0,
                vec![
                    t("Jahr"),
                    t("Sozialraum"),
                    t("Kategorie"),
                    t("Jahresbudget"),
                ],
            ),
            (1, line("Achim", "Fallarbeit", 5.0)),
        ],
    ))
    .expect("readable");
    assert_eq!(alias.lines.len(), 1);
}

#[test]
fn the_shipped_example_plan_is_clean() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/Budgetplan_2026.xlsx");
    if !path.exists() {
        return; // written by the samples generator
    }
    let cfg = cfg();
    let mut plan = budget::read(&path, "Budgetplan_2026.xlsx", &cfg, Lang::De).expect("readable");
    plan.require_year(2026, &cfg).expect("2026");
    assert!(plan.findings.is_empty(), "{:#?}", plan.findings);
    assert_eq!(
        plan.line(2026, "Achim", "Fallarbeit").map(|l| l.amount),
        Some(d("2400000"))
    );
    assert_eq!(
        plan.line(2026, "kreisweit", "Strukturarbeit")
            .map(|l| l.amount),
        Some(d("150000"))
    );
    assert_eq!(plan.lines.len(), 19);
}

// ------------------------------------------------------------------ end to end

/// T01 and T02, Q1 and Q2 of 2026, as valid submissions; a plan that puts
/// Achim's Fallarbeit at +14.97 % (covered by Milieuarbeit).
///
/// Per quarter: T01 Achim Fall 7 519.20 + 2 386.80 + 1 591.20 = 11 497.20,
/// Milieu 2 995.20; Oyten/Ottersberg Fall 3 993.60 + 748.80 = 4 742.40,
/// Milieu 1 872.00; Struktur Achim 780.00, kreisweit 1 248.00.
/// T02 (all Verden, 60.80 €): Fall 15 823.20, Milieu 4 742.40, Struktur 760.00,
/// kreisweit 1 216.00.
fn e2e_inputs(dir: &Path) -> (PathBuf, PathBuf) {
    let subs = dir.join("meldungen");
    std::fs::create_dir_all(&subs).expect("dir");
    for (p, q) in [("T01", 1), ("T01", 2), ("T02", 1), ("T02", 2)] {
        let mut s = Submission::valid(p, 2026, q);
        if p == "T02" {
            // The fixture numbers every provider's cases alike; T02's are other families.
            for r in 2..=6 {
                let cell = format!("A{r}");
                if let Some(Cell::Text(id)) = s.get("Fallarbeit", &cell).cloned() {
                    s.set("Fallarbeit", &cell, id.replace("-00", "-05").as_str());
                }
            }
        }
        s.write(&subs);
    }
    let plan = dir.join("Budgetplan_2026.xlsx");
    let rows = plan_rows(&[
        ("Achim", "Fallarbeit", 40_000.0),
        ("Achim", "Milieuarbeit", 16_000.0),
        ("Achim", "Strukturarbeit", 3_120.0),
        ("Verden", "Fallarbeit", 60_000.0),
        ("Verden", "Milieuarbeit", 20_000.0),
        ("Verden", "Strukturarbeit", 3_040.0),
        ("Oyten/Ottersberg", "Fallarbeit", 18_969.6),
        ("Oyten/Ottersberg", "Milieuarbeit", 7_488.0),
        ("kreisweit", "Strukturarbeit", 9_856.0),
    ]);
    std::fs::write(&plan, workbook("Budgetplan", &rows)).expect("plan");
    (subs, plan)
}

fn audit_json(args: &[&std::ffi::OsStr]) -> (i32, Value, String) {
    let out = sozialraum()
        .arg("audit")
        .args(args)
        .arg("--format")
        .arg("json")
        .arg("-q")
        .output()
        .expect("run");
    let code = out.status.code().expect("exit code");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let doc = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}), exit {code}\n{stdout}\n{stderr}"));
    (code, doc, stderr)
}

fn row<'a>(doc: &'a Value, area: Option<&str>, category: &str) -> &'a Value {
    doc["rows"]
        .as_array()
        .and_then(|rows| {
            rows.iter()
                .find(|r| r["sozialraum"].as_str() == area && r["category"] == category)
        })
        .unwrap_or_else(|| panic!("no row {area:?} {category}"))
}

#[test]
fn audit_of_submissions_writes_json_and_a_workbook_with_charts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (subs, plan) = e2e_inputs(dir.path());
    let out = dir.path().join("Controlling_2026-Q2.xlsx");
    let (code, doc, stderr) = audit_json(&[
        subs.as_os_str(),
        "--budget".as_ref(),
        plan.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code, 0, "{stderr}\n{doc:#}");
    assert_eq!(doc["quarters"], serde_json::json!([1, 2]));
    assert_eq!(
        row(&doc, Some("Achim"), "Fallarbeit"),
        &serde_json::json!({
            "sozialraum": "Achim", "category": "Fallarbeit",
            "budget": "40000.00", "budget_pro_rata": "20000.00",
            "actual": "22994.40", "deviation": "2994.40", "deviation_pct": "14.97",
            "projection": "45988.80", "status": "warning", "direction": "over"
        })
    );
    assert_eq!(
        row(&doc, Some("Achim"), "Milieuarbeit")["direction"],
        "under"
    );
    assert_eq!(
        doc["inputs"],
        serde_json::json!({"files": 4, "with_errors": 0, "with_warnings": 0, "errors": 0, "warnings": 0})
    );
    assert_eq!(
        row(&doc, Some("Achim"), "Milieuarbeit")["deviation_pct"],
        "-25.12"
    );
    assert_eq!(
        row(&doc, Some("Achim"), "Fallarbeit+Milieuarbeit")["deviation_pct"],
        "3.52"
    );
    assert_eq!(
        row(&doc, Some("Verden"), "Fallarbeit")["actual"],
        "31646.40"
    );
    assert_eq!(
        row(&doc, Some("kreisweit"), "Strukturarbeit")["actual"],
        "4928.00"
    );
    assert_eq!(
        row(&doc, Some("kreisweit"), "Strukturarbeit")["status"],
        "ok"
    );
    assert_eq!(row(&doc, None, "Fallarbeit")["actual"], "64125.60");
    // Fallarbeit over, Milieuarbeit under, the pair within 5 %: in Achim, Verden and the county.
    let covered: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "DEVIATION-COVERED")
        .filter_map(|f| f["message"].as_str()?.split(':').next())
        .collect();
    assert_eq!(
        covered,
        vec![
            "Achim, Fallarbeit",
            "Verden, Fallarbeit",
            "Landkreis gesamt, Fallarbeit"
        ]
    );

    // The actuals are the consolidation's totals, to the cent.
    let cons = sozialraum()
        .arg("consolidate")
        .arg(&subs)
        .arg("--format")
        .arg("json")
        .output()
        .expect("consolidate");
    let cons: Value = serde_json::from_slice(&cons.stdout).expect("consolidate json");
    for r in doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["sozialraum"].is_string() && r["category"] != "Fallarbeit+Milieuarbeit")
    {
        let sum: Decimal = cons["totals"]
            .as_array()
            .expect("totals")
            .iter()
            .filter(|t| t["sozialraum"] == r["sozialraum"] && t["category"] == r["category"])
            .map(|t| d(t["amount"].as_str().expect("amount")))
            .sum();
        assert_eq!(d(r["actual"].as_str().expect("actual")), sum, "{r}");
    }

    // Charts: the quarter chart reads the Diagramme table, the Fallarbeit chart the Sozialräume of the table.
    let chart1 = zip_part(&out, "xl/charts/chart1.xml");
    assert!(
        chart1.contains("<c:barChart>") && chart1.contains("<c:barDir val=\"col\"/>"),
        "{chart1}"
    );
    assert!(
        chart1.contains("<c:f>Diagramme!$A$4:$A$5</c:f>")
            && chart1.contains("<c:f>Diagramme!$B$4:$B$5</c:f>"),
        "{chart1}"
    );
    let chart2 = zip_part(&out, "xl/charts/chart2.xml");
    assert!(
        chart2.contains("<c:barDir val=\"bar\"/>")
            && chart2.contains("<c:grouping val=\"clustered\"/>"),
        "{chart2}"
    );
    assert!(
        chart2.contains("<c:f>Abweichungen!$B$5:$B$10</c:f>"),
        "{chart2}"
    );
    assert!(
        chart2.contains("<c:f>Abweichungen!$D$5:$D$10</c:f>")
            && chart2.contains("<c:f>Abweichungen!$E$5:$E$10</c:f>"),
        "{chart2}"
    );
    for i in 3..=5 {
        assert!(
            zip_part(&out, &format!("xl/charts/chart{i}.xml")).contains("Abweichungen!$B$"),
            "chart{i}"
        );
    }
    // The charts sit on the second sheet, the table is the active first sheet.
    assert!(zip_part(&out, "xl/worksheets/_rels/sheet2.xml.rels").contains("drawing1.xml"));
    let workbook_xml = zip_part(&out, "xl/workbook.xml");
    let names: Vec<&str> = workbook_xml
        .match_indices("<sheet name=\"")
        .filter_map(|(i, _)| workbook_xml.get(i + 13..)?.split('"').next())
        .collect();
    assert_eq!(
        names,
        vec![
            "Abweichungen",
            "Diagramme",
            "Kennzahlen",
            "Befunde",
            "Quellen"
        ]
    );

    // The ranges hold what the charts say: Sozialraum names and the pro-rata budget and actual of Fallarbeit.
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(std::fs::read(&out).expect("read"))).expect("xlsx");
    let table = wb.worksheet_range("Abweichungen").expect("sheet");
    let cell = |r: u32, c: u32| table.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(4, 1), Data::String("Achim".into()));
    assert_eq!(cell(9, 1), Data::String("Thedinghausen".into()));
    assert_eq!(cell(10, 1), Data::String("Landkreis gesamt".into()));
    assert_eq!(cell(4, 3), Data::Float(20000.0));
    assert_eq!(cell(4, 4), Data::Float(22994.4));
    assert_eq!(cell(4, 8), Data::String("Warnung: Überschreitung".into()));
    assert_eq!(
        cell(4, 9),
        Data::String("gedeckt durch Milieuarbeit".into())
    );
    let charts = wb.worksheet_range("Diagramme").expect("sheet");
    assert_eq!(
        charts.get_value((3, 0)),
        Some(&Data::String("2026-Q1".into()))
    );
    assert_eq!(charts.get_value((3, 1)), Some(&Data::Float(32062.8)));
    // Conditional formats colour the rows by status.
    let sheet1 = zip_part(&out, "xl/worksheets/sheet1.xml");
    for label in [
        "Alarm: Überschreitung",
        "Alarm: Unterschreitung",
        "Warnung: Überschreitung",
        "Warnung: Unterschreitung",
        "ok",
    ] {
        assert!(
            sheet1.contains(&format!("<formula>$I5=\"{label}\"</formula>")),
            "{label}: {sheet1}"
        );
    }

    // Equal inputs, equal bytes.
    let again = dir.path().join("again.xlsx");
    let (code2, doc2, _) = audit_json(&[
        subs.as_os_str(),
        "--budget".as_ref(),
        plan.as_os_str(),
        "-o".as_ref(),
        again.as_os_str(),
    ]);
    assert_eq!((code2, &doc2), (code, &doc));
    assert_eq!(
        std::fs::read(&out).expect("out"),
        std::fs::read(&again).expect("again"),
        "two runs differ"
    );

    // The same audit from the district workbook `consolidate` writes.
    let kreis = dir.path().join("Kreis_2026.xlsx");
    let status = sozialraum()
        .arg("consolidate")
        .arg(&subs)
        .arg("-o")
        .arg(&kreis)
        .arg("-q")
        .output()
        .expect("consolidate");
    assert!(
        kreis.exists(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let (code3, doc3, stderr3) =
        audit_json(&[kreis.as_os_str(), "--budget".as_ref(), plan.as_os_str()]);
    assert_eq!(code3, 0, "{stderr3}");
    assert_eq!(doc3["rows"], doc["rows"]);
    assert_eq!(doc3["quarters"], doc["quarters"]);
    let outlier_like: Vec<&str> = doc3["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .filter(|c| c.starts_with("DEVIATION"))
        .collect();
    let from_subs: Vec<&str> = doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .filter(|c| c.starts_with("DEVIATION"))
        .collect();
    assert_eq!(outlier_like, from_subs);
}

#[test]
fn overspending_fails_and_outputs_never_overwrite_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (subs, _) = e2e_inputs(dir.path());
    // Verden's Fallarbeit with a quarter of the budget: +58.23 %, an alert and an error.
    let plan = dir.path().join("knapp.xlsx");
    std::fs::write(
        &plan,
        workbook(
            "Budgetplan",
            &plan_rows(&[("Verden", "Fallarbeit", 40_000.0)]),
        ),
    )
    .expect("plan");
    let (code, doc, _) = audit_json(&[
        subs.as_os_str(),
        "--budget".as_ref(),
        plan.as_os_str(),
        "--quarters".as_ref(),
        "1-2".as_ref(),
        "--year".as_ref(),
        "2026".as_ref(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        row(&doc, Some("Verden"), "Fallarbeit")["deviation_pct"],
        "58.23"
    );
    assert!(doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .any(|f| f["code"] == "DEVIATION-BUDGET" && f["severity"] == "error"));
    // The plan in the input folder is not read as a submission; an output onto an input is refused.
    let inside = subs.join("Budgetplan.xlsx");
    std::fs::copy(&plan, &inside).expect("copy");
    let target = subs.join("T01_2026-Q1.xlsx");
    let refused = sozialraum()
        .arg("audit")
        .arg(&subs)
        .arg("--budget")
        .arg(&inside)
        .arg("-o")
        .arg(&target)
        .output()
        .expect("run");
    assert_eq!(
        refused.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let (code, doc, _) = audit_json(&[subs.as_os_str(), "--budget".as_ref(), inside.as_os_str()]);
    assert_eq!(code, 1);
    assert!(!doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .any(|f| f["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("Budgetplan.xlsx") && f["rule"] == "sheet")));
    // No budget file: cannot do the job.
    let missing = sozialraum()
        .arg("audit")
        .arg(&subs)
        .arg("--budget")
        .arg(dir.path().join("fehlt.xlsx"))
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn inputs_are_told_apart_by_their_sheets() {
    use sozialraum::audit::district::{classify, InputKind};
    let dir = tempfile::tempdir().expect("tempdir");
    let (subs, plan) = e2e_inputs(dir.path());
    let kreis = dir.path().join("Kreis.xlsx");
    let controlling = dir.path().join("Controlling.xlsx");
    sozialraum()
        .arg("consolidate")
        .arg(&subs)
        .arg("-o")
        .arg(&kreis)
        .arg("-q")
        .output()
        .expect("consolidate");
    sozialraum()
        .arg("audit")
        .arg(&subs)
        .arg("--budget")
        .arg(&plan)
        .arg("-o")
        .arg(&controlling)
        .arg("-q")
        .output()
        .expect("audit");
    assert_eq!(classify(&kreis), InputKind::District);
    assert_eq!(classify(&controlling), InputKind::Controlling);
    assert_eq!(
        classify(&subs.join("T01_2026-Q1.xlsx")),
        InputKind::Submission
    );
    assert_eq!(classify(&plan), InputKind::Submission);
    // A district workbook named next to submissions would count everything twice.
    let mixed = sozialraum()
        .arg("audit")
        .arg(&kreis)
        .arg(subs.join("T01_2026-Q1.xlsx"))
        .arg("--budget")
        .arg(&plan)
        .output()
        .expect("run");
    assert_eq!(mixed.status.code(), Some(2));
    // A controlling workbook in the input folder is left out, and said so.
    std::fs::copy(&controlling, subs.join("Controlling_alt.xlsx")).expect("copy");
    let out = sozialraum()
        .arg("audit")
        .arg(&subs)
        .arg("--budget")
        .arg(&plan)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("Übersprungen:") && text.contains("Controlling_alt.xlsx"),
        "{text}"
    );
}

#[test]
fn inputs_with_errors_are_counted_fail_the_audit_and_are_listed_in_quellen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (subs, plan) = e2e_inputs(dir.path());
    // T01's second quarter with an unknown help type: an error `check` finds; the cost still counts.
    let mut broken = Submission::valid("T01", 2026, 2);
    broken.set("Fallarbeit", "C3", "§ 99");
    let broken = broken.write(&subs);
    let out = dir.path().join("Controlling.xlsx");
    let (code, doc, stderr) = audit_json(&[
        subs.as_os_str(),
        "--budget".as_ref(),
        plan.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(
        code, 1,
        "an input with errors fails the audit as `check` would: {stderr}"
    );
    let inputs = &doc["inputs"];
    assert_eq!(inputs["files"], 4);
    assert_eq!(inputs["with_errors"], 1);
    let errors = inputs["errors"].as_u64().expect("errors");
    assert!(errors >= 1, "{inputs}");
    // The plan itself is as in the clean run: no audit finding is an error.
    assert!(doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .all(|f| f["severity"] != "error"));

    // The controlling workbook names its sources, as the district workbook does.
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(std::fs::read(&out).expect("read"))).expect("xlsx");
    let q = wb.worksheet_range("Quellen").expect("Quellen sheet");
    let text = |r: usize, c: usize| q.get((r, c)).map(|d| d.to_string()).unwrap_or_default();
    let header: Vec<String> = (0..q.width()).map(|c| text(0, c)).collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name} in {header:?}"))
    };
    let (file, sha, errors_col, status) =
        (col("Datei"), col("SHA-256"), col("Fehler"), col("Status"));
    let files: Vec<usize> = (1..q.height())
        .filter(|r| text(*r, file).ends_with(".xlsx"))
        .collect();
    assert_eq!(files.len(), 4, "{header:?}");
    for r in files {
        let name = text(r, file);
        assert_eq!(text(r, sha).len(), 64, "{name}");
        if Path::new(&name).file_name() == broken.file_name() {
            assert_eq!(text(r, errors_col), errors.to_string());
            assert_eq!(text(r, status), "übernommen, mit Fehlern");
        } else {
            assert_eq!(text(r, errors_col), "0");
            assert_eq!(text(r, status), "übernommen");
        }
    }
    assert!(
        (1..q.height()).any(|r| text(r, file) == "(keine Meldung)" && text(r, status) == "fehlt"),
        "missing submissions are listed, not counted as inputs"
    );

    // The same from the district workbook: its Quellen sheet is read back.
    let kreis = dir.path().join("Kreis.xlsx");
    sozialraum()
        .arg("consolidate")
        .arg(&subs)
        .arg("-o")
        .arg(&kreis)
        .arg("-q")
        .output()
        .expect("consolidate");
    let (code, from_kreis, stderr) =
        audit_json(&[kreis.as_os_str(), "--budget".as_ref(), plan.as_os_str()]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(from_kreis["inputs"], doc["inputs"]);

    // The terminal says it too, in both languages.
    for (lang, expected) in [
        ("de", "Eingaben: 4 Dateien, 1 mit Fehlern"),
        ("en", "Inputs: 4 files, 1 with errors"),
    ] {
        let o = sozialraum()
            .arg("audit")
            .arg(&subs)
            .arg("--budget")
            .arg(&plan)
            .args(["--lang", lang])
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(1), "{text}");
        assert!(text.contains(expected), "{text}");
        assert!(text.contains("T01_2026-Q2.xlsx:"), "{text}");
    }
}

#[test]
fn overspend_and_underspend_have_their_own_labels_and_colours() {
    use sozialraum::audit::workbook::{status_fill, STATUSES};
    use sozialraum::audit::Direction;
    let labels: std::collections::BTreeSet<String> = STATUSES
        .iter()
        .map(|(s, d)| audit::status_label(*s, *d, Lang::De))
        .collect();
    assert_eq!(labels.len(), STATUSES.len());
    assert!(labels.contains("Alarm: Überschreitung") && labels.contains("Alarm: Unterschreitung"));
    assert_eq!(
        audit::status_label(BudgetStatus::Warning, Some(Direction::Under), Lang::En),
        "warning: underspend"
    );
    assert_eq!(
        audit::status_label(BudgetStatus::Alert, Some(Direction::Over), Lang::En),
        "alert: overspend"
    );
    let fills: std::collections::BTreeSet<String> = STATUSES
        .iter()
        .map(|(s, d)| format!("{:?}", status_fill(*s, *d)))
        .collect();
    assert_eq!(fills.len(), STATUSES.len(), "every status its own colour");
    // The example: over- and underspent lines both exist and are told apart.
    let a = run_example();
    let over = a
        .lines
        .iter()
        .find(|l| l.direction() == Some(Direction::Over))
        .expect("over");
    let under = a
        .lines
        .iter()
        .find(|l| l.direction() == Some(Direction::Under))
        .expect("under");
    assert!(over.deviation > Decimal::ZERO && under.deviation < Decimal::ZERO);
    assert_ne!(over.status_label(Lang::De), under.status_label(Lang::De));
    assert!(a
        .lines
        .iter()
        .filter(|l| l.status == BudgetStatus::Ok)
        .all(|l| l.direction().is_none()));
}
