//! Ctrl-C (SIGINT), SIGTERM and SIGHUP must not leave a half-written output
//! behind: temporary files being written are registered here and removed
//! when the signal comes.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

pub fn register_temp(p: &Path) {
    if let Ok(mut v) = TEMPS.lock() {
        v.push(p.to_path_buf());
    }
}

pub fn unregister_temp(p: &Path) {
    if let Ok(mut v) = TEMPS.lock() {
        v.retain(|x| x != p);
    }
}

/// Removes every registered temporary file (called on SIGINT/SIGTERM).
pub fn cleanup() {
    if let Ok(v) = TEMPS.lock() {
        for p in v.iter() {
            let _ = std::fs::remove_file(p);
        }
    }
}
