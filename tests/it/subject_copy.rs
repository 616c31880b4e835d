//! The data subject's copy of an access export, loaded in a real browser (headless Chromium):
//! what it shows, what it must never show, and that a script planted in a stored value does
//! not run. Against the real node and the emulator.
//!
//! Chromium is required: without it these tests fail and name the install command
//! (`apt-get install -y chromium` on Debian). `FORGETME_SKIP_BROWSER=1` skips the browser
//! checks on a developer's machine; `FORGETME_CHROMIUM` names another binary.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::*;
use serde_json::{json, Value};

const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/subject-copy.toml");

/// What a script planted in a stored value would do if it ran: add `#pwned`, set the title.
const SCRIPT: &str = "<script>document.body.appendChild(document.createElement('div')).id='pwned';document.title='PWNED'</script>";
const ATTRIBUTE: &str = "\"><img src=x onerror=\"document.title='PWNED'\"><b id=\"pwned\">";

/// The browser, or `None` when the developer opted out; no browser and no opt-out fails.
fn chromium() -> Option<PathBuf> {
    if std::env::var("FORGETME_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("FORGETME_SKIP_BROWSER=1: the subject's copy is NOT checked in a browser");
        return None;
    }
    let name = std::env::var("FORGETME_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let found = if name.contains('/') {
        Path::new(&name).is_file().then(|| PathBuf::from(&name))
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(&name))
                .find(|p| p.is_file())
        })
    };
    match found {
        Some(p) => Some(p),
        None => panic!(
            "headless Chromium ({name}) is needed to check the subject's copy in a browser: install it with `apt-get update && apt-get install -y chromium` (Debian), point FORGETME_CHROMIUM at it, or set FORGETME_SKIP_BROWSER=1 to skip these checks"
        ),
    }
}

/// What the browser made of a page: the DOM after scripts (if any) ran, and its console.
struct Rendered {
    dom: String,
    console: String,
}

