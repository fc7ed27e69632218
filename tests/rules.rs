//! Every rule category that concerns one file, pinned down by the real binary
//! on generated workbooks: for each, cases that must produce a finding (code,
//! rule, severity, sheet, cell) and cases that must not (and give 0 errors).
//!
//! The clean submission is `Submission::valid("T01", 2026, 3)`; see
//! `tests/common/mod.rs` for its layout (Fallarbeit: header row 1, cases in
//! rows 2..6, columns A..K).

mod common;

use common::*;

const FALL: Option<&str> = Some("Fallarbeit");
const COVER: Option<&str> = Some("Deckblatt");

// ------------------------------------------------------------------ file

#[test]
fn file_rule_one_clear_error_for_what_is_no_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("T01_2026-Q3.xlsx");
    std::fs::write(
        &text,
        "Fall-ID;Sozialraum;Kosten\nJA-2026-00001;Achim;12,50\n",
    )
    .unwrap();
    let empty = dir.path().join("leer.xlsx");
    std::fs::write(&empty, b"").unwrap();
    let folder = dir.path().join("x.xlsx");
    std::fs::create_dir(&folder).unwrap();
    let clean = Submission::valid("T01", 2026, 3).write_as(dir.path(), "T01_2026-Q3-clean.xlsx");

    let cases: [(&str, &std::path::Path, &str); 3] = [
        ("text file named .xlsx", &text, "FILE-UNREADABLE"),
        ("0-byte file", &empty, "FILE-EMPTY"),
        ("directory named x.xlsx", &folder, "FILE-EMPTY"),
    ];
    let mut paths: Vec<&std::path::Path> = cases.iter().map(|c| c.1).collect();
    paths.push(&clean);
    let (code, doc) = check_json(&paths, &[]);
    assert_eq!(code, 1);
    for (name, path, want) in cases {
        let r = FileReport::by_path(&doc, &path.display().to_string());
        let e = expect(want, "file", "error", None, None);
        let f = r.expect_one(&e).unwrap_or_else(|m| panic!("[{name}] {m}"));
        assert_eq!(
            r.findings().len(),
            1,
            "[{name}] one clear error per file:\n{}",
            r.dump()
        );
        assert!(
            f["message"].as_str().is_some_and(|m| !m.is_empty()),
            "[{name}] message"
        );
        assert!(
            r.0["provider"].is_null() && r.0["year"].is_null() && r.0["quarter"].is_null(),
            "[{name}]"
        );
    }
    let r = FileReport::by_path(&doc, "T01_2026-Q3-clean.xlsx");
    assert!(
        !r.has("file") && r.errors() == 0,
        "clean workbook:\n{}",
        r.dump()
    );
}

#[test]
fn file_rule_a_truncated_workbook_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = Submission::valid("T01", 2026, 3).to_bytes();
    let path = dir.path().join("T01_2026-Q3.xlsx");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let (code, doc) = check_json(&[&path], &[]);
    let r = FileReport::first(&doc);
    assert_eq!(code, 1);
    r.expect_one(&expect("FILE-UNREADABLE", "file", "error", None, None))
        .unwrap();
    assert_eq!(r.findings().len(), 1, "{}", r.dump());
}

// ------------------------------------------------------------------ sheet

#[test]
fn sheet_rule() {
    run_cases(
        &[
            Failing {
                name: "missing Milieuarbeit",
                edit: |s| {
                    s.drop_sheet("Milieuarbeit");
                },
                expect: expect(
                    "SHEET-MISSING",
                    "sheet",
                    "error",
                    Some("Milieuarbeit"),
                    None,
                ),
            },
            Failing {
                name: "missing Deckblatt",
                edit: |s| {
                    s.drop_sheet("Deckblatt");
                },
                expect: expect("SHEET-MISSING", "sheet", "error", COVER, None),
            },
            Failing {
                name: "extra sheet is only an info",
                edit: |s| {
                    s.add_sheet("Notizen").set("Notizen", "A1", "intern");
                },
                expect: expect("SHEET-EXTRA", "sheet", "info", Some("Notizen"), None),
            },
        ],
        &[
            Passing {
                name: "hidden extra sheet",
                edit: |s| {
                    s.add_sheet("Pivot")
                        .set("Pivot", "A1", "Auswertung")
                        .hide_sheet("Pivot");
                },
                absent: "SHEET-MISSING",
            },
            Passing {
                name: "sheet names in other case with blanks",
                edit: |s| {
                    s.rename_sheet("Fallarbeit", " FALLARBEIT ");
                },
                absent: "SHEET-MISSING",
            },
        ],
    );
}

#[test]
fn sheet_missing_names_the_sheet() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.drop_sheet("Strukturarbeit");
    let (code, r) = check_submission(&s);
    assert_eq!(code, 1);
    let f = r
        .expect_one(&expect(
            "SHEET-MISSING",
            "sheet",
            "error",
            Some("Strukturarbeit"),
            None,
        ))
        .unwrap();
    assert!(
        f["message"].as_str().unwrap().contains("Strukturarbeit"),
        "{f}"
    );
    assert_eq!(r.errors(), 1, "{}", r.dump());
}

// ------------------------------------------------------------------ column

#[test]
fn column_rule() {
    run_cases(
        &[
            Failing {
                name: "missing required column",
                edit: |s| {
                    s.remove_column("Fallarbeit", "Fachleistungsstunden");
                },
                expect: expect("COLUMN-MISSING", "column", "error", FALL, None),
            },
            Failing {
                name: "extra column",
                edit: |s| {
                    s.add_column("Fallarbeit", "Interne Nummer", &["1", "2", "3", "4", "5"]);
                },
                expect: expect("COLUMN-EXTRA", "column", "info", FALL, Some("L1")),
            },
            Failing {
                name: "duplicate header (the second is reported)",
                edit: |s| {
                    s.add_column("Fallarbeit", "Kosten", &["1", "2", "3", "4", "5"]);
                },
                expect: expect("COLUMN-DUPLICATE", "column", "error", FALL, Some("L1")),
            },
            Failing {
                name: "header below row 20",
                edit: |s| {
                    s.insert_rows("Fallarbeit", 1, 20).set(
                        "Fallarbeit",
                        "A1",
                        "Quartalsmeldung Fallarbeit",
                    );
                },
                expect: expect("HEADER-NOT-FOUND", "column", "error", FALL, None),
            },
            Failing {
                name: "no header row at all",
                edit: |s| {
                    for h in FALL_HEADERS {
                        s.remove_header("Fallarbeit", h);
                    }
                },
                expect: expect("HEADER-NOT-FOUND", "column", "error", FALL, None),
            },
        ],
        &[
            Passing {
                name: "header in row 20, the last row searched",
                edit: |s| {
                    s.insert_rows("Fallarbeit", 1, 19).set(
                        "Fallarbeit",
                        "A1",
                        "Quartalsmeldung Fallarbeit",
                    );
                },
                absent: "column",
            },
            Passing {
                name: "header aliases",
                edit: |s| {
                    s.rename_header("Fallarbeit", "Fall-ID", "Fallnummer")
                        .rename_header("Fallarbeit", "Fachleistungsstunden", "FLS")
                        .rename_header("Fallarbeit", "Stundensatz", "Stundensatz €")
                        .rename_header("Fallarbeit", "Kosten", "Betrag")
                        .rename_header("Fallarbeit", "Abweichende Zuständigkeit", "Umzug");
                },
                absent: "column",
            },
            Passing {
                name: "optional column missing",
                edit: |s| {
                    s.remove_column("Fallarbeit", "Bemerkung");
                },
                absent: "COLUMN-MISSING",
            },
        ],
    );
}

