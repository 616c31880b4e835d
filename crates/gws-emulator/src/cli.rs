//! The `gws-emulator` command line: `serve`, `users` and `seed`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::seed::{agents_of, demo_subjects, SeedPlan, Subject};
use crate::server::{start, EmulatorConfig};
use crate::users::UsersFile;

#[derive(Parser, Debug)]
#[command(
    name = "gws-emulator",
    version,
    about = "A GWS-compatible settings server backed by Cassandra (test peer and demo backend of gdpr-forget-me)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GWS API until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Print a deterministic demo users file: admin@pizza.com and agent1..N@pizza.com.
    Users(UsersArgs),
    /// Seed Workspace favorites and recents through a running emulator's API, as the admin.
    Seed(SeedArgs),
}

#[derive(Parser, Debug)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// Cassandra contact point host:port (repeat for several).
    #[arg(long, default_value = "127.0.0.1:9042", env = "FORGETME_CASSANDRA")]
    pub cassandra: Vec<String>,
    #[arg(long, env = "GWS_EMULATOR_CASSANDRA_USER")]
    pub cassandra_user: Option<String>,
    #[arg(long, env = "GWS_EMULATOR_CASSANDRA_PASSWORD", hide_env_values = true)]
    pub cassandra_password: Option<String>,
    #[arg(long, default_value = "sipfs")]
    pub keyspace: String,
    /// The Cassandra schema of the settings: `reference` (the `settings` table,
    /// docs/storage-layout.md), `packed` (a Thrift-era `gws_settings` table: a blob key
    /// `"<owner>:<group>"`, the setting key as `column1`, the JSON as a blob) or `map` (a
    /// `group_settings` table: one row per owner and group, each setting an entry of a
    /// `map<text, text>`).
    #[arg(long, value_name = "NAME", default_value = "reference", value_parser = ["reference", "packed", "map"])]
    pub storage_layout: String,
    /// The users file (JSON), see docs/gws-emulator.md.
    #[arg(long)]
    pub users: PathBuf,
    /// Turn CSRF protection off (GWS's enableCsrfProtection=false).
    #[arg(long)]
    pub no_csrf: bool,
    #[arg(long, default_value_t = 1)]
    pub replication_factor: u32,
    /// Session inactivity timeout in seconds.
    #[arg(long, default_value_t = 1800)]
    pub session_timeout: u64,
    /// Do not keep requests in memory (for long-running demo servers).
    #[arg(long)]
    pub no_record: bool,
    /// Drop the keyspace before starting, so a demo starts from empty storage. Destroys every
    /// table in it: for the project's own local node only.
    #[arg(long)]
    pub fresh: bool,
    /// Fault injection: answer this share of requests (0.0-1.0) with HTTP 500 / statusCode 4,
    /// chosen with --fault-seed (same seed, same requests, same faults). For tests and demos
    /// of retries only.
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub fault_error_rate: f64,
    /// Seed of the fault injection's generator.
    #[arg(long, value_name = "SEED", default_value_t = 1)]
    pub fault_seed: u64,
    /// Fault injection: delay every request by this many milliseconds before serving it.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub fault_delay_ms: u64,
}

#[derive(Parser, Debug)]
pub struct UsersArgs {
    /// Number of agents.
    #[arg(long, default_value_t = 10)]
    pub agents: usize,
    /// Seed of the user ids (same seed, same ids).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value = "password")]
    pub admin_password: String,
    #[arg(long, default_value = "password")]
    pub agent_password: String,
    /// Write passwordHash (PBKDF2) instead of clear passwords.
    #[arg(long)]
    pub hashed: bool,
}

#[derive(Parser, Debug)]
pub struct SeedArgs {
    /// The emulator's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8090")]
    pub url: String,
    /// The users file the emulator serves (agents are its ROLE_AGENT users).
    #[arg(long)]
    pub users: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Seed only the first N agents.
    #[arg(long)]
    pub agents: Option<usize>,
    /// Admin user name (default: the first ROLE_ADMIN user of the users file).
    #[arg(long)]
    pub admin_user: Option<String>,
    /// Admin password (default: that user's clear password in the users file).
    #[arg(long, env = "GWS_EMULATOR_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// A subject to plant, as EMAIL,PHONE_E164 (repeatable). Default: the demo subjects.
    #[arg(long = "subject", value_parser = parse_subject)]
    pub subjects: Vec<Subject>,
    /// Plant no subject at all.
    #[arg(long, conflicts_with = "subjects")]
    pub no_subjects: bool,
    /// Agents seeded at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Write everything seeded (settings and planted locations) to this JSON file.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn parse_subject(s: &str) -> Result<Subject, String> {
    let (email, phone) = s
        .split_once(',')
        .ok_or("expected EMAIL,PHONE_E164 (e.g. john.smith@pizza.com,+15550100001)")?;
    if !email.contains('@') || !phone.starts_with('+') {
        return Err("expected EMAIL,PHONE_E164 (e.g. john.smith@pizza.com,+15550100001)".into());
    }
    Ok(Subject::new(email.trim(), phone.trim()))
}

