//! Finding codes that had no test of their own: each test names its code and
//! pins down when it appears (and what else does not).

mod common;

use std::path::{Path, PathBuf};

use common::{check_json, FileReport, Submission};
use serde_json::Value;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The codes of a report, for assertion messages and exact comparisons.
fn codes(r: &FileReport) -> Vec<&str> {
    r.findings()
        .iter()
        .map(|f| f["code"].as_str().expect("code"))
        .collect()
}

// ------------------------------------------------------------------ FILE-ENCRYPTED

const FREESECT: u32 = 0xFFFF_FFFF;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const FATSECT: u32 = 0xFFFF_FFFD;
const NOSTREAM: u32 = 0xFFFF_FFFF;

/// A CFB (OLE) container, version 3 (512-byte sectors), holding `streams` in
/// the root storage — what Excel writes for a password-protected workbook:
/// `EncryptionInfo` and `EncryptedPackage` instead of the zip package.
/// Streams are padded to 4096 bytes so they live in the regular FAT (no
/// mini stream). Sector 0 is the FAT, sector 1 the directory.
fn cfb_container(streams: &[(&str, &[u8])]) -> Vec<u8> {
    const SECTOR: usize = 512;
    assert!(streams.len() <= 3, "one directory sector");
    let padded: Vec<Vec<u8>> = streams
        .iter()
        .map(|(_, d)| {
            let mut v = d.to_vec();
            v.resize(v.len().max(4096).div_ceil(SECTOR) * SECTOR, 0);
            v
        })
        .collect();
    let mut fat = vec![FATSECT, ENDOFCHAIN];
    let mut starts = Vec::new();
    for data in &padded {
        let first = fat.len() as u32;
        starts.push(first);
        let n = (data.len() / SECTOR) as u32;
        fat.extend((1..n).map(|i| first + i));
        fat.push(ENDOFCHAIN);
    }
    assert!(fat.len() <= SECTOR / 4, "one FAT sector");
    fat.resize(SECTOR / 4, FREESECT);

    let mut header = Vec::with_capacity(SECTOR);
    header.extend([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    header.extend([0u8; 16]); // CLSID
    header.extend(0x003Eu16.to_le_bytes()); // minor version
    header.extend(0x0003u16.to_le_bytes()); // major version 3
    header.extend(0xFFFEu16.to_le_bytes()); // byte order
    header.extend(9u16.to_le_bytes()); // sector shift: 512
    header.extend(6u16.to_le_bytes()); // mini sector shift: 64
    header.extend([0u8; 6]);
    header.extend(0u32.to_le_bytes()); // directory sectors (0 in version 3)
    header.extend(1u32.to_le_bytes()); // FAT sectors
    header.extend(1u32.to_le_bytes()); // first directory sector
    header.extend(0u32.to_le_bytes()); // transaction signature
    header.extend(4096u32.to_le_bytes()); // mini stream cutoff
    header.extend(ENDOFCHAIN.to_le_bytes()); // first mini FAT sector
    header.extend(0u32.to_le_bytes()); // mini FAT sectors
    header.extend(ENDOFCHAIN.to_le_bytes()); // first DIFAT sector
    header.extend(0u32.to_le_bytes()); // DIFAT sectors
    header.extend(0u32.to_le_bytes()); // DIFAT[0]: the FAT is sector 0
    header.extend(std::iter::repeat_n(0xFFu8, 108 * 4));
    assert_eq!(header.len(), SECTOR);

    // Siblings ordered by (length, upper case), as CFB's red-black tree wants;
    // here a right-leaning chain of black nodes.
    let mut order: Vec<usize> = (0..streams.len()).collect();
    order.sort_by_key(|&i| (streams[i].0.len(), streams[i].0.to_uppercase()));
    let id_of = |i: usize| 1 + order.iter().position(|&o| o == i).expect("sorted") as u32;
    let entry = |name: &str, kind: u8, right: u32, child: u32, start: u32, size: u64| {
        let mut e = vec![0u8; 128];
        let units: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        e[..units.len()].copy_from_slice(&units);
        e[64..66].copy_from_slice(&((units.len() + 2) as u16).to_le_bytes());
        e[66] = kind;
        e[67] = 1; // black
        e[68..72].copy_from_slice(&NOSTREAM.to_le_bytes());
        e[72..76].copy_from_slice(&right.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..128].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut dir = entry(
        "Root Entry",
        5,
        NOSTREAM,
        if streams.is_empty() { NOSTREAM } else { 1 },
        ENDOFCHAIN,
        0,
    );
    for (pos, &i) in order.iter().enumerate() {
        let right = order.get(pos + 1).map_or(NOSTREAM, |&n| id_of(n));
        let name = streams[i].0;
        dir.extend(entry(
            name,
            2,
            right,
            NOSTREAM,
            starts[i],
            padded[i].len() as u64,
        ));
    }
    while dir.len() < SECTOR {
        let mut unused = vec![0u8; 128];
        unused[68..80].copy_from_slice(&[0xFF; 12]);
        dir.extend(unused);
    }

    let mut out = header;
    out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    out.extend(dir);
    for data in padded {
        out.extend(data);
    }
    out
}

/// An encrypted OOXML workbook is a CFB container with `EncryptionInfo` and
/// `EncryptedPackage` streams, whatever its name says. It is refused with
/// FILE-ENCRYPTED (an error telling to remove the password), not as unreadable.
#[test]
fn file_encrypted_for_an_ooxml_workbook_behind_a_password() {
    // EncryptionInfo version 4.4 (agile): the XML descriptor follows.
    let mut info = vec![0x04, 0x00, 0x04, 0x00, 0x40, 0x00, 0x00, 0x00];
    info.extend(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><encryption/>"#);
    let bytes = cfb_container(&[
        ("EncryptionInfo", &info),
        ("EncryptedPackage", &[0x5A; 4096]),
    ]);
    let dir = tempfile::tempdir().expect("tmp");
    for name in ["T01_2026-Q3.xlsx", "T01_2026-Q3.xlsm", "T01_2026-Q3.xls"] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write");
        let (code, doc) = check_json(&[&path], &[]);
        let r = FileReport::first(&doc);
        assert_eq!(code, 1, "{name}: {}", r.dump());
        assert_eq!(codes(&r), ["FILE-ENCRYPTED"], "{name}: {}", r.dump());
        let f = &r.findings()[0];
        assert_eq!(f["severity"], "error");
        assert_eq!(f["rule"], "file");
        assert!(
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("kennwortgeschützt")),
            "{f}"
        );
    }
}

/// The encrypted workbooks of the corpus (Excel, POI, excelize: standard and
/// agile encryption) are all FILE-ENCRYPTED.
#[test]
fn file_encrypted_for_the_encrypted_ooxml_files_of_the_corpus() {
    let corpus = manifest_dir().join("../shared/corpus");
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv"))
        .unwrap_or_else(|e| panic!("corpus missing at {}: {e}", corpus.display()));
    let encrypted: Vec<PathBuf> = manifest
        .lines()
        .filter(|l| {
            let note = l.split('\t').nth(6).unwrap_or("");
            note.starts_with("encrypted (OLE2 EncryptedPackage")
                || note.starts_with("encrypted xlsx")
        })
        .map(|l| corpus.join(l.split('\t').next().expect("path")))
        .collect();
    assert!(encrypted.len() >= 8, "{encrypted:?}");
    let (_, doc) = check_json(&encrypted, &[]);
    for path in &encrypted {
        let name = path.file_name().expect("name").to_string_lossy();
        let r = FileReport::by_path(&doc, &format!("/{name}"));
        assert_eq!(codes(&r), ["FILE-ENCRYPTED"], "{name}: {}", r.dump());
    }
}

// ------------------------------------------------------------------ FILE-EXTENSION

/// An Excel 97–2003 workbook saved under `.xlsx` is read by its bytes, as
/// `.xls`, and gets the info FILE-EXTENSION naming both; nothing else changes.
#[test]
fn file_extension_for_xls_bytes_named_xlsx() {
    let xls = manifest_dir().join("tests/fixtures/clean_T01_2026-Q3.xls");
    let dir = tempfile::tempdir().expect("tmp");
    let renamed = dir.path().join("T01_2026-Q3.xlsx");
    std::fs::copy(&xls, &renamed).expect("copy");

    let (code, doc) = check_json(&[&xls], &[]);
    let original = FileReport::first(&doc);
    assert_eq!(code, 0, "{}", original.dump());
    assert!(!original.has("FILE-EXTENSION"), "{}", original.dump());

    let (code, doc) = check_json(&[&renamed], &[]);
    let r = FileReport::first(&doc);
    assert_eq!(code, 0, "read as xls, no error: {}", r.dump());
    let found = r.find("FILE-EXTENSION", None, None);
    assert_eq!(found.len(), 1, "{}", r.dump());
    let f = found[0];
    assert_eq!(f["severity"], "info");
    assert_eq!(f["value"], "xlsx");
    let message = f["message"].as_str().expect("message");
    assert!(
        message.contains("„.xlsx“") && message.contains("als xls gelesen"),
        "{message}"
    );
    // Otherwise the same report as under its own name: the file was really read.
    let rest: Vec<&Value> = r
        .findings()
        .iter()
        .filter(|f| f["code"] != "FILE-EXTENSION")
        .collect();
    let before: Vec<&Value> = original.findings().iter().collect();
    assert_eq!(rest, before);
    assert_eq!(r.0["provider"], "T01");
    assert_eq!(r.0["quarter"], 3);
}

// ------------------------------------------------------------------ FILE-BUDGET-PLAN

/// A budget plan handed to `check` is recognised by its sheet `Budgetplan`:
/// one info FILE-BUDGET-PLAN pointing to `audit --budget`, exit 0, and none
/// of the findings a submission without Deckblatt or Fallarbeit would get.
#[test]
fn file_budget_plan_for_the_budget_plan_given_to_check() {
    let plan = manifest_dir().join("samples/Budgetplan_2026.xlsx");
    for (lang, words) in [
        ("de", "Budgetplan (Blatt „Budgetplan“)"),
        ("en", "budget plan"),
    ] {
        let (code, doc) = check_json(&[&plan], &["--lang", lang]);
        let r = FileReport::first(&doc);
        assert_eq!(code, 0, "{lang}: {}", r.dump());
        assert_eq!(codes(&r), ["FILE-BUDGET-PLAN"], "{lang}: {}", r.dump());
        let f = &r.findings()[0];
        assert_eq!(f["severity"], "info");
        assert!(
            f["message"].as_str().is_some_and(|m| m.contains(words)),
            "{lang}: {f}"
        );
        assert!(
            f["hint"]
                .as_str()
                .is_some_and(|h| h.contains("audit --budget")),
            "{lang}: {f}"
        );
    }
    // A submission is no budget plan.
    let (_, r) = common::check_submission(&Submission::valid("T01", 2026, 3));
    assert!(!r.has("FILE-BUDGET-PLAN"), "{}", r.dump());
}

// ------------------------------------------------------------------ SHEET-EMPTY

/// A table sheet that is there but holds nothing (no header, no rows) gets the
/// info SHEET-EMPTY, not a missing header; a sheet with content does not.
#[test]
fn sheet_empty_for_a_table_sheet_without_any_cell() {
    let mut s = Submission::valid("T01", 2026, 3);
    s.drop_sheet("Milieuarbeit").add_sheet("Milieuarbeit");
    let (code, r) = common::check_submission(&s);
    assert_eq!(code, 0, "an empty optional table is no error: {}", r.dump());
    let found = r.find("SHEET-EMPTY", None, None);
    assert_eq!(found.len(), 1, "{}", r.dump());
    assert_eq!(found[0]["sheet"], "Milieuarbeit");
    assert_eq!(found[0]["severity"], "info");
    assert!(
        found[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("„Milieuarbeit“ ist leer")),
        "{}",
        found[0]
    );
    assert!(
        r.findings()
            .iter()
            .all(|f| f["sheet"] != "Milieuarbeit" || f["code"] == "SHEET-EMPTY"),
        "{}",
        r.dump()
    );

    let (_, clean) = common::check_submission(&Submission::valid("T01", 2026, 3));
    assert!(!clean.has("SHEET-EMPTY"), "{}", clean.dump());
}

// ------------------------------------------------------------------ CONSISTENCY-HELPTYPE-CHANGED

/// `consolidate`: the same Fall-ID of one provider with another Hilfeart in
/// the next quarter is an info CONSISTENCY-HELPTYPE-CHANGED on the later
/// file's Hilfeart cell, naming both; cases that keep theirs get none.
#[test]
fn consistency_helptype_changed_for_a_case_with_another_help_type_next_quarter() {
    let dir = tempfile::tempdir().expect("tmp");
    let q3 = Submission::valid("T01", 2026, 3);
    let mut q4 = Submission::valid("T01", 2026, 4);
    for row in 2..=6 {
        let case = q3
            .get("Fallarbeit", &format!("A{row}"))
            .cloned()
            .expect("case");
        q4.set("Fallarbeit", &format!("A{row}"), case);
    }
    assert_eq!(
        q3.get("Fallarbeit", "C2"),
        Some(&common::Cell::from("§ 31"))
    );
    q4.set("Fallarbeit", "C2", "§ 30");
    let case = match q3.get("Fallarbeit", "A2") {
        Some(common::Cell::Text(t)) => t.clone(),
        other => panic!("case id: {other:?}"),
    };
    let paths = [q3.write(dir.path()), q4.write(dir.path())];

    let out = common::sozialraum()
        .arg("consolidate")
        .args(&paths)
        .args(["--format", "json"])
        .output()
        .expect("run");
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let found: Vec<&Value> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "CONSISTENCY-HELPTYPE-CHANGED")
        .collect();
    assert_eq!(found.len(), 1, "{:#}", doc["findings"]);
    let f = found[0];
    assert_eq!(f["severity"], "info");
    assert_eq!(f["sheet"], "Fallarbeit");
    assert_eq!(f["cell"], "C2");
    assert_eq!(f["value"], case.as_str());
    assert!(
        f["path"].as_str().is_some_and(|p| p.ends_with("Q4.xlsx")),
        "{f}"
    );
    let message = f["message"].as_str().expect("message");
    assert!(
        message.contains(&format!("„{case}“")) && message.contains("Hilfeart § 30, vorher § 31"),
        "{message}"
    );
}
