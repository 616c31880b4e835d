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
const TEMPLATE_DE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/subject-copy.de.toml"
);

/// What a script planted in a stored value would do if it ran: add `#pwned`, set the title.
const SCRIPT: &str = "<script>document.body.appendChild(document.createElement('div')).id='pwned';document.title='PWNED'</script>";
const ATTRIBUTE: &str = "\"><img src=x onerror=\"document.title='PWNED'\"><b id=\"pwned\">";

/// The browser, or `None` when the developer opted out; no browser and no opt-out fails.
pub(crate) fn chromium() -> Option<PathBuf> {
    testkit::chromium("the subject's copy is")
}

/// What the browser made of a page: the DOM after scripts (if any) ran, and its console.
pub(crate) struct Rendered {
    pub(crate) dom: String,
    console: String,
}

/// Loads a local page in headless Chromium, network off, and dumps the DOM.
pub(crate) async fn render(browser: &Path, page: &Path) -> Rendered {
    render_with(browser, page, &[]).await
}

/// [`render`] with more arguments for Chromium (a window size).
async fn render_with(browser: &Path, page: &Path, extra: &[&str]) -> Rendered {
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
    .args(extra)
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

/// The shipped English words of the copy that differ from the German ones, cut at their
/// placeholders, each piece of at least five letters: none may be on a German copy.
pub fn english_words() -> Vec<String> {
    use forgetme_access_export::words::{Language, Words};
    let en = serde_json::to_value(Words::shipped(Language::En)).unwrap();
    let de = serde_json::to_value(Words::shipped(Language::De)).unwrap();
    let mut out = Vec::new();
    let mut add = |text: &str, german: &str| {
        if text == german {
            return;
        }
        for piece in text.split(['{', '}']).step_by(2) {
            let piece = piece.trim_matches(|c: char| !c.is_alphanumeric());
            if piece.chars().filter(|c| c.is_alphabetic()).count() >= 5 {
                out.push(piece.to_string());
            }
        }
    };
    for (key, value) in en.as_object().unwrap() {
        match value {
            Value::String(text) => add(text, de[key].as_str().unwrap()),
            Value::Array(texts) => {
                for (i, t) in texts.iter().enumerate() {
                    add(t.as_str().unwrap(), de[key][i].as_str().unwrap());
                }
            }
            _ => {}
        }
    }
    assert!(out.len() > 60, "{out:?}");
    out
}

/// Measures, in the browser, how a page lays out at a width: its width, whether the page scrolls
/// sideways, the values (`.record dd .v`) that take more than one line, those wider than their
/// cell that the cell does not scroll to, and the labels that stand beside their value rather
/// than above it. The page itself runs no script (its policy allows none): this runs on a copy
/// of it, without the policy, with the measuring script as a file beside it (`extra_style`
/// added after the page's own, for the control).
const MEASURE: &str = r#"(function () {
  var out = {width: window.innerWidth, page_width: document.documentElement.scrollWidth,
             values: 0, wrapped: [], cut: [], beside: []};
  document.querySelectorAll('.record dd .v').forEach(function (v) {
    out.values += 1;
    if (v.getClientRects().length !== 1) out.wrapped.push(v.textContent);
    var dd = v.parentElement;
    if (dd.scrollWidth > dd.clientWidth + 1 && getComputedStyle(dd).overflowX !== 'auto')
      out.cut.push(v.textContent);
  });
  document.querySelectorAll('.record dt').forEach(function (dt) {
    var dd = dt.nextElementSibling;
    if (dd.getBoundingClientRect().top < dt.getBoundingClientRect().bottom - 1)
      out.beside.push(dt.textContent);
  });
  parent.postMessage(JSON.stringify(out), '*');
})();"#;

/// The page that holds the measured page in a frame of the width measured (Chromium's
/// window is at least 500 px wide; a frame's viewport is what the page's media queries
/// see), and writes what the frame measured into its own DOM for `--dump-dom`.
const FRAME_LISTENER: &str = r#"window.addEventListener('message', function (e) {
  var pre = document.createElement('pre');
  pre.id = 'layout';
  pre.textContent = e.data;
  document.body.appendChild(pre);
});"#;

async fn layout_at(browser: &Path, page: &Path, width: u32, extra_style: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(page).unwrap();
    let csp_start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let csp_end = csp_start + html[csp_start..].find('>').unwrap() + 1;
    let measured = format!("{}{}", &html[..csp_start], &html[csp_end..])
        .replace("</head>", &format!("{extra_style}</head>"))
        .replace("</body>", "<script src=\"measure.js\"></script></body>");
    std::fs::write(dir.path().join("measure.js"), MEASURE).unwrap();
    std::fs::write(dir.path().join("page.html"), measured).unwrap();
    std::fs::write(dir.path().join("listen.js"), FRAME_LISTENER).unwrap();
    let frame = dir.path().join("frame.html");
    std::fs::write(
        &frame,
        format!(
            "<!DOCTYPE html><html><head><title>frame</title></head><body style=\"margin:0\"><script src=\"listen.js\"></script><iframe src=\"page.html\" width=\"{width}\" height=\"800\" style=\"border:0;display:block\"></iframe></body></html>"
        ),
    )
    .unwrap();
    let window = format!("--window-size={},900", width.max(500) + 40);
    let r = render_with(browser, &frame, &[&window]).await;
    let doc = scraper::Html::parse_document(&r.dom);
    let sel = scraper::Selector::parse("#layout").unwrap();
    let json: String = doc
        .select(&sel)
        .next()
        .unwrap_or_else(|| {
            panic!(
                "the measuring script did not run:\n{}\n{}",
                r.dom, r.console
            )
        })
        .text()
        .collect();
    serde_json::from_str(&json).unwrap()
}

