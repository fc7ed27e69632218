//! Outputs are never corrupt: an output that cannot be written fails the run
//! (exit code 2, a message naming the path) and leaves nothing behind; a run
//! interrupted with SIGINT or SIGTERM leaves either no output or a complete
//! one, and never a temporary file.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use calamine::{open_workbook, Reader, Xlsx};
use common::Submission;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sozialraum"))
}

/// Files in `dir` (not recursive), by name.
fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Temporary files `write_atomic` leaves when it fails to clean up.
fn temp_files(dir: &Path) -> Vec<String> {
    names_in(dir)
        .into_iter()
        .filter(|n| n.starts_with('.') && n.contains(".tmp-"))
        .collect()
}

struct Outcome {
    code: Option<i32>,
    stderr: String,
}

fn run(cmd: &mut Command) -> Outcome {
    let o = cmd.output().expect("run sozialraum");
    Outcome {
        code: o.status.code(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// The commands that write a workbook, each aimed at `out`.
fn writers(input: &Path, out: &Path) -> Vec<(&'static str, Command)> {
    let mut annotate = bin();
    annotate.arg("check").arg(input).arg("--annotate").arg(out);
    let mut consolidate = bin();
    consolidate
        .arg("consolidate")
        .arg(input)
        .arg("-o")
        .arg(out)
        .arg("-q");
    let mut annotate_dir = bin();
    annotate_dir
        .arg("check")
        .arg(input)
        .arg("--annotate-dir")
        .arg(out.with_extension(""));
    vec![
        ("check --annotate", annotate),
        ("consolidate -o", consolidate),
        ("check --annotate-dir", annotate_dir),
    ]
}

fn assert_refused(what: &str, o: &Outcome, out: &Path) {
    assert_eq!(o.code, Some(2), "{what}: exit {:?}: {}", o.code, o.stderr);
    assert!(!o.stderr.contains("panicked"), "{what}: {}", o.stderr);
    let shown = out
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    assert!(
        o.stderr.contains(&shown),
        "{what}: the message does not name the folder {shown}: {}",
        o.stderr
    );
}

/// A folder without write permission (where the permission counts: not for root).
#[test]
fn a_read_only_folder_fails_with_exit_2_and_leaves_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let input = Submission::valid("T01", 2026, 3).write(dir.path());
    let ro = dir.path().join("schreibgeschuetzt");
    std::fs::create_dir(&ro).expect("mkdir");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let probe = ro.join("probe");
    if std::fs::write(&probe, b"x").is_ok() {
        let _ = std::fs::remove_file(&probe);
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        eprintln!("the read-only folder is writable (running as root?): skipped");
        return;
    }
    let out = ro.join("OUT.xlsx");
    for (what, mut cmd) in writers(&input, &out) {
        let o = run(&mut cmd);
        assert_refused(what, &o, &out);
        assert!(
            o.stderr.contains("kann nicht geschrieben werden") || o.stderr.contains("ermission"),
            "{what}: unclear message: {}",
            o.stderr
        );
        assert_eq!(names_in(&ro), Vec::<String>::new(), "{what} left files");
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A "folder" that is a file: fails for every user, root included.
#[test]
fn an_output_below_a_file_fails_with_exit_2_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = Submission::valid("T01", 2026, 3).write(dir.path());
    let not_a_dir = dir.path().join("ablage");
    std::fs::write(&not_a_dir, b"a file, not a folder").expect("write");
    let before = names_in(dir.path());
    let out = not_a_dir.join("OUT.xlsx");
    for (what, mut cmd) in writers(&input, &out) {
        let o = run(&mut cmd);
        assert_refused(what, &o, &out);
        assert_eq!(
            std::fs::read(&not_a_dir).expect("still a file"),
            b"a file, not a folder",
            "{what} changed the file"
        );
        assert_eq!(names_in(dir.path()), before, "{what} left files");
    }
}

// ------------------------------------------------------------------ SIGINT, SIGTERM

/// 200 copies of a submission (consolidation flags the duplicates; that is
/// fine here: only the output's integrity matters).
fn many_copies(dir: &Path, n: usize) -> PathBuf {
    let inputs = dir.join("eingang");
    std::fs::create_dir(&inputs).expect("mkdir");
    let bytes = Submission::valid("T01", 2026, 3).to_bytes();
    for i in 0..n {
        std::fs::write(inputs.join(format!("T01_2026-Q3_{i:03}.xlsx")), &bytes).expect("write");
    }
    inputs
}

struct Interrupted {
    /// `None`: ended by the signal itself (before the handler was installed).
    code: Option<i32>,
    signal: Option<i32>,
    stderr: String,
}

/// Starts `consolidate INPUTS -o OUT`, sends `signal` after `delay` (if still
/// running), and waits (bounded).
fn consolidate_interrupted(
    inputs: &Path,
    out: &Path,
    delay: Duration,
    signal: libc::c_int,
) -> Interrupted {
    use std::os::unix::process::ExitStatusExt;
    let mut child = bin()
        .arg("consolidate")
        .arg(inputs)
        .arg("-o")
        .arg(out)
        .arg("-q")
        .arg("--force")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut err = child.stderr.take().expect("stderr");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    std::thread::sleep(delay);
    if child.try_wait().expect("wait").is_none() {
        // SAFETY: plain FFI call on our own, not yet reaped child.
        let r = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        assert_eq!(r, 0, "kill failed");
    }
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("consolidate did not stop after signal {signal}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Interrupted {
        code: status.code(),
        signal: status.signal(),
        stderr: err_reader.join().expect("stderr reader"),
    }
}

/// The output is absent, or a complete workbook; `previous` (bytes of an
/// earlier output) counts as complete too. No temporary file remains.
fn assert_intact(
    what: &str,
    out: &Path,
    previous: Option<&[u8]>,
    r: &Interrupted,
    signal: libc::c_int,
) {
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
    assert!(
        matches!(r.code, Some(0 | 1 | 130)) || r.signal == Some(signal),
        "{what}: exit {:?} signal {:?}: {}",
        r.code,
        r.signal,
        r.stderr
    );
    let dir = out.parent().expect("parent");
    assert_eq!(
        temp_files(dir),
        Vec::<String>::new(),
        "{what}: temp file left"
    );
    assert!(
        previous.is_none() || out.exists(),
        "{what}: the earlier output is gone"
    );
    if out.exists() {
        let bytes = std::fs::read(out).expect("read output");
        if previous != Some(bytes.as_slice()) {
            let mut wb: Xlsx<_> = open_workbook(out)
                .unwrap_or_else(|e| panic!("{what}: the output is not a complete workbook: {e}"));
            assert!(
                wb.sheet_names().iter().any(|n| n == "Übersicht"),
                "{what}: the output lacks its overview sheet"
            );
            let names = wb.sheet_names();
            for n in names {
                wb.worksheet_range(&n)
                    .unwrap_or_else(|e| panic!("{what}: sheet {n} unreadable: {e}"));
            }
        }
    }
}

#[test]
fn sigint_leaves_no_partial_output_and_no_temp_file() {
    interruption_leaves_no_partial_output_and_no_temp_file(libc::SIGINT, "SIGINT");
}

/// `kill PID`, a service manager stopping the run, a closed terminal session:
/// cleaned up like Ctrl-C.
#[test]
fn sigterm_leaves_no_partial_output_and_no_temp_file() {
    interruption_leaves_no_partial_output_and_no_temp_file(libc::SIGTERM, "SIGTERM");
}

fn interruption_leaves_no_partial_output_and_no_temp_file(signal: libc::c_int, name: &str) {
    let dir = tempfile::tempdir().expect("tmp");
    let inputs = many_copies(dir.path(), 200);
    let outdir = dir.path().join("ausgabe");
    std::fs::create_dir(&outdir).expect("mkdir");
    let out = outdir.join("OUT.xlsx");

    // Early, while the files are being checked: nothing may be written.
    let r = consolidate_interrupted(&inputs, &out, Duration::from_millis(100), signal);
    eprintln!(
        "{name} after 100 ms: exit {:?} signal {:?}",
        r.code, r.signal
    );
    assert_intact("after 100 ms", &out, None, &r, signal);
    if r.code == Some(130) {
        assert!(!out.exists(), "an interrupted run wrote its output");
    }

    // A whole run, for its duration …
    let started = Instant::now();
    let full = run(bin()
        .arg("consolidate")
        .arg(&inputs)
        .arg("-o")
        .arg(&out)
        .arg("-q"));
    let whole = started.elapsed();
    assert!(matches!(full.code, Some(0 | 1)), "{}", full.stderr);
    let previous = std::fs::read(&out).expect("the full run wrote its output");
    std::fs::remove_file(&out).expect("rm");
    eprintln!("a whole run: {whole:?}");

    // … then interruptions late in the run, where the workbook is built and
    // saved: with no earlier output, and over an earlier output.
    for (i, pct) in [60u32, 85, 95, 99].into_iter().enumerate() {
        let with_previous = i % 2 == 1;
        if with_previous {
            std::fs::write(&out, &previous).expect("earlier output");
        } else if out.exists() {
            std::fs::remove_file(&out).expect("rm");
        }
        let delay = whole * pct / 100;
        let r = consolidate_interrupted(&inputs, &out, delay, signal);
        eprintln!(
            "{name} at {pct}% ({delay:?}), earlier output: {with_previous}: exit {:?} signal {:?}, output {}",
            r.code,
            r.signal,
            if !out.exists() {
                "absent"
            } else if std::fs::read(&out).ok().as_deref() == Some(previous.as_slice()) {
                "earlier/identical"
            } else {
                "new"
            }
        );
        assert_intact(
            &format!("at {pct}%"),
            &out,
            with_previous.then_some(previous.as_slice()),
            &r,
            signal,
        );
        // Long after start-up the handler is installed: it, not the signal, ends the run.
        assert_eq!(r.signal, None, "{name} at {pct}%: killed, not cleaned up");
    }
}
