//! Progress on stderr while scanning: a bar when stderr is a terminal; otherwise (cron, CI,
//! `nohup`, a log file) a plain line every [`PLAIN_EVERY`], so a long scan never looks hung.

use std::io::{IsTerminal, Write as _};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use forgetme_scanner::scan::ScanProgress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

/// How far back the current rate looks.
const RATE_WINDOW: Duration = Duration::from_secs(5);

/// How often the plain progress line is written when stderr is not a terminal.
pub const PLAIN_EVERY: Duration = Duration::from_secs(10);

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

/// The plain progress line: time so far, ranges done, and the status.
fn plain_line(elapsed: Duration, done: u64, total: u64, status: &str) -> String {
    let secs = elapsed.as_secs();
    format!(
        "progress: {:02}:{:02}:{:02} scanning, {done}/{total} ranges, {status}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A running progress display; [`ProgressDisplay::finish`] clears it.
pub struct ProgressDisplay {
    task: Option<(JoinHandle<()>, ProgressBar)>,
}

impl ProgressDisplay {
    /// Starts showing `progress` unless disabled: a bar on a terminal, plain lines elsewhere.
    pub fn start(progress: Arc<ScanProgress>, enabled: bool) -> ProgressDisplay {
        if !enabled {
            return ProgressDisplay { task: None };
        }
        if !std::io::stderr().is_terminal() {
            return ProgressDisplay::plain(progress, PLAIN_EVERY);
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

    /// A line on stderr every `every`: ranges done, rows, rates. No bar, no escape code.
    fn plain(progress: Arc<ScanProgress>, every: Duration) -> ProgressDisplay {
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let mut last = (started, 0u64);
            loop {
                tokio::time::sleep(every).await;
                let now = Instant::now();
                let rows = progress.rows.load(Ordering::Relaxed);
                let recent =
                    rows.saturating_sub(last.1) as f64 / now.duration_since(last.0).as_secs_f64();
                last = (now, rows);
                let _ = writeln!(
                    std::io::stderr(),
                    "{}",
                    plain_line(
                        now.duration_since(started),
                        progress.splits_done.load(Ordering::Relaxed),
                        progress.splits_total.load(Ordering::Relaxed),
                        &status_line(
                            rows,
                            recent,
                            rows as f64 / now.duration_since(started).as_secs_f64(),
                            progress.max_rows_per_second.load(Ordering::Relaxed),
                            progress.splits_failed.load(Ordering::Relaxed),
                        ),
                    )
                );
            }
        });
        ProgressDisplay {
            task: Some((task, ProgressBar::hidden())),
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
    fn the_plain_line_says_time_ranges_and_rows_without_escapes() {
        let line = plain_line(
            Duration::from_secs(3725),
            12,
            64,
            &status_line(120000, 5000.0, 4000.0, 0, 0),
        );
        assert_eq!(
            line,
            "progress: 01:02:05 scanning, 12/64 ranges, 120000 rows, 5000 rows/s, 4000 on average"
        );
        assert!(!line.contains('\x1b'));
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
