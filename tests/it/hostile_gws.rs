//! A hostile or misconfigured GWS boundary: headers that change framing, a CSRF handshake
//! that names such a header, redirects that would carry the session away, upstream messages
//! full of escapes and personal data, answers too large to hold, and settings nested deeper
//! than a JSON parser allows. The real node and the emulator, with a small hostile proxy
//! in front of the emulator where GWS itself has to misbehave.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use crate::common::*;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);
const FAVS: &str = "interaction-workspace-personal-favorites";
const SUBJECT: &str = "john.smith@pizza.com";

// ---------------------------------------------------------------------------------------------
// A recording proxy in front of the emulator, whose hooks can answer for GWS or rewrite its
// answers.
// ---------------------------------------------------------------------------------------------

/// One request the proxy received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Answers instead of GWS when it returns `Some`.
type Before = Arc<dyn Fn(&Seen) -> Option<Response> + Send + Sync>;
/// Rewrites GWS's answer headers.
type After = Arc<dyn Fn(&Seen, &mut HeaderMap) + Send + Sync>;

struct Proxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Proxy {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn proxy(upstream: String, before: Before, after: After) -> Proxy {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let state = (upstream, before, after, seen.clone(), client);
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (upstream, before, after, seen, client) = state.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let s = Seen {
                method: parts.method.to_string(),
                path: parts.uri.path().to_string(),
                headers: parts
                    .headers
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
            };
            seen.lock().unwrap().push(s.clone());
            if let Some(r) = before(&s) {
                return r;
            }
            let mut fwd = client.request(
                parts.method.clone(),
                format!(
                    "{upstream}{}",
                    parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("")
                ),
            );
            for (n, v) in parts.headers.iter() {
                if n != "host" {
                    fwd = fwd.header(n, v);
                }
            }
            let answer = fwd.body(body).send().await.unwrap();
            let status = answer.status();
            let mut headers = HeaderMap::new();
            for (n, v) in answer.headers() {
                if !matches!(
                    n.as_str(),
                    "content-length" | "transfer-encoding" | "connection"
                ) {
                    headers.append(n.clone(), v.clone());
                }
            }
            after(&s, &mut headers);
            let bytes = answer.bytes().await.unwrap();
            let mut r = Response::new(Body::from(bytes));
            *r.status_mut() = status;
            *r.headers_mut() = headers;
            r
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    Proxy { addr, seen }
}

fn no_before() -> Before {
    Arc::new(|_| None)
}

fn no_after() -> After {
    Arc::new(|_, _| {})
}

/// A port that records every byte anyone sends it: where a followed redirect would land.
async fn trap() -> (u16, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got: Arc<Mutex<Vec<u8>>> = Arc::default();
    let sink = got.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                sink.lock().unwrap().extend_from_slice(b"<connection>");
                let mut buf = vec![0u8; 65536];
                while let Ok(n) = tcp.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
    });
    (port, got)
}

// ---------------------------------------------------------------------------------------------
// Data: one agent's favorites group of six, one of which holds the subject.
// ---------------------------------------------------------------------------------------------

struct Six {
    keyspace: String,
    emulator: testkit::RunningEmulator,
    owner: String,
}

async fn group_of_six(prefix: &str) -> Six {
    let keyspace = testkit::unique_keyspace(prefix);
    let emulator = testkit::start_emulator(&keyspace).await;
    let owner = testkit::user_id(&testkit::agent_user(1));
    let admin = testkit::admin_client(&emulator);
    admin
        .send_ok(
            reqwest::Method::POST,
            &format!("/users/{owner}/settings"),
            Some(&json!({"name": FAVS, "key": "id"}).to_string()),
        )
        .await
        .unwrap();
    for i in 1..=6 {
        let email = if i == 6 {
            SUBJECT.to_string()
        } else {
            format!("friend{i}@example.org")
        };
        let fav = json!({
            "id": format!("fav-{i}"),
            "displayName": format!("Contact {i}"),
            "category": "Customers",
            "emailAddresses": [email],
            "phoneNumbers": []
        });
        admin
            .send_ok(
                reqwest::Method::POST,
                &format!("/users/{owner}/settings/{FAVS}"),
                Some(&fav.to_string()),
            )
            .await
            .unwrap();
    }
    Six {
        keyspace,
        emulator,
        owner,
    }
}

