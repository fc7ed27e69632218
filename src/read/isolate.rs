//! Untrusted files are read in a child process with a memory limit
//! (`RLIMIT_AS`) and a wall-time limit. Some files make a reader allocate
//! without bound (a looping OLE sector chain) — an abort no `catch_unwind`
//! can catch. In a child, the file fails; the tool goes on.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

use crate::config::{Config, Limits};
use crate::i18n::Lang;
use crate::pipeline::{self, FileOutcome, Options};
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

/// Checks one file, in a child process when isolation is enabled.
pub fn check_file(
    path: &Path,
    shown: &str,
    cfg: &Config,
    opts: Options,
    iso: &Isolation,
) -> FileOutcome {
    if !iso.enabled {
        return guarded(path, shown, cfg, opts);
    }
    match run_child(path, shown, &cfg.limits, opts, iso) {
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
    cmd.arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let memory = limits.memory_mib.saturating_mul(1 << 20);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: only async-signal-safe calls (setrlimit) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: memory as libc::rlim_t,
                    rlim_max: memory as libc::rlim_t,
                };
                libc::setrlimit(libc::RLIMIT_AS, &lim);
                // The child dies with the parent (Ctrl-C, kill): no orphan reading on.
                #[cfg(target_os = "linux")]
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| ReadError::Unreadable(format!("Prüfprozess startet nicht: {e}")))?;
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
pub fn child_main(path: &Path, shown: &str, cfg: &Config, lang: Lang, keep_records: bool) -> i32 {
    let outcome = guarded(path, shown, cfg, Options { lang, keep_records });
    match serde_json::to_writer(std::io::stdout().lock(), &outcome) {
        Ok(()) => 0,
        Err(_) => 3,
    }
}
