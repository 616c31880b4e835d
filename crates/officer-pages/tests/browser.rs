//! The dashboard and a letter, loaded in a real browser (headless Chromium): the page renders
//! what it should, the browser lets its own style sheet through the page's policy, and a
//! screenshot of it is a picture.
//!
//! Chromium is required: without it these tests fail and name the install command
//! (`apt-get install -y chromium` on Debian). `FORGETME_SKIP_BROWSER=1` skips the browser
//! checks on a developer's machine; `FORGETME_CHROMIUM` names another binary.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use forgetme_access_export::words::Language;
use forgetme_officer_pages::{
    dashboard, letter, ControllerInfo, DashboardInput, DatedRow, LetterFacts, LetterKind,
    LetterWords, RequestRow, RequestState, RequestType,
};
use time::macros::date;

/// The browser, or `None` when the developer opted out; no browser and no opt-out fails.
fn chromium() -> Option<PathBuf> {
    testkit::chromium("the officer's pages are")
}

/// What the browser made of a page.
struct Loaded {
    /// The DOM as the browser built it (`--dump-dom`), or empty for a screenshot.
    dom: String,
    /// The console's lines (a Content-Security-Policy violation is reported there).
    console: String,
}

/// Loads a local page in headless Chromium, network off, with `extra` arguments (a dump of
/// the DOM, a screenshot, a window size).
fn load(browser: &Path, page: &Path, extra: &[String]) -> Loaded {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            // Root (CI's containers) cannot use Chromium's sandbox; the page is the test's own.
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("Chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Chromium did not finish within 2 minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (dom, stderr) = (out.join().unwrap(), err.join().unwrap());
    assert!(status.success(), "Chromium failed: {stderr}");
    Loaded {
        dom,
        console: stderr
            .lines()
            .filter(|l| l.contains("CONSOLE") || l.contains("Content Security Policy"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The DOM of a page.
fn dump(browser: &Path, page: &Path) -> Loaded {
    load(browser, page, &["--dump-dom".into()])
}

/// A screenshot of a page at a window size; returns the PNG's width and height after
/// checking it is one.
fn screenshot(browser: &Path, page: &Path, width: u32, height: u32) -> (u32, u32) {
    let png = page.with_extension(format!("{width}.png"));
    load(
        browser,
        page,
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={width},{height}"),
        ],
    );
    let bytes = std::fs::read(&png).expect("the screenshot was written");
    assert!(bytes.len() > 1000, "{} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// The check that the page's own style sheet passes its policy means something only if this
/// browser, run this way, reports the style sheets a policy blocks.
fn browser_reports_a_blocked_style(browser: &Path, dir: &Path) {
    let page = dir.join("control.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='\"><title>t</title><style>p{color:red}</style></head><body><p>x</p></body></html>",
    )
    .unwrap();
    let loaded = dump(browser, &page);
    assert!(
        loaded.console.contains("Content Security Policy"),
        "control: the blocked style sheet is not reported: {}",
        loaded.console
    );
}

fn row(
    reference: &str,
    request_type: RequestType,
    state: RequestState,
    received: time::Date,
    deadline: time::Date,
    answered_on: Option<time::Date>,
) -> RequestRow {
    RequestRow {
        reference: reference.into(),
        request_type,
        state,
        received,
        deadline,
        answered_on,
    }
}

#[test]
fn the_dashboard_renders_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    browser_reports_a_blocked_style(&browser, dir.path());
    let input = DashboardInput {
        today: date!(2026 - 12 - 06),
        due_soon_days: 7,
        requests: vec![
            row(
                "DSR-2026-0101",
                RequestType::Erasure,
                RequestState::InProgress,
                date!(2026 - 10 - 20),
                date!(2026 - 11 - 20),
                None,
            ),
            row(
                "DSR-2026-0142",
                RequestType::Access,
                RequestState::Received,
                date!(2026 - 11 - 10),
                date!(2026 - 12 - 10),
                None,
            ),
            row(
                "DSR-2026-0090",
                RequestType::Erasure,
                RequestState::Answered,
                date!(2026 - 11 - 01),
                date!(2026 - 12 - 01),
                Some(date!(2026 - 11 - 14)),
            ),
            row(
                "DSR-2026-0091",
                RequestType::Access,
                RequestState::Closed,
                date!(2026 - 10 - 20),
                date!(2026 - 11 - 20),
                Some(date!(2026 - 11 - 26)),
            ),
        ],
        rechecks: vec![DatedRow {
            reference: "DSR-2026-0090".into(),
            date: date!(2026 - 12 - 10),
        }],
        purges: vec![DatedRow {
            reference: "DSR-2026-0090".into(),
            date: date!(2026 - 11 - 24),
        }],
    };
    let page = dir.path().join("dashboard.html");
    std::fs::write(&page, dashboard::render(&input)).unwrap();
    let loaded = dump(&browser, &page);
    let dom = &loaded.dom;
    for heading in [
        "<h1>Data subject requests</h1>",
        "<h2>Overdue</h2>",
        "<h2>Due in the next 7 days</h2>",
        "<h2>Receipt re-checks due</h2>",
        "<h2>Purge dates</h2>",
        "<h2>Requests by type and state</h2>",
        "<h2>Days to answer</h2>",
    ] {
        assert!(dom.contains(heading), "{heading} not in\n{dom}");
    }
    assert!(
        dom.contains("<div class=\"tile\" id=\"total\"><b>4</b>Requests</div>"),
        "{dom}"
    );
    assert!(dom.contains("<div class=\"tile bad\" id=\"overdue-count\"><b>1</b>Overdue</div>"));
    // November: 13 and 37 days, median 25; one of them past its deadline.
    assert!(dom.contains(
        "<th scope=\"row\">November 2026</th><td class=\"n\">2</td><td class=\"n\">25</td><td class=\"n\">1</td>"
    ), "{dom}");
    // The chart is SVG in the page's DOM, with its bar.
    assert!(dom.contains("<svg class=\"chart\" id=\"chart\""), "{dom}");
    assert_eq!(dom.matches("<rect class=\"bar\"").count(), 1, "{dom}");
    assert!(
        !loaded.console.contains("Content Security Policy"),
        "the page's own style sheet was blocked: {}",
        loaded.console
    );
    assert_eq!(screenshot(&browser, &page, 1280, 1800), (1280, 1800));
}

#[test]
fn a_letter_renders_in_a_browser_in_each_language() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let facts = LetterFacts {
        reference: "DSR-2026-0131".into(),
        request_type: RequestType::Erasure,
        received: date!(2026 - 11 - 12),
        written_on: date!(2026 - 12 - 04),
        kind: LetterKind::Extension {
            original_deadline: date!(2026 - 12 - 12),
            new_deadline: date!(2027 - 02 - 12),
            months: 2,
            reason: "three systems to search <by hand>".into(),
        },
    };
    let controller = ControllerInfo {
        controller: "Northwind Bakery Ltd, 1 Sample Lane, Exampletown".into(),
        contact: "Write to the privacy team at the address above.".into(),
        dpo: None,
        complaint: "You may complain to the supervisory authority.".into(),
    };
    for (language, title, reason) in [
        (
            Language::En,
            "<h1>We need more time to answer your request</h1>",
            "Why we need more time: three systems to search &lt;by hand&gt;.",
        ),
        (
            Language::De,
            "<h1>Wir brauchen mehr Zeit für unsere Antwort</h1>",
            "Warum wir mehr Zeit brauchen: three systems to search &lt;by hand&gt;.",
        ),
    ] {
        let r = letter::render(&facts, &controller, &LetterWords::shipped(language));
        let page = dir.path().join(format!("letter-extension.{language}.html"));
        std::fs::write(&page, &r.html).unwrap();
        let loaded = dump(&browser, &page);
        let dom = &loaded.dom;
        assert!(
            dom.contains(&format!("<html lang=\"{language}\">")),
            "{dom}"
        );
        assert!(dom.contains(title), "{title} not in\n{dom}");
        assert!(dom.contains(reason), "{reason} not in\n{dom}");
        assert!(dom.contains("DSR-2026-0131"));
        assert!(!dom.contains("<by hand>"), "{dom}");
        assert!(
            !loaded.console.contains("Content Security Policy"),
            "the letter's own style sheet was blocked: {}",
            loaded.console
        );
        // A desktop and the narrowest window Chromium opens (a phone is narrower still; the
        // style's narrow-screen rules start at 36em).
        assert_eq!(screenshot(&browser, &page, 900, 1200), (900, 1200));
        assert_eq!(screenshot(&browser, &page, 500, 1400), (500, 1400));
    }
}
