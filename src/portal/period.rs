//! The current submissions of a period, consolidated as `sozialraum
//! consolidate` does it: the office's district workbook and the
//! controlling's plan/actual both start here.
//!
//! Every stored file is read again from the store (verified against its
//! SHA-256) and checked in the same isolated worker as an upload, with its
//! rows kept; the outcomes go through [`crate::consolidate::consolidate`]
//! unchanged, so the portal's totals and cross-file findings are the command
//! line's. Each file is checked under the name `sozialraum export` gives it
//! (`T03_2026-Q3.xlsx`), so that both name the same sources.

use rayon::prelude::*;

use crate::consolidate::{self, Consolidation};
use crate::i18n::Lang;
use crate::pipeline::{FileOutcome, Options};

use super::db::{self, Status, Submission};
use super::App;

/// The quarters of one year a page or a download asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub year: i32,
    /// Ascending, each 1..=4, at least one.
    pub quarters: Vec<u8>,
}

impl Span {
    /// `quarter=3`, or `quarters=1-3` / `quarters=1,2,4`; neither: the whole year.
    pub fn parse(year: i32, quarter: Option<&str>, quarters: Option<&str>) -> Option<Span> {
        if !(2005..=2100).contains(&year) {
            return None;
        }
        let quarters = match (quarter, quarters) {
            (Some(_), Some(_)) => return None,
            (Some(q), None) => vec![q.trim().parse().ok()?],
            (None, Some(list)) => parse_list(list)?,
            (None, None) => vec![1, 2, 3, 4],
        };
        if quarters.is_empty() || quarters.iter().any(|q| !(1..=4).contains(q)) {
            return None;
        }
        Some(Span { year, quarters })
    }

    pub fn contains(&self, year: i32, quarter: u8) -> bool {
        self.year == year && self.quarters.contains(&quarter)
    }

    /// `2026-Q3`, `2026-Q1-Q3` or `2026-Q1+Q4`: for file names.
    pub fn label(&self) -> String {
        let q = &self.quarters;
        let (Some(&first), Some(&last)) = (q.first(), q.last()) else {
            return self.year.to_string();
        };
        if q.len() == 1 {
            format!("{}-Q{first}", self.year)
        } else if usize::from(last - first) + 1 == q.len() {
            format!("{}-Q{first}-Q{last}", self.year)
        } else {
            let parts: Vec<String> = q.iter().map(|q| format!("Q{q}")).collect();
            format!("{}-{}", self.year, parts.join("+"))
        }
    }
}

