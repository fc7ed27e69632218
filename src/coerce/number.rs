//! Numbers and money: Excel doubles converted once, like Excel shows them
//! (15 significant digits), and German number text (`1.234,56 €`).

use rust_decimal::Decimal;

/// How a number was read from its cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberReading {
    /// A number cell, or text in the plain form `1234,56`/`1.234,56`.
    Plain,
    /// Text read as a number, e.g. `62,50 €`, `62.50`.
    Converted,
    /// Text that can be read two ways; the reading taken is the German one.
    Ambiguous { other: Decimal },
}

/// An Excel double as the decimal Excel shows (15 significant digits).
/// `None` for NaN, infinities and magnitudes `Decimal` cannot hold.
pub fn from_excel(v: f64) -> Option<Decimal> {
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 {
        return Some(Decimal::ZERO);
    }
    // Fast path for what cells usually hold: whole numbers and amounts in cents.
    // When the cent value divides back to exactly this double, it is the
    // decimal Excel shows (at most 15 significant digits below 1e13).
    if v.abs() < 1e13 {
        let c = (v * 100.0).round();
        if c / 100.0 == v {
            return Some(Decimal::new(c as i64, 2).normalize());
        }
    }
    if v.abs() >= 7.9e27 || v.abs() < 1e-20 {
        return if v.abs() < 1e-20 {
            Some(Decimal::ZERO)
        } else {
            None
        };
    }
    Decimal::from_scientific(&format!("{v:.14e}"))
        .ok()
        .map(|d| d.normalize())
}

pub use crate::show::{cents, format_de, json_money as format_json};

/// Reads number text as German users write it: `1.234,56`, `62,50 €`, `€ 0,99`,
/// ` 17,5`, `1 234,56`, `(12,00)`, `-3`, and also `62.50`. Returns `None` when
/// the text is not a number.
pub fn parse_text(s: &str) -> Option<(Decimal, NumberReading)> {
    let mut t: String = s
        .chars()
        .filter(|c| {
            !matches!(
                c,
                ' ' | '\u{a0}' | '\u{202f}' | '\u{2007}' | '\t' | '\'' | '\n' | '\r'
            )
        })
        .collect();
    let mut converted = false;
    for cur in ["EUR", "Euro", "€"] {
        if let Some(r) = t.strip_suffix(cur) {
            t = r.to_string();
            converted = true;
        }
        if let Some(r) = t.strip_prefix(cur) {
            t = r.to_string();
            converted = true;
        }
    }
    // `1.450,-` / `608,--`: whole euros, the dash standing for the cents.
    let mut whole = false;
    for dash in [",-", ",--", ",–", ",—"] {
        if let Some(r) = t.strip_suffix(dash) {
            if r.chars().last().is_some_and(|c| c.is_ascii_digit()) {
                t = r.to_string();
                whole = true;
                converted = true;
                break;
            }
        }
    }
    if whole && t.contains(',') {
        return None;
    }
    let mut negative = false;
    if t.starts_with('(') && t.ends_with(')') && t.len() > 2 {
        t = t[1..t.len() - 1].to_string();
        negative = true;
        converted = true;
    }
    if let Some(r) = t.strip_prefix(['-', '−']) {
        t = r.to_string();
        negative = !negative;
    } else if let Some(r) = t.strip_prefix('+') {
        t = r.to_string();
    }
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    if !t.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let dots = t.matches('.').count();
    let commas = t.matches(',').count();
    if whole {
        // The comma is taken by the dash: every dot groups thousands.
        if dots > 0 && !groups_ok(&t, '.') {
            return None;
        }
        let mut d: Decimal = t.replace('.', "").parse().ok()?;
        if negative {
            d = -d;
        }
        return Some((d, NumberReading::Converted));
    }
    let (int_part, frac_part, reading) = match (dots, commas) {
        (0, 0) => (t.clone(), String::new(), NumberReading::Plain),
        (_, 0) | (0, _) => {
            let sep = if dots > 0 { '.' } else { ',' };
            let count = dots + commas;
            let (a, b) = t.rsplit_once(sep)?;
            if count > 1 {
                // Several separators of one kind can only be thousands groups.
                if !groups_ok(&t, sep) {
                    return None;
                }
                (t.replace(sep, ""), String::new(), NumberReading::Converted)
            } else if b.len() == 3 && !a.is_empty() && a.len() <= 3 && !a.starts_with('0') {
                // `1.234` or `1,234`: thousands or decimals? German: dot groups, comma decimals.
                let as_groups: Decimal = format!("{a}{b}").parse().ok()?;
                let as_decimal: Decimal = format!("{a}.{b}").parse().ok()?;
                if sep == '.' {
                    (
                        format!("{a}{b}"),
                        String::new(),
                        NumberReading::Ambiguous { other: as_decimal },
                    )
                } else {
                    (
                        a.to_string(),
                        b.to_string(),
                        NumberReading::Ambiguous { other: as_groups },
                    )
                }
            } else {
                let r = if sep == '.' {
                    NumberReading::Converted
                } else {
                    NumberReading::Plain
                };
                (a.to_string(), b.to_string(), r)
            }
        }
        _ => {
            // Both: the last separator is the decimal one, the other groups thousands.
            let last_dot = t.rfind('.')?;
            let last_comma = t.rfind(',')?;
            let (dec, grp) = if last_comma > last_dot {
                (',', '.')
            } else {
                ('.', ',')
            };
            if t.matches(dec).count() != 1 {
                return None;
            }
            let (a, b) = t.rsplit_once(dec)?;
            if !groups_ok(a, grp) {
                return None;
            }
            let r = if dec == ',' {
                NumberReading::Plain
            } else {
                NumberReading::Converted
            };
            (a.replace(grp, ""), b.to_string(), r)
        }
    };
    let int_part = if int_part.is_empty() {
        "0".to_string()
    } else {
        int_part
    };
    if frac_part.contains(['.', ',']) || int_part.contains(['.', ',']) {
        return None;
    }
    let text = if frac_part.is_empty() {
        int_part
    } else {
        format!("{int_part}.{frac_part}")
    };
    let mut d: Decimal = text.parse().ok()?;
    if negative {
        d = -d;
    }
    let reading = match reading {
        NumberReading::Plain if converted => NumberReading::Converted,
        NumberReading::Ambiguous { other } if negative => {
            NumberReading::Ambiguous { other: -other }
        }
        r => r,
    };
    Some((d, reading))
}

