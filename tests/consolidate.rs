//! `consolidate`: nothing lost, nothing counted twice, every cent traceable;
//! the cross-file rules; the reconciliation invariant as a property.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{sozialraum, Submission};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;
use sozialraum::consolidate::{self, Status};
use sozialraum::i18n::Lang;
use sozialraum::pipeline::{check_path, Options};

/// A valid submission whose case keys are unique to the provider.
fn submission(provider: &str, year: i32, quarter: u8) -> Submission {
    let mut s = Submission::valid(provider, year, quarter);
    let n: u32 = provider.trim_start_matches('T').parse().unwrap_or(0);
    for row in 2..=6 {
        s.set(
            "Fallarbeit",
            &format!("A{row}"),
            format!("JA-2026-{:02}{:03}", n, row).as_str(),
        );
    }
    s
}

fn run(args: &[&str], inputs: &[&Path]) -> (i32, Value) {
    let o = sozialraum()
        .arg("consolidate")
        .args(inputs)
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run");
    let doc = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o.status.code().unwrap_or(-1), doc)
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a money string: {v}"))
}

#[test]
fn totals_equal_the_sum_of_the_sources_and_every_row_keeps_its_source() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut flawed = submission("T02", 2026, 3);
    flawed.set("Fallarbeit", "B3", "Achm"); // invalid Sozialraum: counted under null, flagged
    flawed.set("Fallarbeit", "H4", 1.0); // wrong cost: counted as written, flagged
    let a = submission("T01", 2026, 3).write(dir.path());
    let b = flawed.write(dir.path());
    let broken = dir.path().join("T03_2026-Q3.xlsx");
    std::fs::write(&broken, b"not a workbook").expect("write");
    let out = dir.path().join("Kreis.xlsx");
    let (code, doc) = run(&["-o", out.to_str().expect("utf-8")], &[&a, &b, &broken]);
    assert_eq!(code, 1, "{doc}");

    let status: BTreeMap<String, String> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["provider"].as_str().unwrap_or("-").to_string(),
                f["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(status.get("T01").map(String::as_str), Some("included"));
    assert_eq!(
        status.get("T02").map(String::as_str),
        Some("included_with_errors")
    );
    assert_eq!(status.get("-").map(String::as_str), Some("rejected"));

    // The expected sums, straight from the fixtures.
    let mut expected = Decimal::ZERO;
    for s in [&submission("T01", 2026, 3), &flawed] {
        for (sheet, col) in [
            ("Fallarbeit", "Kosten"),
            ("Milieuarbeit", "Kosten"),
            ("Strukturarbeit", "Kosten"),
        ] {
            expected += Decimal::from_f64_retain(s.column_sum(sheet, col))
                .map(|d| d.round_dp(2))
                .unwrap_or_default();
        }
    }
    let totals: Decimal = doc["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .map(|t| dec(&t["amount"]))
        .sum();
    assert_eq!(totals, expected);
    assert_eq!(dec(&doc["grand_total"]), expected);
    let null_area = doc["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|t| t["sozialraum"].is_null())
        .expect("a null Sozialraum total");
    assert_eq!(null_area["provider"], "T02");

    // The detail sheets hold every row once, with its source, and sum to the same.
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).expect("district workbook");
    use calamine::Reader;
    let mut detail_sum = Decimal::ZERO;
    let mut sources = Vec::new();
    for sheet in ["Fallarbeit", "Milieuarbeit", "Strukturarbeit"] {
        let r = wb.worksheet_range(sheet).expect("sheet");
        let header: Vec<String> = (0..r.width())
            .map(|c| r.get((0, c)).map(|d| d.to_string()).unwrap_or_default())
            .collect();
        let cost_col = header
            .iter()
            .position(|h| h == "Kosten")
            .expect("Kosten column");
        for row in 1..r.height() {
            if let Some(calamine::Data::Float(f)) = r.get((row, cost_col)) {
                detail_sum += Decimal::from_f64_retain(*f)
                    .map(|d| d.round_dp(2))
                    .unwrap_or_default();
            }
            sources.push(r.get((row, 3)).map(|d| d.to_string()).unwrap_or_default());
        }
    }
    assert_eq!(detail_sum, expected);
    let unique: std::collections::BTreeSet<&String> = sources.iter().collect();
    assert_eq!(unique.len(), sources.len(), "a source row appears twice");
    assert!(
        sources.contains(&"T02_2026-Q3.xlsx:Fallarbeit!3".to_string()),
        "{sources:?}"
    );
    let names = wb.sheet_names();
    assert_eq!(
        names,
        [
            "Übersicht",
            "Fallarbeit",
            "Milieuarbeit",
            "Strukturarbeit",
            "Befunde",
            "Quellen"
        ]
    );
}

#[test]
fn a_quarter_submitted_twice_is_not_counted_twice() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = submission("T01", 2026, 3).write(dir.path());
    let sub = dir.path().join("neu");
    std::fs::create_dir_all(&sub).expect("dir");
    let mut newer = submission("T01", 2026, 3);
    newer.set("Fallarbeit", "K2", "korrigierte Fassung");
    newer.set("Deckblatt", "B9", common::date(2026, 10, 20));
    let b = newer.write(&sub);

    let (code, doc) = run(&[], &[&a, &b]);
    assert_eq!(code, 1);
    let f: Vec<&Value> = doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["code"] == "CONSISTENCY-DUPLICATE-SUBMISSION")
        .collect();
    assert_eq!(f.len(), 2, "{doc}");
    assert!(
        doc["totals"]
            .as_array()
            .expect("t")
            .iter()
            .all(|t| t["provider"] != "T01"),
        "a duplicate must not be summed"
    );

    let (_, doc) = run(&["--prefer-newest"], &[&a, &b]);
    let files = doc["files"].as_array().expect("files");
    let included: Vec<&str> = files
        .iter()
        .filter(|f| f["status"] == "included")
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(included.len(), 1);
    assert!(
        included[0].contains("neu"),
        "the newer Erstellt am wins: {included:?}"
    );
    assert!(doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .any(|f| f["code"] == "CONSISTENCY-SUPERSEDED"));
}

