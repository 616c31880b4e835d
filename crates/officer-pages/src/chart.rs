//! The dashboard's bar chart: the median days to answer per month, drawn as inline SVG.
//!
//! Inline SVG is part of the page, so the chart needs no script, no image file and nothing
//! the page's policy would have to allow, and it prints like the rest of the page. The table
//! beside it holds the same figures, for a reader that shows no drawing.

use maud::{html, Markup};

use crate::median::MonthFigures;

/// Width of one month's slot, in the drawing's units.
const SLOT: f64 = 48.0;
/// Left margin (the scale's labels).
const LEFT: f64 = 36.0;
/// Top of the plot area.
const TOP: f64 = 16.0;
/// Bottom of the plot area (the zero line).
const BASE: f64 = 156.0;
/// Height of the whole drawing.
const HEIGHT: f64 = 196.0;

/// Short month names, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The chart of `months`, with a dashed line at `limit_days` (the one month the law gives).
pub fn bars(months: &[MonthFigures], limit_days: i64) -> Markup {
    let highest = months
        .iter()
        .filter_map(|m| m.median_days)
        .fold(limit_days as f64, f64::max);
    // Room above the highest bar for its label, the scale's top a round number.
    let top = ((highest * 1.15) / 10.0).ceil() * 10.0;
    let y = |days: f64| BASE - days / top * (BASE - TOP);
    let width = LEFT + SLOT * months.len() as f64 + 8.0;
    let limit_y = y(limit_days as f64);
    html! {
        svg.chart id="chart" role="img" aria-labelledby="chart-title"
            viewBox=(format!("0 0 {width} {HEIGHT}")) width=(width) height=(HEIGHT) {
            title id="chart-title" { "Median days to answer, per month answered" }
            line.axis x1=(LEFT) y1=(BASE) x2=(width - 4.0) y2=(BASE) {}
            text.scale x=(LEFT - 4.0) y=(BASE + 4.0) text-anchor="end" { "0" }
            text.scale x=(LEFT - 4.0) y=(fmt(y(top)) + 4.0) text-anchor="end" { (top) }
            line.limit x1=(LEFT) y1=(fmt(limit_y)) x2=(width - 4.0) y2=(fmt(limit_y)) {}
            text.limit-label x=(width - 6.0) y=(fmt(limit_y - 4.0)) text-anchor="end" {
                (limit_days) " days: about the one-month deadline"
            }
            @for (i, m) in months.iter().enumerate() {
                @let left = LEFT + SLOT * i as f64;
                @let middle = fmt(left + SLOT / 2.0);
                @if let Some(days) = m.median_days {
                    @let bar_top = fmt(y(days));
                    rect.bar.late[days > limit_days as f64]
                        x=(fmt(left + 8.0)) y=(bar_top) width=(SLOT - 16.0)
                        height=(fmt(BASE - bar_top)) {
                        title { (month_name(m)) ": median " (days_text(days)) " days, " (m.answered) " answered" }
                    }
                    text.value x=(middle) y=(fmt(bar_top - 4.0)) text-anchor="middle" { (days_text(days)) }
                } @else {
                    text.empty x=(middle) y=(BASE - 4.0) text-anchor="middle" { "–" }
                }
                text.month x=(middle) y=(BASE + 16.0) text-anchor="middle" {
                    (MONTHS[usize::from(u8::from(m.month)) - 1])
                }
                @if i == 0 || u8::from(m.month) == 1 {
                    text.year x=(middle) y=(BASE + 32.0) text-anchor="middle" { (m.year) }
                }
            }
        }
    }
}

/// A month as a reader names it: `November 2026`.
pub fn month_name(m: &MonthFigures) -> String {
    format!("{} {}", m.month, m.year)
}

/// Days as the page writes them: `12`, `12.5`.
pub fn days_text(days: f64) -> String {
    if days.fract() == 0.0 {
        format!("{days:.0}")
    } else {
        format!("{days:.1}")
    }
}

/// A coordinate rounded to a tenth, so the drawing's text stays short.
fn fmt(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    fn month(month: Month, answered: usize, median_days: Option<f64>) -> MonthFigures {
        MonthFigures {
            year: 2026,
            month,
            answered,
            median_days,
        }
    }

    #[test]
    fn one_bar_per_month_answered_and_a_line_at_the_deadline() {
        let months = [
            month(Month::October, 0, None),
            month(Month::November, 3, Some(13.0)),
            month(Month::December, 2, Some(45.5)),
        ];
        let svg = bars(&months, 30).into_string();
        assert_eq!(svg.matches("<rect").count(), 2, "{svg}");
        assert_eq!(svg.matches("class=\"bar late\"").count(), 1, "{svg}");
        assert!(
            svg.contains(">13</text>") && svg.contains(">45.5</text>"),
            "{svg}"
        );
        assert!(
            svg.contains("<title>November 2026: median 13 days, 3 answered</title>"),
            "{svg}"
        );
        assert!(svg.contains("class=\"empty\""));
        assert!(svg.contains("30 days: about the one-month deadline"));
        assert!(svg.contains(">Oct</text>") && svg.contains(">2026</text>"));
        // The bars are drawn to scale: 45.5 days is 3.5 times as tall as 13.
        let heights: Vec<f64> = svg
            .split("<rect")
            .skip(1)
            .map(|r| {
                let h = r.split("height=\"").nth(1).unwrap();
                h[..h.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert!((heights[1] / heights[0] - 3.5).abs() < 0.02, "{heights:?}");
    }

    #[test]
    fn no_answers_draws_the_frame_only() {
        let months = [month(Month::November, 0, None)];
        let svg = bars(&months, 30).into_string();
        assert!(!svg.contains("<rect"), "{svg}");
        assert!(svg.contains("class=\"limit\""));
        assert_eq!(days_text(12.0), "12");
        assert_eq!(days_text(12.5), "12.5");
    }
}
