//! One cell against its column: type, required, enum, range, pattern,
//! reference (master data), privacy and formula values.

use rust_decimal::Decimal;

use crate::coerce::{self, Coerced, Value};
use crate::config::{Column, EnumSet, FieldType, HelpMatch, ReferenceKind, Via};
use crate::finding::arg::{Amount, Bound, BoundOp, Bounds, Money, Phrase, Reading};
use crate::finding::CellPos;
use crate::read::Raw;
use crate::rules::{privacy, Ctx};

crate::violation! {
/// Eine Pflichtzelle ist leer.
/// English: a required cell is empty.
RequiredEmpty = "REQUIRED-EMPTY", Required, Error {  }
    de: "„{column}“ ist leer; ein Wert ist Pflicht.",
    en: "\"{column}\" is empty; a value is required.",
    hint_de: "",
    hint_en: "";

/// Der Wert hat nicht den Typ der Spalte (z. B. Text in einer Zahlenspalte, kein gültiges Datum).
/// English: the value is not of the column's type (text in a number column, no valid date).
TypeInvalid = "TYPE-INVALID", Type, Error { expected: Phrase }
    de: "„{value}“ ist kein gültiger Wert für „{column}“: erwartet {expected}.",
    en: "\"{value}\" is not a valid value for \"{column}\": expected {expected}.",
    hint_de: "",
    hint_en: "";

/// Der Wert ist mehrdeutig und wurde mit einer Annahme gelesen (z. B. `1.234`: Tausenderpunkt oder Dezimalpunkt?;
/// ein Datum ohne Jahr wie `1.4.` im Berichtsjahr des Deckblatts).
/// English: the value is ambiguous and was read under an assumption (e.g. `1.234`: thousands or decimal separator?;
/// a date without a year such as `1.4.` in the cover's reporting year).
TypeAmbiguous = "TYPE-AMBIGUOUS", Type, Warning { reading: Reading }
    de: "„{value}“ ist mehrdeutig und wurde als {reading} gelesen.",
    en: "\"{value}\" is ambiguous and was read as {reading}.",
    hint_de: "Bitte eindeutig schreiben, z. B. als Zahl statt als Text oder mit Komma als Dezimalzeichen.",
    hint_en: "Write it unambiguously, e.g. as a number instead of text or with a decimal comma.";

/// Ein Wert wurde aus einer anderen Darstellung gelesen (Zahl als Text wie `1.450,-` oder `€ 608,00`, Stunden mit Einheit
/// wie `10 Std.`, Datum als Text oder Seriennummer, Hilfeart mit Gesetzesname wie `§ 31 SGB VIII`).
/// English: a value was read from another representation (number as text such as `1.450,-` or `€ 608,00`, hours with a
/// unit such as `10 Std.`, date as text or serial number, help type with the law's name such as `§ 31 SGB VIII`).
TypeConverted = "TYPE-CONVERTED", Type, Info { reading: Reading }
    de: "„{value}“ wurde als {reading} gelesen.",
    en: "\"{value}\" was read as {reading}.",
    hint_de: "",
    hint_en: "",
    many_de: "{count} Werte aus anderer Darstellung gelesen, z. B. „{value}“ als {reading}.",
    many_en: "{count} values read from another representation, e.g. \"{value}\" as {reading}.";

/// Eine Zahl hat mehr Nachkommastellen als erlaubt.
/// English: a number has more decimal places than allowed.
TypePrecision = "TYPE-PRECISION", Type, Warning { places: u32 }
    de: "„{value}“ hat mehr als {places} Nachkommastellen.",
    en: "\"{value}\" has more than {places} decimal places.",
    hint_de: "Bitte auf {places} Nachkommastellen runden.",
    hint_en: "Round to {places} decimal places.";

/// Der Wert gehört nicht zu den zulässigen Werten (Sozialraum, Hilfeart, ja/nein).
/// English: the value is not among the allowed values (Sozialraum, help type, yes/no).
EnumUnknown = "ENUM-UNKNOWN", Enum, Error { allowed: Vec<String> }
    de: "„{value}“ ist kein zulässiger Wert für „{column}“.",
    en: "\"{value}\" is not an allowed value for \"{column}\".",
    hint_de: "Zulässig: {allowed}.",
    hint_en: "Allowed: {allowed}.";

/// Stationäre Hilfen und Vollzeitpflege (§ 33, § 34 SGB VIII) werden einzelfallbezogen finanziert, nicht aus dem Sozialraumbudget.
/// English: foster care and residential care (§ 33, § 34 SGB VIII) are financed case by case, not from the Sozialraumbudget.
EnumExcluded = "ENUM-EXCLUDED", Enum, Error { meaning: String, reason: String }
    de: "„{value}“ ({meaning}) gehört nicht in die Fallarbeit des Sozialraumbudgets.",
    en: "\"{value}\" ({meaning}) does not belong in the Sozialraumbudget's case work.",
    hint_de: "{reason}",
    hint_en: "{reason}";

/// `kreisweit` ist nur in der Strukturarbeit zulässig.
/// English: `kreisweit` (county-wide) is only allowed in Strukturarbeit.
EnumCountyWide = "ENUM-COUNTY-WIDE", Enum, Error {  }
    de: "„{value}“ ist in „{sheet}“ nicht zulässig; kreisweite Arbeit gibt es nur in der Strukturarbeit.",
    en: "\"{value}\" is not allowed in \"{sheet}\"; county-wide work exists only in Strukturarbeit.",
    hint_de: "Bitte den Sozialraum angeben, in dem die Leistung erbracht wurde.",
    hint_en: "Give the Sozialraum in which the work was done.";

/// Statt des Sozialraums steht eine Gemeinde in der Zelle; sie wird als ihr Sozialraum gelesen.
/// English: a municipality was written instead of the Sozialraum; it is read as its Sozialraum.
EnumMunicipality = "ENUM-MUNICIPALITY", Enum, Info { reading: String }
    de: "„{value}“ wurde als Sozialraum „{reading}“ gelesen.",
    en: "\"{value}\" was read as Sozialraum \"{reading}\".",
    hint_de: "",
    hint_en: "",
    many_de: "{count} Gemeinden als ihr Sozialraum gelesen, z. B. „{value}“ als „{reading}“.",
    many_en: "{count} municipalities read as their Sozialraum, e.g. \"{value}\" as \"{reading}\".";

/// Eine Zahl oder ein Datum liegt außerhalb der erlaubten Grenzen.
/// English: a number or date lies outside its bounds.
RangeNumber = "RANGE-NUMBER", Range, Error { value: Amount, expected: Bounds }
    de: "„{column}“ = {value} liegt außerhalb des erlaubten Bereichs: erwartet {expected}.",
    en: "\"{column}\" = {value} is out of range: expected {expected}.",
    hint_de: "",
    hint_en: "";

/// Ein Text hat nicht die geforderte Form (Fall-ID `JA-2026-00417`, Träger-Nr. `T03`, E-Mail-Adresse).
/// English: a text does not have the required form (case key, provider number, e-mail address).
PatternMismatch = "PATTERN-MISMATCH", Pattern, Error { value: String, expected: String }
    de: "„{value}“ hat nicht die Form von „{column}“: erwartet {expected}.",
    en: "\"{value}\" does not have the form of \"{column}\": expected {expected}.",
    hint_de: "",
    hint_en: "";

/// Die Träger-Nr. steht nicht in den Stammdaten.
/// English: the provider number is not in the master data.
ReferenceProvider = "REFERENCE-PROVIDER", Reference, Error { allowed: Vec<String> }
    de: "Die Träger-Nr. „{value}“ ist in den Stammdaten nicht bekannt.",
    en: "The provider number \"{value}\" is not in the master data.",
    hint_de: "Bekannte Träger: {allowed}.",
    hint_en: "Known providers: {allowed}.";

/// Der Trägername weicht vom Namen in den Stammdaten ab.
/// English: the provider name differs from the master data.
ReferenceProviderName = "REFERENCE-PROVIDER-NAME", Reference, Warning { expected: String }
    de: "Der Trägername „{value}“ weicht von den Stammdaten ab: erwartet „{expected}“.",
    en: "The provider name \"{value}\" differs from the master data: expected \"{expected}\".",
    hint_de: "",
    hint_en: "";

/// Der Stundensatz weicht vom vereinbarten Satz des Trägers ab.
/// English: the hourly rate differs from the provider's contracted rate.
ReferenceRate = "REFERENCE-RATE", Reference, Error { value: Money, expected: Money }
    de: "Der Stundensatz {value} € weicht vom vereinbarten Satz {expected} € ab.",
    en: "The hourly rate {value} € differs from the contracted rate {expected} €.",
    hint_de: "Abgerechnet wird der mit dem Landkreis vereinbarte Satz.",
    hint_en: "Bill the rate contracted with the district.";

/// Eine Zelle enthält einen Excel-Fehlerwert (`#DIV/0!`, `#WERT!`, `#BEZUG!` …).
/// English: a cell holds an Excel error value (`#DIV/0!`, `#VALUE!`, `#REF!` …).
FormulaError = "FORMULA-ERROR", Formula, Error {  }
    de: "„{column}“ enthält den Fehlerwert {value}.",
    en: "\"{column}\" holds the error value {value}.",
    hint_de: "Bitte die Formel in dieser Zelle korrigieren.",
    hint_en: "Correct the formula in this cell.";

/// Eine Formel ohne gespeichertes Ergebnis (die Datei wurde von einem Programm geschrieben und nie in Excel berechnet).
/// English: a formula without a cached result (written by a program, never calculated in Excel).
FormulaNoValue = "FORMULA-NO-VALUE", Formula, Error {  }
    de: "„{column}“ enthält eine Formel ohne gespeichertes Ergebnis ({value}).",
    en: "\"{column}\" holds a formula without a stored result ({value}).",
    hint_de: "Bitte die Datei in Excel oder LibreOffice öffnen, neu berechnen und speichern.",
    hint_en: "Open the file in Excel or LibreOffice, recalculate and save it.";
}

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
    let coerced = coerce::coerce_in(raw, def.ty, ctx.is_1904, ctx.cover.year);
    let value = match coerced {
        Coerced::Empty => {
            if def.required {
                let f = ctx.at(RequiredEmpty {}, sheet, pos, title).build();
                ctx.push(f);
            }
            return CellValue::Empty;
        }
        Coerced::ErrorValue(e) => {
            let f = ctx.at(FormulaError {}, sheet, pos, title).value(e).build();
            ctx.push(f);
            return CellValue::Bad;
        }
        Coerced::NoValue(formula) => {
            let f = ctx
                .at(FormulaNoValue {}, sheet, pos, title)
                .value(formula)
                .build();
            ctx.push(f);
            return CellValue::Bad;
        }
        Coerced::Invalid if def.ty == FieldType::Bool => {
            let allowed = vec!["ja".to_string(), "nein".to_string()];
            let f = ctx
                .at(EnumUnknown { allowed }, sheet, pos, title)
                .value(coerce::display(raw))
                .build();
            ctx.push(f);
            return CellValue::Bad;
        }
        Coerced::Invalid => {
            let shown = coerce::display(raw);
            if def.privacy && privacy_suspect(ctx, &shown, true).is_some() {
                report_privacy(ctx, sheet, pos, title, &shown, true);
            } else {
                let m = TypeInvalid {
                    expected: coerce::expected(def.ty),
                };
                let f = ctx.at(m, sheet, pos, title).value(shown).build();
                ctx.push(f);
            }
            return CellValue::Bad;
        }
        Coerced::Value(v, note) => {
            if let Some(note) = note {
                let b = if note.ambiguous {
                    ctx.at(
                        TypeAmbiguous {
                            reading: note.reading,
                        },
                        sheet,
                        pos,
                        title,
                    )
                } else {
                    ctx.at(
                        TypeConverted {
                            reading: note.reading,
                        },
                        sheet,
                        pos,
                        title,
                    )
                };
                let f = b.value(coerce::display(raw)).build();
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

fn privacy_suspect(ctx: &Ctx, text: &str, is_key: bool) -> Option<Phrase> {
    let year = ctx.cover.year;
    let min = ctx.cfg.privacy.birth_date_min_years;
    let patterns = &ctx.cfg.privacy_patterns;
    if is_key {
        privacy::suspect_key(patterns, text, year, min)
    } else {
        privacy::suspect_text(patterns, text, year, min)
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
                .at(privacy::PrivacyValue { reading: why }, sheet, pos, title)
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
            private = report_privacy(ctx, sheet, pos, title, &coerce::display(raw), is_key);
        }
    }
    if let Some(p) = &col.pattern {
        if !p.is_match(&text) {
            let m = PatternMismatch {
                // A suspected name is not repeated.
                value: if private { "…".into() } else { text.clone() },
                expected: col
                    .def
                    .pattern_text
                    .clone()
                    .unwrap_or_else(|| p.as_str().to_string()),
            };
            let mut b = ctx.at(m, sheet, pos, title);
            if !private {
                b = b.value(text.clone());
            }
            let f = b.build();
            ctx.push(f);
            return CellValue::Bad;
        }
    }
    if col.def.reference == Some(ReferenceKind::Provider) && ctx.cfg.provider(&text).is_none() {
        let allowed = ctx.cfg.providers.iter().map(|p| p.id.clone()).collect();
        let f = ctx
            .at(ReferenceProvider { allowed }, sheet, pos, title)
            .value(text)
            .build();
        ctx.push(f);
        return CellValue::Bad;
    }
    if col.def.reference == Some(ReferenceKind::ProviderName) {
        if let Some(p) = ctx.provider() {
            if crate::text::match_key(&p.name) != crate::text::match_key(&text) {
                let m = ReferenceProviderName {
                    expected: p.name.clone(),
                };
                let f = ctx.at(m, sheet, pos, title).value(text.clone()).build();
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
                    .at(EnumCountyWide {}, sheet, pos, title)
                    .value(text)
                    .build();
                ctx.push(f);
                return CellValue::Bad;
            }
            match ctx.cfg.sozialraum(ctx.cover.year, &text) {
                Some((name, via)) => {
                    let name = name.to_string();
                    if via == Via::Municipality {
                        let m = EnumMunicipality {
                            reading: name.clone(),
                        };
                        let f = ctx.at(m, sheet, pos, title).value(text).build();
                        ctx.push(f);
                    }
                    CellValue::Ok(Value::Text(name))
                }
                None => {
                    let mut allowed: Vec<String> = ctx
                        .cfg
                        .sozialraum_names(ctx.cover.year)
                        .iter()
                        .map(|s| s.to_string())
                        .collect();
                    if col.def.allow_county_wide {
                        allowed.push(ctx.cfg.county_wide.name.clone());
                    }
                    let f = ctx
                        .at(EnumUnknown { allowed }, sheet, pos, title)
                        .value(text)
                        .build();
                    ctx.push(f);
                    CellValue::Bad
                }
            }
        }
        Some(EnumSet::HelpType) => match ctx.cfg.help_type(&text) {
            Some(HelpMatch::Allowed(h)) => {
                if ctx.cfg.help_type_as_written(&text).is_none() {
                    let m = TypeConverted {
                        reading: Reading::WithoutLawName(h.name.clone()),
                    };
                    let f = ctx.at(m, sheet, pos, title).value(text).build();
                    ctx.push(f);
                }
                CellValue::Ok(Value::Text(h.name.clone()))
            }
            Some(HelpMatch::Excluded(h)) => {
                let m = EnumExcluded {
                    meaning: h.meaning.clone(),
                    reason: h.reason.clone(),
                };
                let f = ctx.at(m, sheet, pos, title).value(text).build();
                ctx.push(f);
                CellValue::Bad
            }
            None => {
                let allowed: Vec<String> =
                    ctx.cfg.help_types.iter().map(|h| h.name.clone()).collect();
                let f = ctx
                    .at(EnumUnknown { allowed }, sheet, pos, title)
                    .value(text)
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
        d = crate::show::cents(d);
    }
    if let Some(places) = def.decimal_places {
        if d.normalize().scale() > places {
            let f = ctx
                .at(TypePrecision { places }, sheet, pos, title)
                .value(coerce::display(raw))
                .build();
            ctx.push(f);
        }
    }
    let money = def.ty == FieldType::Money;
    // Amounts are shown as money (`-120,00 €`), other numbers as they are.
    let amount = |value: Decimal| Amount { value, money };
    let out = def.minimum.is_some_and(|m| d < m)
        || def.exclusive_minimum.is_some_and(|m| d <= m)
        || def.maximum.is_some_and(|m| d > m);
    if out {
        let bound = |op, m: Option<Decimal>| {
            m.map(|m| Bound {
                op,
                value: amount(m),
            })
        };
        let expected = [
            bound(BoundOp::AtLeast, def.minimum),
            bound(BoundOp::Above, def.exclusive_minimum),
            bound(BoundOp::AtMost, def.maximum),
        ]
        .into_iter()
        .flatten()
        .collect();
        let m = RangeNumber {
            value: amount(d),
            expected: Bounds(expected),
        };
        let f = ctx
            .at(m, sheet, pos, title)
            .value(coerce::machine(d, money))
            .build();
        ctx.push(f);
        // The value is still read: an out-of-range amount is counted, and flagged.
    }
    if def.reference == Some(ReferenceKind::ProviderRate) {
        if let Some(p) = ctx.provider() {
            if d != p.rate {
                let m = ReferenceRate {
                    value: Money(d),
                    expected: Money(p.rate),
                };
                let f = ctx
                    .at(m, sheet, pos, title)
                    .value(coerce::machine(d, true))
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
