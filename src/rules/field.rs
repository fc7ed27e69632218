//! One cell against its column: type, required, enum, range, pattern,
//! reference (master data), privacy and formula values.

use rust_decimal::Decimal;

use crate::coerce::{self, Coerced, Value};
use crate::config::{Column, EnumSet, FieldType, HelpMatch, ReferenceKind, Via};
use crate::finding::catalog::Code;
use crate::finding::CellPos;
use crate::read::Raw;
use crate::rules::{privacy, Ctx};

/// The outcome of checking one cell.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    /// No value in the cell.
    Empty,
    /// A usable value (canonical for enums: `Sozialraum`, `Hilfeart`).
    Ok(Value),
    /// The cell holds something, but no usable value (an error was reported).
    Bad,
}

impl CellValue {
    pub fn value(&self) -> Option<&Value> {
        match self {
            CellValue::Ok(v) => Some(v),
            _ => None,
        }
    }
}

/// Checks one cell. `required` errors are reported here too, so that a
/// missing *column* (checked elsewhere) never cascades into per-cell errors.
pub fn check_cell(ctx: &mut Ctx, sheet: &str, col: &Column, pos: CellPos, raw: &Raw) -> CellValue {
    let title = col.title();
    let def = &col.def;
    let coerced = coerce::coerce_in(raw, def.ty, ctx.is_1904, ctx.cover.year, ctx.lang);
    let value = match coerced {
        Coerced::Empty => {
            if def.required {
                let f = ctx.at(Code::RequiredEmpty, sheet, pos, title).build();
                ctx.push(f);
            }
            return CellValue::Empty;
        }
        Coerced::ErrorValue(e) => {
            let f = ctx
                .at(Code::FormulaError, sheet, pos, title)
                .value(e)
                .build();
            ctx.push(f);
            return CellValue::Bad;
        }
        Coerced::NoValue(formula) => {
            let f = ctx
                .at(Code::FormulaNoValue, sheet, pos, title)
                .value(formula)
                .build();
            ctx.push(f);
            return CellValue::Bad;
        }
        Coerced::Invalid if def.ty == FieldType::Bool => {
            let f = ctx
                .at(Code::EnumUnknown, sheet, pos, title)
                .value(coerce::display(raw, ctx.lang))
                .arg("allowed", "ja, nein")
                .build();
            ctx.push(f);
            return CellValue::Bad;
        }
        Coerced::Invalid => {
            let shown = coerce::display(raw, ctx.lang);
            if def.privacy && privacy_suspect(ctx, &shown, true).is_some() {
                report_privacy(ctx, sheet, pos, title, &shown, true);
            } else {
                let f = ctx
                    .at(Code::TypeInvalid, sheet, pos, title)
                    .value(shown)
                    .arg("expected", coerce::expected(def.ty, ctx.lang))
                    .build();
                ctx.push(f);
            }
            return CellValue::Bad;
        }
        Coerced::Value(v, note) => {
            if let Some(note) = note {
                let code = if note.ambiguous {
                    Code::TypeAmbiguous
                } else {
                    Code::TypeConverted
                };
                let f = ctx
                    .at(code, sheet, pos, title)
                    .value(coerce::display(raw, ctx.lang))
                    .arg("reading", note.reading)
                    .build();
                ctx.push(f);
            }
            v
        }
    };
    match def.ty {
        FieldType::Enum => check_enum(ctx, sheet, col, pos, value),
        FieldType::Text => check_text(ctx, sheet, col, pos, value, raw),
        FieldType::Decimal | FieldType::Money | FieldType::Integer => {
            check_number(ctx, sheet, col, pos, value, raw)
        }
        FieldType::Date | FieldType::Bool | FieldType::Quarter => CellValue::Ok(value),
    }
}

fn privacy_suspect(ctx: &Ctx, text: &str, is_key: bool) -> Option<&'static str> {
    let year = ctx.cover.year;
    let min = ctx.cfg.privacy.birth_date_min_years;
    let patterns = &ctx.cfg.privacy_patterns;
    if is_key {
        privacy::suspect_key(patterns, text, year, min, ctx.lang)
    } else {
        privacy::suspect_text(patterns, text, year, min, ctx.lang)
    }
}

