//! One file through the stages: read → locate → coerce → rules → findings.
//! Every command builds on `check_path`; nothing here knows a screen.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, SheetKind};
use crate::finding::arg::Both;
use crate::finding::violation::Message;
use crate::finding::{FileReport, Finding, Summary};
use crate::i18n::Lang;
use crate::read::sniff::OwnOutput;
use crate::read::{sniff, RawCell, ReadError, Workbook};
use crate::rules::file::{
    FileBudgetPlan, FileDamaged, FileEmpty, FileEncrypted, FileExtension, FileLimit, FileOwnOutput,
    FileUnreadable, SheetExtra, SheetMissing,
};
use crate::rules::table::{TableChecker, TableResult};
use crate::rules::{form, Cover, Ctx};
use crate::text::header_key;

/// Options for checking one file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub lang: Lang,
    /// Keep every data row (for consolidation), not only the findings.
    pub keep_records: bool,
}

/// Everything checking a file produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileOutcome {
    pub report: FileReport,
    /// The submission's facts as read from its cover sheet (and file name).
    pub cover: Cover,
    /// Per configured table sheet name: what was read.
    pub tables: Vec<(String, TableResult)>,
    /// Whether the file could be read at all.
    pub readable: bool,
    /// The annotated copy, when one was asked for: its path, or why it failed.
    #[serde(default)]
    pub annotated: Option<Result<String, String>>,
    /// What the file turned out to be: a spreadsheet, none at all, or one of our own outputs.
    #[serde(default)]
    pub nature: Nature,
}

/// What a file turned out to be, by its bytes. Folder scans skip what is not
/// a submission (see `cmd::inputs`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    #[default]
    Spreadsheet,
    NotSpreadsheet(sniff::NotSpreadsheet),
    Own(sniff::OwnOutput),
}

/// Checks the file at `path` (in this process: see `worker` for the
/// guarded way that untrusted files take).
pub fn check_path(path: &Path, shown: &str, cfg: &Config, opts: Options) -> FileOutcome {
    let mut ctx = Ctx::new(cfg, opts.lang);
    let fail =
        |ctx: Ctx, err: ReadError, sha: Option<String>| outcome_of_failure(ctx, shown, sha, err);
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return fail(ctx, ReadError::Unreadable(e.to_string()), None),
    };
    if meta.is_dir() {
        return fail(
            ctx,
            ReadError::Empty(crate::i18n::t(opts.lang, "ein Verzeichnis", "a directory").into()),
            None,
        );
    }
    if meta.len() == 0 {
        return fail(ctx, ReadError::Empty("0 Byte".into()), None);
    }
    if meta.len() > cfg.limits.max_file_bytes {
        let err = ReadError::Limit {
            detail: format!(
                "{} MiB (Grenze {} MiB)",
                meta.len() >> 20,
                cfg.limits.max_file_bytes >> 20
            ),
            limit: "max_file_bytes",
        };
        return fail(ctx, err, None);
    }
    let sha = match sha256_file(path) {
        Ok(s) => s,
        Err(e) => return fail(ctx, ReadError::Unreadable(e.to_string()), None),
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return fail(ctx, ReadError::Unreadable(e.to_string()), Some(sha)),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut reader = BufReader::with_capacity(1 << 16, file);
    match check_reader(&mut ctx, &mut reader, Source::Path(path), &file_name, opts) {
        Ok(tables) => finish(ctx, shown, Some(sha), tables, true),
        Err(e) => {
            ctx.findings.clear();
            fail(ctx, e, Some(sha))
        }
    }
}

/// Checks a workbook held in memory (uploads, fuzzing).
pub fn check_bytes(bytes: &[u8], shown: &str, cfg: &Config, opts: Options) -> FileOutcome {
    // A reader may panic on a crafted file (calamine asserts); the file fails, not the caller.
    let guarded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check_bytes_unguarded(bytes, shown, cfg, opts)
    }));
    guarded.unwrap_or_else(|_| {
        let err = ReadError::Unreadable("das Leseprogramm brach bei dieser Datei ab".into());
        outcome_of_failure(
            Ctx::new(cfg, opts.lang),
            shown,
            Some(hex(&Sha256::digest(bytes))),
            err,
        )
    })
}

