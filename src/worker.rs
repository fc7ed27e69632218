//! Untrusted files are read in a child process with a memory limit
//! (`RLIMIT_AS`) and a wall-time limit. Some files make a reader allocate
//! without bound (a looping OLE sector chain) — an abort no `catch_unwind`
//! can catch. In a child, the file fails; the tool goes on.
//!
//! The child (`__check-file`) reads a path itself, or, for an upload held in
//! memory ([`check_upload`]), the bytes its parent writes to its stdin
//! (`--stdin`); either way it reads them once (`read::Input`) and answers
//! with the outcome as JSON. The annotated copy goes to the file the parent
//! names, or, for an upload ([`check_upload_annotated`]), back on stdout
//! ahead of the outcome (`--annotate-stdout`: eight bytes of its length,
//! little-endian, then the copy, then the JSON), so that neither the upload
//! nor its copy touches the disk.

use std::collections::HashMap;
use std::io::{Read, Write};
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
use crate::read::error::{Job, MemoryCause, SystemError};
use crate::read::{Input, Limit, NumberFormats, ReadError, Refused, Unreadable};
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
    /// The binary the guarded child runs: this one when `None`. A program
    /// that embeds the library (or a test) names the `sozialraum` binary here.
    pub exe: Option<std::path::PathBuf>,
}

