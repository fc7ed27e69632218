//! What the templates show, prepared in the reader's language: the frame of
//! every page, findings grouped by sheet, the verdict, receipts and lists.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::db::{self, Account, Role, Status, Submission};
use super::http;
use super::text::{self, words, Words};
use crate::finding::{FileReport, Finding, Severity, Summary};
use crate::i18n::Lang;
use crate::registry;

/// The parts every page shares.
pub struct Frame {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub w: &'static Words,
    pub district: String,
    /// The logged-in account, for the navigation.
    pub user: Option<NavUser>,
    /// Which navigation entry is this page.
    pub current: &'static str,
    /// This page's path, for the language switch to come back to.
    pub here: String,
}

pub struct NavUser {
    pub login: String,
    pub provider: Option<String>,
    pub csrf: String,
    pub may_submit: bool,
    /// Office and controlling: the status board and what hangs off it.
    pub oversees: bool,
}

impl Frame {
    pub fn new(lang: Lang, district: &str, current: &'static str, here: &str) -> Frame {
        Frame {
            lang: lang.as_str(),
            other_lang: match lang {
                Lang::De => "en",
                Lang::En => "de",
            },
            w: words(lang),
            district: district.to_string(),
            user: None,
            current,
            here: here.to_string(),
        }
    }

    pub fn with_user(mut self, account: &Account, csrf: &str) -> Frame {
        self.user = Some(NavUser {
            login: account.login.clone(),
            provider: account.provider.clone(),
            csrf: csrf.to_string(),
            may_submit: account.role == Role::Provider,
            oversees: matches!(account.role, Role::Office | Role::Controlling),
        });
        self
    }
}

/// One finding as a table row.
pub struct FindingRow {
    pub severity: &'static str,
    pub class: &'static str,
    pub code: String,
    pub cell: String,
    pub column: String,
    pub message: String,
    pub hint: String,
}

/// The findings of one sheet (or of the file as a whole): errors and
/// warnings shown, infos folded away as in the annotated copy.
pub struct SheetGroup {
    pub title: String,
    pub counts: String,
    pub rows: Vec<FindingRow>,
    pub infos: Vec<FindingRow>,
    pub infos_label: String,
    errors: usize,
    warnings: usize,
}

