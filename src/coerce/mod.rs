//! Coercion: a raw cell becomes a typed value of its column's type, or a
//! reason why it cannot. Tolerated forms are read and say so (a `Note`);
//! nothing is guessed silently.

pub mod date;
pub mod number;

use crate::text;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::config::FieldType;
use crate::finding::arg::{Amount, Phrase, Reading};
use crate::i18n::Lang;
use crate::read::Raw;
use number::NumberReading;

/// A typed cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Dec(Decimal),
    Date(NaiveDate),
    Bool(bool),
    Quarter(u8),
}

impl Value {
    pub fn as_dec(&self) -> Option<Decimal> {
        match self {
            Value::Dec(d) => Some(*d),
            Value::Int(i) => Some(Decimal::from(*i)),
            _ => None,
        }
    }
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// A remark on how a value was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub ambiguous: bool,
    pub reading: Reading,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Coerced {
    Empty,
    Value(Value, Option<Note>),
    /// Not a value of the type; the message states what was expected.
    Invalid,
    /// An Excel error value such as `#DIV/0!`.
    ErrorValue(String),
    /// A formula whose result was never stored.
    NoValue(String),
}

/// What a column of this type expects, for messages.
pub fn expected(ty: FieldType) -> Phrase {
    match ty {
        FieldType::Text => Phrase::ExpectText,
        FieldType::Integer => Phrase::ExpectInteger,
        FieldType::Decimal => Phrase::ExpectDecimal,
        FieldType::Money => Phrase::ExpectMoney,
        FieldType::Date => Phrase::ExpectDate,
        FieldType::Bool => Phrase::ExpectBool,
        FieldType::Enum => Phrase::ExpectEnum,
        FieldType::Quarter => Phrase::ExpectQuarter,
    }
}

/// Shows a raw value as found: text as typed, numbers as Excel shows them
/// (a plain decimal with a dot, the same in every language), dates `dd.mm.yyyy`.
pub fn display(raw: &Raw) -> String {
    match raw {
        Raw::Empty => String::new(),
        Raw::Text(s) => s.trim().to_string(),
        Raw::Number(f) => match number::from_excel(*f) {
            Some(d) => d.normalize().to_string(),
            None => f.to_string(),
        },
        Raw::Int(i) => i.to_string(),
        Raw::Bool(b) => if *b { "WAHR" } else { "FALSCH" }.to_string(),
        Raw::DateTime(dt) => date::format_de(dt.date()),
        Raw::Error(e) => e.clone(),
        Raw::NoValue(f) => f.clone(),
    }
}

pub use crate::show::{dec as show_dec, money as show_money};

/// A decimal as the JSON contract writes it: a dot, no grouping (money: two places).
pub fn machine(d: Decimal, money: bool) -> String {
    if money {
        crate::show::json_money(d)
    } else {
        d.normalize().to_string()
    }
}

pub fn show_value(v: &Value, lang: Lang) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Int(i) => i.to_string(),
        Value::Dec(d) => show_dec(*d, lang),
        Value::Date(d) => date::format_de(*d),
        Value::Bool(b) => if *b { "ja" } else { "nein" }.to_string(),
        Value::Quarter(q) => q.to_string(),
    }
}

/// Coerces one cell to a column type. `is_1904` is the workbook's date system,
/// needed for bare serial numbers in date columns.
pub fn coerce(raw: &Raw, ty: FieldType, is_1904: bool) -> Coerced {
    coerce_in(raw, ty, is_1904, None)
}

fn note(reading: Reading) -> Option<Note> {
    Some(Note {
        ambiguous: false,
        reading,
    })
}

fn ambiguous(reading: Reading) -> Option<Note> {
    Some(Note {
        ambiguous: true,
        reading,
    })
}

