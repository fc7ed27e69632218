//! The reporting period as the commands take it: `--quarters 1-3`.

use crate::i18n::{t, Lang};

/// `1-3`, `2`, `1–4` (hyphen or en dash, as the reports print it) as the
/// quarters of the range; `None` without `--quarters`.
pub fn parse_quarters(range: Option<&str>, lang: Lang) -> miette::Result<Option<Vec<u8>>> {
    let Some(range) = range else { return Ok(None) };
    let bad = || {
        miette::miette!(
            help = t(lang, "z. B. --quarters 1-3", "e.g. --quarters 1-3"),
            "{} „{range}“",
            t(lang, "Ungültiger Quartalsbereich", "Invalid quarter range")
        )
    };
    let (a, b) = range.split_once(['-', '–']).unwrap_or((range, range));
    let a: u8 = a.trim().parse().map_err(|_| bad())?;
    let b: u8 = b.trim().parse().map_err(|_| bad())?;
    if !(1..=4).contains(&a) || !(1..=4).contains(&b) || a > b {
        return Err(bad());
    }
    Ok(Some((a..=b).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_its_quarters() {
        for (range, expected) in [
            ("1-3", vec![1, 2, 3]),
            ("1–4", vec![1, 2, 3, 4]),
            (" 2 - 3 ", vec![2, 3]),
            ("2", vec![2]),
            ("4-4", vec![4]),
        ] {
            assert_eq!(
                parse_quarters(Some(range), Lang::De).ok(),
                Some(Some(expected)),
                "{range}"
            );
        }
        assert_eq!(parse_quarters(None, Lang::De).ok(), Some(None));
    }

    #[test]
    fn a_bad_range_is_refused_in_the_users_language() {
        for range in [
            "", "0", "5", "0-2", "1-5", "3-1", "x", "1-", "-2", "1-2-3", "1..3",
        ] {
            let de = parse_quarters(Some(range), Lang::De)
                .err()
                .map(|e| e.to_string());
            assert_eq!(
                de,
                Some(format!("Ungültiger Quartalsbereich „{range}“")),
                "{range}"
            );
            let en = parse_quarters(Some(range), Lang::En)
                .err()
                .map(|e| e.to_string());
            assert_eq!(
                en,
                Some(format!("Invalid quarter range „{range}“")),
                "{range}"
            );
        }
    }
}
