//! Dates as providers write them: date cells, text (`01.07.2026`, `1.7.26`,
//! `2026-07-01`), bare serial numbers, in the 1900 or 1904 date system.

use chrono::{Datelike, Duration, NaiveDate};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateReading {
    /// Unambiguous text such as `01.07.2026` or `2026-07-01`.
    Text,
    /// A two-digit year (`1.7.26`) read with the century stated.
    ShortYear,
    /// `03/04/2026`: day/month (German) or month/day? The German reading is taken.
    Ambiguous { other: NaiveDate },
}

const MONTHS: [(&str, u32); 24] = [
    ("januar", 1),
    ("jan", 1),
    ("februar", 2),
    ("feb", 2),
    ("märz", 3),
    ("mär", 3),
    ("april", 4),
    ("apr", 4),
    ("mai", 5),
    ("juni", 6),
    ("jun", 6),
    ("juli", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sep", 9),
    ("oktober", 10),
    ("okt", 10),
    ("november", 11),
    ("nov", 11),
    ("dezember", 12),
    ("dez", 12),
    ("maerz", 3),
];

/// Earliest and latest year a report date may plausibly carry.
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2100;

/// Reads a date typed as text. `None` when the text is not a date.
pub fn parse_text(s: &str) -> Option<(NaiveDate, DateReading)> {
    let s = crate::text::clean(s);
    if s.chars().any(|c| c.is_alphabetic() && c != 'T') {
        return parse_month_name(&s);
    }
    // Drop a time part: `01.07.2026 00:00`, `2026-07-01T00:00:00`.
    let s = s.split(['T', ' ']).next().unwrap_or("");
    let s = s.trim_end_matches(',');
    if s.is_empty() || s.len() > 40 {
        return parse_month_name(s);
    }
    if let Some(parts) = split3(s, '-') {
        let (a, b, c) = (parts[0], parts[1], parts[2]);
        if a.len() == 4 {
            return ymd(num(a)?, num(b)?, num(c)?).map(|d| (d, DateReading::Text));
        }
        // `01-04-2026`: day first, as the German date with other separators.
        if c.len() == 4 && a.len() <= 2 {
            return ymd(num(c)?, num(b)?, num(a)?).map(|d| (d, DateReading::Text));
        }
        return None;
    }
    for sep in ['.', '/'] {
        if let Some(parts) = split3(s, sep) {
            // `2026/04/01`, `2026.04.01`: year first can only be year-month-day.
            if parts[0].len() == 4 {
                let (y, m, d) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
                return ymd(y, m, d).map(|d| (d, DateReading::Text));
            }
            let (a, b, y) = (num(parts[0])?, num(parts[1])?, parts[2]);
            let (year, short) = year_of(y)?;
            let date = ymd(year, b, a)?;
            let reading = if short {
                DateReading::ShortYear
            } else if sep == '/' && a != b && a <= 12 {
                match ymd(year, a, b) {
                    Some(other) => DateReading::Ambiguous { other },
                    None => DateReading::Text,
                }
            } else {
                DateReading::Text
            };
            return Some((date, reading));
        }
    }
    parse_month_name(s)
}

/// `1.4.`: day and month of a date written without its year.
pub fn parse_day_month(s: &str) -> Option<(u32, u32)> {
    let s = crate::text::clean(s);
    let rest = s.strip_suffix('.')?;
    let (d, m) = rest.split_once('.')?;
    let (d, m) = (num(d.trim())?, num(m.trim())?);
    if (1..=12).contains(&m) && (1..=31).contains(&d) {
        Some((d, m))
    } else {
        None
    }
}

/// The date of `day.month.` in `year`, `None` when there is no such day.
pub fn day_month_in(day: u32, month: u32, year: i32) -> Option<NaiveDate> {
    ymd(year, month, day)
}

/// `1. Juli 2026`, `01. Jan. 2026`
fn parse_month_name(s: &str) -> Option<(NaiveDate, DateReading)> {
    let cleaned = crate::text::clean(s).to_lowercase().replace('.', " ");
    let words: Vec<&str> = cleaned.split(' ').filter(|w| !w.is_empty()).collect();
    if words.len() != 3 {
        return None;
    }
    let d = num(words.first()?)?;
    let month_word = *words.get(1)?;
    let m = MONTHS
        .iter()
        .find(|(n, _)| *n == month_word)
        .map(|(_, m)| *m)?;
    let (y, short) = year_of(words.get(2)?)?;
    if short {
        return None;
    }
    ymd(y, m, d).map(|x| (x, DateReading::Text))
}

fn split3(s: &str, sep: char) -> Option<[&str; 3]> {
    let mut it = s.split(sep);
    let a = it.next()?;
    let b = it.next()?;
    let c = it.next()?;
    if it.next().is_some() || a.is_empty() || b.is_empty() || c.is_empty() {
        return None;
    }
    Some([a, b, c])
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn year_of(s: &str) -> Option<(i32, bool)> {
    match s.len() {
        2 => {
            let y = num(s)? as i32;
            Some((if y < 70 { 2000 + y } else { 1900 + y }, true))
        }
        4 => Some((num(s)? as i32, false)),
        _ => None,
    }
}

fn ymd(y: impl TryInto<i32>, m: u32, d: u32) -> Option<NaiveDate> {
    let y: i32 = y.try_into().ok()?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A bare serial number (a date in a "General" cell) in the workbook's date system.
pub fn from_serial(serial: f64, is_1904: bool) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let date = if is_1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)? + Duration::days(days)
    } else if days < 60 {
        NaiveDate::from_ymd_opt(1899, 12, 31)? + Duration::days(days - 1)
    } else {
        // Excel's serial 60 is the fictitious 29 Feb 1900.
        NaiveDate::from_ymd_opt(1899, 12, 30)? + Duration::days(days)
    };
    if !(MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
        return None;
    }
    Some(date)
}

