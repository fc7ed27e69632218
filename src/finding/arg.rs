//! The typed arguments of a finding: values, amounts, dates and fixed
//! phrases, shown in the reader's language only when a renderer asks.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::i18n::{t, Lang};
use crate::show;

/// One argument of a finding's message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arg {
    /// Shown as it is: a value as written, a name, a sheet.
    Text(String),
    /// Shown joined with `, `.
    List(Vec<String>),
    Int(i64),
    /// A decimal: `12,5` / `12.5`.
    Num(Decimal),
    /// An amount with two places, without the `€` (the message has it).
    Money(Decimal),
    /// A signed percentage: `+6,67`.
    Pct(Decimal),
    Date(NaiveDate),
    Phrase(Phrase),
    Reading(Reading),
    /// A text made below this layer in both languages (a read error's detail).
    Both(Both),
    /// Factors of a product: `10 × 62,50 €`.
    Factors(Vec<Factor>),
    /// A number of a column: money with `€`, other numbers as they are.
    Amount(Amount),
    /// Allowed bounds: `≥ 0,00 €, ≤ 500,00 €`.
    Bounds(Vec<Bound>),
    /// The cells with a formula without a result that a sum could not count.
    NoResult(NoResult),
}

/// `; enthält H4, H9 und 3 weitere, Formeln ohne Ergebnis (nicht mitgezählt)`;
/// empty when there are none.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoResult {
    /// The first cells, as `H4` or `Fallarbeit!H4`.
    pub first: Vec<String>,
    pub count: u64,
}

impl NoResult {
    pub fn show(&self, lang: Lang) -> String {
        if self.count == 0 {
            return String::new();
        }
        let mut cells = self.first.join(", ");
        let more = self.count.saturating_sub(self.first.len() as u64);
        if more > 0 {
            cells.push_str(&format!(
                "{} {more} {}",
                t(lang, " und", " and"),
                t(lang, "weitere", "more")
            ));
        }
        let what = if self.count == 1 {
            t(
                lang,
                ", eine Formel ohne Ergebnis (nicht mitgezählt)",
                ", a formula without a result (not counted)",
            )
        } else {
            t(
                lang,
                ", Formeln ohne Ergebnis (nicht mitgezählt)",
                ", formulas without a result (not counted)",
            )
        };
        format!("{} {cells}{what}", t(lang, "; enthält", "; includes"))
    }
}

/// One bound of an allowed range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bound {
    pub op: BoundOp,
    pub value: Amount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundOp {
    AtLeast,
    Above,
    AtMost,
}

/// Allowed bounds, shown joined with `, `.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds(pub Vec<Bound>);

/// One factor of a product, shown as money or as a decimal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    Money(Decimal),
    Num(Decimal),
}

/// The factors of a product (`Kosten = Stunden × Satz`).
#[derive(Debug, Clone, PartialEq)]
pub struct Factors(pub Vec<Factor>);

impl Arg {
    pub fn show(&self, lang: Lang) -> String {
        match self {
            Arg::Text(s) => s.clone(),
            Arg::List(v) => v.join(", "),
            Arg::Int(i) => i.to_string(),
            Arg::Num(d) => show::dec(*d, lang),
            Arg::Money(d) => show::money(*d, lang),
            Arg::Pct(d) => show::pct(*d, lang),
            Arg::Date(d) => show::date(*d),
            Arg::Phrase(p) => p.show(lang).to_string(),
            Arg::Reading(r) => r.show(lang),
            Arg::Both(b) => b.pick(lang).to_string(),
            Arg::Factors(v) => v
                .iter()
                .map(|f| match f {
                    Factor::Money(d) => format!("{} €", show::money(*d, lang)),
                    Factor::Num(d) => show::dec(*d, lang),
                })
                .collect::<Vec<_>>()
                .join(" × "),
            Arg::Amount(a) => a.show(lang, false),
            Arg::Bounds(v) => v
                .iter()
                .map(|b| {
                    let op = match b.op {
                        BoundOp::AtLeast => "≥",
                        BoundOp::Above => ">",
                        BoundOp::AtMost => "≤",
                    };
                    format!("{op} {}", b.value.show(lang, false))
                })
                .collect::<Vec<_>>()
                .join(", "),
            Arg::NoResult(n) => n.show(lang),
        }
    }
}

