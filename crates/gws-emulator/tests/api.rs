//! The emulator's HTTP API against the real Cassandra node: auth, CSRF, permissions, the
//! settings operations and their status codes, and what ends up in the `settings` table.
//! Each test works in its own keyspace and drops it at the end.

use gws_emulator::{ApiClient, CONTACT_CENTER, CSRF_MESSAGE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use testkit::*;

const GROUP: &str = "test-favorites";

/// A raw client without cookies, for requests a well-behaved client would not send.
fn raw() -> reqwest::Client {
    reqwest::Client::new()
}

fn api(emu: &RunningEmulator, path: &str) -> String {
    format!("{}/api/v2{path}", emu.base_url())
}

async fn json_of(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Creates a user-level group with key `id` and the given settings, as the admin.
async fn make_group(admin: &ApiClient, owner: &str, settings: &[Value]) {
    let body = json!({"name": GROUP, "displayName": "Test favorites", "key": "id"}).to_string();
    admin
        .send_ok(
            Method::POST,
            &format!("/users/{owner}/settings"),
            Some(&body),
        )
        .await
        .unwrap();
    for s in settings {
        admin
            .send_ok(
                Method::POST,
                &format!("/users/{owner}/settings/{GROUP}"),
                Some(&s.to_string()),
            )
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_is_required_and_checked() {
    let ks = unique_keyspace("emu_auth");
    let emu = start_emulator(&ks).await;
    let http = raw();

    let r = http.get(api(&emu, "/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let (_, body) = json_of(r).await;
    assert_eq!(body["statusCode"], 20);

    let r = http
        .get(api(&emu, "/me"))
        .basic_auth(ADMIN_USER, Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(r).await.1["statusCode"], 20);

    let r = http
        .get(api(&emu, "/me"))
        .basic_auth(DISABLED_USER, Some(AGENT_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Unknown paths need authentication too.
    let r = http.get(api(&emu, "/nothing-here")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let r = http
        .get(api(&emu, "/me"))
        .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("JSESSIONID="));
    let (_, body) = json_of(r).await;
    assert_eq!(body["statusCode"], 0);
    assert_eq!(body["user"]["userName"], ADMIN_USER);
    assert_eq!(body["user"]["id"], user_id(ADMIN_USER));
    assert_eq!(body["user"]["roles"], json!(["ROLE_ADMIN"]));

    // The last agent's password is stored as a PBKDF2 hash.
    let hashed = agent_user(AGENT_COUNT);
    let r = http
        .get(api(&emu, "/me"))
        .basic_auth(&hashed, Some(AGENT_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = http
        .get(api(&emu, "/me"))
        .basic_auth(&hashed, Some("agent-secreT"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The recorded user is the authenticated one, or none.
    let rec = emu.recorded_requests();
    assert_eq!(rec[0].user, None);
    assert_eq!(rec[0].status, 401);
    assert!(rec
        .iter()
        .any(|r| r.user.as_deref() == Some(ADMIN_USER) && r.status == 200));

    emu.shutdown().await;
    drop_keyspace(&ks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csrf_token_is_required_for_modifications() {
    let ks = unique_keyspace("emu_csrf");
    let emu = start_emulator(&ks).await;
    let group_body = json!({"name": "cc-group", "displayName": "CC", "key": "id"}).to_string();

    // Basic auth alone, no session, no token: refused, nothing created.
    let r = raw()
        .post(api(&emu, "/settings"))
        .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
        .header("content-type", "application/json")
        .body(group_body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Missing or invalid Csrf token"));

    // A session but a wrong token: refused too.
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = http
        .get(api(&emu, "/me"))
        .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-csrf-header"], "X-CSRF-TOKEN");
    let token = r.headers()["x-csrf-token"].to_str().unwrap().to_string();
    assert_eq!(token.len(), 36);
    let r = http
        .post(api(&emu, "/settings"))
        .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
        .header("X-CSRF-TOKEN", "1434429f-81a8-459a-9d6d-792d17644471")
        .body(group_body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, body) = json_of(r).await;
    assert_eq!(body["statusMessage"], CSRF_MESSAGE);

    // The right token without the session cookie: refused.
    let r = raw()
        .post(api(&emu, "/settings"))
        .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
        .header("X-CSRF-TOKEN", &token)
        .body(group_body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let admin = admin_client(&emu);
    let groups = admin.get("/settings").await.unwrap();
    assert_eq!(
        groups.body["settings"],
        json!([]),
        "refused requests changed nothing"
    );

    // Session cookie plus matching token: accepted.
    let r = http
        .post(api(&emu, "/settings"))
        .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
        .header("X-CSRF-TOKEN", &token)
        .body(group_body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(r).await.1["statusCode"], 0);
    let groups = admin.get("/settings").await.unwrap();
    assert_eq!(groups.body["settings"][0]["name"], "cc-group");
    assert_eq!(groups.body["settings"][0]["key"], "id");
    assert_eq!(groups.body["settings"][0]["path"], "/settings/cc-group");

    // After all sessions are invalidated the old cookie and token no longer work...
    emu.invalidate_sessions();
    assert_eq!(emu.session_count(), 0);
    let r = http
        .post(api(&emu, "/settings/cc-group"))
        .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
        .header("X-CSRF-TOKEN", &token)
        .body(r#"{"id":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // ...and a client that handshakes again gets going (ApiClient does it by itself).
    admin
        .send_ok(Method::POST, "/settings/cc-group", Some(r#"{"id":"x"}"#))
        .await
        .unwrap();
    let r = admin.get("/settings/cc-group").await.unwrap();
    assert_eq!(r.body["settings"], json!([{"id": "x"}]));

    emu.shutdown().await;
    drop_keyspace(&ks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csrf_can_be_turned_off() {
    let ks = unique_keyspace("emu_nocsrf");
    let mut config = emulator_config(&ks);
    config.csrf = false;
    let emu = gws_emulator::start(config).await.unwrap();
    let r = raw()
        .post(api(&emu, "/settings"))
        .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
        .body(json!({"name": "g", "key": "id"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = raw()
        .get(api(&emu, "/me"))
        .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("x-csrf-token").is_none());
    emu.shutdown().await;
    drop_keyspace(&ks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_may_not_touch_another_agents_settings() {
    let ks = unique_keyspace("emu_perm");
    let emu = start_emulator(&ks).await;
    let admin = admin_client(&emu);
    let (a1, a2) = (user_id(&agent_user(1)), user_id(&agent_user(2)));
    let fav =
        json!({"id": "fav-1", "displayName": "Zoë Brontë", "phoneNumbers": ["+1 (202) 555-0100"]});
    make_group(&admin, &a2, std::slice::from_ref(&fav)).await;
    let cql = cassandra_session(None).await;
    let before = settings_rows(&cql, &ks, &a2, GROUP).await;
    assert_eq!(before, vec![("fav-1".to_string(), fav.to_string())]);

    let agent1 = ApiClient::new(&emu.base_url(), &agent_user(1), AGENT_PASSWORD);
    let other = format!("/users/{a2}/settings/{GROUP}");
    let attempts = [
        (
            Method::POST,
            other.clone(),
            Some(json!({"id": "fav-2"}).to_string()),
        ),
        (
            Method::PUT,
            other.clone(),
            Some(json!({"id": "fav-1", "displayName": "hijacked"}).to_string()),
        ),
        (
            Method::DELETE,
            other.clone(),
            Some(json!({"id": "fav-1"}).to_string()),
        ),
        (Method::DELETE, other.clone(), None),
        (
            Method::POST,
            format!("/users/{a2}/settings"),
            Some(json!({"name": "x", "key": "id"}).to_string()),
        ),
    ];
    for (method, path, body) in attempts {
        let r = agent1
            .send(method.clone(), &path, body.as_deref())
            .await
            .unwrap();
        assert_eq!((r.http, r.status_code()), (403, Some(5)), "{method} {path}");
    }
    for path in [
        other.clone(),
        format!("/users/{a2}/settings"),
        format!("/users/{a2}"),
    ] {
        let r = agent1.get(&path).await.unwrap();
        assert_eq!((r.http, r.status_code()), (403, Some(5)), "GET {path}");
    }
    // Not even a non-existent user's settings: permission is checked before existence.
    let r = agent1
        .get(&format!("/users/{}/settings", "f".repeat(32)))
        .await
        .unwrap();
    assert_eq!(r.status_code(), Some(5));
    assert_eq!(
        settings_rows(&cql, &ks, &a2, GROUP).await,
        before,
        "nothing changed"
    );

    // Contact-center settings: readable, not writable, by an agent.
    let r = agent1.get("/settings").await.unwrap();
    assert!(r.is_ok());
    let r = agent1
        .send(
            Method::POST,
            "/settings",
            Some(&json!({"name": "cc", "key": "id"}).to_string()),
        )
        .await
        .unwrap();
    assert_eq!((r.http, r.status_code()), (403, Some(5)));
    // The supervisor is not an admin either.
    let sup = ApiClient::new(&emu.base_url(), SUPERVISOR_USER, SUPERVISOR_PASSWORD);
    let r = sup.get(&other).await.unwrap();
    assert_eq!(r.status_code(), Some(5));

    // Its own settings, by /me and by its id: allowed.
    agent1
        .send_ok(
            Method::POST,
            "/me/settings",
            Some(&json!({"name": GROUP, "key": "id"}).to_string()),
        )
        .await
        .unwrap();
    agent1
        .send_ok(
            Method::POST,
            &format!("/users/{a1}/settings/{GROUP}"),
            Some(r#"{"id":"mine"}"#),
        )
        .await
        .unwrap();
    let r = agent1.get(&format!("/me/settings/{GROUP}")).await.unwrap();
    assert_eq!(r.body["settings"], json!([{"id": "mine"}]));
    let me = agent1
        .get("/users?userName=agent1@pizza.com")
        .await
        .unwrap();
    assert_eq!(me.body["users"][0]["id"], a1);

    emu.shutdown().await;
    drop_keyspace(&ks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_with_key_body_removes_one_setting_and_bodyless_delete_removes_the_group() {
    let ks = unique_keyspace("emu_delete");
    let emu = start_emulator(&ks).await;
    let admin = admin_client(&emu);
    let a3 = user_id(&agent_user(3));
    let favs: Vec<Value> = (1..=3)
        .map(|i| json!({"id": format!("fav-{i}"), "emailAddresses": [format!("p{i}@example.com")]}))
        .collect();
    make_group(&admin, &a3, &favs).await;
    let cql = cassandra_session(Some(&ks)).await;
    let path = format!("/users/{a3}/settings/{GROUP}");

    admin
        .send_ok(Method::DELETE, &path, Some(r#"{"id":"fav-2"}"#))
        .await
        .unwrap();
    let rows = settings_rows(&cql, &ks, &a3, GROUP).await;
    assert_eq!(
        rows,
        vec![
            ("fav-1".to_string(), favs[0].to_string()),
            ("fav-3".to_string(), favs[2].to_string())
        ]
    );
    let r = admin.get(&path).await.unwrap();
    assert_eq!(r.body["settings"], json!([favs[0], favs[2]]));

    // Deleting it again: not found, and nothing else touched.
    let r = admin
        .send(Method::DELETE, &path, Some(r#"{"id":"fav-2"}"#))
        .await
        .unwrap();
    assert_eq!((r.http, r.status_code()), (404, Some(6)));
    // A body without the key attribute is refused, never taken as "the whole group".
    let r = admin.send(Method::DELETE, &path, Some("{}")).await.unwrap();
    assert_eq!((r.http, r.status_code()), (400, Some(1)));
    assert_eq!(settings_rows(&cql, &ks, &a3, GROUP).await.len(), 2);

    // No body at all: the whole group goes.
    admin.send_ok(Method::DELETE, &path, None).await.unwrap();
    assert!(settings_rows(&cql, &ks, &a3, GROUP).await.is_empty());
    let r = admin.get(&path).await.unwrap();
    assert_eq!((r.http, r.status_code()), (404, Some(6)));
    let r = admin.get(&format!("/users/{a3}/settings")).await.unwrap();
    assert_eq!(r.body["settings"], json!([]));

    let deletes: Vec<_> = emu
        .recorded_requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 4);
    assert_eq!(deletes.iter().filter(|r| !r.has_body).count(), 1);
    assert_eq!(deletes[0].body.as_deref(), Some(r#"{"id":"fav-2"}"#));
    assert_eq!(deletes[0].path, format!("/api/v2{path}"));
    assert_eq!(deletes[0].user.as_deref(), Some(ADMIN_USER));

    emu.shutdown().await;
    drop_keyspace(&ks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_codes_for_bad_requests() {
    let ks = unique_keyspace("emu_status");
    let emu = start_emulator(&ks).await;
    let admin = admin_client(&emu);
    let a1 = user_id(&agent_user(1));
    make_group(&admin, &a1, &[json!({"id": "fav-1", "n": 1})]).await;
    let path = format!("/users/{a1}/settings/{GROUP}");
    let cql = cassandra_session(None).await;

    let check = |r: gws_emulator::ApiResponse, http: u16, code: i64, what: &str| {
        assert_eq!(
            (r.http, r.status_code()),
            (http, Some(code)),
            "{what}: {:?}",
            r.body
        );
        if code != 0 {
            assert!(!r.status_message().is_empty(), "{what}: statusMessage");
        }
    };
    check(
        admin.get("/settings/no-such-group").await.unwrap(),
        404,
        6,
        "missing cc group",
    );
    check(
        admin
            .get(&format!("/users/{a1}/settings/nope"))
            .await
            .unwrap(),
        404,
        6,
        "missing group",
    );
    check(
        admin
            .get(&format!("/users/{}/settings", "e".repeat(32)))
            .await
            .unwrap(),
        404,
        6,
        "unknown user",
    );
    check(
        admin
            .get(&format!("/users/{}", "e".repeat(32)))
            .await
            .unwrap(),
        404,
        6,
        "unknown user object",
    );
    check(
        admin.get("/no/such/path").await.unwrap(),
        404,
        6,
        "unknown path",
    );
    check(
        admin
            .send(Method::POST, &path, Some(r#"{"n":2}"#))
            .await
            .unwrap(),
        400,
        1,
        "no key attribute",
    );
    check(
        admin
            .send(Method::POST, &path, Some(r#"{"id":true}"#))
            .await
            .unwrap(),
        400,
        10,
        "bool key",
    );
    check(
        admin
            .send(Method::POST, &path, Some("not json"))
            .await
            .unwrap(),
        400,
        10,
        "not JSON",
    );
    check(
        admin
            .send(Method::POST, &path, Some("[1,2]"))
            .await
            .unwrap(),
        400,
        10,
        "not an object",
    );
    check(
        admin.send(Method::POST, &path, None).await.unwrap(),
        400,
        1,
        "no body",
    );
    check(
        admin
            .send(Method::POST, &path, Some(r#"{"id":"fav-1","n":9}"#))
            .await
            .unwrap(),
        409,
        18,
        "duplicate key",
    );
    check(
        admin
            .send(Method::PUT, &path, Some(r#"{"id":"fav-9"}"#))
            .await
            .unwrap(),
        404,
        6,
        "PUT missing key",
    );
    check(
        admin
            .send(Method::DELETE, &path, Some(r#"{"id":"fav-9"}"#))
            .await
            .unwrap(),
        404,
        6,
        "DELETE missing key",
    );
    let group = json!({"name": GROUP, "key": "id"}).to_string();
    check(
        admin
            .send(Method::POST, &format!("/users/{a1}/settings"), Some(&group))
            .await
            .unwrap(),
        409,
        18,
        "duplicate group",
    );
    check(
        admin
            .send(Method::POST, "/settings", Some(r#"{"name":"x"}"#))
            .await
            .unwrap(),
        400,
        1,
        "group without key",
    );
    check(
        admin
            .send(
                Method::POST,
                "/settings",
                Some(r#"{"name":"a b","key":"id"}"#),
            )
            .await
            .unwrap(),
        400,
        10,
        "group name not URI-safe",
    );
    check(
        admin
            .send(Method::POST, &path, Some(r#"{"id":17,"n":3}"#))
            .await
            .unwrap(),
        200,
        0,
        "numeric key",
    );

    let big = format!(r#"{{"id":"big","pad":"{}"}}"#, "x".repeat(1024 * 1024 + 10));
    let r = admin.send(Method::POST, &path, Some(&big)).await.unwrap();
    assert_eq!(r.http, 413);

    // Only fav-1 (unchanged) and the numeric key (stored as its JSON text) exist.
    assert_eq!(
        settings_rows(&cql, &ks, &a1, GROUP).await,
        vec![
            ("17".to_string(), r#"{"id":17,"n":3}"#.to_string()),
            (
                "fav-1".to_string(),
                json!({"id": "fav-1", "n": 1}).to_string()
            )
        ]
    );
    emu.shutdown().await;
    drop_keyspace(&ks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_replaces_the_whole_setting() {
    let ks = unique_keyspace("emu_put");
    let emu = start_emulator(&ks).await;
    let admin = admin_client(&emu);
    admin
        .send_ok(
            Method::POST,
            "/settings",
            Some(&json!({"name": GROUP, "key": "id"}).to_string()),
        )
        .await
        .unwrap();
    let path = format!("/settings/{GROUP}");
    admin
        .send_ok(
            Method::POST,
            &path,
            Some(r#"{"id":"a","nested":{"x":1,"y":2},"old":"gone"}"#),
        )
        .await
        .unwrap();
    admin
        .send_ok(Method::POST, &path, Some(r#"{"id":"b","keep":true}"#))
        .await
        .unwrap();
    let new_text = r#"{"nested":{"x":5},"id":"a","phoneNumbers":["020 7946 0958"]}"#;
    admin
        .send_ok(Method::PUT, &path, Some(new_text))
        .await
        .unwrap();

    let r = admin.get(&path).await.unwrap();
    assert_eq!(
        r.body["settings"],
        json!([{"id": "a", "nested": {"x": 5}, "phoneNumbers": ["020 7946 0958"]}, {"id": "b", "keep": true}])
    );
    let cql = cassandra_session(None).await;
    assert_eq!(
        settings_rows(&cql, &ks, CONTACT_CENTER, GROUP).await,
        vec![
            ("a".to_string(), new_text.to_string()),
            ("b".to_string(), r#"{"id":"b","keep":true}"#.to_string())
        ]
    );
    emu.shutdown().await;
    drop_keyspace(&ks).await;
}

/// The `map` storage layout: the same API, each setting an entry of its group's map. Deleting
/// or replacing one entry, even while other entries change at the same moment, leaves every
/// other entry as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_layout_serves_the_same_api_one_entry_at_a_time() {
    let ks = unique_keyspace("emu_map");
    let mut config = emulator_config(&ks);
    config.storage_layout = gws_emulator::store::StorageLayout::Map;
    let emu = gws_emulator::start(config).await.unwrap();
    let admin = admin_client(&emu);
    let a4 = user_id(&agent_user(4));
    let favs: Vec<Value> = (1..=6)
        .map(|i| json!({"id": format!("fav-{i}"), "emailAddresses": [format!("p{i}@example.com")]}))
        .collect();
    make_group(&admin, &a4, &favs).await;
    let path = format!("/users/{a4}/settings/{GROUP}");
    let r = admin.get(&path).await.unwrap();
    assert_eq!(r.body["settings"], json!(favs));
    // A second setting with a key that exists: refused, the stored one unchanged.
    let r = admin
        .send(Method::POST, &path, Some(r#"{"id":"fav-1","x":1}"#))
        .await
        .unwrap();
    assert_ne!(r.http, 200, "{:?}", r.body);

    let cql = cassandra_session(None).await;
    let stored = || async {
        let rows = cql
            .query_unpaged(
                format!(
                    "SELECT settings FROM {ks}.group_settings WHERE owner_id = ? AND group_name = ?"
                ),
                (&a4, GROUP),
            )
            .await
            .unwrap()
            .into_rows_result()
            .unwrap();
        rows.maybe_first_row::<(Option<std::collections::BTreeMap<String, String>>,)>()
            .unwrap()
            .and_then(|(m,)| m)
            .unwrap_or_default()
    };
    assert_eq!(stored().await.len(), 6);
    assert_eq!(stored().await["fav-1"], favs[0].to_string());

    // Two deletes and a replacement of three different entries at once.
    let replaced = json!({"id": "fav-5", "emailAddresses": ["new@example.com"]});
    let replaced_text = replaced.to_string();
    let (d2, d3, p5) = tokio::join!(
        admin.send_ok(Method::DELETE, &path, Some(r#"{"id":"fav-2"}"#)),
        admin.send_ok(Method::DELETE, &path, Some(r#"{"id":"fav-3"}"#)),
        admin.send_ok(Method::PUT, &path, Some(&replaced_text)),
    );
    d2.unwrap();
    d3.unwrap();
    p5.unwrap();
    let now = stored().await;
    assert_eq!(
        now.keys().collect::<Vec<_>>(),
        ["fav-1", "fav-4", "fav-5", "fav-6"]
    );
    assert_eq!(now["fav-4"], favs[3].to_string());
    assert_eq!(now["fav-5"], replaced.to_string());

    // An entry that is not there: not found, nothing else touched; replacing one neither.
    let r = admin
        .send(Method::DELETE, &path, Some(r#"{"id":"fav-2"}"#))
        .await
        .unwrap();
    assert_eq!((r.http, r.status_code()), (404, Some(6)));
    let r = admin
        .send(Method::PUT, &path, Some(r#"{"id":"fav-9"}"#))
        .await
        .unwrap();
    assert_ne!(r.http, 200);
    assert_eq!(stored().await, now);

    // No body: the whole group goes.
    admin.send_ok(Method::DELETE, &path, None).await.unwrap();
    assert!(stored().await.is_empty());
    emu.shutdown().await;
    drop_keyspace(&ks).await;
}
