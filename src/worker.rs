//! Untrusted files are read in a child process with a memory limit
//! (`RLIMIT_AS`) and a wall-time limit. Some files make a reader allocate
//! without bound (a looping OLE sector chain) — an abort no `catch_unwind`
//! can catch. In a child, the file fails; the tool goes on.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

use crate::config::{Config, Limits};
use crate::i18n::Lang;
use crate::pipeline::{self, FileOutcome, Options};
use crate::read::NumberFormats;
use crate::read::ReadError;
use crate::rules::Ctx;

/// The hidden subcommand the child runs.
pub const CHILD_COMMAND: &str = "__check-file";

/// How to reach the configuration from the child.
#[derive(Debug, Clone)]
pub struct Isolation {
    pub enabled: bool,
    pub config_path: Option<std::path::PathBuf>,
}

/// Where the annotated copy of a file goes (`check --annotate`).
#[derive(Debug, Clone)]
pub struct AnnotateTarget {
    pub out: std::path::PathBuf,
    pub check_date: chrono::NaiveDate,
    /// `--force`: an existing file at `out` may be replaced.
    pub replace: bool,
    /// Found in a folder scan: no copy of a file that turns out to be one of
    /// our own outputs (it is left out of the run).
    pub only_submissions: bool,
}

/// Checks one file, in a child process when isolation is enabled.
pub fn check_file(
    path: &Path,
    shown: &str,
    cfg: &Config,
    opts: Options,
    iso: &Isolation,
) -> FileOutcome {
    check_file_annotated(path, shown, cfg, opts, iso, None)
}

/// Checks one file and, for a readable file, writes its annotated copy in the
/// same guarded process: the copy reads the whole input again, so it gets the
/// same memory and time limits as the check. (A file that cannot be read gets
/// its report-only copy from the caller, which needs no reading.)
pub fn check_file_annotated(
    path: &Path,
    shown: &str,
    cfg: &Config,
    opts: Options,
    iso: &Isolation,
    annotate: Option<&AnnotateTarget>,
) -> FileOutcome {
    if !iso.enabled {
        return check_then_annotate(path, shown, cfg, opts, annotate);
    }
    match run_child(path, shown, &cfg.limits, opts, iso, annotate) {
        Ok(o) => o,
        Err(err) => pipeline::outcome_of_failure(
            Ctx::new(cfg, opts.lang),
            shown,
            pipeline::sha256_file(path).ok(),
            err,
        ),
    }
}

/// In-process check with panics turned into a `file` finding.
pub fn guarded(path: &Path, shown: &str, cfg: &Config, opts: Options) -> FileOutcome {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pipeline::check_path(path, shown, cfg, opts)
    }));
    match r {
        Ok(o) => o,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let err = ReadError::Unreadable(format!("Lesefehler im Leseprogramm ({msg})"));
            pipeline::outcome_of_failure(
                Ctx::new(cfg, opts.lang),
                shown,
                pipeline::sha256_file(path).ok(),
                err,
            )
        }
    }
}