/// The number part of hours written with their unit (`10 Std.`, `10 h`,
/// `7,5 Stunden`), or `None` when the text carries no hour unit.
pub fn strip_hour_unit(s: &str) -> Option<&str> {
    let t = s.trim_end();
    for unit in ["stunden", "std.", "std", "h"] {
        let Some(cut) = t.len().checked_sub(unit.len()) else {
            continue;
        };
        let (Some(head), Some(tail)) = (t.get(..cut), t.get(cut..)) else {
            continue;
        };
        if tail.eq_ignore_ascii_case(unit)
            && head
                .trim_end_matches([' ', '\u{a0}'])
                .ends_with(|c: char| c.is_ascii_digit())
        {
            return Some(head.trim_end_matches([' ', '\u{a0}']));
        }
    }
    None
}

/// `1.234.567` – the first group 1–3 digits, every further group exactly 3.
fn groups_ok(s: &str, sep: char) -> bool {
    let mut parts = s.split(sep);
    let first = parts.next().unwrap_or("");
    if first.is_empty() || first.len() > 3 {
        return false;
    }
    parts.all(|p| p.len() == 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn excel_doubles_convert_like_excel_shows_them() {
        assert_eq!(from_excel(1.005), Some(d("1.005")));
        assert_eq!(from_excel(2.675), Some(d("2.675")));
        assert_eq!(from_excel(434.99999999999994), Some(d("435")));
        assert_eq!(from_excel(0.1 + 0.2), Some(d("0.3")));
        assert_eq!(from_excel(f64::NAN), None);
        assert_eq!(from_excel(1e300), None);
        assert_eq!(cents(d("2.675")), d("2.68"));
        assert_eq!(cents(d("1.005")), d("1.01"));
    }

    #[test]
    fn german_number_text_is_read() {
        let cases = [
            ("1.234,56", "1234.56", NumberReading::Plain),
            ("62,50 €", "62.50", NumberReading::Converted),
            ("€ 0,99", "0.99", NumberReading::Converted),
            (" 17,5", "17.5", NumberReading::Plain),
            ("1 234,56", "1234.56", NumberReading::Plain),
            ("(12,00)", "-12.00", NumberReading::Converted),
            ("62.50", "62.50", NumberReading::Converted),
            ("1,234.56", "1234.56", NumberReading::Converted),
            ("1.234.567", "1234567", NumberReading::Converted),
            ("-3", "-3", NumberReading::Plain),
            ("7.356,80", "7356.80", NumberReading::Plain),
            ("60,80\u{a0}€", "60.80", NumberReading::Converted),
            ("1.450,-", "1450", NumberReading::Converted),
            ("608,-", "608", NumberReading::Converted),
            ("608,- €", "608", NumberReading::Converted),
            ("608,00 EUR", "608.00", NumberReading::Converted),
            ("€ 608,00", "608.00", NumberReading::Converted),
            ("1.234.567,--", "1234567", NumberReading::Converted),
        ];
        for (text, want, reading) in cases {
            let (v, r) = parse_text(text).unwrap_or_else(|| panic!("{text} not read"));
            assert_eq!(v, d(want), "{text}");
            assert_eq!(r, reading, "{text}");
        }
    }

    #[test]
    fn ambiguous_text_states_both_readings() {
        assert_eq!(
            parse_text("1.234"),
            Some((d("1234"), NumberReading::Ambiguous { other: d("1.234") }))
        );
        assert_eq!(
            parse_text("1,234"),
            Some((d("1.234"), NumberReading::Ambiguous { other: d("1234") }))
        );
        assert_eq!(
            parse_text("0.234").map(|x| x.1),
            Some(NumberReading::Converted)
        );
    }

    #[test]
    fn non_numbers_are_refused() {
        for t in [
            "",
            "abc",
            "1.2.3,4,5",
            "12a",
            "€",
            "1,2,3.4.5",
            "--",
            "1.23.4",
            "()",
            ",-",
            "1,5,-",
            "1.23,-",
            "-",
        ] {
            assert_eq!(parse_text(t), None, "{t}");
        }
    }

    #[test]
    fn hours_with_their_unit() {
        for (text, want) in [
            ("10 Std.", Some("10")),
            ("10 h", Some("10")),
            ("7,5Std", Some("7,5")),
            ("12,25 Stunden", Some("12,25")),
            ("10\u{a0}H ", Some("10")),
            ("10", None),
            ("h", None),
            ("Std.", None),
            ("zehn Std.", None),
        ] {
            assert_eq!(strip_hour_unit(text), want, "{text}");
        }
    }

    #[test]
    fn format_de_groups_thousands() {
        assert_eq!(format_de(d("1234567.5"), 2), "1.234.567,50");
        assert_eq!(format_de(d("-12"), 2), "-12,00");
        assert_eq!(format_de(d("0.005"), 2), "0,01");
    }

    proptest! {
        #[test]
        fn german_format_round_trips(cents_value in -10_000_000_000i64..10_000_000_000i64) {
            let v = Decimal::new(cents_value, 2);
            let text = format_de(v, 2);
            let (back, _) = parse_text(&text).unwrap();
            prop_assert_eq!(back, v);
            let money = format!("{text} €");
            prop_assert_eq!(parse_text(&money).unwrap().0, v);
        }

        #[test]
        fn excel_round_trip_of_cents(cents_value in -1_000_000_000i64..1_000_000_000i64) {
            let v = Decimal::new(cents_value, 2);
            let f: f64 = v.to_string().parse().unwrap();
            prop_assert_eq!(from_excel(f).map(cents), Some(v));
        }

        #[test]
        fn parse_text_never_panics(s in "\\PC{0,40}") {
            let _ = parse_text(&s);
            let _ = strip_hour_unit(&s);
        }

        #[test]
        fn whole_euros_round_trip(euros in 0i64..10_000_000_000i64) {
            let v = Decimal::from(euros);
            let text = format!("{},-", format_de(v, 0));
            prop_assert_eq!(parse_text(&text), Some((v, NumberReading::Converted)));
        }
    }
}