impl Isolation {
    fn exe(&self) -> Result<std::path::PathBuf, std::io::Error> {
        match &self.exe {
            Some(exe) => Ok(exe.clone()),
            None => std::env::current_exe(),
        }
    }
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

/// Where a check's annotated copy goes: a file (`check --annotate`), or back
/// to the caller in memory (a portal upload) as an `.xlsx` file's bytes.
#[derive(Debug, Clone)]
pub enum CopyTo {
    File(AnnotateTarget),
    Memory { check_date: chrono::NaiveDate },
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
/// same guarded process, from the bytes the check read: the copy gets the
/// same memory and time limits as the check. (A file that cannot be read gets
/// its report-only copy from the caller, which needs no reading.) The child
/// reads the file itself, under its limits.
pub fn check_file_annotated(
    path: &Path,
    shown: &str,
    cfg: &Config,
    opts: Options,
    iso: &Isolation,
    annotate: Option<&AnnotateTarget>,
) -> FileOutcome {
    let origin = Origin::File(path);
    let to = annotate.cloned().map(CopyTo::File);
    if !iso.enabled {
        return check_in_process(&origin, shown, cfg, opts, to.as_ref()).0;
    }
    match run_child(&origin, shown, &cfg.limits, opts, iso, to.as_ref()) {
        Ok((o, _)) => o,
        Err(err) => failure(cfg, opts, shown, origin.sha256(), err),
    }
}

/// Checks an upload held in memory, in a child process when isolation is
/// enabled: the bytes reach the child on its stdin, never the disk, and the
/// child has the memory and time limits of a file's check. `shown` names the
/// upload (its last component counts as the file name).
///
/// ```no_run
/// use sozialraum::pipeline::Options;
/// use sozialraum::worker::{check_upload, Isolation};
///
/// let cfg = sozialraum::registry::verden().unwrap();
/// let iso = Isolation { enabled: true, config_path: None, exe: None };
/// let bytes = std::fs::read("T01_2026-Q3.xlsx").unwrap();
/// let outcome = check_upload(&bytes, "T01_2026-Q3.xlsx", &cfg, Options::default(), &iso);
/// println!("{} findings", outcome.report.findings.len());
/// ```
pub fn check_upload(
    bytes: &[u8],
    shown: &str,
    cfg: &Config,
    opts: Options,
    iso: &Isolation,
) -> FileOutcome {
    upload(bytes, shown, cfg, opts, iso, None).0
}

/// Checks an upload as [`check_upload`] does and, for a readable upload,
/// makes its annotated copy (an `.xlsx` file's bytes) in the same guarded
/// child, from the bytes the check read: the copy comes back on the child's
/// stdout, so neither the upload nor the copy touches the disk. `None` for
/// the copy of an unreadable upload, or when making it failed (the outcome's
/// `annotated` says why).
pub fn check_upload_annotated(
    bytes: &[u8],
    shown: &str,
    cfg: &Config,
    opts: Options,
    iso: &Isolation,
    check_date: chrono::NaiveDate,
) -> (FileOutcome, Option<Vec<u8>>) {
    let to = CopyTo::Memory { check_date };
    upload(bytes, shown, cfg, opts, iso, Some(&to))
}

fn upload(
    bytes: &[u8],
    shown: &str,
    cfg: &Config,
    opts: Options,
    iso: &Isolation,
    to: Option<&CopyTo>,
) -> (FileOutcome, Option<Vec<u8>>) {
    let origin = Origin::Memory(bytes);
    let max = cfg.limits.max_file_bytes;
    if bytes.len() as u64 > max {
        // The child would refuse it too, after reading it all.
        let err = ReadError::Limit(Limit::FileBytes {
            actual: bytes.len() as u64,
            limit: max,
        });
        return (failure(cfg, opts, shown, None, err), None);
    }
    if !iso.enabled {
        return check_in_process(&origin, shown, cfg, opts, to);
    }
    match run_child(&origin, shown, &cfg.limits, opts, iso, to) {
        Ok(checked) => checked,
        Err(err) => (failure(cfg, opts, shown, origin.sha256(), err), None),
    }
}

/// In-process check of the file at `path` with panics turned into a `file` finding.
pub fn guarded(path: &Path, shown: &str, cfg: &Config, opts: Options) -> FileOutcome {
    check_in_process(&Origin::File(path), shown, cfg, opts, None).0
}

/// Where the bytes to check come from.
enum Origin<'a> {
    File(&'a Path),
    Memory(&'a [u8]),
    /// The child's stdin, written by the parent from its memory.
    Stdin,
}

impl<'a> Origin<'a> {
    fn read(&self, limits: &Limits) -> Result<Input<'a>, Refused> {
        match *self {
            Origin::File(path) => Input::read_file(path, limits),
            Origin::Memory(bytes) => Input::from_bytes(bytes, limits),
            Origin::Stdin => Input::read_from(std::io::stdin().lock(), 0, limits),
        }
    }

    /// The name the checks read provider, quarter and extension from.
    fn file_name(&self, shown: &str) -> String {
        match self {
            Origin::File(path) => pipeline::file_name_of(path),
            Origin::Memory(_) | Origin::Stdin => pipeline::file_name_of(Path::new(shown)),
        }
    }

    /// The SHA-256, for the report of a check that gave no answer.
    fn sha256(&self) -> Option<String> {
        match self {
            Origin::File(path) => pipeline::sha256_file(path).ok(),
            Origin::Memory(bytes) => {
                use sha2::Digest;
                Some(crate::read::input::hex(&sha2::Sha256::digest(bytes)))
            }
            Origin::Stdin => None,
        }
    }
}

fn failure(
    cfg: &Config,
    opts: Options,
    shown: &str,
    sha: Option<String>,
    err: ReadError,
) -> FileOutcome {
    pipeline::outcome_of_failure(Ctx::new(cfg, opts.lang), shown, sha, err)
}

/// The message of a caught panic, if it has one.
fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Reads the input once and checks it in this process; with `annotate`, a
/// readable input's annotated copy is made from the same bytes (written to
/// its file, or returned). A panic while reading or checking is the file's
/// `file` finding, not ours.
fn check_in_process(
    origin: &Origin,
    shown: &str,
    cfg: &Config,
    opts: Options,
    annotate: Option<&CopyTo>,
) -> (FileOutcome, Option<Vec<u8>>) {
    let panicked = |p: Box<dyn std::any::Any + Send>, sha| {
        let err = Unreadable::ReaderPanicked(panic_message(p.as_ref()));
        (failure(cfg, opts, shown, sha, err.into()), None)
    };
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| origin.read(&cfg.limits)));
    let input = match read {
        Ok(Ok(input)) => input,
        Ok(Err(refused)) => return (pipeline::refused_outcome(cfg, opts, shown, refused), None),
        Err(p) => return panicked(p, origin.sha256()),
    };
    let file_name = origin.file_name(shown);
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check_then_annotate(&input, &file_name, shown, cfg, opts, annotate)
    }));
    checked.unwrap_or_else(|p| panicked(p, Some(input.sha256().to_string())))
}

