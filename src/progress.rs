//! A progress bar on stderr while scanning, drawn only when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use forgetme_scanner::scan::ScanProgress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

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
        bar.set_style(
            ProgressStyle::with_template("{spinner} scanning [{bar:30}] {pos}/{len} ranges  {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        let shown = bar.clone();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            loop {
                let rows = progress.rows.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64().max(0.001);
                shown.set_length(progress.splits_total.load(Ordering::Relaxed));
                shown.set_position(progress.splits_done.load(Ordering::Relaxed));
                let failed = progress.splits_failed.load(Ordering::Relaxed);
                let failed = if failed > 0 {
                    format!("  {failed} FAILED")
                } else {
                    String::new()
                };
                shown.set_message(format!(
                    "{rows} rows, {:.0} rows/s{failed}",
                    rows as f64 / secs
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