/// `dd.mm.yyyy`, as German users read dates.
pub fn format_de(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn text_dates_in_the_forms_providers_use() {
        let cases = [
            ("01.07.2026", date(2026, 7, 1), DateReading::Text),
            ("1.7.2026", date(2026, 7, 1), DateReading::Text),
            ("1.7.26", date(2026, 7, 1), DateReading::ShortYear),
            ("2026-07-01", date(2026, 7, 1), DateReading::Text),
            ("2026-07-01T00:00:00", date(2026, 7, 1), DateReading::Text),
            ("01.07.2026 00:00", date(2026, 7, 1), DateReading::Text),
            ("15/07/2026", date(2026, 7, 15), DateReading::Text),
            ("1. Juli 2026", date(2026, 7, 1), DateReading::Text),
            ("01-04-2026", date(2026, 4, 1), DateReading::Text),
            ("1-4-2026", date(2026, 4, 1), DateReading::Text),
            ("2026/04/01", date(2026, 4, 1), DateReading::Text),
            ("2026.04.01", date(2026, 4, 1), DateReading::Text),
        ];
        for (t, want, reading) in cases {
            assert_eq!(parse_text(t), Some((want, reading)), "{t}");
        }
        assert_eq!(
            parse_text("03/04/2026"),
            Some((
                date(2026, 4, 3),
                DateReading::Ambiguous {
                    other: date(2026, 3, 4)
                }
            ))
        );
        for bad in [
            "31.02.2026",
            "2026",
            "abc",
            "1.2",
            "01.07.20266",
            "",
            "12.13.2026",
            "01.01.1066",
            "1.4.",
            "31-02-2026",
            "2026/13/01",
            "001-04-2026",
        ] {
            assert_eq!(parse_text(bad), None, "{bad}");
        }
        assert_eq!(parse_day_month("1.4."), Some((1, 4)));
        assert_eq!(parse_day_month(" 01.04. "), Some((1, 4)));
        for bad in ["1.4", "1.13.", "32.1.", "1.4.26", ".4.", "a.b."] {
            assert_eq!(parse_day_month(bad), None, "{bad}");
        }
    }

    #[test]
    fn serials_in_both_date_systems() {
        assert_eq!(from_serial(46204.0, false), Some(date(2026, 7, 1)));
        assert_eq!(from_serial(46204.0 - 1462.0, true), Some(date(2026, 7, 1)));
        assert_eq!(from_serial(61.0, false), Some(date(1900, 3, 1)));
        assert_eq!(from_serial(-5.0, false), None);
        assert_eq!(from_serial(f64::NAN, false), None);
    }

    proptest! {
        #[test]
        fn date_text_never_panics(s in "\\PC{0,60}") {
            let _ = parse_text(&s);
            let _ = parse_day_month(&s);
            let _ = crate::text::strip_law_name(&s);
        }

        #[test]
        fn german_dates_round_trip(days in 0i64..70_000) {
            let d = date(1950, 1, 1) + Duration::days(days);
            prop_assume!(d.year() <= MAX_YEAR);
            prop_assert_eq!(parse_text(&format_de(d)).map(|x| x.0), Some(d));
        }

        #[test]
        fn serial_never_panics(f in any::<f64>()) {
            let _ = from_serial(f, false);
            let _ = from_serial(f, true);
        }
    }
}
