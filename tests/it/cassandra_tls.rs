//! Cassandra over TLS as operators run it: the `tls` node of scripts/cassandra
//! (`FORGETME_CASSANDRA_TLS`, default 127.0.0.1:9442) requires TLS and a client certificate
//! signed by its test CA (mutual TLS). A search with the CA and a client certificate works;
//! every way of getting it wrong gets one error that says what to change; and `--cass-tls`
//! against the plain node says that node does not speak TLS, with no raw driver log line.
//!
//! The certificates are the ones scripts/cassandra made for the node, in
//! `FORGETME_CASSANDRA_TLS_CERTS` (default `.cassandra/tls/certs` of this tree). Without
//! `FORGETME_CASSANDRA_TLS`, the tests that need the node use the default address when a node
//! answers there and are skipped with a message otherwise, except in CI (`CI=true`), where they
//! fail.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::common::*;
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;

const TLS_ENV: &str = "FORGETME_CASSANDRA_TLS";
const CERTS_ENV: &str = "FORGETME_CASSANDRA_TLS_CERTS";
const DEFAULT_TLS_NODE: &str = "127.0.0.1:9442";
const SUBJECT: &str = "tls.subject@pizza.com";

/// The TLS node and its certificate folder, or `None` (test skipped) when `FORGETME_CASSANDRA_TLS`
/// is not set outside CI and nothing listens at the default address.
fn tls_node() -> Option<(String, PathBuf)> {
    let certs = std::env::var(CERTS_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".cassandra/tls/certs"));
    let addr = match std::env::var(TLS_ENV).ok().filter(|s| !s.trim().is_empty()) {
        Some(addr) => addr,
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{TLS_ENV} is not set in CI: scripts/test starts the tls node (scripts/cassandra start --profile tls) and sets it")
        }
        None if std::net::TcpStream::connect(DEFAULT_TLS_NODE).is_ok() => {
            DEFAULT_TLS_NODE.to_string()
        }
        None => {
            eprintln!("SKIPPED: {TLS_ENV} is not set and nothing answers at {DEFAULT_TLS_NODE}; start the node with `scripts/cassandra start --profile tls` and run with {TLS_ENV}={DEFAULT_TLS_NODE}");
            return None;
        }
    };
    assert!(
        certs.join("ca.pem").is_file(),
        "no test CA in {} (scripts/cassandra certs --profile tls prints the folder; set {CERTS_ENV})",
        certs.display()
    );
    Some((addr, certs))
}

fn path(dir: &Path, file: &str) -> String {
    dir.join(file).to_str().unwrap().to_string()
}

