//! The audit's inputs: quarterly submissions (consolidated on the fly) or a
//! district workbook written by `consolidate`, read back here from its detail
//! sheets (`Fallarbeit`, `Milieuarbeit`, `Strukturarbeit`: the leading columns
//! Träger-Nr., Jahr, Quartal, Quelle, Status, then the configured columns).
//! Which one a file is, is decided by its sheet names, read from the zip
//! directory without handing the file to a spreadsheet reader.

use crate::config::Role;
use std::collections::BTreeSet;
use std::io::{Read, Seek};
use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::audit::{Entry, Ledger, Origin};
use crate::coerce::{self, Coerced, Value};
use crate::config::{Config, HelpMatch, Sheet};
use crate::consolidate::workbook::{category_label, source_status_label, SourceLine};
use crate::consolidate::Status;
use crate::finding::arg::Phrase;
use crate::finding::violation::Message;
use crate::finding::CellPos;
use crate::i18n::Lang;
use crate::locate;
use crate::read::{Input, InputReader, Raw, RawCell, ReadError, Unreadable, Workbook};
use crate::rules::field::TypeInvalid;
use crate::text::header_key;

/// What an input file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A provider's quarterly submission (or anything else: the check decides).
    Submission,
    /// A district workbook written by `consolidate`.
    District,
    /// A controlling workbook written by `audit` (never an input).
    Controlling,
}

/// Sheet names that mark our own outputs, in both languages.
const DISTRICT_MARKS: [[&str; 2]; 2] = [["Übersicht", "Overview"], ["Quellen", "Sources"]];
const CONTROLLING_MARKS: [[&str; 2]; 2] = [
    ["Abweichungen", "Deviations"],
    ["Kennzahlen", "Key figures"],
];

/// The leading columns of a detail sheet, in both languages.
const PROVIDER: [&str; 2] = ["Träger-Nr.", "Provider"];
const YEAR: [&str; 2] = ["Jahr", "Year"];
const QUARTER: [&str; 2] = ["Quartal", "Quarter"];
const SOURCE: [&str; 2] = ["Quelle", "Source"];
const CHARGED: [&str; 2] = ["Gebucht auf Sozialraum", "Charged to Sozialraum"];
const FILE: [&str; 2] = ["Datei", "File"];

/// The workbook part listing the sheets is small; anything bigger is not ours.
const WORKBOOK_XML_MAX: u64 = 1 << 20;

#[derive(Debug, Error, Serialize, Deserialize)]
pub enum DistrictError {
    #[error("{path}: {error}")]
    Read { path: String, error: ReadError },
    #[error("{path}: keines der Blätter {expected} gefunden; ist das eine Kreis-Arbeitsmappe von `sozialraum consolidate`?")]
    NoDetailSheets { path: String, expected: String },
}

impl DistrictError {
    /// The message in the user's language (`Display` is German).
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (DistrictError::Read { path, error }, _) => {
                format!("{path}: {}", error.describe(lang))
            }
            (DistrictError::NoDetailSheets { path, expected }, Lang::En) => format!(
                "{path}: none of the sheets {expected} found; is this a district workbook written by `sozialraum consolidate`?"
            ),
            _ => self.to_string(),
        }
    }
}

/// Tells a submission from our own outputs: by the document property every
/// workbook we write carries, else (workbooks of earlier versions) by the sheet names.
pub fn classify(path: &Path) -> InputKind {
    match std::panic::catch_unwind(|| crate::read::sniff::own_output_of_file(path))
        .ok()
        .flatten()
    {
        Some(crate::read::sniff::OwnOutput::ControllingWorkbook) => return InputKind::Controlling,
        Some(crate::read::sniff::OwnOutput::DistrictWorkbook) => return InputKind::District,
        _ => {}
    }
    let names = std::panic::catch_unwind(|| sheet_names(path))
        .ok()
        .flatten()
        .unwrap_or_default();
    let has = |marks: &[[&str; 2]]| {
        marks.iter().all(|m| {
            names
                .iter()
                .any(|n| m.iter().any(|x| header_key(x) == header_key(n)))
        })
    };
    if has(&CONTROLLING_MARKS) {
        InputKind::Controlling
    } else if has(&DISTRICT_MARKS) {
        InputKind::District
    } else {
        InputKind::Submission
    }
}

