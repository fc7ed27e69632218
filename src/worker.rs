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

use crate::audit::budget::{self, BudgetError, BudgetPlan};
use crate::audit::district::{self, DistrictError};
use crate::audit::Ledger;
use crate::cli::ReadKind;
use crate::config::{Config, Limits};
use crate::i18n::Lang;
use crate::pipeline::{self, FileOutcome, Options};
use crate::read::NumberFormats;
use crate::read::ReadError;
use crate::rules::Ctx;

/// The hidden subcommand the child runs.
pub const CHILD_COMMAND: &str = "__check-file";

/// The hidden subcommand that reads an audit input (budget plan, district workbook) in the child.
pub const READ_COMMAND: &str = "__read-file";

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
    cmd.arg(path);
    // The child writes the annotated copy through its own temporary file;
    // should the child be killed with us, we remove that file on its behalf.
    let out = run_guarded(cmd, limits, |id| {
        annotate.map(|t| crate::xlsx::temp_path(&t.out, id))
    })
    .map_err(ChildFailure::into_read_error)?;
    serde_json::from_slice::<FileOutcome>(&out)
        .map_err(|e| ChildFailure::Answer(e.to_string()).into_read_error())
}

/// Why a guarded child gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildFailure {
    /// The executable could not be found.
    Exe(String),
    /// `memory_mib` lies above the system's hard limit (MiB).
    HardLimit { memory_mib: u64, hard_mib: u64 },
    /// The child did not start (spawn, setrlimit or prctl failed).
    Spawn(String),
    /// Waiting for the child failed.
    Wait(String),
    /// The child ran longer than `timeout_seconds`.
    Timeout(u64),
    /// The child ran out of memory (its allocator said so).
    Memory(u64),
    /// The child died by a signal (SIGABRT, SIGKILL, SIGSEGV), most likely over its memory limit.
    Signal { signal: i32, memory_mib: u64 },
    /// The child ended otherwise, with the last line it wrote to stderr.
    Aborted(String),
    /// The child's answer could not be read.
    Answer(String),
}

impl ChildFailure {
    /// The reason in the user's language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ChildFailure::Exe(e) => e.clone(),
            ChildFailure::HardLimit {
                memory_mib,
                hard_mib,
            } => match lang {
                Lang::De => format!(
                    "die Speichergrenze {memory_mib} MiB liegt über der harten Grenze dieses Systems ({hard_mib} MiB, ulimit -Hv): hier muss [limits] memory_mib höchstens {hard_mib} sein"
                ),
                Lang::En => format!(
                    "the memory limit of {memory_mib} MiB lies above this system's hard limit ({hard_mib} MiB, ulimit -Hv): here [limits] memory_mib must be at most {hard_mib}"
                ),
            },
            ChildFailure::Spawn(e) => match lang {
                Lang::De => format!(
                    "Prüfprozess startet nicht (Start, Speichergrenze per setrlimit oder Elternbindung per prctl): {e}"
                ),
                Lang::En => format!(
                    "the reading process does not start (spawn, memory limit by setrlimit or parent binding by prctl): {e}"
                ),
            },
            ChildFailure::Wait(e) => e.clone(),
            ChildFailure::Timeout(secs) => match lang {
                Lang::De => format!("das Lesen dauerte länger als {secs} s (Zeitgrenze)"),
                Lang::En => format!("reading took longer than {secs} s (time limit)"),
            },
            ChildFailure::Memory(mib) => match lang {
                Lang::De => format!("das Lesen brauchte mehr als {mib} MiB Speicher"),
                Lang::En => format!("reading needed more than {mib} MiB of memory (memory limit)"),
            },
            ChildFailure::Signal { signal, memory_mib } => match lang {
                Lang::De => format!(
                    "das Leseprogramm brach ab (Signal {signal}), vermutlich über {memory_mib} MiB Speicher"
                ),
                Lang::En => format!(
                    "the reader aborted (signal {signal}), probably over {memory_mib} MiB of memory"
                ),
            },
            ChildFailure::Aborted(last) => match lang {
                Lang::De => format!("Leseprogramm abgebrochen ({last})"),
                Lang::En => format!("the reader aborted ({last})"),
            },
            ChildFailure::Answer(e) => match lang {
                Lang::De => format!("Antwort des Prüfprozesses unlesbar: {e}"),
                Lang::En => format!("the reading process's answer is unreadable: {e}"),
            },
        }
    }

    /// As a read error of a checked file (German; the finding's text is the catalogue's).
    pub fn into_read_error(self) -> ReadError {
        let detail = match self {
            // The check's own words, as the file finding has always said them.
            ChildFailure::Timeout(secs) => format!("Prüfung dauerte länger als {secs} s"),
            _ => self.message(Lang::De),
        };
        match self {
            ChildFailure::HardLimit { .. }
            | ChildFailure::Memory(_)
            | ChildFailure::Signal { .. } => ReadError::Limit {
                detail,
                limit: "memory_mib",
            },
            ChildFailure::Timeout(_) => ReadError::Limit {
                detail,
                limit: "timeout_seconds",
            },
            _ => ReadError::Unreadable(detail),
        }
    }
}

