//! Days to answer: per request, from received to answered, and their median per month.
//!
//! The median, not the mean: one request that took three months (an extension) should not
//! make a month of prompt answers look slow, and management reads "half of the requests were
//! answered within N days" directly from it. A request counts in the month it was answered,
//! so a month's figure is final once the month is over.

use time::{Date, Month};

/// The median of `values`: the middle one of an odd count, the mean of the two middle ones
/// of an even count; `None` when there is none.
pub fn median(values: &[i64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mut v = values.to_vec();
    let (_, &mut upper, _) = v.select_nth_unstable(n / 2);
    if n % 2 == 1 {
        return Some(upper as f64);
    }
    // The largest of the lower half is the other middle value.
    let lower = *v[..n / 2].iter().max().expect("n is even and not 0");
    Some((lower as f64 + upper as f64) / 2.0)
}

/// One calendar month of answers.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthFigures {
    /// The month's year.
    pub year: i32,
    /// The month.
    pub month: Month,
    /// Requests answered in it.
    pub answered: usize,
    /// The median of their days to answer; `None` when none was answered.
    pub median_days: Option<f64>,
}

/// The `months` calendar months up to and including `today`'s, oldest first, each with the
/// requests answered in it: `answers` holds each answered request's (received, answered on).
/// Answers outside those months are left out.
pub fn per_month(answers: &[(Date, Date)], today: Date, months: u32) -> Vec<MonthFigures> {
    let index = |d: Date| d.year() * 12 + i32::from(u8::from(d.month())) - 1;
    let last = index(today);
    let first = last - months as i32 + 1;
    (first..=last)
        .map(|i| {
            let days: Vec<i64> = answers
                .iter()
                .filter(|(_, answered)| index(*answered) == i)
                .map(|(received, answered)| (*answered - *received).whole_days())
                .collect();
            MonthFigures {
                year: i.div_euclid(12),
                month: Month::try_from(i.rem_euclid(12) as u8 + 1).expect("1..=12"),
                answered: days.len(),
                median_days: median(&days),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    /// The definition, done the slow way: sort everything, take the middle.
    fn naive(values: &[i64]) -> Option<f64> {
        let mut v = values.to_vec();
        v.sort();
        let n = v.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(v[n / 2] as f64),
            _ => Some((v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0),
        }
    }

    #[test]
    fn odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7]), Some(7.0));
        assert_eq!(median(&[30, 2, 9]), Some(9.0));
        assert_eq!(median(&[30, 2, 9, 10]), Some(9.5));
        assert_eq!(median(&[5, 5, 5, 40]), Some(5.0));
        assert_eq!(median(&[1, 2]), Some(1.5));
    }

    proptest! {
        #[test]
        fn median_is_the_sorted_middle(values in proptest::collection::vec(-400i64..400, 0..60)) {
            prop_assert_eq!(median(&values), naive(&values));
        }

        #[test]
        fn every_answer_in_the_window_counts_once(
            days in proptest::collection::vec((0i64..400, 0i64..90), 0..40)
        ) {
            let today = date!(2026 - 12 - 06);
            let answers: Vec<(Date, Date)> = days
                .iter()
                .map(|(ago, took)| {
                    let answered = today - time::Duration::days(*ago);
                    (answered - time::Duration::days(*took), answered)
                })
                .collect();
            let months = per_month(&answers, today, 12);
            prop_assert_eq!(months.len(), 12);
            let in_window = answers.iter().filter(|(_, a)| *a >= date!(2026 - 01 - 01)).count();
            prop_assert_eq!(months.iter().map(|m| m.answered).sum::<usize>(), in_window);
            for m in &months {
                prop_assert_eq!(m.median_days.is_some(), m.answered > 0);
            }
        }
    }

    #[test]
    fn answers_count_in_the_month_they_were_answered() {
        let answers = [
            (date!(2026 - 10 - 20), date!(2026 - 11 - 02)), // 13 days, November
            (date!(2026 - 11 - 01), date!(2026 - 11 - 30)), // 29 days, November
            (date!(2026 - 11 - 01), date!(2026 - 11 - 05)), // 4 days, November
            (date!(2026 - 09 - 01), date!(2026 - 12 - 01)), // 91 days, December
            (date!(2025 - 11 - 01), date!(2025 - 11 - 10)), // a year ago: out
        ];
        let months = per_month(&answers, date!(2026 - 12 - 06), 12);
        assert_eq!(months.len(), 12);
        assert_eq!((months[0].year, months[0].month), (2026, Month::January));
        let nov = &months[10];
        assert_eq!(
            (nov.year, nov.month, nov.answered),
            (2026, Month::November, 3)
        );
        assert_eq!(nov.median_days, Some(13.0));
        let dec = &months[11];
        assert_eq!(
            (dec.month, dec.answered, dec.median_days),
            (Month::December, 1, Some(91.0))
        );
        assert_eq!(months[0].median_days, None);
        // Across a year's end.
        let months = per_month(&answers, date!(2027 - 01 - 15), 3);
        let got: Vec<(i32, Month, usize)> = months
            .iter()
            .map(|m| (m.year, m.month, m.answered))
            .collect();
        assert_eq!(
            got,
            [
                (2026, Month::November, 3),
                (2026, Month::December, 1),
                (2027, Month::January, 0)
            ]
        );
    }
}
