//! Numbers, amounts and dates as a reader sees them, in either language.
//! A leaf: finding arguments, coercion notes and every workbook we write
//! format through these.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::i18n::Lang;

/// Rounds to the cent, half away from zero (as a bookkeeper does; not banker's rounding).
pub fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// An amount as the JSON contract writes it: a dot, two places, no grouping.
pub fn json_money(d: Decimal) -> String {
    format!("{:.2}", cents(d))
}

/// Formats an amount German style: `1.234,50`.
pub fn format_de(d: Decimal, places: u32) -> String {
    let r = d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    let s = format!("{:.*}", places as usize, r.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let sign = if r.is_sign_negative() && !r.is_zero() {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

/// A decimal as written in the language: `12,5` / `12.5`, all its places.
pub fn dec(d: Decimal, lang: Lang) -> String {
    let s = d.normalize().to_string();
    match lang {
        Lang::De => s.replace('.', ","),
        Lang::En => s,
    }
}

/// An amount, two places: `1.234,50` / `1234.50` (the `€` is the message's).
pub fn money(d: Decimal, lang: Lang) -> String {
    match lang {
        Lang::De => format_de(d, 2),
        Lang::En => format!("{:.2}", cents(d)),
    }
}

/// A signed percentage with two places: `+6,67` / `+6.67`.
pub fn pct(p: Decimal, lang: Lang) -> String {
    let s = format!("{:+.2}", p);
    match lang {
        Lang::De => s.replace('.', ","),
        Lang::En => s,
    }
}

/// A date as the forms write it, in both languages: `01.07.2026`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// `2026-Q3`.
pub fn quarter(year: i32, q: u8) -> String {
    format!("{year}-Q{q}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_show_in_each_language() {
        let d = Decimal::new(123450, 2);
        assert_eq!(money(d, Lang::De), "1.234,50");
        assert_eq!(money(d, Lang::En), "1234.50");
        assert_eq!(format_de(Decimal::new(-5, 3), 2), "-0,01");
        assert_eq!(dec(Decimal::new(125, 1), Lang::De), "12,5");
        assert_eq!(pct(Decimal::new(667, 2), Lang::De), "+6,67");
    }
}
