//! The `consolidate --format json` document (contract: `domain/rules.md`),
//! written for the command line and for the portal's
//! `/api/v1/district.json` alike.

use serde::Serialize;

use crate::coerce::number::format_json;
use crate::consolidate::{Consolidation, Status};
use crate::finding::Skipped;
use crate::i18n::Lang;

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    /// The portal's receipt number; only a file from the portal has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<&'a str>,
    sha256: Option<&'a str>,
    provider: Option<&'a str>,
    year: Option<i32>,
    quarter: Option<u8>,
    status: Status,
    /// Why a file does not count as it is (rejected, excluded, a fact taken from its name).
    reason: Option<&'a str>,
    rows: std::collections::BTreeMap<String, usize>,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct JsonTotal<'a> {
    provider: &'a str,
    year: i32,
    quarter: u8,
    sozialraum: Option<&'a str>,
    category: &'a str,
    amount: String,
    rows: usize,
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    output: Option<&'a str>,
    files: Vec<JsonFile<'a>>,
    totals: Vec<JsonTotal<'a>>,
    grand_total: String,
    findings: Vec<crate::render::json::FindingJson<'a>>,
    skipped: &'a [Skipped],
}

/// The document of consolidation `c`: `output` is the workbook written (if
/// any), `skipped` the inputs that were no workbooks.
pub fn document(
    c: &Consolidation,
    output: Option<&str>,
    skipped: &[Skipped],
    lang: Lang,
) -> String {
    let doc = JsonDoc {
        output,
        files: c
            .sources
            .iter()
            .map(|s| {
                let r = &s.outcome.report;
                JsonFile {
                    path: &r.path,
                    receipt: s.receipt.as_deref(),
                    sha256: r.sha256.as_deref(),
                    provider: r.provider.as_deref(),
                    year: r.year,
                    quarter: r.quarter,
                    status: s.status,
                    reason: s.reason.as_deref(),
                    rows: s.rows(),
                    errors: r.summary.errors,
                    warnings: r.summary.warnings,
                }
            })
            .collect(),
        totals: c
            .totals
            .iter()
            .map(|(k, v)| JsonTotal {
                provider: &k.provider,
                year: k.year,
                quarter: k.quarter,
                sozialraum: k.sozialraum.as_deref(),
                category: &k.category,
                amount: format_json(v.amount),
                rows: v.rows,
            })
            .collect(),
        grand_total: format_json(c.grand_total()),
        findings: crate::render::json::findings(&c.findings, lang),
        skipped,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
