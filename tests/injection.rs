//! Formula injection: a provider's text that looks like a formula
//! (`=HYPERLINK(…)`, `+…`, `-…`, `@…`) is written as text into every workbook
//! we produce, never as a formula: the annotated copy (`check --annotate`)
//! and the district workbook (`consolidate`, detail and Befunde sheets).
//! Checked twice: no `<f>` element of any sheet part carries the string, and
//! calamine reads it back as the same string from a cell without a formula.

mod common;

use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{sozialraum, Submission};

const INJECTIONS: [&str; 4] = [
    r#"=HYPERLINK("http://evil","x")"#,
    "+SUM(1,2)",
    "-1+2",
    "@SUM(A1)",
];

/// What none of our formulas may contain (the injected formulas' bodies).
const FORBIDDEN_IN_FORMULAS: [&str; 4] = ["evil", "SUM(1,2)", "1+2", "SUM(A1)"];

/// The clean submission with the injections in Fall-ID and Bemerkung of
/// the first four cases (Excel rows 2..5).
fn submission() -> Submission {
    let mut s = Submission::valid("T01", 2026, 3);
    for (i, inj) in INJECTIONS.iter().enumerate() {
        let row = i as u32 + 2;
        let id = s.cell_of("Fallarbeit", "Fall-ID", row);
        let remark = s.cell_of("Fallarbeit", "Bemerkung", row);
        s.set("Fallarbeit", &id, *inj);
        s.set("Fallarbeit", &remark, *inj);
    }
    s
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every formula (`<f>` text) of every sheet part: (part, formula).
fn formulas(path: &Path) -> Vec<(String, String)> {
    let bytes = std::fs::read(path).expect("read output");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("output is a zip");
    let f = regex::Regex::new(r"(?s)<f(?:\s[^>]*)?>(.*?)</f>").expect("regex");
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    let mut out = Vec::new();
    for name in names
        .iter()
        .filter(|n| n.starts_with("xl/worksheets/") && n.ends_with(".xml"))
    {
        let mut xml = String::new();
        archive
            .by_name(name)
            .expect("part")
            .read_to_string(&mut xml)
            .expect("utf-8");
        out.extend(
            f.captures_iter(&xml)
                .map(|c| (name.clone(), unescape(&c[1]))),
        );
    }
    out
}

fn assert_no_injected_formula(path: &Path) {
    let bad: Vec<(String, String)> = formulas(path)
        .into_iter()
        .filter(|(_, f)| FORBIDDEN_IN_FORMULAS.iter().any(|x| f.contains(x)))
        .collect();
    assert!(
        bad.is_empty(),
        "{}: provider text became a formula: {bad:?}",
        path.display()
    );
}

/// Cells (row, col, 0-based, absolute) of `sheet` whose value is exactly `text`,
/// after checking that none of them holds a formula.
fn text_cells(
    wb: &mut Xlsx<std::io::BufReader<std::fs::File>>,
    sheet: &str,
    text: &str,
) -> Vec<(u32, u32)> {
    let range = wb.worksheet_range(sheet).expect("sheet range");
    let formulas = wb.worksheet_formula(sheet).expect("sheet formulas");
    let mut cells = Vec::new();
    for (r, row) in range.rows().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (start_r, start_c) = range.start().unwrap_or((0, 0));
            let pos = (start_r + r as u32, start_c + c as u32);
            if matches!(v, Data::String(s) if s == text) {
                let f = formulas.get_value(pos).cloned().unwrap_or_default();
                assert!(f.is_empty(), "{sheet}!{pos:?} holds the formula {f:?}");
                cells.push(pos);
            }
        }
    }
    cells
}

