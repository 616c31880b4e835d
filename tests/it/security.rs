//! Security: TLS is verified (to GWS and to Cassandra), secrets never show up in output, logs
//! or the audit log, stored hostile data cannot crash or stop a scan, and the emulator the
//! tests rely on refuses the unauthenticated and the unauthorized.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use crate::common::*;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

// ---------------------------------------------------------------------------------------------
// TLS: a throw-away CA, and a TLS terminator in front of a plain-text server.
// ---------------------------------------------------------------------------------------------

struct TestPki {
    ca_pem: String,
    /// A server certificate for `localhost` only (no IP address).
    localhost: (Vec<u8>, Vec<u8>),
    /// A server certificate for the IP address 127.0.0.1 (the Cassandra driver checks the
    /// node's address).
    loopback_ip: (Vec<u8>, Vec<u8>),
}

fn test_pki() -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "gdpr-forget-me test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let leaf = |sans: Vec<SanType>| {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.subject_alt_names = sans;
        p.distinguished_name.push(DnType::CommonName, "test server");
        let cert = p.signed_by(&key, &ca_cert, &ca_key).unwrap();
        (cert.der().to_vec(), key.serialize_der())
    };
    TestPki {
        ca_pem: ca_cert.pem(),
        localhost: leaf(vec![SanType::DnsName("localhost".try_into().unwrap())]),
        loopback_ip: leaf(vec![SanType::IpAddress("127.0.0.1".parse().unwrap())]),
    }
}

