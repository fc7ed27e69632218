//! One file per command; each ends in one `run` function.

pub mod check;
pub mod explain;

use std::path::{Path, PathBuf};

use crate::read::sniff::EXTENSIONS;

/// Expands folders (recursively, sorted) into the spreadsheet files below them.
/// Files named explicitly are always taken, whatever their extension.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for input in inputs {
        if !input.exists() {
            return Err(format!("{}: Datei oder Ordner nicht gefunden", input.display()));
        }
        if input.is_dir() && !looks_like_workbook(input) {
            walk(input, &mut out);
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}

fn looks_like_workbook(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if name.starts_with("~$") || name.starts_with(".~lock") {
            continue; // Excel/LibreOffice lock files of an open workbook
        }
        if looks_like_workbook(&p) {
            out.push(p);
        } else if p.is_dir() {
            walk(&p, out);
        }
    }
}
