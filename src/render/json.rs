//! `--format json`: one document for all files, as `rules.md` specifies.

use serde::Serialize;

use crate::finding::{FileReport, Skipped};

#[derive(Serialize)]
struct CheckDocument<'a> {
    files: &'a [FileReport],
    skipped: &'a [Skipped],
}

pub fn check_document(files: &[FileReport], skipped: &[Skipped]) -> String {
    serde_json::to_string_pretty(&CheckDocument { files, skipped })
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