/// Loads a local page in headless Chromium, network off, and dumps the DOM.
async fn render(browser: &Path, page: &Path) -> Rendered {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(browser);
    cmd.args([
        "--headless",
        // Root (CI's containers) cannot use Chromium's sandbox; the page is the test's own.
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=2000",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg("--dump-dom")
    .arg(format!("file://{}", page.display()))
    .stdin(std::process::Stdio::null())
    .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("Chromium answers within 2 minutes")
        .expect("Chromium runs");
    assert!(
        out.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Rendered {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        console: String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains("CONSOLE"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The checks below are only worth something if this browser, run this way, does run a page's
/// scripts and does report what a Content-Security-Policy blocks.
async fn browser_runs_scripts_and_reports_blocked_ones(browser: &Path, dir: &Path) {
    let open = dir.join("control-open.html");
    std::fs::write(
        &open,
        format!("<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p>{SCRIPT}</body></html>"),
    )
    .unwrap();
    let r = render(browser, &open).await;
    assert!(
        r.dom.contains("id=\"pwned\""),
        "control: the script did not run:\n{}",
        r.dom
    );
    let locked = dir.join("control-csp.html");
    std::fs::write(
        &locked,
        format!("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"><title>t</title></head><body><p>x</p>{SCRIPT}</body></html>"),
    )
    .unwrap();
    let r = render(browser, &locked).await;
    assert!(
        !r.dom.contains("id=\"pwned\""),
        "control: CSP did not block:\n{}",
        r.dom
    );
    assert!(
        r.console.contains("Content Security Policy"),
        "control: the blocked script is not reported: {}",
        r.console
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subject_sees_their_own_details_and_nothing_internal_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let s = seeded("subject_copy").await;
    let dir = tempfile::tempdir().unwrap();
    browser_runs_scripts_and_reports_blocked_ones(&browser, dir.path()).await;

    // Hostile stored values in a favorite holding the subject's address, a note naming the
    // agent, and a list shared with two other people.
    let agent_name = testkit::agent_user(2);
    let agent = testkit::user_id(&agent_name);
    let hostile = json!({
        "id": "fav-hostile",
        "displayName": SCRIPT,
        "firstName": ATTRIBUTE,
        "lastName": "</dd></dl><style>body{display:none}</style>",
        "category": "' onmouseover='alert(1)",
        "notes": format!("{agent_name} promised John a call back"),
        "phoneNumbers": [],
        "emailAddresses": ["john.smith@pizza.com"]
    });
    let shared = json!({
        "name": "shared-list",
        "entries": [
            {"displayName": "Other One", "emailAddress": "other.one@pizza.com", "phoneNumber": "+1 555 010 0077"},
            {"displayName": "John", "emailAddress": "john.smith@pizza.com", "lastUsed": "2025-03-04T10:20:00Z"},
            {"displayName": "Other Two", "emailAddress": "other.two@pizza.com"}
        ]
    });
    for (group, value) in [
        ("interaction-workspace-personal-favorites", &hostile),
        ("interaction-workspace-recents", &shared),
    ] {
        testkit::admin_client(&s.emulator)
            .send_ok(
                reqwest::Method::POST,
                &format!("/users/{agent}/settings/{group}"),
                Some(&value.to_string()),
            )
            .await
            .unwrap();
    }

    let path = dir.path().join("request.json");
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--search",
        "john.smith@pizza.com",
        "--search",
        "+1 555 010 0001",
        "--default-region",
        "US",
        "--no-progress",
        "--export",
        path.to_str().unwrap(),
        "--subject-template",
        TEMPLATE,
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("NOT FILLED IN"), "{}", run.stderr);
    let officer: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let page = dir.path().join("request.subject.html");
    let copy: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("request.subject.json")).unwrap(),
    )
    .unwrap();

    let r = render(&browser, &page).await;
    let doc = scraper::Html::parse_document(&r.dom);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let text: String = doc.root_element().text().collect();

    // The planted script and attribute did not run: no element they would add, the title as
    // written, and the page's policy had nothing to block (its own style sheet applied).
    assert_eq!(doc.select(&sel("#pwned")).count(), 0, "{}", r.dom);
    assert_eq!(
        doc.select(&sel("script, img, style ~ style, link, iframe, object"))
            .count(),
        0
    );
    let title: String = doc.select(&sel("title")).next().unwrap().text().collect();
    assert_eq!(title, "Your personal data: a copy for you");
    assert!(r.console.is_empty(), "the browser reported: {}", r.console);
    // The markup is shown as the text it is.
    assert!(text.contains(SCRIPT), "{text}");
    assert!(text.contains(ATTRIBUTE), "{text}");

    // What the person sees: one record per place (a shared list: the subject's entry only),
    // grouped by kind, with their details as stored and the dates.
    let records = doc.select(&sel("section.record")).count();
    let items = officer["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        7,
        "five planted places, the hostile favorite, the shared list"
    );
    assert_eq!(records, 7, "{text}");
    assert_eq!(copy["records"].as_array().unwrap().len(), 7);
    let headings: Vec<String> = doc.select(&sel("h3")).map(|h| h.text().collect()).collect();
    assert_eq!(
        headings,
        [
            "Personal favorites saved by our agents (3)",
            "Recent contacts saved by our agents (3)",
            "Corporate favorites of our contact center (1)"
        ]
    );
    for shown in [
        "John.Smith@Pizza.COM",
        "John Smith <john.smith@pizza.com>",
        "+1 (555) 010-0001",
        "555.010.0001",
        "John Smith (key account)",
        "4 March 2025, 10:20 UTC",
        "phone call",
        // The agent's address in a note (no --gws here, so the export knows no user names).
        "(withheld: another person's data) promised John a call back",
        "This is one entry of a list that also holds other people's contacts",
        // The controller's information, from the template.
        "Pizza Example Ltd",
        "Information Commissioner's Office",
    ] {
        assert!(text.contains(shown), "{shown:?} is not shown:\n{text}");
    }
    assert!(!text.contains("NOT FILLED IN") && !text.contains("DRAFT"));

    // What the person never sees, in the rendered page (text and attributes) or the JSON:
    // the agents, the keyspace and table, groups, setting keys, paths, other people.
    let mut forbidden: Vec<String> = vec![
        s.keyspace.clone(),
        ".settings".into(),
        "interaction-workspace".into(),
        "recent-list".into(),
        "shared-list".into(),
        "fav-hostile".into(),
        "custom-contact".into(),
        "$.".into(),
        "json_path".into(),
        "Other One".into(),
        "other.one@pizza.com".into(),
        "010 0077".into(),
        "Other Two".into(),
        "other.two".into(),
        // The other demo subject, not asked about.
        "emma.jones".into(),
        "7946 0123".into(),
    ];
    for a in &s.data.agents {
        forbidden.push(a.id.clone());
        forbidden.push(a.user_name.clone());
    }
    for item in items {
        forbidden.push(item["setting_key"].as_str().unwrap().to_string());
        if let Some(u) = item["user_id"].as_str() {
            forbidden.push(u.to_string());
        }
    }
    let copy_text = copy.to_string();
    for f in &forbidden {
        assert!(!r.dom.contains(f.as_str()), "{f} is in the rendered page");
        assert!(
            !copy_text.contains(f.as_str()),
            "{f} is in the subject's JSON"
        );
    }
    // No raw JSON on the page.
    assert!(!text.contains("{\"") && !text.contains("\":"), "{text}");

    // Without a template: written all the same, marked as a draft in the browser, and the
    // run says so. With --gws and a login the export knows the agents' user names: the
    // officer's record names them, the subject's copy replaces them, in the note too.
    let draft = dir.path().join("draft.json");
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--search",
        "john.smith@pizza.com",
        "--no-progress",
        "--gws",
        &s.emulator.base_url(),
        "--gws_username",
        testkit::ADMIN_USER,
        "--export",
        draft.to_str().unwrap(),
    ]));
    let run = forget_me_env(&args, &[("GWS_PASSWORD", testkit::ADMIN_PASSWORD)]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("NOT FILLED IN") && run.stderr.contains("--subject-template"),
        "{}",
        run.stderr
    );
    let r = render(&browser, &dir.path().join("draft.subject.html")).await;
    let doc = scraper::Html::parse_document(&r.dom);
    let text: String = doc.root_element().text().collect();
    assert!(text.contains("DRAFT, NOT READY TO SEND"), "{text}");
    assert_eq!(doc.select(&sel("dd.missing")).count(), 11, "{text}");
    assert!(!text.contains("Pizza Example Ltd"));
    // The agent's user name is an e-mail address: withheld like anybody else's.
    assert!(
        text.contains("(withheld: another person's data) promised John a call back"),
        "{text}"
    );
    let officer = std::fs::read_to_string(&draft).unwrap();
    assert!(officer.contains(&format!("\"user_name\": \"{agent_name}\"")));
    for a in &s.data.agents {
        assert!(
            !r.dom.contains(&a.user_name) && !r.dom.contains(&a.id),
            "{}",
            a.user_name
        );
    }

    s.emulator.shutdown().await;
}

/// A bad template is refused before anything is read: these runs point at a port where
/// nothing listens, so an attempt to connect would be exit 4.
#[tokio::test]
async fn a_missing_or_incomplete_template_is_refused_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("e.json");
    let run_with = |template: PathBuf| {
        let export = export.clone();
        async move {
            forget_me(&strings(&[
                "--cass_hostname",
                "127.0.0.1",
                "--cass_port",
                "1",
                "--search",
                "a@b.com",
                "--export",
                export.to_str().unwrap(),
                "--subject-template",
                template.to_str().unwrap(),
            ]))
            .await
        }
    };
    let run = run_with(dir.path().join("nope.toml")).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--subject-template") && run.stderr.contains("nope.toml"),
        "{}",
        run.stderr
    );

    let partial = dir.path().join("partial.toml");
    let without = "controller = \"C\"\ncontact = \"c\"\npurposes = \"p\"\nrecipients = \"r\"\ntransfers = \"None\"\nsource = \"s\"\nautomated_decisions = \"None\"\nrights = \"r\"\n";
    std::fs::write(&partial, without).unwrap();
    let run = run_with(partial).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("retention") && run.stderr.contains("complaint"),
        "{}",
        run.stderr
    );
    assert!(!export.exists());

    // --subject-template without --export.
    let run = forget_me(&strings(&[
        "--cass_hostname",
        "127.0.0.1",
        "--cass_port",
        "1",
        "--search",
        "a@b.com",
        "--subject-template",
        TEMPLATE,
    ]))
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--export"), "{}", run.stderr);

    // An --export name whose files would coincide.
    let run = forget_me(&strings(&[
        "--cass_hostname",
        "127.0.0.1",
        "--cass_port",
        "1",
        "--search",
        "a@b.com",
        "--export",
        dir.path().join("x.html").to_str().unwrap(),
    ]))
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("give a .json file name"),
        "{}",
        run.stderr
    );
}
