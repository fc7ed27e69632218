//! Inputs the fuzzer found (`fuzz/`, target `workbook`), reduced to what
//! triggers them and kept as regression tests. They run in this process
//! through `pipeline::check_bytes`, in a debug build (overflow checks on):
//! each must end in its own `file` finding — a specific detail, not a panic
//! that a `catch_unwind` turned into a finding.

mod common;

use std::io::{Cursor, Read, Write};

use common::{patch_zip, Submission};
use sozialraum::pipeline::{check_bytes, FileOutcome, Options};

fn check(bytes: &[u8]) -> FileOutcome {
    let cfg = sozialraum::registry::verden().expect("config");
    check_bytes(bytes, "fuzz.xlsx", &cfg, Options::default())
}

/// What the tool says when it caught a reader's panic: in `check_bytes`, and
/// in the check process of the binary. A regression input must not end there.
const CAUGHT_PANIC: [&str; 2] = [
    "das Leseprogramm brach bei dieser Datei ab",
    "Lesefehler im Leseprogramm",
];

fn assert_file_finding(o: &FileOutcome, code: &str, words: &str) {
    for f in &o.report.findings {
        assert!(
            !CAUGHT_PANIC.iter().any(|p| sozialraum::registry::message(
                f,
                sozialraum::i18n::Lang::De
            )
            .contains(p)),
            "a caught panic, not a finding of its own: {} {}",
            f.code,
            sozialraum::registry::message(f, sozialraum::i18n::Lang::De)
        );
    }
    assert!(
        o.report.findings.iter().any(|f| f.code == code
            && sozialraum::registry::message(f, sozialraum::i18n::Lang::De).contains(words)),
        "expected {code} with „{words}“, got: {:#?}",
        o.report
            .findings
            .iter()
            .map(|f| format!(
                "{} {}",
                f.code,
                sozialraum::registry::message(f, sozialraum::i18n::Lang::De)
            ))
            .collect::<Vec<_>>()
    );
}

/// The Fallarbeit sheet of `Submission::valid`.
const SHEET: &str = "xl/worksheets/sheet2.xml";

fn with_sheet_edit(edit: impl Fn(&str) -> String) -> Vec<u8> {
    let base = Submission::valid("T01", 2026, 3).to_bytes();
    patch_zip(&base, |name, xml| (name == SHEET).then(|| edit(xml)))
}

/// Rewrites `part` with a wrong CRC in the directory (the data is intact).
fn with_wrong_crc(bytes: &[u8], part: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let name = entry.name().expect("name").to_string();
        let crc = entry.crc32();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read");
        out.start_file(name.as_str(), opts).expect("start");
        out.write_all(&data).expect("write");
        if name == part {
            // SAFETY: the length is the true one; only the CRC is made wrong, on purpose.
            unsafe { out.set_file_metadata(data.len() as u64, crc ^ 0xDEAD_BEEF) }
                .expect("metadata");
        }
    }
    out.finish().expect("finish").into_inner()
}