fn check_bytes_unguarded(bytes: &[u8], shown: &str, cfg: &Config, opts: Options) -> FileOutcome {
    let mut ctx = Ctx::new(cfg, opts.lang);
    let sha = hex(&Sha256::digest(bytes));
    if bytes.is_empty() {
        return outcome_of_failure(ctx, shown, Some(sha), ReadError::Empty("0 Byte".into()));
    }
    let mut cursor = std::io::Cursor::new(bytes);
    match check_reader(&mut ctx, &mut cursor, Source::Bytes(bytes), shown, opts) {
        Ok(tables) => finish(ctx, shown, Some(sha), tables, true),
        Err(e) => {
            ctx.findings.clear();
            outcome_of_failure(ctx, shown, Some(sha), e)
        }
    }
}

/// Where a file's bytes are, so that a second reader can be opened on them.
#[derive(Clone, Copy)]
enum Source<'a> {
    Path(&'a Path),
    Bytes(&'a [u8]),
}

impl Source<'_> {
    fn verify_parts(self, limits: &crate::config::Limits) -> Result<Vec<String>, ReadError> {
        match self {
            Source::Path(p) => {
                let f = File::open(p).map_err(|e| ReadError::Unreadable(e.to_string()))?;
                sniff::verify_parts(BufReader::with_capacity(1 << 16, f), limits)
            }
            Source::Bytes(b) => sniff::verify_parts(std::io::Cursor::new(b), limits),
        }
    }
}

/// Sniffs the container, verifies the bytes of every zip part (checksums,
/// XML, cell references) and reads the sheets: from a megabyte of parts the
/// verification runs on a second thread alongside the reading (the two take
/// about as long), below it first. A part that fails the verification decides
/// the outcome, whatever the reading found or did.
fn check_reader<R: Read + Seek>(
    ctx: &mut Ctx,
    reader: &mut R,
    source: Source,
    file_name: &str,
    opts: Options,
) -> Result<Vec<(String, TableResult)>, ReadError> {
    let limits = &ctx.cfg.limits;
    let sniffed = sniff::sniff_to(reader, limits, sniff::Depth::Container)?;
    // A second thread pays off from about a megabyte of XML to verify; for a
    // small file (most submissions, every file of a consolidation) the parts
    // are verified first, on this thread.
    let verify_first = sniffed.verify_bytes < VERIFY_ALONGSIDE_FROM;
    let zipped = sniffed.format != sniff::Format::Xls;
    if zipped && verify_first {
        let damage = source.verify_parts(limits)?;
        let tables = read_sheets(ctx, reader, sniffed, file_name, opts)?;
        push_damage(ctx, damage);
        return Ok(tables);
    }
    let (damage, read) = std::thread::scope(|s| {
        let spawned = zipped.then(|| {
            std::thread::Builder::new()
                .name("verify".into())
                .spawn_scoped(s, || source.verify_parts(limits))
        });
        // Without a second thread (a tight memory limit) the parts are verified first.
        let verified_first = match &spawned {
            Some(Err(_)) => Some(source.verify_parts(limits)?),
            _ => None,
        };
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_sheets(ctx, reader, sniffed, file_name, opts)
        }));
        let damage = match (spawned, verified_first) {
            (Some(Ok(handle)), _) => handle.join().unwrap_or_else(|_| {
                Err(ReadError::Unreadable(
                    "die Prüfung des ZIP-Containers brach ab".into(),
                ))
            })?,
            (_, Some(damage)) => damage,
            _ => Vec::new(),
        };
        Ok::<_, ReadError>((damage, read))
    })?;
    let tables = match read {
        Ok(tables) => tables?,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    push_damage(ctx, damage);
    Ok(tables)
}

/// The names the annotated copy gives its check report (German, English).
pub const REPORT_SHEETS: [&str; 2] = ["Prüfbericht", "Check report"];

/// Unpacked bytes to verify from which the verification runs on a second thread.
const VERIFY_ALONGSIDE_FROM: u64 = 1 << 20;

/// The verification's damage as `FILE-DAMAGED` warnings, leading the report
/// as file-level findings do.
fn push_damage(ctx: &mut Ctx, damage: Vec<String>) {
    let damaged: Vec<Finding> = damage
        .into_iter()
        .map(|d| FileDamaged { detail: same(d) }.finding().build())
        .collect();
    ctx.findings.splice(0..0, damaged);
}