#[test]
fn column_missing_is_reported_once_without_cascade() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.remove_column("Fallarbeit", "Fachleistungsstunden");
    let (code, r) = check_submission(&s);
    assert_eq!(code, 1);
    let f = r
        .expect_one(&expect("COLUMN-MISSING", "column", "error", FALL, None))
        .unwrap();
    assert_eq!(f["column"], "Fachleistungsstunden");
    assert!(
        r.find("REQUIRED-EMPTY", None, None).is_empty(),
        "no per-cell cascade:\n{}",
        r.dump()
    );
    assert!(
        !r.has("CROSS-COST"),
        "no Kosten check without hours:\n{}",
        r.dump()
    );
    assert_eq!(r.errors(), 1, "{}", r.dump());
}

// ------------------------------------------------------------------ required

#[test]
fn required_rule() {
    run_cases(
        &[
            Failing {
                name: "empty Hilfeart",
                edit: |s| {
                    s.clear("Fallarbeit", "C4");
                },
                expect: expect("REQUIRED-EMPTY", "required", "error", FALL, Some("C4")),
            },
            Failing {
                name: "blank-only Kosten counts as empty",
                edit: |s| {
                    s.set("Fallarbeit", "H5", " \u{a0} ");
                },
                expect: expect("REQUIRED-EMPTY", "required", "error", FALL, Some("H5")),
            },
            Failing {
                name: "empty cover value",
                edit: |s| {
                    s.clear("Deckblatt", "B7");
                },
                expect: expect("REQUIRED-EMPTY", "required", "error", COVER, Some("B7")),
            },
            Failing {
                name: "cover label missing",
                edit: |s| {
                    s.clear("Deckblatt", "A7").clear("Deckblatt", "B7");
                },
                expect: expect("FIELD-MISSING", "required", "error", COVER, None),
            },
            Failing {
                name: "empty Sozialraum in Milieuarbeit",
                edit: |s| {
                    s.clear("Milieuarbeit", "B3");
                },
                expect: expect(
                    "REQUIRED-EMPTY",
                    "required",
                    "error",
                    Some("Milieuarbeit"),
                    Some("B3"),
                ),
            },
        ],
        &[
            Passing {
                name: "optional cells empty",
                edit: |s| {
                    s.clear("Fallarbeit", "E3")
                        .clear("Fallarbeit", "I2")
                        .clear("Milieuarbeit", "F2");
                },
                absent: "REQUIRED-EMPTY",
            },
            Passing {
                name: "cover labels in another order and an alias",
                edit: |s| {
                    s.set("Deckblatt", "A7", "E-Mail")
                        .set("Deckblatt", "B7", "meldung@traeger-beispiel.de")
                        .set("Deckblatt", "A8", "Kontakt")
                        .set("Deckblatt", "B8", "Fachbereichsleitung");
                },
                absent: "required",
            },
        ],
    );
}

// ------------------------------------------------------------------ type

#[test]
fn type_rule() {
    run_cases(
        &[
            Failing {
                name: "text in a number column",
                edit: |s| {
                    s.set("Fallarbeit", "F3", "vierundsechzig");
                },
                expect: expect("TYPE-INVALID", "type", "error", FALL, Some("F3")),
            },
            Failing {
                name: "no valid date",
                edit: |s| {
                    s.set("Fallarbeit", "D3", "31.02.2026");
                },
                expect: expect("TYPE-INVALID", "type", "error", FALL, Some("D3")),
            },
            Failing {
                name: "fraction in an integer column",
                edit: |s| {
                    s.set("Milieuarbeit", "F2", 2.5);
                },
                expect: expect(
                    "TYPE-INVALID",
                    "type",
                    "error",
                    Some("Milieuarbeit"),
                    Some("F2"),
                ),
            },
            Failing {
                name: "hours with three decimals",
                edit: |s| {
                    s.set("Fallarbeit", "F2", 12.345)
                        .set("Fallarbeit", "H2", 770.33);
                },
                expect: expect("TYPE-PRECISION", "type", "warning", FALL, Some("F2")),
            },
            Failing {
                name: "number text is read and says so",
                edit: |s| {
                    s.set("Fallarbeit", "G2", "62,40 €");
                },
                expect: expect("TYPE-CONVERTED", "type", "info", FALL, Some("G2")),
            },
            Failing {
                name: "ambiguous number text",
                edit: |s| {
                    s.set("Milieuarbeit", "E2", "2.995");
                },
                expect: expect(
                    "TYPE-AMBIGUOUS",
                    "type",
                    "warning",
                    Some("Milieuarbeit"),
                    Some("E2"),
                ),
            },
        ],
        &[Passing {
            name: "German number text",
            edit: |s| {
                s.set("Fallarbeit", "F2", "120,5")
                    .set("Fallarbeit", "H2", "7.519,20");
            },
            absent: "TYPE-INVALID",
        }],
    );
}

// ------------------------------------------------------------------ enum

#[test]
fn enum_rule() {
    run_cases(
        &[
            Failing {
                name: "unknown Sozialraum",
                edit: |s| {
                    s.set("Fallarbeit", "B3", "Achm");
                },
                expect: expect("ENUM-UNKNOWN", "enum", "error", FALL, Some("B3")),
            },
            Failing {
                name: "unknown Hilfeart",
                edit: |s| {
                    s.set("Fallarbeit", "C2", "§ 99");
                },
                expect: expect("ENUM-UNKNOWN", "enum", "error", FALL, Some("C2")),
            },
            Failing {
                name: "§ 34 is not financed from the budget",
                edit: |s| {
                    s.set("Fallarbeit", "C2", "§ 34");
                },
                expect: expect("ENUM-EXCLUDED", "enum", "error", FALL, Some("C2")),
            },
            Failing {
                name: "§ 33 alias Vollzeitpflege",
                edit: |s| {
                    s.set("Fallarbeit", "C4", "Vollzeitpflege");
                },
                expect: expect("ENUM-EXCLUDED", "enum", "error", FALL, Some("C4")),
            },
            Failing {
                name: "kreisweit in Fallarbeit",
                edit: |s| {
                    s.set("Fallarbeit", "B2", "kreisweit");
                },
                expect: expect("ENUM-COUNTY-WIDE", "enum", "error", FALL, Some("B2")),
            },
            Failing {
                name: "kreisweit in Milieuarbeit",
                edit: |s| {
                    s.set("Milieuarbeit", "B2", "Kreisweit");
                },
                expect: expect(
                    "ENUM-COUNTY-WIDE",
                    "enum",
                    "error",
                    Some("Milieuarbeit"),
                    Some("B2"),
                ),
            },
            Failing {
                name: "municipality read as its Sozialraum",
                edit: |s| {
                    s.set("Fallarbeit", "B2", "Kirchlinteln")
                        .set("Fallarbeit", "I2", "ja")
                        .set("Fallarbeit", "J2", "Zuzug während laufender Hilfe");
                },
                expect: expect("ENUM-MUNICIPALITY", "enum", "info", FALL, Some("B2")),
            },
        ],
        &[
            Passing {
                name: "kreisweit allowed in Strukturarbeit",
                edit: |s| {
                    s.set("Strukturarbeit", "B3", "kreisweit (alle)");
                },
                absent: "ENUM-COUNTY-WIDE",
            },
            Passing {
                name: "Sozialraum and Hilfeart aliases",
                edit: |s| {
                    s.set("Fallarbeit", "B2", "Stadt Achim")
                        .set("Fallarbeit", "B3", "Ottersberg/Oyten")
                        .set("Fallarbeit", "C2", "SPFH")
                        .set("Fallarbeit", "C3", "§27.2")
                        .set("Fallarbeit", "C5", "35 a");
                },
                absent: "enum",
            },
            Passing {
                name: "municipality of an assigned Sozialraum",
                edit: |s| {
                    s.set("Fallarbeit", "B3", "Oyten");
                },
                absent: "ASSIGNMENT-OUTSIDE",
            },
        ],
    );
}

