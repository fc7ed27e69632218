//! Rules between the cells of one row: date order, dates within the quarter,
//! cost = hours × rate, conditionally required fields, Sozialraum assignment.

use crate::coerce::{self, number::cents};
use crate::config::{ChargeTo, RowRule, Sheet};
use crate::finding::catalog::Code;
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
    fn pos(&self, idx: usize) -> Option<CellPos> {
        self.cols
            .get(idx)
            .copied()
            .flatten()
            .map(|c| CellPos::new(self.row, c))
    }
    fn value(&self, idx: usize) -> Option<&coerce::Value> {
        self.values.get(idx).and_then(|v| v.value())
    }
    fn is_empty(&self, idx: usize) -> bool {
        matches!(self.values.get(idx), Some(CellValue::Empty) | None)
    }
}

pub fn check_row(ctx: &mut Ctx, sheet_name: &str, sheet: &Sheet, row: &RowView) {
    let lang = ctx.lang;
    let title = |i: usize| {
        sheet
            .columns
            .get(i)
            .map(|c| c.title().to_string())
            .unwrap_or_default()
    };
    for rule in &sheet.rules {
        match rule {
            RowRule::DateOrder { earlier, later } => {
                let (Some(a), Some(b)) = (
                    row.value(*earlier).and_then(|v| v.as_date()),
                    row.value(*later).and_then(|v| v.as_date()),
                ) else {
                    continue;
                };
                if b < a {
                    let Some(pos) = row.pos(*later) else { continue };
                    let f = ctx
                        .at(Code::CrossDateOrder, sheet_name, pos, &title(*later))
                        .value(coerce::date::format_de(b))
                        .arg("other", title(*earlier))
                        .arg("expected", coerce::date::format_de(a))
                        .build();
                    ctx.push(f);
                }
            }
            RowRule::InQuarter { begin, end } => {
                let Some((start, last)) = ctx.cover.quarter_bounds() else {
                    continue;
                };
                if let (Some(b), Some(pos)) =
                    (row.value(*begin).and_then(|v| v.as_date()), row.pos(*begin))
                {
                    if b > last {
                        let expected = format!("≤ {}", coerce::date::format_de(last));
                        let f = ctx
                            .at(Code::RangeQuarter, sheet_name, pos, &title(*begin))
                            .value(coerce::date::format_de(b))
                            .arg("quarter", ctx.cover.label().unwrap_or_default())
                            .arg("expected", expected)
                            .build();
                        ctx.push(f);
                    }
                }
                if let (Some(e), Some(pos)) =
                    (row.value(*end).and_then(|v| v.as_date()), row.pos(*end))
                {
                    if e < start {
                        let expected = format!("≥ {}", coerce::date::format_de(start));
                        let f = ctx
                            .at(Code::RangeQuarter, sheet_name, pos, &title(*end))
                            .value(coerce::date::format_de(e))
                            .arg("quarter", ctx.cover.label().unwrap_or_default())
                            .arg("expected", expected)
                            .build();
                        ctx.push(f);
                    }
                }
            }
            RowRule::Product {
                result,
                factors,
                tolerance,
            } => {
                let Some(actual) = row.value(*result).and_then(|v| v.as_dec()) else {
                    continue;
                };
                let mut product = rust_decimal::Decimal::ONE;
                let mut complete = true;
                for f in factors {
                    match row
                        .value(*f)
                        .and_then(|v| v.as_dec())
                        .and_then(|x| product.checked_mul(x))
                    {
                        Some(p) => product = p,
                        None => complete = false,
                    }
                }
                if !complete {
                    continue;
                }
                let expected = cents(product);
                let diff = actual - expected;
                if diff.abs() > *tolerance {
                    let Some(pos) = row.pos(*result) else {
                        continue;
                    };
                    let f = ctx
                        .at(Code::CrossCost, sheet_name, pos, &title(*result))
                        .value(coerce::machine(actual, true))
                        .arg("value", coerce::show_money(actual, lang))
                        .arg(
                            "factors",
                            factors
                                .iter()
                                .filter_map(|f| {
                                    let x = row.value(*f).and_then(|v| v.as_dec())?;
                                    let money = sheet.columns.get(*f).is_some_and(|c| {
                                        c.def.ty == crate::config::FieldType::Money
                                    });
                                    Some(if money {
                                        format!("{} €", coerce::show_money(x, lang))
                                    } else {
                                        coerce::show_dec(x, lang)
                                    })
                                })
                                .collect::<Vec<_>>()
                                .join(" × "),
                        )
                        .arg("expected", coerce::show_money(expected, lang))
                        .arg("difference", coerce::show_money(diff, lang))
                        .build();
                    ctx.push(f);
                }
            }
            RowRule::RequiredIf { column, when } => {
                if row.value(*when).and_then(|v| v.as_bool()) == Some(true) && row.is_empty(*column)
                {
                    let pos = row.pos(*column).or_else(|| row.pos(*when));
                    let Some(pos) = pos else { continue };
                    let f = ctx
                        .at(Code::CrossRequired, sheet_name, pos, &title(*column))
                        .arg("other", title(*when))
                        .arg("reading", "ja")
                        .build();
                    ctx.push(f);
                }
            }
            RowRule::Assignment { sozialraum, flag } => {
                let Some(provider) = ctx.provider() else {
                    continue;
                };
                let Some(area) = row.value(*sozialraum).and_then(|v| v.as_text()) else {
                    continue;
                };
                if provider.sozialraeume.iter().any(|s| s.get_ref() == area) {
                    continue;
                }
                if row.value(*flag).and_then(|v| v.as_bool()) == Some(true) {
                    continue;
                }
                let Some(pos) = row.pos(*sozialraum) else {
                    continue;
                };
                let assigned: Vec<&str> = provider
                    .sozialraeume
                    .iter()
                    .map(|s| s.get_ref().as_str())
                    .collect();
                let f = ctx
                    .at(
                        Code::AssignmentOutside,
                        sheet_name,
                        pos,
                        &title(*sozialraum),
                    )
                    .value(area.to_string())
                    .arg("provider", provider.id.clone())
                    .arg("expected", assigned.join(", "))
                    .build();
                ctx.push(f);
            }
            RowRule::MaxDuration { begin, end, years } => {
                let (Some(b), Some(e), Some(pos)) = (
                    row.value(*begin).and_then(|v| v.as_date()),
                    row.value(*end).and_then(|v| v.as_date()),
                    row.pos(*end),
                ) else {
                    continue;
                };
                let limit = b.checked_add_months(chrono::Months::new(years.saturating_mul(12)));
                if limit.is_some_and(|l| e > l) {
                    let f = ctx
                        .at(Code::RangeDuration, sheet_name, pos, &title(*end))
                        .value(coerce::date::format_de(e))
                        .arg("years", years.to_string())
                        .arg("other", title(*begin))
                        .arg("expected", coerce::date::format_de(b))
                        .build();
                    ctx.push(f);
                }
            }
            // Decides which rows are cases at all (see `table`); nothing to check in one.
            RowRule::Prefilled { .. } => {}
        }
    }
}

/// The Sozialraum a row's cost is charged to: the row's own (where the family
/// lives) or, when the configuration says so, the provider's first Sozialraum
/// for marked out-of-area cases.
pub fn charged_sozialraum(ctx: &Ctx, sheet: &Sheet, row: &RowView) -> Option<String> {
    let area_idx = sheet.column_index("sozialraum")?;
    let area = row.value(area_idx)?.as_text()?.to_string();
    if ctx.cfg.district.charge_out_of_area_to == ChargeTo::Provider {
        for rule in &sheet.rules {
            if let RowRule::Assignment { flag, .. } = rule {
                if row.value(*flag).and_then(|v| v.as_bool()) == Some(true) {
                    if let Some(first) = ctx.provider().and_then(|p| p.sozialraeume.first()) {
                        return Some(first.get_ref().clone());
                    }
                }
            }
        }
    }
    Some(area)
}