impl Six {
    async fn favorites(&self) -> Vec<String> {
        dump(&self.keyspace)
            .await
            .into_keys()
            .filter(|(o, g, _)| *o == self.owner && g == FAVS)
            .map(|(_, _, k)| k)
            .collect()
    }

    async fn done(self) {
        self.emulator.shutdown().await;
        testkit::drop_keyspace(&self.keyspace).await;
    }
}

fn all_six() -> Vec<String> {
    (1..=6).map(|i| format!("fav-{i}")).collect()
}

fn cleanup_via(keyspace: &str, gws: &str, dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args = cass_args(keyspace);
    args.extend(strings(&[
        "--gws",
        gws,
        "--gws_username",
        testkit::ADMIN_USER,
        "--cleanup",
        "true",
        "--yes",
        "--no-progress",
        "--search",
        SUBJECT,
        "--audit-log",
        dir.join("audit.jsonl").to_str().unwrap(),
        "--audit-key",
        dir.join("audit.key").to_str().unwrap(),
    ]));
    args.extend(strings(extra));
    args
}

// ---------------------------------------------------------------------------------------------
// D1: headers that change framing, routing or authentication.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_length_header_is_refused_and_the_group_of_six_keeps_all_six() {
    let six = group_of_six("hdr_cl").await;
    assert_eq!(six.favorites().await, all_six());
    let dir = tempfile::tempdir().unwrap();
    // The issue's scenario: with this header every DELETE left without its body, GWS deleted
    // the whole group, and the run said "Verified".
    for headers in [
        r#"{"Content-Length":"0"}"#,
        r#"{"content-length":"0"}"#,
        r#"{"Transfer-Encoding":"chunked"}"#,
        r#"{"Host":"elsewhere"}"#,
        r#"{"Connection":"close"}"#,
        r#"{"Authorization":"Basic YTpi"}"#,
        r#"{"Cookie":"JSESSIONID=x"}"#,
        r#"{"Proxy-Authorization":"x"}"#,
        r#"{"Upgrade":"h2c"}"#,
        r#"{"TE":"trailers"}"#,
        r#"{"Trailer":"x"}"#,
        r#"{"Keep-Alive":"1"}"#,
        r#"{"Expect":"100-continue"}"#,
    ] {
        let args = cleanup_via(
            &six.keyspace,
            &six.emulator.base_url(),
            dir.path(),
            &["--gws_additional_headers", headers],
        );
        let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
        assert_eq!(run.code, 2, "{headers}: {}", run.stderr);
        assert!(run.stderr.contains("refused"), "{headers}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{headers}: {}", run.stdout);
        // Refused before anything was read: not even the audit log was opened.
        assert!(!dir.path().join("audit.jsonl").exists());
    }
    assert_eq!(six.favorites().await, all_six());
    six.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csrf_handshake_naming_content_length_is_refused_and_nothing_is_changed() {
    let six = group_of_six("hdr_csrf").await;
    let after: After = Arc::new(|_, headers: &mut HeaderMap| {
        if headers.contains_key("x-csrf-header") {
            headers.insert("x-csrf-header", HeaderValue::from_static("Content-Length"));
            headers.insert("x-csrf-token", HeaderValue::from_static("0"));
        }
    });
    let p = proxy(six.emulator.base_url(), no_before(), after).await;
    let dir = tempfile::tempdir().unwrap();
    let run = forget_me_env(
        &cleanup_via(&six.keyspace, &p.url(), dir.path(), &[]),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("CSRF header") && run.stderr.contains("never sent"),
        "{}",
        run.stderr
    );
    let modifying: Vec<Seen> = p.seen().into_iter().filter(|s| s.method != "GET").collect();
    assert!(modifying.is_empty(), "{modifying:?}");
    assert_eq!(six.favorites().await, all_six());
    six.done().await;
}