/// An amount, shown with two places (`1.234,50`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Money(pub Decimal);
/// A decimal, shown with all its places (`12,5`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub Decimal);
/// A signed percentage (`+6,67`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pct(pub Decimal);

/// A text in both languages, for details made by lower layers that know
/// their own words (read errors, damage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Both {
    pub de: String,
    pub en: String,
}

impl Both {
    pub fn of(f: impl Fn(Lang) -> String) -> Both {
        Both {
            de: f(Lang::De),
            en: f(Lang::En),
        }
    }
    pub fn pick(&self, lang: Lang) -> &str {
        match lang {
            Lang::De => &self.de,
            Lang::En => &self.en,
        }
    }
}

macro_rules! from {
    ($($ty:ty => |$v:ident| $e:expr;)*) => {
        $(impl From<$ty> for Arg {
            fn from($v: $ty) -> Arg {
                $e
            }
        })*
    };
}

from! {
    String => |v| Arg::Text(v);
    &str => |v| Arg::Text(v.to_string());
    Vec<String> => |v| Arg::List(v);
    i64 => |v| Arg::Int(v);
    i32 => |v| Arg::Int(i64::from(v));
    u32 => |v| Arg::Int(i64::from(v));
    u8 => |v| Arg::Int(i64::from(v));
    usize => |v| Arg::Int(i64::try_from(v).unwrap_or(i64::MAX));
    u64 => |v| Arg::Int(i64::try_from(v).unwrap_or(i64::MAX));
    Money => |v| Arg::Money(v.0);
    Num => |v| Arg::Num(v.0);
    Pct => |v| Arg::Pct(v.0);
    NaiveDate => |v| Arg::Date(v);
    Phrase => |v| Arg::Phrase(v);
    Reading => |v| Arg::Reading(v);
    Both => |v| Arg::Both(v);
    Factors => |v| Arg::Factors(v.0);
    Amount => |v| Arg::Amount(v);
    Bounds => |v| Arg::Bounds(v.0);
    NoResult => |v| Arg::NoResult(v);
}

impl<T: Into<Arg>> From<Option<T>> for Arg {
    /// Nothing shows as nothing.
    fn from(v: Option<T>) -> Arg {
        v.map(Into::into).unwrap_or(Arg::Text(String::new()))
    }
}

/// A fixed word or phrase of a message, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phrase {
    ExpectText,
    ExpectInteger,
    ExpectDecimal,
    ExpectMoney,
    ExpectDate,
    ExpectBool,
    ExpectEnum,
    ExpectQuarter,
    /// `ja`, the same word in both languages (the form's value).
    Ja,
    /// Nothing: an empty optional part of a message.
    Nothing,
    /// `; eine Zelle enthält eine Formel ohne Ergebnis`.
    FormulaWithoutResult,
    /// `ein Jahr wie 2026`.
    ExpectYear,
    /// `Träger-Nr., Jahr und Quartal`.
    ProviderYearQuarter,
    /// Why a value looks like personal data.
    BirthData,
    NameLabel,
    ProbablyName,
    ProbablyBirthDate,
    ConfigPattern,
    ADate,
    /// `Landkreis gesamt`.
    CountyTotal,
    StatusOk,
    StatusWarning,
    StatusAlert,
}

impl Phrase {
    pub fn show(self, lang: Lang) -> &'static str {
        use Phrase::*;
        match self {
            ExpectText => t(lang, "einen Text", "a text"),
            ExpectInteger => t(lang, "eine ganze Zahl", "a whole number"),
            ExpectDecimal => t(lang, "eine Zahl wie 12,5", "a number such as 12.5"),
            ExpectMoney => t(
                lang,
                "einen Betrag wie 1.234,56",
                "an amount such as 1234.56",
            ),
            ExpectDate => t(
                lang,
                "ein Datum wie 01.07.2026",
                "a date such as 01.07.2026",
            ),
            ExpectBool => t(lang, "ja oder nein", "ja (yes) or nein (no)"),
            ExpectEnum => t(lang, "einen Wert aus der Liste", "a value from the list"),
            ExpectQuarter => t(lang, "ein Quartal 1–4", "a quarter 1–4"),
            Ja => "ja",
            Nothing => "",
            FormulaWithoutResult => t(
                lang,
                "; eine Zelle enthält eine Formel ohne gespeichertes Ergebnis",
                "; a cell holds a formula without a stored result",
            ),
            ExpectYear => t(lang, "ein Jahr wie 2026", "a year such as 2026"),
            ProviderYearQuarter => t(
                lang,
                "Träger-Nr., Jahr und Quartal",
                "provider, year and quarter",
            ),
            BirthData => t(lang, "Geburtsangabe", "birth data"),
            NameLabel => t(lang, "Namensangabe", "a name"),
            ProbablyName => t(lang, "vermutlich ein Name", "probably a name"),
            ProbablyBirthDate => t(lang, "vermutlich ein Geburtsdatum", "probably a birth date"),
            ConfigPattern => t(
                lang,
                "ein Muster der Konfiguration",
                "a pattern of the configuration",
            ),
            ADate => t(lang, "ein Datum", "a date"),
            CountyTotal => t(lang, "Landkreis gesamt", "County total"),
            StatusOk => "ok",
            StatusWarning => t(lang, "Warnung", "warning"),
            StatusAlert => t(lang, "Alarm", "alert"),
        }
    }
}

