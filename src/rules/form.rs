//! Form sheets: the cover (`Deckblatt`) with the submission's facts, and the
//! provider's own totals (`Summen`) checked against the data.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::coerce::{self, Value};
use crate::config::{DateBound, Sheet};
use crate::finding::catalog::{Code, FindingBuilder};
use crate::finding::CellPos;
use crate::locate::{self, FormField};
use crate::read::RawCell;
use crate::rules::field::{check_cell, CellValue};
use crate::rules::table::{NoResult, TableResult};
use crate::rules::Ctx;

fn check_fields(
    ctx: &mut Ctx,
    sheet: &Sheet,
    name: &str,
    rows: &[(u32, Vec<RawCell>)],
) -> HashMap<usize, (FormField, CellValue)> {
    let fields = locate::map_form(sheet, rows);
    let mut out = HashMap::new();
    for (idx, col) in sheet.columns.iter().enumerate() {
        match fields.get(&idx) {
            None => {
                if col.def.required {
                    let f = ctx
                        .make(Code::FieldMissing)
                        .sheet(name)
                        .column(col.title())
                        .arg("aliases", col.accepted())
                        .build();
                    ctx.push(f);
                }
            }
            Some(field) => {
                let v = check_cell(ctx, name, col, field.value_pos, &field.raw);
                out.insert(idx, (field.clone(), v));
            }
        }
    }
    out
}

/// Reads the cover sheet. The facts are set on `ctx.cover` field by field, so
/// that later fields (the provider name) can be checked against earlier ones;
/// a fact the cover lacks is taken from the file name before them.
pub fn check_cover(
    ctx: &mut Ctx,
    sheet: &Sheet,
    name: &str,
    rows: &[(u32, Vec<RawCell>)],
    file_name: &str,
) {
    let fields = locate::map_form(sheet, rows);
    // The facts first (they decide how the other fields are checked) …
    let order = ["provider_id", "year", "quarter"];
    let mut indices: Vec<usize> = order.iter().filter_map(|k| sheet.column_index(k)).collect();
    let facts = indices.len();
    let rest: Vec<usize> = (0..sheet.columns.len())
        .filter(|i| !indices.contains(i))
        .collect();
    indices.extend(rest);
    for (n, idx) in indices.into_iter().enumerate() {
        if n == facts {
            let at = |key: &str| {
                let pos = sheet
                    .column_index(key)
                    .and_then(|i| fields.get(&i))
                    .map(|f| f.value_pos)?;
                Some((name.to_string(), pos))
            };
            facts_from_file_name(ctx, file_name, &at);
        }
        let Some(col) = sheet.columns.get(idx) else {
            continue;
        };
        let Some(field) = fields.get(&idx) else {
            if col.def.required {
                let f = ctx
                    .make(Code::FieldMissing)
                    .sheet(name)
                    .column(col.title())
                    .arg("aliases", col.accepted())
                    .build();
                ctx.push(f);
            }
            continue;
        };
        let v = check_cell(ctx, name, col, field.value_pos, &field.raw);
        if col.def.key == "provider_id" && v == CellValue::Bad {
            // Unknown to the master data (or not of the form T + 2 digits):
            // kept as written, for counting when the file name knows no better.
            let written = coerce::display(&field.raw, ctx.lang).trim().to_string();
            ctx.cover.provider_written = (!written.is_empty()).then_some(written);
        }
        let Some(v) = v.value() else { continue };
        match (col.def.key.as_str(), v) {
            ("provider_id", Value::Text(t)) => {
                ctx.cover.provider_id = ctx
                    .cfg
                    .provider(t)
                    .map(|p| p.id.clone())
                    .or_else(|| Some(t.trim().to_string()));
            }
            ("year", Value::Int(y)) if (2005..=2100).contains(y) => {
                ctx.cover.year = i32::try_from(*y).ok()
            }
            ("quarter", Value::Quarter(q)) => ctx.cover.quarter = Some(*q),
            ("created", Value::Date(d)) => ctx.cover.created = Some(*d),
            _ => {}
        }
        // … then the bounds that depend on them.
        if let (Some(bound), Some(d)) = (col.def.not_before, v.as_date()) {
            if let Some((start, end)) = ctx.cover.quarter_bounds() {
                let limit = match bound {
                    DateBound::QuarterStart => start,
                    DateBound::QuarterEnd => end,
                };
                if d < limit {
                    let f = ctx
                        .at(Code::RangeCreatedEarly, name, field.value_pos, col.title())
                        .value(coerce::date::format_de(d))
                        .arg("expected", coerce::date::format_de(limit))
                        .build();
                    ctx.push(f);
                }
            }
        }
    }
    if facts == sheet.columns.len() {
        facts_from_file_name(ctx, file_name, &|_| None);
    }
}