#[test]
fn enum_findings_say_what_was_read() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Fallarbeit", "B2", "Kirchlinteln")
        .set("Fallarbeit", "C3", "§ 34")
        .set("Fallarbeit", "B4", "Achm");
    let (code, r) = check_submission(&s);
    assert_eq!(code, 1);
    let muni = r
        .expect_one(&expect(
            "ENUM-MUNICIPALITY",
            "enum",
            "info",
            FALL,
            Some("B2"),
        ))
        .unwrap();
    assert_eq!(muni["value"], "Kirchlinteln");
    assert!(
        muni["message"]
            .as_str()
            .unwrap()
            .contains("Dörverden/Kirchlinteln"),
        "{muni}"
    );
    // Read as Dörverden/Kirchlinteln, which T01 does not serve.
    let outside = r
        .expect_one(&expect(
            "ASSIGNMENT-OUTSIDE",
            "assignment",
            "warning",
            FALL,
            Some("B2"),
        ))
        .unwrap();
    assert_eq!(outside["value"], "Dörverden/Kirchlinteln");
    let excluded = r
        .expect_one(&expect("ENUM-EXCLUDED", "enum", "error", FALL, Some("C3")))
        .unwrap();
    assert_eq!(excluded["value"], "§ 34");
    let why = format!("{} {}", excluded["message"], excluded["hint"]);
    assert!(why.contains("einzelfall"), "the hint says why: {why}");
    let unknown = r
        .expect_one(&expect("ENUM-UNKNOWN", "enum", "error", FALL, Some("B4")))
        .unwrap();
    assert_eq!(unknown["value"], "Achm");
    assert_eq!(unknown["column"], "Sozialraum");
}

#[test]
fn enum_rule_yes_no() {
    run_cases(
        &[Failing {
            name: "Abweichende Zuständigkeit neither ja nor nein",
            edit: |s| {
                s.set("Fallarbeit", "I2", "vielleicht");
            },
            expect: expect("ENUM-UNKNOWN", "enum", "error", FALL, Some("I2")),
        }],
        &[],
    );
}

// ------------------------------------------------------------------ range

#[test]
fn range_rule() {
    run_cases(
        &[
            Failing {
                name: "hours above 520",
                edit: |s| {
                    s.set("Fallarbeit", "F2", 521)
                        .set("Fallarbeit", "H2", 32510.40);
                },
                expect: expect("RANGE-NUMBER", "range", "error", FALL, Some("F2")),
            },
            Failing {
                name: "negative Stunden in Milieuarbeit",
                edit: |s| {
                    s.set("Milieuarbeit", "D3", -4);
                },
                expect: expect(
                    "RANGE-NUMBER",
                    "range",
                    "error",
                    Some("Milieuarbeit"),
                    Some("D3"),
                ),
            },
            Failing {
                name: "Berichtsjahr before 2005",
                edit: |s| {
                    s.set("Deckblatt", "B5", 1999);
                },
                expect: expect("RANGE-NUMBER", "range", "error", COVER, Some("B5")),
            },
            Failing {
                name: "Beginn after the quarter's end",
                edit: |s| {
                    s.set("Fallarbeit", "D4", date(2026, 10, 1));
                },
                expect: expect("RANGE-QUARTER", "range", "error", FALL, Some("D4")),
            },
            Failing {
                name: "Ende before the quarter's start",
                edit: |s| {
                    s.set("Fallarbeit", "E3", date(2026, 6, 30));
                },
                expect: expect("RANGE-QUARTER", "range", "error", FALL, Some("E3")),
            },
            Failing {
                name: "Erstellt am before the quarter's end",
                edit: |s| {
                    s.set("Deckblatt", "B9", date(2026, 9, 29));
                },
                expect: expect("RANGE-CREATED-EARLY", "range", "warning", COVER, Some("B9")),
            },
        ],
        &[
            Passing {
                name: "520 hours is the bound",
                edit: |s| {
                    s.set("Fallarbeit", "F2", 520)
                        .set("Fallarbeit", "H2", 32448.00);
                },
                absent: "RANGE-NUMBER",
            },
            Passing {
                name: "Beginn on the quarter's last day, Ende on its first",
                edit: |s| {
                    s.set("Fallarbeit", "D4", date(2026, 9, 30)).set(
                        "Fallarbeit",
                        "E3",
                        date(2026, 7, 1),
                    );
                },
                absent: "RANGE-QUARTER",
            },
            Passing {
                name: "Erstellt am on the quarter's last day",
                edit: |s| {
                    s.set("Deckblatt", "B9", date(2026, 9, 30));
                },
                absent: "RANGE-CREATED-EARLY",
            },
        ],
    );
}

/// Amounts in messages are money in both languages (`-120,00 €`, `-120.00 €`),
/// never bare numbers such as `-120`.
#[test]
fn money_in_messages_is_shown_as_money() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Milieuarbeit", "E3", -120);
    let mut batch = Batch::new();
    batch.add("negative", &s);
    for (lang, want) in [("de", "-120,00 €"), ("en", "-120.00 €")] {
        let (_, doc) = check_json(&batch.paths, &["--lang", lang]);
        let r = FileReport::first(&doc);
        let f = r
            .expect_one(&expect(
                "RANGE-NUMBER",
                "range",
                "error",
                Some("Milieuarbeit"),
                Some("E3"),
            ))
            .unwrap();
        let msg = f["message"].as_str().unwrap();
        assert!(msg.contains(want), "[{lang}] {msg}");
        assert_eq!(
            f["value"], "-120.00",
            "the machine value stays a JSON amount"
        );
    }
}

// ------------------------------------------------------------------ pattern

#[test]
fn pattern_rule() {
    run_cases(
        &[
            Failing {
                name: "Fall-ID with four digits",
                edit: |s| {
                    s.set("Fallarbeit", "A3", "JA-2026-0102");
                },
                expect: expect("PATTERN-MISMATCH", "pattern", "error", FALL, Some("A3")),
            },
            Failing {
                name: "e-mail without @",
                edit: |s| {
                    s.set("Deckblatt", "B8", "meldung(at)traeger-beispiel.de");
                },
                expect: expect("PATTERN-MISMATCH", "pattern", "error", COVER, Some("B8")),
            },
            Failing {
                name: "Träger-Nr. with one digit",
                edit: |s| {
                    s.set("Deckblatt", "B3", "T1");
                },
                expect: expect("PATTERN-MISMATCH", "pattern", "error", COVER, Some("B3")),
            },
        ],
        &[Passing {
            name: "Fall-ID and e-mail with stray blanks",
            edit: |s| {
                s.set("Fallarbeit", "A3", " JA-2026-00102 ").set(
                    "Deckblatt",
                    "B8",
                    " meldung@traeger-beispiel.de",
                );
            },
            absent: "pattern",
        }],
    );
}

// ------------------------------------------------------------------ unique

#[test]
fn unique_rule() {
    run_cases(
        &[Failing {
            name: "duplicate Fall-ID reported on the second",
            edit: |s| {
                s.set("Fallarbeit", "A5", "JA-2026-00102");
            },
            expect: expect("UNIQUE-DUPLICATE", "unique", "error", FALL, Some("A5")),
        }],
        &[Passing {
            name: "the same Fall-ID in Milieuarbeit's free text is no key",
            edit: |s| {
                s.set("Milieuarbeit", "C2", "JA-2026-00102");
            },
            absent: "unique",
        }],
    );
}

