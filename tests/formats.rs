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