/// Like `coerce`, knowing the reporting year: a date written without its year
/// (`1.4.`) is read in that year, with a warning that says so.
pub fn coerce_in(raw: &Raw, ty: FieldType, is_1904: bool, year: Option<i32>) -> Coerced {
    match raw {
        Raw::Empty => return Coerced::Empty,
        Raw::Text(s) if text::is_blank(s) => return Coerced::Empty,
        Raw::Error(e) => return Coerced::ErrorValue(e.clone()),
        Raw::NoValue(f) => return Coerced::NoValue(f.clone()),
        _ => {}
    }
    match ty {
        FieldType::Text | FieldType::Enum => match raw {
            Raw::Text(s) => Coerced::Value(Value::Text(text::clean(s)), None),
            other => Coerced::Value(Value::Text(display(other)), None),
        },
        FieldType::Decimal | FieldType::Money => match number_of(raw, ty) {
            Some((d, note)) => Coerced::Value(Value::Dec(d), note),
            None => Coerced::Invalid,
        },
        FieldType::Integer => match number_of(raw, ty) {
            Some((d, note)) if d.fract().is_zero() => match i64::try_from(d.trunc()) {
                Ok(i) => Coerced::Value(Value::Int(i), note),
                Err(_) => Coerced::Invalid,
            },
            _ => Coerced::Invalid,
        },
        FieldType::Date => match raw {
            Raw::DateTime(dt) => Coerced::Value(Value::Date(dt.date()), None),
            Raw::Number(f) => match date::from_serial(*f, is_1904) {
                Some(d) => Coerced::Value(Value::Date(d), note(Reading::DateSerial(d))),
                None => Coerced::Invalid,
            },
            Raw::Int(i) => match date::from_serial(*i as f64, is_1904) {
                Some(d) => Coerced::Value(Value::Date(d), note(Reading::DateSerial(d))),
                None => Coerced::Invalid,
            },
            Raw::Text(s) => match date::parse_text(s) {
                Some((d, date::DateReading::Text)) => {
                    Coerced::Value(Value::Date(d), note(Reading::DateText(d)))
                }
                Some((d, date::DateReading::ShortYear)) => {
                    Coerced::Value(Value::Date(d), note(Reading::TwoDigitYear(d)))
                }
                Some((d, date::DateReading::Ambiguous { other })) => Coerced::Value(
                    Value::Date(d),
                    ambiguous(Reading::DayMonth { date: d, other }),
                ),
                None => match (date::parse_day_month(s), year) {
                    (Some((d, m)), Some(y)) => match date::day_month_in(d, m, y) {
                        Some(x) => Coerced::Value(
                            Value::Date(x),
                            ambiguous(Reading::NoYear { date: x, year: y }),
                        ),
                        None => Coerced::Invalid,
                    },
                    _ => Coerced::Invalid,
                },
            },
            _ => Coerced::Invalid,
        },
        FieldType::Bool => match raw {
            Raw::Bool(b) => Coerced::Value(Value::Bool(*b), None),
            Raw::Number(f) if *f == 1.0 || *f == 0.0 => {
                Coerced::Value(Value::Bool(*f == 1.0), None)
            }
            Raw::Int(i) if *i == 1 || *i == 0 => Coerced::Value(Value::Bool(*i == 1), None),
            Raw::Text(s) => match text::match_key(s).trim_end_matches('.') {
                "ja" | "j" | "yes" | "y" | "wahr" | "true" => {
                    Coerced::Value(Value::Bool(true), None)
                }
                "nein" | "n" | "no" | "falsch" | "false" | "-" => {
                    Coerced::Value(Value::Bool(false), None)
                }
                "x" => Coerced::Value(Value::Bool(true), note(Reading::Cross)),
                _ => Coerced::Invalid,
            },
            _ => Coerced::Invalid,
        },
        FieldType::Quarter => match quarter_of(raw) {
            Some(q) => Coerced::Value(Value::Quarter(q), None),
            None => Coerced::Invalid,
        },
    }
}

fn number_of(raw: &Raw, ty: FieldType) -> Option<(Decimal, Option<Note>)> {
    let money = ty == FieldType::Money;
    let amount = |value: Decimal| Amount { value, money };
    match raw {
        Raw::Number(f) => number::from_excel(*f).map(|d| (d, None)),
        Raw::Int(i) => Some((Decimal::from(*i), None)),
        Raw::Text(s) => {
            let hours = match ty {
                FieldType::Decimal => number::strip_hour_unit(s),
                _ => None,
            };
            let (d, reading) = number::parse_text(hours.unwrap_or(s))?;
            let n = match reading {
                NumberReading::Plain | NumberReading::Converted if hours.is_some() => {
                    note(Reading::HoursWithUnit(amount(d)))
                }
                NumberReading::Plain | NumberReading::Converted => {
                    note(Reading::NumberAsText(amount(d)))
                }
                NumberReading::Ambiguous { other } => ambiguous(Reading::NumberNot {
                    value: amount(d),
                    other: amount(other),
                }),
            };
            Some((d, n))
        }
        _ => None,
    }
}