/// crash-0d07d5dd… (seed: POI's clusterfuzz file
/// `poi__clusterfuzz-testcase-minimized-POIXSSFFuzzer-5937385319563264.xlsx`):
/// `<row r="231999999999940">` in a part with a wrong CRC. calamine 0.38
/// computes cell references in `u32` without overflow checks: "attempt to
/// multiply with overflow" in debug builds, a wrong row in release builds.
/// The zip checks now refuse references outside A1:XFD1048576, also in a
/// part whose checksum is wrong (they used to skip such parts).
#[test]
fn cell_references_beyond_the_grid_are_refused_before_the_reader() {
    let cases = [
        (
            "cell",
            with_sheet_edit(|x| x.replacen(r#"r="A2""#, r#"r="A231999999999940""#, 1)),
        ),
        (
            "row",
            with_sheet_edit(|x| x.replacen(r#"<row r="2""#, r#"<row r="231999999999940""#, 1)),
        ),
        (
            "dimension",
            with_sheet_edit(|x| {
                let start = x.find("<dimension ref=\"").expect("dimension");
                let end = start + x[start..].find("/>").expect("/>") + 2;
                format!(
                    "{}<dimension ref=\"A1:K99999999999\"/>{}",
                    &x[..start],
                    &x[end..]
                )
            }),
        ),
        (
            "reversed dimension",
            with_sheet_edit(|x| {
                let start = x.find("<dimension ref=\"").expect("dimension");
                let end = start + x[start..].find("/>").expect("/>") + 2;
                format!("{}<dimension ref=\"K6:A1\"/>{}", &x[..start], &x[end..])
            }),
        ),
    ];
    for (what, bytes) in cases {
        for (how, bytes) in [
            ("", bytes.clone()),
            (", wrong CRC", with_wrong_crc(&bytes, SHEET)),
        ] {
            let o = std::panic::catch_unwind(|| check(&bytes))
                .unwrap_or_else(|_| panic!("{what}{how}: the reader panicked"));
            assert!(!o.readable, "{what}{how}: read as if whole");
            assert_file_finding(&o, "FILE-UNREADABLE", "Zellbezug");
        }
    }
}

/// A wrong CRC alone stays what it was: damage (a warning), and the file is read.
#[test]
fn a_wrong_crc_alone_is_damage_not_a_refusal() {
    let base = Submission::valid("T01", 2026, 3).to_bytes();
    let o = check(&with_wrong_crc(&base, SHEET));
    assert!(o.readable, "{:#?}", o.report.findings);
    assert_file_finding(&o, "FILE-DAMAGED", "checksum");
}

/// An `.xlsb` whose `xl/workbook.bin` holds one sheet record (BrtBundleSh)
/// naming the relationship `rel_id`, and no relationships at all.
fn xlsb_with_sheet_relationship(rel_id: &str) -> Vec<u8> {
    let utf16: Vec<u8> = rel_id.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut payload = Vec::new();
    payload.extend(0u32.to_le_bytes()); // hsState: visible
    payload.extend(1u32.to_le_bytes()); // iTabID
    payload.extend((rel_id.encode_utf16().count() as u32).to_le_bytes());
    payload.extend(utf16);
    xlsb_with_sheet_record(&payload)
}

/// An `.xlsb` whose `xl/workbook.bin` holds one sheet record (BrtBundleSh)
/// with `payload` as its body.
fn xlsb_with_sheet_record(payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 0x80, "one-byte record size");
    let mut record = vec![0x9C, 0x01, payload.len() as u8]; // type 0x009C, size
    record.extend(payload);
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file("xl/workbook.bin", opts).expect("start");
    out.write_all(&record).expect("write");
    out.finish().expect("finish").into_inner()
}

/// crash-a1a55dbc…: calamine 0.38's xlsb reader indexes its relationship map
/// with the id a sheet record names (`relationships[&*relid]`, xlsb/mod.rs
/// line 312) and panics ("no entry found for key") when the id is missing.
/// A real panic (release builds too), inside `Xlsb::new`. The zip checks now
/// look the id up first: the file is refused with its own reason, in the
/// binary (with and without the check process) as through `check_bytes`.
#[test]
fn an_xlsb_naming_a_missing_relationship_is_refused_before_the_reader() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("T01_2026-Q3.xlsb");
    std::fs::write(&path, xlsb_with_sheet_relationship("rId9")).expect("write");
    for extra in [&[][..], &["--no-isolate"][..]] {
        let (code, doc) = common::check_json(&[&path], extra);
        assert_eq!(code, 1, "{extra:?}: {doc:#}");
        let r = common::FileReport::first(&doc);
        let found = r.find("FILE-UNREADABLE", None, None);
        assert_eq!(found.len(), 1, "{extra:?}:\n{}", r.dump());
        let message = found[0]["message"].as_str().expect("message");
        assert!(
            message.contains("xl/workbook.bin") && message.contains("„rId9“"),
            "{extra:?}: {message}"
        );
        assert!(
            !CAUGHT_PANIC.iter().any(|p| message.contains(p)),
            "{extra:?}: {message}"
        );
    }
    let o = check(&xlsb_with_sheet_relationship("rId9"));
    assert!(!o.readable);
    assert_file_finding(&o, "FILE-UNREADABLE", "Beziehung „rId9“, die es nicht gibt");
}

/// The same record cut short: calamine slices it without a length check
/// (`&buf[8..len]`, `&buf[12..12 + rel_len]`), a panic on too few bytes.
#[test]
fn an_xlsb_sheet_record_cut_short_is_refused_before_the_reader() {
    let mut long_id = Vec::new();
    long_id.extend(0u32.to_le_bytes());
    long_id.extend(1u32.to_le_bytes());
    long_id.extend(40u32.to_le_bytes()); // 40 UTF-16 units announced, none there
    for (what, payload) in [
        ("8 bytes", vec![0u8; 8]),
        ("id announced, missing", long_id),
    ] {
        let o = std::panic::catch_unwind(|| check(&xlsb_with_sheet_record(&payload)))
            .unwrap_or_else(|_| panic!("{what}: the reader panicked"));
        assert!(!o.readable, "{what}");
        assert_file_finding(&o, "FILE-UNREADABLE", "ein Blatteintrag ist zu kurz");
    }
}