// ---------------------------------------------------------------------------------------------
// D17: the original's documented example, with a pasted CSRF handshake.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_originals_pasted_csrf_headers_work_unchanged_and_nothing_is_sent_twice() {
    let six = group_of_six("hdr_orig").await;
    let p = proxy(six.emulator.base_url(), no_before(), no_after()).await;
    let dir = tempfile::tempdir().unwrap();
    let pasted = "1434429f-81a8-459a-9d6d-792d17644471";
    let headers = format!(
        r#"{{"X-CSRF-HEADER": "X-CSRF-TOKEN", "X-CSRF-TOKEN": "{pasted}", "X-Tenant": "pizza"}}"#
    );
    let run = forget_me_env(
        &cleanup_via(
            &six.keyspace,
            &p.url(),
            dir.path(),
            &["--gws_additional_headers", &headers],
        ),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr.matches("does its own CSRF handshake").count(),
        1,
        "{}",
        run.stderr
    );
    let mut want = all_six();
    want.retain(|k| k != "fav-6");
    assert_eq!(six.favorites().await, want);
    let seen = p.seen();
    let deletes: Vec<&Seen> = seen.iter().filter(|s| s.method == "DELETE").collect();
    assert_eq!(deletes.len(), 1, "{seen:?}");
    for s in &seen {
        assert_eq!(s.header_values("x-tenant"), ["pizza"], "{s:?}");
        assert!(s.header_values("x-csrf-header").is_empty(), "{s:?}");
        let tokens = s.header_values("x-csrf-token");
        assert!(!tokens.contains(&pasted), "{s:?}");
        if s.method != "GET" {
            assert_eq!(tokens.len(), 1, "{s:?}");
        } else {
            assert!(tokens.len() <= 1, "{s:?}");
        }
    }
    six.done().await;
}

// ---------------------------------------------------------------------------------------------
// D3: redirects.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_reported_and_carry_nothing_to_another_port() {
    let six = group_of_six("redirect").await;
    let (trap_port, trapped) = trap().await;
    let dir = tempfile::tempdir().unwrap();

    // 1. The handshake itself is redirected.
    let before: Before = Arc::new(move |s: &Seen| {
        (s.path == "/api/v2/me").then(|| {
            Response::builder()
                .status(StatusCode::FOUND)
                .header(
                    "location",
                    format!("http://127.0.0.1:{trap_port}/api/v2/me"),
                )
                .body(Body::empty())
                .unwrap()
        })
    });
    let p = proxy(six.emulator.base_url(), before, no_after()).await;
    let run = forget_me_env(
        &cleanup_via(
            &six.keyspace,
            &p.url(),
            dir.path(),
            &[
                "--gws_additional_headers",
                r#"{"X-Tenant": "secret-tenant"}"#,
            ],
        ),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("redirect"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("127.0.0.1:{trap_port}")),
        "{}",
        run.stderr
    );

    // 2. The DELETE is redirected (307 keeps method and body), after a good handshake.
    let before: Before = Arc::new(move |s: &Seen| {
        (s.method == "DELETE").then(|| {
            Response::builder()
                .status(StatusCode::TEMPORARY_REDIRECT)
                .header(
                    "location",
                    format!("http://127.0.0.1:{trap_port}{}", s.path),
                )
                .body(Body::empty())
                .unwrap()
        })
    });
    let p = proxy(six.emulator.base_url(), before, no_after()).await;
    let run = forget_me_env(
        &cleanup_via(
            &six.keyspace,
            &p.url(),
            dir.path(),
            &[
                "--gws_additional_headers",
                r#"{"X-Tenant": "secret-tenant"}"#,
            ],
        ),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("redirect") || run.stderr.contains("redirect"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        p.seen().iter().any(|s| s.method == "DELETE"),
        "the DELETE was tried"
    );

    // Nothing reached the other port: no cookie, no CSRF token, no extra header.
    let trapped = trapped.lock().unwrap().clone();
    assert!(
        trapped.is_empty(),
        "a redirect was followed: {}",
        String::from_utf8_lossy(&trapped)
    );
    assert_eq!(six.favorites().await, all_six());
    six.done().await;
}

