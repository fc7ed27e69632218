//! One file through the stages: read → locate → coerce → rules → findings.
//! Every command builds on `check_path`; nothing here knows a screen.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, SheetKind};
use crate::finding::arg::Both;
use crate::finding::violation::Message;
use crate::finding::{FileReport, Finding, Summary};
use crate::i18n::Lang;
use crate::read::input::hex;
use crate::read::sniff::OwnOutput;
use crate::read::{
    sniff, Damage, Input, InputReader, RawCell, ReadError, Refused, Unreadable, Workbook,
};
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
    match Input::read_file(path, &cfg.limits) {
        Ok(input) => check_input(&input, &file_name_of(path), shown, cfg, opts),
        Err(refused) => refused_outcome(cfg, opts, shown, refused),
    }
}

/// Checks a workbook held in memory (uploads, fuzzing); `shown` names it
/// (its last component counts as the file name).
pub fn check_bytes(bytes: &[u8], shown: &str, cfg: &Config, opts: Options) -> FileOutcome {
    // A reader may panic on a crafted file (calamine asserts); the file fails, not the caller.
    let guarded =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            match Input::from_bytes(bytes, &cfg.limits) {
                Ok(input) => check_input(&input, &file_name_of(Path::new(shown)), shown, cfg, opts),
                Err(refused) => refused_outcome(cfg, opts, shown, refused),
            }
        }));
    guarded.unwrap_or_else(|_| {
        outcome_of_failure(
            Ctx::new(cfg, opts.lang),
            shown,
            Some(hex(&Sha256::digest(bytes))),
            Unreadable::ReaderAborted.into(),
        )
    })
}

/// Checks an input read already: `file_name` is what its name says
/// (extension, provider and quarter), `shown` how the report names it.
pub fn check_input(
    input: &Input,
    file_name: &str,
    shown: &str,
    cfg: &Config,
    opts: Options,
) -> FileOutcome {
    let mut ctx = Ctx::new(cfg, opts.lang);
    let sha = Some(input.sha256().to_string());
    match check_workbook(&mut ctx, input, file_name, opts) {
        Ok(tables) => finish(ctx, shown, sha, tables, true),
        Err(e) => {
            ctx.findings.clear();
            outcome_of_failure(ctx, shown, sha, e)
        }
    }
}

/// The last component of `path` (all of it when it has none).
pub fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| path.display().to_string())
}

/// The outcome of bytes that did not become an input.
pub fn refused_outcome(cfg: &Config, opts: Options, shown: &str, refused: Refused) -> FileOutcome {
    outcome_of_failure(
        Ctx::new(cfg, opts.lang),
        shown,
        refused.sha256,
        refused.error,
    )
}

/// Reads the sheets while the zip parts are verified (see
/// `Input::read_verified`); the verification's damage leads the report.
fn check_workbook(
    ctx: &mut Ctx,
    input: &Input,
    file_name: &str,
    opts: Options,
) -> Result<Vec<(String, TableResult)>, ReadError> {
    let limits = &ctx.cfg.limits;
    let (tables, damage) = input.read_verified(limits, |wb| {
        read_sheets(ctx, wb, input.sniffed(), file_name, opts)
    })?;
    push_damage(ctx, damage);
    Ok(tables)
}

/// The names the annotated copy gives its check report (German, English).
pub const REPORT_SHEETS: [&str; 2] = ["Prüfbericht", "Check report"];

/// The verification's damage as `FILE-DAMAGED` warnings, leading the report
/// as file-level findings do.
fn push_damage(ctx: &mut Ctx, damage: Vec<Damage>) {
    let damaged: Vec<Finding> = damage
        .iter()
        .map(|d| {
            FileDamaged {
                detail: Both::of(|l| d.describe(l)),
            }
            .finding()
            .build()
        })
        .collect();
    ctx.findings.splice(0..0, damaged);
}

/// Everything after the sniff: the sheets assigned, read and checked.
fn read_sheets(
    ctx: &mut Ctx,
    wb: &mut Workbook<InputReader<'_>>,
    sniffed: &sniff::Sniffed,
    file_name: &str,
    opts: Options,
) -> Result<Vec<(String, TableResult)>, ReadError> {
    let cfg = ctx.cfg;
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
    for d in &sniffed.damage {
        let f = FileDamaged {
            detail: Both::of(|l| d.describe(l)),
        }
        .finding()
        .build();
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
            let rows = read_form_rows(wb, actual, cover.last_row, cfg)?;
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
        let rows = read_form_rows(wb, actual, sheet.last_row, cfg)?;
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
            Err(ReadError::Unreadable(error)) => {
                let damage = Damage::Sheet {
                    sheet: name.clone(),
                    error,
                };
                let f = FileDamaged {
                    detail: Both::of(|l| damage.describe(l)),
                }
                .finding()
                .sheet(name.clone())
                .build();
                ctx.push(f);
            }
            Err(other) => return Err(other),
        }
    }
    form::check_file_name(ctx, file_name);
    sort_findings(&mut ctx.findings, &present);
    Ok(tables)
}

fn read_form_rows<R: std::io::Read + std::io::Seek>(
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
        ReadError::Empty(d) => FileEmpty {
            detail: Both::of(|l| d.describe(l).to_string()),
        }
        .finding()
        .build(),
        ReadError::Limit(limit) => FileLimit {
            detail: Both::of(|l| limit.describe(l)),
            limit: limit.setting().to_string(),
        }
        .finding()
        .build(),
        ReadError::Unreadable(d) => FileUnreadable {
            detail: Both::of(|l| d.describe(l)),
        }
        .finding()
        .build(),
        ReadError::NotSpreadsheet(what) => FileUnreadable {
            detail: Both::of(|l| what.describe(l).to_string()),
        }
        .finding()
        .build(),
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

/// The SHA-256 of the file at `path` (for the report of a file whose
/// guarded check gave no answer).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}
