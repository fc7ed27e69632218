//! The annotated copy of an `.xlsx` is the provider's own workbook with an
//! overlay (issue 12): compared part by part with the original, opened by
//! other programs, corrected in LibreOffice and checked again.
//!
//! The fixture `tests/fixtures/overlay/overlay_T04_2026-Q3.xlsx` was written
//! outside this project (openpyxl, `make_fixture.py` beside it) with
//! formulas and their results, dropdowns, a conditional format, a global and
//! a sheet-scoped name, notes, a table and a chart, and five planted problems.
//!
//! Some tests need LibreOffice (`soffice`, and its Python bridge for editing
//! a cell) and Python's openpyxl: `apt-get install -y libreoffice-calc-nogui
//! python3-uno` and `pip install openpyxl`. Without them they fail and say
//! so; they do not pass silently.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Reader, Xlsx};
use common::{rel_targets, sheet_part, sozialraum, try_zip_part, xml_attr};
use serde_json::Value;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/overlay/overlay_T04_2026-Q3.xlsx"
);
const EDIT_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/overlay/edit_in_libreoffice.py"
);

/// The planted problems: code and cell, all on `Fallarbeit`.
const PLANTED: [(&str, &str); 5] = [
    ("ENUM-UNKNOWN", "B4"),
    ("REFERENCE-RATE", "G5"),
    ("CROSS-DATE-ORDER", "E6"),
    ("REQUIRED-EMPTY", "C8"),
    ("PRIVACY-VALUE", "K9"),
];

fn annotate(input: &Path, out: &Path, extra: &[&str]) -> (i32, Value) {
    let o = sozialraum()
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .arg("check")
        .arg("--format")
        .arg("json")
        .args(extra)
        .arg(input)
        .arg("--annotate")
        .arg(out)
        .output()
        .expect("run");
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
        panic!(
            "no JSON: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    assert!(out.is_file(), "no copy written: {doc}");
    (o.status.code().unwrap_or(-1), doc)
}

/// A finding as the comparison sees it.
type Key = (String, String, String, String, String);

fn findings(doc: &Value) -> BTreeSet<Key> {
    doc["files"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (
                s("severity"),
                s("code"),
                s("sheet"),
                s("cell"),
                s("message"),
            )
        })
        .collect()
}

fn check(path: &Path) -> BTreeSet<Key> {
    let (_, doc) = common::check_json(&[path], &["--all"]);
    findings(&doc)
}

fn without_copy_info(set: &BTreeSet<Key>) -> BTreeSet<Key> {
    set.iter()
        .filter(|k| k.1 != "FILE-ANNOTATED-COPY")
        .cloned()
        .collect()
}

/// Each part's CRC, compressed size and method, as stored.
fn stored(path: &Path) -> BTreeMap<String, (u32, u64, String)> {
    let bytes = std::fs::read(path).expect("read");
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    (0..z.len())
        .map(|i| {
            let e = z.by_index_raw(i).expect("entry");
            (
                e.name().map(|n| n.to_string()).unwrap_or_default(),
                (
                    e.crc32(),
                    e.compressed_size(),
                    format!("{:?}", e.compression()),
                ),
            )
        })
        .collect()
}

fn part(path: &Path, name: &str) -> String {
    try_zip_part(path, name).unwrap_or_else(|| panic!("{}: no part {name}", path.display()))
}

/// Every cell with a formula: its reference → the cell's content (formula
/// and cached value) as written.
fn formulas(xml: &str) -> BTreeMap<String, String> {
    xml.split("<c ")
        .skip(1)
        .filter_map(|c| {
            let tag_end = c.find('>')?;
            let tag = format!(" {}", &c[..tag_end]);
            if tag.ends_with('/') {
                return None;
            }
            let body = &c[tag_end + 1..c.find("</c>")?];
            body.contains("<f")
                .then(|| (xml_attr(&tag, "r").unwrap_or_default(), body.to_string()))
        })
        .collect()
}