#[test]
fn unique_duplicate_points_to_the_first() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Fallarbeit", "A5", "JA-2026-00102");
    let (_, r) = check_submission(&s);
    let f = r
        .expect_one(&expect(
            "UNIQUE-DUPLICATE",
            "unique",
            "error",
            FALL,
            Some("A5"),
        ))
        .unwrap();
    assert_eq!(f["value"], "JA-2026-00102");
    assert!(
        f["message"].as_str().unwrap().contains("A3"),
        "names the first occurrence: {f}"
    );
    assert!(r.find("UNIQUE-DUPLICATE", FALL, Some("A3")).is_empty());
}

// ------------------------------------------------------------------ reference

#[test]
fn reference_rule() {
    run_cases(
        &[
            Failing {
                name: "unknown provider",
                edit: |s| {
                    s.set("Deckblatt", "B3", "T99");
                },
                expect: expect(
                    "REFERENCE-PROVIDER",
                    "reference",
                    "error",
                    COVER,
                    Some("B3"),
                ),
            },
            Failing {
                name: "provider name differs",
                edit: |s| {
                    s.set("Deckblatt", "B4", "Jugendhilfe Aller-Weser gGmbH");
                },
                expect: expect(
                    "REFERENCE-PROVIDER-NAME",
                    "reference",
                    "warning",
                    COVER,
                    Some("B4"),
                ),
            },
            Failing {
                name: "rate other than contracted",
                edit: |s| {
                    s.set("Fallarbeit", "G2", 60.0)
                        .set("Fallarbeit", "H2", 7230.0);
                },
                expect: expect("REFERENCE-RATE", "reference", "error", FALL, Some("G2")),
            },
        ],
        &[
            Passing {
                name: "provider name in other case and blanks",
                edit: |s| {
                    s.set("Deckblatt", "B4", "JUGENDHILFE  Aller-Weser e.V. ");
                },
                absent: "reference",
            },
            Passing {
                name: "contracted rate written as text",
                edit: |s| {
                    s.set("Fallarbeit", "G3", "62,40 €");
                },
                absent: "REFERENCE-RATE",
            },
        ],
    );
}

// ------------------------------------------------------------------ cross_field

#[test]
fn cross_field_rule() {
    run_cases(
        &[
            Failing {
                name: "Kosten is not hours × rate",
                edit: |s| {
                    s.set("Fallarbeit", "H2", 7519.25);
                },
                expect: expect("CROSS-COST", "cross_field", "error", FALL, Some("H2")),
            },
            Failing {
                name: "Kosten two cents off",
                edit: |s| {
                    s.set("Fallarbeit", "H4", 2386.82);
                },
                expect: expect("CROSS-COST", "cross_field", "error", FALL, Some("H4")),
            },
            Failing {
                name: "Ende before Beginn",
                edit: |s| {
                    s.set("Fallarbeit", "E6", date(2026, 8, 1));
                },
                expect: expect("CROSS-DATE-ORDER", "cross_field", "error", FALL, Some("E6")),
            },
            Failing {
                name: "ja without Begründung",
                edit: |s| {
                    s.set("Fallarbeit", "I2", "ja");
                },
                expect: expect("CROSS-REQUIRED", "cross_field", "error", FALL, Some("J2")),
            },
        ],
        &[
            Passing {
                name: "Kosten within 0.01 €",
                edit: |s| {
                    s.set("Fallarbeit", "H2", 7519.21)
                        .set("Fallarbeit", "H3", 3993.59);
                },
                absent: "CROSS-COST",
            },
            Passing {
                name: "Ende equal to Beginn",
                edit: |s| {
                    s.set("Fallarbeit", "E6", date(2026, 8, 17));
                },
                absent: "CROSS-DATE-ORDER",
            },
            Passing {
                name: "ja with Begründung",
                edit: |s| {
                    s.set("Fallarbeit", "I2", "ja").set(
                        "Fallarbeit",
                        "J2",
                        "Umzug innerhalb des Kreises",
                    );
                },
                absent: "CROSS-REQUIRED",
            },
        ],
    );
}

// ------------------------------------------------------------------ duration

/// `max_duration` (verden.toml: 5 years): an `Ende` more than five years after
/// `Beginn` is a warning at the `Ende` cell; up to five years is fine.
#[test]
fn duration_rule() {
    run_cases(
        &[Failing {
            name: "Ende six years after Beginn",
            edit: |s| {
                s.set("Fallarbeit", "D2", date(2020, 7, 1)).set(
                    "Fallarbeit",
                    "E2",
                    date(2026, 8, 31),
                );
            },
            expect: expect("RANGE-DURATION", "range", "warning", FALL, Some("E2")),
        }],
        &[Passing {
            name: "Ende exactly five years after Beginn",
            edit: |s| {
                s.set("Fallarbeit", "D2", date(2021, 8, 31)).set(
                    "Fallarbeit",
                    "E2",
                    date(2026, 8, 31),
                );
            },
            absent: "RANGE-DURATION",
        }],
    );
}

#[test]
fn duration_rule_takes_its_years_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Fallarbeit", "D2", date(2020, 7, 1))
        .set("Fallarbeit", "E2", date(2026, 8, 31));
    let path = s.write(dir.path());
    let toml = sozialraum::config::VERDEN_TOML.replace(
        "kind = \"max_duration\"\nbegin = \"begin\"\nend = \"end\"\nyears = 5",
        "kind = \"max_duration\"\nbegin = \"begin\"\nend = \"end\"\nyears = 10",
    );
    assert_ne!(
        toml,
        sozialraum::config::VERDEN_TOML,
        "the rule is in verden.toml"
    );
    let config = dir.path().join("zehn.toml");
    std::fs::write(&config, toml).unwrap();
    let config = config.display().to_string();
    let (_, doc) = check_json(&[&path], &["--config", &config]);
    assert!(!FileReport::first(&doc).has("RANGE-DURATION"));
    let (_, doc) = check_json(&[&path], &[]);
    assert!(FileReport::first(&doc).has("RANGE-DURATION"));
}

// ------------------------------------------------------------------ total

#[test]
fn total_rule() {
    run_cases(
        &[
            Failing {
                name: "totals row Kosten wrong",
                edit: |s| {
                    let row = s.add_totals_row("Fallarbeit", &["Fachleistungsstunden", "Kosten"]);
                    assert_eq!(row, 7);
                    s.set("Fallarbeit", "H7", 16239.70);
                },
                expect: expect("TOTAL-ROW", "total", "error", FALL, Some("H7")),
            },
            Failing {
                name: "totals row hours wrong",
                edit: |s| {
                    s.add_totals_row("Fallarbeit", &["Fachleistungsstunden", "Kosten"]);
                    s.set("Fallarbeit", "F7", 261.25);
                },
                expect: expect("TOTAL-ROW", "total", "error", FALL, Some("F7")),
            },
            Failing {
                name: "Summen Fallarbeit off by 0.10",
                edit: |s| {
                    s.with_summen().formula(
                        "Summen",
                        "B3",
                        "=SUM(Fallarbeit!H2:H6)",
                        Some("16239.7"),
                    );
                },
                expect: expect("TOTAL-SHEET", "total", "error", Some("Summen"), Some("B3")),
            },
            Failing {
                name: "Summen Gesamt off by 0.01",
                edit: |s| {
                    s.with_summen().set("Summen", "B6", 23134.81);
                },
                expect: expect("TOTAL-SHEET", "total", "error", Some("Summen"), Some("B6")),
            },
        ],
        &[
            Passing {
                name: "correct totals row is no case",
                edit: |s| {
                    s.add_totals_row("Fallarbeit", &["Fachleistungsstunden", "Kosten"]);
                },
                absent: "total",
            },
            Passing {
                name: "totals row with only Kosten, labelled Gesamt",
                edit: |s| {
                    s.add_totals_row("Milieuarbeit", &["Kosten"]);
                    s.set("Milieuarbeit", "A4", "Gesamt");
                },
                absent: "total",
            },
            Passing {
                name: "Summen matching",
                edit: |s| {
                    s.with_summen();
                },
                absent: "total",
            },
            Passing {
                name: "Summen within 0.005 €",
                edit: |s| {
                    let stated = s.column_sum("Milieuarbeit", "Kosten") + 0.004;
                    s.with_summen().set("Summen", "B4", stated);
                },
                absent: "total",
            },
        ],
    );
}

