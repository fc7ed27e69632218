//! Every file of the public corpus (`../shared/corpus`, next to this
//! repository as in CI) is checked without panic, abort or hang: the process
//! ends with exit code 0 or 1 and no signal, and no file's outcome tells of a
//! reader that panicked or a check process that died. Every good file (not
//! under `broken/`) is read, except the known limitations listed in
//! `KNOWN_UNREADABLE` with their reason; every file under `broken/` gets a
//! `file` finding. Without the corpus the test fails: it is part of CI.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(
        dir.join("MANIFEST.tsv").is_file(),
        "the corpus is missing at {}: CI and this test expect it next to the repository",
        dir.display()
    );
    dir
}

/// Good files of the corpus that calamine 0.38 (or our guards) cannot read,
/// accepted as they are: path below the corpus, and why.
const KNOWN_UNREADABLE: &[(&str, &str)] = &[
    (
        "ods/phpspreadsheet__RepeatedDataCells.ods",
        "calamine's ODS reader expects only `table-cell` inside a row; Excel writes whitespace text between them",
    ),
    (
        "ods/phpspreadsheet__issue.804.ods",
        "the same whitespace between cells, from another ODS producer (untermStrich)",
    ),
    (
        "ods/phpspreadsheet__nomimetype.ods",
        "calamine requires the `mimetype` entry of the ODS package, which this file lacks",
    ),
    (
        "xls/phpspreadsheet__maccentraleurope.biff5.xls",
        "calamine's codepage table has no Mac Central Europe (0x272D)",
    ),
    (
        "xls/poi__testEXCEL_3.xls",
        "a BIFF3 raw stream (Excel 3, no OLE container): refused as a very old Excel file",
    ),
    (
        "xls/poi__testEXCEL_4.xls",
        "a BIFF4 raw stream (Excel 4): refused as a very old Excel file",
    ),
    (
        "xls/sheetjs__CRLFR9_4.XLS",
        "a BIFF4 raw stream: refused as a very old Excel file",
    ),
    (
        "xls/sheetjs__CRLFX5_2.XLS",
        "a BIFF2 raw stream (Excel 2.x): refused as a very old Excel file",
    ),
    (
        "xls/sheetjs__CRLFX5_3.XLS",
        "a BIFF3 raw stream: refused as a very old Excel file",
    ),
    (
        "xls/sheetjs__CRLFX5_4.XLS",
        "a BIFF4 raw stream: refused as a very old Excel file",
    ),
    (
        "xls/xlrd__biff4_no_format_no_window2.xls",
        "a BIFF4 raw stream: refused as a very old Excel file",
    ),
    (
        "xlsb/sheetjs__BlankSheetTypes.xlsb",
        "calamine's xlsb reader refuses workbooks with an Excel 4.0 macro sheet (BoundSheet8 dt)",
    ),
    (
        "xlsx/calamine__issue252.xlsx",
        "a part larger than its declared size (Google Sheets, CRC mismatch): our zip guard refuses it, as it refuses a zip bomb",
    ),
    (
        "xlsx/phpspreadsheet__utf16be.bom.xlsx",
        "XML parts in UTF-16BE: calamine's xlsx reader reads UTF-8 only",
    ),
    (
        "xlsx/phpspreadsheet__utf16be.xlsx",
        "XML parts in UTF-16BE without BOM: calamine's xlsx reader reads UTF-8 only",
    ),
    (
        "xlsx/poi__xlmmacro.xlsm",
        "calamine's xlsx reader refuses workbooks with an Excel 4.0 macro sheet (`sheet:type`)",
    ),
];

/// Details the tool writes into a `file` finding when reading crashed rather
/// than failed: a caught panic (in the check process or in `check_bytes`), a
/// check process killed by a signal or the allocator, one that exited
/// otherwise or answered garbage, and the time limit. None may appear.
const CRASH_MARKERS: &[&str] = &[
    "Lesefehler im Leseprogramm",
    "das Leseprogramm brach bei dieser Datei ab",
    "das Leseprogramm brach ab (Signal",
    "das Lesen brauchte mehr als",
    "Leseprogramm abgebrochen",
    "Antwort des Prüfprozesses unlesbar",
    "Prüfung dauerte länger als",
];

fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_below(&p, out);
        } else if !matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "tsv"))
            && !p.ends_with("LICENSES")
        {
            out.push(p);
        }
    }
}

/// A configuration with tighter limits, so a hostile file fails fast.
fn tight_config(dir: &Path) -> PathBuf {
    let toml = sozialraum::config::VERDEN_TOML
        .replace("timeout_seconds = 120", "timeout_seconds = 60")
        .replace("memory_mib = 2048", "memory_mib = 1024");
    let p = dir.join("tight.toml");
    std::fs::write(&p, toml).expect("write config");
    p
}

#[test]
fn every_corpus_file_is_checked_without_panic_abort_or_hang() {
    let dir = corpus();
    let mut files = Vec::new();
    files_below(&dir, &mut files);
    files.retain(|p| !p.components().any(|c| c.as_os_str() == "LICENSES"));
    assert!(
        files.len() > 300,
        "corpus looks incomplete: {} files",
        files.len()
    );
    let tmp = tempfile::tempdir().expect("tmp");
    let config = tight_config(tmp.path());

    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sozialraum"))
        .arg("--config")
        .arg(&config)
        .args(["check", "--format", "json"])
        .args(&files)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // The pipes are drained while we wait, or a full pipe would stall the child.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut b);
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut b);
        b
    });
    // Bounded: each file is limited to 60 s in its child (a debug build on a busy
    // 2-core machine needs headroom: a time limit counts as a crash here); the run to 10 min.
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            panic!("the corpus run hung");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out_bytes = out_reader.join().expect("stdout reader");
    let err_bytes = err_reader.join().expect("stderr reader");
    let stderr = String::from_utf8_lossy(&err_bytes);
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            None,
            "the run was killed by a signal (abort?): {stderr}"
        );
    }
    let code = status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "exit {code:?} (101 is a panic): {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let doc: Value = serde_json::from_slice(&out_bytes).expect("one JSON document");
    let reports = doc["files"].as_array().expect("files");
    assert_eq!(reports.len(), files.len(), "one report per file");

    let prefix = format!("{}/", dir.display());
    let mut crashed = Vec::new();
    let mut unnamed = Vec::new();
    let mut unread: BTreeMap<String, String> = BTreeMap::new();
    for r in reports {
        let shown = r["path"].as_str().expect("path");
        let path = shown.strip_prefix(&prefix).unwrap_or(shown);
        let findings = r["findings"].as_array().expect("findings");
        let file_findings: Vec<&Value> = findings.iter().filter(|f| f["rule"] == "file").collect();
        for f in &file_findings {
            let message = f["message"].as_str().expect("message");
            assert!(message.len() > 20, "{path}: unclear message {f}");
            if CRASH_MARKERS.iter().any(|m| message.contains(m)) {
                crashed.push(format!("{path}: {message}"));
            }
            if matches!(f["code"].as_str(), Some("FILE-UNREADABLE" | "FILE-LIMIT"))
                && !path.starts_with("broken/")
            {
                unread.insert(path.to_string(), message.to_string());
            }
        }
        if path.starts_with("broken/") && file_findings.is_empty() {
            unnamed.push(path.to_string());
        }
    }
    assert!(
        crashed.is_empty(),
        "reading crashed (panic, abort, time limit) instead of failing: {crashed:#?}"
    );
    assert!(
        unnamed.is_empty(),
        "broken files without a `file` finding: {unnamed:#?}"
    );
    let unexpected: Vec<_> = unread
        .iter()
        .filter(|(p, _)| !KNOWN_UNREADABLE.iter().any(|(k, _)| k == p))
        .collect();
    assert!(
        unexpected.is_empty(),
        "good corpus files not read (fix, or list in KNOWN_UNREADABLE with the reason): {unexpected:#?}"
    );
    let now_read: Vec<_> = KNOWN_UNREADABLE
        .iter()
        .filter(|(k, _)| !unread.contains_key(*k))
        .collect();
    assert!(
        now_read.is_empty(),
        "listed in KNOWN_UNREADABLE but now read (or gone): remove them from the list: {now_read:#?}"
    );
}
