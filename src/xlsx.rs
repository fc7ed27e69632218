//! Shared helpers for the workbooks we write: safe sheet names, severity
//! colours, deterministic properties and the atomic save every output takes.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Color, DocProperties, Format, FormatBorder, Workbook};
use thiserror::Error;

use crate::finding::Severity;
use crate::i18n::{t, Lang};
use crate::read::sniff::OwnOutput;

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("{path}: die Ausgabe wäre die Eingabedatei selbst; Eingaben werden nie überschrieben")]
    SameAsInput { path: String },
    #[error("{path}: die Datei gibt es schon; sie wird nicht ersetzt")]
    Exists { path: String },
    #[error("{path}: die Ausgabe ist eine .xlsx-Arbeitsmappe und braucht die Endung .xlsx")]
    NotXlsx { path: String },
    #[error("{path}: kann nicht geschrieben werden: {message}")]
    Io {
        path: String,
        kind: std::io::ErrorKind,
        message: String,
    },
    #[error("Arbeitsmappe kann nicht erzeugt werden: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

impl WriteError {
    fn io(path: &Path, e: &std::io::Error) -> WriteError {
        WriteError::Io {
            path: path.display().to_string(),
            kind: e.kind(),
            message: e.to_string(),
        }
    }

    /// The message in the user's language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            WriteError::SameAsInput { path } => format!(
                "{path}: {}",
                t(
                    lang,
                    "die Ausgabe wäre eine Eingabedatei; Eingaben werden nie überschrieben, auch nicht mit --force",
                    "the output would be an input file; inputs are never overwritten, not even with --force"
                )
            ),
            WriteError::Exists { path } => format!(
                "{path}: {}",
                t(
                    lang,
                    "die Datei gibt es schon; sie wird nicht ersetzt",
                    "the file exists; it is not replaced"
                )
            ),
            WriteError::NotXlsx { path } => format!(
                "{path}: {}",
                t(
                    lang,
                    "geschrieben wird eine .xlsx-Arbeitsmappe; der Name muss auf .xlsx enden",
                    "the output is an .xlsx workbook; its name must end in .xlsx"
                )
            ),
            WriteError::Io {
                path,
                kind,
                message,
            } => format!(
                "{path}: {} ({})",
                t(lang, "kann nicht geschrieben werden", "cannot be written"),
                crate::i18n::io_kind(lang, *kind).unwrap_or(message)
            ),
            WriteError::Xlsx(e) => format!(
                "{}: {e}",
                t(lang, "Arbeitsmappe kann nicht erzeugt werden", "workbook cannot be created")
            ),
        }
    }

    /// What the user can do about it.
    pub fn help(&self, lang: Lang) -> Option<&'static str> {
        match self {
            WriteError::SameAsInput { .. } => Some(t(
                lang,
                "Einen anderen Ausgabenamen wählen.",
                "Choose another output name.",
            )),
            WriteError::Exists { .. } => Some(t(
                lang,
                "Einen anderen Namen wählen, die Datei vorher verschieben, oder --force, um sie zu ersetzen.",
                "Choose another name, move the file first, or give --force to replace it.",
            )),
            WriteError::NotXlsx { .. } => Some(t(
                lang,
                "z. B. Kreis_2026-Q3.xlsx",
                "e.g. Kreis_2026-Q3.xlsx",
            )),
            _ => None,
        }
    }

    /// The error as the diagnostic a command ends with (exit code 2).
    pub fn report(&self, lang: Lang) -> miette::Report {
        match self.help(lang) {
            Some(help) => miette::miette!(help = help, "{}", self.message(lang)),
            None => miette::miette!("{}", self.message(lang)),
        }
    }
}

/// Fill colours: red for errors, yellow for warnings, light blue for infos.
pub fn severity_fill(s: Severity) -> Color {
    match s {
        Severity::Error => Color::RGB(0xFFC7CE),
        Severity::Warning => Color::RGB(0xFFEB9C),
        Severity::Info => Color::RGB(0xDDEBF7),
    }
}

pub fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xD9D9D9))
        .set_border_bottom(FormatBorder::Thin)
        .set_text_wrap()
}

/// Column widths taken from the longest value written to each column (as
/// the reader sees it), and header rows that wrap at word boundaries: each
/// column is at least as wide as the longest word of its header, and the
/// header row is as high as its most wrapped header needs. Deterministic:
/// the same values give the same widths.
#[derive(Debug, Default, Clone)]
pub struct ColumnWidths {
    chars: Vec<usize>,
    headers: Vec<(u32, u16, String)>,
    /// Columns whose content must never be cut (references, keys): their own maximum.
    max_of: Vec<(u16, f64)>,
}

