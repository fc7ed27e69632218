//! Every file of the public corpus (`../shared/corpus`, when present) is
//! checked without panic, abort or hang; every file under `broken/` gets a
//! `file` finding. The corpus is not part of the repository; without it the
//! test passes without checking anything and says so.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    dir.is_dir().then_some(dir)
}

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
        .replace("timeout_seconds = 120", "timeout_seconds = 20")
        .replace("memory_mib = 2048", "memory_mib = 1024");
    let p = dir.join("tight.toml");
    std::fs::write(&p, toml).expect("write config");
    p
}

#[test]
fn every_corpus_file_is_checked_without_panic_abort_or_hang() {
    let Some(dir) = corpus() else {
        eprintln!("corpus not present: skipped");
        return;
    };
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
    // Bounded: each file is limited to 20 s in its child; the run as a whole to 10 min.
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
    assert!(!stderr.contains("panicked"), "{stderr}");
    let code = status.code();
    assert!(matches!(code, Some(0 | 1)), "exit {code:?}: {stderr}");
    let doc: Value = serde_json::from_slice(&out_bytes).expect("one JSON document");
    let reports = doc["files"].as_array().expect("files");
    assert_eq!(reports.len(), files.len(), "one report per file");
    let mut unnamed = Vec::new();
    for r in reports {
        let path = r["path"].as_str().unwrap_or_default();
        let findings = r["findings"].as_array().cloned().unwrap_or_default();
        let file_findings: Vec<&Value> = findings.iter().filter(|f| f["rule"] == "file").collect();
        for f in &file_findings {
            assert!(
                f["message"].as_str().is_some_and(|m| m.len() > 20),
                "{path}: unclear message {f}"
            );
        }
        if path.contains("/broken/") && file_findings.is_empty() {
            unnamed.push(path.to_string());
        }
    }
    assert!(
        unnamed.is_empty(),
        "broken files without a `file` finding: {unnamed:#?}"
    );
}
