//! Formats other than the `.xlsx` the tests write: the committed `.xls` and
//! `.ods` fixtures (see `tests/fixtures/README.md`), and an `.xls` under a
//! misleading name. The format is decided by the bytes, not the name.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn fixture(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    assert!(p.is_file(), "fixture {} missing", p.display());
    p
}

fn assert_clean(r: &FileReport, what: &str) {
    assert_eq!((r.errors(), r.warnings()), (0, 0), "{what}:\n{}", r.dump());
    assert_eq!(r.0["provider"], "T01", "{what}");
    assert_eq!(r.0["year"], 2026, "{what}");
    assert_eq!(r.0["quarter"], 3, "{what}");
}

#[test]
fn clean_xls_and_ods_check_without_errors() {
    for name in ["clean_T01_2026-Q3.xls", "clean_T01_2026-Q3.ods"] {
        let (code, doc) = check_json(&[fixture(name)], &[]);
        assert_eq!(code, 0, "{name}");
        assert_clean(&FileReport::first(&doc), name);
    }
}

#[test]
fn flawed_ods_finds_its_planted_problems() {
    let (code, doc) = check_json(&[fixture("flawed_T01_2026-Q3.ods")], &[]);
    assert_eq!(code, 1);
    let r = FileReport::first(&doc);
    let planted = [
        (
            expect(
                "ENUM-UNKNOWN",
                "enum",
                "error",
                Some("Fallarbeit"),
                Some("B4"),
            ),
            "Achm",
        ),
        (
            expect(
                "FORMULA-ERROR",
                "formula",
                "error",
                Some("Fallarbeit"),
                Some("H3"),
            ),
            "#DIV/0!",
        ),
    ];
    for (e, value) in planted {
        let f = r.expect_one(&e).unwrap_or_else(|m| panic!("{m}"));
        assert_eq!(f["value"], value);
    }
    assert_eq!(
        (r.errors(), r.warnings()),
        (2, 0),
        "nothing but the planted problems:\n{}",
        r.dump()
    );
    assert_eq!(r.0["provider"], "T01");
}

#[test]
fn xls_under_another_name_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["T01_2026-Q3.xlsx", "T01_2026-Q3.XLS", "T01_2026-Q3.ods"];
    let paths: Vec<PathBuf> = names
        .iter()
        .map(|n| {
            let sub = dir.path().join(n.replace('.', "_"));
            std::fs::create_dir(&sub).unwrap();
            let p = sub.join(n);
            std::fs::copy(fixture("clean_T01_2026-Q3.xls"), &p).unwrap();
            p
        })
        .collect();
    let (code, doc) = check_json(&paths, &[]);
    assert_eq!(code, 0, "{doc}");
    for p in &paths {
        let shown = p.display().to_string();
        assert_clean(&FileReport::by_path(&doc, &shown), &shown);
    }
}

#[test]
fn ods_renamed_to_xlsx_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("T01_2026-Q3.xlsx");
    std::fs::copy(fixture("clean_T01_2026-Q3.ods"), &p).unwrap();
    let (code, doc) = check_json(&[&p], &[]);
    assert_eq!(code, 0);
    assert_clean(&FileReport::first(&doc), "ods named .xlsx");
}