/// Excel's width unit is one digit of the default font; bold headers and
/// capitals run a little wider, so every count gets a margin.
const CHAR_FACTOR: f64 = 1.15;
const PADDING: f64 = 3.0;
const LINE_HEIGHT: f64 = 15.0;

impl ColumnWidths {
    pub fn new() -> Self {
        Self::default()
    }

    fn slot(&mut self, col: u16) -> &mut usize {
        let i = usize::from(col);
        if self.chars.len() <= i {
            self.chars.resize(i + 1, 0);
        }
        &mut self.chars[i]
    }

    /// A value shown in `col` (its longest line).
    pub fn fit(&mut self, col: u16, shown: &str) {
        let n = shown.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        self.fit_len(col, n);
    }

    pub fn fit_len(&mut self, col: u16, n: usize) {
        let slot = self.slot(col);
        *slot = (*slot).max(n);
    }

    /// Writes a header cell (the format should wrap); the column gets at least its longest word.
    pub fn header(
        &mut self,
        ws: &mut rust_xlsxwriter::Worksheet,
        row: u32,
        col: u16,
        text: &str,
        format: &Format,
    ) -> Result<(), WriteError> {
        ws.write_string_with_format(row, col, text, format)?;
        let longest = text
            .split_whitespace()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0);
        self.fit_len(col, longest);
        self.headers.push((row, col, text.to_string()));
        Ok(())
    }

    /// Lets `col` grow to `max` instead of the sheet's maximum.
    pub fn allow(&mut self, col: u16, max: f64) {
        self.max_of.push((col, max));
    }

    /// The width of `col` in Excel units, between `min` and `max`.
    pub fn width(&self, col: u16, min: f64, max: f64) -> f64 {
        let max = self
            .max_of
            .iter()
            .rev()
            .find(|(c, _)| *c == col)
            .map_or(max, |(_, m)| m.max(min));
        let n = self.chars.get(usize::from(col)).copied().unwrap_or(0);
        let w = (n as f64 * CHAR_FACTOR + PADDING).clamp(min, max);
        (w * 4.0).ceil() / 4.0
    }

    /// Sets every column's width (`min`..=`max`) and the height of the header rows.
    pub fn apply(
        &self,
        ws: &mut rust_xlsxwriter::Worksheet,
        min: f64,
        max: f64,
    ) -> Result<(), WriteError> {
        for col in 0..self.chars.len() {
            let col = col as u16;
            ws.set_column_width(col, self.width(col, min, max))?;
        }
        let mut lines: std::collections::BTreeMap<u32, usize> = Default::default();
        for (row, col, text) in &self.headers {
            let room = ((self.width(*col, min, max) - PADDING) / CHAR_FACTOR).floor() as usize;
            let n = wrapped_lines(text, room.max(1));
            let slot = lines.entry(*row).or_default();
            *slot = (*slot).max(n);
        }
        for (row, n) in lines {
            ws.set_row_height(row, LINE_HEIGHT * n.max(1) as f64)?;
        }
        Ok(())
    }
}

/// Lines a text takes when wrapped at spaces into `room` characters.
pub fn wrapped_lines(text: &str, room: usize) -> usize {
    let mut lines = 0;
    let mut used = 0;
    for w in text.split_whitespace().map(|w| w.chars().count()) {
        if lines == 0 || used + 1 + w > room {
            lines += 1;
            used = w;
        } else {
            used += 1 + w;
        }
    }
    lines.max(1)
}

/// Makes sheet names valid and unique for Excel (≤ 31 characters, none of
/// `[]:*?/\`, no leading/trailing apostrophe, unique ignoring case).
pub struct SheetNames {
    used: HashSet<String>,
}

impl SheetNames {
    pub fn new() -> Self {
        SheetNames {
            used: HashSet::new(),
        }
    }