/// Everything after the sniff: the sheets assigned, read and checked.
fn read_sheets<R: Read + Seek>(
    ctx: &mut Ctx,
    reader: &mut R,
    sniffed: sniff::Sniffed,
    file_name: &str,
    opts: Options,
) -> Result<Vec<(String, TableResult)>, ReadError> {
    let cfg = ctx.cfg;
    let mut wb = Workbook::open(reader, sniffed.format)?;
    wb.uncalculated = sniffed.uncalculated;
    let ext = std::path::Path::new(file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let expected_ext: &[&str] = match sniffed.format {
        sniff::Format::Xlsx => &["xlsx", "xlsm"],
        sniff::Format::Xlsb => &["xlsb"],
        sniff::Format::Xls => &["xls"],
        sniff::Format::Ods => &["ods"],
    };
    if !ext.is_empty() && !expected_ext.contains(&ext.as_str()) {
        let m = FileExtension {
            reading: sniffed.format.as_str().to_string(),
        };
        let f = m.finding().value(ext).build();
        ctx.push(f);
    }
    for d in sniffed.damage {
        let f = FileDamaged { detail: same(d) }.finding().build();
        ctx.push(f);
    }
    ctx.is_1904 = wb.is_1904;
    ctx.own = sniffed.own;
    if let Some(own @ (OwnOutput::DistrictWorkbook | OwnOutput::ControllingWorkbook)) = ctx.own {
        let m = FileOwnOutput {
            reading: Both::of(|l| own.label(l).to_string()),
        };
        let f = m.finding().build();
        ctx.push(f);
        return Ok(Vec::new());
    }
    // The check report of an annotated copy is ours, not the provider's.
    let report_sheets: Vec<String> = match ctx.own {
        Some(OwnOutput::AnnotatedCopy) => wb
            .sheets
            .iter()
            .filter(|s| {
                REPORT_SHEETS
                    .iter()
                    .any(|r| header_key(r) == header_key(&s.name))
            })
            .map(|s| s.name.clone())
            .collect(),
        _ => Vec::new(),
    };
    for name in &report_sheets {
        let f = crate::rules::file::FileAnnotatedCopy {}
            .finding()
            .sheet(name.clone())
            .build();
        ctx.push(f);
    }

    // A budget plan is recognised, not reported as a broken submission.
    if let Some(budget) = &cfg.budget {
        let is_budget = wb
            .sheets
            .iter()
            .any(|s| crate::text::header_key(&s.name) == crate::text::header_key(&budget.sheet));
        let has_submission_sheet = wb
            .sheets
            .iter()
            .any(|s| cfg.sheets.iter().any(|c| c.matches_name(&s.name)));
        if is_budget && !has_submission_sheet {
            let m = FileBudgetPlan {
                sheet: budget.sheet.clone(),
            };
            let f = m.finding().build();
            ctx.push(f);
            return Ok(Vec::new());
        }
    }
    // Which workbook sheet is which configured sheet.
    let mut assigned: HashMap<&str, String> = HashMap::new();
    for info in wb
        .sheets
        .iter()
        .filter(|s| !report_sheets.contains(&s.name))
    {
        match cfg
            .sheets
            .iter()
            .find(|s| s.matches_name(&info.name) && !assigned.contains_key(s.name.as_str()))
        {
            Some(s) => {
                assigned.insert(s.name.as_str(), info.name.clone());
            }
            None => {
                let f = SheetExtra {}.finding().sheet(info.name.clone()).build();
                ctx.push(f);
            }
        }
    }
    let present: Vec<String> = wb.sheets.iter().map(|s| s.name.clone()).collect();
    for s in &cfg.sheets {
        if s.required && !assigned.contains_key(s.name.as_str()) {
            let m = SheetMissing {
                present: present.clone(),
            };
            let f = m.finding().sheet(s.name.clone()).build();
            ctx.push(f);
        }
    }

    // The cover first: its facts decide how the tables are checked.
    // Without a cover sheet the file name alone can say whose and which quarter.
    match cfg
        .cover()
        .and_then(|c| Some((c, assigned.get(c.name.as_str())?)))
    {
        Some((cover, actual)) => {
            let rows = read_form_rows(&mut wb, actual, cover.last_row, cfg)?;
            form::check_cover(ctx, cover, actual, &rows, file_name);
        }
        None => form::facts_from_file_name(ctx, file_name, &|_| None),
    }
    let mut tables = Vec::new();
    for sheet in cfg.tables() {
        let Some(actual) = assigned.get(sheet.name.as_str()) else {
            continue;
        };
        let mut checker = TableChecker::new(sheet, actual, opts.keep_records);
        wb.for_each_row(actual, &cfg.limits, |row, cells| {
            checker.feed(ctx, row, cells);
            true
        })?;
        tables.push((sheet.name.clone(), checker.finish(ctx)));
    }
    let by_name: HashMap<String, TableResult> = tables.iter().cloned().collect();
    for sheet in cfg
        .sheets
        .iter()
        .filter(|s| s.kind == SheetKind::Form && !s.sums.is_empty())
    {
        let Some(actual) = assigned.get(sheet.name.as_str()) else {
            continue;
        };
        let rows = read_form_rows(&mut wb, actual, sheet.last_row, cfg)?;
        form::check_sums(ctx, sheet, actual, &rows, &by_name);
    }
    // Sheets no rule reads are still read through once: a corrupt part is a
    // broken file, even where it holds nothing the district needs.
    let assigned_names: Vec<&String> = assigned.values().collect();
    let extra: Vec<String> = wb
        .sheets
        .iter()
        .filter(|s| {
            s.is_worksheet && !assigned_names.contains(&&s.name) && !report_sheets.contains(&s.name)
        })
        .map(|s| s.name.clone())
        .collect();
    for name in extra {
        match wb.for_each_row(&name, &cfg.limits, |_, _| true) {
            Ok(()) => {}
            Err(ReadError::Unreadable(d)) => {
                let detail =
                    Both::of(|l| format!("{} „{name}“: {d}", crate::i18n::t(l, "Blatt", "Sheet")));
                let f = FileDamaged { detail }.finding().sheet(name.clone()).build();
                ctx.push(f);
            }
            Err(other) => return Err(other),
        }
    }
    form::check_file_name(ctx, file_name);
    sort_findings(&mut ctx.findings, &present);
    Ok(tables)
}

fn read_form_rows<R: Read + Seek>(
    wb: &mut Workbook<R>,
    sheet: &str,
    last_row: u32,
    cfg: &Config,
) -> Result<Vec<(u32, Vec<RawCell>)>, ReadError> {
    let mut rows = Vec::new();
    wb.for_each_row(sheet, &cfg.limits, |r, cells| {
        if r > last_row {
            return false;
        }
        rows.push((r, cells.to_vec()));
        true
    })?;
    Ok(rows)
}

/// File-level findings first, then by sheet in workbook order, row, column.
fn sort_findings(findings: &mut [Finding], sheet_order: &[String]) {
    findings.sort_by_key(|f| {
        let sheet_idx = f.sheet.as_ref().map(|s| {
            sheet_order
                .iter()
                .position(|x| x == s)
                .unwrap_or(usize::MAX - 1)
        });
        let pos = f.pos();
        (
            sheet_idx.map(|i| i + 1).unwrap_or(0),
            pos.map(|p| (p.row, p.col)),
        )
    });
}

fn finish(
    ctx: Ctx,
    shown: &str,
    sha: Option<String>,
    tables: Vec<(String, TableResult)>,
    readable: bool,
) -> FileOutcome {
    let nature = match ctx.own {
        Some(own) => Nature::Own(own),
        None => Nature::Spreadsheet,
    };
    let cover = ctx.cover.clone();
    let summary = Summary::of(&ctx.findings);
    FileOutcome {
        report: FileReport {
            path: shown.to_string(),
            sha256: sha,
            provider: cover.provider_id.clone(),
            year: cover.year,
            quarter: cover.quarter,
            findings: ctx.findings,
            summary,
        },
        cover,
        tables,
        readable,
        annotated: None,
        nature,
    }
}

/// The `file` finding for a file that could not be read.
pub fn file_finding(err: &ReadError) -> Finding {
    match err {
        ReadError::Encrypted => FileEncrypted {}.finding().build(),
        ReadError::Empty(d) => FileEmpty { detail: same(d) }.finding().build(),
        ReadError::Limit { detail, limit } => FileLimit {
            detail: same(detail),
            limit: limit.to_string(),
        }
        .finding()
        .build(),
        ReadError::Unreadable(d) => FileUnreadable { detail: same(d) }.finding().build(),
        ReadError::NotSpreadsheet(what) => FileUnreadable {
            detail: Both::of(|l| what.describe(l).to_string()),
        }
        .finding()
        .build(),
    }
}

/// A detail that has only one wording yet.
fn same(d: impl std::fmt::Display) -> Both {
    let d = d.to_string();
    Both {
        de: d.clone(),
        en: d,
    }
}

pub fn outcome_of_failure(
    mut ctx: Ctx,
    shown: &str,
    sha: Option<String>,
    err: ReadError,
) -> FileOutcome {
    let f = file_finding(&err);
    ctx.findings.push(f);
    let mut outcome = finish(ctx, shown, sha, Vec::new(), false);
    if let ReadError::NotSpreadsheet(what) = err {
        outcome.nature = Nature::NotSpreadsheet(what);
    }
    outcome
}

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