fn class_of(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn row(f: &Finding, lang: Lang) -> FindingRow {
    let (message, hint) = registry::render(f, lang);
    FindingRow {
        severity: crate::finding::severity_word(lang, f.severity),
        class: class_of(f.severity),
        code: f.code.to_string(),
        cell: f.a1().unwrap_or_default(),
        column: f.column.as_deref().unwrap_or_default().to_string(),
        message,
        hint: hint.unwrap_or_default(),
    }
}

/// Findings grouped by sheet in the order the sheets first appear; groups
/// with errors come first, then those with warnings; inside a group errors
/// before warnings, each in the order found (row by row).
pub fn groups(report: &FileReport, lang: Lang) -> Vec<SheetGroup> {
    let mut order: Vec<Option<&str>> = Vec::new();
    for f in &report.findings {
        let key = f.sheet.as_deref();
        if !order.contains(&key) {
            order.push(key);
        }
    }
    let mut out: Vec<SheetGroup> = order
        .into_iter()
        .map(|sheet| {
            let mut of_sheet: Vec<&Finding> = report
                .findings
                .iter()
                .filter(|f| f.sheet.as_deref() == sheet)
                .collect();
            of_sheet.sort_by_key(|f| f.severity);
            let summary = Summary::of(&of_sheet.iter().map(|f| (*f).clone()).collect::<Vec<_>>());
            let (shown, infos): (Vec<&Finding>, Vec<&Finding>) = of_sheet
                .into_iter()
                .partition(|f| f.severity != Severity::Info);
            SheetGroup {
                title: sheet
                    .map(str::to_string)
                    .unwrap_or_else(|| words(lang).file_level.to_string()),
                counts: text::counts(lang, &summary),
                rows: shown.into_iter().map(|f| row(f, lang)).collect(),
                infos_label: text::infos_label(lang, infos.len()),
                infos: infos.into_iter().map(|f| row(f, lang)).collect(),
                errors: summary.errors,
                warnings: summary.warnings,
            }
        })
        .collect();
    out.sort_by_key(|g| (g.errors == 0, g.warnings == 0));
    out
}

/// Whether a report holds personal data (any `privacy` finding).
pub fn has_privacy(report: &FileReport) -> bool {
    report
        .findings
        .iter()
        .any(|f| f.rule == crate::finding::Rule::Privacy)
}

/// The verdict box on top of a result.
pub struct Verdict {
    pub class: &'static str,
    pub headline: &'static str,
    pub counts: String,
    pub facts: Option<String>,
    pub sha256: String,
}

pub fn verdict(report: &FileReport, lang: Lang) -> Verdict {
    let w = words(lang);
    let (class, headline) = if has_privacy(report) {
        ("error", w.verdict_privacy)
    } else if report.summary.errors > 0 {
        ("error", w.verdict_error)
    } else if report.summary.warnings > 0 {
        ("warning", w.verdict_warn)
    } else {
        ("ok", w.verdict_ok)
    };
    let facts = match (&report.provider, report.year, report.quarter) {
        (Some(p), Some(y), Some(q)) => Some(format!(
            "{} {p} · {}",
            w.provider_label,
            text::period(lang, y, q)
        )),
        (Some(p), _, _) => Some(format!("{} {p}", w.provider_label)),
        _ => None,
    };
    Verdict {
        class,
        headline,
        counts: text::counts(lang, &report.summary),
        facts,
        sha256: report.sha256.clone().unwrap_or_default(),
    }
}

/// A stored time on German clocks (the district's, whatever zone the
/// server runs in), as the board and the deadlines show it too.
pub fn time(lang: Lang, stored: &str) -> String {
    let Some(t) = db::parse_time(stored) else {
        return stored.to_string();
    };
    let local = super::deadline::german(t);
    match lang {
        Lang::De => local.format("%d.%m.%Y, %H:%M:%S Uhr").to_string(),
        Lang::En => local.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

pub fn status_word(lang: Lang, s: Status) -> &'static str {
    let w = words(lang);
    match s {
        Status::Submitted => w.status_submitted,
        Status::Replaced => w.status_replaced,
        Status::Withdrawn => w.status_withdrawn,
    }
}

/// Whether `account` may download files of submissions it can see
/// (controlling sees findings and counts, not files).
pub fn may_download(account: &Account) -> bool {
    account.role != Role::Controlling
}

/// A submission as its receipt and list row show it.
pub struct SubmissionView {
    pub id: String,
    pub receipt: String,
    pub provider: String,
    pub period: String,
    pub submitted_at: String,
    pub file_name: String,
    pub size: String,
    pub sha256: String,
    pub account: String,
    pub counts: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub status_at: Option<String>,
    pub may_download: bool,
    pub has_annotated: bool,
    pub may_withdraw: bool,
}

pub fn submission(s: &Submission, viewer: &Account, lang: Lang) -> SubmissionView {
    SubmissionView {
        id: s.id.clone(),
        receipt: s.receipt.clone(),
        provider: s.provider.clone(),
        period: text::period(lang, s.year, s.quarter),
        submitted_at: time(lang, &s.submitted_at),
        file_name: s.file_name.clone(),
        size: text::size(lang, s.size),
        sha256: s.sha256.clone(),
        account: s.account.clone(),
        counts: text::counts(lang, &s.summary),
        status: status_word(lang, s.status),
        status_class: s.status.as_str(),
        status_at: s.status_at.as_deref().map(|t| time(lang, t)),
        may_download: may_download(viewer),
        has_annotated: s.annotated_sha256.is_some(),
        may_withdraw: viewer.role == Role::Provider && s.status == Status::Submitted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{CellPos, Rule};

    fn finding(sev: Severity, sheet: Option<&str>, row: u32) -> Finding {
        Finding {
            severity: sev,
            rule: Rule::Range,
            code: "RANGE-NUMBER".into(),
            sheet: sheet.map(Into::into),
            cell: Some(CellPos::new(row, 1)),
            column: Some("Sozialraum".into()),
            value: None,
            args: vec![],
            path: None,
        }
    }

    #[test]
    fn groups_put_sheets_with_errors_first_and_fold_infos() {
        let findings = vec![
            finding(Severity::Warning, Some("Deckblatt"), 3),
            finding(Severity::Info, Some("Fallarbeit"), 2),
            finding(Severity::Warning, Some("Fallarbeit"), 4),
            finding(Severity::Error, Some("Fallarbeit"), 9),
        ];
        let report = FileReport {
            path: "x.xlsx".into(),
            sha256: None,
            provider: None,
            year: None,
            quarter: None,
            summary: Summary::of(&findings),
            findings,
        };
        let g = groups(&report, Lang::De);
        assert_eq!(g[0].title, "Fallarbeit");
        assert_eq!(g[0].rows.len(), 2);
        assert_eq!(g[0].rows[0].class, "error");
        assert_eq!(g[0].rows[0].cell, "B10");
        assert_eq!(g[0].infos.len(), 1);
        assert_eq!(g[1].title, "Deckblatt");
    }
}

/// A page rendered with its status; a template that fails is a `500` page.
pub fn render<T: Template>(status: StatusCode, t: &T, lang: Lang) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => http::internal(lang, &e),
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    frame: Frame,
    title: &'static str,
    text: String,
    class: &'static str,
    back_href: &'static str,
    back_label: &'static str,
}

/// A page that says one thing (not found, not allowed, too large, busy),
/// with one link back (`back`: where to, and its words); `503` carries
/// `Retry-After`.
pub fn message(
    frame: Frame,
    lang: Lang,
    status: StatusCode,
    title: &'static str,
    text: String,
    back: (&'static str, &'static str),
) -> Response {
    let page = MessagePage {
        frame,
        title,
        text,
        class: if status.is_success() { "ok" } else { "error" },
        back_href: back.0,
        back_label: back.1,
    };
    let r = render(status, &page, lang);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        http::with_retry_after(r)
    } else {
        r
    }
}