    pub fn reserve(&mut self, name: &str) -> String {
        let mut base: String = name
            .chars()
            .map(|c| {
                if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        base = base.trim_matches('\'').to_string();
        if base.trim().is_empty() {
            base = "Blatt".to_string();
        }
        let cut = |s: &str, n: usize| -> String {
            let mut out = String::new();
            for c in s.chars() {
                if out.encode_utf16().count() + c.len_utf16() > n {
                    break;
                }
                out.push(c);
            }
            out
        };
        let mut candidate = cut(&base, 31);
        let mut i = 2;
        while self.used.contains(&candidate.to_lowercase()) {
            let suffix = format!(" ({i})");
            candidate = format!("{}{}", cut(&base, 31 - suffix.len()), suffix);
            i += 1;
        }
        self.used.insert(candidate.to_lowercase());
        candidate
    }
}

impl Default for SheetNames {
    fn default() -> Self {
        Self::new()
    }
}

/// An internal link target as Excel writes it: `internal:'Sheet name'!H12`.
/// Always quoted: `rust_xlsxwriter::utility::quote_sheet_name` quotes only
/// where needed (`Prüfbericht` stays bare), which would change the link
/// targets of every workbook we write, not make them more correct.
pub fn internal_link(sheet: &str, a1: &str) -> String {
    format!("internal:'{}'!{}", sheet.replace('\'', "''"), a1)
}

/// Document properties with a fixed creation date, so equal inputs give equal
/// bytes, and the custom property that tells our own outputs from submissions
/// when they land in a folder that is scanned again.
pub fn properties(title: &str, created: chrono::NaiveDateTime, kind: OwnOutput) -> DocProperties {
    DocProperties::new()
        .set_title(title)
        .set_author("sozialraum")
        .set_creation_datetime(&created)
        .set_custom_property(OwnOutput::PROPERTY, kind.as_str())
}

/// Whether two paths name the same file (also through `..`, links, or a path
/// that does not exist yet).
pub fn same_file(a: &Path, b: &Path) -> bool {
    absolute(a) == absolute(b)
}

/// Refuses an output that is one of the inputs.
pub fn refuse_overwrite(out: &Path, inputs: &[PathBuf]) -> Result<(), WriteError> {
    if inputs.iter().any(|i| same_file(i, out)) {
        return Err(WriteError::SameAsInput {
            path: out.display().to_string(),
        });
    }
    Ok(())
}

/// Everything an output must pass before any work starts: never an input
/// (not even with `--force`), named `.xlsx` (what we write), and no existing
/// file replaced unless `force`.
pub fn guard_output(out: &Path, inputs: &[PathBuf], force: bool) -> Result<(), WriteError> {
    guard_named(out, inputs, force, &["xlsx"])
}

/// As [`guard_output`], for an annotated copy: `.xlsx`, or `.xlsm` for a
/// copy that keeps the workbook's macros.
pub fn guard_copy_output(out: &Path, inputs: &[PathBuf], force: bool) -> Result<(), WriteError> {
    guard_named(out, inputs, force, &["xlsx", "xlsm"])
}

fn guard_named(
    out: &Path,
    inputs: &[PathBuf],
    force: bool,
    extensions: &[&str],
) -> Result<(), WriteError> {
    refuse_overwrite(out, inputs)?;
    let xlsx = out
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)));
    if !xlsx {
        return Err(WriteError::NotXlsx {
            path: out.display().to_string(),
        });
    }
    if out.is_dir() {
        return Err(WriteError::Io {
            path: out.display().to_string(),
            kind: std::io::ErrorKind::IsADirectory,
            message: "is a directory".into(),
        });
    }
    if !force && (out.exists() || out.symlink_metadata().is_ok()) {
        return Err(WriteError::Exists {
            path: out.display().to_string(),
        });
    }
    Ok(())
}

fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let parent = p
        .parent()
        .filter(|x| !x.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (parent.canonicalize(), p.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => p.to_path_buf(),
    }
}

/// Saves a workbook through a temporary file in the target folder and a
/// rename, so a reader never sees a half-written file. Without `replace`, a
/// file that appeared at `out` meanwhile is left as it is (an error).
pub fn save_atomic(wb: &mut Workbook, out: &Path, replace: bool) -> Result<(), WriteError> {
    // Fast compression: the files are a little larger, written several times faster.
    wb.set_zip_compression_level(1);
    let bytes = wb.save_to_buffer()?;
    write_atomic(out, &bytes, replace)
}

/// The temporary file an output is written to before the rename: in the
/// target folder (so the rename is atomic), hidden, named after the process.
pub fn temp_path(out: &Path, pid: u32) -> PathBuf {
    let dir = out
        .parent()
        .filter(|x| !x.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "ausgabe".into());
    dir.join(format!(".{name}.tmp-{pid}"))
}

pub fn write_atomic(out: &Path, bytes: &[u8], replace: bool) -> Result<(), WriteError> {
    let tmp = temp_path(out, std::process::id());
    crate::interrupt::register_temp(&tmp);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        place(&tmp, out, replace)
    })();
    crate::interrupt::unregister_temp(&tmp);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(WriteError::Exists {
                path: out.display().to_string(),
            });
        }
        return Err(WriteError::io(out, &e));
    }
    Ok(())
}

/// Moves the finished temporary file to its name. Without `replace` a hard
/// link does it, which fails on an existing name instead of replacing it (no
/// window between a check and the rename); filesystems without hard links get
/// the check and the rename.
pub fn place(tmp: &Path, out: &Path, replace: bool) -> std::io::Result<()> {
    if replace {
        return std::fs::rename(tmp, out);
    }
    match std::fs::hard_link(tmp, out) {
        Ok(()) => {
            let _ = std::fs::remove_file(tmp);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if out.symlink_metadata().is_ok() => {
            Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists))
        }
        Err(_) => std::fs::rename(tmp, out),
    }
}