#[test]
fn cross_file_rules_find_double_billing_missing_providers_and_vanished_cases() {
    let dir = tempfile::tempdir().expect("tmp");
    let t01 = submission("T01", 2026, 3);
    let mut t02 = submission("T02", 2026, 3);
    let shared_case = t01.get("Fallarbeit", "A2").cloned().expect("case");
    t02.set("Fallarbeit", "A2", shared_case);
    // T01 Q3 has open cases (no Ende); in Q4 one of them is missing.
    let mut t01_q4 = submission("T01", 2026, 4);
    for row in 2..=6 {
        let v = t01
            .get("Fallarbeit", &format!("A{row}"))
            .cloned()
            .expect("case");
        t01_q4.set("Fallarbeit", &format!("A{row}"), v);
    }
    t01_q4.set("Fallarbeit", "A6", "JA-2026-99999");
    let paths = [
        t01.write(dir.path()),
        t02.write(dir.path()),
        t01_q4.write(dir.path()),
    ];
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (code, doc) = run(&[], &refs);
    assert_eq!(code, 1);
    let codes: Vec<(&str, Option<&str>)> = doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .map(|f| (f["code"].as_str().unwrap_or(""), f["cell"].as_str()))
        .collect();
    assert!(
        codes.contains(&("CONSISTENCY-CASE-TWICE", Some("A2"))),
        "{codes:?}"
    );
    assert!(
        codes
            .iter()
            .any(|c| c.0 == "CONSISTENCY-MISSING-SUBMISSION"),
        "{codes:?}"
    );
    let vanished: Vec<&Value> = doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["code"] == "CONSISTENCY-CASE-VANISHED")
        .collect();
    assert!(!vanished.is_empty(), "{codes:?}");
    assert!(vanished
        .iter()
        .all(|f| f["path"].as_str().is_some_and(|p| p.contains("Q3"))));
    // T03–T06 sent nothing for either quarter; T02 nothing for Q4.
    let missing = codes
        .iter()
        .filter(|c| c.0 == "CONSISTENCY-MISSING-SUBMISSION")
        .count();
    assert_eq!(missing, 4 * 2 + 1);
}