/// One cause, one finding: a `Gesamt` that adds up the three lines above it
/// is right even when one of those lines is wrong; the line carries the error.
#[test]
fn total_sheet_gesamt_that_adds_up_its_lines_is_no_second_error() {
    let mut batch = Batch::new();
    let mut s = Submission::valid("T01", 2026, 3);
    let fall = s.column_sum("Fallarbeit", "Kosten");
    s.with_summen();
    let total = match s.get("Summen", "B6") {
        Some(Cell::Formula {
            result: Some(r), ..
        }) => r.parse::<f64>().unwrap(),
        other => panic!("B6: {other:?}"),
    };
    s.set("Summen", "B3", fall + 100.0)
        .set("Summen", "B6", total + 100.0);
    batch.add("lines-add-up", &s);
    // The control: a Gesamt that matches neither its lines nor the data.
    let mut s = Submission::valid("T01", 2026, 3);
    s.with_summen()
        .set("Summen", "B3", fall + 100.0)
        .set("Summen", "B6", total + 50.0);
    batch.add("gesamt-wrong-too", &s);
    let [one, two] = batch.check().try_into().unwrap();
    one.expect_one(&expect(
        "TOTAL-SHEET",
        "total",
        "error",
        Some("Summen"),
        Some("B3"),
    ))
    .unwrap();
    assert_eq!(
        one.find("TOTAL-SHEET", None, None).len(),
        1,
        "{}",
        one.dump()
    );
    assert_eq!(one.errors(), 1, "{}", one.dump());
    for cell in ["B3", "B6"] {
        two.expect_one(&expect(
            "TOTAL-SHEET",
            "total",
            "error",
            Some("Summen"),
            Some(cell),
        ))
        .unwrap();
    }
}

/// A formula without a result among the data is not silently a zero in a
/// total: the totals difference names the cell.
#[test]
fn totals_difference_names_a_formula_without_result() {
    let mut batch = Batch::new();
    // A totals row stating the real sum; H4's formula was never calculated.
    let mut s = Submission::valid("T01", 2026, 3);
    s.add_totals_row("Fallarbeit", &["Kosten"]);
    s.formula("Fallarbeit", "H4", "=F4*G4", None);
    s.strip_formula_results = true;
    batch.add("totals-row", &s);
    // The Summen sheet (plain amounts) stating the real sums.
    let mut s = Submission::valid("T01", 2026, 3);
    let fall = s.column_sum("Fallarbeit", "Kosten");
    s.with_summen();
    let stated: Vec<f64> = (3..=6)
        .map(|r| match s.get("Summen", &format!("B{r}")) {
            Some(Cell::Formula {
                result: Some(v), ..
            }) => v.parse().unwrap(),
            other => panic!("B{r}: {other:?}"),
        })
        .collect();
    for (i, v) in stated.iter().enumerate() {
        s.set("Summen", &format!("B{}", i + 3), *v);
    }
    assert_eq!(stated[0], fall);
    s.formula("Fallarbeit", "H4", "=F4*G4", None);
    s.strip_formula_results = true;
    batch.add("summen", &s);
    for (lang, row_note, sheet_note) in [
        (
            "de",
            "enthält H4, eine Formel ohne Ergebnis",
            "enthält Fallarbeit!H4, eine Formel ohne Ergebnis",
        ),
        (
            "en",
            "includes H4, a formula without a result",
            "includes Fallarbeit!H4, a formula without a result",
        ),
    ] {
        let (_, doc) = check_json(&batch.paths, &["--lang", lang]);
        let row = FileReport::by_path(&doc, &format!("totals-row/{}", s.file_name()));
        let f = row
            .expect_one(&expect("TOTAL-ROW", "total", "error", FALL, Some("H7")))
            .unwrap();
        assert!(
            f["message"].as_str().unwrap().contains(row_note),
            "{}",
            f["message"]
        );
        row.expect_one(&expect(
            "FORMULA-NO-VALUE",
            "formula",
            "error",
            FALL,
            Some("H4"),
        ))
        .unwrap();
        let sheet = FileReport::by_path(&doc, &format!("summen/{}", s.file_name()));
        let f = sheet
            .expect_one(&expect(
                "TOTAL-SHEET",
                "total",
                "error",
                Some("Summen"),
                Some("B3"),
            ))
            .unwrap();
        assert!(
            f["message"].as_str().unwrap().contains(sheet_note),
            "{}",
            f["message"]
        );
        // Gesamt adds up its lines: the one difference is reported once.
        assert_eq!(
            sheet.find("TOTAL-SHEET", None, None).len(),
            1,
            "{}",
            sheet.dump()
        );
    }
}

// ------------------------------------------------------------------ assignment

#[test]
fn assignment_rule() {
    run_cases(
        &[Failing {
            name: "case outside the provider's Sozialräume without ja",
            edit: |s| {
                s.set("Fallarbeit", "B2", "Verden");
            },
            expect: expect(
                "ASSIGNMENT-OUTSIDE",
                "assignment",
                "warning",
                FALL,
                Some("B2"),
            ),
        }],
        &[Passing {
            name: "out of area with ja and Begründung",
            edit: |s| {
                s.set("Fallarbeit", "B2", "Verden")
                    .set("Fallarbeit", "I2", "ja")
                    .set(
                        "Fallarbeit",
                        "J2",
                        "Umzug nach Verden, Hilfebeziehung fortgeführt",
                    );
            },
            absent: "assignment",
        }],
    );
}

#[test]
fn assignment_with_ja_and_reason_leaves_nothing_to_report() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Fallarbeit", "B2", "Verden")
        .set("Fallarbeit", "I2", "ja")
        .set(
            "Fallarbeit",
            "J2",
            "Umzug nach Verden, Hilfebeziehung fortgeführt",
        );
    let (code, r) = check_submission(&s);
    assert_eq!(code, 0);
    assert!(r.findings().is_empty(), "{}", r.dump());
}

// ------------------------------------------------------------------ privacy