/// Launches the child for `origin` (a path it reads, or bytes on its stdin)
/// and reads its answer.
fn run_child(
    origin: &Origin,
    shown: &str,
    limits: &Limits,
    opts: Options,
    iso: &Isolation,
    annotate: Option<&CopyTo>,
) -> Result<(FileOutcome, Option<Vec<u8>>), ReadError> {
    let exe = iso.exe().map_err(|e| ReadError::from(Unreadable::io(&e)))?;
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
    match annotate {
        Some(CopyTo::File(t)) => {
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
        Some(CopyTo::Memory { check_date }) => {
            cmd.arg("--annotate-stdout")
                .arg("--check-date")
                .arg(check_date.to_string());
        }
        None => {}
    }
    let stdin = match *origin {
        Origin::File(path) => {
            cmd.arg(path);
            None
        }
        Origin::Memory(bytes) => {
            cmd.arg("--stdin");
            Some(bytes)
        }
        Origin::Stdin => None,
    };
    // The child writes the annotated copy through its own temporary file;
    // should the child be killed with us, we remove that file on its behalf.
    let out = run_guarded(cmd, limits, stdin, |id| match annotate {
        Some(CopyTo::File(t)) => Some(crate::xlsx::temp_path(&t.out, id)),
        _ => None,
    })
    .map_err(|f| f.into_read_error(Job::Check))?;
    let answer = |e: String| ChildFailure::Answer(e).into_read_error(Job::Check);
    let (json, copy) = match annotate {
        Some(CopyTo::Memory { .. }) => {
            let (json, copy) = split_copy(out).map_err(answer)?;
            (json, (!copy.is_empty()).then_some(copy))
        }
        _ => (out, None),
    };
    let outcome =
        serde_json::from_slice::<FileOutcome>(&json).map_err(|e| answer(e.to_string()))?;
    Ok((outcome, copy))
}

/// Splits the child's answer under `--annotate-stdout` into the outcome's
/// JSON and the copy that precedes it (eight bytes of its length,
/// little-endian, then the copy; an empty copy: none was made).
fn split_copy(mut out: Vec<u8>) -> Result<(Vec<u8>, Vec<u8>), String> {
    let Some(head) = out.first_chunk::<8>() else {
        return Err("the answer is shorter than its frame".into());
    };
    let n = u64::from_le_bytes(*head);
    let end = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_add(8))
        .filter(|&end| end <= out.len())
        .ok_or_else(|| format!("the annotated copy's frame announces {n} bytes, more than came"))?;
    let json = out.split_off(end);
    out.drain(..8);
    Ok((json, out))
}

/// Writes the child's answer under `--annotate-stdout`: the copy's frame
/// (see [`split_copy`]), then the outcome.
fn write_framed(
    mut w: impl Write,
    copy: Option<&[u8]>,
    outcome: &FileOutcome,
) -> std::io::Result<()> {
    let copy = copy.unwrap_or_default();
    w.write_all(&(copy.len() as u64).to_le_bytes())?;
    w.write_all(copy)?;
    serde_json::to_writer(&mut w, outcome)?;
    w.flush()
}

/// Why a guarded child gave no answer.
#[derive(Debug)]
pub enum ChildFailure {
    /// The executable could not be found.
    Exe(std::io::Error),
    /// `memory_mib` lies above the system's hard limit (MiB).
    HardLimit { memory_mib: u64, hard_mib: u64 },
    /// The child did not start (spawn, setrlimit or prctl failed).
    Spawn(std::io::Error),
    /// Waiting for the child failed.
    Wait(std::io::Error),
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
    /// As the read error of the input the child was to read (`job` says
    /// what it was doing, for the words of a time limit).
    pub fn into_read_error(self, job: Job) -> ReadError {
        match self {
            ChildFailure::Exe(e) | ChildFailure::Wait(e) => Unreadable::io(&e).into(),
            ChildFailure::Spawn(e) => Unreadable::ChildNotStarted(SystemError::of(&e)).into(),
            ChildFailure::HardLimit {
                memory_mib,
                hard_mib,
            } => Limit::Memory {
                mib: memory_mib,
                cause: MemoryCause::AboveHardLimit { hard_mib },
            }
            .into(),
            ChildFailure::Timeout(seconds) => Limit::Time { seconds, job }.into(),
            ChildFailure::Memory(mib) => Limit::Memory {
                mib,
                cause: MemoryCause::Exhausted,
            }
            .into(),
            ChildFailure::Signal { signal, memory_mib } => Limit::Memory {
                mib: memory_mib,
                cause: MemoryCause::Signal(signal),
            }
            .into(),
            ChildFailure::Aborted(last) => Unreadable::ChildAborted(last).into(),
            ChildFailure::Answer(e) => Unreadable::ChildAnswer(e).into(),
        }
    }
}

