//! "What real submissions look like" (quartalsmeldung.md): every tolerated
//! form, used in an otherwise clean submission, checks with zero errors and
//! zero warnings. Where a value was read from another form the report says so
//! (an info at that cell); the cross-checks (Kosten = hours × rate, dates in
//! the quarter) prove that it was read right.

mod common;

use chrono::NaiveDate;
use common::*;

const FALL: &str = "Fallarbeit";

/// The serial number Excel stores for a date (1900 date system).
fn serial(d: NaiveDate) -> f64 {
    (d - date(1899, 12, 30)).num_days() as f64
}

struct Tolerated {
    name: &'static str,
    edit: fn(&mut Submission),
    /// Infos that must say how a value was read: (code, sheet, cell; "" for none).
    says: &'static [(&'static str, &'static str, &'static str)],
}

fn run(cases: &[Tolerated]) {
    let mut batch = Batch::new();
    for c in cases {
        let mut s = Submission::valid("T01", 2026, 3);
        (c.edit)(&mut s);
        batch.add(c.name, &s);
    }
    let mut problems = Vec::new();
    for (c, r) in cases.iter().zip(batch.check()) {
        if r.errors() != 0 || r.warnings() != 0 {
            problems.push(format!(
                "[{}] expected no errors/warnings:\n{}",
                c.name,
                r.dump()
            ));
            continue;
        }
        if r.0["provider"] != "T01" || r.0["year"] != 2026 || r.0["quarter"] != 3 {
            problems.push(format!(
                "[{}] cover read as {} {} {}",
                c.name, r.0["provider"], r.0["year"], r.0["quarter"]
            ));
        }
        for (code, sheet, cell) in c.says {
            let found = r.find(code, Some(sheet), (!cell.is_empty()).then_some(*cell));
            if found.len() != 1 || found[0]["severity"] != "info" {
                problems.push(format!(
                    "[{}] expected one info {code} at {sheet}!{cell}:\n{}",
                    c.name,
                    r.dump()
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} case(s) failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn numbers_as_german_text() {
    run(&[
        Tolerated {
            name: "thousands dot and decimal comma 3.993,60",
            edit: |s| {
                s.set(FALL, "H3", "3.993,60");
            },
            says: &[("TYPE-CONVERTED", FALL, "H3")],
        },
        Tolerated {
            name: "1.234,56 in Milieuarbeit",
            edit: |s| {
                s.set("Milieuarbeit", "E3", "1.234,56");
            },
            says: &[("TYPE-CONVERTED", "Milieuarbeit", "E3")],
        },
        Tolerated {
            name: "rate with euro sign 62,40 €",
            edit: |s| {
                s.set(FALL, "G2", "62,40 €").set(FALL, "G5", "62,40\u{a0}€");
            },
            says: &[
                ("TYPE-CONVERTED", FALL, "G2"),
                ("TYPE-CONVERTED", FALL, "G5"),
            ],
        },
        Tolerated {
            name: "hours with a leading blank ' 17,5'",
            edit: |s| {
                s.set(FALL, "F6", " 17,5")
                    .set(FALL, "H6", cost("17.5", "62.40"));
            },
            says: &[("TYPE-CONVERTED", FALL, "F6")],
        },
    ]);
}

#[test]
fn dates_in_every_form() {
    run(&[
        Tolerated {
            name: "date text 01.07.2026",
            edit: |s| {
                s.set(FALL, "D4", "01.07.2026");
            },
            says: &[("TYPE-CONVERTED", FALL, "D4")],
        },
        Tolerated {
            name: "date text 1.7.26",
            edit: |s| {
                s.set(FALL, "D4", "1.7.26");
            },
            says: &[("TYPE-CONVERTED", FALL, "D4")],
        },
        Tolerated {
            name: "date text 2026-07-01",
            edit: |s| {
                s.set(FALL, "D4", "2026-07-01");
            },
            says: &[("TYPE-CONVERTED", FALL, "D4")],
        },
        Tolerated {
            name: "Ende and Erstellt am as text",
            edit: |s| {
                s.set(FALL, "E3", "31.08.2026")
                    .set("Deckblatt", "B9", "06.10.2026");
            },
            says: &[
                ("TYPE-CONVERTED", FALL, "E3"),
                ("TYPE-CONVERTED", "Deckblatt", "B9"),
            ],
        },
        Tolerated {
            name: "bare serial numbers in general-format cells",
            edit: |s| {
                s.set(FALL, "D4", serial(date(2026, 7, 1)))
                    .set(FALL, "E5", serial(date(2026, 7, 15)))
                    .set("Deckblatt", "B9", serial(date(2026, 10, 6)));
            },
            says: &[
                ("TYPE-CONVERTED", FALL, "D4"),
                ("TYPE-CONVERTED", FALL, "E5"),
                ("TYPE-CONVERTED", "Deckblatt", "B9"),
            ],
        },
    ]);
}

/// rust_xlsxwriter cannot write the 1904 date system; the fixture sets
/// `<workbookPr date1904="1"/>` in `xl/workbook.xml` after writing and stores
/// every date cell as a 1904 serial.
#[test]
fn workbook_in_the_1904_date_system() {
    run(&[
        Tolerated {
            name: "1904 date cells",
            edit: |s| {
                s.date1904 = true;
            },
            says: &[],
        },
        Tolerated {
            name: "1904 bare serial in a general cell",
            edit: |s| {
                s.date1904 = true;
                s.set(FALL, "D4", serial(date(2026, 7, 1)) - 1462.0);
            },
            says: &[("TYPE-CONVERTED", FALL, "D4")],
        },
    ]);
}

#[test]
fn workbook_in_the_1904_date_system_really_is_one() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.date1904 = true;
    let dir = tempfile::tempdir().unwrap();
    let path = s.write(dir.path());
    assert!(zip_part(&path, "xl/workbook.xml").contains(r#"date1904="1""#));
    // Read in the 1900 system these dates would fall four years early.
    let sheet = zip_part(&path, "xl/worksheets/sheet2.xml");
    let begin_1904 = serial(date(2026, 7, 1)) - 1462.0;
    assert!(
        sheet.contains(&format!("<v>{begin_1904}</v>")),
        "D4 holds the 1904 serial"
    );
    // A date one quarter out proves the dates are read, not ignored.
    s.set(FALL, "D4", date(2026, 10, 1));
    let (_, r) = check_submission(&s);
    r.expect_one(&expect(
        "RANGE-QUARTER",
        "range",
        "error",
        Some(FALL),
        Some("D4"),
    ))
    .unwrap();
    assert_eq!(r.errors(), 1, "{}", r.dump());
}

#[test]
fn enum_values_with_other_spelling() {
    run(&[
        Tolerated {
            name: "other case",
            edit: |s| {
                s.set(FALL, "B2", "ACHIM")
                    .set(FALL, "B3", "oyten/ottersberg")
                    .set("Strukturarbeit", "B2", "KREISWEIT");
            },
            says: &[],
        },
        Tolerated {
            name: "non-breaking and stray blanks",
            edit: |s| {
                s.set(FALL, "B3", "Oyten\u{a0}/\u{a0}Ottersberg\u{a0}")
                    .set(FALL, "B4", "  Achim ");
            },
            says: &[],
        },
        Tolerated {
            name: "Oyten / Ottersberg",
            edit: |s| {
                s.set(FALL, "B3", "Oyten / Ottersberg").set(
                    "Milieuarbeit",
                    "B3",
                    "Oyten / Ottersberg",
                );
            },
            says: &[],
        },
        Tolerated {
            name: "Hilfeart aliases",
            edit: |s| {
                s.set(FALL, "C2", "§31")
                    .set(FALL, "C3", "§ 27 (2)")
                    .set(FALL, "C4", "§ 30 ")
                    .set(FALL, "C5", "§35a");
            },
            says: &[],
        },
        Tolerated {
            name: "ja written JA",
            edit: |s| {
                s.set(FALL, "B2", "Verden").set(FALL, "I2", "JA").set(
                    FALL,
                    "J2",
                    "Umzug der Familie innerhalb des Kreises",
                );
            },
            says: &[],
        },
        Tolerated {
            name: "nein written NEIN, ja/nein as booleans",
            edit: |s| {
                s.set(FALL, "I3", "NEIN").set(FALL, "I4", false);
            },
            says: &[],
        },
    ]);
}

#[test]
fn headers_as_providers_write_them() {
    run(&[
        Tolerated {
            name: "header aliases",
            edit: |s| {
                s.rename_header(FALL, "Fall-ID", "Fall-Nr.")
                    .rename_header(FALL, "Fachleistungsstunden", "FLS")
                    .rename_header(FALL, "Stundensatz", "Satz")
                    .rename_header(FALL, "Kosten", "Kosten €")
                    .rename_header(
                        FALL,
                        "Abweichende Zuständigkeit",
                        "Zuständigkeit abweichend",
                    )
                    .rename_header("Milieuarbeit", "Maßnahme", "Massnahme")
                    .rename_header("Milieuarbeit", "Teilnehmende", "Teilnehmer");
            },
            says: &[],
        },
        Tolerated {
            name: "line breaks, case and blanks in headers",
            edit: |s| {
                s.rename_header(FALL, "Fachleistungsstunden", "Fach-\nleistungs-\nstunden")
                    .rename_header(
                        FALL,
                        "Abweichende Zuständigkeit",
                        "Abweichende\nZuständigkeit",
                    )
                    .rename_header(FALL, "Kosten", "Kosten\n(€)")
                    .rename_header(FALL, "Fall-ID", "  FALL-ID ")
                    .rename_header(FALL, "Begründung", "Begruendung");
            },
            says: &[],
        },
        Tolerated {
            name: "cover labels with aliases and colons",
            edit: |s| {
                s.set("Deckblatt", "A3", "Trägernummer:")
                    .set("Deckblatt", "A4", "Name des Trägers")
                    .set("Deckblatt", "A5", "Jahr")
                    .set("Deckblatt", "A7", "Ansprechpartner/in")
                    .set("Deckblatt", "A9", "Datum:");
            },
            says: &[],
        },
    ]);
}

#[test]
fn tables_laid_out_differently() {
    run(&[
        Tolerated {
            name: "columns in another order",
            edit: |s| {
                let mut reversed = FALL_HEADERS;
                reversed.reverse();
                s.reorder_columns(FALL, &reversed);
                s.reorder_columns(
                    "Strukturarbeit",
                    &[
                        "Kosten",
                        "Stunden",
                        "Projekt",
                        "Ehrenamtliche",
                        "Sozialraum",
                    ],
                );
            },
            says: &[],
        },
        Tolerated {
            name: "title rows above the header",
            edit: |s| {
                s.insert_title_rows(
                    FALL,
                    &[
                        "Quartalsmeldung 3/2026 – Fallarbeit",
                        "Jugendhilfe Aller-Weser e.V.",
                        "",
                    ],
                );
                s.insert_title_rows("Milieuarbeit", &["Milieuarbeit"]);
            },
            says: &[],
        },
        Tolerated {
            name: "blank rows inside the table",
            edit: |s| {
                s.insert_rows(FALL, 4, 2)
                    .insert_rows("Strukturarbeit", 3, 1);
            },
            says: &[],
        },
        Tolerated {
            name: "trailing rows with only formatting",
            edit: |s| {
                for row in 7..=40 {
                    for col in ["A", "B", "H"] {
                        s.set(FALL, &format!("{col}{row}"), Cell::Blank);
                    }
                }
            },
            says: &[],
        },
        Tolerated {
            name: "merged title cells",
            edit: |s| {
                s.merge("Deckblatt", "A1:D1", "Quartalsmeldung Sozialraumbudget");
                s.insert_title_rows(FALL, &["", ""]);
                s.merge(FALL, "A1:K1", "Fallarbeit im 3. Quartal 2026");
            },
            says: &[],
        },
        Tolerated {
            name: "hidden rows and columns, autofilter",
            edit: |s| {
                s.hide_row(FALL, 4)
                    .hide_column(FALL, "K")
                    .hide_column("Deckblatt", "C")
                    .autofilter(FALL, "A1:K6");
                s.autofilter("Milieuarbeit", "A1:F3");
            },
            says: &[],
        },
        Tolerated {
            name: "a hidden extra sheet",
            edit: |s| {
                s.add_sheet("Pivot")
                    .set("Pivot", "A1", "Summe von Kosten")
                    .set("Pivot", "B1", 16239.6)
                    .hide_sheet("Pivot");
            },
            says: &[("SHEET-EXTRA", "Pivot", "")],
        },
        Tolerated {
            name: "Kosten as formulas with cached results",
            edit: |s| {
                for row in 2..=6 {
                    let cached = match s.get(FALL, &format!("H{row}")) {
                        Some(Cell::Number(x)) => x.to_string(),
                        other => panic!("H{row}: {other:?}"),
                    };
                    s.formula(
                        FALL,
                        &format!("H{row}"),
                        &format!("=ROUND(F{row}*G{row},2)"),
                        Some(&cached),
                    );
                }
            },
            says: &[],
        },
    ]);
}

#[test]
fn quarter_written_in_other_forms() {
    run(&[
        Tolerated {
            name: "Quartal Q3",
            edit: |s| {
                s.set("Deckblatt", "B6", "Q3");
            },
            says: &[],
        },
        Tolerated {
            name: "Quartal III",
            edit: |s| {
                s.set("Deckblatt", "B6", "III");
            },
            says: &[],
        },
        Tolerated {
            name: "Quartal 3. Quartal",
            edit: |s| {
                s.set("Deckblatt", "B6", "3. Quartal");
            },
            says: &[],
        },
        Tolerated {
            name: "Berichtsjahr as text",
            edit: |s| {
                s.set("Deckblatt", "B5", "2026");
            },
            says: &[],
        },
    ]);
}

#[test]
fn ambiguous_number_text_is_a_warning_stating_the_reading() {
    // 20 h × 62,40 € = 1.248,00 €: "1.248" is read German style, as 1248.
    let mut s = Submission::valid("T01", 2026, 3);
    s.set(FALL, "F4", 20).set(FALL, "H4", "1.248");
    let (code, r) = check_submission(&s);
    assert_eq!(code, 0, "a warning only:\n{}", r.dump());
    let f = r
        .expect_one(&expect(
            "TYPE-AMBIGUOUS",
            "type",
            "warning",
            Some(FALL),
            Some("H4"),
        ))
        .unwrap();
    assert_eq!(f["value"], "1.248");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("1.248,00") || msg.contains("1248"),
        "states the reading taken: {msg}"
    );
    assert!(
        !r.has("CROSS-COST"),
        "read as 1248, which matches:\n{}",
        r.dump()
    );
    assert_eq!((r.errors(), r.warnings()), (0, 1), "{}", r.dump());
}

#[test]
fn money_as_providers_write_it() {
    // 25 h × 62,40 € = 1.560 €, 10 h × 62,40 € = 624 €: whole euros.
    run(&[
        Tolerated {
            name: "whole euros 1.560,- and 624,-",
            edit: |s| {
                s.set(FALL, "F4", 25)
                    .set(FALL, "H4", "1.560,-")
                    .set(FALL, "F5", 10)
                    .set(FALL, "H5", "624,-");
            },
            says: &[
                ("TYPE-CONVERTED", FALL, "H4"),
                ("TYPE-CONVERTED", FALL, "H5"),
            ],
        },
        Tolerated {
            name: "624,00 EUR and € 624,00",
            edit: |s| {
                s.set(FALL, "F4", 10)
                    .set(FALL, "H4", "624,00 EUR")
                    .set(FALL, "F5", 10)
                    .set(FALL, "H5", "€ 624,00");
            },
            says: &[
                ("TYPE-CONVERTED", FALL, "H4"),
                ("TYPE-CONVERTED", FALL, "H5"),
            ],
        },
        Tolerated {
            name: "whole euros in Milieuarbeit 1.872,-",
            edit: |s| {
                // 30 h × 62,40 € = 1.872 €
                s.set("Milieuarbeit", "E3", "1.872,-");
            },
            says: &[("TYPE-CONVERTED", "Milieuarbeit", "E3")],
        },
    ]);
}

#[test]
fn hours_with_their_unit() {
    run(&[
        Tolerated {
            name: "10 Std. and 10 h",
            edit: |s| {
                s.set(FALL, "F4", "10 Std.")
                    .set(FALL, "H4", 624.0)
                    .set(FALL, "F5", "10 h")
                    .set(FALL, "H5", 624.0);
            },
            says: &[
                ("TYPE-CONVERTED", FALL, "F4"),
                ("TYPE-CONVERTED", FALL, "F5"),
            ],
        },
        Tolerated {
            name: "Stunden in Milieuarbeit as 30 Std",
            edit: |s| {
                s.set("Milieuarbeit", "D3", "30 Std");
            },
            says: &[("TYPE-CONVERTED", "Milieuarbeit", "D3")],
        },
    ]);
}

#[test]
fn dates_with_dashes_and_year_first() {
    run(&[
        Tolerated {
            name: "01-07-2026",
            edit: |s| {
                s.set(FALL, "D4", "01-07-2026");
            },
            says: &[("TYPE-CONVERTED", FALL, "D4")],
        },
        Tolerated {
            name: "2026/07/01",
            edit: |s| {
                s.set(FALL, "D4", "2026/07/01");
            },
            says: &[("TYPE-CONVERTED", FALL, "D4")],
        },
    ]);
}

#[test]
fn help_types_with_the_law_name() {
    run(&[Tolerated {
        name: "§ 31 SGB VIII and § 27 Abs. 2 SGB VIII",
        edit: |s| {
            s.set(FALL, "C2", "§ 31 SGB VIII")
                .set(FALL, "C3", "§ 27 Abs. 2 SGB VIII");
        },
        says: &[
            ("TYPE-CONVERTED", FALL, "C2"),
            ("TYPE-CONVERTED", FALL, "C3"),
        ],
    }]);
}

#[test]
fn a_date_without_year_is_a_warning_stating_the_year_taken() {
    let mut batch = Batch::new();
    let mut s = Submission::valid("T01", 2026, 3);
    s.set(FALL, "D4", "1.7.");
    batch.add("de", &s);
    let [r] = batch.check().try_into().unwrap();
    let f = r
        .expect_one(&expect(
            "TYPE-AMBIGUOUS",
            "type",
            "warning",
            Some(FALL),
            Some("D4"),
        ))
        .unwrap();
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("01.07.2026") && msg.contains("Berichtsjahr 2026"),
        "{msg}"
    );
    // Read as 01.07.2026, the case lies in the quarter: nothing else to report.
    assert_eq!((r.errors(), r.warnings()), (0, 1), "{}", r.dump());
    let (_, doc) = check_json(&batch.paths, &["--lang", "en"]);
    let en = FileReport::first(&doc);
    let f = &en.find("TYPE-AMBIGUOUS", Some(FALL), Some("D4"))[0];
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("reporting year 2026"), "{msg}");
}