fn run_child(
    path: &Path,
    shown: &str,
    limits: &Limits,
    opts: Options,
    iso: &Isolation,
    annotate: Option<&AnnotateTarget>,
) -> Result<FileOutcome, ReadError> {
    let exe = std::env::current_exe().map_err(|e| ReadError::Unreadable(e.to_string()))?;
    let mut cmd = Command::new(exe);
    cmd.arg(CHILD_COMMAND)
        .arg("--lang")
        .arg(opts.lang.as_str())
        .arg("--shown")
        .arg(shown);
    if opts.keep_records {
        cmd.arg("--records");
    }
    if let Some(c) = &iso.config_path {
        cmd.arg("--config").arg(c);
    }
    if let Some(t) = annotate {
        cmd.arg("--annotate-out")
            .arg(&t.out)
            .arg("--check-date")
            .arg(t.check_date.to_string());
        if t.replace {
            cmd.arg("--force");
        }
        if t.only_submissions {
            cmd.arg("--only-submissions");
        }
    }
    cmd.arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let memory = limits.memory_mib.saturating_mul(1 << 20);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // A hard limit below `memory_mib` (a container, `ulimit -Hv`) makes
        // setrlimit fail: say so before every file fails the same way.
        let mut hard = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain FFI call writing into a local struct.
        if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut hard) } == 0
            && hard.rlim_max != libc::RLIM_INFINITY
            && hard.rlim_max < memory as libc::rlim_t
        {
            return Err(ReadError::Limit {
                detail: format!(
                    "die Speichergrenze {} MiB liegt über der harten Grenze dieses Systems ({} MiB, ulimit -Hv): hier muss [limits] memory_mib höchstens {} sein",
                    limits.memory_mib,
                    hard.rlim_max >> 20,
                    hard.rlim_max >> 20
                ),
                limit: "memory_mib",
            });
        }
        // SAFETY: only async-signal-safe calls (setrlimit, prctl) between fork
        // and exec. A failure fails the spawn with its errno: a child without
        // its memory limit must not read an untrusted file.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: memory as libc::rlim_t,
                    rlim_max: memory as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The child dies with the parent (Ctrl-C, kill): no orphan reading on.
                #[cfg(target_os = "linux")]
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().map_err(|e| {
        ReadError::Unreadable(format!(
            "Prüfprozess startet nicht (Start, Speichergrenze per setrlimit oder Elternbindung per prctl): {e}"
        ))
    })?;
    // The child writes the annotated copy through its own temporary file;
    // should the child be killed with us, we remove that file on its behalf.
    let child_temp = annotate.map(|t| crate::xlsx::temp_path(&t.out, child.id()));
    if let Some(p) = &child_temp {
        crate::interrupt::register_temp(p);
    }
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(64 << 10).read_to_end(&mut buf);
        }
        buf
    });
    let timeout = Duration::from_secs(limits.timeout_seconds.max(1));
    let status = match child.wait_timeout(timeout) {
        Ok(Some(s)) => s,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ReadError::Limit {
                detail: format!("Prüfung dauerte länger als {} s", limits.timeout_seconds),
                limit: "timeout_seconds",
            });
        }
        Err(e) => return Err(ReadError::Unreadable(e.to_string())),
    };
    if let Some(p) = &child_temp {
        crate::interrupt::unregister_temp(p);
    }
    let out = out_thread.join().unwrap_or_default();
    let err = err_thread.join().unwrap_or_default();
    if status.success() {
        return serde_json::from_slice::<FileOutcome>(&out).map_err(|e| {
            ReadError::Unreadable(format!("Antwort des Prüfprozesses unlesbar: {e}"))
        });
    }
    let stderr = String::from_utf8_lossy(&err);
    if stderr.contains("memory allocation")
        || stderr.contains("out of memory")
        || stderr.contains("capacity overflow")
    {
        return Err(ReadError::Limit {
            detail: format!(
                "das Lesen brauchte mehr als {} MiB Speicher",
                limits.memory_mib
            ),
            limit: "memory_mib",
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            if sig == libc::SIGABRT || sig == libc::SIGKILL || sig == libc::SIGSEGV {
                return Err(ReadError::Limit {
                    detail: format!(
                        "das Leseprogramm brach ab (Signal {sig}), vermutlich über {} MiB Speicher",
                        limits.memory_mib
                    ),
                    limit: "memory_mib",
                });
            }
        }
    }
    let last = stderr
        .lines()
        .last()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect::<String>();
    Err(ReadError::Unreadable(format!(
        "Leseprogramm abgebrochen ({last})"
    )))
}

/// The child's side: check one file in-process and print the outcome as JSON.
/// Checks the file and, if asked, writes its annotated copy. The copy needs
/// the sheets' number formats, a second pass over each sheet: that pass runs
/// alongside the check (a failure there only means the copy reads them itself).
fn check_then_annotate(
    path: &Path,
    shown: &str,
    cfg: &Config,
    opts: Options,
    annotate: Option<&AnnotateTarget>,
) -> FileOutcome {
    let Some(t) = annotate else {
        return guarded(path, shown, cfg, opts);
    };
    let (mut outcome, formats) = std::thread::scope(|s| {
        let formats = std::thread::Builder::new()
            .name("formats".into())
            .spawn_scoped(s, || {
                std::panic::catch_unwind(|| crate::render::annotate::number_formats_of(path, cfg))
                    .ok()
                    .flatten()
            });
        let outcome = guarded(path, shown, cfg, opts);
        let formats = formats.ok().and_then(|h| h.join().ok()).flatten();
        (outcome, formats)
    });
    annotate_readable(path, cfg, opts.lang, t, &mut outcome, formats);
    outcome
}

/// Writes the annotated copy of a readable file; a failure is recorded in the outcome.
fn annotate_readable(
    path: &Path,
    cfg: &Config,
    lang: Lang,
    t: &AnnotateTarget,
    outcome: &mut FileOutcome,
    formats: Option<HashMap<String, NumberFormats>>,
) {
    if !outcome.readable {
        return;
    }
    if t.only_submissions && outcome.nature != crate::pipeline::Nature::Spreadsheet {
        return;
    }
    let req = crate::render::annotate::AnnotateRequest {
        input: path,
        report: &outcome.report,
        readable: true,
        created: outcome.cover.created,
        check_date: t.check_date,
        lang,
        formats,
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::render::annotate::write(&req, cfg, &t.out, t.replace)
    }));
    outcome.annotated = match result {
        Ok(Ok(())) => Some(Ok(t.out.display().to_string())),
        Ok(Err(e)) => Some(Err(e.message(lang))),
        Err(_) => Some(Err(
            "die kommentierte Kopie konnte nicht erzeugt werden".into()
        )),
    };
}

/// The child's side: check one file in-process, write its annotated copy if
/// asked, and print the outcome as JSON.
pub fn child_main(
    path: &Path,
    shown: &str,
    cfg: &Config,
    lang: Lang,
    keep_records: bool,
    annotate: Option<AnnotateTarget>,
) -> i32 {
    let opts = Options { lang, keep_records };
    let outcome = check_then_annotate(path, shown, cfg, opts, annotate.as_ref());
    match serde_json::to_writer(std::io::stdout().lock(), &outcome) {
        Ok(()) => 0,
        Err(_) => 3,
    }
}
