//! When a quarter's submissions are due, in the district's time.
//!
//! The deadline of a quarter is its last day plus `[deadlines]
//! days_after_quarter` (default 15); it passes when that day ends in
//! Germany. German time is computed here rather than from a time-zone
//! database: since 1996 the EU rule has been the same (summer time, UTC+2,
//! from the last Sunday of March 01:00 UTC to the last Sunday of October
//! 01:00 UTC; UTC+1 otherwise), and the tests pin both switches.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};

use crate::rules::quarter_bounds;

/// The deadline of one quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The last day on which a submission is in time.
    pub day: NaiveDate,
    /// The moment that day ends in Germany (the next day's 00:00).
    pub ends: DateTime<Utc>,
}

impl Deadline {
    /// The deadline of `quarter` (1–4) of `year`, `days` after its last day.
    pub fn of(year: i32, quarter: u8, days: u32) -> Option<Deadline> {
        let (_, last) = quarter_bounds(year, quarter)?;
        let day = last.checked_add_signed(Duration::days(i64::from(days)))?;
        Some(Deadline {
            day,
            ends: end_of_day(day)?,
        })
    }

    /// Whether the deadline has passed at `now`.
    pub fn passed(&self, now: DateTime<Utc>) -> bool {
        now >= self.ends
    }
}

/// The last Sunday of a month.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_next.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    last.checked_sub_signed(Duration::days(i64::from(back)))
}

const CET: FixedOffset = match FixedOffset::east_opt(3600) {
    Some(o) => o,
    None => panic!("UTC+1 is an offset"),
};
const CEST: FixedOffset = match FixedOffset::east_opt(2 * 3600) {
    Some(o) => o,
    None => panic!("UTC+2 is an offset"),
};

fn offset(summer: bool) -> FixedOffset {
    if summer {
        CEST
    } else {
        CET
    }
}

/// Whether German summer time holds at the instant `at`.
fn summer_at(at: DateTime<Utc>) -> bool {
    let year = at.year();
    let switch = |month| {
        last_sunday(year, month)
            .and_then(|d| d.and_hms_opt(1, 0, 0))
            .map(|t| t.and_utc())
    };
    match (switch(3), switch(10)) {
        (Some(begin), Some(end)) => begin <= at && at < end,
        _ => false,
    }
}

/// `at` on German clocks.
pub fn german(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&offset(summer_at(at)))
}

