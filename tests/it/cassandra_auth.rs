//! Logging in to a Cassandra that uses PasswordAuthenticator (the `auth` node of
//! scripts/cassandra, FORGETME_CASSANDRA_AUTH): password from the environment or a file, and a
//! clear error for a wrong one.

use crate::common::*;
use scylla::client::session_builder::SessionBuilder;

fn auth_addr() -> String {
    std::env::var("FORGETME_CASSANDRA_AUTH").unwrap_or_else(|_| "127.0.0.1:9142".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_a_password_protected_cluster_with_env_or_file_passwords() {
    let addr = auth_addr();
    let session = SessionBuilder::new()
        .known_node(&addr)
        .user("cassandra", "cassandra")
        .build()
        .await
        .unwrap_or_else(|e| {
            panic!("the auth node at {addr} must run (scripts/cassandra start --profile auth): {e}")
        });
    let ks = testkit::unique_keyspace("auth");
    for cql in [
        format!("CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"),
        format!("CREATE TABLE {ks}.settings (owner_id text, group_name text, setting_key text, value text, PRIMARY KEY ((owner_id, group_name), setting_key))"),
        format!("INSERT INTO {ks}.settings (owner_id, group_name, setting_key, value) VALUES ('0123456789abcdef0123456789abcdef', 'interaction-workspace-personal-favorites', 'fav-1', '{{\"id\":\"fav-1\",\"emailAddresses\":[\"Auth.Subject@Pizza.com\"]}}')"),
    ] {
        session.query_unpaged(cql, &[]).await.unwrap();
    }
    let (host, port) = addr.rsplit_once(':').unwrap();
    let base = strings(&[
        "--cass_keyspace",
        &ks,
        "--cass_hostname",
        host,
        "--cass_port",
        port,
        "--search",
        "auth.subject@pizza.com",
        "--format",
        "json",
        "--cass-username",
        "cassandra",
    ]);

    let run = forget_me_env(&base, &[("CASS_PASSWORD", "cassandra")]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["matches"].as_array().unwrap().len(), 1);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cass.pw");
    std::fs::write(&file, "cassandra\n").unwrap();
    let mut with_file = base.clone();
    with_file.extend(strings(&["--cass-password-file", file.to_str().unwrap()]));
    let run = forget_me(&with_file).await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    let run = forget_me_env(&base, &[("CASS_PASSWORD", "not-the-password")]).await;
    assert_eq!(
        run.code, 2,
        "refused credentials are bad input: {}",
        run.stderr
    );
    assert!(run.stderr.contains("refused the login"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-password"));

    // No password and no terminal: refused before connecting.
    let run = forget_me(&base).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("CASS_PASSWORD"), "{}", run.stderr);

    // No login at all on a cluster that requires one: bad input with the way to give one,
    // not a connection failure.
    let anonymous: Vec<String> = base[..base.len() - 2].to_vec();
    assert!(!anonymous.iter().any(|a| a == "--cass-username"));
    let run = forget_me(&anonymous).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("refused the login"), "{}", run.stderr);
    assert!(run.stderr.contains("--cass-username"), "{}", run.stderr);

    session
        .query_unpaged(format!("DROP KEYSPACE {ks}"), &[])
        .await
        .unwrap();
}
