//! `check --annotate`: the provider's copy with every problem marked.
//! The copy is read back with calamine (values, fills) and its XML (notes).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader, Xlsx};
use common::{sozialraum, Submission};
use serde_json::Value;

/// A submission with problems of several kinds (error, warning, info, on
/// filled and on empty cells, a formula-looking text).
fn flawed() -> Submission {
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Fallarbeit", "B3", "Achm"); // enum error
    s.set("Fallarbeit", "H4", 1.0); // cross_field error
    s.clear("Fallarbeit", "C5"); // required error on an empty cell
    s.set(
        "Fallarbeit",
        "K2",
        "=HYPERLINK(\"http://example.org\",\"klick\")",
    ); // text, never a formula
    s.set("Fallarbeit", "G6", "62,40 €"); // info: number as text
    s.set("Deckblatt", "B4", "Jugendhilfe Aller Weser"); // warning: provider name
    s
}

fn annotate(input: &Path, out: &Path, extra: &[&str]) -> (i32, Value) {
    let o = sozialraum()
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .arg("check")
        .arg("--format")
        .arg("json")
        .arg(input)
        .arg("--annotate")
        .arg(out)
        .args(extra)
        .output()
        .expect("run");
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o.status.code().unwrap_or(-1), doc)
}

fn part(path: &Path, name: &str) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut e = z.by_name(name).ok()?;
    let mut s = String::new();
    e.read_to_string(&mut s).ok()?;
    Some(s)
}

/// Cells carrying a note, per sheet name, from the written XML.
fn notes(path: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let wb = part(path, "xl/workbook.xml").unwrap_or_default();
    let names: Vec<String> = wb
        .split("<sheet ")
        .skip(1)
        .filter_map(|s| common::xml_attr(&format!(" {s}"), "name"))
        .collect();
    let mut out = BTreeMap::new();
    for name in &names {
        let Some(sheet) = common::sheet_part(path, name) else {
            continue;
        };
        let Some((_, _, comments)) = common::rel_targets(path, &sheet)
            .into_iter()
            .find(|(_, kind, _)| kind == "comments")
        else {
            continue;
        };
        let xml = part(path, &comments).unwrap_or_default();
        let refs: BTreeSet<String> = xml
            .split("<comment ref=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(String::from)
            .collect();
        out.insert(name.clone(), refs);
    }
    out
}

fn a1(row: u32, col: u32) -> String {
    let mut n = col + 1;
    let mut s = String::new();
    while n > 0 {
        s.insert(0, (b'A' + ((n - 1) % 26) as u8) as char);
        n = (n - 1) / 26;
    }
    format!("{s}{}", row + 1)
}

#[test]
fn the_copy_keeps_every_value_and_marks_every_located_finding() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = flawed().write(dir.path());
    let out = dir.path().join("geprueft.xlsx");
    let (code, doc) = annotate(&input, &out, &[]);
    assert_eq!(code, 1, "errors planted");
    let findings = doc["files"][0]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(findings.len() >= 5, "{findings:?}");

    // Sheet order: the report first, then the input's sheets in their order.
    let mut original = open_workbook_auto(&input).expect("input");
    let mut copy: Xlsx<_> = calamine::open_workbook(&out).expect("copy opens");
    let mut expected_names = vec!["Prüfbericht".to_string()];
    expected_names.extend(original.sheet_names());
    assert_eq!(copy.sheet_names(), expected_names);

    // Every original value at its original position.
    for name in original.sheet_names() {
        let a = original.worksheet_range(&name).expect("input sheet");
        let b = copy.worksheet_range(&name).expect("copied sheet");
        for (r, c, v) in a.used_cells() {
            let (row, col) = (
                a.start().unwrap().0 + r as u32,
                a.start().unwrap().1 + c as u32,
            );
            let w = b.get_value((row, col)).cloned().unwrap_or(Data::Empty);
            let same = match (v, &w) {
                (Data::DateTime(x), Data::DateTime(y)) => x.as_f64() == y.as_f64(),
                (Data::Float(x), Data::Float(y)) => x == y,
                (Data::String(x), Data::String(y)) => x == y,
                (x, y) => x == y,
            };
            assert!(same, "{name}!{}: {v:?} became {w:?}", a1(row, col));
        }
    }

    // Every finding located on a copied sheet: a fill and a note at its cell.
    let noted = notes(&out);
    for f in &findings {
        let (Some(sheet), Some(cell)) = (f["sheet"].as_str(), f["cell"].as_str()) else {
            continue;
        };
        if !expected_names.iter().any(|n| n == sheet) {
            continue;
        }
        assert!(
            noted.get(sheet).is_some_and(|s| s.contains(cell)),
            "no note at {sheet}!{cell}"
        );
        let styles = copy.worksheet_style(sheet).expect("styles");
        let pos = common::a1(cell);
        let fill = styles
            .get(pos)
            .and_then(|s| s.fill.as_ref())
            .and_then(|f| f.get_color());
        assert!(fill.is_some(), "no fill at {sheet}!{cell}");
    }

    // The formula-looking text is text in the copy, not a formula.
    let fallarbeit = common::sheet_part(&out, "Fallarbeit").expect("Fallarbeit part");
    let sheet_xml = part(&out, &fallarbeit).expect("Fallarbeit xml");
    assert!(
        !sheet_xml.contains("<f>"),
        "a provider string became a formula"
    );

    // The report lists every JSON finding: errors first, then warnings and
    // infos; infos repeated down a column share one line with their range.
    let report = copy.worksheet_range("Prüfbericht").expect("report");
    let header = (0..report.height())
        .find(|r| report.get((*r, 7)).map(|d| d.to_string()) == Some("Code".into()))
        .expect("header row");
    let rows: Vec<(String, String, String, String)> = ((header + 1)..report.height())
        .map(|r| {
            let s = |c| {
                report
                    .get((r, c))
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            };
            (s(7), s(2), s(5), s(0))
        })
        .filter(|r| !r.0.is_empty())
        .collect();
    let weight = |severity: &str| {
        ["Fehler", "Warnung", "Hinweis"]
            .iter()
            .position(|w| *w == severity)
    };
    let weights: Vec<_> = rows.iter().map(|r| weight(&r.3)).collect();
    assert!(weights.iter().all(Option::is_some), "{rows:?}");
    assert!(
        weights.windows(2).all(|w| w[0] <= w[1]),
        "not errors first: {rows:?}"
    );
    for f in &findings {
        let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
        let (code, cell, message) = (s("code"), s("cell"), s("message"));
        let listed = rows.iter().any(|r| {
            r.0 == code
                && ((r.1 == cell && r.2 == message) || (r.1.contains(':') && !cell.is_empty()))
        });
        assert!(
            listed,
            "{code} {cell} {message} not in the report: {rows:?}"
        );
    }
    assert!(rows.len() <= findings.len());

    // The links of the report jump to the copied cells.
    let report_part = common::sheet_part(&out, "Prüfbericht").expect("report part");
    let report_xml = part(&out, &report_part).expect("report xml");
    assert!(
        report_xml.contains("location=\"'Fallarbeit'!B3\""),
        "link to the enum error missing"
    );
}