/// Runs `cmd` (the binary itself with a hidden subcommand) with the memory
/// limit, the death-with-the-parent binding and the time limit of `limits`;
/// returns the child's stdout when it ended well. `stdin` is written to the
/// child's stdin (an upload). `temp_of` names a file the child may leave
/// behind (from its process id): removed should we be killed.
fn run_guarded(
    mut cmd: Command,
    limits: &Limits,
    stdin: Option<&[u8]>,
    temp_of: impl FnOnce(u32) -> Option<std::path::PathBuf>,
) -> Result<Vec<u8>, ChildFailure> {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
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
    let mut child = cmd.spawn().map_err(ChildFailure::Spawn)?;
    let child_temp = temp_of(child.id());
    if let Some(p) = &child_temp {
        crate::interrupt::register_temp(p);
    }
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    // The child cannot hold more than its memory limit, so an honest answer
    // is never longer; the rest of a longer one is read and dropped, so the
    // child does not block on a full pipe until its time is up.
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut over = false;
        if let Some(s) = stdout.as_mut() {
            let _ = s.by_ref().take(memory).read_to_end(&mut buf);
            over = std::io::copy(s, &mut std::io::sink()).is_ok_and(|n| n > 0);
        }
        (buf, over)
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(64 << 10).read_to_end(&mut buf);
        }
        buf
    });
    let pipe = child.stdin.take();
    let timeout = Duration::from_secs(limits.timeout_seconds.max(1));
    let status = std::thread::scope(|s| {
        if let (Some(mut pipe), Some(bytes)) = (pipe, stdin) {
            s.spawn(move || {
                ignore_broken_pipe();
                // A child that dies early closes its end: nothing more to do.
                let _ = pipe.write_all(bytes);
            });
        }
        match child.wait_timeout(timeout) {
            Ok(Some(s)) => Ok(s),
            Ok(None) => {
                // Killed, its stdin closes: the writer above ends too.
                let _ = child.kill();
                let _ = child.wait();
                Err(ChildFailure::Timeout(limits.timeout_seconds))
            }
            Err(e) => Err(ChildFailure::Wait(e)),
        }
    })?;
    if let Some(p) = &child_temp {
        crate::interrupt::unregister_temp(p);
    }
    let (out, over) = out_thread.join().unwrap_or_default();
    let err = err_thread.join().unwrap_or_default();
    if status.success() && over {
        return Err(ChildFailure::Answer(format!(
            "the answer is longer than the memory limit ({} MiB)",
            limits.memory_mib
        )));
    }
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

/// Lets a write to a pipe whose reader is gone fail with `EPIPE` on this
/// thread instead of ending the process (the binary restores the default
/// SIGPIPE action, so that `check … | head` ends quietly).
fn ignore_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: plain FFI calls on a local signal set; they change this thread's mask only.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Checks the input and, if asked, writes its annotated copy from the same
/// bytes. An `.xlsx` gets the overlay on its own package; a rebuilt copy
/// (`.xls`, `.ods`, `.xlsb`) needs the sheets' number formats, a second pass
/// over each sheet: that pass runs alongside the check (a failure there only
/// means the copy reads them itself).
fn check_then_annotate(
    input: &Input,
    file_name: &str,
    shown: &str,
    cfg: &Config,
    opts: Options,
    annotate: Option<&CopyTo>,
) -> (FileOutcome, Option<Vec<u8>>) {
    let check = || pipeline::check_input(input, file_name, shown, cfg, opts);
    let Some(t) = annotate else {
        return (check(), None);
    };
    if !crate::render::annotate::is_rebuilt(input) {
        let mut outcome = check();
        let copy = annotate_readable(
            input,
            Path::new(shown),
            cfg,
            opts.lang,
            t,
            &mut outcome,
            None,
        );
        return (outcome, copy);
    }
    let (mut outcome, formats) = std::thread::scope(|s| {
        let formats = std::thread::Builder::new()
            .name("formats".into())
            .spawn_scoped(s, || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    crate::render::annotate::number_formats(input)
                }))
                .ok()
                .flatten()
            });
        let outcome = check();
        let formats = formats.ok().and_then(|h| h.join().ok()).flatten();
        (outcome, formats)
    });
    let copy = annotate_readable(
        input,
        Path::new(shown),
        cfg,
        opts.lang,
        t,
        &mut outcome,
        formats,
    );
    (outcome, copy)
}

