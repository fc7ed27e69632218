//! Snapshots of `check --format json --all`: the sample files (`samples/`,
//! including `samples/fehlerhaft/`) and the acceptance set
//! (`../shared/acceptance`, next to this repository as in CI) are checked and
//! the whole report — every file with its sha256, every finding with its
//! cell, value and text, the skipped files and the exit code — must equal the
//! committed snapshot in `tests/snapshots/`. A refactoring that changes what
//! the program reports fails here.
//!
//! The binary runs inside the folder that holds the checked folder, so the
//! paths in the report are relative and the same on every machine
//! (`samples/T01_2026-Q1.xlsx`, `acceptance/T01_2026-Q4.xlsx`).
//!
//! When a change of the output is intended, regenerate and review the diff:
//!
//! ```sh
//! UPDATE_SNAPSHOTS=1 cargo test --test snapshots
//! git diff tests/snapshots/
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared`, which holds `acceptance/` (and `corpus/`). Missing is a failure:
/// CI checks this repository out with `../shared` next to it.
fn shared_dir() -> PathBuf {
    let dir = manifest_dir().join("../shared");
    assert!(
        dir.join("acceptance").is_dir(),
        "{} is missing: the acceptance set must lie next to the repository",
        dir.join("acceptance").display()
    );
    dir
}

/// Runs `sozialraum check --format json --all ARGS… FOLDER` in `cwd`; returns
/// the exit code and the report.
fn run(cwd: &Path, folder: &str, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_sozialraum"))
        .current_dir(cwd)
        .args(["check", "--format", "json", "--all"])
        .args(args)
        .arg(folder)
        .output()
        .expect("run sozialraum");
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("no exit code (signal?): {:?}", out.status));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON on stdout ({e}); exit {code}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    json!({ "exit_code": code, "report": report })
}

/// Compares `actual` with `tests/snapshots/NAME`, or writes it there when
/// `UPDATE_SNAPSHOTS` is set.
fn assert_snapshot(name: &str, actual: &Value) {
    let path = manifest_dir().join("tests/snapshots").join(name);
    let text = serde_json::to_string_pretty(actual).expect("serialize") + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &text).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_SNAPSHOTS=1", path.display()));
    let expected_value: Value = serde_json::from_str(&expected).expect("snapshot is JSON");
    if &expected_value == actual {
        return;
    }
    panic!(
        "{name} differs from the snapshot (UPDATE_SNAPSHOTS=1 regenerates it, if the change is intended):\n{}",
        first_difference(&expected, &text)
    );
}

/// The first differing line with a little context, for the failure message.
fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let at = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = at.saturating_sub(6);
    let show = |lines: &[&str]| {
        lines
            .iter()
            .enumerate()
            .skip(from)
            .take(at - from + 7)
            .map(|(i, l)| format!("{:5} {l}", i + 1))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "--- snapshot (line {})\n{}\n+++ now\n{}",
        at + 1,
        show(&e),
        show(&a)
    )
}

#[test]
fn samples_report_equals_the_snapshot() {
    let report = run(manifest_dir(), "samples", &[]);
    assert_snapshot("samples.json", &report);
}

#[test]
fn samples_report_in_english_equals_the_snapshot() {
    let report = run(manifest_dir(), "samples", &["--lang", "en"]);
    assert_snapshot("samples.en.json", &report);
}

#[test]
fn acceptance_report_equals_the_snapshot() {
    let report = run(&shared_dir(), "acceptance", &[]);
    assert_snapshot("acceptance.json", &report);
}

#[test]
fn acceptance_report_in_english_equals_the_snapshot() {
    let report = run(&shared_dir(), "acceptance", &["--lang", "en"]);
    assert_snapshot("acceptance.en.json", &report);
}
