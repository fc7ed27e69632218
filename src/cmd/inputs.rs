//! What the commands read: the files named and the files found in folders,
//! and what is left out of a folder scan (and why).
//!
//! Left out silently: the lock files of an open workbook (`~$…`, `.~lock…#`),
//! macOS resource forks (`._…`), the desktop's own files (`.DS_Store`,
//! `Thumbs.db`, `desktop.ini`) and our own temporary files. Named once: every
//! other file of a folder that is no spreadsheet by its bytes, and, after the
//! check, the workbooks this tool wrote (district and controlling workbooks,
//! annotated copies whose submission is in the same scan), recognised by
//! their document property, not their name. An annotated copy alone (the
//! provider corrected it and sent it back) counts as the submission.
//! A file named on the command line is always checked.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::finding::Skipped;
use crate::i18n::{t, Lang};
use crate::pipeline::{FileOutcome, Nature};
use crate::read::sniff::{self, NotSpreadsheet, OwnOutput, EXTENSIONS};

/// One file to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// Found in a folder (not named): left out when it turns out to be no submission.
    pub scanned: bool,
}

/// The files to check and what a folder scan left out already.
#[derive(Debug, Default)]
pub struct Gathered {
    pub files: Vec<Input>,
    pub skipped: Vec<Skipped>,
}

impl Gathered {
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.iter().map(|f| f.path.clone()).collect()
    }
}

/// Expands folders (recursively, sorted) into the files below them.
pub fn gather(inputs: &[PathBuf], lang: Lang) -> miette::Result<Gathered> {
    let mut g = Gathered::default();
    for input in inputs {
        match std::fs::metadata(input) {
            Err(e) => {
                return Err(miette::miette!(
                    "{}: {}",
                    input.display(),
                    crate::i18n::io_error(lang, &e)
                ))
            }
            // A folder named like a workbook is reported as what it is, not searched.
            Ok(m) if m.is_dir() && !has_spreadsheet_extension(input) => walk(input, lang, &mut g),
            Ok(_) => g.files.push(Input {
                path: input.clone(),
                scanned: false,
            }),
        }
    }
    Ok(g)
}

fn walk(dir: &Path, lang: Lang, g: &mut Gathered) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            g.skipped.push(Skipped {
                path: dir.display().to_string(),
                reason: crate::i18n::io_error(lang, &e),
            });
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if is_noise(&name) {
            continue;
        }
        if p.is_dir() {
            walk(&p, lang, g);
            continue;
        }
        if has_spreadsheet_extension(&p) {
            g.files.push(Input {
                path: p,
                scanned: true,
            });
            continue;
        }
        match head(&p) {
            Ok(h) if sniff::container_magic(&h) => g.files.push(Input {
                path: p,
                scanned: true,
            }),
            Ok(h) if h.is_empty() => g.skipped.push(Skipped {
                path: p.display().to_string(),
                reason: t(lang, "leere Datei", "empty file").into(),
            }),
            Ok(h) => g.skipped.push(Skipped {
                reason: no_spreadsheet(&p, NotSpreadsheet::of_head(&h), lang),
                path: p.display().to_string(),
            }),
            Err(e) => g.skipped.push(Skipped {
                path: p.display().to_string(),
                reason: crate::i18n::io_error(lang, &e),
            }),
        }
    }
}

/// Why a file of a folder is no spreadsheet, with its extension where the
/// bytes alone say little (a text file may be a CSV or a README).
fn no_spreadsheet(p: &Path, what: NotSpreadsheet, lang: Lang) -> String {
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .filter(|e| e.chars().any(|c| c.is_alphabetic()))
        .unwrap_or_default();
    match what {
        NotSpreadsheet::Text | NotSpreadsheet::Unknown if !ext.is_empty() => match lang {
            Lang::De => format!("eine .{ext}-Datei, keine Tabelle"),
            Lang::En => format!("a .{ext} file, not a spreadsheet"),
        },
        _ => what.describe(lang).into(),
    }
}

/// Files of a folder that are never anyone's submission and not worth a line.
fn is_noise(name: &str) -> bool {
    name.starts_with("~$")
        || (name.starts_with(".~lock") && name.ends_with('#'))
        || name.starts_with("._")
        || name.contains(".tmp-") && name.starts_with('.')
        || [".DS_Store", "Thumbs.db", "desktop.ini"]
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name))
}

