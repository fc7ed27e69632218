//! Form sheets: the cover (`Deckblatt`) with the submission's facts, and the
//! provider's own totals (`Summen`) checked against the data.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::coerce::{self, Value};
use crate::config::{DateBound, Role, Sheet};
use chrono::NaiveDate;

use crate::finding::arg::{Money, NoResult as NoResultNote};
use crate::finding::violation::{FindingBuilder, Message};
use crate::finding::CellPos;
use crate::locate::{self, FormField};
use crate::read::RawCell;
use crate::rules::field::{check_cell, CellValue};
use crate::rules::table::{NoResult, TableResult};
use crate::rules::Ctx;

crate::violation! {
/// Ein Pflichtfeld eines Formulars (z. B. im Deckblatt) fehlt: weder die Beschriftung noch ein Wert wurde gefunden.
/// English: a required form field (e.g. on the cover sheet) is missing: neither its label nor a value was found.
FieldMissing = "FIELD-MISSING", Required, Error { aliases: String }
    de: "Das Feld „{column}“ fehlt im Blatt „{sheet}“.",
    en: "The field \"{column}\" is missing from the sheet \"{sheet}\".",
    hint_de: "Beschriftung in Spalte A, Wert in Spalte B; erlaubte Beschriftungen: {aliases}.",
    hint_en: "Label in column A, value in column B; accepted labels: {aliases}.";

/// `Erstellt am` liegt vor dem letzten Tag des Quartals: die Meldung wurde vor Quartalsende erstellt.
/// English: `Erstellt am` lies before the quarter's last day: the report was made before the quarter ended.
RangeCreatedEarly = "RANGE-CREATED-EARLY", Range, Warning { expected: NaiveDate }
    de: "„{column}“ = {value} liegt vor dem Quartalsende ({expected}).",
    en: "\"{column}\" = {value} lies before the end of the quarter ({expected}).",
    hint_de: "Eine Meldung vor Quartalsende ist vermutlich unvollständig.",
    hint_en: "A report made before the quarter ends is probably incomplete.";

/// Ein Betrag im Blatt `Summen` stimmt nicht mit den Daten überein (Abweichung über 0,005 €).
/// English: an amount in the `Summen` sheet does not match the data (difference above 0.005 €).
TotalSheet = "TOTAL-SHEET", Total, Error { value: Money, expected: Money, difference: Money, note: NoResultNote }
    de: "„{column}“ im Blatt Summen nennt {value} €, die Daten ergeben {expected} € (Differenz {difference} €){note}.",
    en: "\"{column}\" in the Summen sheet says {value} €, the data add up to {expected} € (difference {difference} €){note}.",
    hint_de: "Die Summen werden aus den Datenzeilen der Blätter gebildet (ohne Summenzeilen).",
    hint_en: "Totals are formed from the sheets' data rows (without totals rows).";

/// Der Dateiname (`T03_2026-Q3.xlsx`) passt nicht zum Deckblatt; maßgeblich ist das Deckblatt.
/// English: the file name does not match the cover sheet; the cover sheet is authoritative.
ConsistencyFileName = "CONSISTENCY-FILENAME", Consistency, Warning { expected: String }
    de: "Der Dateiname nennt {value}, das Deckblatt {expected}; maßgeblich ist das Deckblatt.",
    en: "The file name says {value}, the cover sheet {expected}; the cover sheet is authoritative.",
    hint_de: "Bitte Dateiname und Deckblatt angleichen.",
    hint_en: "Make the file name and the cover sheet agree.";

/// Träger-Nr., Berichtsjahr oder Quartal fehlt im Deckblatt (oder ist ungültig) und wurde aus dem Dateinamen
/// (`T03_2026-Q3.xlsx`) übernommen, damit keine lesbare Meldung verloren geht.
/// English: the provider number, year or quarter is missing from the cover (or invalid) and was taken from the
/// file name (`T03_2026-Q3.xlsx`), so that no readable submission is lost.
ConsistencyFileNameFact = "CONSISTENCY-FILENAME-FACT", Consistency, Warning {  }
    de: "„{column}“ fehlt im Deckblatt oder ist ungültig; übernommen aus dem Dateinamen: {value}.",
    en: "\"{column}\" is missing from the cover or invalid; taken from the file name: {value}.",
    hint_de: "Bitte das Deckblatt vervollständigen.",
    hint_en: "Complete the cover sheet.";

/// Die Träger-Nr. im Deckblatt steht nicht in den Stammdaten, der Dateiname nennt aber einen bekannten Träger
/// (`T05_2026-Q3.xlsx`): die Meldung wird unter diesem Träger geprüft und gezählt (neben `REFERENCE-PROVIDER`).
/// English: the provider number on the cover is not in the master data, but the file name names a known provider
/// (`T05_2026-Q3.xlsx`): the submission is checked and counted under that provider (besides `REFERENCE-PROVIDER`).
ReferenceProviderFileName = "REFERENCE-PROVIDER-FILENAME", Reference, Warning { expected: String }
    de: "Träger-Nr. „{value}“ im Deckblatt unbekannt; gezählt unter {expected} aus dem Dateinamen.",
    en: "Provider number \"{value}\" on the cover unknown; counted under {expected} from the file name.",
    hint_de: "Bitte die Träger-Nr. im Deckblatt berichtigen, wenn {expected} nicht der meldende Träger ist.",
    hint_en: "Correct the provider number on the cover if {expected} is not the reporting provider.";
}

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
                    let m = FieldMissing {
                        aliases: col.accepted(),
                    };
                    let f = m.finding().sheet(name).column(col.title()).build();
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
    let order = [Role::ProviderId, Role::Year, Role::Quarter];
    let mut indices: Vec<usize> = order.iter().filter_map(|r| sheet.role(*r)).collect();
    let facts = indices.len();
    let rest: Vec<usize> = (0..sheet.columns.len())
        .filter(|i| !indices.contains(i))
        .collect();
    indices.extend(rest);
    for (n, idx) in indices.into_iter().enumerate() {
        if n == facts {
            let at = |role: Role| {
                let pos = sheet
                    .role(role)
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
                let m = FieldMissing {
                    aliases: col.accepted(),
                };
                let f = m.finding().sheet(name).column(col.title()).build();
                ctx.push(f);
            }
            continue;
        };
        let v = check_cell(ctx, name, col, field.value_pos, &field.raw);
        if col.def.role == Some(Role::ProviderId) && v == CellValue::Bad {
            // Unknown to the master data (or not of the form T + 2 digits):
            // kept as written, for counting when the file name knows no better.
            let written = coerce::display(&field.raw).trim().to_string();
            ctx.cover.provider_written = (!written.is_empty()).then_some(written);
        }
        let Some(v) = v.value() else { continue };
        match (col.def.role, v) {
            (Some(Role::ProviderId), Value::Text(t)) => {
                ctx.cover.provider_id = ctx
                    .cfg
                    .provider(t)
                    .map(|p| p.id.clone())
                    .or_else(|| Some(t.trim().to_string()));
            }
            (Some(Role::Year), Value::Int(y)) if (2005..=2100).contains(y) => {
                ctx.cover.year = i32::try_from(*y).ok()
            }
            (Some(Role::Quarter), Value::Quarter(q)) => ctx.cover.quarter = Some(*q),
            (Some(Role::Created), Value::Date(d)) => ctx.cover.created = Some(*d),
            (Some(Role::Contact), Value::Text(t)) => ctx.cover.contact = non_empty(t),
            (Some(Role::Email), Value::Text(t)) => ctx.cover.email = non_empty(t),
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
                    let m = RangeCreatedEarly { expected: limit };
                    let f = ctx
                        .at(m, name, field.value_pos, col.title())
                        .value(coerce::date::format_de(d))
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

fn non_empty(t: &str) -> Option<String> {
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_string())
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
    at: &dyn Fn(Role) -> Option<(String, CellPos)>,
) {
    let named = parse_file_name(file_name);
    let located = |mut b: FindingBuilder, role: Role| {
        if let Some((sheet, pos)) = at(role) {
            b = b.sheet(sheet).cell(pos);
        }
        b
    };
    let title = |ctx: &Ctx, role: Role, fallback: &str| {
        ctx.cfg
            .cover()
            .and_then(|s| s.role(role).and_then(|i| s.columns.get(i)))
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
                    Some(w) => located(
                        ReferenceProviderFileName { expected: id }.finding(),
                        Role::ProviderId,
                    )
                    .value(w),
                    None => ConsistencyFileNameFact {}
                        .finding()
                        .column(title(ctx, Role::ProviderId, "Träger-Nr."))
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
                let f = ConsistencyFileNameFact {}
                    .finding()
                    .column(title(ctx, Role::ProviderId, "Träger-Nr."))
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
        let f = located(ConsistencyFileNameFact {}.finding(), Role::Year)
            .column(title(ctx, Role::Year, "Berichtsjahr"))
            .value(year.to_string())
            .build();
        ctx.push(f);
    }
    if ctx.cover.quarter.is_none() {
        ctx.cover.quarter = Some(quarter);
        ctx.cover.origin.quarter_from_file_name = true;
        let f = located(ConsistencyFileNameFact {}.finding(), Role::Quarter)
            .column(title(ctx, Role::Quarter, "Quartal"))
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
            let m = TotalSheet {
                value: Money(stated),
                expected: Money(sum),
                difference: Money(diff),
                note: no_result.note(),
            };
            let f = ctx
                .at(m, name, field.value_pos, title)
                .value(coerce::machine(stated, true))
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
        let m = ConsistencyFileName {
            expected: format!("{cp} {cy}-Q{cq}"),
        };
        let f = m.finding().value(format!("{p} {y}-Q{q}")).build();
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
