//! Locating: the header row of a table sheet and its columns, and the labelled
//! fields of a form sheet. Positions are absolute (counted from A1).

use std::collections::HashMap;

use crate::config::Sheet;
use crate::finding::CellPos;
use crate::read::{Raw, RawCell};
use crate::text::header_key;

/// The columns of a table sheet as found in its header row.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    pub row: u32,
    /// For each configured column (by index): the sheet column it was found in.
    pub columns: Vec<Option<u32>>,
    /// Header cells that name the same configured column again: (column index, position).
    pub duplicates: Vec<(usize, u32)>,
    /// Header cells that match no configured column: (sheet column, header text).
    pub extra: Vec<(u32, String)>,
}

impl HeaderMap {
    pub fn col(&self, idx: usize) -> Option<u32> {
        self.columns.get(idx).copied().flatten()
    }
}

fn cell_text(raw: &Raw) -> Option<&str> {
    match raw {
        Raw::Text(s) => Some(s),
        _ => None,
    }
}

/// Matches one row's cells against the sheet's columns.
pub fn match_header(sheet: &Sheet, row: u32, cells: &[RawCell]) -> HeaderMap {
    let mut map = HeaderMap {
        row,
        columns: vec![None; sheet.columns.len()],
        duplicates: Vec::new(),
        extra: Vec::new(),
    };
    for cell in cells {
        let Some(text) = cell_text(&cell.raw) else {
            continue;
        };
        let key = header_key(text);
        if key.is_empty() {
            continue;
        }
        match sheet.columns.iter().position(|c| c.keys.contains(&key)) {
            Some(idx) => match map.columns.get(idx).copied().flatten() {
                None => {
                    if let Some(slot) = map.columns.get_mut(idx) {
                        *slot = Some(cell.col);
                    }
                }
                Some(_) => map.duplicates.push((idx, cell.col)),
            },
            None => map.extra.push((cell.col, crate::text::clean(text))),
        }
    }
    map
}

impl HeaderMap {
    pub fn required_found(&self, sheet: &Sheet) -> usize {
        sheet
            .columns
            .iter()
            .enumerate()
            .filter(|(i, c)| c.def.required && self.col(*i).is_some())
            .count()
    }
    pub fn found(&self) -> usize {
        self.columns.iter().filter(|c| c.is_some()).count()
    }
    pub fn is_complete(&self, sheet: &Sheet) -> bool {
        self.required_found(sheet) == sheet.columns.iter().filter(|c| c.def.required).count()
    }
}

/// Chooses the header among candidate rows when none carries every required
/// column: the row with the most matching headers, if it has at least two.
pub fn best_partial_header(sheet: &Sheet, rows: &[(u32, Vec<RawCell>)]) -> Option<HeaderMap> {
    rows.iter()
        .map(|(r, cells)| match_header(sheet, *r, cells))
        .filter(|m| m.found() >= 2)
        .max_by_key(|m| (m.found(), std::cmp::Reverse(m.row)))
}

/// A form field as found: the label's and the value's positions and the raw value.
#[derive(Debug, Clone)]
pub struct FormField {
    pub label: CellPos,
    pub value_pos: CellPos,
    pub raw: Raw,
}

/// Finds the labelled fields of a form sheet: label in the label column, value
/// in the value column (or, when that is empty, the next filled cell to the right).
pub fn map_form(sheet: &Sheet, rows: &[(u32, Vec<RawCell>)]) -> HashMap<usize, FormField> {
    let mut out = HashMap::new();
    for (r, cells) in rows {
        if *r < sheet.first_row || *r > sheet.last_row {
            continue;
        }
        let Some(label_cell) = cells.iter().find(|c| c.col == sheet.label_col) else {
            continue;
        };
        let Some(text) = cell_text(&label_cell.raw) else {
            continue;
        };
        let key = header_key(text);
        let Some(idx) = sheet.columns.iter().position(|c| c.keys.contains(&key)) else {
            continue;
        };
        if out.contains_key(&idx) {
            continue;
        }
        let value = cells
            .iter()
            .find(|c| c.col == sheet.value_col && !c.raw.is_empty())
            .or_else(|| {
                cells.iter().find(|c| {
                    c.col > sheet.label_col && c.col <= sheet.value_col + 2 && !c.raw.is_empty()
                })
            });
        let (value_pos, raw) = match value {
            Some(c) => (CellPos::new(*r, c.col), c.raw.clone()),
            None => (CellPos::new(*r, sheet.value_col), Raw::Empty),
        };
        out.insert(
            idx,
            FormField {
                label: CellPos::new(*r, sheet.label_col),
                value_pos,
                raw,
            },
        );
    }
    out
}