#[test]
fn a_folder_is_searched_for_workbooks_of_any_case() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("clean_T01_2026-Q3.xls"),
        dir.path().join("T01_2026-Q3.XLS"),
    )
    .unwrap();
    std::fs::copy(
        fixture("clean_T01_2026-Q3.ods"),
        dir.path().join("T01_2026-Q3.ods"),
    )
    .unwrap();
    Submission::valid("T01", 2026, 3).write_as(dir.path(), "T01_2026-Q3.xlsx");
    std::fs::write(
        dir.path().join("Anschreiben.txt"),
        "Sehr geehrte Damen und Herren",
    )
    .unwrap();
    std::fs::write(dir.path().join("~$T01_2026-Q3.xlsx"), b"lock").unwrap();
    let (code, doc) = check_json(&[dir.path()], &[]);
    assert_eq!(code, 0, "{doc}");
    let mut checked: Vec<String> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            Path::new(f["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    checked.sort();
    assert_eq!(
        checked,
        ["T01_2026-Q3.XLS", "T01_2026-Q3.ods", "T01_2026-Q3.xlsx"]
    );
}

/// An unused entry template below three cases: `Nr.` 1..503 in an extra
/// column, the contracted rate and `=F·G` (never calculated) in 500 rows.
/// The same workbook as written here (`.xlsx`) and converted by LibreOffice
/// (`.ods`, `.xls`, where the formula holds a calculated 0).
fn prepared_template() -> Submission {
    let mut s = Submission::valid("T01", 2026, 3);
    s.with_prepared_rows(3, 500);
    s
}

/// The cost of the template's three cases, to the cent.
fn three_cases_cost(s: &Submission) -> rust_decimal::Decimal {
    rust_decimal::Decimal::from_f64_retain(s.column_sum("Fallarbeit", "Kosten"))
        .map(|d| d.round_dp(2))
        .unwrap_or_default()
}

#[test]
fn prepared_rows_are_empty_rows_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = prepared_template().write_as(dir.path(), "prepared_T01_2026-Q3.xlsx");
    for path in [
        xlsx,
        fixture("prepared_T01_2026-Q3.ods"),
        fixture("prepared_T01_2026-Q3.xls"),
    ] {
        let name = path.display().to_string();
        let (code, doc) = check_json(&[&path], &[]);
        let r = FileReport::first(&doc);
        assert_eq!(code, 0, "{name}:\n{}", r.dump());
        assert_eq!((r.errors(), r.warnings()), (0, 0), "{name}:\n{}", r.dump());
        assert!(!r.has("REQUIRED-EMPTY"), "{name}");
        let prepared = r
            .expect_one(&expect(
                "ROWS-PREPARED",
                "sheet",
                "info",
                Some("Fallarbeit"),
                Some("G5"),
            ))
            .unwrap_or_else(|m| panic!("{name}: {m}"));
        assert!(
            prepared["message"].as_str().unwrap().starts_with("500 "),
            "{name}: {prepared}"
        );
        assert_eq!(r.find("ROWS-PREPARED", None, None).len(), 1, "{name}");
    }
}

#[test]
fn prepared_rows_count_nothing_in_the_consolidation() {
    let dir = tempfile::tempdir().unwrap();
    let s = prepared_template();
    let expected = three_cases_cost(&s);
    let xlsx = s.write_as(dir.path(), "prepared_T01_2026-Q3.xlsx");
    for path in [
        xlsx,
        fixture("prepared_T01_2026-Q3.ods"),
        fixture("prepared_T01_2026-Q3.xls"),
    ] {
        let name = path.display().to_string();
        let out = sozialraum()
            .arg("consolidate")
            .arg(&path)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let fall: Vec<&serde_json::Value> = doc["totals"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["category"] == "Fallarbeit")
            .collect();
        assert!(
            fall.iter().all(|t| !t["sozialraum"].is_null()),
            "{name}: no row without a Sozialraum: {fall:?}"
        );
        let rows: u64 = fall.iter().map(|t| t["rows"].as_u64().unwrap()).sum();
        let amount: rust_decimal::Decimal = fall
            .iter()
            .map(|t| {
                t["amount"]
                    .as_str()
                    .unwrap()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            })
            .sum();
        assert_eq!((rows, amount), (3, expected), "{name}");
        assert_eq!(doc["files"][0]["rows"]["Fallarbeit"], 3, "{name}");
        assert_eq!(doc["files"][0]["status"], "included", "{name}");
    }
}

/// LibreOffice saves `=WENN(…;"")` with its calculated result, an empty text
/// (`office:value-type="string"` without text; in `.xls` a FORMULA record
/// with an empty string): calamine shows an empty cell. Such cells are read
/// as formulas without a result, as in `.xlsx`, so the 20 prepared rows are
/// named once instead of vanishing unnoticed.
#[test]
fn formulas_with_an_empty_text_result_are_prepared_rows_in_ods_and_xls() {
    for name in [
        "prepared_text_T01_2026-Q3.ods",
        "prepared_text_T01_2026-Q3.xls",
    ] {
        let (code, doc) = check_json(&[fixture(name)], &[]);
        let r = FileReport::first(&doc);
        assert_eq!(
            (code, r.errors(), r.warnings()),
            (0, 0, 0),
            "{name}:\n{}",
            r.dump()
        );
        let prepared = r
            .expect_one(&expect(
                "ROWS-PREPARED",
                "sheet",
                "info",
                Some("Fallarbeit"),
                Some("H7"),
            ))
            .unwrap_or_else(|m| panic!("{name}: {m}"));
        assert!(
            prepared["message"].as_str().unwrap().starts_with("20 "),
            "{name}: {prepared}"
        );
    }
}