#[test]
fn privacy_rule() {
    run_cases(
        &[
            Failing {
                name: "column asking for a name",
                edit: |s| {
                    s.add_column("Fallarbeit", "Name", &["K.", "L.", "M.", "N.", "O."]);
                },
                expect: expect("PRIVACY-COLUMN", "privacy", "error", FALL, Some("L1")),
            },
            Failing {
                name: "column asking for a birth date",
                edit: |s| {
                    s.add_column(
                        "Fallarbeit",
                        "Geburtsdatum",
                        &["2015", "2016", "2017", "2018", "2019"],
                    );
                },
                expect: expect("PRIVACY-COLUMN", "privacy", "error", FALL, Some("L1")),
            },
            Failing {
                name: "birth date in Bemerkung",
                edit: |s| {
                    s.set("Fallarbeit", "K2", "Kind geb. 03.04.2015, Schulwechsel");
                },
                expect: expect("PRIVACY-VALUE", "privacy", "warning", FALL, Some("K2")),
            },
            Failing {
                name: "name in Begründung",
                edit: |s| {
                    s.set("Fallarbeit", "I2", "ja").set(
                        "Fallarbeit",
                        "J2",
                        "Familie Yilmaz zieht nach Achim",
                    );
                },
                expect: expect("PRIVACY-VALUE", "privacy", "warning", FALL, Some("J2")),
            },
            Failing {
                name: "name typed into Fall-ID",
                edit: |s| {
                    s.set("Fallarbeit", "A4", "Max Mustermann");
                },
                expect: expect("PRIVACY-VALUE", "privacy", "warning", FALL, Some("A4")),
            },
        ],
        &[Passing {
            name: "dates of the help itself",
            edit: |s| {
                s.set(
                    "Fallarbeit",
                    "K2",
                    "Hilfeplan fortgeschrieben am 12.08.2026",
                );
            },
            absent: "privacy",
        }],
    );
}

/// Names, not only dates: after a relation word or a form of address, and a
/// bare first name followed by a capitalised word; common nouns after a
/// relation word stay allowed.
#[test]
fn privacy_rule_catches_names() {
    let bemerkung = |name: &'static str, text: &'static str| (name, text);
    let suspects = [
        bemerkung("relation word with a colon", "Mutter: Sabine Krüger"),
        bemerkung("relation word and a title", "Vater Herr Kowalski kommt mit"),
        bemerkung("child's first name", "Kind: Lea"),
        bemerkung("a bare full name", "Sabine Krüger"),
        bemerkung("a Turkish name in a sentence", "Gespräch mit Mehmet Yılmaz"),
        bemerkung("KM and a Polish first name", "KM Katarzyna"),
    ];
    let allowed = [
        bemerkung("Mutter-Kind-Gruppe", "Teilnahme an der Mutter-Kind-Gruppe"),
        bemerkung("Kind in Obhut", "Kind in Obhut genommen"),
        bemerkung("Vater nimmt teil", "Vater nimmt teil"),
        bemerkung("Herr der Lage", "Familie ist wieder Herr der Lage"),
        bemerkung(
            "noun after a relation word",
            "Mutter Termin abgesagt, Vater Sorgerecht",
        ),
        bemerkung("abbreviations", "Hilfeplangespräch mit KM und KV"),
    ];
    let mut batch = Batch::new();
    for (name, text) in suspects.iter().chain(allowed.iter()) {
        let mut s = Submission::valid("T01", 2026, 3);
        // In Bemerkung, and in Begründung of a marked out-of-area case.
        s.set("Fallarbeit", "K2", *text)
            .set("Fallarbeit", "B3", "Verden")
            .set("Fallarbeit", "I3", "ja")
            .set("Fallarbeit", "J3", format!("Umzug; {text}").as_str());
        batch.add(name, &s);
    }
    let reports = batch.check();
    let mut problems = Vec::new();
    for ((name, text), r) in suspects.iter().zip(&reports) {
        for cell in ["K2", "J3"] {
            match r.expect_one(&expect(
                "PRIVACY-VALUE",
                "privacy",
                "warning",
                FALL,
                Some(cell),
            )) {
                Ok(f) => {
                    if !f["value"].is_null() || f["message"].as_str().unwrap().contains(text) {
                        problems.push(format!("[{name}] {cell} echoes the value: {f}"));
                    }
                }
                Err(e) => problems.push(format!("[{name}] {cell}: {e}")),
            }
        }
    }
    for ((name, _), r) in allowed.iter().zip(reports.iter().skip(suspects.len())) {
        if r.has("privacy") || r.errors() != 0 {
            problems.push(format!("[{name}] expected nothing:\n{}", r.dump()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A privacy pattern that does not compile stops the run (exit 2) with the
/// place in the configuration; the rule is never silently switched off.
#[test]
fn privacy_pattern_that_does_not_compile_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let clean = Submission::valid("T01", 2026, 3).write(dir.path());
    let verden =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/verden.toml"))
            .unwrap();
    let bad = verden.replacen("patterns = []", "patterns = ['KD-(\\d{6}']", 1);
    assert_ne!(bad, verden);
    let cfg = dir.path().join("bad-privacy.toml");
    std::fs::write(&cfg, &bad).unwrap();
    let out = sozialraum()
        .arg("--config")
        .arg(&cfg)
        .args(["check", "--format", "json"])
        .arg(&clean)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "no report: {stderr}");
    assert!(stderr.contains("privacy"), "{stderr}");
    assert!(stderr.contains("KD-("), "shows the pattern: {stderr}");
    // The same pattern, closed, loads and is looked for.
    let good = verden.replacen("patterns = []", "patterns = ['KD-\\d{6}']", 1);
    std::fs::write(&cfg, &good).unwrap();
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Fallarbeit", "K2", "Akte KD-123456");
    let sub = tempfile::tempdir().unwrap();
    let path = s.write(sub.path());
    let (code, doc) = check_json(&[&path], &["--config", cfg.to_str().unwrap()]);
    let r = FileReport::first(&doc);
    assert_eq!(code, 0, "{}", r.dump());
    r.expect_one(&expect(
        "PRIVACY-VALUE",
        "privacy",
        "warning",
        FALL,
        Some("K2"),
    ))
    .unwrap();
}

#[test]
fn privacy_findings_never_echo_the_value() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Fallarbeit", "K2", "Kind geb. 03.04.2015, Schulwechsel")
        .set("Fallarbeit", "A4", "Max Mustermann");
    let (_, r) = check_submission(&s);
    let f = r
        .expect_one(&expect(
            "PRIVACY-VALUE",
            "privacy",
            "warning",
            FALL,
            Some("K2"),
        ))
        .unwrap();
    assert!(f["value"].is_null(), "value must be null: {f}");
    assert_eq!(f["column"], "Bemerkung");
    r.expect_one(&expect(
        "PRIVACY-VALUE",
        "privacy",
        "warning",
        FALL,
        Some("A4"),
    ))
    .unwrap();
    for f in r.findings() {
        let all = f.to_string();
        for secret in ["03.04.2015", "Mustermann"] {
            assert!(!all.contains(secret), "{secret} echoed in {f}");
        }
    }

    // Nor in the report for people, infos included, in either language.
    let dir = tempfile::tempdir().unwrap();
    let path = s.write(dir.path());
    for lang in ["de", "en"] {
        let out = sozialraum()
            .args(["--lang", lang, "check", "--all"])
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("K2") && text.contains("A4"),
            "[{lang}] the findings are shown:\n{text}"
        );
        for secret in ["03.04.2015", "Mustermann"] {
            assert!(!text.contains(secret), "[{lang}] {secret} echoed:\n{text}");
        }
    }
}

// ------------------------------------------------------------------ formula

#[test]
fn formula_rule() {
    run_cases(
        &[
            Failing {
                name: "error value #DIV/0!",
                edit: |s| {
                    s.formula("Fallarbeit", "H2", "=1/0", Some("#DIV/0!"));
                },
                expect: expect("FORMULA-ERROR", "formula", "error", FALL, Some("H2")),
            },
            Failing {
                name: "German error value #WERT! in Summen",
                edit: |s| {
                    s.with_summen().formula(
                        "Summen",
                        "B4",
                        "=SUM(Milieuarbeit!E2:E3)",
                        Some("#WERT!"),
                    );
                },
                expect: expect(
                    "FORMULA-ERROR",
                    "formula",
                    "error",
                    Some("Summen"),
                    Some("B4"),
                ),
            },
            Failing {
                name: "error value in a totals row",
                edit: |s| {
                    s.add_totals_row("Fallarbeit", &["Kosten"]);
                    s.formula("Fallarbeit", "H7", "=SUM(H2:H6)+#REF!", Some("#REF!"));
                },
                expect: expect("FORMULA-ERROR", "formula", "error", FALL, Some("H7")),
            },
            Failing {
                name: "formula without cached value",
                edit: |s| {
                    s.formula("Fallarbeit", "H2", "=F2*G2", None);
                    s.strip_formula_results = true;
                },
                expect: expect("FORMULA-NO-VALUE", "formula", "error", FALL, Some("H2")),
            },
        ],
        &[Passing {
            name: "formula with its cached result",
            edit: |s| {
                s.formula("Fallarbeit", "H2", "=ROUND(F2*G2,2)", Some("7519.2"));
            },
            absent: "formula",
        }],
    );
}

#[test]
fn formula_error_is_never_a_zero() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.formula("Fallarbeit", "H2", "=1/0", Some("#DIV/0!"));
    let (code, r) = check_submission(&s);
    assert_eq!(code, 1);
    let f = r
        .expect_one(&expect(
            "FORMULA-ERROR",
            "formula",
            "error",
            FALL,
            Some("H2"),
        ))
        .unwrap();
    assert_eq!(f["value"], "#DIV/0!");
    assert!(
        !r.has("CROSS-COST"),
        "the error value is not read as 0 €:\n{}",
        r.dump()
    );
    assert_eq!(r.errors(), 1, "{}", r.dump());
}

