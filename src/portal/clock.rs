//! The portal's time: the system clock, or, for tests of deadlines, a file
//! holding an RFC 3339 time that is read on every call (`serve
//! --clock-file FILE`, a hidden flag; rewriting the file moves the clock).
//!
//! Every timestamp the portal stores or compares (submissions, sessions,
//! the audit trail, deadlines) comes from [`now`], so a test can let a
//! deadline pass without waiting for it.

use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

static CLOCK_FILE: OnceLock<PathBuf> = OnceLock::new();

/// Makes [`now`] read `path` from now on (once per process; later calls are
/// ignored). Only `serve --clock-file` calls it.
pub fn use_file(path: PathBuf) {
    let _ = CLOCK_FILE.set(path);
}

/// The current time: the clock file's when one is set and readable, else
/// the system's.
pub fn now() -> DateTime<Utc> {
    CLOCK_FILE
        .get()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}