/// The text between the first `<tag` and its end tag.
fn element<'a>(xml: &'a str, tag: &str) -> &'a str {
    let start = xml.find(&format!("<{tag}")).unwrap_or(0);
    let end = xml[start..]
        .find(&format!("</{tag}>"))
        .map_or(start, |e| start + e + tag.len() + 3);
    &xml[start..end]
}

/// The notes of a sheet: cell → text.
fn notes(path: &Path, sheet: &str) -> BTreeMap<String, String> {
    let Some(sheet) = sheet_part(path, sheet) else {
        return BTreeMap::new();
    };
    let Some((_, _, comments)) = rel_targets(path, &sheet)
        .into_iter()
        .find(|(_, kind, _)| kind == "comments")
    else {
        return BTreeMap::new();
    };
    let xml = part(path, &comments);
    xml.split("<comment ")
        .skip(1)
        .filter_map(|c| {
            let r = xml_attr(&format!(" {c}"), "ref")?;
            let text: String = c
                .split("<t")
                .skip(1)
                .filter_map(|t| {
                    let body = &t[t.find('>')? + 1..];
                    Some(body[..body.find("</t>")?].to_string())
                })
                .collect();
            Some((
                r,
                text.replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&#10;", "\n"),
            ))
        })
        .collect()
}

/// The fill colour of each cell of `sheet` that has one (calamine's reading of the styles).
fn fills(path: &Path, sheet: &str) -> BTreeMap<String, String> {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).expect("opens");
    let styles = wb.worksheet_style(sheet).expect("styles");
    let mut out = BTreeMap::new();
    for (row, col, style) in styles.cells() {
        let at = common::letters(col) + &(row + 1).to_string();
        if let Some(color) = style.fill.as_ref().and_then(|f| f.get_color()) {
            let rgb = format!("{:02X}{:02X}{:02X}", color.red, color.green, color.blue);
            if rgb != "FFFFFF" && rgb != "000000" {
                out.insert(at, rgb);
            }
        }
    }
    out
}

fn tool(name: &str, hint: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| panic!("{name} is needed for this test and was not found: {hint}"))
}

fn soffice() -> PathBuf {
    tool(
        "soffice",
        "apt-get install -y libreoffice-calc-nogui (see tests/overlay.rs)",
    )
}