#[test]
fn strict_refuses_to_write_and_quarters_select_the_period() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut bad = submission("T01", 2026, 3);
    bad.set("Fallarbeit", "B2", "Achm");
    let a = bad.write(dir.path());
    let b = submission("T02", 2026, 2).write(dir.path());
    let out = dir.path().join("K.xlsx");
    let (code, _) = run(&["--strict", "-o", out.to_str().expect("utf-8")], &[&a, &b]);
    assert_eq!(code, 1);
    assert!(!out.exists(), "--strict must not write");
    let (_, doc) = run(&["--year", "2026", "--quarters", "2-2"], &[&a, &b]);
    let excluded = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["status"] == "excluded")
        .count();
    assert_eq!(excluded, 1);
    assert!(doc["totals"]
        .as_array()
        .expect("t")
        .iter()
        .all(|t| t["quarter"] == 2));
}

#[test]
fn the_output_may_not_be_an_input() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = submission("T01", 2026, 3).write(dir.path());
    let before = std::fs::read(&a).expect("read");
    let o = sozialraum()
        .arg("consolidate")
        .arg(&a)
        .arg("-o")
        .arg(&a)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&a).expect("read"), before);
}

#[test]
fn the_district_workbook_is_the_same_bytes_for_the_same_inputs() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = submission("T01", 2026, 3).write(dir.path());
    let b = submission("T05", 2026, 3).write(dir.path());
    let x = dir.path().join("x.xlsx");
    let y = dir.path().join("y.xlsx");
    sozialraum()
        .arg("consolidate")
        .arg(&a)
        .arg(&b)
        .arg("-o")
        .arg(&x)
        .arg("-q")
        .output()
        .expect("run");
    sozialraum()
        .arg("consolidate")
        .arg(&b)
        .arg(&a)
        .arg("-o")
        .arg(&y)
        .arg("-q")
        .output()
        .expect("run");
    assert_eq!(std::fs::read(&x).expect("x"), std::fs::read(&y).expect("y"));
}

// ------------------------------------------------------------------ the reconciliation invariant

const AREAS: [&str; 5] = ["Achim", "Oyten/Ottersberg", "Verden", "Achm", "Langwedel"];

#[derive(Debug, Clone)]
struct GenRow {
    area: usize,
    hours_quarters: u32,
    cost_cents: i64,
}

