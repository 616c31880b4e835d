//! The privacy officer's pages from a real ledger: `requests letter` writes only the letters
//! the ledger backs (a completed erasure after a verified erasure through GWS, "nothing held"
//! after a complete search that found nothing), refuses the others with nothing written, and
//! `requests report --html` writes a dashboard that a browser renders; no letter and no page
//! holds an identifier of the people searched for.

use std::path::Path;

use crate::common::*;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);
const ERASED: &str = "DSR-2026-0301";
const NOTHING: &str = "DSR-2026-0302";
const LATE: &str = "DSR-2026-0303";
const ERASED_NOTHING: &str = "DSR-2026-0304";
const NOBODY: &str = "nobody.at.all@example.org";

/// `gdpr_forget_me requests ARGS --audit-log DIR/audit.jsonl` (the ledger beside it).
async fn requests(dir: &Path, args: &[&str]) -> Run {
    let mut all = strings(&["requests"]);
    all.extend(strings(args));
    all.extend(strings(&[
        "--audit-log",
        dir.join("audit.jsonl").to_str().unwrap(),
    ]));
    forget_me(&all).await
}

/// `requests letter ID --kind KIND --out DIR/NAME` with the filled template.
async fn letter(dir: &Path, id: &str, kind: &str, name: &str, extra: &[&str]) -> Run {
    let template = filled_template(dir, "en");
    let out = dir.join(name);
    let mut args = vec![
        "letter",
        id,
        "--kind",
        kind,
        "--subject-template",
        template.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    requests(dir, &args).await
}

/// A day `days` before today (UTC), as the ledger writes dates.
fn days_ago(days: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("{days} days ago"), "+%Y-%m-%d"])
        .output()
        .expect("date runs");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Nothing of the people searched for, in any spelling a page could carry: the addresses,
/// their local parts and domains, and the phone number's digits whatever separates them.
fn assert_no_identifier(what: &str, text: &str) {
    let lower = text.to_lowercase();
    for needle in ["emma.jones", "pizza.co.uk", "nobody.at.all", "example.org"] {
        assert!(!lower.contains(needle), "{what} holds {needle:?}");
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    assert!(
        !digits.contains("2079460123") && !digits.contains("79460123"),
        "{what} holds the phone number's digits"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn letters_follow_the_ledger_and_the_dashboard_renders_without_an_identifier() {
    let s = seeded("officer_pages").await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let received = days_ago(3);
    for (id, when, kind) in [
        (ERASED, received.as_str(), "erasure"),
        (NOTHING, received.as_str(), "access"),
        (LATE, &days_ago(40), "rectification"),
    ] {
        let run = requests(d, &["add", id, "--received", when, "--type", kind]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
    }

    // Before anything was done, only the acknowledgement is backed by the ledger.
    let run = letter(d, ERASED, "acknowledgement", "ack.html", &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ack = std::fs::read_to_string(d.join("ack.html")).unwrap();
    assert!(ack.contains(ERASED) && ack.contains("Content-Security-Policy"));
    for (kind, says) in [
        ("completed", "not answered yet"),
        ("extension", "no extension recorded"),
        ("nothing-held", "no complete search that found nothing"),
    ] {
        let name = format!("refused-{kind}.html");
        let run = letter(d, ERASED, kind, &name, &[]).await;
        assert_eq!(run.code, 2, "{kind}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{kind}: {}", run.stderr);
        assert!(
            !d.join(&name).exists(),
            "a refused {kind} letter is not written"
        );
    }

    // The erasure through GWS, verified: the request is answered, its letter says so.
    // The second demo subject: the first has a corporate favorite, which an administrator
    // removes, so an erasure of hers is not answered by the tool alone.
    let extra = [
        "--search",
        "emma.jones@pizza.co.uk",
        "--search",
        "+44 20 7946 0123",
        "--case",
        ERASED,
    ];
    let run = forget_me_env(&cleanup_args(&s, d, &extra), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let run = letter(d, ERASED, "completed", "done.txt", &["--format", "text"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let done = std::fs::read_to_string(d.join("done.txt")).unwrap();
    assert!(done.contains("erased"), "{done}");
    assert!(done.contains(&format!("Our reference: {ERASED}")), "{done}");

    // A complete search that found nobody backs "nothing held"; it does not answer the
    // access request, so "completed" stays refused for it.
    let mut search = cass_args(&s.keyspace);
    search.extend(strings(&[
        "--search",
        NOBODY,
        "--case",
        NOTHING,
        "--no-progress",
    ]));
    search.extend(strings(&[
        "--audit-log",
        d.join("audit.jsonl").to_str().unwrap(),
        "--audit-key",
        d.join("audit.key").to_str().unwrap(),
    ]));
    let run = forget_me(&search).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let run = letter(d, NOTHING, "nothing-held", "none.html", &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = letter(d, NOTHING, "completed", "no.html", &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!d.join("no.html").exists());
    // "Nothing held" for the person whose data was found and erased would be untrue.
    let run = letter(d, ERASED, "nothing-held", "untrue.html", &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);

    // An erasure of someone the data does not hold is answered (nothing to erase, verified),
    // but "your data was erased" would be untrue: only "nothing held" is written.
    let extra = ["--search", NOBODY, "--case", ERASED_NOTHING];
    let run = forget_me_env(&cleanup_args(&s, d, &extra), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let run = letter(d, ERASED_NOTHING, "completed", "erased-nothing.html", &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--kind nothing-held"), "{}", run.stderr);
    assert!(!d.join("erased-nothing.html").exists());
    let run = letter(d, ERASED_NOTHING, "nothing-held", "held-none.html", &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    // The extension, recorded within the first month, then its letter.
    let reason = "the request covers several systems";
    let run = requests(d, &["extend", NOTHING, "--months", "1", "--reason", reason]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = letter(d, NOTHING, "extension", "ext.html", &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ext = std::fs::read_to_string(d.join("ext.html")).unwrap();
    assert!(ext.contains(reason), "the person is told the reason");

    // The dashboard: the late request overdue, the erased one's purge date and re-check; the
    // other, neither due soon nor late, only in the counts.
    let page = d.join("dashboard.html");
    let run = requests(d, &["report", "--html", page.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    for id in [ERASED, LATE] {
        assert!(html.contains(id), "the dashboard lists {id}");
    }
    assert!(
        !html.contains(NOTHING),
        "a request neither due nor late is only counted"
    );
    let overdue = &html[html.find("Overdue").expect("an overdue part")..];
    assert!(overdue.contains(LATE));
    assert!(!html.contains("<script"), "no script in the page");

    for name in [
        "ack.html",
        "done.txt",
        "none.html",
        "ext.html",
        "dashboard.html",
    ] {
        assert_no_identifier(name, &std::fs::read_to_string(d.join(name)).unwrap());
    }

    if let Some(browser) = crate::subject_copy::chromium() {
        let rendered = crate::subject_copy::render(&browser, &page).await;
        assert!(
            rendered.dom.contains("Data subject requests"),
            "{}",
            rendered.dom
        );
        assert!(rendered.dom.contains(LATE));
        assert_no_identifier("the rendered dashboard", &rendered.dom);
    }
}
