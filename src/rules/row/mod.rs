//! Rules between the cells of one row, one file each: its configuration
//! shape (what it asks of its `RuleSpec`), its codes with their texts, and its
//! check. `registry::ROW_RULES` lists them; `[[sheet.rule]]` in the
//! configuration switches them on per sheet.

pub mod assignment;
pub mod date_order;
pub mod in_quarter;
pub mod max_duration;
pub mod prefilled;
pub mod product;
pub mod required_if;

use crate::config::Role;
use rust_decimal::Decimal;

use crate::coerce;
use crate::config::row_rule::{RowEnv, RowValues};
use crate::config::{ChargeTo, Sheet};
use crate::finding::violation::{FindingBuilder, Message};
use crate::finding::CellPos;
use crate::rules::field::CellValue;
use crate::rules::Ctx;

/// One data row after its cells were checked: per configured column, the
/// sheet column it sits in and the checked value.
pub struct RowView<'r> {
    pub row: u32,
    pub cols: &'r [Option<u32>],
    pub values: &'r [CellValue],
}

impl RowView<'_> {
    fn value(&self, idx: usize) -> Option<&coerce::Value> {
        self.values.get(idx).and_then(|v| v.value())
    }
}

impl RowValues for RowView<'_> {
    fn date(&self, col: usize) -> Option<chrono::NaiveDate> {
        self.value(col).and_then(|v| v.as_date())
    }
    fn dec(&self, col: usize) -> Option<Decimal> {
        self.value(col).and_then(|v| v.as_dec())
    }
    fn text(&self, col: usize) -> Option<&str> {
        self.value(col).and_then(|v| v.as_text())
    }
    fn flag(&self, col: usize) -> Option<bool> {
        self.value(col).and_then(|v| v.as_bool())
    }
    fn is_empty(&self, col: usize) -> bool {
        matches!(self.values.get(col), Some(CellValue::Empty) | None)
    }
    fn pos(&self, col: usize) -> Option<CellPos> {
        self.cols
            .get(col)
            .copied()
            .flatten()
            .map(|c| CellPos::new(self.row, c))
    }
}

/// A finding of a row rule at the cell of configured column `col`.
pub(crate) fn at<M: Message>(m: M, env: &RowEnv, pos: CellPos, col: usize) -> FindingBuilder {
    m.finding()
        .sheet(env.sheet_name)
        .cell(pos)
        .column(env.title(col))
}

/// Runs the sheet's row rules on one row.
pub fn check_row(ctx: &mut Ctx, sheet_name: &str, sheet: &Sheet, row: &RowView) {
    if sheet.rules.is_empty() {
        return;
    }
    let env = RowEnv {
        sheet_name,
        columns: &sheet.columns,
        quarter: ctx.cover.quarter_bounds(),
        period: ctx.cover.year.zip(ctx.cover.quarter),
        provider: ctx.provider(),
    };
    for rule in &sheet.rules {
        rule.check(row, &env, &mut ctx.findings);
    }
}

/// The Sozialraum a row's cost is charged to: the row's own (where the family
/// lives) or, when the configuration says so, the provider's first Sozialraum
/// for marked out-of-area cases.
pub fn charged_sozialraum(ctx: &Ctx, sheet: &Sheet, row: &RowView) -> Option<String> {
    let area_idx = sheet.role(Role::Sozialraum)?;
    let area = row.text(area_idx)?.to_string();
    if ctx.cfg.district.charge_out_of_area_to == ChargeTo::Provider {
        for flag in sheet.rules.iter().filter_map(|r| r.out_of_area_flag()) {
            if row.flag(flag) == Some(true) {
                if let Some(first) = ctx.provider().and_then(|p| p.sozialraeume.first()) {
                    return Some(first.get_ref().clone());
                }
            }
        }
    }
    Some(area)
}