/// Runs `cmd` (the binary itself with a hidden subcommand) with the memory
/// limit, the death-with-the-parent binding and the time limit of `limits`;
/// returns the child's stdout when it ended well. `temp_of` names a file the
/// child may leave behind (from its process id): removed should we be killed.
fn run_guarded(
    mut cmd: Command,
    limits: &Limits,
    temp_of: impl FnOnce(u32) -> Option<std::path::PathBuf>,
) -> Result<Vec<u8>, ChildFailure> {
    cmd.stdin(Stdio::null())
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
            return Err(ChildFailure::HardLimit {
                memory_mib: limits.memory_mib,
                hard_mib: hard.rlim_max >> 20,
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
    let mut child = cmd
        .spawn()
        .map_err(|e| ChildFailure::Spawn(e.to_string()))?;
    let child_temp = temp_of(child.id());
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
            return Err(ChildFailure::Timeout(limits.timeout_seconds));
        }
        Err(e) => return Err(ChildFailure::Wait(e.to_string())),
    };
    if let Some(p) = &child_temp {
        crate::interrupt::unregister_temp(p);
    }
    let out = out_thread.join().unwrap_or_default();
    let err = err_thread.join().unwrap_or_default();
    if status.success() {
        return Ok(out);
    }
    let stderr = String::from_utf8_lossy(&err);
    if stderr.contains("memory allocation")
        || stderr.contains("out of memory")
        || stderr.contains("capacity overflow")
    {
        return Err(ChildFailure::Memory(limits.memory_mib));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            if sig == libc::SIGABRT || sig == libc::SIGKILL || sig == libc::SIGSEGV {
                return Err(ChildFailure::Signal {
                    signal: sig,
                    memory_mib: limits.memory_mib,
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
    Err(ChildFailure::Aborted(last))
}

/// The child's side: check one file in-process and print the outcome as JSON.
/// Checks the file and, if asked, writes its annotated copy. An `.xlsx` gets
/// the overlay on its own package; a rebuilt copy (`.xls`, `.ods`, `.xlsb`)
/// needs the sheets' number formats, a second pass over each sheet: that
/// pass runs alongside the check (a failure there only means the copy reads
/// them itself).
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
    if !crate::render::annotate::is_rebuilt(path) {
        let mut outcome = guarded(path, shown, cfg, opts);
        annotate_readable(path, cfg, opts.lang, t, &mut outcome, None);
        return outcome;
    }
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

/// Reads the budget plan, in a guarded child when isolation is enabled: a
/// child that dies, runs out of time or memory is a `BudgetError::Read` with the reason.
pub fn read_budget(
    path: &Path,
    shown: &str,
    cfg: &Config,
    lang: Lang,
    iso: &Isolation,
) -> Result<BudgetPlan, BudgetError> {
    if !iso.enabled {
        return budget::read(path, shown, cfg, lang);
    }
    read_in_child::<BudgetPlan, BudgetError>(ReadKind::Budget, path, shown, &cfg.limits, lang, iso)
        .unwrap_or_else(|f| {
            Err(BudgetError::Read {
                path: shown.to_string(),
                detail: f.message(lang),
            })
        })
}

/// Reads a district workbook, in a guarded child when isolation is enabled:
/// a child that dies, runs out of time or memory is a `DistrictError::Read` with the reason.
pub fn read_district(
    path: &Path,
    shown: &str,
    cfg: &Config,
    lang: Lang,
    iso: &Isolation,
) -> Result<Ledger, DistrictError> {
    if !iso.enabled {
        return district::read(path, shown, cfg, lang);
    }
    read_in_child::<Ledger, DistrictError>(ReadKind::District, path, shown, &cfg.limits, lang, iso)
        .unwrap_or_else(|f| {
            Err(DistrictError::Read {
                path: shown.to_string(),
                detail: f.message(lang),
            })
        })
}

/// Runs `__read-file --kind KIND` in a guarded child; its answer is the reader's result.
fn read_in_child<T: serde::de::DeserializeOwned, E: serde::de::DeserializeOwned>(
    kind: ReadKind,
    path: &Path,
    shown: &str,
    limits: &Limits,
    lang: Lang,
    iso: &Isolation,
) -> Result<Result<T, E>, ChildFailure> {
    let exe = std::env::current_exe().map_err(|e| ChildFailure::Exe(e.to_string()))?;
    let mut cmd = Command::new(exe);
    cmd.arg(READ_COMMAND)
        .arg("--lang")
        .arg(lang.as_str())
        .arg("--kind")
        .arg(kind.as_str())
        .arg("--shown")
        .arg(shown);
    if let Some(c) = &iso.config_path {
        cmd.arg("--config").arg(c);
    }
    cmd.arg(path);
    let out = run_guarded(cmd, limits, |_| None)?;
    serde_json::from_slice::<Result<T, E>>(&out).map_err(|e| ChildFailure::Answer(e.to_string()))
}

/// The child's side of `__read-file`: read the file in-process and print
/// the result (the value or the reader's error) as JSON.
pub fn read_child_main(kind: ReadKind, path: &Path, shown: &str, cfg: &Config, lang: Lang) -> i32 {
    let out = std::io::stdout().lock();
    let written = match kind {
        ReadKind::Budget => serde_json::to_writer(out, &budget::read(path, shown, cfg, lang)),
        ReadKind::District => serde_json::to_writer(out, &district::read(path, shown, cfg, lang)),
    };
    match written {
        Ok(()) => 0,
        Err(_) => 3,
    }
}