/// Completes the cover's facts from the file name (`T05_2026-Q3.xlsx`), so
/// that no readable submission is lost: a provider number the master data
/// does not know gives way to a known one of the file name; a missing or
/// invalid year or quarter is taken from it. Each with a warning. Without a
/// known provider in the file name, an unknown number counts as written
/// (flagged). `at` locates a cover fact's value cell by its key.
pub fn facts_from_file_name(
    ctx: &mut Ctx,
    file_name: &str,
    at: &dyn Fn(&str) -> Option<(String, CellPos)>,
) {
    let named = parse_file_name(file_name);
    let located = |mut b: FindingBuilder, key: &str| {
        if let Some((sheet, pos)) = at(key) {
            b = b.sheet(sheet).cell(pos);
        }
        b
    };
    let title = |ctx: &Ctx, key: &str, fallback: &str| {
        ctx.cfg
            .cover()
            .and_then(|s| s.column_index(key).and_then(|i| s.columns.get(i)))
            .map(|c| c.title().to_string())
            .unwrap_or_else(|| fallback.to_string())
    };
    if ctx.cover.provider_id.is_none() {
        let named_provider = named.as_ref().map(|(p, _, _)| p.clone());
        let known = named_provider
            .as_deref()
            .and_then(|p| ctx.cfg.provider(p))
            .map(|p| p.id.clone());
        match (known, ctx.cover.provider_written.clone(), named_provider) {
            (Some(id), written, _) => {
                ctx.cover.provider_id = Some(id.clone());
                ctx.cover.origin.provider_from_file_name = true;
                let f = match written {
                    Some(w) => located(ctx.make(Code::ReferenceProviderFileName), "provider_id")
                        .value(w)
                        .arg("expected", id),
                    None => ctx
                        .make(Code::ConsistencyFileNameFact)
                        .column(title(ctx, "provider_id", "Träger-Nr."))
                        .value(id),
                };
                let f = f.build();
                ctx.push(f);
            }
            (None, Some(written), _) => {
                ctx.cover.provider_id = Some(written);
                ctx.cover.origin.provider_unknown = true;
            }
            (None, None, Some(p)) => {
                ctx.cover.provider_id = Some(p.clone());
                ctx.cover.origin.provider_from_file_name = true;
                ctx.cover.origin.provider_unknown = true;
                let f = ctx
                    .make(Code::ConsistencyFileNameFact)
                    .column(title(ctx, "provider_id", "Träger-Nr."))
                    .value(p)
                    .build();
                ctx.push(f);
            }
            (None, None, None) => {}
        }
    }
    let Some((_, year, quarter)) = named else {
        return;
    };
    if ctx.cover.year.is_none() {
        ctx.cover.year = Some(year);
        ctx.cover.origin.year_from_file_name = true;
        let f = located(ctx.make(Code::ConsistencyFileNameFact), "year")
            .column(title(ctx, "year", "Berichtsjahr"))
            .value(year.to_string())
            .build();
        ctx.push(f);
    }
    if ctx.cover.quarter.is_none() {
        ctx.cover.quarter = Some(quarter);
        ctx.cover.origin.quarter_from_file_name = true;
        let f = located(ctx.make(Code::ConsistencyFileNameFact), "quarter")
            .column(title(ctx, "quarter", "Quartal"))
            .value(quarter.to_string())
            .build();
        ctx.push(f);
    }
}