/// Makes the annotated copy of a readable input (`path` is its name, and
/// what the copy must never replace): written to its file, or returned. A
/// failure is recorded in the outcome; a copy in memory leaves the
/// outcome's `annotated` empty when it succeeds (it has no path).
fn annotate_readable(
    input: &Input,
    path: &Path,
    cfg: &Config,
    lang: Lang,
    to: &CopyTo,
    outcome: &mut FileOutcome,
    formats: Option<HashMap<String, NumberFormats>>,
) -> Option<Vec<u8>> {
    if !outcome.readable {
        return None;
    }
    let check_date = match to {
        CopyTo::File(t) => {
            if t.only_submissions && outcome.nature != crate::pipeline::Nature::Spreadsheet {
                return None;
            }
            t.check_date
        }
        CopyTo::Memory { check_date } => *check_date,
    };
    let req = crate::render::annotate::AnnotateRequest {
        input: path,
        report: &outcome.report,
        source: Some(input),
        created: outcome.cover.created,
        check_date,
        lang,
        formats,
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match to {
        CopyTo::File(t) => crate::render::annotate::write(&req, cfg, &t.out, t.replace)
            .map(|()| (t.out.display().to_string(), None)),
        CopyTo::Memory { .. } => {
            crate::render::annotate::to_bytes(&req, cfg).map(|b| (String::new(), Some(b)))
        }
    }));
    let (annotated, copy) = match result {
        Ok(Ok((written, copy))) => (copy.is_none().then_some(Ok(written)), copy),
        Ok(Err(e)) => (Some(Err(e.message(lang))), None),
        Err(_) => (
            Some(Err(crate::i18n::t(
                lang,
                "die kommentierte Kopie konnte nicht erzeugt werden",
                "the annotated copy could not be made",
            )
            .into())),
            None,
        ),
    };
    outcome.annotated = annotated;
    copy
}

/// Gives buffers of 128 KiB and more back to the system when they are
/// freed. glibc raises its mmap threshold each time such a buffer is freed,
/// after which buffers of that size stay in the heap: the unique-key table's
/// shards, which all grow at about the same time near the end of a big
/// sheet, then leave ~3 MB of freed holes at the child's peak.
fn return_big_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: a plain FFI call; glibc takes its own lock, and a failure
    // leaves its default in place.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
}

/// What the child checks: a file it reads itself, or the bytes on its stdin.
#[derive(Debug, Clone)]
pub enum ChildInput {
    File(std::path::PathBuf),
    Stdin,
}

/// The child's side: read the input once, check it, make its annotated
/// copy if asked (written to its file, or framed on stdout ahead of the
/// outcome), and print the outcome as JSON.
pub fn child_main(
    input: &ChildInput,
    shown: &str,
    cfg: &Config,
    lang: Lang,
    keep_records: bool,
    annotate: Option<CopyTo>,
) -> i32 {
    return_big_buffers();
    let opts = Options { lang, keep_records };
    let origin = match input {
        ChildInput::File(path) => Origin::File(path),
        ChildInput::Stdin => Origin::Stdin,
    };
    let (outcome, copy) = check_in_process(&origin, shown, cfg, opts, annotate.as_ref());
    // The answer is megabytes for a big sheet: in large writes, not the
    // terminal's line-sized ones.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = match annotate {
        Some(CopyTo::Memory { .. }) => write_framed(&mut out, copy.as_deref(), &outcome),
        _ => serde_json::to_writer(&mut out, &outcome).map_err(std::io::Error::from),
    }
    .and_then(|()| out.flush());
    leave_to_exit(outcome);
    match written {
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
    read_budget_in_child(ReadSource::File(path), shown, cfg, lang, iso)
}

/// Reads a budget plan held in memory (an upload to the portal) as
/// [`read_budget`] reads a file: in a guarded child when isolation is
/// enabled, the bytes on its stdin, never on the disk.
pub fn read_budget_upload(
    bytes: &[u8],
    shown: &str,
    cfg: &Config,
    lang: Lang,
    iso: &Isolation,
) -> Result<BudgetPlan, BudgetError> {
    if !iso.enabled {
        return budget::read_bytes(bytes, shown, cfg, lang);
    }
    read_budget_in_child(ReadSource::Memory(bytes), shown, cfg, lang, iso)
}