/// The columns of a findings table, as the JSON finding names them.
pub fn finding_headers(lang: crate::i18n::Lang) -> [&'static str; 9] {
    use crate::i18n::t;
    [
        t(lang, "Schwere", "Severity"),
        t(lang, "Regel", "Rule"),
        "Code",
        t(lang, "Blatt", "Sheet"),
        t(lang, "Zelle", "Cell"),
        t(lang, "Spalte", "Column"),
        t(lang, "Wert", "Value"),
        t(lang, "Meldung", "Message"),
        t(lang, "Hinweis", "Hint"),
    ]
}

/// The `Befunde` sheet of the district and controlling workbooks: one row per
/// finding with the file it concerns, autofilter, frozen header, severity colour.
pub fn findings_sheet(
    name: &str,
    rows: &[(String, &crate::finding::Finding)],
    texts: crate::finding::Texts,
) -> Result<rust_xlsxwriter::Worksheet, WriteError> {
    let lang = texts.lang;
    use crate::finding::severity_word;
    use crate::i18n::t;
    let mut ws = rust_xlsxwriter::Worksheet::new();
    ws.set_name(name)?;
    let headers: Vec<&str> = std::iter::once(t(lang, "Datei", "File"))
        .chain(finding_headers(lang))
        .collect();
    let hf = header_format();
    for (i, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &hf)?;
    }
    let fills: Vec<(Severity, Format)> = [Severity::Error, Severity::Warning, Severity::Info]
        .into_iter()
        .map(|s| (s, Format::new().set_background_color(severity_fill(s))))
        .collect();
    for (i, (path, f)) in rows.iter().enumerate() {
        let r = 1 + i as u32;
        ws.write_string(r, 0, path)?;
        if let Some((_, fill)) = fills.iter().find(|(s, _)| *s == f.severity) {
            ws.write_string_with_format(r, 1, severity_word(lang, f.severity), fill)?;
        }
        ws.write_string(r, 2, f.rule.as_str())?;
        let (message, hint) = texts.of(f);
        ws.write_string(r, 3, f.code.as_ref())?;
        ws.write_string(r, 4, f.sheet.clone().unwrap_or_default())?;
        ws.write_string(r, 5, f.a1().unwrap_or_default())?;
        ws.write_string(r, 6, f.column.clone().unwrap_or_default())?;
        ws.write_string(r, 7, f.value.clone().unwrap_or_default())?;
        ws.write_string(r, 8, &message)?;
        ws.write_string(r, 9, hint.unwrap_or_default())?;
    }
    ws.autofilter(0, 0, rows.len() as u32, (headers.len() - 1) as u16)?;
    ws.set_freeze_panes(1, 0)?;
    for (i, w) in [40.0, 10.0, 12.0, 28.0, 16.0, 8.0, 20.0, 20.0, 80.0, 55.0]
        .iter()
        .enumerate()
    {
        ws.set_column_width(i as u16, *w)?;
    }
    Ok(ws)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_links_always_quote_the_sheet_name() {
        assert_eq!(
            internal_link("Prüfbericht", "A1"),
            "internal:'Prüfbericht'!A1"
        );
        assert_eq!(internal_link("Träger's", "H12"), "internal:'Träger''s'!H12");
    }

    #[test]
    fn sheet_names_are_made_valid_and_unique() {
        let mut n = SheetNames::new();
        assert_eq!(n.reserve("Fallarbeit"), "Fallarbeit");
        assert_eq!(n.reserve("fallarbeit"), "fallarbeit (2)");
        assert_eq!(n.reserve("a/b:c"), "a_b_c");
        assert_eq!(n.reserve("'x'"), "x");
        let long = n.reserve(&"L".repeat(40));
        assert_eq!(long.chars().count(), 31);
    }

    #[test]
    fn headers_wrap_at_spaces_and_columns_fit_their_longest_value() {
        assert_eq!(wrapped_lines("Budget anteilig", 15), 1);
        assert_eq!(wrapped_lines("Budget anteilig", 10), 2);
        assert_eq!(wrapped_lines("Gebucht auf Sozialraum", 11), 2);
        let mut w = ColumnWidths::new();
        w.fit(0, "T01_2026-Q3.xlsx:Fallarbeit!12");
        w.fit(1, "x");
        assert!(w.width(0, 8.0, 60.0) >= 30.0 * CHAR_FACTOR);
        assert_eq!(w.width(1, 8.0, 60.0), 8.0);
        assert_eq!(w.width(2, 8.0, 60.0), 8.0);
    }
}