/// rust_xlsxwriter writes `<v>0</v>` for a formula without `set_result` (and
/// `fullCalcOnLoad="1"`): the file was never calculated, so the 0 is no value.
#[test]
fn formula_rule_uncalculated_zero() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.formula("Milieuarbeit", "E2", "=D2*62.4", None);
    let dir = tempfile::tempdir().unwrap();
    let path = s.write(dir.path());
    assert!(zip_part(&path, "xl/worksheets/sheet3.xml")
        .contains("<c r=\"E2\"><f>D2*62.4</f><v>0</v></c>"));
    assert!(zip_part(&path, "xl/workbook.xml").contains("fullCalcOnLoad=\"1\""));
    let (_, doc) = check_json(&[&path], &[]);
    let r = FileReport::first(&doc);
    r.expect_one(&expect(
        "FORMULA-NO-VALUE",
        "formula",
        "error",
        Some("Milieuarbeit"),
        Some("E2"),
    ))
    .unwrap();
}

// ------------------------------------------------------------------ consistency

#[test]
fn consistency_rule() {
    run_cases(
        &[Failing {
            name: "file name says Q2, cover Q3",
            edit: |s| {
                s.named("T01_2026-Q2.xlsx");
            },
            expect: expect("CONSISTENCY-FILENAME", "consistency", "warning", None, None),
        }],
        &[
            Passing {
                name: "file name matches the cover",
                edit: |s| {
                    s.named("T01_2026-Q3.xlsx");
                },
                absent: "consistency",
            },
            Passing {
                name: "file name without the suggested pattern",
                edit: |s| {
                    s.named("Quartalsmeldung Jugendhilfe.xlsx");
                },
                absent: "consistency",
            },
        ],
    );
}

#[test]
fn consistency_cover_is_authoritative() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.named("T01_2026-Q2.xlsx");
    let (code, r) = check_submission(&s);
    assert_eq!(code, 0, "a warning only");
    assert_eq!(
        (
            r.0["provider"].as_str(),
            r.0["year"].as_i64(),
            r.0["quarter"].as_i64()
        ),
        (Some("T01"), Some(2026), Some(3))
    );
    let f = r
        .expect_one(&expect(
            "CONSISTENCY-FILENAME",
            "consistency",
            "warning",
            None,
            None,
        ))
        .unwrap();
    assert!(f["message"].as_str().unwrap().contains("Q2"), "{f}");
}

// ------------------------------------------------------------------ exit codes

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let clean = Submission::valid("T01", 2026, 3).write_as(dir.path(), "clean.xlsx");
    let mut warn = Submission::valid("T01", 2026, 3);
    warn.set("Fallarbeit", "B2", "Verden");
    let warn = warn.write_as(dir.path(), "warning.xlsx");
    let mut err = Submission::valid("T01", 2026, 3);
    err.set("Fallarbeit", "B2", "Achm");
    let err = err.write_as(dir.path(), "error.xlsx");

    let cases: [(&str, Vec<&std::path::Path>, &[&str], i32); 6] = [
        ("clean", vec![&clean], &[], 0),
        ("only warnings", vec![&warn], &[], 0),
        ("warnings under --strict", vec![&warn], &["--strict"], 1),
        ("clean under --strict", vec![&clean], &["--strict"], 0),
        ("an error", vec![&err], &[], 1),
        (
            "an error among clean files",
            vec![&clean, &err, &warn],
            &[],
            1,
        ),
    ];
    for (name, paths, args, want) in cases {
        let (code, doc) = check_json(&paths, args);
        assert_eq!(code, want, "[{name}] {doc}");
        assert_eq!(
            doc["files"].as_array().unwrap().len(),
            paths.len(),
            "[{name}]"
        );
    }
}

#[test]
fn exit_code_2_for_a_nonexistent_input() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("T01_2026-Q3.xlsx");
    let out = sozialraum()
        .args(["check", "--format", "json"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("T01_2026-Q3.xlsx"),
        "names the path: {stderr}"
    );
}

#[test]
fn exit_code_2_for_a_bad_config_pointing_into_the_toml() {
    let dir = tempfile::tempdir().unwrap();
    let clean = Submission::valid("T01", 2026, 3).write(dir.path());
    let verden =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/verden.toml"))
            .unwrap();

    // A syntax error, and a provider assigned to a Sozialraum no cut knows.
    let syntax = verden.replacen("rate = \"62.40\"", "rate = \"62.40", 1);
    let unknown = verden.replacen(
        "sozialraeume = [\"Achim\", \"Oyten/Ottersberg\"]",
        "sozialraeume = [\"Achim\", \"Atlantis\"]",
        1,
    );
    assert_ne!(syntax, verden);
    assert_ne!(unknown, verden);
    for (name, text, needle) in [
        ("syntax.toml", syntax, "rate = \"62.40"),
        ("unknown.toml", unknown, "Atlantis"),
    ] {
        let cfg = dir.path().join(name);
        std::fs::write(&cfg, &text).unwrap();
        let line = text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let out = sozialraum()
            .arg("--config")
            .arg(&cfg)
            .args(["check", "--format", "json"])
            .arg(&clean)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "[{name}] {stderr}");
        assert!(out.stdout.is_empty(), "[{name}] no report on stdout");
        assert!(stderr.contains(name), "[{name}] names the file: {stderr}");
        assert!(
            stderr.contains(&format!("{name}:{line}:")) || stderr.contains(&format!(":{line}:")),
            "[{name}] points at line {line}: {stderr}"
        );
        assert!(
            stderr.contains(needle),
            "[{name}] shows the offending text: {stderr}"
        );
    }

    let out = sozialraum()
        .arg("--config")
        .arg(dir.path().join("gibt-es-nicht.toml"))
        .args(["check", "--format", "json"])
        .arg(&clean)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gibt-es-nicht.toml"));
}