/// A session to the TLS node with the test CA and the trusted client certificate.
async fn admin_session(addr: &str, certs: &Path) -> Session {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(certs.join("ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let chain: Vec<_> = CertificateDer::pem_file_iter(certs.join("client.pem"))
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(certs.join("client.key")).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    SessionBuilder::new()
        .known_node(addr)
        .tls_context(Some(Arc::new(config)))
        .build()
        .await
        .unwrap_or_else(|e| {
            panic!("the tls node at {addr} must run (scripts/cassandra start --profile tls): {e}")
        })
}

/// A keyspace of the test's own on the TLS node, holding one favorite with the subject's
/// address.
async fn seeded_keyspace(addr: &str, certs: &Path) -> (Session, String) {
    let session = admin_session(addr, certs).await;
    let ks = testkit::unique_keyspace("tls");
    for cql in [
        format!("CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"),
        format!("CREATE TABLE {ks}.settings (owner_id text, group_name text, setting_key text, value text, PRIMARY KEY ((owner_id, group_name), setting_key))"),
        format!("INSERT INTO {ks}.settings (owner_id, group_name, setting_key, value) VALUES ('0123456789abcdef0123456789abcdef', 'interaction-workspace-personal-favorites', 'fav-1', '{{\"id\":\"fav-1\",\"emailAddresses\":[\"TLS.Subject@Pizza.com\"]}}')"),
    ] {
        session.query_unpaged(cql, &[]).await.unwrap();
    }
    (session, ks)
}

fn search_args(addr: &str, keyspace: &str, extra: &[&str]) -> Vec<String> {
    let (host, port) = addr.rsplit_once(':').unwrap();
    let mut args = strings(&[
        "--cass_keyspace",
        keyspace,
        "--cass_hostname",
        host,
        "--cass_port",
        port,
        "--search",
        SUBJECT,
        "--no-progress",
    ]);
    args.extend(strings(extra));
    args
}

/// The lines of a PEM file's body (its base64), none of which may appear in any output.
fn pem_body_lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .map(str::to_string)
        .collect()
}

/// stderr is exactly one `error:` line holding `wanted`, and nothing of the driver's log.
fn assert_one_error(run: &Run, wanted: &[&str]) {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one error line expected:\n{}", run.stderr);
    assert!(lines[0].starts_with("error: "), "{}", run.stderr);
    for w in wanted {
        assert!(run.stderr.contains(w), "no {w:?} in:\n{}", run.stderr);
    }
    for raw in ["WARN", "ERROR", "scylla", "InvalidContentType", "\x1b["] {
        assert!(
            !run.stderr.contains(raw),
            "raw driver output ({raw:?}) on stderr:\n{}",
            run.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_with_the_ca_and_a_client_certificate_finds_the_setting() {
    let Some((addr, certs)) = tls_node() else {
        return;
    };
    let (session, ks) = seeded_keyspace(&addr, &certs).await;
    let ca = path(&certs, "ca.pem");
    let cert = path(&certs, "client.pem");
    let key = path(&certs, "client.key");

    let run = forget_me(&search_args(
        &addr,
        &ks,
        &[
            "--cass-ca-file",
            &ca,
            "--cass-cert",
            &cert,
            "--cass-key",
            &key,
            "--format",
            "json",
        ],
    ))
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let matches = report["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{report}");
    assert_eq!(matches[0]["setting_key"], "fav-1", "{report}");
    assert!(
        !run.stderr.contains("warning"),
        "a key only its owner reads is no warning: {}",
        run.stderr
    );

    // The same key readable by other local users: it still works, with a warning naming the
    // file and the fix; nothing of the key is printed.
    let dir = tempfile::tempdir().unwrap();
    let loose_key = dir.path().join("client.key");
    std::fs::copy(certs.join("client.key"), &loose_key).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&loose_key, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let run = forget_me(&search_args(
        &addr,
        &ks,
        &[
            "--cass-ca-file",
            &ca,
            "--cass-cert",
            &cert,
            "--cass-key",
            loose_key.to_str().unwrap(),
        ],
    ))
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: --cass-key") && run.stderr.contains("chmod 600"),
        "{}",
        run.stderr
    );
    for line in pem_body_lines(&certs.join("client.key")) {
        assert!(!run.stdout.contains(&line) && !run.stderr.contains(&line));
    }

    // Everything logged (the driver's and rustls' lines included): still nothing of the key.
    let run = forget_me_env(
        &search_args(
            &addr,
            &ks,
            &[
                "--cass-ca-file",
                &ca,
                "--cass-cert",
                &cert,
                "--cass-key",
                &key,
            ],
        ),
        &[("GDPR_FORGET_ME_LOG", "trace")],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("TRACE"), "trace logging is on");
    for line in pem_body_lines(&certs.join("client.key")) {
        assert!(
            !run.stdout.contains(&line) && !run.stderr.contains(&line),
            "a line of the private key is in the output"
        );
    }

    session
        .query_unpaged(format!("DROP KEYSPACE {ks}"), &[])
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_requiring_a_client_certificate_says_so_when_none_is_given() {
    let Some((addr, certs)) = tls_node() else {
        return;
    };
    let ca = path(&certs, "ca.pem");
    let run = forget_me(&search_args(&addr, "sipfs", &["--cass-ca-file", &ca])).await;
    assert_eq!(run.code, 4, "a connection failure: {}", run.stderr);
    assert_one_error(
        &run,
        &[
            "requires a client certificate",
            "--cass-cert",
            "--cass-key",
            addr.rsplit_once(':').unwrap().1,
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_client_certificate_is_named_as_refused() {
    let Some((addr, certs)) = tls_node() else {
        return;
    };
    let ca = path(&certs, "ca.pem");
    let cert = path(&certs, "untrusted-client.pem");
    let key = path(&certs, "untrusted-client.key");
    let run = forget_me(&search_args(
        &addr,
        "sipfs",
        &[
            "--cass-ca-file",
            &ca,
            "--cass-cert",
            &cert,
            "--cass-key",
            &key,
        ],
    ))
    .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_one_error(&run, &["refused the client certificate", "--cass-cert"]);
    for line in pem_body_lines(&certs.join("untrusted-client.key")) {
        assert!(!run.stderr.contains(&line));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_ca_the_node_certificate_is_not_trusted() {
    let Some((addr, certs)) = tls_node() else {
        return;
    };
    let cert = path(&certs, "client.pem");
    let key = path(&certs, "client.key");
    let run = forget_me(&search_args(
        &addr,
        "sipfs",
        &["--cass-cert", &cert, "--cass-key", &key],
    ))
    .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_one_error(&run, &["is not trusted", "--cass-ca-file"]);

    // The CA of someone else: not trusted either, and the advice says the CA file is wrong.
    let dir = tempfile::tempdir().unwrap();
    let other_ca = dir.path().join("other-ca.pem");
    std::fs::copy(certs.join("untrusted-client.pem"), &other_ca).unwrap();
    let run = forget_me(&search_args(
        &addr,
        "sipfs",
        &[
            "--cass-ca-file",
            other_ca.to_str().unwrap(),
            "--cass-cert",
            &cert,
            "--cass-key",
            &key,
        ],
    ))
    .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_one_error(&run, &["is not trusted", "the CA in --cass-ca-file"]);
}

/// A port where nothing listens: a run that got as far as connecting would fail there (exit 4,
/// "nothing answers"), so an exit 2 about the files proves they were checked first.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificate_files_are_checked_before_connecting() {
    use rcgen::{CertificateParams, KeyPair};
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let key_a = KeyPair::generate().unwrap();
    let key_b = KeyPair::generate().unwrap();
    let cert_a = CertificateParams::new(vec!["client-a".to_string()])
        .unwrap()
        .self_signed(&key_a)
        .unwrap();
    let cert = write("a.pem", &cert_a.pem());
    let key = write("a.key", &key_a.serialize_pem());
    let wrong_key = write("b.key", &key_b.serialize_pem());
    let not_a_key = write("garbage.key", "s3cr3t-not-a-key-material\n");
    let port = closed_port();
    let base = |extra: &[&str]| {
        let mut a = strings(&[
            "--cass_hostname",
            "127.0.0.1",
            "--cass_port",
            &port,
            "--search",
            SUBJECT,
        ]);
        a.extend(strings(extra));
        a
    };

    for (args, wanted) in [
        (
            base(&["--cass-cert", &cert]),
            "--cass-cert needs --cass-key",
        ),
        (base(&["--cass-key", &key]), "--cass-key needs --cass-cert"),
        (
            base(&[
                "--cass-cert",
                &cert,
                "--cass-key",
                "/nonexistent/client.key",
            ]),
            "--cass-key /nonexistent/client.key: no such file",
        ),
        (
            base(&["--cass-cert", &cert, "--cass-key", &wrong_key]),
            "does not belong to the certificate",
        ),
        (
            base(&["--cass-cert", &cert, "--cass-key", &not_a_key]),
            "no PEM private key",
        ),
        (
            base(&["--cass-cert", &key, "--cass-key", &key]),
            "no PEM certificate",
        ),
    ] {
        let run = forget_me(&args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(wanted), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("nothing answers"), "{}", run.stderr);
        assert!(!run.stderr.contains("s3cr3t"), "{}", run.stderr);
        for line in pem_body_lines(Path::new(&key))
            .into_iter()
            .chain(pem_body_lines(Path::new(&wrong_key)))
        {
            assert!(!run.stderr.contains(&line), "{}", run.stderr);
        }
    }

    // A good pair is accepted and implies TLS: the run gets as far as connecting.
    let run = forget_me(&base(&["--cass-cert", &cert, "--cass-key", &key])).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("nothing answers"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_towards_the_plain_node_says_it_does_not_speak_tls() {
    let addr = testkit::cassandra_addr();
    let run = forget_me(&search_args(&addr, "sipfs", &["--cass-tls"])).await;
    assert_eq!(run.code, 4, "a connection failure: {}", run.stderr);
    assert_one_error(
        &run,
        &[
            &format!("the node at {addr} does not speak TLS on this port"),
            "drop --cass-tls",
            "TLS port",
        ],
    );
}