/// The sheet names of an xlsx file, from `xl/workbook.xml`; `None` for anything else.
fn sheet_names(path: &Path) -> Option<Vec<String>> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic).ok()?;
    if &magic != b"PK\x03\x04" {
        return None;
    }
    file.rewind().ok()?;
    let mut zip = zip::ZipArchive::new(file).ok()?;
    let entry = zip.by_name("xl/workbook.xml").ok()?;
    if entry.size() > WORKBOOK_XML_MAX {
        return None;
    }
    let mut xml = String::new();
    entry.take(WORKBOOK_XML_MAX).read_to_string(&mut xml).ok()?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut names = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e))
                if e.local_name().as_ref() == "sheet" =>
            {
                let name = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == "name");
                if let Some(v) =
                    name.and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
                {
                    names.push(v.to_string());
                }
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    Some(names)
}

/// Reads the detail sheets of a district workbook into a ledger.
pub fn read(path: &Path, shown: &str, cfg: &Config, _lang: Lang) -> Result<Ledger, DistrictError> {
    let input = Input::read_file(path, &cfg.limits).map_err(|r| read_error(shown, r.error))?;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_input(&input, shown, cfg)
    }))
    .unwrap_or_else(|_| {
        Err(read_error(
            shown,
            Unreadable::ReaderPanicked(String::new()).into(),
        ))
    })
}

fn read_error(shown: &str, error: ReadError) -> DistrictError {
    DistrictError::Read {
        path: shown.to_string(),
        error,
    }
}

