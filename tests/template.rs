//! `template`: the entry workbook of workflow 1. It is built from the
//! configuration, holds the input rules a provider sees in Excel, and once
//! filled in the way a provider would, `check` accepts it.

mod common;

use std::fs;

use calamine::{open_workbook_auto, Data, Reader};
use common::{check_json, cost, sozialraum, zip_part, FileReport, Submission};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula};
use sozialraum::template::{build, Request};

fn template_file(
    dir: &std::path::Path,
    provider: &str,
    year: &str,
    quarter: &str,
) -> std::path::PathBuf {
    let out = dir.join(format!("{provider}_{year}-Q{quarter}.xlsx"));
    sozialraum()
        .args([
            "template",
            "--provider",
            provider,
            "--year",
            year,
            "--quarter",
            quarter,
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    out
}

#[test]
fn the_template_has_every_sheet_the_cover_filled_and_the_headers_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = template_file(dir.path(), "T03", "2026", "3");
    let mut wb = open_workbook_auto(&path).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Deckblatt",
            "Fallarbeit",
            "Milieuarbeit",
            "Strukturarbeit",
            "Summen"
        ]
    );
    let cover = wb.worksheet_range("Deckblatt").unwrap();
    let value_of = |label: &str| {
        (0..20u32)
            .find(|r| cover.get_value((*r, 0)) == Some(&Data::String(label.into())))
            .and_then(|r| cover.get_value((r, 1)).cloned())
    };
    assert_eq!(value_of("Träger-Nr."), Some(Data::String("T03".into())));
    assert_eq!(
        value_of("Träger"),
        Some(Data::String(
            "Kinder- und Jugendhilfe Geestland gGmbH".into()
        ))
    );
    assert_eq!(value_of("Berichtsjahr"), Some(Data::Float(2026.0)));
    assert_eq!(value_of("Quartal"), Some(Data::Float(3.0)));
    let fall = wb.worksheet_range("Fallarbeit").unwrap();
    let headers: Vec<String> = (0..11u32)
        .map(|c| {
            fall.get_value((0, c))
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(headers, common::FALL_HEADERS);
}

#[test]
fn the_input_rules_follow_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let path = template_file(dir.path(), "T03", "2026", "3");
    let fall = zip_part(&path, "xl/worksheets/sheet2.xml");
    // Dropdowns: the Sozialräume of 2026 and the help types, as written in the master data.
    assert!(
        fall.contains(
            r#""Achim,Verden,Oyten/Ottersberg,Langwedel,Dörverden/Kirchlinteln,Thedinghausen""#
        ),
        "{fall}"
    );
    assert!(fall.contains("§ 27 Abs. 2,§ 29,§ 30,§ 31,§ 32,§ 35,§ 35a,§ 41"));
    assert!(fall.contains(r#""ja,nein""#));
    // Beginn on or before the quarter's end (30.09.2026 = serial 46295), Ende from its start (01.07.2026 = 46204).
    assert!(fall.contains(r#"type="date" operator="lessThanOrEqual""#));
    assert!(fall.contains("<formula1>46295</formula1>"));
    assert!(
        fall.contains(r#"operator="greaterThanOrEqual""#)
            && fall.contains("<formula1>46204</formula1>")
    );
    // The contracted rate of T03, the hours' bounds, Fall-IDs unique.
    assert!(
        fall.contains(r#"type="decimal" operator="equal""#)
            && fall.contains("<formula1>63.1</formula1>")
    );
    assert!(fall.contains("<formula1>0</formula1><formula2>520</formula2>"));
    assert!(fall.contains("COUNTIF($A$2:$A$501,A2)=1"));
    assert!(fall.contains("Fachleistungsstunden × Stundensatz, auf den Cent gerundet."));
    // Kosten computes itself, and shows nothing until hours and rate are there.
    assert!(fall.contains(
        r#"<c r="H501" s="10"><f>IF(AND(ISNUMBER(F501),ISNUMBER(G501)),ROUND(F501*G501,2),"")</f>"#
    ));
    // Strukturarbeit also offers `kreisweit`.
    let struktur = zip_part(&path, "xl/worksheets/sheet4.xml");
    assert!(struktur.contains("Thedinghausen,kreisweit"), "{struktur}");
    // The totals sheet sums the cost columns.
    let summen = zip_part(&path, "xl/worksheets/sheet5.xml");
    assert!(summen.contains("SUM('Fallarbeit'!H:H)"), "{summen}");
    assert!(summen.contains("SUM('Milieuarbeit'!E:E)"));
}

#[test]
fn an_untouched_template_only_asks_for_the_contact_and_the_date() {
    let dir = tempfile::tempdir().unwrap();
    let path = template_file(dir.path(), "T01", "2026", "2");
    let (code, doc) = check_json(&[&path], &[]);
    assert_eq!(code, 1);
    let report = FileReport::first(&doc);
    let open: Vec<String> = report
        .findings()
        .iter()
        .filter(|f| f["severity"] == "error" && f["code"] != "FORMULA-NO-VALUE")
        .map(|f| format!("{} {}", f["code"], f["cell"]))
        .collect();
    // The `Summen` formulas have no result until Excel or LibreOffice has
    // calculated them; apart from that, only what the provider must type.
    assert_eq!(
        open,
        [
            r#""REQUIRED-EMPTY" "B6""#,
            r#""REQUIRED-EMPTY" "B7""#,
            r#""REQUIRED-EMPTY" "B8""#
        ],
        "{}",
        report.dump()
    );
    assert!(report
        .find("FORMULA-NO-VALUE", None, None)
        .iter()
        .all(|f| f["sheet"] == "Summen"));
}

/// Fills the template the way a provider does in Excel: cover, three cases,
/// one Milieu measure, one Struktur project; Excel stores the sums' results.
#[test]
fn a_filled_in_template_is_a_clean_submission() {
    let cfg = sozialraum::registry::verden().unwrap();
    let provider = cfg.provider("T03").unwrap();
    let req = Request {
        provider,
        year: 2026,
        quarter: 3,
    };
    let mut wb = build(&cfg, &req).unwrap().unwrap();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    {
        let cover = wb.worksheet_from_name("Deckblatt").unwrap();
        cover.write(5, 1, "Jana Meyer").unwrap();
        cover.write(6, 1, "jana.meyer@geestland.example").unwrap();
        cover
            .write_datetime_with_format(7, 1, ExcelDateTime::from_ymd(2026, 10, 5).unwrap(), &date)
            .unwrap();
    }
    let cases = [
        ("JA-2025-00417", "Oyten/Ottersberg", "§ 31", "12.25"),
        ("JA-2026-00102", "Langwedel", "§ 27 Abs. 2", "40"),
        ("JA-2026-00311", "Langwedel", "§ 35a", "7.5"),
    ];
    let mut fall_sum = 0.0;
    {
        let ws = wb.worksheet_from_name("Fallarbeit").unwrap();
        for (i, (id, area, help, hours)) in cases.iter().enumerate() {
            let r = 1 + i as u32;
            let c = cost(hours, "63.10");
            fall_sum += c;
            ws.write(r, 0, *id).unwrap();
            ws.write(r, 1, *area).unwrap();
            ws.write(r, 2, *help).unwrap();
            ws.write_datetime_with_format(
                r,
                3,
                ExcelDateTime::from_ymd(2026, 2, 1).unwrap(),
                &date,
            )
            .unwrap();
            ws.write(r, 5, hours.parse::<f64>().unwrap()).unwrap();
            ws.write(r, 6, 63.10).unwrap();
            // The prepared cost formula, with the result Excel stores.
            let n = r + 1;
            let f = format!("=IF(AND(ISNUMBER(F{n}),ISNUMBER(G{n})),ROUND(F{n}*G{n},2),\"\")");
            ws.write_formula(r, 7, Formula::new(f).set_result(c.to_string()))
                .unwrap();
            ws.write(r, 8, "nein").unwrap();
        }
    }
    {
        let ws = wb.worksheet_from_name("Milieuarbeit").unwrap();
        for (c, v) in ["Elterncafé", "Langwedel", "Ortskern"].iter().enumerate() {
            ws.write(1, c as u16, *v).unwrap();
        }
        ws.write(1, 3, 20.0).unwrap();
        ws.write(1, 4, 1262.0).unwrap();
    }
    {
        let ws = wb.worksheet_from_name("Strukturarbeit").unwrap();
        ws.write(1, 0, "Netzwerk Frühe Hilfen").unwrap();
        ws.write(1, 1, "kreisweit").unwrap();
        ws.write(1, 3, 10.0).unwrap();
        ws.write(1, 4, 631.0).unwrap();
    }
    {
        // What Excel stores once it has calculated the sums.
        let fall_sum = (fall_sum * 100.0).round() / 100.0;
        let total = ((fall_sum + 1262.0 + 631.0) * 100.0).round() / 100.0;
        let ws = wb.worksheet_from_name("Summen").unwrap();
        let sums = [
            ("=SUM('Fallarbeit'!H:H)", fall_sum),
            ("=SUM('Milieuarbeit'!E:E)", 1262.0),
            ("=SUM('Strukturarbeit'!E:E)", 631.0),
            (
                "=SUM('Fallarbeit'!H:H)+SUM('Milieuarbeit'!E:E)+SUM('Strukturarbeit'!E:E)",
                total,
            ),
        ];
        for (r, (f, v)) in sums.into_iter().enumerate() {
            ws.write_formula(r as u32, 1, Formula::new(f).set_result(v.to_string()))
                .unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("T03_2026-Q3.xlsx");
    wb.save(&path).unwrap();
    let (code, doc) = check_json(&[&path], &[]);
    let report = FileReport::first(&doc);
    assert_eq!(code, 0, "{}", report.dump());
    assert_eq!(
        (report.errors(), report.warnings()),
        (0, 0),
        "{}",
        report.dump()
    );
}

#[test]
fn an_existing_file_is_never_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("T02_2026-Q1.xlsx");
    fs::write(&out, b"a provider's filled-in workbook").unwrap();
    let run = |force: bool| {
        let mut cmd = sozialraum();
        cmd.args([
            "template",
            "--provider",
            "T02",
            "--year",
            "2026",
            "--quarter",
            "1",
            "-o",
        ])
        .arg(&out);
        if force {
            cmd.arg("--force");
        }
        cmd.output().unwrap()
    };
    let refused = run(false);
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(said.contains("nicht ersetzt"), "{said}");
    assert_eq!(fs::read(&out).unwrap(), b"a provider's filled-in workbook");
    assert_eq!(run(true).status.code(), Some(0));
    assert!(fs::read(&out).unwrap().starts_with(b"PK"));
}

#[test]
fn an_unknown_provider_or_quarter_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.xlsx");
    let unknown = sozialraum()
        .args([
            "template",
            "--provider",
            "T99",
            "--year",
            "2026",
            "--quarter",
            "1",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("T01, T02, T03"));
    let bad_quarter = sozialraum()
        .args([
            "template",
            "--provider",
            "T01",
            "--year",
            "2026",
            "--quarter",
            "5",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(bad_quarter.status.code(), Some(2));
    assert!(!out.exists());
}

#[test]
fn the_template_is_the_same_bytes_every_time() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let pa = template_file(a.path(), "T05", "2026", "4");
    let pb = template_file(b.path(), "T05", "2026", "4");
    assert_eq!(fs::read(pa).unwrap(), fs::read(pb).unwrap());
}

/// Prepared rows whose only content is a formula that shows nothing yet
/// (`=WENN(…;"")`: Excel stores an empty text result, LibreOffice a 0) are
/// empty rows, named once; a filled row whose formula has no result is still
/// a finding, and a row with an amount but nothing else is not prepared.
#[test]
fn prepared_formula_rows_are_empty_rows() {
    let mut s = Submission::valid("T01", 2026, 2);
    let kosten = s.col("Fallarbeit", "Kosten");
    let next = s.next_row("Fallarbeit");
    for r in next..next + 20 {
        s.formula(
            "Fallarbeit",
            &format!("{kosten}{r}"),
            &format!("=IF(AND(ISNUMBER(F{r}),ISNUMBER(G{r})),ROUND(F{r}*G{r},2),\"\")"),
            Some(""),
        );
    }
    let (code, report) = common::check_submission(&s);
    assert_eq!((code, report.errors()), (0, 0), "{}", report.dump());
    let first = format!("{kosten}{next}");
    let prepared = report.find("ROWS-PREPARED", Some("Fallarbeit"), Some(&first));
    assert_eq!(prepared.len(), 1, "{}", report.dump());
    assert!(prepared[0]["message"].as_str().unwrap().starts_with("20 "));

    // LibreOffice's way: the same rows with a cached 0.
    let mut zeros = Submission::valid("T01", 2026, 2);
    for r in next..next + 20 {
        zeros.set("Fallarbeit", &format!("{kosten}{r}"), 0.0);
    }
    let (code, report) = common::check_submission(&zeros);
    assert_eq!((code, report.errors()), (0, 0), "{}", report.dump());
    assert!(report.has("ROWS-PREPARED"));

    // An amount without a case is no prepared row.
    zeros.set("Fallarbeit", &format!("{kosten}{next}"), 125.0);
    let (_, report) = common::check_submission(&zeros);
    assert!(!report
        .find("REQUIRED-EMPTY", Some("Fallarbeit"), None)
        .is_empty());

    s.formula("Fallarbeit", &format!("{kosten}2"), "=F2*G2", Some(""));
    let (_, report) = common::check_submission(&s);
    assert_eq!(
        report
            .find(
                "FORMULA-NO-VALUE",
                Some("Fallarbeit"),
                Some(&format!("{kosten}2"))
            )
            .len(),
        1,
        "{}",
        report.dump()
    );
}