/// Entry point of the binary.
pub async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,scylla=off".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(a) => serve(a).await,
        Command::Users(a) => {
            let file = UsersFile::demo(
                a.agents,
                a.seed,
                &a.admin_password,
                &a.agent_password,
                a.hashed,
            );
            println!("{}", file.to_json_pretty());
            Ok(())
        }
        Command::Seed(a) => seed_cmd(a).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gws-emulator: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(a: ServeArgs) -> anyhow::Result<()> {
    let users = UsersFile::load(&a.users)?;
    if a.fresh {
        anyhow::ensure!(
            crate::store::is_valid_keyspace(&a.keyspace),
            "--keyspace {:?} is not a valid keyspace name",
            a.keyspace
        );
        let session = crate::store::connect(
            &a.cassandra,
            a.cassandra_user.as_deref(),
            a.cassandra_password.as_deref(),
        )
        .await?;
        session
            .query_unpaged(format!("DROP KEYSPACE IF EXISTS {}", a.keyspace), &[])
            .await?;
        eprintln!("gws-emulator: dropped keyspace {} (--fresh)", a.keyspace);
    }
    let mut config = EmulatorConfig::new(users);
    config.listen = a.listen;
    config.cassandra = a.cassandra;
    config.cassandra_user = a.cassandra_user;
    config.cassandra_password = a.cassandra_password;
    config.keyspace = a.keyspace;
    config.storage_layout = crate::store::StorageLayout::parse(&a.storage_layout)
        .ok_or_else(|| anyhow::anyhow!("--storage-layout: reference, packed or map"))?;
    config.csrf = !a.no_csrf;
    config.replication_factor = a.replication_factor;
    config.session_timeout = Duration::from_secs(a.session_timeout);
    config.record_requests = !a.no_record;
    anyhow::ensure!(
        (0.0..=1.0).contains(&a.fault_error_rate),
        "--fault-error-rate must be between 0.0 and 1.0"
    );
    config.faults.latency = Duration::from_millis(a.fault_delay_ms);
    if a.fault_error_rate > 0.0 {
        config.faults.random = Some(crate::fault::RandomFaults {
            seed: a.fault_seed,
            rate: a.fault_error_rate,
            faults: vec![crate::fault::Fault::InternalError],
            filter: Default::default(),
        });
    }
    if !config.faults.is_empty() {
        eprintln!(
            "gws-emulator: FAULT INJECTION ON (error rate {}, seed {}, delay {} ms)",
            a.fault_error_rate, a.fault_seed, a.fault_delay_ms
        );
    }
    let emulator = start(config).await?;
    eprintln!(
        "gws-emulator: serving {}/api/v2 (Ctrl-C to stop)",
        emulator.base_url()
    );
    emulator.run_until(shutdown_signal()).await;
    eprintln!("gws-emulator: stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM, whichever comes first.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn seed_cmd(a: SeedArgs) -> anyhow::Result<()> {
    let users = UsersFile::load(&a.users)?;
    let admin = match &a.admin_user {
        Some(name) => users
            .by_user_name(name)
            .ok_or_else(|| anyhow::anyhow!("no user {name:?} in {}", a.users.display()))?,
        None => users
            .users
            .iter()
            .find(|u| u.is_admin())
            .ok_or_else(|| anyhow::anyhow!("no ROLE_ADMIN user in {}", a.users.display()))?,
    };
    let password = match (&a.admin_password, &admin.password) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => p.clone(),
        (None, None) => anyhow::bail!(
            "{} has only a passwordHash in the users file: give --admin-password",
            admin.user_name
        ),
    };
    let agents = agents_of(&users, a.agents);
    let subjects = if a.no_subjects {
        Vec::new()
    } else if a.subjects.is_empty() {
        demo_subjects()
    } else {
        a.subjects.clone()
    };
    let mut plan = SeedPlan::new(a.seed).with_subjects(subjects);
    plan.concurrency = a.concurrency;
    let started = std::time::Instant::now();
    let data = crate::seed::seed(&a.url, &admin.user_name, &password, &agents, &plan).await?;
    eprintln!(
        "gws-emulator: seeded {} agents, {} groups, {} settings, {} planted subjects in {:.1}s",
        data.agents.len(),
        data.groups.len(),
        data.settings.len(),
        data.planted.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(out) = &a.out {
        std::fs::write(out, serde_json::to_string_pretty(&data)?)?;
        eprintln!("gws-emulator: wrote {}", out.display());
    }
    Ok(())
}