fn read_budget_in_child(
    source: ReadSource,
    shown: &str,
    cfg: &Config,
    lang: Lang,
    iso: &Isolation,
) -> Result<BudgetPlan, BudgetError> {
    read_in_child::<BudgetPlan, BudgetError>(
        ReadKind::Budget,
        source,
        shown,
        &cfg.limits,
        lang,
        iso,
    )
    .unwrap_or_else(|f| {
        Err(BudgetError::Read {
            path: shown.to_string(),
            error: f.into_read_error(Job::Read),
        })
    })
}

/// What `__read-file` reads: a path, or bytes the parent writes to its stdin.
enum ReadSource<'a> {
    File(&'a Path),
    Memory(&'a [u8]),
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
    read_in_child::<Ledger, DistrictError>(
        ReadKind::District,
        ReadSource::File(path),
        shown,
        &cfg.limits,
        lang,
        iso,
    )
    .unwrap_or_else(|f| {
        Err(DistrictError::Read {
            path: shown.to_string(),
            error: f.into_read_error(Job::Read),
        })
    })
}

/// Runs `__read-file --kind KIND` in a guarded child; its answer is the reader's result.
fn read_in_child<T: serde::de::DeserializeOwned, E: serde::de::DeserializeOwned>(
    kind: ReadKind,
    source: ReadSource,
    shown: &str,
    limits: &Limits,
    lang: Lang,
    iso: &Isolation,
) -> Result<Result<T, E>, ChildFailure> {
    let exe = iso.exe().map_err(ChildFailure::Exe)?;
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
    let stdin = match source {
        ReadSource::File(path) => {
            cmd.arg(path);
            None
        }
        ReadSource::Memory(bytes) => {
            cmd.arg("--stdin");
            Some(bytes)
        }
    };
    let out = run_guarded(cmd, limits, stdin, |_| None)?;
    serde_json::from_slice::<Result<T, E>>(&out).map_err(|e| ChildFailure::Answer(e.to_string()))
}

/// The child's side of `__read-file`: read the file in-process and print
/// the result (the value or the reader's error) as JSON.
pub fn read_child_main(
    kind: ReadKind,
    input: &ChildInput,
    shown: &str,
    cfg: &Config,
    lang: Lang,
) -> i32 {
    return_big_buffers();
    let out = std::io::stdout().lock();
    let written = match (kind, input) {
        (ReadKind::Budget, ChildInput::File(path)) => {
            serde_json::to_writer(out, &budget::read(path, shown, cfg, lang))
        }
        (ReadKind::Budget, ChildInput::Stdin) => {
            let plan = Input::read_from(std::io::stdin().lock(), 0, &cfg.limits)
                .map_err(|r| BudgetError::Read {
                    path: shown.to_string(),
                    error: r.error,
                })
                .and_then(|input| budget::read_input(&input, shown, cfg, lang));
            serde_json::to_writer(out, &plan)
        }
        (ReadKind::District, ChildInput::File(path)) => {
            serde_json::to_writer(out, &district::read(path, shown, cfg, lang))
        }
        // Only budget plans arrive on stdin (portal uploads).
        (ReadKind::District, ChildInput::Stdin) => return 2,
    };
    match written {
        Ok(()) => 0,
        Err(_) => 3,
    }
}

/// Hands what a command (or the guarded child) printed to the end of the process instead of
/// freeing it: the findings of a big sheet are hundreds of thousands of small
/// allocations, and freeing them one by one costs a tenth of a second that
/// the operating system does at once when the process ends (measured on the
/// 1M-row benchmark sheet, `perf`: the largest part of the parent's time).
/// Only for data without side effects on drop, at the very end of a command.
pub fn leave_to_exit<T>(printed: T) {
    std::mem::forget(printed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_framed_copy_splits_from_the_outcome_and_a_short_frame_is_refused() {
        let mut out = 3u64.to_le_bytes().to_vec();
        out.extend_from_slice(b"PK!{\"a\":1}");
        let (json, copy) = split_copy(out).unwrap();
        assert_eq!(copy, b"PK!");
        assert_eq!(json, b"{\"a\":1}");
        let (json, copy) = split_copy(0u64.to_le_bytes().to_vec()).unwrap();
        assert!(json.is_empty() && copy.is_empty());
        let mut long = 99u64.to_le_bytes().to_vec();
        long.extend_from_slice(b"PK");
        assert!(split_copy(long).is_err());
        assert!(split_copy(u64::MAX.to_le_bytes().to_vec()).is_err());
        assert!(split_copy(b"PK".to_vec()).is_err());
    }
}