/// Checks the `Summen` sheet against the sums of the tables' data rows.
pub fn check_sums(
    ctx: &mut Ctx,
    sheet: &Sheet,
    name: &str,
    rows: &[(u32, Vec<RawCell>)],
    tables: &HashMap<String, TableResult>,
) {
    let fields = check_fields(ctx, sheet, name, rows);
    let stated = |idx: &usize| match fields.get(idx) {
        Some((_, CellValue::Ok(v))) => v.as_dec(),
        _ => None,
    };
    let tolerance = Decimal::new(5, 3);
    for (idx, parts) in &sheet.sums {
        let Some((field, _)) = fields.get(idx) else {
            continue;
        };
        let Some(stated_total) = stated(idx) else {
            continue;
        };
        let mut sum = Decimal::ZERO;
        let mut complete = true;
        let mut no_result = NoResult::default();
        for (table, col) in parts {
            match tables.get(table) {
                Some(t) if t.found.get(*col).copied().unwrap_or(false) => {
                    sum += t.sums.get(*col).copied().unwrap_or_default();
                    if let Some(n) = t.no_result.get(*col) {
                        no_result.extend(&n.on_sheet(&t.sheet));
                    }
                }
                _ => complete = false,
            }
        }
        if !complete {
            continue;
        }
        // One cause, one finding: a total that adds up the lines above it on
        // this sheet is right; a difference to the data sits in those lines.
        if parts.len() > 1 {
            let lines: Option<Decimal> = parts
                .iter()
                .map(|part| {
                    sheet
                        .sums
                        .iter()
                        .find(|(_, p)| p.len() == 1 && p.first() == Some(part))
                        .and_then(|(j, _)| stated(j))
                })
                .sum();
            if lines.is_some_and(|l| (stated_total - l).abs() <= tolerance) {
                continue;
            }
        }
        let stated = stated_total;
        let diff = stated - sum;
        if diff.abs() > tolerance {
            let title = sheet
                .columns
                .get(*idx)
                .map(|c| c.title())
                .unwrap_or_default();
            let lang = ctx.lang;
            let f = ctx
                .at(Code::TotalSheet, name, field.value_pos, title)
                .value(coerce::machine(stated, true))
                .arg("value", coerce::show_money(stated, lang))
                .arg("expected", coerce::show_money(sum, lang))
                .arg("difference", coerce::show_money(diff, lang))
                .arg("note", no_result.note(lang))
                .build();
            ctx.push(f);
        }
    }
}

/// The file name's provider and quarter (`T03_2026-Q3.xlsx`), if it follows the suggestion.
pub fn parse_file_name(name: &str) -> Option<(String, i32, u8)> {
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE
        .get_or_init(|| regex::Regex::new(r"(?i)^(T\d{2})[_\- ](\d{4})[_\- ]?Q([1-4])").ok())
        .as_ref()?;
    let c = re.captures(stem)?;
    Some((
        c.get(1)?.as_str().to_uppercase(),
        c.get(2)?.as_str().parse().ok()?,
        c.get(3)?.as_str().parse().ok()?,
    ))
}

pub fn check_file_name(ctx: &mut Ctx, file_name: &str) {
    let Some((p, y, q)) = parse_file_name(file_name) else {
        return;
    };
    let (Some(cp), Some(cy), Some(cq)) = (
        ctx.cover.provider_id.clone(),
        ctx.cover.year,
        ctx.cover.quarter,
    ) else {
        return;
    };
    if p != cp || y != cy || q != cq {
        let f = ctx
            .make(Code::ConsistencyFileName)
            .value(format!("{p} {y}-Q{q}"))
            .arg("expected", format!("{cp} {cy}-Q{cq}"))
            .build();
        ctx.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_the_suggestion() {
        assert_eq!(
            parse_file_name("T03_2026-Q3.xlsx"),
            Some(("T03".into(), 2026, 3))
        );
        assert_eq!(
            parse_file_name("t03 2026 Q3 final.xls"),
            Some(("T03".into(), 2026, 3))
        );
        assert_eq!(parse_file_name("Meldung.xlsx"), None);
    }
}