fn report_privacy(
    ctx: &mut Ctx,
    sheet: &str,
    pos: CellPos,
    title: &str,
    text: &str,
    is_key: bool,
) -> bool {
    match privacy_suspect(ctx, text, is_key) {
        Some(why) => {
            let f = ctx
                .at(Code::PrivacyValue, sheet, pos, title)
                .arg("reading", why)
                .build();
            ctx.push(f);
            true
        }
        None => false,
    }
}

fn check_text(
    ctx: &mut Ctx,
    sheet: &str,
    col: &Column,
    pos: CellPos,
    value: Value,
    raw: &Raw,
) -> CellValue {
    let title = col.title();
    let text = value.as_text().unwrap_or_default().to_string();
    let is_key = col.pattern.is_some();
    let mut private = false;
    if col.def.privacy {
        let pattern_ok = col.pattern.as_ref().is_none_or(|p| p.is_match(&text));
        if !(is_key && pattern_ok) {
            private = report_privacy(
                ctx,
                sheet,
                pos,
                title,
                &coerce::display(raw, ctx.lang),
                is_key,
            );
        }
    }
    if let Some(p) = &col.pattern {
        if !p.is_match(&text) {
            let mut b = ctx.at(Code::PatternMismatch, sheet, pos, title).arg(
                "expected",
                col.def
                    .pattern_text
                    .clone()
                    .unwrap_or_else(|| p.as_str().to_string()),
            );
            if !private {
                b = b.value(text.clone());
            } else {
                b = b.arg("value", "…");
            }
            let f = b.build();
            ctx.push(f);
            return CellValue::Bad;
        }
    }
    if col.def.reference == Some(ReferenceKind::Provider) && ctx.cfg.provider(&text).is_none() {
        let known: Vec<&str> = ctx.cfg.providers.iter().map(|p| p.id.as_str()).collect();
        let f = ctx
            .at(Code::ReferenceProvider, sheet, pos, title)
            .value(text)
            .arg("allowed", known.join(", "))
            .build();
        ctx.push(f);
        return CellValue::Bad;
    }
    if col.def.reference == Some(ReferenceKind::ProviderName) {
        if let Some(p) = ctx.provider() {
            if crate::text::match_key(&p.name) != crate::text::match_key(&text) {
                let f = ctx
                    .at(Code::ReferenceProviderName, sheet, pos, title)
                    .value(text.clone())
                    .arg("expected", p.name.clone())
                    .build();
                ctx.push(f);
            }
        }
    }
    if private {
        return CellValue::Bad;
    }
    CellValue::Ok(Value::Text(text))
}