/// `3`, `Q3`, `3. Quartal`, `Quartal 3`, `III`, `3/2026`.
pub fn quarter_of(raw: &Raw) -> Option<u8> {
    let n = match raw {
        Raw::Number(f) if f.fract() == 0.0 && (1.0..=4.0).contains(f) => *f as u8,
        Raw::Int(i) if (1..=4).contains(i) => *i as u8,
        Raw::Text(s) => {
            let k = text::match_key(s)
                .replace("quartal", "")
                .replace(['.', ' '], "");
            let k = k.split('/').next().unwrap_or("");
            let k = k.strip_prefix('q').unwrap_or(k);
            match k {
                "1" | "i" => 1,
                "2" | "ii" => 2,
                "3" | "iii" => 3,
                "4" | "iv" => 4,
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(raw: Raw, ty: FieldType) -> Coerced {
        coerce(&raw, ty, false)
    }

    #[test]
    fn money_text_is_read_and_says_so() {
        match c(Raw::Text("60,80 €".into()), FieldType::Money) {
            Coerced::Value(Value::Dec(d), Some(n)) => {
                assert_eq!(d.to_string(), "60.80");
                assert!(!n.ambiguous);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            c(Raw::Text("1.234".into()), FieldType::Money),
            Coerced::Value(
                _,
                Some(Note {
                    ambiguous: true,
                    ..
                })
            )
        ));
        assert_eq!(
            c(Raw::Text("zwölf".into()), FieldType::Money),
            Coerced::Invalid
        );
        assert_eq!(
            c(Raw::Number(62.4), FieldType::Money),
            Coerced::Value(Value::Dec("62.4".parse().unwrap()), None)
        );
    }

    #[test]
    fn errors_and_missing_results_are_not_zero() {
        assert_eq!(
            c(Raw::Error("#DIV/0!".into()), FieldType::Money),
            Coerced::ErrorValue("#DIV/0!".into())
        );
        assert_eq!(
            c(Raw::NoValue("=D2*G2".into()), FieldType::Money),
            Coerced::NoValue("=D2*G2".into())
        );
        assert_eq!(
            c(Raw::Text(" \u{a0} ".into()), FieldType::Money),
            Coerced::Empty
        );
    }

    #[test]
    fn dates_from_cells_text_and_serials() {
        let d = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        assert!(
            matches!(c(Raw::Text("1.7.26".into()), FieldType::Date), Coerced::Value(Value::Date(x), Some(_)) if x == d)
        );
        assert!(
            matches!(c(Raw::Number(46204.0), FieldType::Date), Coerced::Value(Value::Date(x), Some(_)) if x == d)
        );
        assert!(
            matches!(coerce(&Raw::Number(44742.0), FieldType::Date, true), Coerced::Value(Value::Date(x), _) if x == d)
        );
        assert_eq!(
            c(Raw::Text("31.02.2026".into()), FieldType::Date),
            Coerced::Invalid
        );
    }

    #[test]
    fn money_readings_are_shown_as_money() {
        let reading = |text: &str| match c(Raw::Text(text.into()), FieldType::Money) {
            Coerced::Value(_, Some(n)) => n.reading.show(Lang::De),
            other => panic!("{other:?}"),
        };
        assert_eq!(reading("1.450,-"), "1.450,00 € (Zahl als Text)");
        assert_eq!(reading("1.234"), "1.234,00 € (nicht 1,234 €)");
    }

    #[test]
    fn a_date_without_year_takes_the_reporting_year_and_says_so() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        match coerce_in(
            &Raw::Text("1.4.".into()),
            FieldType::Date,
            false,
            Some(2026),
        ) {
            Coerced::Value(Value::Date(x), Some(n)) => {
                assert_eq!(x, d);
                assert!(n.ambiguous);
                let shown = n.reading.show(Lang::De);
                assert!(shown.contains("2026"), "{shown}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            c(Raw::Text("1.4.".into()), FieldType::Date),
            Coerced::Invalid
        );
        assert_eq!(
            coerce_in(
                &Raw::Text("30.2.".into()),
                FieldType::Date,
                false,
                Some(2026),
            ),
            Coerced::Invalid
        );
    }

    #[test]
    fn hours_with_a_unit_only_in_decimal_columns() {
        assert!(matches!(
            c(Raw::Text("10 Std.".into()), FieldType::Decimal),
            Coerced::Value(Value::Dec(d), Some(_)) if d == Decimal::from(10)
        ));
        assert_eq!(
            c(Raw::Text("10 h".into()), FieldType::Money),
            Coerced::Invalid
        );
    }

    #[test]
    fn booleans_quarters_and_integers() {
        assert_eq!(
            c(Raw::Text(" JA ".into()), FieldType::Bool),
            Coerced::Value(Value::Bool(true), None)
        );
        assert_eq!(
            c(Raw::Text("nein".into()), FieldType::Bool),
            Coerced::Value(Value::Bool(false), None)
        );
        assert_eq!(
            c(Raw::Text("vielleicht".into()), FieldType::Bool),
            Coerced::Invalid
        );
        for q in ["Q3", "3. Quartal", "III", "Quartal 3", "3/2026"] {
            assert_eq!(
                c(Raw::Text(q.into()), FieldType::Quarter),
                Coerced::Value(Value::Quarter(3), None),
                "{q}"
            );
        }
        assert_eq!(c(Raw::Number(5.0), FieldType::Quarter), Coerced::Invalid);
        assert_eq!(c(Raw::Number(2.5), FieldType::Integer), Coerced::Invalid);
        assert_eq!(
            c(Raw::Int(7), FieldType::Integer),
            Coerced::Value(Value::Int(7), None)
        );
    }
}