// ---------------------------------------------------------------------------------------------
// D9: GWS's statusMessage.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gws_status_messages_stay_out_of_the_audit_log_and_are_escaped_on_the_terminal() {
    let six = group_of_six("status_msg").await;
    let before: Before = Arc::new(|s: &Seen| {
        (s.method == "DELETE").then(|| {
            let body = json!({
                "statusCode": 3,
                "statusMessage": format!("Cannot delete {SUBJECT} \u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}Verified\nerased: everything"),
            });
            Response::builder()
                .status(StatusCode::BAD_REQUEST)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        })
    });
    let p = proxy(six.emulator.base_url(), before, no_after()).await;
    let dir = tempfile::tempdir().unwrap();
    let run = forget_me_env(
        &cleanup_via(&six.keyspace, &p.url(), dir.path(), &[]),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains("statusCode 3"), "{audit}");
    for forbidden in ["john.smith", "Cannot delete", "owned", "Verified"] {
        assert!(
            !audit.contains(forbidden),
            "{forbidden:?} in the audit log: {audit}"
        );
    }
    // On the terminal the message is shown, with the identifier it echoed redacted, and
    // escaped: none of its escapes, bell or override reaches the terminal raw (the log's own
    // colouring aside).
    assert!(
        run.stderr.contains("Cannot delete [redacted]"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(SUBJECT), "{}", run.stderr);
    assert!(run.stderr.contains("\\u{1b}"), "{}", run.stderr);
    for raw in ["\u{1b}]0;", "\u{1b}[2J", "\u{7}", "\u{202e}"] {
        assert!(!run.stderr.contains(raw), "{raw:?} on stderr");
        assert!(!run.stdout.contains(raw), "{raw:?} on stdout");
    }
    assert!(
        !run.stderr.contains("\nerased: everything"),
        "{}",
        run.stderr
    );
    assert_eq!(six.favorites().await, all_six());
    six.done().await;
}

// ---------------------------------------------------------------------------------------------
// D12: an answer too large to hold.
// ---------------------------------------------------------------------------------------------

