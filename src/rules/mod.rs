//! The rules: each rule kind implemented once, driven by the configuration.
//! `field` checks one cell, `row` the rules between cells of a row, `table`
//! a whole table sheet (unique keys, totals rows), `form` the cover and
//! `Summen` sheets, `privacy` personal data. `catalog` holds every code.

pub mod field;
pub mod file;
pub mod form;
pub mod privacy;
pub mod row;
pub mod seen;
pub mod table;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::config::{Config, Provider};
use crate::finding::violation::{FindingBuilder, Message};
use crate::finding::{CellPos, Finding};
use crate::i18n::Lang;

/// What the cover sheet says about the submission, completed from the file
/// name where the cover lacks a fact (see `form::facts_from_file_name`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cover {
    pub provider_id: Option<String>,
    pub year: Option<i32>,
    pub quarter: Option<u8>,
    pub created: Option<NaiveDate>,
    /// The cover's provider number as written, when the master data does not know it.
    #[serde(default)]
    pub provider_written: Option<String>,
    /// Which facts came from the file name instead of the cover.
    #[serde(default)]
    pub origin: FactOrigin,
    /// The cover's contact person (`role = "contact"`), as written.
    #[serde(default)]
    pub contact: Option<String>,
    /// The cover's e-mail address (`role = "email"`), when it is a valid one.
    #[serde(default)]
    pub email: Option<String>,
}

/// Which facts did not come from the cover, and whether the provider counted
/// is one of the master data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactOrigin {
    pub provider_from_file_name: bool,
    pub year_from_file_name: bool,
    pub quarter_from_file_name: bool,
    /// The provider counted is not in the master data (taken as written).
    pub provider_unknown: bool,
}

impl Cover {
    pub fn quarter_bounds(&self) -> Option<(NaiveDate, NaiveDate)> {
        quarter_bounds(self.year?, self.quarter?)
    }
    pub fn label(&self) -> Option<String> {
        Some(crate::show::quarter(self.year?, self.quarter?))
    }
}

pub fn quarter_bounds(year: i32, q: u8) -> Option<(NaiveDate, NaiveDate)> {
    let start_month = u32::from(q.checked_sub(1)?) * 3 + 1;
    if start_month > 10 {
        return None;
    }
    let start = NaiveDate::from_ymd_opt(year, start_month, 1)?;
    let end = if q == 4 {
        NaiveDate::from_ymd_opt(year, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(year, start_month + 3, 1)?.pred_opt()?
    };
    Some((start, end))
}

/// Everything a rule needs to know besides the cell: configuration, language,
/// the cover sheet's facts, and where findings go.
pub struct Ctx<'a> {
    pub cfg: &'a Config,
    pub lang: Lang,
    pub cover: Cover,
    pub is_1904: bool,
    pub findings: Vec<Finding>,
    /// The file was written by this tool (its document property says so).
    pub own: Option<crate::read::sniff::OwnOutput>,
}

impl<'a> Ctx<'a> {
    pub fn new(cfg: &'a Config, lang: Lang) -> Self {
        Ctx {
            cfg,
            lang,
            cover: Cover::default(),
            is_1904: false,
            findings: Vec::new(),
            own: None,
        }
    }

    pub fn provider(&self) -> Option<&'a Provider> {
        self.cover
            .provider_id
            .as_deref()
            .and_then(|id| self.cfg.provider(id))
    }

    /// A finding at a cell of a sheet, for a column.
    pub fn at<M: Message>(&self, m: M, sheet: &str, pos: CellPos, column: &str) -> FindingBuilder {
        m.finding().sheet(sheet).cell(pos).column(column)
    }

    pub fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_have_their_calendar_bounds() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            quarter_bounds(2026, 1),
            Some((d(2026, 1, 1), d(2026, 3, 31)))
        );
        assert_eq!(
            quarter_bounds(2026, 2),
            Some((d(2026, 4, 1), d(2026, 6, 30)))
        );
        assert_eq!(
            quarter_bounds(2026, 3),
            Some((d(2026, 7, 1), d(2026, 9, 30)))
        );
        assert_eq!(
            quarter_bounds(2026, 4),
            Some((d(2026, 10, 1), d(2026, 12, 31)))
        );
        assert_eq!(quarter_bounds(2026, 0), None);
        assert_eq!(quarter_bounds(2026, 5), None);
    }
}
