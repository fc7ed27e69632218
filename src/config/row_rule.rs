//! The interface between the configuration and the row rules.
//!
//! A row rule (`rules/row/*.rs`) declares its configuration shape by what it
//! asks of its [`RuleSpec`] (`spec.column("begin")`, `spec.u32_or("years", 5)`)
//! and its check as a [`RowCheck`]. The configuration knows no rule: the kinds
//! are handed to [`Config::from_toml`](super::Config::from_toml) by the caller
//! (`registry::ROW_RULES`), each `[[sheet.rule]]` is compiled once when the
//! configuration is loaded, and a key a rule does not take is an error there.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Column, Provider};
use crate::finding::{CellPos, Finding};

/// One row of a table sheet, its cells read and coerced.
pub trait RowValues {
    fn date(&self, col: usize) -> Option<NaiveDate>;
    fn dec(&self, col: usize) -> Option<Decimal>;
    fn text(&self, col: usize) -> Option<&str>;
    fn flag(&self, col: usize) -> Option<bool>;
    /// Nothing written (not: written but invalid).
    fn is_empty(&self, col: usize) -> bool;
    /// Where the column's cell of this row is.
    fn pos(&self, col: usize) -> Option<CellPos>;
}

/// What a row rule knows besides the row.
pub struct RowEnv<'a> {
    /// The sheet's name in the workbook.
    pub sheet_name: &'a str,
    pub columns: &'a [Column],
    /// The reporting quarter's first and last day, from the cover.
    pub quarter: Option<(NaiveDate, NaiveDate)>,
    /// The reporting year and quarter, from the cover.
    pub period: Option<(i32, u8)>,
    /// The reporting provider, when the master data knows it.
    pub provider: Option<&'a Provider>,
}

impl RowEnv<'_> {
    /// The column's title as the template writes it.
    pub fn title(&self, col: usize) -> String {
        self.columns
            .get(col)
            .map(|c| c.title().to_string())
            .unwrap_or_default()
    }

    pub fn is_money(&self, col: usize) -> bool {
        self.columns
            .get(col)
            .is_some_and(|c| c.def.ty == super::FieldType::Money)
    }
}

/// A compiled row rule.
pub trait RowCheck: std::fmt::Debug + Send + Sync {
    fn check(&self, row: &dyn RowValues, env: &RowEnv, out: &mut Vec<Finding>);

    /// The columns an entry template fills in ahead (rule `prefilled`).
    fn prefilled(&self) -> &[usize] {
        &[]
    }

    /// What the submission template builds from this rule.
    fn template(&self) -> Option<TemplateHint> {
        None
    }

    /// The flag column that marks a case outside the provider's Sozialräume (rule `assignment`).
    fn out_of_area_flag(&self) -> Option<usize> {
        None
    }
}

/// What `sozialraum template` writes for a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateHint {
    /// A formula `result = factor × factor`.
    Product { result: usize, factors: Vec<usize> },
    /// Date validations within the reporting quarter.
    DatesInQuarter { begin: usize, end: usize },
}

/// A row rule kind: its name in `kind = "…"` and how to compile it.
#[derive(Clone, Copy)]
pub struct RowRuleKind {
    pub kind: &'static str,
    pub compile: fn(&mut RuleSpec) -> Result<Arc<dyn RowCheck>, RuleProblem>,
}

/// Why a `[[sheet.rule]]` does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub message: String,
    pub help: Option<String>,
    /// The key whose value is wrong, to point at it.
    pub key: Option<&'static str>,
}

impl RuleProblem {
    pub fn new(message: impl Into<String>) -> Self {
        RuleProblem {
            message: message.into(),
            help: None,
            key: None,
        }
    }
}

/// One `[[sheet.rule]]` table, read by its rule.
pub struct RuleSpec<'a> {
    pub(super) table: &'a toml::Table,
    pub(super) columns: &'a [Column],
    pub(super) used: BTreeSet<&'static str>,
}

impl<'a> RuleSpec<'a> {
    fn raw(&mut self, key: &'static str) -> Option<&'a toml::Value> {
        self.used.insert(key);
        self.table.get(key)
    }

    fn column_of(&self, key: &'static str, value: &toml::Value) -> Result<usize, RuleProblem> {
        let name = value.as_str().ok_or_else(|| RuleProblem {
            key: Some(key),
            ..RuleProblem::new(format!("„{key}“ muss ein Spalten-key sein"))
        })?;
        self.columns
            .iter()
            .position(|c| c.def.key == name)
            .ok_or_else(|| RuleProblem {
                key: Some(key),
                message: format!("unbekannte Spalte „{name}“"),
                help: Some(format!(
                    "Spalten: {}",
                    self.columns
                        .iter()
                        .map(|c| c.def.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            })
    }

    /// A required column key.
    pub fn column(&mut self, key: &'static str) -> Result<usize, RuleProblem> {
        match self.raw(key) {
            Some(v) => self.column_of(key, v),
            None => Err(RuleProblem::new(format!(
                "die Regel braucht den Schlüssel „{key}“"
            ))),
        }
    }

    /// A list of column keys (empty when absent).
    pub fn columns(&mut self, key: &'static str) -> Result<Vec<usize>, RuleProblem> {
        match self.raw(key) {
            None => Ok(Vec::new()),
            Some(toml::Value::Array(items)) => {
                items.iter().map(|v| self.column_of(key, v)).collect()
            }
            Some(_) => Err(RuleProblem::new(format!(
                "„{key}“ muss eine Liste von Spalten-keys sein"
            ))),
        }
    }

    /// A decimal, written as text (`"0.01"`) or a number; `default` when absent.
    pub fn decimal_or(
        &mut self,
        key: &'static str,
        default: Decimal,
    ) -> Result<Decimal, RuleProblem> {
        let bad = || RuleProblem::new(format!("„{key}“ muss eine Zahl wie \"0.01\" sein"));
        match self.raw(key) {
            None => Ok(default),
            Some(toml::Value::String(s)) => s.trim().parse().map_err(|_| bad()),
            Some(toml::Value::Integer(i)) => Ok(Decimal::from(*i)),
            Some(_) => Err(bad()),
        }
    }

    /// A whole number ≥ 0; `default` when absent.
    pub fn u32_or(&mut self, key: &'static str, default: u32) -> Result<u32, RuleProblem> {
        match self.raw(key) {
            None => Ok(default),
            Some(toml::Value::Integer(i)) => u32::try_from(*i)
                .map_err(|_| RuleProblem::new(format!("„{key}“ muss eine Zahl ab 0 sein"))),
            Some(_) => Err(RuleProblem::new(format!(
                "„{key}“ muss eine ganze Zahl sein"
            ))),
        }
    }

    /// The keys of the table the rule did not ask for.
    pub(super) fn unused(&self) -> Vec<String> {
        self.table
            .keys()
            .filter(|k| k.as_str() != "kind" && !self.used.contains(k.as_str()))
            .cloned()
            .collect()
    }
}