fn gen_rows() -> impl Strategy<Value = Vec<GenRow>> {
    prop::collection::vec(
        (0..AREAS.len(), 0u32..2000, 0i64..5_000_000).prop_map(
            |(area, hours_quarters, cost_cents)| GenRow {
                area,
                hours_quarters,
                cost_cents,
            },
        ),
        0..25,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

    /// Whatever the rows hold (valid or not, wrong costs, unknown Sozialräume),
    /// the grand total equals the sum of all readable source costs and the sum
    /// of the detail rows, to the cent, and every total sums its own rows.
    #[test]
    fn grand_total_reconciles_to_the_cent(files in prop::collection::vec((0usize..3, 1u8..=4, gen_rows()), 1..4)) {
        let cfg = sozialraum::registry::verden().expect("config");
        let dir = tempfile::tempdir().expect("tmp");
        let providers = ["T01", "T02", "T03"];
        let mut expected = Decimal::ZERO;
        let mut outcomes = Vec::new();
        for (i, (p, q, rows)) in files.iter().enumerate() {
            let mut s = submission(providers[*p], 2026, *q);
            for (j, r) in rows.iter().enumerate() {
                let row = 7 + j as u32;
                s.set("Fallarbeit", &format!("A{row}"), format!("JA-2026-{:02}{:03}", 50 + i, j).as_str());
                s.set("Fallarbeit", &format!("B{row}"), AREAS[r.area]);
                s.set("Fallarbeit", &format!("C{row}"), "§ 31");
                s.set("Fallarbeit", &format!("D{row}"), common::date(2026, 1, 1));
                s.set("Fallarbeit", &format!("F{row}"), f64::from(r.hours_quarters) / 4.0);
                s.set("Fallarbeit", &format!("G{row}"), 62.4);
                s.set("Fallarbeit", &format!("H{row}"), r.cost_cents as f64 / 100.0);
            }
            for (sheet, col) in [("Fallarbeit", "Kosten"), ("Milieuarbeit", "Kosten"), ("Strukturarbeit", "Kosten")] {
                expected += Decimal::from_f64_retain(s.column_sum(sheet, col)).map(|d| d.round_dp(2)).unwrap_or_default();
            }
            let name = format!("f{i}_{}_2026-Q{q}.xlsx", providers[*p]);
            let path = s.write_as(dir.path(), &name);
            outcomes.push(check_path(&path, &name, &cfg, Options { lang: Lang::De, keep_records: true }));
        }
        let c = consolidate::consolidate(outcomes, &cfg, &consolidate::Options::default(), Lang::De);
        let counted: Decimal = c.sources.iter().filter(|s| s.status.counts()).flat_map(|s| {
            s.outcome.tables.iter().flat_map(|(name, t)| {
                let idx = cfg.sheet(name).and_then(|sh| sh.column_index("cost"));
                t.records.iter().filter_map(move |r| idx.and_then(|i| r.values.get(i)).and_then(|v| v.as_ref()).and_then(|v| v.as_dec()))
            })
        }).sum();
        let details: Decimal = c.rows.iter().filter_map(|r| r.cost).sum();
        prop_assert_eq!(c.grand_total(), details);
        prop_assert_eq!(c.grand_total(), counted);
        // Nothing lost: when no submission is a duplicate, the grand total is everything in the files.
        let mut keys: Vec<_> = files.iter().map(|(p, q, _)| (*p, *q)).collect();
        keys.sort();
        keys.dedup();
        if keys.len() == files.len() {
            prop_assert!(c.sources.iter().all(|s| s.status != Status::Rejected));
            prop_assert_eq!(c.grand_total(), expected);
        }
        for (k, v) in &c.totals {
            let rows: Vec<_> = c.rows.iter().filter(|r| r.provider == k.provider && r.quarter == k.quarter && r.record.charged_to == k.sozialraum && r.category == k.category).collect();
            prop_assert_eq!(rows.len(), v.rows);
            prop_assert_eq!(rows.iter().filter_map(|r| r.cost).sum::<Decimal>(), v.amount);
        }
    }
}

// ------------------------------------------------------------------ nothing readable is lost

/// Every `Kosten` of a fixture, to the cent.
fn fixture_total(s: &Submission) -> Decimal {
    ["Fallarbeit", "Milieuarbeit", "Strukturarbeit"]
        .iter()
        .map(|sheet| {
            Decimal::from_f64_retain(s.column_sum(sheet, "Kosten"))
                .map(|d| d.round_dp(2))
                .unwrap_or_default()
        })
        .sum()
}

/// The provider workbooks of a quarter as they really arrive: an unknown
/// provider (T07), a typo on the cover (T99 in a file named T05_…), a cover
/// without year and quarter, an unused template's 500 prepared rows, an
/// identical copy (`T02_2026-Q3 (1).xlsx`) and one file that names its period
/// nowhere. Returns the files and the sum of every row that must count.
fn arriving(dir: &Path) -> (Vec<PathBuf>, Decimal) {
    let clean = submission("T01", 2026, 3);
    let mut typo = submission("T05", 2026, 3);
    typo.set("Deckblatt", "B3", "T99");
    let mut unknown = submission("T06", 2026, 3);
    unknown
        .set("Deckblatt", "B3", "T07")
        .set("Deckblatt", "B4", "Neuer Träger e.V.")
        .named("T07_2026-Q3.xlsx");
    let mut no_period = submission("T04", 2026, 3);
    no_period.clear("Deckblatt", "B5").clear("Deckblatt", "B6");
    let mut template = submission("T03", 2026, 3);
    template.with_prepared_rows(3, 500);
    let copied = submission("T02", 2026, 3);
    let mut nowhere = submission("T06", 2026, 3);
    nowhere
        .clear("Deckblatt", "B5")
        .named("Meldung Brückenschlag.xlsx");

    let mut expected = Decimal::ZERO;
    let mut paths = Vec::new();
    for s in [&clean, &typo, &unknown, &no_period, &template, &copied] {
        expected += fixture_total(s);
        paths.push(s.write(dir));
    }
    let copy = dir.join("T02_2026-Q3 (1).xlsx");
    std::fs::copy(dir.join("T02_2026-Q3.xlsx"), &copy).expect("copy");
    paths.push(copy);
    paths.push(nowhere.write(dir));
    (paths, expected)
}

fn file_entry<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(name)))
        .unwrap_or_else(|| panic!("no file {name}: {doc}"))
}

