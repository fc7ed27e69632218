//! `--format json`: the documents of `rules.md`, findings with their texts in
//! the chosen language.

use serde::Serialize;

use crate::finding::{FileReport, Finding, Rule, Severity, Skipped, Summary};
use crate::i18n::Lang;
use crate::registry;

/// A finding as the JSON contract shows it.
#[derive(Serialize)]
pub struct FindingJson<'a> {
    severity: Severity,
    rule: Rule,
    code: &'a str,
    sheet: Option<&'a str>,
    cell: Option<String>,
    column: Option<&'a str>,
    value: Option<&'a str>,
    message: String,
    hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

pub fn finding(f: &Finding, lang: Lang) -> FindingJson<'_> {
    let (message, hint) = registry::render(f, lang);
    FindingJson {
        severity: f.severity,
        rule: f.rule,
        code: &f.code,
        sheet: f.sheet.as_deref(),
        cell: f.a1(),
        column: f.column.as_deref(),
        value: f.value.as_deref(),
        message,
        hint,
        path: f.path.as_deref(),
    }
}

pub fn findings(fs: &[Finding], lang: Lang) -> Vec<FindingJson<'_>> {
    fs.iter().map(|f| finding(f, lang)).collect()
}

/// One `files[]` entry of the check document.
#[derive(Serialize)]
pub struct FileReportJson<'a> {
    path: &'a str,
    sha256: Option<&'a str>,
    provider: Option<&'a str>,
    year: Option<i32>,
    quarter: Option<u8>,
    findings: Vec<FindingJson<'a>>,
    summary: &'a Summary,
}

pub fn file_report(r: &FileReport, lang: Lang) -> FileReportJson<'_> {
    FileReportJson {
        path: &r.path,
        sha256: r.sha256.as_deref(),
        provider: r.provider.as_deref(),
        year: r.year,
        quarter: r.quarter,
        findings: findings(&r.findings, lang),
        summary: &r.summary,
    }
}

#[derive(Serialize)]
struct CheckDocument<'a> {
    files: Vec<FileReportJson<'a>>,
    skipped: &'a [Skipped],
}

fn check_doc<'a>(files: &'a [FileReport], skipped: &'a [Skipped], lang: Lang) -> CheckDocument<'a> {
    CheckDocument {
        files: files.iter().map(|r| file_report(r, lang)).collect(),
        skipped,
    }
}

pub fn check_document(files: &[FileReport], skipped: &[Skipped], lang: Lang) -> String {
    serde_json::to_string_pretty(&check_doc(files, skipped, lang))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Writes the [`check_document`] to `w` as it is made, with a final line
/// break: a big sheet's document is many megabytes, better not held whole.
pub fn write_check_document(
    mut w: impl std::io::Write,
    files: &[FileReport],
    skipped: &[Skipped],
    lang: Lang,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut w, &check_doc(files, skipped, lang))?;
    writeln!(w)
}