#[test]
fn two_runs_give_the_same_bytes_and_the_input_is_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = flawed().write(dir.path());
    let before = std::fs::read(&input).expect("read");
    let a = dir.path().join("a.xlsx");
    let b = dir.path().join("b.xlsx");
    annotate(&input, &a, &[]);
    annotate(&input, &b, &[]);
    assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
    assert_eq!(std::fs::read(&input).expect("read"), before);
}

#[test]
fn an_output_equal_to_the_input_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = flawed().write(dir.path());
    let before = std::fs::read(&input).expect("read");
    let o = sozialraum()
        .arg("check")
        .arg(&input)
        .arg("--annotate")
        .arg(&input)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Eingabe"));
    assert_eq!(std::fs::read(&input).expect("read"), before);
    // The same file named through another path is refused too.
    let other: PathBuf = dir.path().join(".").join(input.file_name().expect("name"));
    let o = sozialraum()
        .arg("check")
        .arg(&input)
        .arg("--annotate")
        .arg(&other)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&input).expect("read"), before);
}

#[test]
fn a_clean_file_gets_a_copy_saying_no_findings() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = Submission::valid("T02", 2026, 2).write(dir.path());
    let out = dir.path().join("ok.xlsx");
    let (code, doc) = annotate(&input, &out, &[]);
    assert_eq!(code, 0, "{doc}");
    let mut copy: Xlsx<_> = calamine::open_workbook(&out).expect("copy");
    let report = copy.worksheet_range("Prüfbericht").expect("report");
    assert_eq!(
        doc["files"][0]["findings"].as_array().map(Vec::len),
        Some(0),
        "the fixture is clean: {doc}"
    );
    let texts: Vec<String> = report.used_cells().map(|(_, _, d)| d.to_string()).collect();
    assert!(texts.iter().any(|t| t == "Keine Befunde"), "{texts:?}");
}

#[test]
fn a_broken_input_gets_a_report_only_workbook() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("T01_2026-Q3.xlsx");
    std::fs::write(&input, b"PK\x03\x04 this is not a zip").expect("write");
    let out = dir.path().join("report.xlsx");
    let (code, doc) = annotate(&input, &out, &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["files"][0]["findings"][0]["rule"], "file");
    let copy: Xlsx<_> = calamine::open_workbook(&out).expect("report opens");
    assert_eq!(copy.sheet_names(), vec!["Prüfbericht".to_string()]);
}

#[test]
fn annotate_dir_writes_one_checked_copy_per_input_and_english_names() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = Submission::valid("T01", 2026, 3).write(dir.path());
    let b = flawed().named("T03_2026-Q3.xlsx").write(dir.path());
    let outdir = dir.path().join("out");
    let o = sozialraum()
        .args(["--lang", "en", "check"])
        .arg(&a)
        .arg(&b)
        .arg("--annotate-dir")
        .arg(&outdir)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    for stem in [a.file_stem(), b.file_stem()] {
        let p = outdir.join(format!(
            "{}_checked.xlsx",
            stem.expect("stem").to_string_lossy()
        ));
        let copy: Xlsx<_> =
            calamine::open_workbook(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(
            copy.sheet_names().first().map(String::as_str),
            Some("Check report")
        );
    }
}

/// A formula the writing program never calculated (`fullCalcOnLoad`, cached
/// 0) is a `formula` finding; in the copy it is still the formula (the
/// spreadsheet program calculates it on opening), never a fixed value.
#[test]
fn an_uncalculated_formula_stays_a_formula_in_the_copy() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.formula("Fallarbeit", "H3", "=F3*G3", None);
    let dir = tempfile::tempdir().unwrap();
    let input = s.write(dir.path());
    let out = dir.path().join("copy.xlsx");
    let (code, doc) = annotate(&input, &out, &[]);
    assert_eq!(code, 1);
    let findings = doc["files"][0]["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["code"] == "FORMULA-NO-VALUE" && f["cell"] == "H3"));
    let mut copy: Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let formulas = copy.worksheet_formula("Fallarbeit").unwrap();
    assert_eq!(
        formulas.get_value((2, 7)).map(String::as_str),
        Some("F3*G3"),
        "the formula is kept at its cell"
    );
}