/// `1-3`, `1–3` (en dash, as the reports print it), `1,2,4`, `2`:
/// ascending, without repeats.
fn parse_list(list: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for part in list.split(',') {
        let part = part.trim();
        if let Some((a, b)) = part.split_once(['-', '–']) {
            let (a, b): (u8, u8) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            if a > b {
                return None;
            }
            out.extend(a..=b);
        } else {
            out.push(part.parse().ok()?);
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// The name a stored submission has in an export and in a consolidation:
/// `T03_2026-Q3.xlsx`, with the extension of the file as submitted.
pub fn export_name(s: &Submission) -> String {
    let ext = std::path::Path::new(&s.file_name)
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .filter(|e| matches!(e.as_str(), "xlsx" | "xlsm" | "xls" | "ods" | "xlsb"))
        .unwrap_or_else(|| "xlsx".to_string());
    format!("{}_{}-Q{}.{ext}", s.provider, s.year, s.quarter)
}

/// The current (neither replaced nor withdrawn) submissions of `span`, by
/// provider and quarter.
pub fn current(app: &App, span: &Span) -> rusqlite::Result<Vec<Submission>> {
    current_in(&app.db.conn(), span)
}

/// [`current`] from a connection: `sozialraum export` reads a database the
/// server may hold open, without an [`App`].
pub fn current_in(conn: &rusqlite::Connection, span: &Span) -> rusqlite::Result<Vec<Submission>> {
    let mut subs: Vec<Submission> = db::submissions(conn, None)?
        .into_iter()
        .filter(|s| s.status == Status::Submitted && span.contains(s.year, s.quarter))
        .collect();
    subs.sort_by(|a, b| (&a.provider, a.quarter).cmp(&(&b.provider, b.quarter)));
    Ok(subs)
}

#[derive(Debug, thiserror::Error)]
pub enum PeriodError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// A stored file is missing or does not match its digest.
    #[error("stored file of submission {receipt}: {source}")]
    Store {
        receipt: String,
        source: std::io::Error,
    },
}

/// A consolidation of the current submissions of `span`, each source with
/// the receipt number of its submission.
pub struct PeriodConsolidation {
    pub span: Span,
    pub submissions: Vec<Submission>,
    pub consolidation: Consolidation,
}

/// Checks the current submissions of `span` again from the store, in the
/// worker, and consolidates them (blocking: call it in `spawn_blocking`,
/// under a slot of `app.checks`). The files are checked in parallel on the
/// global rayon pool, so all consolidations together run at most one check
/// per core; each file is read from the store only for its own check, so
/// memory holds a few files at a time, not the period.
pub fn consolidate(app: &App, span: &Span, lang: Lang) -> Result<PeriodConsolidation, PeriodError> {
    let subs = current(app, span)?;
    let opts = Options {
        lang,
        keep_records: true,
    };
    let outcomes: Vec<FileOutcome> = subs
        .par_iter()
        .map(|s| {
            let bytes = app
                .store
                .get(&s.sha256)
                .map_err(|source| PeriodError::Store {
                    receipt: s.receipt.clone(),
                    source,
                })?;
            Ok(crate::worker::check_upload(
                &bytes,
                &export_name(s),
                &app.cfg,
                opts,
                &app.iso,
            ))
        })
        .collect::<Result<_, PeriodError>>()?;
    let copts = consolidate::Options {
        year: Some(span.year),
        quarters: Some(span.quarters.clone()),
        prefer_newest: false,
    };
    let mut consolidation = consolidate::consolidate(outcomes, &app.cfg, &copts, lang);
    attach_receipts(&mut consolidation, &subs);
    Ok(PeriodConsolidation {
        span: span.clone(),
        submissions: subs,
        consolidation,
    })
}

/// Gives each source the receipt of the submission it was checked from:
/// the one with its name (unique per provider and quarter) and SHA-256 (the
/// same file), or its name alone when the worker could not say the digest
/// (a file it could not read still names its receipt).
fn attach_receipts(c: &mut Consolidation, subs: &[Submission]) {
    for src in &mut c.sources {
        let report = &src.outcome.report;
        src.receipt = subs
            .iter()
            .find(|s| {
                export_name(s) == report.path
                    && report.sha256.as_deref().is_none_or(|sha| sha == s.sha256)
            })
            .map(|s| s.receipt.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_is_one_quarter_a_range_a_list_or_the_year() {
        let s = |q: Option<&str>, qs: Option<&str>| Span::parse(2026, q, qs);
        assert_eq!(s(Some("3"), None).unwrap().quarters, vec![3]);
        assert_eq!(s(None, Some("1-3")).unwrap().quarters, vec![1, 2, 3]);
        assert_eq!(s(None, Some("4,1,1")).unwrap().quarters, vec![1, 4]);
        assert_eq!(s(None, None).unwrap().quarters, vec![1, 2, 3, 4]);
        assert_eq!(s(None, Some("1-3")).unwrap().label(), "2026-Q1-Q3");
        assert_eq!(s(None, Some("1,4")).unwrap().label(), "2026-Q1+Q4");
        assert_eq!(s(Some("2"), None).unwrap().label(), "2026-Q2");
        assert_eq!(s(None, Some("1–3")).unwrap().quarters, vec![1, 2, 3]);
        for bad in [
            s(Some("5"), None),
            s(Some("x"), None),
            s(None, Some("3-1")),
            s(None, Some("")),
            s(Some("1"), Some("2")),
            s(None, Some("1,,2")),
            s(None, Some("1-2-3")),
            Span::parse(1900, Some("1"), None),
        ] {
            assert_eq!(bad, None);
        }
    }
}