/// At a phone's width (375 px) the labels stand above their values, no value is broken across
/// lines, and the page does not scroll sideways; at a desktop width the labels stand beside
/// their values. A control with the old style (a label column, values broken anywhere) shows
/// that the measurement sees a broken value.
async fn check_phone_width(browser: &Path, page: &Path) {
    let phone = layout_at(browser, page, 375, "").await;
    assert_eq!(phone["width"], 375, "the window is a phone's: {phone}");
    assert!(phone["values"].as_u64().unwrap() > 10, "{phone}");
    assert_eq!(
        phone["wrapped"],
        json!([]),
        "values broken across lines: {phone}"
    );
    assert_eq!(phone["cut"], json!([]), "values cut off: {phone}");
    assert_eq!(
        phone["beside"],
        json!([]),
        "labels beside their values: {phone}"
    );
    assert!(phone["page_width"].as_u64().unwrap() <= 375, "{phone}");
    let desktop = layout_at(browser, page, 880, "").await;
    assert_eq!(desktop["width"], 880, "{desktop}");
    assert_eq!(desktop["wrapped"], json!([]), "{desktop}");
    assert!(
        !desktop["beside"].as_array().unwrap().is_empty(),
        "{desktop}"
    );
    let old = "<style>dl{display:grid!important;grid-template-columns:12em 1fr!important}.v{white-space:normal!important;overflow-wrap:anywhere}</style>";
    let control = layout_at(browser, page, 375, old).await;
    assert!(
        !control["wrapped"].as_array().unwrap().is_empty(),
        "control: the old style breaks values at 375 px, and the measurement must see it: {control}"
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
    let template = filled_template(dir.path(), "en");
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
        template.to_str().unwrap(),
        "--case",
        "DSR-2026-0042",
        "--audit-log",
        dir.path().join("audit.jsonl").to_str().unwrap(),
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
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
        "From Acme Test Stores plc, 2 High Street, Leeds LS1 1AA.",
        "Acme test text for complaint.",
    ] {
        assert!(text.contains(shown), "{shown:?} is not shown:\n{text}");
    }
    assert!(!text.contains("NOT FILLED IN") && !text.contains("DRAFT"));

    // The request it answers and the day, on the page and in the JSON; no internal id.
    let today = &officer["generated_at"].as_str().unwrap()[..10];
    assert_eq!(copy["reference"], "DSR-2026-0042");
    assert_eq!(copy["answered_on"], today);
    assert_eq!(copy["language"], "en");
    let reference: String = doc
        .select(&sel("#reference"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(reference, "Your request: DSR-2026-0042");
    let answered: String = doc
        .select(&sel("#answered-on"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(
        answered.starts_with("Answered on ") && answered.contains(&today[..4]),
        "{answered}"
    );

    // On a phone: labels above values, no value broken mid-address or mid-number.
    check_phone_width(&browser, &page).await;

    // The same request answered in German (--language de), with the German template given
    // beside the English one: German words throughout, none of the English ones left.
    let de_path = dir.path().join("de.json");
    let template_de = filled_template(dir.path(), "de");
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
        de_path.to_str().unwrap(),
        "--language",
        "de",
        "--subject-template",
        template.to_str().unwrap(),
        "--subject-template",
        template_de.to_str().unwrap(),
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let de_copy: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("de.subject.json")).unwrap())
            .unwrap();
    let r = render(&browser, &dir.path().join("de.subject.html")).await;
    let de_doc = scraper::Html::parse_document(&r.dom);
    let de_text: String = de_doc.root_element().text().collect();
    assert!(r.dom.contains("<html lang=\"de\">"), "{}", r.dom);
    let title: String = de_doc
        .select(&sel("title"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(title, "Ihre personenbezogenen Daten: eine Kopie für Sie");
    let headings: Vec<String> = de_doc
        .select(&sel("h3"))
        .map(|h| h.text().collect())
        .collect();
    assert_eq!(
        headings,
        [
            "Persönliche Favoriten unserer Mitarbeitenden (3)",
            "Letzte Kontakte unserer Mitarbeitenden (3)",
            "Gemeinsame Favoriten unseres Kundenservice (1)"
        ]
    );
    for shown in [
        "Von Acme Testmarkt GmbH, Hauptstraße 1, 10115 Berlin.",
        "4. März 2025, 10:20 UTC",
        "Anruf",
        "(zurückgehalten: Daten einer anderen Person) promised John a call back",
        "Dies ist ein Eintrag einer Liste",
        "Acme-Testtext Nummer 9.",
        "Was wir über Sie gespeichert haben",
        "Über diese Verarbeitung",
    ] {
        assert!(
            de_text.contains(shown),
            "{shown:?} is not shown:\n{de_text}"
        );
    }
    for english in english_words() {
        assert!(
            !de_text.contains(&english),
            "English {english:?} on the German copy:\n{de_text}"
        );
        assert!(
            !de_copy.to_string().contains(&english),
            "English {english:?} in the German copy's JSON"
        );
    }
    assert_eq!(de_copy["language"], "de");
    assert_eq!(de_copy["reference"], Value::Null, "no --case, no reference");
    assert_eq!(de_copy["asked_about"][0]["kind"], "E-Mail-Adresse");
    assert!(de_copy["kinds_of_data"]
        .as_array()
        .unwrap()
        .contains(&json!("E-Mail-Adresse")));
    assert_eq!(de_copy["records"].as_array().unwrap().len(), 7);

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
    assert!(!text.contains("Acme Test Stores"));
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

    // The example as shipped, and the example with only `controller` filled in: refused,
    // naming each field still the example's (the fictional company's contact, DPO and
    // supervisory authority would go to the person).
    for (example, language) in [(TEMPLATE, "en"), (TEMPLATE_DE, "de")] {
        let run = run_with(PathBuf::from(example)).await;
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains("still holding the example's text: controller, contact, dpo, purposes, recipients, transfers, retention, source, automated_decisions, rights, complaint"),
            "{language}: {}",
            run.stderr
        );
    }
    let only_controller = dir.path().join("only-controller.toml");
    let text = std::fs::read_to_string(TEMPLATE).unwrap();
    let controller = text
        .lines()
        .find(|l| l.starts_with("controller = "))
        .unwrap();
    std::fs::write(
        &only_controller,
        text.replace(
            controller,
            "controller = \"Acme Stores plc, 2 High Street, Leeds\"",
        ),
    )
    .unwrap();
    let run = run_with(only_controller).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("example's text: contact, dpo, purposes, recipients, transfers, retention, source, automated_decisions, rights, complaint (")
            && run.stderr.contains("write your own"),
        "{}",
        run.stderr
    );
    assert!(!export.exists());

    // A copy in German needs a template in German when templates are given; a language the
    // copy has no words in is refused.
    let english = filled_template(dir.path(), "en");
    let base = strings(&[
        "--cass_hostname",
        "127.0.0.1",
        "--cass_port",
        "1",
        "--search",
        "a@b.com",
        "--export",
        export.to_str().unwrap(),
        "--subject-template",
        english.to_str().unwrap(),
    ]);
    let run = forget_me(&[base.clone(), strings(&["--language", "de"])].concat()).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("no --subject-template in language de")
            && run.stderr.contains("templates/subject-copy.de.toml"),
        "{}",
        run.stderr
    );
    let run = forget_me(&[base.clone(), strings(&["--language", "fr"])].concat()).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("en, de"), "{}", run.stderr);
    // Two templates in one language.
    let run = forget_me(
        &[
            base.clone(),
            strings(&["--subject-template", english.to_str().unwrap()]),
        ]
        .concat(),
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("one template per language"),
        "{}",
        run.stderr
    );
    // The German template alone, and an English copy.
    let german = filled_template(dir.path(), "de");
    let mut args = base.clone();
    let at = args.len() - 1;
    args[at] = german.to_str().unwrap().to_string();
    let run = forget_me(&args).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("no --subject-template in language en"),
        "{}",
        run.stderr
    );

    // A batch: a request in German with only the English template, and a language the copy
    // has no words in, each refused with its line.
    let requests = dir.path().join("requests.csv");
    std::fs::write(
        &requests,
        "id,identifiers,language,action\nL-1,a@b.com,en,export\nL-2,c@d.com,de,export\nL-3,e@f.com,de,search\n",
    )
    .unwrap();
    let batch = |file: &Path| {
        strings(&[
            "--cass_hostname",
            "127.0.0.1",
            "--cass_port",
            "1",
            "--requests",
            file.to_str().unwrap(),
            "--out",
            dir.path().to_str().unwrap(),
            "--subject-template",
            english.to_str().unwrap(),
        ])
    };
    let run = forget_me(&batch(&requests)).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("request L-2 (line 3): no --subject-template in language de"),
        "{}",
        run.stderr
    );
    std::fs::write(
        &requests,
        "id,identifiers,language,action\nL-1,a@b.com,en,export\nL-2,c@d.com,fr,export\n",
    )
    .unwrap();
    let run = forget_me(&batch(&requests)).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("line 3: `language` must be one of en, de"),
        "{}",
        run.stderr
    );

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