fn has_spreadsheet_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The first bytes of a file: enough to tell a container from text or PDF.
fn head(p: &Path) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(8);
    std::fs::File::open(p)?.take(8).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The provider and quarter a submission counts for.
type Period = (String, i32, u8);

fn period_of(outcome: &FileOutcome) -> Option<Period> {
    let c = &outcome.cover;
    Some((c.provider_id.clone()?, c.year?, c.quarter?))
}

/// Why a checked file is no submission to count, if it is none: the
/// district and controlling workbooks this tool wrote (wherever they come
/// from), and in a folder scan also files that are no spreadsheet by their
/// bytes (unless named like one: those are broken submissions) and annotated
/// copies whose submission is in the scan too (`originals`: the provider and
/// quarter of every other spreadsheet). An annotated copy alone is the
/// provider's corrected submission and counts.
fn set_aside_reason(
    input: &Input,
    outcome: &FileOutcome,
    originals: &std::collections::HashSet<Period>,
    lang: Lang,
) -> Option<String> {
    let ours = |kind: OwnOutput| {
        format!(
            "{}, {}",
            kind.label(lang),
            t(lang, "von sozialraum geschrieben", "written by sozialraum")
        )
    };
    match outcome.nature {
        Nature::Own(kind @ (OwnOutput::DistrictWorkbook | OwnOutput::ControllingWorkbook)) => {
            Some(ours(kind))
        }
        Nature::Own(kind @ OwnOutput::AnnotatedCopy)
            if input.scanned && period_of(outcome).is_none_or(|p| originals.contains(&p)) =>
        {
            Some(ours(kind))
        }
        // A file named like a workbook that is none stays a broken submission (an error).
        Nature::NotSpreadsheet(what)
            if input.scanned && !has_spreadsheet_extension(&input.path) =>
        {
            Some(what.describe(lang).into())
        }
        _ => None,
    }
}

/// Splits the outcomes into those to report and those set aside (added to
/// `skipped`, which ends sorted by path). Returns the inputs kept with them,
/// each with whatever the caller keeps aligned to it (an annotation target).
pub fn set_aside<T>(
    files: Vec<(Input, T)>,
    outcomes: Vec<FileOutcome>,
    skipped: &mut Vec<Skipped>,
    lang: Lang,
) -> (Vec<(Input, T)>, Vec<FileOutcome>) {
    let originals = outcomes
        .iter()
        .filter(|o| o.nature == Nature::Spreadsheet && o.readable)
        .filter_map(period_of)
        .collect();
    let mut kept_files = Vec::new();
    let mut kept = Vec::new();
    for (input, outcome) in files.into_iter().zip(outcomes) {
        match set_aside_reason(&input.0, &outcome, &originals, lang) {
            Some(reason) => skipped.push(Skipped {
                path: outcome.report.path.clone(),
                reason,
            }),
            None => {
                kept_files.push(input);
                kept.push(outcome);
            }
        }
    }
    skipped.sort();
    (kept_files, kept)
}

/// The error for a run with nothing to do (exit code 2): no file, or every
/// file left out.
pub fn nothing_to_do(inputs: &[PathBuf], skipped: &[Skipped], lang: Lang) -> miette::Report {
    let list = inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut help = t(
        lang,
        "Unterstützt: .xlsx .xlsm .xlsb .xls .ods (erkannt am Inhalt)",
        "Supported: .xlsx .xlsm .xlsb .xls .ods (recognised by their content)",
    )
    .to_string();
    for s in skipped.iter().take(10) {
        help.push_str(&format!("\n  {}: {}", s.path, s.reason));
    }
    if skipped.len() > 10 {
        help.push_str(&format!(
            "\n  … {} {}",
            skipped.len() - 10,
            t(lang, "weitere", "more")
        ));
    }
    miette::miette!(
        help = help,
        "{} {list}",
        t(
            lang,
            "Keine Meldung zu prüfen in:",
            "No submission to check in:"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_files_and_resource_forks_are_noise() {
        for n in [
            "~$T01_2026-Q3.xlsx",
            ".~lock.T01_2026-Q3.xlsx#",
            "._T01_2026-Q3.xlsx",
            ".DS_Store",
            "Thumbs.db",
            ".Kreis.xlsx.tmp-1234",
        ] {
            assert!(is_noise(n), "{n}");
        }
        for n in ["T01_2026-Q3.xlsx", "notiz.docx", "scan.pdf", "~T01.xlsx"] {
            assert!(!is_noise(n), "{n}");
        }
    }
}
