//! A progress bar on stderr while scanning, drawn only when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use forgetme_scanner::scan::ScanProgress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

/// How far back the current rate looks.
const RATE_WINDOW: Duration = Duration::from_secs(3);

/// Rows per second between the oldest and newest sample.
fn recent_rate(window: &std::collections::VecDeque<(Instant, u64)>) -> f64 {
    match (window.front(), window.back()) {
        (Some((t0, r0)), Some((t1, r1))) if t1 > t0 => {
            r1.saturating_sub(*r0) as f64 / t1.duration_since(*t0).as_secs_f64()
        }
        _ => 0.0,
    }
}

/// The text after the bar: rows so far, the current and average rate, the cap if any.
fn status_line(rows: u64, now: f64, average: f64, cap: u64, failed: u64) -> String {
    let cap = if cap > 0 {
        format!(" (cap {cap}/s)")
    } else {
        String::new()
    };
    let failed = if failed > 0 {
        format!("  {failed} FAILED")
    } else {
        String::new()
    };
    format!("{rows} rows, {now:.0} rows/s{cap}, {average:.0} on average{failed}")
}

/// A running progress display; [`ProgressDisplay::finish`] clears it.
pub struct ProgressDisplay {
    task: Option<(JoinHandle<()>, ProgressBar)>,
}

impl ProgressDisplay {
    /// Starts drawing `progress` unless disabled or stderr is not a terminal.
    pub fn start(progress: Arc<ScanProgress>, enabled: bool) -> ProgressDisplay {
        if !enabled || !std::io::stderr().is_terminal() {
            return ProgressDisplay { task: None };
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        // Until the scan has planned its ranges there is nothing to count: a spinner, not
        // "0/0 ranges 0 rows".
        bar.set_style(
            ProgressStyle::with_template("{spinner} planning the scan...").expect("valid template"),
        );
        let counting =
            ProgressStyle::with_template("{spinner} scanning [{bar:30}] {pos}/{len} ranges  {msg}")
                .expect("valid template")
                .progress_chars("=> ");
        let shown = bar.clone();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            // The rate shown is that of the last few seconds, so a throttled scan can be seen
            // keeping to its cap; the average over the whole scan follows it.
            let mut window: std::collections::VecDeque<(Instant, u64)> = Default::default();
            loop {
                let now = Instant::now();
                let rows = progress.rows.load(Ordering::Relaxed);
                window.push_back((now, rows));
                while window.len() > 2 && now.duration_since(window[0].0) > RATE_WINDOW {
                    window.pop_front();
                }
                let total = progress.splits_total.load(Ordering::Relaxed);
                if total > 0 && shown.length() == Some(0) {
                    shown.set_style(counting.clone());
                }
                shown.set_length(total);
                shown.set_position(progress.splits_done.load(Ordering::Relaxed));
                shown.set_message(status_line(
                    rows,
                    recent_rate(&window),
                    rows as f64 / started.elapsed().as_secs_f64().max(0.001),
                    progress.max_rows_per_second.load(Ordering::Relaxed),
                    progress.splits_failed.load(Ordering::Relaxed),
                ));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        ProgressDisplay {
            task: Some((task, bar)),
        }
    }

    /// Stops and clears the bar.
    pub fn finish(self) {
        if let Some((task, bar)) = self.task {
            task.abort();
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_shows_the_rate_and_the_cap() {
        assert_eq!(
            status_line(1200, 480.4, 400.0, 500, 0),
            "1200 rows, 480 rows/s (cap 500/s), 400 on average"
        );
        assert_eq!(
            status_line(10, 5.0, 5.0, 0, 2),
            "10 rows, 5 rows/s, 5 on average  2 FAILED"
        );
    }

    #[test]
    fn the_recent_rate_is_measured_over_the_window() {
        let t0 = Instant::now();
        let window: std::collections::VecDeque<_> = [
            (t0, 100),
            (t0 + Duration::from_secs(1), 400),
            (t0 + Duration::from_secs(2), 700),
        ]
        .into_iter()
        .collect();
        assert!((recent_rate(&window) - 300.0).abs() < 1e-9);
        assert_eq!(recent_rate(&Default::default()), 0.0);
    }
}