/// rules.md: "Money in JSON is a string with two decimals (`"1234.50"`),
/// never a float" – also the `value` of a finding about an amount, and the
/// same whatever `--lang` the messages are in.
#[test]
fn json_money_values_are_two_decimal_strings() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Fallarbeit", "G4", 60.0)
        .set("Fallarbeit", "H2", 7519.25);
    let row = s.add_totals_row("Fallarbeit", &["Kosten"]);
    s.set("Fallarbeit", &format!("H{row}"), 16239.7);
    s.with_summen()
        .formula("Summen", "B3", "=SUM(Fallarbeit!H2:H6)", Some("16239.7"));
    let dir = tempfile::tempdir().unwrap();
    let path = s.write(dir.path());
    let cases = [
        (
            expect("CROSS-COST", "cross_field", "error", FALL, Some("H2")),
            "7519.25",
        ),
        (
            expect("REFERENCE-RATE", "reference", "error", FALL, Some("G4")),
            "60.00",
        ),
        (
            expect("TOTAL-ROW", "total", "error", FALL, Some("H7")),
            "16239.70",
        ),
        (
            expect("TOTAL-SHEET", "total", "error", Some("Summen"), Some("B3")),
            "16239.70",
        ),
    ];
    let mut problems = Vec::new();
    for lang in ["de", "en"] {
        let (_, doc) = check_json(&[&path], &["--lang", lang]);
        let r = FileReport::first(&doc);
        for (e, want) in &cases {
            match r.expect_one(e) {
                Ok(f) if f["value"] == *want => {}
                Ok(f) => problems.push(format!(
                    "[{lang}] {} value {} (want \"{want}\")",
                    e.code, f["value"]
                )),
                Err(m) => problems.push(format!("[{lang}] {m}")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn json_contract_of_a_finding() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Fallarbeit", "B3", "Achm");
    let dir = tempfile::tempdir().unwrap();
    let path = s.write(dir.path());
    let (_, doc) = check_json(&[&path], &[]);
    let file = &doc["files"][0];
    assert_eq!(file["path"], path.display().to_string());
    assert_eq!(file["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(
        file["summary"],
        serde_json::json!({ "errors": 1, "warnings": 0, "infos": 0 })
    );
    let f = &file["findings"][0];
    for key in [
        "severity", "rule", "code", "sheet", "cell", "column", "value", "message", "hint",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    assert_eq!(f["column"], "Sozialraum");
    assert_eq!(f["value"], "Achm");
}

#[test]
fn cells_outside_the_table_are_named_once_not_silently_dropped() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Fallarbeit", "Z40", "Notiz ohne Spalte");
    s.set("Fallarbeit", "Z41", "noch eine");
    let (code, report) = check_submission(&s);
    assert_eq!(code, 0, "{}", report.dump());
    let f = report.find("CELLS-IGNORED", Some("Fallarbeit"), Some("Z40"));
    assert_eq!(f.len(), 1, "{}", report.dump());
    assert_eq!(f[0]["severity"], "info");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with('2'),
        "{}",
        f[0]
    );
    let clean = Submission::valid("T01", 2026, 3);
    assert!(!check_submission(&clean).1.has("CELLS-IGNORED"));
}

// ------------------------------------------------------------------ facts from the file name

/// A provider number the master data does not know gives way to the known one
/// of the file name: the submission is checked (rate, Sozialräume) and
/// counted as T05, with a warning beside the cover's error.
#[test]
fn consistency_an_unknown_cover_provider_gives_way_to_the_file_name() {
    let mut s = Submission::valid("T05", 2026, 3);
    s.set("Deckblatt", "B3", "T99");
    s.set("Fallarbeit", "G2", 60.0);
    let (code, r) = check_submission(&s);
    assert_eq!(code, 1);
    assert_eq!(r.0["provider"], "T05", "{}", r.dump());
    r.expect_one(&expect(
        "REFERENCE-PROVIDER",
        "reference",
        "error",
        COVER,
        Some("B3"),
    ))
    .unwrap();
    let f = r
        .expect_one(&expect(
            "REFERENCE-PROVIDER-FILENAME",
            "reference",
            "warning",
            COVER,
            Some("B3"),
        ))
        .unwrap();
    assert_eq!(f["value"], "T99");
    assert!(f["message"].as_str().unwrap().contains("gezählt unter T05"));
    // The rate is checked against T05's contracted 61,50 €.
    assert!(!r
        .find("REFERENCE-RATE", Some("Fallarbeit"), Some("G2"))
        .is_empty());
    assert!(!r.has("CONSISTENCY-FILENAME"), "{}", r.dump());
}

/// Without a known provider in the file name, an unknown number stays as written.
#[test]
fn consistency_an_unknown_provider_counts_as_written() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.set("Deckblatt", "B3", "T07").named("Meldung Q3.xlsx");
    let (_, r) = check_submission(&s);
    assert_eq!(r.0["provider"], "T07");
    assert!(r.has("REFERENCE-PROVIDER"));
    assert!(!r.has("REFERENCE-PROVIDER-FILENAME"));
}

#[test]
fn consistency_year_and_quarter_missing_on_the_cover_come_from_the_file_name() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.clear("Deckblatt", "B5").set("Deckblatt", "B6", "fünf");
    let (_, r) = check_submission(&s);
    assert_eq!(
        (r.0["year"].as_i64(), r.0["quarter"].as_i64()),
        (Some(2026), Some(3))
    );
    let year = r
        .expect_one(&expect(
            "CONSISTENCY-FILENAME-FACT",
            "consistency",
            "warning",
            COVER,
            Some("B5"),
        ))
        .unwrap();
    assert_eq!(year["value"], "2026");
    assert_eq!(year["column"], "Berichtsjahr");
    let quarter = r
        .expect_one(&expect(
            "CONSISTENCY-FILENAME-FACT",
            "consistency",
            "warning",
            COVER,
            Some("B6"),
        ))
        .unwrap();
    assert_eq!(quarter["value"], "3");
    // The quarter's rules run: a case begun after the quarter is still found.
    s.set("Fallarbeit", "D2", date(2026, 10, 5));
    let (_, r) = check_submission(&s);
    assert!(r.has("RANGE-QUARTER"), "{}", r.dump());
}

#[test]
fn consistency_without_a_cover_sheet_the_file_name_names_the_submission() {
    let mut s = Submission::valid("T02", 2026, 1);
    s.drop_sheet("Deckblatt");
    let (_, r) = check_submission(&s);
    assert_eq!(
        (
            r.0["provider"].as_str(),
            r.0["year"].as_i64(),
            r.0["quarter"].as_i64()
        ),
        (Some("T02"), Some(2026), Some(1))
    );
    assert_eq!(r.find("CONSISTENCY-FILENAME-FACT", None, None).len(), 3);
    assert!(r.has("SHEET-MISSING"));
}

#[test]
fn consistency_facts_from_the_file_name_in_english() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Submission::valid("T05", 2026, 3);
    s.set("Deckblatt", "B3", "T99").clear("Deckblatt", "B5");
    let p = s.write(dir.path());
    let (_, doc) = check_json(&[&p], &["--lang", "en"]);
    let r = FileReport::first(&doc);
    let msgs: Vec<&str> = r
        .findings()
        .iter()
        .filter(|f| {
            f["code"] == "REFERENCE-PROVIDER-FILENAME" || f["code"] == "CONSISTENCY-FILENAME-FACT"
        })
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "Provider number \"T99\" on the cover unknown; counted under T05 from the file name.",
            "\"Berichtsjahr\" is missing from the cover or invalid; taken from the file name: 2026."
        ]
    );
}