fn read_input(input: &Input, shown: &str, cfg: &Config) -> Result<Ledger, DistrictError> {
    let ((mut ledger, found), _damage) = input
        .read_verified(&cfg.limits, |wb| read_sheets(wb, shown, cfg))
        .map_err(|e| read_error(shown, e))?;
    if found == 0 {
        let expected = crate::audit::budget::categories(cfg)
            .iter()
            .map(|c| format!("„{c}“"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(DistrictError::NoDetailSheets {
            path: shown.to_string(),
            expected,
        });
    }
    let period: BTreeSet<(i32, u8)> = ledger.entries.iter().map(|e| (e.year, e.quarter)).collect();
    ledger.period = period.into_iter().collect();
    Ok(ledger)
}

/// The detail sheets (and the sources) of a district workbook, and how many
/// detail sheets it has.
fn read_sheets(
    wb: &mut Workbook<InputReader<'_>>,
    shown: &str,
    cfg: &Config,
) -> Result<(Ledger, usize), ReadError> {
    // Our own workbook asks Excel to recalculate; its cached values are ours.
    wb.uncalculated = false;
    let mut ledger = Ledger::default();
    let mut found = 0;
    for table in cfg.tables() {
        let category = table.category.clone().unwrap_or_else(|| table.name.clone());
        let names = [category.clone(), category_label(Lang::En, &category)];
        let Some(sheet) = wb
            .sheets
            .iter()
            .find(|s| names.iter().any(|n| header_key(n) == header_key(&s.name)))
            .map(|s| s.name.clone())
        else {
            continue;
        };
        found += 1;
        let mut rows: Vec<(u32, Vec<RawCell>)> = Vec::new();
        wb.for_each_row(&sheet, &cfg.limits, |r, cells| {
            rows.push((r, cells.to_vec()));
            true
        })?;
        let detail = DetailSheet {
            cfg,
            table,
            category: &category,
            shown,
            sheet: &sheet,
            is_1904: wb.is_1904,
        };
        detail.read_rows(&rows, &mut ledger);
    }
    if let Some(sheet) = wb
        .sheets
        .iter()
        .find(|s| {
            DISTRICT_MARKS[1]
                .iter()
                .any(|n| header_key(n) == header_key(&s.name))
        })
        .map(|s| s.name.clone())
    {
        let mut rows: Vec<(u32, Vec<RawCell>)> = Vec::new();
        wb.for_each_row(&sheet, &cfg.limits, |r, cells| {
            rows.push((r, cells.to_vec()));
            true
        })?;
        ledger.sources = source_lines(&rows, cfg);
    }
    Ok((ledger, found))
}

/// The `Quellen` sheet read back: the files the district workbook was made
/// of, with their error and warning counts, so that an audit of the
/// workbook is as honest about its inputs as an audit of the submissions.
fn source_lines(rows: &[(u32, Vec<RawCell>)], cfg: &Config) -> Vec<SourceLine> {
    let Some((header_row, header)) = rows.iter().take(10).find(|(_, cells)| {
        cells
            .iter()
            .any(|c| matches!(&c.raw, Raw::Text(t) if FILE.iter().any(|n| header_key(n) == header_key(t))))
    }) else {
        return Vec::new();
    };
    let col_of = |names: &[&str]| {
        header.iter().find_map(|c| match &c.raw {
            Raw::Text(t) if names.iter().any(|n| header_key(n) == header_key(t)) => Some(c.col),
            _ => None,
        })
    };
    let categories = crate::audit::budget::categories(cfg);
    let row_cols: Vec<(String, Option<u32>)> = categories
        .iter()
        .map(|cat| {
            let names = [
                format!("Zeilen {cat}"),
                format!("rows {}", category_label(Lang::En, cat)),
            ];
            (cat.clone(), col_of(&[names[0].as_str(), names[1].as_str()]))
        })
        .collect();
    let (file, sha, provider, year, quarter) = (
        col_of(&FILE),
        col_of(&["SHA-256"]),
        col_of(&PROVIDER),
        col_of(&YEAR),
        col_of(&QUARTER),
    );
    let (errors, warnings, status, reason) = (
        col_of(&["Fehler", "Errors"]),
        col_of(&["Warnungen", "Warnings"]),
        col_of(&["Status"]),
        col_of(&["Grund", "Reason"]),
    );
    let mut out = Vec::new();
    for (_, cells) in rows.iter().filter(|(r, _)| r > header_row) {
        let raw = |c: Option<u32>| {
            c.and_then(|c| cells.iter().find(|x| x.col == c))
                .map(|x| &x.raw)
        };
        let text = |c: Option<u32>| match raw(c) {
            Some(Raw::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_string()),
            _ => None,
        };
        let number = |c: Option<u32>| match raw(c) {
            Some(Raw::Number(f)) if f.is_finite() && *f >= 0.0 => Some(*f as u64),
            Some(Raw::Int(i)) => u64::try_from(*i).ok(),
            Some(Raw::Text(t)) => t.trim().parse().ok(),
            _ => None,
        };
        let Some(path) = text(file) else { continue };
        let count = |c| number(c).and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
        out.push(SourceLine {
            sha256: text(sha),
            provider: text(provider),
            year: number(year).and_then(|y| i32::try_from(y).ok()),
            quarter: number(quarter).and_then(|q| u8::try_from(q).ok()),
            rows: row_cols
                .iter()
                .map(|(cat, c)| (cat.clone(), count(*c)))
                .collect(),
            errors: count(errors),
            warnings: count(warnings),
            status: source_status(text(status).as_deref()),
            reason: text(reason),
            receipt: text(col_of(&["Eingangsnummer", "Receipt"])),
            path,
        });
    }
    out
}

/// A status word of a `Quellen` sheet, in either language; an unknown word
/// counts as an included file, so that its errors are not lost.
fn source_status(word: Option<&str>) -> Option<Status> {
    let Some(word) = word else {
        return Some(Status::Included);
    };
    let is = |s: Option<Status>| {
        [Lang::De, Lang::En]
            .iter()
            .any(|l| header_key(source_status_label(*l, s)) == header_key(word))
    };
    if is(None) {
        return None;
    }
    [
        Status::IncludedWithErrors,
        Status::Included,
        Status::Rejected,
        Status::Excluded,
    ]
    .into_iter()
    .find(|s| is(Some(*s)))
    .or(Some(Status::Included))
}

/// Where the leading columns are.
#[derive(Debug, Default)]
struct Leading {
    provider: Option<u32>,
    year: Option<u32>,
    quarter: Option<u32>,
    source: Option<u32>,
    charged: Option<u32>,
}

fn leading_columns(cells: &[RawCell]) -> Leading {
    let mut l = Leading::default();
    for c in cells {
        let Raw::Text(t) = &c.raw else { continue };
        let k = header_key(t);
        let is = |names: &[&str; 2]| names.iter().any(|n| header_key(n) == k);
        let slot = if is(&PROVIDER) {
            &mut l.provider
        } else if is(&YEAR) {
            &mut l.year
        } else if is(&QUARTER) {
            &mut l.quarter
        } else if is(&SOURCE) {
            &mut l.source
        } else if is(&CHARGED) {
            &mut l.charged
        } else {
            continue;
        };
        slot.get_or_insert(c.col);
    }
    l
}

struct DetailSheet<'a> {
    cfg: &'a Config,
    table: &'a Sheet,
    category: &'a str,
    shown: &'a str,
    sheet: &'a str,
    is_1904: bool,
}

impl DetailSheet<'_> {
    fn read_rows(&self, rows: &[(u32, Vec<RawCell>)], ledger: &mut Ledger) {
        // The header is the first row naming the provider column (row 1 as written).
        let Some((header_row, lead, map)) = rows.iter().take(10).find_map(|(r, cells)| {
            let lead = leading_columns(cells);
            lead.provider
                .map(|_| (*r, lead, locate::match_header(self.table, *r, cells)))
        }) else {
            return;
        };
        let idx = |role: Role| self.table.role(role);
        for (r, cells) in rows.iter().filter(|(r, _)| *r > header_row) {
            let raw_at = |c: Option<u32>| {
                c.and_then(|c| cells.iter().find(|x| x.col == c))
                    .map(|x| &x.raw)
                    .unwrap_or(&Raw::Empty)
            };
            let value = |c: Option<u32>, ty| match coerce::coerce(raw_at(c), ty, self.is_1904) {
                Coerced::Value(v, _) => Some(v),
                _ => None,
            };
            let column_value = |role: Role| {
                let i = idx(role)?;
                let ty = self.table.columns.get(i)?.def.ty;
                value(map.col(i), ty)
            };
            let provider = value(lead.provider, crate::config::FieldType::Text)
                .and_then(|v| v.as_text().map(str::to_string));
            let year = value(lead.year, crate::config::FieldType::Integer)
                .and_then(|v| v.as_int())
                .and_then(|y| i32::try_from(y).ok());
            let quarter =
                value(lead.quarter, crate::config::FieldType::Quarter).and_then(|v| match v {
                    Value::Quarter(q) => Some(q),
                    _ => None,
                });
            let (Some(provider), Some(year), Some(quarter)) = (provider, year, quarter) else {
                self.unreadable_row(*r, &lead, ledger);
                continue;
            };
            let area = column_value(Role::Sozialraum).and_then(|v| v.as_text().map(str::to_string));
            let charged = match lead.charged {
                Some(c) => value(Some(c), crate::config::FieldType::Text)
                    .and_then(|v| v.as_text().map(str::to_string)),
                None => area,
            };
            let help_type = column_value(Role::HelpType)
                .and_then(|v| v.as_text().map(str::to_string))
                .map(|h| match self.cfg.help_type(&h) {
                    Some(HelpMatch::Allowed(ht)) => ht.name.clone(),
                    _ => h,
                });
            let cell = |role: Role| {
                idx(role)
                    .and_then(|i| map.col(i))
                    .map(|c| CellPos::new(*r, c).a1())
            };
            let source = value(lead.source, crate::config::FieldType::Text)
                .and_then(|v| v.as_text().map(str::to_string));
            ledger.entries.push(Entry {
                provider,
                year,
                quarter,
                category: self.category.to_string(),
                sozialraum: charged.and_then(|s| self.canonical(year, &s)),
                cost: column_value(Role::Cost).and_then(|v| v.as_dec()),
                hours: column_value(Role::Hours).and_then(|v| v.as_dec()),
                case_id: column_value(Role::CaseId).and_then(|v| v.as_text().map(str::to_string)),
                help_type,
                rate: column_value(Role::Rate).and_then(|v| v.as_dec()),
                origin: Origin {
                    path: self.shown.to_string(),
                    sheet: self.sheet.to_string(),
                    cost_cell: cell(Role::Cost),
                    rate_cell: cell(Role::Rate),
                    source: source
                        .unwrap_or_else(|| format!("{}, {}!{}", self.shown, self.sheet, r + 1)),
                },
            });
        }
    }

    /// A Sozialraum as written in the district workbook, canonical; `None` when not valid.
    fn canonical(&self, year: i32, written: &str) -> Option<String> {
        if self.cfg.is_county_wide(written) {
            return Some(self.cfg.county_wide.name.clone());
        }
        self.cfg
            .sozialraum(Some(year), written)
            .map(|(name, _)| name.to_string())
    }

    /// A detail row without provider, year or quarter cannot be counted: said, not dropped silently.
    fn unreadable_row(&self, row: u32, lead: &Leading, ledger: &mut Ledger) {
        let m = TypeInvalid {
            expected: Phrase::ProviderYearQuarter,
        };
        let mut b = m
            .finding()
            .sheet(self.sheet)
            .column(PROVIDER[0])
            .value(format!("Zeile {}", row + 1));
        if let Some(c) = lead.provider {
            b = b.cell(CellPos::new(row, c));
        }
        ledger.findings.push(b.path(self.shown.to_string()).build());
    }
}