#[test]
fn annotated_copy_keeps_formula_like_text_as_text() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = submission();
    let input = s.write(dir.path());
    let out = dir.path().join("geprueft.xlsx");
    let o = sozialraum()
        .arg("check")
        .arg(&input)
        .arg("--annotate")
        .arg(&out)
        .output()
        .expect("run");
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.is_file(), "no annotated copy");
    assert_no_injected_formula(&out);

    let mut wb: Xlsx<_> = open_workbook(&out).expect("annotated copy opens");
    for (i, inj) in INJECTIONS.iter().enumerate() {
        let row = i as u32 + 1; // 0-based: Excel row i + 2
        let cells = text_cells(&mut wb, "Fallarbeit", inj);
        let id = common::a1(&s.cell_of("Fallarbeit", "Fall-ID", row + 1));
        let remark = common::a1(&s.cell_of("Fallarbeit", "Bemerkung", row + 1));
        for want in [id, remark] {
            assert!(
                cells.contains(&want),
                "{inj:?} not as text at {want:?} of the copied Fallarbeit sheet (found at {cells:?})"
            );
        }
    }
}

#[test]
fn district_workbook_keeps_formula_like_text_as_text() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = submission().write(dir.path());
    let out = dir.path().join("Kreis.xlsx");
    let o = sozialraum()
        .arg("consolidate")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .output()
        .expect("run");
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.is_file(), "no district workbook");
    assert_no_injected_formula(&out);

    let mut wb: Xlsx<_> = open_workbook(&out).expect("district workbook opens");
    let sheets = wb.sheet_names();
    let befunde = sheets
        .iter()
        .find(|n| n.as_str() == "Befunde")
        .cloned()
        .unwrap_or_else(|| panic!("no Befunde sheet in {sheets:?}"));
    let detail = sheets
        .iter()
        .find(|n| n.as_str() == "Fallarbeit")
        .cloned()
        .unwrap_or_else(|| panic!("no Fallarbeit detail sheet in {sheets:?}"));
    let remark_col = header_col(&mut wb, &detail, "Bemerkung");
    let value_col = header_col(&mut wb, &befunde, "Wert");
    for inj in INJECTIONS {
        // Bemerkung is listed with its case in the detail sheet …
        let in_detail = text_cells(&mut wb, &detail, inj);
        assert!(
            in_detail.iter().any(|(r, c)| *r > 0 && *c == remark_col),
            "{inj:?} not as text in the Bemerkung column of the detail sheet ({in_detail:?})"
        );
        // … the malformed Fall-ID as the value of its finding.
        let in_findings = text_cells(&mut wb, &befunde, inj);
        assert!(
            in_findings.iter().any(|(r, c)| *r > 0 && *c == value_col),
            "{inj:?} not as text in the Wert column of the Befunde sheet ({in_findings:?})"
        );
    }
}

/// The 0-based column whose first-row cell is `header`.
fn header_col(wb: &mut Xlsx<std::io::BufReader<std::fs::File>>, sheet: &str, header: &str) -> u32 {
    let range = wb.worksheet_range(sheet).expect("sheet range");
    let (r0, c0) = range.start().unwrap_or((0, 0));
    assert_eq!(r0, 0, "{sheet} does not start in row 1");
    range
        .rows()
        .next()
        .and_then(|row| {
            row.iter()
                .position(|v| matches!(v, Data::String(s) if s == header))
        })
        .map(|c| c0 + c as u32)
        .unwrap_or_else(|| panic!("no column {header} in {sheet}"))
}

/// The checks above can fail: a workbook that does hold the injected
/// formulas is caught by both.
#[test]
fn the_checks_see_an_injected_formula() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("formula.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Fallarbeit").expect("name");
    for (i, inj) in INJECTIONS.iter().enumerate() {
        ws.write_formula(
            i as u32,
            0,
            rust_xlsxwriter::Formula::new(*inj).set_result(*inj),
        )
        .expect("formula");
    }
    wb.save(&path).expect("save");
    let found = formulas(&path);
    for body in FORBIDDEN_IN_FORMULAS {
        assert!(
            found.iter().any(|(_, f)| f.contains(body)),
            "{body} not seen in {found:?}"
        );
    }
    let caught = std::panic::catch_unwind(|| assert_no_injected_formula(&path));
    assert!(caught.is_err(), "the formula check let a formula pass");
    let mut x: Xlsx<_> = open_workbook(&path).expect("opens");
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        text_cells(&mut x, "Fallarbeit", INJECTIONS[1])
    }));
    assert!(caught.is_err(), "the read-back let a formula cell pass");
}
