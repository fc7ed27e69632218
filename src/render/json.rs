//! `--format json`: one document for all files, as `rules.md` specifies.

use serde::Serialize;

use crate::finding::FileReport;

#[derive(Serialize)]
struct CheckDocument<'a> {
    files: &'a [FileReport],
}

pub fn check_document(files: &[FileReport]) -> String {
    serde_json::to_string_pretty(&CheckDocument { files })
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
