//! Deadlines in calendar months (GDPR Art. 12(3)): "within one month of receipt", extendable
//! "by two further months".
//!
//! A period in months ends on the same day of the month it ends in; when that month is too
//! short (a request received on 31 January), on its last day (Regulation 1182/71, Art. 3(2)(c)).
//! The shift of a deadline that falls on a weekend or public holiday to the next working day
//! (Art. 3(4)) is deliberately not applied: the ledger never shows a later deadline than the
//! law allows.

use time::{Date, Month};

/// `date` plus `months` calendar months, clamped to the end of a shorter month.
pub fn add_months(date: Date, months: u32) -> Date {
    let index = date.year() * 12 + (date.month() as i32 - 1) + months as i32;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u8 + 1);
    let month = Month::try_from(month).expect("1..=12");
    (1..=date.day())
        .rev()
        .find_map(|day| Date::from_calendar_date(year, month, day).ok())
        .expect("every month has a first day")
}

/// Parses `YYYY-MM-DD` (exactly that form).
pub fn parse_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if text.len() != 10 {
        return None;
    }
    Date::parse(text, &format).ok()
}

/// `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    date.format(&format).expect("a date formats")
}

/// Today in UTC.
pub fn today_utc() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// Now, RFC 3339 in UTC, to the second.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("0 is a valid nanosecond");
    now.format(&time::format_description::well_known::Rfc3339)
        .expect("a time formats")
}

/// The UTC date of an RFC 3339 time (`None` when it is not one).
pub fn date_of_rfc3339(text: &str) -> Option<Date> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.to_offset(time::UtcOffset::UTC).date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn one_month_is_the_same_day_of_the_next_month() {
        assert_eq!(add_months(date!(2026 - 03 - 05), 1), date!(2026 - 04 - 05));
        assert_eq!(add_months(date!(2026 - 12 - 15), 1), date!(2027 - 01 - 15));
        assert_eq!(add_months(date!(2026 - 11 - 29), 3), date!(2027 - 02 - 28));
    }

    #[test]
    fn a_shorter_month_ends_the_period_on_its_last_day() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 03 - 31), 1), date!(2026 - 04 - 30));
        assert_eq!(add_months(date!(2026 - 01 - 30), 3), date!(2026 - 04 - 30));
    }

    #[test]
    fn dates_are_read_in_one_form_only() {
        assert_eq!(parse_date("2026-11-29"), Some(date!(2026 - 11 - 29)));
        for bad in [
            "2026-2-3",
            "29.11.2026",
            "2026-02-30",
            "2026-11-29T00:00",
            "",
            "2026-13-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(format_date(date!(2026 - 02 - 03)), "2026-02-03");
        assert_eq!(
            date_of_rfc3339("2026-12-10T23:30:00-02:00"),
            Some(date!(2026 - 12 - 11))
        );
    }
}