/// Accepts TLS on a free port and forwards the plain text to `upstream`.
async fn tls_terminator(upstream: String, cert: &(Vec<u8>, Vec<u8>)) -> SocketAddr {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(cert.0.clone())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.1.clone())),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_to_gws_is_verified_unless_told_otherwise() {
    let pki = test_pki();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let keyspace = testkit::unique_keyspace("sec_tls_gws");
    let _dropped_at_end = testkit::KeyspaceGuard::new(&keyspace);
    let emulator = testkit::start_emulator(&keyspace).await;
    let https = tls_terminator(emulator.addr().to_string(), &pki.localhost).await;
    let url = format!("https://localhost:{}", https.port());

    let run_with = |extra: &[&str]| {
        let mut args = cass_args(&keyspace);
        args.extend(strings(&[
            "--search",
            "a@b.com",
            "--gws_username",
            testkit::ADMIN_USER,
            "--format",
            "json",
            "--no-progress",
        ]));
        args.extend(strings(extra));
        args
    };
    let env = [("GWS_PASSWORD", testkit::ADMIN_PASSWORD)];

    // Not trusted: refused before any HTTP request, so the password never left.
    let run = forget_me_env(&run_with(&["--gws", &url]), &env).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cannot be used"), "{}", run.stderr);
    assert!(
        run.stderr.to_lowercase().contains("certificate") || run.stderr.contains("UnknownIssuer"),
        "{}",
        run.stderr
    );
    assert!(emulator.recorded_requests().is_empty());

    // Trusted through --gws-ca-file: accepted.
    let run = forget_me_env(
        &run_with(&["--gws", &url, "--gws-ca-file", ca_file.to_str().unwrap()]),
        &env,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("WARNING"), "{}", run.stderr);
    assert!(!emulator.recorded_requests().is_empty());

    // The right CA but the wrong name (the certificate is for localhost only): refused.
    emulator.clear_recorded_requests();
    let by_ip = format!("https://127.0.0.1:{}", https.port());
    let run = forget_me_env(
        &run_with(&["--gws", &by_ip, "--gws-ca-file", ca_file.to_str().unwrap()]),
        &env,
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(emulator.recorded_requests().is_empty());

    // --gws-insecure: accepted, with a loud warning.
    let run = forget_me_env(&run_with(&["--gws", &by_ip, "--gws-insecure"]), &env).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("WARNING: --gws-insecure"),
        "{}",
        run.stderr
    );

    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_to_cassandra_is_verified_and_never_panics() {
    let pki = test_pki();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let keyspace = testkit::unique_keyspace("sec_tls_cass");
    let _dropped_at_end = testkit::KeyspaceGuard::new(&keyspace);
    let emulator = testkit::start_emulator(&keyspace).await;
    let tls = tls_terminator(testkit::cassandra_addr(), &pki.loopback_ip).await;
    let port = tls.port().to_string();
    let args = |extra: &[&str]| {
        let mut a = strings(&[
            "--cass_keyspace",
            &keyspace,
            "--cass_hostname",
            "127.0.0.1",
            "--search",
            "a@b.com",
            "--format",
            "json",
            "--no-progress",
        ]);
        a.extend(strings(extra));
        a
    };

    // Trusted CA: the scan runs over TLS and completes.
    let run = forget_me(&args(&[
        "--cass_port",
        &port,
        "--cass-ca-file",
        ca_file.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["complete"], Value::Bool(true));

    // The platform roots do not trust the test CA: refused, with a message, no panic.
    let run = forget_me(&args(&["--cass_port", &port, "--cass-tls"])).await;
    assert_eq!(run.code, 4, "could not connect: {}", run.stderr);
    assert_eq!(run.json()["error"]["kind"], "unreachable", "no report");
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stderr.contains("error:"), "{}", run.stderr);

    // TLS towards a node that speaks plain text: a clear failure, no panic.
    let plain_port = testkit::cassandra_addr()
        .rsplit_once(':')
        .unwrap()
        .1
        .to_string();
    let run = forget_me(&args(&[
        "--cass_port",
        &plain_port,
        "--cass-ca-file",
        ca_file.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(run.code, 4, "could not connect: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.json()["error"]["kind"], "unreachable", "no report");

    emulator.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

fn auth_node() -> String {
    std::env::var("FORGETME_CASSANDRA_AUTH")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "127.0.0.1:9142".to_string())
}

/// Every form a secret could leak in: as is, and inside an HTTP Basic header.
fn leak_forms(user: &str, secret: &str) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        secret.to_string(),
        b64.encode(format!("{user}:{secret}")),
        b64.encode(secret),
    ]
}

fn assert_clean(what: &str, text: &str, forbidden: &[String]) {
    for f in forbidden {
        assert!(
            !text.contains(f.as_str()),
            "{what} holds a secret ({} characters): ...{}...",
            f.len(),
            {
                let i = text.find(f.as_str()).unwrap();
                let start = text[..i]
                    .char_indices()
                    .rev()
                    .nth(80)
                    .map(|(j, _)| j)
                    .unwrap_or(0);
                text[start..i].to_string()
            }
        );
    }
}

fn files_in(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.path().display().to_string(),
                String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_output_logs_or_the_audit_log() {
    let tag = format!("{:08x}", rand_u32());
    let cass_role = format!("forgetme_sec_{tag}");
    let cass_password = format!("Cass-S3cret-{tag}-pw");
    let gws_password = format!("Gws-S3cret-{tag}-pw");
    let keyspace = testkit::unique_keyspace("sec_secrets");

    // The emulator stores into the authentication node as its superuser; the tool reads as a
    // role of its own with a password of its own.
    let auth = auth_node();
    let mut config = testkit::emulator_config(&keyspace);
    config.cassandra = vec![auth.clone()];
    config.cassandra_user = Some("cassandra".into());
    config.cassandra_password = Some("cassandra".into());
    for u in &mut config.users.users {
        if u.user_name == testkit::ADMIN_USER {
            u.password = Some(gws_password.clone());
        }
    }
    let users = config.users.clone();
    let emulator = gws_emulator::start(config).await.unwrap();
    let agents = gws_emulator::seed::agents_of(&users, Some(2));
    gws_emulator::seed(
        &emulator.base_url(),
        testkit::ADMIN_USER,
        &gws_password,
        &agents,
        &gws_emulator::SeedPlan::new(3).with_subjects(subjects()),
    )
    .await
    .unwrap();
    let admin = gws_emulator::store::connect(
        std::slice::from_ref(&auth),
        Some("cassandra"),
        Some("cassandra"),
    )
    .await
    .unwrap();
    for cql in [
        format!("CREATE ROLE {cass_role} WITH PASSWORD = '{cass_password}' AND LOGIN = true"),
        format!("GRANT SELECT ON KEYSPACE {keyspace} TO {cass_role}"),
    ] {
        admin.query_unpaged(cql, &[]).await.unwrap();
    }

    let dir = tempfile::tempdir().unwrap();
    let cass_pw_file = dir.path().join("cass.pw");
    let gws_pw_file = dir.path().join("gws.pw");
    std::fs::write(&cass_pw_file, format!("{cass_password}\n")).unwrap();
    std::fs::write(&gws_pw_file, format!("{gws_password}\n")).unwrap();
    let audit = dir.path().join("audit.jsonl");
    let (host, port) = auth.rsplit_once(':').unwrap();
    let base = strings(&[
        "--cass_keyspace",
        &keyspace,
        "--cass_hostname",
        host,
        "--cass_port",
        port,
        "--cass-username",
        &cass_role,
        "--gws",
        &emulator.base_url(),
        "--gws_username",
        testkit::ADMIN_USER,
        "--search",
        "john.smith@pizza.com",
        "--search",
        "+1 555 010 0001",
        "--default-region",
        "US",
        "--no-progress",
        "--audit-log",
        audit.to_str().unwrap(),
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
    ]);
    let with = |extra: &[&str]| {
        let mut a = base.clone();
        a.extend(strings(extra));
        a
    };
    let trace = ("GDPR_FORGET_ME_LOG", "trace");
    let wrong_cass = format!("Wrong-Cass-{tag}");
    let wrong_gws = format!("Wrong-Gws-{tag}");
    let mut forbidden = leak_forms(&cass_role, &cass_password);
    forbidden.extend(leak_forms(testkit::ADMIN_USER, &gws_password));
    forbidden.extend(leak_forms(&cass_role, &wrong_cass));
    forbidden.extend(leak_forms(testkit::ADMIN_USER, &wrong_gws));

    let mut outputs: Vec<(String, Run)> = Vec::new();
    // --help, with every secret in the environment.
    outputs.push((
        "--help".into(),
        forget_me_env(
            &strings(&["--help"]),
            &[
                ("CASS_PASSWORD", &cass_password),
                ("GWS_PASSWORD", &gws_password),
                ("CASS_USERNAME", &cass_role),
            ],
        )
        .await,
    ));
    // A search, passwords from the environment, everything logged.
    let run = forget_me_env(
        &with(&["--format", "json"]),
        &[
            ("CASS_PASSWORD", &cass_password),
            ("GWS_PASSWORD", &gws_password),
            trace,
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.json()["matches"].as_array().unwrap().is_empty());
    outputs.push(("search (env)".into(), run));
    // A search, passwords from files, text report.
    let run = forget_me_env(
        &with(&[
            "--cass-password-file",
            cass_pw_file.to_str().unwrap(),
            "--gws-password-file",
            gws_pw_file.to_str().unwrap(),
        ]),
        &[trace],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    outputs.push(("search (files)".into(), run));
    // Wrong Cassandra password.
    let run = forget_me_env(
        &with(&[]),
        &[
            ("CASS_PASSWORD", &wrong_cass),
            ("GWS_PASSWORD", &gws_password),
            trace,
        ],
    )
    .await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("refused the login"), "{}", run.stderr);
    outputs.push(("wrong Cassandra password".into(), run));
    // Wrong GWS password.
    let run = forget_me_env(
        &with(&[]),
        &[
            ("CASS_PASSWORD", &cass_password),
            ("GWS_PASSWORD", &wrong_gws),
            trace,
        ],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    outputs.push(("wrong GWS password".into(), run));
    // The cleanup, with the GWS password on the command line (the worst place for it).
    let run = forget_me_env(
        &with(&[
            "--cleanup",
            "true",
            "--yes",
            "--gws_user_password",
            &gws_password,
            "--format",
            "json",
        ]),
        &[("CASS_PASSWORD", &cass_password), trace],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.json()["cleanup"]["erased"].as_u64().unwrap() > 0);
    outputs.push(("cleanup".into(), run));
    // Verifying the audit log.
    let run = forget_me_env(
        &strings(&["--verify-audit-log", audit.to_str().unwrap()]),
        &[trace],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    outputs.push(("--verify-audit-log".into(), run));

    for (what, run) in &outputs {
        assert_clean(&format!("{what}: stdout"), &run.stdout, &forbidden);
        assert_clean(&format!("{what}: stderr"), &run.stderr, &forbidden);
    }
    // Logs (stderr, at trace level) never carry an identifier or a setting value either.
    for (what, run) in &outputs {
        let err = run.stderr.to_lowercase();
        for fragment in [
            "john.smith",
            "5550100001",
            "555) 010-0001",
            "displayname",
            "emailaddresses",
        ] {
            assert!(!err.contains(fragment), "{what}: stderr holds {fragment:?}");
        }
    }
    // Trace logging was really on (so the check above means something).
    assert!(
        outputs[1].1.stderr.contains("TRACE") || outputs[1].1.stderr.contains("DEBUG"),
        "no debug output at all"
    );
    // Every file the runs wrote (the password files excepted, which hold them by design).
    for (path, text) in files_in(dir.path()) {
        if path.ends_with(".pw") {
            continue;
        }
        assert_clean(&path, &text, &forbidden);
    }
    // The audit log holds no identifier, in any spelling. (It does name the operator,
    // admin@pizza.com: an operator account, not a data subject.)
    let log = std::fs::read_to_string(&audit).unwrap();
    for spelling in [
        "john.smith",
        "5550100001",
        "555 010 0001",
        "555) 010-0001",
        "555-010-0001",
        "emma.jones",
        "2079460123",
    ] {
        assert!(
            !log.to_lowercase().contains(spelling),
            "the audit log holds {spelling}"
        );
    }
    assert!(log.contains("hmac-sha256:"));

    emulator.shutdown().await;
    admin
        .query_unpaged(format!("DROP ROLE IF EXISTS {cass_role}"), &[])
        .await
        .unwrap();
    admin
        .query_unpaged(format!("DROP KEYSPACE IF EXISTS {keyspace}"), &[])
        .await
        .unwrap();
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish() as u32
}

// ---------------------------------------------------------------------------------------------
// Stored hostile data
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_stored_values_are_reported_never_crash_and_never_stop_other_ranges() {
    let s = seeded("sec_hostile").await;
    let session = testkit::cassandra_session(Some(&s.keyspace)).await;
    let owner = "00000000000000000000000000bad0ff";
    let group = "interaction-workspace-personal-favorites";
    let deep = format!(
        "{}\"john.smith@pizza.com\"{}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let huge = format!(
        r#"{{"id":"huge","note":"{}","emailAddresses":["John.Smith@pizza.com"]}}"#,
        "x".repeat(10 * 1024 * 1024)
    );
    let values = [
        (
            "not-json",
            "John <john.smith@pizza.com> {{{ not json".to_string(),
        ),
        ("deep", deep),
        ("huge", huge),
        (
            "control",
            "\u{0}\u{1b}[31m\u{202e}john.smith@pizza.com\r\n".to_string(),
        ),
        ("empty", String::new()),
    ];
    for (key, value) in &values {
        session
            .query_unpaged(
                "INSERT INTO settings (owner_id, group_name, setting_key, value) VALUES (?, ?, ?, ?)",
                (owner, group, *key, value.as_str()),
            )
            .await
            .unwrap();
    }
    // Invalid UTF-8 needs a blob column: a table of its own, searched through a layout file.
    session
        .query_unpaged(
            "CREATE TABLE raw_settings (owner blob, grp text, k text, v blob, PRIMARY KEY ((owner, grp), k))",
            &[],
        )
        .await
        .unwrap();
    let mut invalid = b"{\"id\":\"bin\",\"e\":\"john.smith@pizza.com\",\"x\":\"".to_vec();
    invalid.extend([0xff, 0xfe, 0xc3, 0x28, 0x80]);
    invalid.extend(b"\"}");
    for (k, v) in [
        ("bin", invalid),
        ("ok", br#"{"id":"ok","e":"someone@example.org"}"#.to_vec()),
    ] {
        session
            .query_unpaged(
                "INSERT INTO raw_settings (owner, grp, k, v) VALUES (?, ?, ?, ?)",
                (owner.as_bytes().to_vec(), group, k, v),
            )
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout.toml");
    std::fs::write(
        &layout,
        r#"
[[table]]
name = "settings"
owner = "owner_id"
group = "group_name"
setting_key = "setting_key"
value = "value"

[[table]]
name = "raw_settings"
owner = "owner"
group = "grp"
setting_key = "k"
value = "v"
"#,
    )
    .unwrap();

    let want = planted(&s.data, 0, "email");
    for layout_args in [vec![], vec!["--layout", layout.to_str().unwrap()]] {
        let mut args = cass_args(&s.keyspace);
        args.extend(strings(&[
            "--search",
            "john.smith@pizza.com",
            "--format",
            "json",
            "--no-progress",
            "--page-size",
            "3",
        ]));
        args.extend(strings(&layout_args));
        let run = forget_me(&args).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        let report = run.json();
        assert_eq!(report["complete"], Value::Bool(true), "{}", run.stderr);
        // Every planted place is still found: the hostile rows stopped nothing.
        let found = found(&report);
        for p in &want {
            assert!(found.contains(p), "{p:?} missed next to hostile data");
        }
        // Each hostile value holding the subject is reported where it is.
        let hostile: std::collections::BTreeSet<(String, String)> = report["matches"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["user_id"] == owner)
            .map(|m| {
                (
                    m["table"]
                        .as_str()
                        .unwrap()
                        .rsplit('.')
                        .next()
                        .unwrap()
                        .to_string(),
                    m["setting_key"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for key in ["not-json", "deep", "huge", "control"] {
            assert!(
                hostile.contains(&("settings".to_string(), key.to_string())),
                "{key}: {hostile:?}"
            );
        }
        let warnings = report["warnings"].as_object().unwrap();
        assert!(
            warnings.keys().any(|w| w.contains("not JSON")),
            "{warnings:?}"
        );
        assert!(warnings.keys().any(|w| w.contains("deep")), "{warnings:?}");
        assert!(warnings.keys().any(|w| w.contains("large")), "{warnings:?}");
        if !layout_args.is_empty() {
            assert!(
                hostile.contains(&("raw_settings".to_string(), "bin".to_string())),
                "{hostile:?}"
            );
            assert!(warnings.keys().any(|w| w.contains("UTF-8")), "{warnings:?}");
        }
    }
    s.emulator.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// The emulator: what the project's own tests lean on must hold against a hostile client.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_emulator_endpoint_requires_authentication_and_sessions_stay_with_their_user() {
    let keyspace = testkit::unique_keyspace("sec_emu");
    let _dropped_at_end = testkit::KeyspaceGuard::new(&keyspace);
    let emu = testkit::start_emulator(&keyspace).await;
    let a1 = testkit::user_id(&testkit::agent_user(1));
    let a2 = testkit::user_id(&testkit::agent_user(2));
    let admin = testkit::admin_client(&emu);
    admin
        .send_ok(
            Method::POST,
            &format!("/users/{a2}/settings"),
            Some(r#"{"name":"g","key":"id"}"#),
        )
        .await
        .unwrap();
    admin
        .send_ok(
            Method::POST,
            &format!("/users/{a2}/settings/g"),
            Some(r#"{"id":"s1","emailAddress":"x@example.org"}"#),
        )
        .await
        .unwrap();
    let before = dump(&keyspace).await;
    let base = format!("{}/api/v2", emu.base_url());
    let body = r#"{"id":"s1","name":"g","key":"id"}"#;
    let mut endpoints: Vec<(Method, String)> = vec![
        (Method::GET, "/me".into()),
        (Method::GET, "/users".into()),
        (Method::GET, format!("/users/{a2}")),
        (Method::GET, "/no/such/path".into()),
    ];
    for owner in ["".to_string(), "/me".to_string(), format!("/users/{a2}")] {
        for m in [Method::GET, Method::POST] {
            endpoints.push((m, format!("{owner}/settings")));
        }
        for m in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
            endpoints.push((m, format!("{owner}/settings/g")));
        }
    }
    let http = reqwest::Client::new();
    for (method, path) in &endpoints {
        for auth in [None, Some("wrong-password")] {
            let mut req = http.request(method.clone(), format!("{base}{path}"));
            if let Some(pw) = auth {
                req = req.basic_auth(testkit::ADMIN_USER, Some(pw));
            }
            if *method != Method::GET {
                req = req.body(body);
            }
            let r = req.send().await.unwrap();
            assert_eq!(
                r.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} {auth:?}"
            );
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["statusCode"], 20, "{method} {path}");
        }
    }
    // An agent's own session cannot reach another agent's settings, and its CSRF token does
    // not turn into the admin's when the admin's credentials are sent along.
    let agent = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = agent
        .get(format!("{base}/me"))
        .basic_auth(testkit::agent_user(1), Some(testkit::AGENT_PASSWORD))
        .send()
        .await
        .unwrap();
    let token = r.headers()["x-csrf-token"].to_str().unwrap().to_string();
    for (method, path) in [
        (Method::GET, format!("/users/{a2}/settings/g")),
        (Method::DELETE, format!("/users/{a2}/settings/g")),
        (Method::PUT, format!("/users/{a2}/settings/g")),
    ] {
        let r = agent
            .request(method.clone(), format!("{base}{path}"))
            .header("X-CSRF-TOKEN", &token)
            .body(r#"{"id":"s1"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method} {path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["statusCode"], 5, "{method} {path}: {v}");
    }
    let r = agent
        .delete(format!("{base}/users/{a2}/settings/g"))
        .basic_auth(testkit::ADMIN_USER, Some(testkit::ADMIN_PASSWORD))
        .header("X-CSRF-TOKEN", &token)
        .body(r#"{"id":"s1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["statusCode"], 3,
        "a token only works for its own session's user: {v}"
    );
    // An oversized body is refused before it is read whole, authenticated or not.
    let big = json!({"id": "big", "pad": "x".repeat(2 * 1024 * 1024)}).to_string();
    // The server answers 413 and closes as soon as the limit is crossed: the client may see
    // that answer, or, when it is still sending, the connection reset under it. Either way
    // the body is refused (and the dump below proves nothing was stored).
    match http
        .post(format!("{base}/users/{a1}/settings/g"))
        .body(big)
        .send()
        .await
    {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => assert!(
            e.is_request() || e.is_body(),
            "only a connection closed while sending is accepted: {e:?}"
        ),
    }

    assert_eq!(dump(&keyspace).await, before, "nothing changed");
    emu.shutdown().await;
}

/// The GWS session cookie, the CSRF token, the admin password and the Authorization header
/// never reach the logs, whatever `GDPR_FORGET_ME_LOG` asks for: the HTTP crates underneath
/// (reqwest, its cookie store, hyper, h2) log headers at debug and trace, and a replayed
/// `JSESSIONID` alone reads every agent's contacts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gws_session_cookie_and_credentials_never_reach_debug_or_trace_logs() {
    let filters = [
        "debug",
        "trace",
        // An operator asking the HTTP crates themselves for everything.
        "debug,reqwest=trace,reqwest::connect=trace,cookie_store=trace,hyper=trace,hyper_util=trace,h2=trace,gws_client=trace",
    ];
    for filter in filters {
        let s = seeded("sec_http_log").await;
        let dir = tempfile::tempdir().unwrap();
        let args = cleanup_args(
            &s,
            dir.path(),
            &[
                "--search",
                "john.smith@pizza.com",
                "--search",
                "+1 555 010 0001",
                "--default-region",
                "US",
                "--format",
                "json",
            ],
        );
        let run = forget_me_env(
            &args,
            &[
                ("GWS_PASSWORD", testkit::ADMIN_PASSWORD),
                ("GDPR_FORGET_ME_LOG", filter),
            ],
        )
        .await;
        assert_eq!(run.code, 0, "{filter}: {}\n{}", run.stdout, run.stderr);
        let report = run.json();
        assert!(
            report["cleanup"]["erased"].as_u64().unwrap() > 0,
            "{filter}: a real cleanup ran"
        );
        // The run's logging was really on.
        assert!(
            run.stderr.contains("DEBUG") || run.stderr.contains("TRACE"),
            "{filter}: no debug output at all"
        );
        let mut forbidden = leak_forms(testkit::ADMIN_USER, testkit::ADMIN_PASSWORD);
        let sessions = s.emulator.session_secrets();
        assert!(!sessions.is_empty(), "the emulator holds the run's session");
        for (id, csrf) in sessions {
            forbidden.push(id);
            forbidden.push(csrf);
        }
        assert_clean(&format!("{filter}: stderr"), &run.stderr, &forbidden);
        assert_clean(&format!("{filter}: stdout"), &run.stdout, &forbidden);
        let err = run.stderr.to_lowercase();
        for header in ["jsessionid", "authorization", "x-csrf-token", "set-cookie"] {
            assert!(!err.contains(header), "{filter}: stderr names {header:?}");
        }
        s.emulator.shutdown().await;
    }
}