/// How a value was read from another representation (coercion's notes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    DateSerial(NaiveDate),
    DateText(NaiveDate),
    TwoDigitYear(NaiveDate),
    /// Day and month could be swapped: read as `date`, not `other`.
    DayMonth {
        date: NaiveDate,
        other: NaiveDate,
    },
    /// No year written: the reporting year assumed.
    NoYear {
        date: NaiveDate,
        year: i32,
    },
    /// `x` read as ja.
    Cross,
    NumberAsText(Amount),
    HoursWithUnit(Amount),
    /// Read as `value`, not as `other`.
    NumberNot {
        value: Amount,
        other: Amount,
    },
    /// Read as this name (a municipality read as its Sozialraum).
    Named(String),
    /// A help type written with the law's name, read without it.
    WithoutLawName(String),
}

/// A number read from text, shown as money (`1.234,50 €`) or as a decimal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Amount {
    pub value: Decimal,
    pub money: bool,
}

impl Amount {
    pub fn money(value: Decimal) -> Amount {
        Amount { value, money: true }
    }
    pub fn num(value: Decimal) -> Amount {
        Amount {
            value,
            money: false,
        }
    }

    /// `exact`: all places (the other reading of an ambiguous number may have more).
    fn show(self, lang: Lang, exact: bool) -> String {
        match (self.money, exact) {
            (true, false) => format!("{} €", show::money(self.value, lang)),
            (true, true) => format!("{} €", show::dec(self.value, lang)),
            (false, _) => show::dec(self.value, lang),
        }
    }
}

impl Reading {
    pub fn show(&self, lang: Lang) -> String {
        use Reading::*;
        let d = show::date;
        match self {
            DateSerial(x) => format!(
                "{} ({})",
                d(*x),
                t(lang, "Datums-Seriennummer", "date serial number")
            ),
            DateText(x) => format!("{} ({})", d(*x), t(lang, "Datum als Text", "date as text")),
            TwoDigitYear(x) => format!(
                "{} ({})",
                d(*x),
                t(lang, "zweistelliges Jahr", "two-digit year")
            ),
            DayMonth { date, other } => format!(
                "{} ({} {})",
                d(*date),
                t(lang, "Tag/Monat; nicht", "day/month; not"),
                d(*other)
            ),
            NoYear { date, year } => format!(
                "{} ({} {year} {})",
                d(*date),
                t(
                    lang,
                    "ohne Jahr; das Berichtsjahr",
                    "no year; the reporting year"
                ),
                t(lang, "angenommen", "assumed")
            ),
            Cross => t(lang, "ja (Kreuz)", "ja (a cross)").to_string(),
            NumberAsText(a) => format!(
                "{} ({})",
                a.show(lang, false),
                t(lang, "Zahl als Text", "number as text")
            ),
            HoursWithUnit(a) => format!(
                "{} ({})",
                a.show(lang, false),
                t(lang, "Stunden mit Einheit", "hours with a unit")
            ),
            NumberNot { value, other } => format!(
                "{} ({} {})",
                value.show(lang, false),
                t(lang, "nicht", "not"),
                other.show(lang, true)
            ),
            Named(s) => s.clone(),
            WithoutLawName(s) => format!(
                "{s} ({})",
                t(lang, "ohne Gesetzesname", "without the law's name")
            ),
        }
    }
}