/// The moment `day` ends in Germany: the next day's 00:00 German time. At
/// midnight no switch is ever under way (they happen at 02:00 and 03:00),
/// so that midnight's offset is summer time exactly when the next day lies
/// after March's last Sunday and not after October's.
pub fn end_of_day(day: NaiveDate) -> Option<DateTime<Utc>> {
    let next = day.succ_opt()?;
    let year = next.year();
    let summer = last_sunday(year, 3)? < next && next <= last_sunday(year, 10)?;
    let midnight = next.and_hms_opt(0, 0, 0)?;
    offset(summer)
        .from_local_datetime(&midnight)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// The quarter `at` lies in on German calendars: `(year, 1..=4)`.
pub fn quarter_of(at: DateTime<Utc>) -> (i32, u8) {
    let local = german(at);
    (local.year(), (local.month0() / 3 + 1) as u8)
}

/// A day as German readers write it: `15.10.2026`.
pub fn day_de(day: NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

/// A day in the reader's language: `15.10.2026` / `2026-10-15`.
pub fn day(lang: crate::i18n::Lang, d: NaiveDate) -> String {
    match lang {
        crate::i18n::Lang::De => day_de(d),
        crate::i18n::Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// A stored time on German clocks in the reader's language.
pub fn time(lang: crate::i18n::Lang, at: DateTime<Utc>) -> String {
    let local = german(at);
    match lang {
        crate::i18n::Lang::De => local.format("%d.%m.%Y, %H:%M Uhr").to_string(),
        crate::i18n::Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_deadline_is_the_quarters_last_day_plus_the_days() {
        let day = |y, q, n| Deadline::of(y, q, n).unwrap().day;
        assert_eq!(day(2026, 1, 15), d(2026, 4, 15));
        assert_eq!(day(2026, 2, 15), d(2026, 7, 15));
        assert_eq!(day(2026, 3, 15), d(2026, 10, 15));
        assert_eq!(day(2026, 4, 15), d(2027, 1, 15), "into the next year");
        assert_eq!(day(2024, 1, 0), d(2024, 3, 31));
        assert_eq!(day(2026, 4, 0), d(2026, 12, 31));
        assert_eq!(day(2028, 1, 30), d(2028, 4, 30));
        assert_eq!(Deadline::of(2026, 0, 15), None);
        assert_eq!(Deadline::of(2026, 5, 15), None);
    }

    #[test]
    fn a_deadline_day_ends_at_german_midnight_in_summer_and_in_winter() {
        // Summer time (UTC+2): 15.10.2026 ends at 22:00 UTC.
        let q3 = Deadline::of(2026, 3, 15).unwrap();
        assert_eq!(q3.ends, utc("2026-10-15T22:00:00Z"));
        assert!(!q3.passed(utc("2026-10-15T21:59:59Z")));
        assert!(q3.passed(utc("2026-10-15T22:00:00Z")));
        // Winter time (UTC+1): 15.01.2027 ends at 23:00 UTC.
        let q4 = Deadline::of(2026, 4, 15).unwrap();
        assert_eq!(q4.ends, utc("2027-01-15T23:00:00Z"));
    }

    #[test]
    fn days_at_the_summer_time_switches_end_at_the_right_midnight() {
        // 2026: summer time from Sunday 29 March to Sunday 25 October.
        assert_eq!(last_sunday(2026, 3), Some(d(2026, 3, 29)));
        assert_eq!(last_sunday(2026, 10), Some(d(2026, 10, 25)));
        // Saturday 28 March ends at Sunday's midnight, still winter time.
        assert_eq!(
            end_of_day(d(2026, 3, 28)),
            Some(utc("2026-03-28T23:00:00Z"))
        );
        // Sunday 29 March (the switch) ends at Monday's midnight, summer time.
        assert_eq!(
            end_of_day(d(2026, 3, 29)),
            Some(utc("2026-03-29T22:00:00Z"))
        );
        // Saturday 24 October ends at Sunday's midnight, still summer time.
        assert_eq!(
            end_of_day(d(2026, 10, 24)),
            Some(utc("2026-10-24T22:00:00Z"))
        );
        // Sunday 25 October (the switch back) ends in winter time.
        assert_eq!(
            end_of_day(d(2026, 10, 25)),
            Some(utc("2026-10-25T23:00:00Z"))
        );
        // The clocks themselves around the switch (01:00 UTC).
        assert_eq!(
            german(utc("2026-03-29T00:59:59Z")).to_rfc3339(),
            "2026-03-29T01:59:59+01:00"
        );
        assert_eq!(
            german(utc("2026-03-29T01:00:00Z")).to_rfc3339(),
            "2026-03-29T03:00:00+02:00"
        );
        assert_eq!(
            german(utc("2026-10-25T00:59:59Z")).to_rfc3339(),
            "2026-10-25T02:59:59+02:00"
        );
        assert_eq!(
            german(utc("2026-10-25T01:00:00Z")).to_rfc3339(),
            "2026-10-25T02:00:00+01:00"
        );
        // A deadline that falls on the switch day itself.
        let on_switch = Deadline::of(2026, 3, 25).unwrap();
        assert_eq!(on_switch.day, d(2026, 10, 25));
        assert_eq!(on_switch.ends, utc("2026-10-25T23:00:00Z"));
    }

    #[test]
    fn the_current_quarter_follows_german_calendars() {
        assert_eq!(quarter_of(utc("2026-10-01T10:00:00Z")), (2026, 4));
        // 30 September 23:30 UTC is already 1 October in Germany.
        assert_eq!(quarter_of(utc("2026-09-30T22:30:00Z")), (2026, 4));
        assert_eq!(quarter_of(utc("2026-09-30T21:30:00Z")), (2026, 3));
        assert_eq!(quarter_of(utc("2026-12-31T23:30:00Z")), (2027, 1));
        assert_eq!(day_de(d(2026, 10, 5)), "05.10.2026");
    }
}