fn check_enum(ctx: &mut Ctx, sheet: &str, col: &Column, pos: CellPos, value: Value) -> CellValue {
    let title = col.title();
    let text = value.as_text().unwrap_or_default().to_string();
    match col.def.enum_set {
        Some(EnumSet::Sozialraum) => {
            if ctx.cfg.is_county_wide(&text) {
                if col.def.allow_county_wide {
                    return CellValue::Ok(Value::Text(ctx.cfg.county_wide.name.clone()));
                }
                let f = ctx
                    .at(Code::EnumCountyWide, sheet, pos, title)
                    .value(text)
                    .build();
                ctx.push(f);
                return CellValue::Bad;
            }
            match ctx.cfg.sozialraum(ctx.cover.year, &text) {
                Some((name, via)) => {
                    let name = name.to_string();
                    if via == Via::Municipality {
                        let f = ctx
                            .at(Code::EnumMunicipality, sheet, pos, title)
                            .value(text)
                            .arg("reading", name.clone())
                            .build();
                        ctx.push(f);
                    }
                    CellValue::Ok(Value::Text(name))
                }
                None => {
                    let mut allowed = ctx.cfg.sozialraum_names(ctx.cover.year).join(", ");
                    if col.def.allow_county_wide {
                        allowed.push_str(&format!(", {}", ctx.cfg.county_wide.name));
                    }
                    let f = ctx
                        .at(Code::EnumUnknown, sheet, pos, title)
                        .value(text)
                        .arg("allowed", allowed)
                        .build();
                    ctx.push(f);
                    CellValue::Bad
                }
            }
        }
        Some(EnumSet::HelpType) => match ctx.cfg.help_type(&text) {
            Some(HelpMatch::Allowed(h)) => {
                if ctx.cfg.help_type_as_written(&text).is_none() {
                    let reading = format!(
                        "{} ({})",
                        h.name,
                        crate::i18n::t(ctx.lang, "ohne Gesetzesname", "without the law's name")
                    );
                    let f = ctx
                        .at(Code::TypeConverted, sheet, pos, title)
                        .value(text)
                        .arg("reading", reading)
                        .build();
                    ctx.push(f);
                }
                CellValue::Ok(Value::Text(h.name.clone()))
            }
            Some(HelpMatch::Excluded(h)) => {
                let f = ctx
                    .at(Code::EnumExcluded, sheet, pos, title)
                    .value(text)
                    .arg("meaning", h.meaning.clone())
                    .arg("reason", h.reason.clone())
                    .build();
                ctx.push(f);
                CellValue::Bad
            }
            None => {
                let allowed: Vec<String> =
                    ctx.cfg.help_types.iter().map(|h| h.name.clone()).collect();
                let f = ctx
                    .at(Code::EnumUnknown, sheet, pos, title)
                    .value(text)
                    .arg("allowed", allowed.join(", "))
                    .build();
                ctx.push(f);
                CellValue::Bad
            }
        },
        None => CellValue::Ok(Value::Text(text)),
    }
}

fn check_number(
    ctx: &mut Ctx,
    sheet: &str,
    col: &Column,
    pos: CellPos,
    value: Value,
    raw: &Raw,
) -> CellValue {
    let title = col.title();
    let def = &col.def;
    let Some(mut d) = value.as_dec() else {
        return CellValue::Ok(value);
    };
    if def.ty == FieldType::Money {
        // Money is exact from here on: rounded to the cent once, at the edge.
        d = coerce::number::cents(d);
    }
    if let Some(places) = def.decimal_places {
        if d.normalize().scale() > places {
            let f = ctx
                .at(Code::TypePrecision, sheet, pos, title)
                .value(coerce::display(raw, ctx.lang))
                .arg("places", places.to_string())
                .build();
            ctx.push(f);
        }
    }
    let lang = ctx.lang;
    let money = def.ty == FieldType::Money;
    // Amounts are shown as money (`-120,00 €`), other numbers as they are.
    let show = |x: Decimal| {
        if money {
            format!("{} €", coerce::show_money(x, lang))
        } else {
            coerce::show_dec(x, lang)
        }
    };
    let out = def.minimum.is_some_and(|m| d < m)
        || def.exclusive_minimum.is_some_and(|m| d <= m)
        || def.maximum.is_some_and(|m| d > m);
    if out {
        let bounds: Vec<String> = [
            def.minimum.map(|m| format!("≥ {}", show(m))),
            def.exclusive_minimum.map(|m| format!("> {}", show(m))),
            def.maximum.map(|m| format!("≤ {}", show(m))),
        ]
        .into_iter()
        .flatten()
        .collect();
        let f = ctx
            .at(Code::RangeNumber, sheet, pos, title)
            .value(coerce::machine(d, money))
            .arg("value", show(d))
            .arg("expected", bounds.join(", "))
            .build();
        ctx.push(f);
        // The value is still read: an out-of-range amount is counted, and flagged.
    }
    if def.reference == Some(ReferenceKind::ProviderRate) {
        if let Some(p) = ctx.provider() {
            if d != p.rate {
                let expected = coerce::show_money(p.rate, lang);
                let f = ctx
                    .at(Code::ReferenceRate, sheet, pos, title)
                    .value(coerce::machine(d, true))
                    .arg("value", coerce::show_money(d, lang))
                    .arg("expected", expected)
                    .build();
                ctx.push(f);
            }
        }
    }
    match value {
        Value::Int(i) => CellValue::Ok(Value::Int(i)),
        _ => CellValue::Ok(Value::Dec(d)),
    }
}