/// The largest resident set of any child process this test process has waited for, in KiB.
fn children_max_rss_kib() -> i64 {
    use nix::sys::resource::{getrusage, UsageWho};
    getrusage(UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage of the children")
        .max_rss()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_mb_answer_is_refused_without_taking_the_tools_memory() {
    let six = group_of_six("huge").await;
    let before: Before = Arc::new(|s: &Seen| {
        (s.path == "/api/v2/me").then(|| {
            // 400 MiB of a JSON string, streamed without a length.
            let head = futures::stream::once(async {
                Ok::<_, std::io::Error>(axum::body::Bytes::from_static(
                    b"{\"statusCode\":0,\"pad\":\"",
                ))
            });
            let chunk = axum::body::Bytes::from(vec![b'a'; 1024 * 1024]);
            let pad = futures::stream::iter((0..400).map(move |_| Ok(chunk.clone())));
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(Body::from_stream(futures::StreamExt::chain(head, pad)))
                .unwrap()
        })
    });
    let p = proxy(six.emulator.base_url(), before, no_after()).await;
    let dir = tempfile::tempdir().unwrap();
    let run = forget_me_env(
        &cleanup_via(&six.keyspace, &p.url(), dir.path(), &[]),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("larger than 64 MiB"), "{}", run.stderr);
    let rss_mib = children_max_rss_kib() / 1024;
    assert!(
        rss_mib < 250,
        "a child of this test held {rss_mib} MiB (the answer was 400 MiB)"
    );
    assert_eq!(six.favorites().await, all_six());
    six.done().await;
}

// ---------------------------------------------------------------------------------------------
// D4: settings nested deeper than serde_json's limit.
// ---------------------------------------------------------------------------------------------

fn nested(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deeply_nested_setting_does_not_stop_erasures_in_its_group() {
    let six = group_of_six("deep").await;
    let session = testkit::cassandra_session(None).await;
    let insert = |key: &str, value: String| {
        format!(
            "INSERT INTO {}.settings (owner_id, group_name, setting_key, value) VALUES ('{}', '{FAVS}', '{key}', '{}')",
            six.keyspace,
            six.owner,
            value.replace('\'', "''")
        )
    };
    // Any agent can store this through the API: 127 levels, one short of serde_json's limit
    // on its own, over it inside GWS's answer.
    let via_api = json!({"id": "deep-api", "displayName": "x"}).to_string();
    let via_api = via_api.replacen("\"x\"", &nested(126, "1"), 1);
    testkit::admin_client(&six.emulator)
        .send_ok(
            reqwest::Method::POST,
            &format!("/users/{}/settings/{FAVS}", six.owner),
            Some(&via_api),
        )
        .await
        .unwrap();
    // And a deeper one, written by something else.
    session
        .query_unpaged(
            insert(
                "deep-db",
                format!(r#"{{"id":"deep-db","n":{}}}"#, nested(600, "0")),
            ),
            (),
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = forget_me_env(
        &cleanup_via(
            &six.keyspace,
            &six.emulator.base_url(),
            dir.path(),
            &["--format", "json"],
        ),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let mut want = all_six();
    want.retain(|k| k != "fav-6");
    want.extend(["deep-api".to_string(), "deep-db".to_string()]);
    want.sort();
    assert_eq!(six.favorites().await, want);

    // The deep setting is itself the target: --erase setting deletes it.
    session
        .query_unpaged(
            insert(
                "deep-subject",
                format!(
                    r#"{{"id":"deep-subject","n":{}}}"#,
                    nested(300, &format!("\"{SUBJECT}\""))
                ),
            ),
            (),
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = forget_me_env(
        &cleanup_via(
            &six.keyspace,
            &six.emulator.base_url(),
            dir.path(),
            &["--erase", "setting"],
        ),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(six.favorites().await, want);
    let left: BTreeMap<_, _> = dump(&six.keyspace).await;
    assert!(left.values().all(|v| !v.contains(SUBJECT)));
    six.done().await;
}

// ---------------------------------------------------------------------------------------------
// A GWS that answers "OK" to a DELETE it never carried out.
// ---------------------------------------------------------------------------------------------

/// GWS's "OK" is a claim; the verification reads Cassandra. A setting that is still stored
/// after GWS said it deleted it is "claimed erased, still stored" in the text and JSON
/// reports, their counts, the receipt (with what to do) and the ledger: never "erased".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_gws_claims_but_verification_refutes_is_claimed_erased_still_stored() {
    let six = group_of_six("claim_ok").await;
    let before: Before = Arc::new(|s: &Seen| {
        (s.method == "DELETE").then(|| {
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(Body::from(json!({"statusCode": 0}).to_string()))
                .unwrap()
        })
    });
    let p = proxy(six.emulator.base_url(), before, no_after()).await;
    let dir = tempfile::tempdir().unwrap();
    let case = ["--case", "DSR-CLAIM-1"];
    let mut json_args = case.to_vec();
    json_args.extend(["--format", "json"]);
    let run = forget_me_env(
        &cleanup_via(&six.keyspace, &p.url(), dir.path(), &json_args),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    let cleanup = &report["cleanup"];
    assert_eq!(cleanup["erased"], 0, "{cleanup}");
    assert_eq!(cleanup["claimed_still_stored"], 1, "{cleanup}");
    assert_eq!(cleanup["verified"], false, "{cleanup}");
    let setting = &cleanup["settings"][0];
    assert_eq!(
        setting["outcome"], "claimed_erased_still_stored",
        "{setting}"
    );
    assert_eq!(setting["claimed"], "deleted", "{setting}");
    assert_eq!(setting["still_matching"], true, "{setting}");

    let run = forget_me_env(
        &cleanup_via(&six.keyspace, &p.url(), dir.path(), &case),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("claimed erased, still stored"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("erased: whole setting deleted"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Cleanup: 0 erased"), "{}", run.stdout);

    let receipts: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy().ends_with(".json") && p.to_string_lossy().contains("receipt")
        })
        .collect();
    assert_eq!(receipts.len(), 2, "{receipts:?}");
    for r in receipts {
        let receipt: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&r).unwrap()).unwrap();
        let l = &receipt["locations"][0];
        assert_eq!(l["action"], "claimed_erased_still_stored", "{receipt}");
        assert!(
            l["to_do"].as_str().unwrap().contains("still stored"),
            "{receipt}"
        );
        assert_eq!(receipt["verification"]["verified"], false, "{receipt}");
    }

    let mut show = strings(&["requests", "show", "DSR-CLAIM-1", "--audit-log"]);
    show.push(dir.path().join("audit.jsonl").to_str().unwrap().to_string());
    let ledger = forget_me(&show).await;
    assert_eq!(ledger.code, 0, "{}{}", ledger.stdout, ledger.stderr);
    assert!(
        ledger.stdout.contains("0 setting(s) erased"),
        "{}",
        ledger.stdout
    );
    assert!(
        ledger
            .stdout
            .contains("1 of them claimed erased, still stored"),
        "{}",
        ledger.stdout
    );
    assert!(!ledger.stdout.contains("(answered)"), "{}", ledger.stdout);
    assert_eq!(six.favorites().await, all_six());
    six.done().await;
}