fn amount_of(doc: &Value, provider: &str) -> Decimal {
    doc["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .filter(|t| t["provider"] == provider)
        .map(|t| dec(&t["amount"]))
        .sum()
}

#[test]
fn nothing_readable_is_lost_and_the_grand_total_is_every_readable_row() {
    let dir = tempfile::tempdir().expect("tmp");
    let (paths, expected) = arriving(dir.path());
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let out = dir.path().join("Kreis.xlsx");
    let (code, doc) = run(&["-o", out.to_str().expect("utf-8")], &refs);
    assert_eq!(code, 1, "errors in some files: {doc}");

    let sum: Decimal = doc["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .map(|t| dec(&t["amount"]))
        .sum();
    assert_eq!(sum, expected);
    assert_eq!(dec(&doc["grand_total"]), expected);

    let typo = file_entry(&doc, "T05_2026-Q3.xlsx");
    assert_eq!(
        (typo["provider"].as_str(), typo["status"].as_str()),
        (Some("T05"), Some("included_with_errors"))
    );
    assert_eq!(
        amount_of(&doc, "T05"),
        fixture_total(&{
            let mut s = submission("T05", 2026, 3);
            s.set("Deckblatt", "B3", "T99");
            s
        })
    );
    let unknown = file_entry(&doc, "T07_2026-Q3.xlsx");
    assert_eq!(
        (unknown["provider"].as_str(), unknown["status"].as_str()),
        (Some("T07"), Some("included_with_errors"))
    );
    assert_eq!(
        amount_of(&doc, "T07"),
        fixture_total(&submission("T06", 2026, 3))
    );
    assert!(
        unknown["reason"]
            .as_str()
            .is_some_and(|r| r.contains("unbekannter Träger")),
        "{unknown}"
    );
    let no_period = file_entry(&doc, "T04_2026-Q3.xlsx");
    assert_eq!(
        (no_period["year"].as_i64(), no_period["quarter"].as_i64()),
        (Some(2026), Some(3))
    );
    assert_eq!(no_period["status"], "included_with_errors");
    let template = file_entry(&doc, "T03_2026-Q3.xlsx");
    assert_eq!(template["status"], "included", "{template}");
    assert_eq!(template["rows"]["Fallarbeit"], 3);
    assert_eq!(file_entry(&doc, "T02_2026-Q3.xlsx")["status"], "included");
    assert_eq!(
        file_entry(&doc, "T02_2026-Q3 (1).xlsx")["status"],
        "rejected"
    );
    assert_eq!(
        file_entry(&doc, "Meldung Brückenschlag.xlsx")["status"],
        "rejected"
    );
    assert!(
        doc["totals"]
            .as_array()
            .expect("totals")
            .iter()
            .all(|t| !(t["provider"] == "T03" && t["sozialraum"].is_null())),
        "prepared rows are no cases under Sozialraum null"
    );

    let copy: Vec<&Value> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["path"].as_str().is_some_and(|p| p.ends_with("(1).xlsx")))
        .collect();
    assert_eq!(copy.len(), 1, "{copy:?}");
    assert_eq!(copy[0]["code"], "CONSISTENCY-IDENTICAL-COPY");
    let msg = copy[0]["message"].as_str().expect("message");
    assert!(
        msg.contains("identische Kopie von") && msg.contains("T02_2026-Q3.xlsx"),
        "{msg}"
    );
    assert!(!msg.contains("ersetzt"), "{msg}");

    // The Quellen sheet says what happened to each file.
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).expect("district workbook");
    let q = wb.worksheet_range("Quellen").expect("Quellen");
    let reason_col = (0..q.width())
        .find(|c| q.get((0, *c)).is_some_and(|d| *d == "Grund"))
        .expect("Grund column");
    let reason_of = |name: &str| {
        (1..q.height())
            .find(|r| {
                q.get((*r, 0))
                    .is_some_and(|d| d.to_string().ends_with(name))
            })
            .and_then(|r| q.get((r, reason_col)))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        reason_of("T05_2026-Q3.xlsx"),
        "Träger-Nr. T99 im Deckblatt unbekannt; gezählt unter T05 aus dem Dateinamen"
    );
    assert!(reason_of("T07_2026-Q3.xlsx").contains("unbekannter Träger"));
    assert_eq!(
        reason_of("Meldung Brückenschlag.xlsx"),
        "Berichtsjahr weder im Deckblatt noch im Dateinamen lesbar"
    );
    assert!(reason_of("T02_2026-Q3 (1).xlsx").starts_with("identische Kopie von"));
}