/// Edits cells in LibreOffice and saves the workbook (`Sheet!A1=value`).
fn edit_in_libreoffice(input: &Path, out: &Path, edits: &[&str]) {
    soffice();
    let python = Path::new("/usr/bin/python3");
    let o = Command::new(python)
        .arg(EDIT_SCRIPT)
        .arg(input)
        .arg(out)
        .args(edits)
        .output()
        .unwrap_or_else(|e| panic!("/usr/bin/python3 is needed to drive LibreOffice: {e}"));
    assert!(
        o.status.success() && out.is_file(),
        "LibreOffice edit failed (apt-get install -y python3-uno): {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The copy of the fixture, made once per test in `dir`.
fn copy_of_fixture(dir: &Path) -> (PathBuf, Value) {
    let out = dir.join("T04_geprüft.xlsx");
    let (code, doc) = annotate(Path::new(FIXTURE), &out, &[]);
    assert_eq!(code, 1, "errors planted: {doc}");
    (out, doc)
}

#[test]
fn the_fixture_has_exactly_the_planted_problems() {
    let found: BTreeSet<(String, String)> = check(Path::new(FIXTURE))
        .into_iter()
        .map(|k| (k.1, k.3))
        .collect();
    let planted: BTreeSet<(String, String)> = PLANTED
        .iter()
        .map(|(c, a)| (c.to_string(), a.to_string()))
        .collect();
    assert_eq!(found, planted);
}

#[test]
fn the_copy_is_the_original_with_the_overlay() {
    let dir = tempfile::tempdir().expect("tmp");
    let (copy, doc) = copy_of_fixture(dir.path());
    let original = Path::new(FIXTURE);

    // Parts the overlay does not need are copied as they were stored.
    let before = stored(original);
    let after = stored(&copy);
    let changed: BTreeSet<&str> = after
        .iter()
        .filter(|(name, entry)| before.get(*name) != Some(entry))
        .map(|(name, _)| name.as_str())
        .collect();
    let report = sheet_part(&copy, "Prüfbericht").expect("report sheet");
    let expected: BTreeSet<&str> = [
        "[Content_Types].xml",
        "_rels/.rels",
        "docProps/custom.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet2.xml",
        "xl/comments/comment1.xml",
        "xl/drawings/commentsDrawing1.vml",
        report.as_str(),
    ]
    .into_iter()
    .collect();
    assert_eq!(changed, expected);
    assert!(
        before.keys().all(|k| after.contains_key(k)),
        "a part went missing"
    );

    // Every formula is still a formula at its cell, with its result.
    for sheet in [
        "Deckblatt",
        "Fallarbeit",
        "Milieuarbeit",
        "Strukturarbeit",
        "Summen",
    ] {
        let a = part(original, &sheet_part(original, sheet).expect("part"));
        let b = part(&copy, &sheet_part(&copy, sheet).expect("part"));
        assert_eq!(formulas(&a), formulas(&b), "{sheet}");
        if sheet == "Fallarbeit" {
            assert_eq!(formulas(&a).len(), 12, "Kosten = Stunden × Satz");
            for tag in [
                "dataValidations",
                "conditionalFormatting",
                "cols",
                "pageSetup",
            ] {
                assert_eq!(element(&a, tag), element(&b, tag), "{tag}");
            }
            assert!(b.contains("<legacyDrawing"));
        }
        if sheet == "Summen" {
            assert_eq!(formulas(&b).len(), 4);
        }
    }

    // Names: the global one as it was, the print area moved with its sheet.
    let wb = part(&copy, "xl/workbook.xml");
    assert!(wb.contains(">Fallarbeit!$G$2:$G$13</definedName>"), "{wb}");
    let print_area = wb
        .split("<definedName ")
        .find(|d| d.contains("_xlnm.Print_Area"))
        .expect("print area");
    assert!(print_area.contains("localSheetId=\"2\""), "{print_area}");
    assert!(print_area.contains("'Fallarbeit'!$A$1:$K$13"));

    // The report is the first sheet and the active one, the only selected tab.
    let first = wb.split("<sheet ").nth(1).expect("sheet");
    assert_eq!(
        xml_attr(&format!(" {first}"), "name").as_deref(),
        Some("Prüfbericht")
    );
    assert!(wb.contains("activeTab=\"0\""));
    let selected: Vec<String> = ["Prüfbericht", "Deckblatt", "Fallarbeit", "Summen"]
        .into_iter()
        .filter(|s| part(&copy, &sheet_part(&copy, s).expect("part")).contains("tabSelected=\"1\""))
        .map(String::from)
        .collect();
    assert_eq!(selected, vec!["Prüfbericht".to_string()]);

    // The table and the chart are still referenced from their sheets.
    let milieu = sheet_part(&copy, "Milieuarbeit").expect("part");
    assert!(rel_targets(&copy, &milieu)
        .iter()
        .any(|(_, k, t)| k == "table" && t == "xl/tables/table1.xml"));
    let summen = sheet_part(&copy, "Summen").expect("part");
    assert!(rel_targets(&copy, &summen)
        .iter()
        .any(|(_, k, t)| k == "drawing" && t == "xl/drawings/drawing1.xml"));
    assert!(rel_targets(&copy, "xl/drawings/drawing1.xml")
        .iter()
        .any(|(_, k, t)| k == "chart" && t == "xl/charts/chart1.xml"));

    // Each finding cell has its fill and its note; the old notes stay.
    let notes = notes(&copy, "Fallarbeit");
    let fills = fills(&copy, "Fallarbeit");
    let located: Vec<(String, String, String)> = doc["files"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| {
            Some((
                f["sheet"].as_str()?.to_string(),
                f["cell"].as_str()?.to_string(),
                f["code"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert_eq!(located.len(), PLANTED.len());
    for (sheet, cell, code) in &located {
        assert_eq!(sheet, "Fallarbeit");
        let note = notes
            .get(cell)
            .unwrap_or_else(|| panic!("no note at {cell}"));
        assert!(note.contains(&format!("[{code}]")), "{cell}: {note}");
        assert_eq!(note.matches("sozialraum:").count(), 1, "{cell}: {note}");
        let fill = fills
            .get(cell)
            .unwrap_or_else(|| panic!("no fill at {cell}"));
        let expected = if code == "PRIVACY-VALUE" {
            "FFEB9C"
        } else {
            "FFC7CE"
        };
        assert_eq!(fill, expected, "{cell}");
    }
    assert_eq!(
        notes.get("A2").map(String::as_str),
        Some("Fall aus dem Vorquartal übernommen.")
    );
    let b4 = &notes["B4"];
    assert!(
        b4.starts_with(
            "Sozialraum bitte beim Jugendamt erfragen.\n\nsozialraum:\nFehler [ENUM-UNKNOWN]"
        ),
        "{b4}"
    );
    // Only the finding cells got a fill (the header keeps its own blue).
    let filled: BTreeSet<&str> = fills
        .iter()
        .filter(|(_, c)| c.as_str() != "DDEBF7")
        .map(|(a, _)| a.as_str())
        .collect();
    let planted: BTreeSet<&str> = PLANTED.iter().map(|(_, a)| *a).collect();
    assert_eq!(filled, planted);

    // The number format of a marked cell stays (G5 is still shown in €).
    let mut wb: Xlsx<_> = calamine::open_workbook(&copy).expect("calamine opens");
    let styles = wb.worksheet_style("Fallarbeit").expect("styles");
    let g5 = styles.get((4, 6)).expect("G5 style");
    let format = g5
        .number_format
        .as_ref()
        .map(|f| f.format_code.clone())
        .unwrap_or_default();
    assert!(format.contains('€'), "{format}");
    // The document property marks it as our copy.
    assert!(part(&copy, "docProps/custom.xml").contains("kommentierte-Kopie"));
}

#[test]
fn other_programs_open_the_copy() {
    let dir = tempfile::tempdir().expect("tmp");
    let (copy, _) = copy_of_fixture(dir.path());
    // openpyxl reads every sheet, the notes, the validations, the table.
    let script = r#"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
assert wb.sheetnames[0] == "Prüfbericht" and wb.active.title == "Prüfbericht", wb.sheetnames
f = wb["Fallarbeit"]
assert f["H5"].value == "=F5*G5", f["H5"].value
assert f["B4"].comment.text.startswith("Sozialraum bitte"), f["B4"].comment.text
assert len(f.data_validations.dataValidation) == 3
assert "Milieu" in wb["Milieuarbeit"].tables
assert len(wb["Summen"]._charts) == 1
print("ok")
"#;
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&copy)
        .output()
        .expect("python3 is needed for this test");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("ok"),
        "openpyxl (pip install openpyxl): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // LibreOffice opens it (a headless conversion to PDF).
    let pdf_dir = dir.path().join("pdf");
    let o = Command::new(soffice())
        .arg("--headless")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.path().join("profile").display()
        ))
        .arg("--convert-to")
        .arg("pdf")
        .arg("--outdir")
        .arg(&pdf_dir)
        .arg(&copy)
        .output()
        .expect("soffice runs");
    let pdf = pdf_dir.join("T04_geprüft.pdf");
    assert!(
        o.status.success()
            && std::fs::metadata(&pdf)
                .map(|m| m.len() > 1000)
                .unwrap_or(false),
        "LibreOffice did not convert the copy: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn checking_the_copy_finds_what_the_original_has() {
    let dir = tempfile::tempdir().expect("tmp");
    let (copy, doc) = copy_of_fixture(dir.path());
    let original = findings(&doc);
    let again = check(&copy);
    assert_eq!(without_copy_info(&again), original);
    assert!(
        again.iter().any(|k| k.1 == "FILE-ANNOTATED-COPY"),
        "{again:?}"
    );
    // A copy of the copy (nothing fixed) marks the same cells once.
    let second = dir.path().join("zweite.xlsx");
    let (_, doc) = annotate(&copy, &second, &[]);
    assert_eq!(without_copy_info(&findings(&doc)), original);
    let names: Vec<String> = {
        let wb: Xlsx<_> = calamine::open_workbook(&second).expect("opens");
        wb.sheet_names()
    };
    assert_eq!(
        names,
        [
            "Prüfbericht",
            "Deckblatt",
            "Fallarbeit",
            "Milieuarbeit",
            "Strukturarbeit",
            "Summen"
        ]
    );
    assert_eq!(notes(&second, "Fallarbeit"), notes(&copy, "Fallarbeit"));
    assert_eq!(fills(&second, "Fallarbeit"), fills(&copy, "Fallarbeit"));
}

#[test]
fn a_cell_fixed_in_libreoffice_is_no_longer_reported_nor_marked() {
    let dir = tempfile::tempdir().expect("tmp");
    let (copy, doc) = copy_of_fixture(dir.path());
    let fixed = dir.path().join("korrigiert.xlsx");
    edit_in_libreoffice(
        &copy,
        &fixed,
        &["Fallarbeit!G5=59,9", "Fallarbeit!B4=Dörverden/Kirchlinteln"],
    );
    let original = findings(&doc);
    let expected: BTreeSet<Key> = original
        .iter()
        .filter(|k| k.3 != "G5" && k.3 != "B4")
        .cloned()
        .collect();
    assert_eq!(expected.len(), 3);
    let after = check(&fixed);
    assert_eq!(without_copy_info(&after), expected);

    // Annotated again: the fixed cells lose fill and note of ours, the
    // provider's note on B4 is hers again, the others stay marked once.
    let again = dir.path().join("wieder.xlsx");
    let (_, doc) = annotate(&fixed, &again, &[]);
    assert_eq!(without_copy_info(&findings(&doc)), expected);
    let fills = fills(&again, "Fallarbeit");
    let notes = notes(&again, "Fallarbeit");
    for cell in ["G5", "B4"] {
        assert!(!fills.contains_key(cell), "{cell} still filled: {fills:?}");
    }
    assert!(!notes.contains_key("G5"), "{notes:?}");
    assert_eq!(
        notes.get("B4").map(String::as_str),
        Some("Sozialraum bitte beim Jugendamt erfragen.")
    );
    for cell in ["E6", "C8", "K9"] {
        assert!(fills.contains_key(cell), "{cell} lost its fill");
        assert_eq!(notes[cell].matches("sozialraum:").count(), 1, "{cell}");
    }
    let wb: Xlsx<_> = calamine::open_workbook(&again).expect("opens");
    assert_eq!(
        wb.sheet_names()
            .iter()
            .filter(|n| n.starts_with("Prüfbericht"))
            .count(),
        1
    );
}

#[test]
fn a_corrected_copy_is_consolidated_as_the_submission() {
    let dir = tempfile::tempdir().expect("tmp");
    let (copy, _) = copy_of_fixture(dir.path());
    let fixed = dir.path().join("T04_2026-Q3_korrigiert.xlsx");
    edit_in_libreoffice(
        &copy,
        &fixed,
        &[
            "Fallarbeit!G5=59,9",
            "Fallarbeit!B4=Dörverden/Kirchlinteln",
            "Fallarbeit!E6=date:2026-09-30",
            "Fallarbeit!C8=§ 30",
            "Fallarbeit!K9=Schulwechsel",
        ],
    );
    let after = check(&fixed);
    assert_eq!(without_copy_info(&after), BTreeSet::new(), "{after:?}");
    let o = sozialraum()
        .args(["consolidate", "--format", "json", "-q"])
        .arg(&fixed)
        .output()
        .expect("run");
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    let file = &doc["files"][0];
    assert_eq!(file["status"], "included", "{doc}");
    assert_eq!(file["errors"], 0);
    assert_eq!(file["rows"]["Fallarbeit"], 12);
    assert_eq!(file["rows"]["Milieuarbeit"], 2);
    let fall = doc["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|t| t["category"] == "Fallarbeit")
        .expect("Fallarbeit total");
    assert_eq!(fall["amount"], "32435.85");

    // Sent back by e-mail, it lands in the office's folder: alone there, the
    // corrected copy is the submission a folder scan counts.
    let scan = |folder: &Path| -> Value {
        let o = sozialraum()
            .args(["consolidate", "--format", "json", "-q"])
            .arg(folder)
            .output()
            .expect("run");
        serde_json::from_slice(&o.stdout).expect("json")
    };
    let office = dir.path().join("amt");
    std::fs::create_dir(&office).expect("mkdir");
    std::fs::copy(&fixed, office.join("T04_2026-Q3.xlsx")).expect("copy");
    let doc = scan(&office);
    assert_eq!(doc["files"].as_array().map(Vec::len), Some(1), "{doc}");
    assert_eq!(doc["files"][0]["status"], "included", "{doc}");
    assert_eq!(doc["skipped"].as_array().map(Vec::len), Some(0), "{doc}");
    // Beside the submission it was made from (the provider's own folder),
    // the copy is left out and named, so nothing counts twice.
    let own = dir.path().join("traeger");
    std::fs::create_dir(&own).expect("mkdir");
    std::fs::copy(FIXTURE, own.join("T04_2026-Q3.xlsx")).expect("copy");
    std::fs::copy(&copy, own.join("T04_2026-Q3_geprüft.xlsx")).expect("copy");
    let doc = scan(&own);
    assert_eq!(doc["files"].as_array().map(Vec::len), Some(1), "{doc}");
    let skipped = doc["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1, "{doc}");
    assert!(
        skipped[0]["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("T04_2026-Q3_geprüft.xlsx")),
        "{doc}"
    );
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = dir.path().join("a.xlsx");
    let b = dir.path().join("b.xlsx");
    annotate(Path::new(FIXTURE), &a, &[]);
    annotate(Path::new(FIXTURE), &b, &[]);
    assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
}

/// The report sheet's texts, row by row.
fn report_texts(path: &Path, name: &str) -> Vec<String> {
    let mut wb = calamine::open_workbook_auto(path).expect("opens");
    let range = wb.worksheet_range(name).expect("report");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| d.to_string())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

#[test]
fn rebuilt_copies_say_so_in_their_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let ods = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flawed_T01_2026-Q3.ods");
    let out = dir.path().join("ods.xlsx");
    annotate(&ods, &out, &[]);
    let texts = report_texts(&out, "Prüfbericht");
    assert!(
        texts.iter().any(|t| t
            == "Kopie neu aufgebaut: Formeln als Werte, Dropdowns entfallen; bitte Korrekturen in der Originaldatei vornehmen"),
        "{texts:?}"
    );
    let out = dir.path().join("ods_en.xlsx");
    let o = sozialraum()
        .args(["--lang", "en", "check"])
        .arg(&ods)
        .arg("--annotate")
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let texts = report_texts(&out, "Check report");
    assert!(
        texts.iter().any(|t| t
            == "Copy rebuilt: formulas as values, dropdowns dropped; please make corrections in the original file"),
        "{texts:?}"
    );
    // An overlay says nothing of the kind.
    let xlsx = dir.path().join("xlsx.xlsx");
    annotate(Path::new(FIXTURE), &xlsx, &[]);
    assert!(!report_texts(&xlsx, "Prüfbericht")
        .iter()
        .any(|t| t.contains("neu aufgebaut")));
}

/// Rewrites parts of a package (`edit` returns the new text of a part).
fn patched(path: &Path, edit: impl Fn(&str, &str) -> Option<String>) -> Vec<u8> {
    common::patch_zip(&std::fs::read(path).expect("read"), edit)
}

#[test]
fn a_package_the_overlay_does_not_understand_gets_a_rebuilt_copy_saying_why() {
    let dir = tempfile::tempdir().expect("tmp");
    // The note drawing of Fallarbeit without its namespaces: no overlay.
    let input = dir.path().join("T04_2026-Q3.xlsx");
    std::fs::write(
        &input,
        patched(Path::new(FIXTURE), |name, text| {
            (name == "xl/drawings/commentsDrawing1.vml")
                .then(|| text.replace("xmlns:ns2=\"urn:schemas-microsoft-com:office:excel\"", ""))
        }),
    )
    .expect("write");
    let out = dir.path().join("kopie.xlsx");
    let (code, doc) = annotate(&input, &out, &[]);
    assert_eq!(code, 1);
    let texts = report_texts(&out, "Prüfbericht");
    let notice = texts
        .iter()
        .find(|t| t.starts_with("Kopie neu aufgebaut ("))
        .unwrap_or_else(|| panic!("{texts:?}"));
    assert!(notice.contains("commentsDrawing1.vml"), "{notice}");
    // The rebuilt copy still marks every finding.
    assert_eq!(findings(&doc).len(), PLANTED.len());
    assert_eq!(notes(&out, "Fallarbeit").len(), PLANTED.len());
}

/// The fixture as a macro workbook: a VBA part, its relationship, the
/// macro-enabled content type.
fn with_macros(dir: &Path) -> PathBuf {
    let input = dir.join("T04_2026-Q3.xlsm");
    let bytes = patched(Path::new(FIXTURE), |name, text| {
        match name {
        "[Content_Types].xml" => Some(
            text.replace(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
            .replace(
                "<Default Extension=\"xml\"",
                "<Default Extension=\"bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/><Default Extension=\"xml\"",
            ),
        ),
        "xl/_rels/workbook.xml.rels" => Some(text.replace(
            "</Relationships>",
            "<Relationship Id=\"rId99\" Type=\"http://schemas.microsoft.com/office/2006/relationships/vbaProject\" Target=\"vbaProject.bin\"/></Relationships>",
        )),
        _ => None,
    }
    });
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut src = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    for i in 0..src.len() {
        let e = src.by_index_raw(i).expect("entry");
        z.raw_copy_file(e).expect("copy");
    }
    z.start_file(
        "xl/vbaProject.bin",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("start");
    std::io::Write::write_all(&mut z, b"\xD0\xCF\x11\xE0 not really a VBA project").expect("write");
    std::fs::write(&input, z.finish().expect("finish").into_inner()).expect("write");
    input
}

#[test]
fn a_macro_workbook_keeps_its_macros_as_xlsm_and_loses_them_as_xlsx() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = with_macros(dir.path());
    let xlsm = dir.path().join("kopie.xlsm");
    annotate(&input, &xlsm, &[]);
    let ct = part(&xlsm, "[Content_Types].xml");
    assert!(ct.contains("macroEnabled.main+xml"), "{ct}");
    assert_eq!(
        stored(&xlsm).get("xl/vbaProject.bin"),
        stored(&input).get("xl/vbaProject.bin")
    );
    let xlsx = dir.path().join("kopie.xlsx");
    annotate(&input, &xlsx, &[]);
    let ct = part(&xlsx, "[Content_Types].xml");
    assert!(!ct.contains("macroEnabled"), "{ct}");
    assert!(!stored(&xlsx).contains_key("xl/vbaProject.bin"));
    assert!(!part(&xlsx, "xl/_rels/workbook.xml.rels").contains("vbaProject"));
    assert!(report_texts(&xlsx, "Prüfbericht")
        .iter()
        .any(|t| t.starts_with("Makros nicht übernommen")));
    // Checked again, the copy without macros has the findings of the original.
    let mut z =
        zip::ZipArchive::new(Cursor::new(std::fs::read(&xlsx).expect("read"))).expect("zip");
    let mut s = String::new();
    z.by_name("xl/workbook.xml")
        .expect("workbook")
        .read_to_string(&mut s)
        .expect("read");
    assert!(s.contains("Prüfbericht"));
}

#[test]
fn every_corpus_workbook_gets_a_copy_that_opens() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/xlsx");
    let dir = tempfile::tempdir().expect("tmp");
    let mut overlays = 0;
    let entries = std::fs::read_dir(&corpus).expect("the public corpus at ../shared/corpus");
    for entry in entries.flatten() {
        let input = entry.path();
        let out = dir.path().join(format!("{overlays}.xlsx"));
        // In-process (the guarded child is tested with hostile files elsewhere).
        let o = sozialraum()
            .arg("check")
            .arg("--no-isolate")
            .arg(&input)
            .arg("--annotate")
            .arg(&out)
            .arg("--force")
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            !stderr.contains("panicked"),
            "{}: {stderr}",
            input.display()
        );
        assert!(
            matches!(o.status.code(), Some(0..=2)),
            "{}: {:?}",
            input.display(),
            o.status
        );
        if !out.is_file() {
            continue;
        }
        let wb: Xlsx<_> = calamine::open_workbook(&out)
            .unwrap_or_else(|e| panic!("{}: the copy does not open: {e}", input.display()));
        let first = wb.sheet_names().first().cloned().unwrap_or_default();
        assert_eq!(first, "Prüfbericht", "{}", input.display());
        if !report_texts(&out, "Prüfbericht")
            .iter()
            .any(|t| t.starts_with("Kopie neu aufgebaut"))
        {
            overlays += 1;
        }
    }
    assert!(overlays > 100, "only {overlays} overlays");
}

/// The overlay on damaged parts (cut short, with stray markup): an answer
/// (a copy, or the reason it cannot make one), never a panic.
#[test]
fn damaged_parts_give_a_reason_never_a_panic() {
    use sozialraum::finding::Severity;
    use sozialraum::render::overlay;
    use sozialraum::render::report_sheet::{
        Column, Mark, ReportCell, ReportRow, ReportSheet, Style,
    };

    let original = std::fs::read(FIXTURE).expect("fixture");
    let report = ReportSheet {
        name: "Prüfbericht".into(),
        top: vec![ReportRow::new(vec![ReportCell::text(
            "Prüfbericht",
            Style::Title,
        )])],
        columns: vec![Column {
            header: "Zelle".into(),
            width: 10.0,
        }],
        rows: vec![ReportRow::new(vec![ReportCell::link(
            "B4",
            "Fallarbeit",
            "B4",
        )])],
        header_row_repeated: true,
        landscape_fit_to_width: true,
        autofilter: true,
    };
    let marks: Vec<Mark> = [(3, 1), (4, 6), (7, 2), (99, 30)]
        .iter()
        .map(|&(row, col)| Mark {
            sheet: "Fallarbeit".into(),
            row,
            col,
            severity: Severity::Error,
            note: "Fehler [X]: <falsch> & \u{1} mehr".into(),
        })
        .collect();
    let parts = [
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet2.xml",
        "xl/worksheets/_rels/sheet2.xml.rels",
        "xl/comments/comment1.xml",
        "xl/drawings/commentsDrawing1.vml",
    ];
    let mut answers = (0, 0);
    for part in parts {
        let text = try_zip_part(Path::new(FIXTURE), part).expect("part");
        let cuts: Vec<usize> = (1..12).map(|i| text.len() * i / 12).collect();
        let mut variants: Vec<String> = cuts
            .iter()
            .filter_map(|&at| text.get(..at).map(String::from))
            .collect();
        for junk in [
            "<",
            "&",
            "]]>",
            "<!--",
            "<x:y>",
            "\"",
            "</row>",
            "<![CDATA[",
        ] {
            if let Some(at) = cuts.get(5).filter(|&&at| text.is_char_boundary(at)) {
                variants.push(format!("{}{junk}{}", &text[..*at], &text[*at..]));
            }
        }
        for variant in variants {
            let bytes =
                common::patch_zip(&original, |name, _| (name == part).then(|| variant.clone()));
            let properties = [("sozialraum-Art", "kommentierte-Kopie")];
            let result = overlay::apply(
                &bytes,
                &overlay::Request {
                    marks: &marks,
                    report: &report,
                    properties: &properties,
                    earlier_copy: Some(&["Prüfbericht"]),
                    macro_enabled: false,
                },
            );
            match result {
                Ok(_) => answers.0 += 1,
                Err(e) => {
                    assert!(!e.message(sozialraum::i18n::Lang::De).is_empty());
                    answers.1 += 1;
                }
            }
        }
    }
    assert!(answers.1 > 0, "no damage noticed: {answers:?}");
}