/// The reasons and findings, read from the library, in both languages.
#[test]
fn each_file_says_exactly_what_happened_to_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let (paths, expected) = arriving(dir.path());
    let cfg = sozialraum::registry::verden().expect("config");
    for lang in [Lang::De, Lang::En] {
        let outcomes = paths
            .iter()
            .map(|p| {
                let name = p.file_name().expect("name").to_string_lossy().to_string();
                check_path(
                    p,
                    &name,
                    &cfg,
                    Options {
                        lang,
                        keep_records: true,
                    },
                )
            })
            .collect();
        let c = consolidate::consolidate(outcomes, &cfg, &consolidate::Options::default(), lang);
        assert_eq!(c.grand_total(), expected);
        let source = |name: &str| {
            c.sources
                .iter()
                .find(|s| s.path() == name)
                .unwrap_or_else(|| panic!("no source {name}"))
        };
        let reason = |name: &str| source(name).reason.clone().unwrap_or_default();
        let de = lang == Lang::De;
        let pick = |d: &'static str, e: &'static str| if de { d } else { e };

        assert_eq!(
            reason("T05_2026-Q3.xlsx"),
            pick(
                "Träger-Nr. T99 im Deckblatt unbekannt; gezählt unter T05 aus dem Dateinamen",
                "provider number T99 on the cover unknown; counted under T05 from the file name"
            )
        );
        let typo = &source("T05_2026-Q3.xlsx").outcome.report.findings;
        let warned: Vec<_> = typo
            .iter()
            .filter(|f| f.code == "REFERENCE-PROVIDER-FILENAME")
            .collect();
        assert_eq!(warned.len(), 1, "{typo:?}");
        assert_eq!(warned[0].severity, sozialraum::finding::Severity::Warning);
        assert_eq!(warned[0].a1().as_deref(), Some("B3"));
        assert_eq!(
            sozialraum::registry::message(warned[0], lang),
            pick(
                "Träger-Nr. „T99“ im Deckblatt unbekannt; gezählt unter T05 aus dem Dateinamen.",
                "Provider number \"T99\" on the cover unknown; counted under T05 from the file name."
            )
        );
        assert!(typo.iter().any(|f| f.code == "REFERENCE-PROVIDER"));

        assert_eq!(
            reason("T07_2026-Q3.xlsx"),
            pick(
                "unbekannter Träger: T07 steht nicht in den Stammdaten; gezählt unter T07 wie im Deckblatt",
                "unknown provider: T07 is not in the master data; counted under T07 as on the cover"
            )
        );
        assert_eq!(
            source("T07_2026-Q3.xlsx").status,
            Status::IncludedWithErrors
        );

        assert_eq!(
            reason("T04_2026-Q3.xlsx"),
            pick(
                "Berichtsjahr fehlt im Deckblatt; 2026 aus dem Dateinamen; Quartal fehlt im Deckblatt; Q3 aus dem Dateinamen",
                "year missing on the cover; 2026 from the file name; quarter missing on the cover; Q3 from the file name"
            )
        );
        let facts: Vec<_> = source("T04_2026-Q3.xlsx")
            .outcome
            .report
            .findings
            .iter()
            .filter(|f| f.code == "CONSISTENCY-FILENAME-FACT")
            .map(|f| f.value.clone().unwrap_or_default())
            .collect();
        assert_eq!(facts, ["2026", "3"]);

        assert_eq!(source("T03_2026-Q3.xlsx").reason, None);
        assert_eq!(
            reason("Meldung Brückenschlag.xlsx"),
            pick(
                "Berichtsjahr weder im Deckblatt noch im Dateinamen lesbar",
                "year readable neither on the cover nor in the file name"
            )
        );
        assert_eq!(
            reason("T02_2026-Q3 (1).xlsx"),
            format!(
                "{} T02_2026-Q3.xlsx",
                pick("identische Kopie von", "identical copy of")
            )
        );
    }
}

/// The `<col>` widths of a sheet part, by 0-based column.
fn column_widths(xml: &str) -> BTreeMap<u32, f64> {
    let mut out = BTreeMap::new();
    for (i, _) in xml.match_indices("<col ") {
        let tag = xml.get(i..).and_then(|s| s.split('>').next()).unwrap_or("");
        let attr = |name: &str| -> Option<String> {
            let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
            tag.get(start..)?.split('"').next().map(str::to_string)
        };
        let (Some(min), Some(max), Some(w)) = (attr("min"), attr("max"), attr("width")) else {
            continue;
        };
        let (min, max, w): (u32, u32, f64) = (
            min.parse().expect("min"),
            max.parse().expect("max"),
            w.parse().expect("width"),
        );
        for c in min..=max {
            out.insert(c - 1, w);
        }
    }
    out
}

#[test]
fn the_district_workbook_counts_distinct_cases_and_fits_its_columns() {
    let dir = tempfile::tempdir().expect("tmp");
    let q1 = submission("T01", 2026, 1).write(dir.path());
    // The same five cases in the next quarter, and one new one with a long file name.
    let long = dir.path().join("lang");
    std::fs::create_dir_all(&long).expect("dir");
    let q2 = submission("T01", 2026, 2).write(&long);
    let renamed = long.join("T01_2026-Q2_korrigierte_Fassung_vom_Oktober.xlsx");
    std::fs::rename(&q2, &renamed).expect("rename");
    let out = dir.path().join("Kreis.xlsx");
    let o = sozialraum()
        .arg("consolidate")
        .arg(&q1)
        .arg(&renamed)
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .output()
        .expect("run");
    assert!(out.exists(), "{}", String::from_utf8_lossy(&o.stderr));

    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).expect("district workbook");
    let overview = wb.worksheet_range("Übersicht").expect("Übersicht");
    let text = |r: u32, c: u32| {
        overview
            .get_value((r, c))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    let header_row = (0..overview.height() as u32)
        .find(|r| text(*r, 1) == "Sozialraum")
        .expect("header row");
    let col = |name: &str| {
        (0..overview.width() as u32)
            .find(|c| text(header_row, *c) == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let (cases, case_quarters) = (col("Fälle"), col("Fall-Quartale"));
    let total_row = (header_row..overview.height() as u32)
        .find(|r| text(*r, 0) == "Zeitraum gesamt" && text(*r, 1) == "Summe")
        .expect("whole-period total");
    assert_eq!(text(total_row, cases), "5", "distinct Fall-IDs");
    assert_eq!(
        text(total_row, case_quarters),
        "10",
        "one row per case and quarter"
    );
    let q1_total = (header_row..overview.height() as u32)
        .find(|r| text(*r, 0) == "2026-Q1" && text(*r, 1) == "Summe")
        .expect("Q1 total");
    assert_eq!(text(q1_total, cases), "5");
    assert_eq!(text(q1_total, case_quarters), "5");

    // Columns as wide as their longest value: source references and Fall-IDs never spill over.
    let fall = wb.worksheet_range("Fallarbeit").expect("Fallarbeit");
    let widths = column_widths(&common::zip_part(&out, "xl/worksheets/sheet2.xml"));
    let longest = |c: u32| {
        (0..fall.height() as u32)
            .filter_map(|r| fall.get_value((r, c)))
            .map(|d| d.to_string().chars().count())
            .max()
            .unwrap_or(0)
    };
    let source_ref = "T01_2026-Q2_korrigierte_Fassung_vom_Oktober.xlsx:Fallarbeit!6";
    assert_eq!(longest(3), source_ref.chars().count());
    let case_col = (0..fall.width() as u32)
        .find(|c| fall.get_value((0, *c)).map(|d| d.to_string()) == Some("Fall-ID".into()))
        .expect("Fall-ID column");
    for c in [3, case_col] {
        let w = widths.get(&c).copied().unwrap_or(0.0);
        assert!(
            w >= longest(c) as f64 + 1.0,
            "column {c}: width {w} for {} characters",
            longest(c)
        );
    }
    // Headers wrap at spaces: each column holds its longest header word, and the header row is high enough.
    for c in 0..fall.width() as u32 {
        let header = fall
            .get_value((0, c))
            .map(|d| d.to_string())
            .unwrap_or_default();
        let word = header
            .split_whitespace()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0);
        let w = widths.get(&c).copied().unwrap_or(0.0);
        assert!(w >= word as f64, "header „{header}“ in width {w}");
    }
    let sheet2 = common::zip_part(&out, "xl/worksheets/sheet2.xml");
    let first_row = sheet2
        .split("<row r=\"1\"")
        .nth(1)
        .and_then(|s| s.split('>').next())
        .unwrap_or_default();
    assert!(
        first_row.contains("customHeight=\"1\""),
        "a wrapped header row gets the height of its lines: {first_row}"
    );
}

/// Files written by openpyxl and LibreOffice (`tests/fixtures/external/`):
/// an unknown provider, a typo provider, an unused template's 500 prepared
/// rows. The totals equal the true sums to the cent, nothing readable is lost.
#[test]
fn workbooks_written_elsewhere_consolidate_to_their_true_sums() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/external");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"),
    )
    .expect("json");
    let out = sozialraum()
        .arg("consolidate")
        .arg(&dir)
        .args(["--format", "json"])
        .output()
        .expect("run");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("consolidate json");
    let mut got: BTreeMap<String, Decimal> = BTreeMap::new();
    for t in doc["totals"].as_array().expect("totals") {
        let key = format!(
            "{}|{}|{}",
            t["provider"].as_str().expect("provider"),
            t["sozialraum"].as_str().unwrap_or("null"),
            t["category"].as_str().expect("category")
        );
        let amount: Decimal = t["amount"]
            .as_str()
            .expect("amount")
            .parse()
            .expect("decimal");
        *got.entry(key).or_default() += amount;
    }
    let want: BTreeMap<String, Decimal> = expected["totals"]
        .as_object()
        .expect("totals")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().expect("amount").parse().expect("decimal"),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(doc["grand_total"], expected["grand_total"]);
    let status = |name: &str| {
        doc["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .map(|f| (f["provider"].clone(), f["status"].clone()))
            .expect(name)
    };
    assert_eq!(status("T07_2026-Q4.xlsx").0, "T07");
    assert_eq!(status("T06_2026-Q4.xlsx").0, "T06");
    assert_eq!(status("T01_2026-Q4.xlsx").1, "included");
    assert_eq!(status("T03_2026-Q4.xls").1, "included");
    // The template's prepared rows are not cases.
    let t02 = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| {
            f["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("T02_2026-Q4.xlsx"))
        })
        .expect("T02");
    assert_eq!(t02["rows"]["Fallarbeit"], 11);
}
