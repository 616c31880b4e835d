//! `bench-loader`: fills a keyspace of the reference settings layout (docs/storage-layout.md)
//! with realistic GWS settings, fast, for the scan benchmark (`bench/run`).
//!
//! - One prepared `INSERT` per setting, many in flight at once, consistency ONE, no batches and
//!   no lightweight transactions: the cheapest write path Cassandra has.
//! - The data is a pure function of `--seed` and the setting's index, so two loads with the
//!   same arguments write the same rows, on any machine.
//! - A known data subject (e-mail `bench.subject@pizza.com`, phone `+15550100999`) is planted
//!   in exactly `--planted` settings, in varied spellings; every planted setting holds the
//!   e-mail, about half also the phone. Filler data never contains either.
//! - Idempotent: a marker row in `bench_meta` records a finished load; a second run with the
//!   same size, seed and plant count does nothing. Any other content is truncated first, which
//!   is why only keyspaces named `bench*` are accepted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use futures::{stream, StreamExt};
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::statement::prepared::PreparedStatement;
use scylla::statement::Consistency;
use serde_json::{json, Value};

/// The planted subject's e-mail address, as searched.
pub const SUBJECT_EMAIL: &str = "bench.subject@pizza.com";
/// The planted subject's phone number, in E.164.
pub const SUBJECT_PHONE: &str = "+15550100999";

const FAVORITES: &str = "interaction-workspace-personal-favorites";
const RECENT_CONTACTS: &str = "interaction-workspace-recent-contacts";
const RECENTS: &str = "interaction-workspace-recents";
/// Settings per agent: the number of agents is `settings / 50`.
const SETTINGS_PER_AGENT: u64 = 50;

#[derive(Parser, Debug)]
#[command(about = "Fill a keyspace of the reference settings layout for the scan benchmark")]
struct Args {
    /// Cassandra node, host:port.
    #[arg(long, default_value = "127.0.0.1:9042")]
    cassandra: String,
    /// Keyspace to create and fill (must start with `bench`: its tables may be truncated).
    #[arg(long, default_value = "bench_1m")]
    keyspace: String,
    /// Number of settings (rows of `settings`) to write.
    #[arg(long, default_value_t = 1_000_000)]
    settings: u64,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Number of settings that hold the planted subject.
    #[arg(long, default_value_t = 100)]
    planted: u64,
    /// Inserts in flight at once.
    #[arg(long, default_value_t = 128)]
    concurrency: usize,
    /// Reload even if the marker says the keyspace is already loaded.
    #[arg(long)]
    force: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if !args.keyspace.starts_with("bench")
        || !args
            .keyspace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        bail!("--keyspace must start with `bench` and be made of [A-Za-z0-9_]: its tables may be truncated");
    }
    if args.settings == 0 || args.planted > args.settings {
        bail!("need 0 < --planted <= --settings (or --planted 0)");
    }
    let session = SessionBuilder::new()
        .known_node(&args.cassandra)
        .connection_timeout(Duration::from_secs(10))
        .build()
        .await
        .with_context(|| format!("cannot connect to {}", args.cassandra))?;
    let ks = &args.keyspace;
    create_schema(&session, ks).await?;

    if !args.force {
        if let Some(rows) = loaded_marker(&session, &args).await? {
            println!(
                "{ks}: already holds {rows} settings for seed {} ({} planted); nothing to load",
                args.seed, args.planted
            );
            return Ok(());
        }
    }
    // Anything else in the tables (another size, another seed, a load cut short) goes.
    for table in ["bench_meta", "settings", "settings_groups"] {
        session
            .query_unpaged(format!("TRUNCATE {ks}.{table}"), &[])
            .await
            .with_context(|| format!("TRUNCATE {ks}.{table}"))?;
    }

    let gen = Generator::new(args.seed, args.settings, args.planted);
    let started = Instant::now();

    let mut insert_group = session
        .prepare(format!(
            "INSERT INTO {ks}.settings_groups (owner_id, group_name, display_name, key_attribute) VALUES (?, ?, ?, ?)"
        ))
        .await?;
    insert_group.set_consistency(Consistency::One);
    let groups: Vec<(String, &str, &str, &str)> = (0..gen.agents)
        .flat_map(|a| {
            let owner = gen.owner_id(a);
            [
                (owner.clone(), FAVORITES, "Personal favorites", "id"),
                (owner.clone(), RECENT_CONTACTS, "Recent contacts", "id"),
                (owner, RECENTS, "Recents", "name"),
            ]
        })
        .collect();
    stream::iter(groups)
        .map(|row| execute(&session, &insert_group, row))
        .buffer_unordered(args.concurrency.max(1))
        .collect::<Vec<Result<()>>>()
        .await
        .into_iter()
        .collect::<Result<()>>()?;

    let mut insert = session
        .prepare(format!(
            "INSERT INTO {ks}.settings (owner_id, group_name, setting_key, value) VALUES (?, ?, ?, ?)"
        ))
        .await?;
    insert.set_consistency(Consistency::One);
    let insert = Arc::new(insert);
    let written = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let planted = Arc::new(AtomicU64::new(0));
    let reporter = {
        let written = written.clone();
        let total = args.settings;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let n = written.load(Ordering::Relaxed);
                let s = started.elapsed().as_secs_f64();
                eprintln!(
                    "  {n}/{total} settings, {:.0} rows/s",
                    n as f64 / s.max(0.001)
                );
            }
        })
    };
    let results = stream::iter(0..args.settings)
        .map(|k| {
            let setting = gen.setting(k);
            bytes.fetch_add(setting.value.len() as u64, Ordering::Relaxed);
            if setting.planted {
                planted.fetch_add(1, Ordering::Relaxed);
            }
            let insert = insert.clone();
            let written = written.clone();
            let session = &session;
            async move {
                execute(
                    session,
                    &insert,
                    (setting.owner, setting.group, setting.key, setting.value),
                )
                .await?;
                written.fetch_add(1, Ordering::Relaxed);
                Ok::<(), anyhow::Error>(())
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .fold(Ok(()), |acc: Result<()>, r| async move { acc.and(r) })
        .await;
    reporter.abort();
    results?;
    let elapsed = started.elapsed().as_secs_f64();
    let n = written.load(Ordering::Relaxed);
    let planted = planted.load(Ordering::Relaxed);
    if planted != args.planted {
        bail!(
            "internal error: planted {planted} settings, expected {}",
            args.planted
        );
    }

    session
        .query_unpaged(
            format!(
                "INSERT INTO {ks}.bench_meta (name, settings, seed, planted, agents, value_bytes, loaded_at) \
                 VALUES ('settings', ?, ?, ?, ?, ?, toTimestamp(now()))"
            ),
            (
                n as i64,
                args.seed as i64,
                planted as i64,
                gen.agents as i64,
                bytes.load(Ordering::Relaxed) as i64,
            ),
        )
        .await
        .context("writing the bench_meta marker")?;
    println!(
        "{ks}: loaded {n} settings ({} agents, {planted} planted, {:.0} bytes/value on average) in {elapsed:.1} s: {:.0} rows/s",
        gen.agents,
        bytes.load(Ordering::Relaxed) as f64 / n.max(1) as f64,
        n as f64 / elapsed.max(0.001)
    );
    Ok(())
}

async fn create_schema(session: &Session, ks: &str) -> Result<()> {
    for cql in [
        format!(
            "CREATE KEYSPACE IF NOT EXISTS {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {ks}.settings_groups (owner_id text, group_name text, \
             display_name text, key_attribute text, PRIMARY KEY ((owner_id), group_name))"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {ks}.settings (owner_id text, group_name text, \
             setting_key text, value text, PRIMARY KEY ((owner_id, group_name), setting_key))"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {ks}.bench_meta (name text PRIMARY KEY, settings bigint, \
             seed bigint, planted bigint, agents bigint, value_bytes bigint, loaded_at timestamp)"
        ),
    ] {
        session
            .query_unpaged(cql.clone(), &[])
            .await
            .with_context(|| cql)?;
    }
    session
        .await_schema_agreement()
        .await
        .context("schema agreement")?;
    Ok(())
}

/// The number of settings recorded by a finished load with the same arguments, if any.
async fn loaded_marker(session: &Session, args: &Args) -> Result<Option<i64>> {
    let rows = session
        .query_unpaged(
            format!(
                "SELECT settings, seed, planted FROM {}.bench_meta WHERE name = 'settings'",
                args.keyspace
            ),
            &[],
        )
        .await?
        .into_rows_result()?;
    let marker = rows.maybe_first_row::<(Option<i64>, Option<i64>, Option<i64>)>()?;
    Ok(match marker {
        Some((Some(n), Some(seed), Some(planted)))
            if n == args.settings as i64
                && seed == args.seed as i64
                && planted == args.planted as i64 =>
        {
            Some(n)
        }
        _ => None,
    })
}

/// One write, retried a few times: a 2-core node under full write load times out now and then.
async fn execute<V>(session: &Session, statement: &PreparedStatement, values: V) -> Result<()>
where
    V: scylla::serialize::row::SerializeRow,
{
    let mut attempt = 0;
    loop {
        match session.execute_unpaged(statement, &values).await {
            Ok(_) => return Ok(()),
            Err(e) if attempt < 5 => {
                attempt += 1;
                eprintln!("  write failed ({e}), retry {attempt}");
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            Err(e) => return Err(e).context("insert failed after 6 attempts"),
        }
    }
}

/// SplitMix64: tiny, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn range(&mut self, lo: u64, hi_incl: u64) -> u64 {
        lo + self.below(hi_incl - lo + 1)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Ava",
    "Elijah",
    "Sophia",
    "Mateo",
    "Isabella",
    "Lucas",
    "Mia",
    "Levi",
    "Charlotte",
    "Ezra",
    "Harper",
    "Asher",
    "Evelyn",
    "James",
    "Chloe",
    "Hugo",
    "Louise",
    "Jules",
    "Ines",
    "Arthur",
    "Lea",
    "Gabriel",
    "Manon",
    "Raphael",
];
const LAST: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez",
    "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson",
    "White", "Harris", "Dubois", "Lefebvre", "Moreau", "Fournier", "Girard", "Bonnet", "Mercier",
    "Lambert", "Fontaine", "Rousseau",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "corp.example.org",
];
const CATEGORIES: &[&str] = &["Customers", "Partners", "Suppliers", "Colleagues", "VIP"];
const MEDIA: &[&str] = &["voice", "email", "chat", "sms"];
const AREA_CODES: &[&str] = &["212", "312", "415", "617", "702", "305", "206", "512"];
const WORDS: &[&str] = &[
    "called",
    "about",
    "the",
    "renewal",
    "of",
    "their",
    "contract",
    "asked",
    "for",
    "a",
    "callback",
    "next",
    "week",
    "prefers",
    "mornings",
    "escalated",
    "billing",
    "question",
    "follow",
    "up",
    "on",
    "delivery",
    "order",
    "pending",
    "approval",
    "from",
    "manager",
    "speaks",
    "french",
    "and",
    "english",
    "premium",
    "support",
    "customer",
    "since",
    "long",
];

/// The subject's e-mail as written in planted settings.
const EMAIL_SPELLINGS: &[&str] = &[
    "bench.subject@pizza.com",
    "Bench.Subject@Pizza.com",
    "BENCH.SUBJECT@PIZZA.COM",
    "Bench Subject <bench.subject@pizza.com>",
    "mailto:Bench.Subject@pizza.com",
    "bench.subject@PIZZA.com",
    "?to=bench.subject@pizza.com",
];
/// The subject's phone as written in planted settings.
const PHONE_SPELLINGS: &[&str] = &[
    "+15550100999",
    "+1 555 010 0999",
    "+1 (555) 010-0999",
    "+1.555.010.0999",
    "001 555 010 0999",
    "15550100999",
];

struct Setting {
    owner: String,
    group: &'static str,
    key: String,
    value: String,
    planted: bool,
}

struct Generator {
    seed: u64,
    settings: u64,
    planted: u64,
    agents: u64,
}

impl Generator {
    fn new(seed: u64, settings: u64, planted: u64) -> Self {
        Generator {
            seed,
            settings,
            planted,
            agents: (settings / SETTINGS_PER_AGENT).max(1),
        }
    }

    fn rng(&self, domain: u64, k: u64) -> Rng {
        let mut r = Rng(self.seed ^ domain.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        r.0 ^= k.wrapping_mul(0xA076_1D64_78BD_642F);
        r.next();
        r
    }

    fn owner_id(&self, agent: u64) -> String {
        let mut r = self.rng(1, agent);
        format!("{:016x}{:016x}", r.next(), r.next())
    }

    /// Which plant (0..planted) setting `k` carries, if any: one setting at a seeded offset in
    /// each of `planted` equal strides.
    fn plant_of(&self, k: u64) -> Option<u64> {
        if self.planted == 0 {
            return None;
        }
        let stride = self.settings / self.planted;
        let i = k / stride;
        if i >= self.planted {
            return None;
        }
        (k == i * stride + self.rng(2, i).below(stride)).then_some(i)
    }

    fn setting(&self, k: u64) -> Setting {
        let agent = k % self.agents;
        let slot = k / self.agents;
        let mut r = self.rng(3, k);
        let plant = self.plant_of(k);
        let owner = self.owner_id(agent);
        let target = r.range(300, 600) as usize;
        let (group, key, mut value) = if slot == 0 {
            let entries: Vec<Value> = (0..r.range(2, 3))
                .map(|_| {
                    let (first, last) = name(&mut r);
                    json!({
                        "displayName": format!("{first} {last}"),
                        "phoneNumber": phone(&mut r),
                        "emailAddress": email(&mut r, first, last),
                        "lastUsed": timestamp(&mut r),
                    })
                })
                .collect();
            let mut v = json!({ "name": "recent-list", "entries": entries });
            if let Some(i) = plant {
                let e = &mut v["entries"][1];
                e["displayName"] = json!("Bench Subject");
                e["emailAddress"] = json!(EMAIL_SPELLINGS[i as usize % EMAIL_SPELLINGS.len()]);
                if i % 2 == 0 {
                    e["phoneNumber"] = json!(PHONE_SPELLINGS[i as usize % PHONE_SPELLINGS.len()]);
                }
            }
            (RECENTS, "recent-list".to_string(), v)
        } else if slot % 2 == 1 {
            let id = format!("fav-{:016x}", r.next());
            let (first, last) = name(&mut r);
            let phones: Vec<String> = (0..r.range(1, 3)).map(|_| phone(&mut r)).collect();
            let emails: Vec<String> = (0..r.range(1, 2))
                .map(|_| email(&mut r, first, last))
                .collect();
            let mut v = json!({
                "id": id,
                "displayName": format!("{first} {last}"),
                "firstName": first,
                "lastName": last,
                "category": r.pick(CATEGORIES),
                "phoneNumbers": phones,
                "emailAddresses": emails,
            });
            if let Some(i) = plant {
                v["displayName"] = json!("Bench Subject");
                v["firstName"] = json!("Bench");
                v["lastName"] = json!("Subject");
                v["emailAddresses"][0] = json!(EMAIL_SPELLINGS[i as usize % EMAIL_SPELLINGS.len()]);
                if i % 2 == 0 {
                    v["phoneNumbers"][0] =
                        json!(PHONE_SPELLINGS[i as usize % PHONE_SPELLINGS.len()]);
                }
            }
            (FAVORITES, id, v)
        } else {
            let id = format!("rc-{:016x}", r.next());
            let (first, last) = name(&mut r);
            let mut v = json!({
                "id": id,
                "displayName": format!("{first} {last}"),
                "phoneNumber": phone(&mut r),
                "emailAddress": email(&mut r, first, last),
                "lastUsed": timestamp(&mut r),
                "mediaType": r.pick(MEDIA),
            });
            if let Some(i) = plant {
                v["displayName"] = json!("Bench Subject");
                v["emailAddress"] = json!(EMAIL_SPELLINGS[i as usize % EMAIL_SPELLINGS.len()]);
                if i % 2 == 0 {
                    v["phoneNumber"] = json!(PHONE_SPELLINGS[i as usize % PHONE_SPELLINGS.len()]);
                }
            }
            (RECENT_CONTACTS, id, v)
        };
        // Agents' notes bring values to the 300-600 bytes of real settings.
        let bare = value.to_string().len();
        if bare + 12 < target {
            let mut notes = String::new();
            while bare + 12 + notes.len() < target {
                if !notes.is_empty() {
                    notes.push(' ');
                }
                notes.push_str(r.pick(WORDS));
            }
            value["notes"] = json!(notes);
        }
        Setting {
            owner,
            group,
            key,
            value: value.to_string(),
            planted: plant.is_some(),
        }
    }
}

fn name(r: &mut Rng) -> (&'static str, &'static str) {
    (r.pick(FIRST), r.pick(LAST))
}

/// Fictional numbers only: US 555-01xx in real area codes, UK 020 7946 0xxx.
fn phone(r: &mut Rng) -> String {
    if r.below(3) == 0 {
        format!("+44 20 7946 0{:03}", r.below(1000))
    } else {
        format!("+1 {} 555 01{:02}", r.pick(AREA_CODES), r.below(100))
    }
}

fn email(r: &mut Rng, first: &str, last: &str) -> String {
    format!(
        "{}.{}{}@{}",
        first.to_lowercase(),
        last.to_lowercase(),
        r.below(100),
        r.pick(DOMAINS)
    )
}

fn timestamp(r: &mut Rng) -> String {
    format!(
        "2025-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        r.range(1, 12),
        r.range(1, 28),
        r.below(24),
        r.below(60),
        r.below(60)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plants_exactly_the_requested_number() {
        for (n, p) in [(1000, 100), (1003, 7), (50, 50), (100, 0)] {
            let g = Generator::new(7, n, p);
            let planted = (0..n).filter(|&k| g.setting(k).planted).count() as u64;
            assert_eq!(planted, p, "n={n} p={p}");
        }
    }

    #[test]
    fn planted_settings_hold_the_email_and_filler_never_does() {
        let g = Generator::new(7, 20_000, 100);
        for k in 0..20_000 {
            let s = g.setting(k);
            let lower = s.value.to_lowercase();
            assert_eq!(lower.contains(SUBJECT_EMAIL), s.planted, "{}", s.value);
            if !s.planted {
                assert!(!s.value.contains("010 0999") && !s.value.contains("0100999"));
            }
        }
    }

    #[test]
    fn values_are_realistic_json_of_300_to_600_bytes_and_deterministic() {
        let g = Generator::new(7, 10_000, 10);
        let mut sizes = Vec::new();
        for k in 0..10_000 {
            let s = g.setting(k);
            let v: Value = serde_json::from_str(&s.value).unwrap();
            assert!(v.is_object());
            sizes.push(s.value.len());
            assert_eq!(s.value, g.setting(k).value);
        }
        let in_range = sizes.iter().filter(|&&n| (290..=620).contains(&n)).count();
        assert!(in_range * 100 >= sizes.len() * 95, "{in_range}");
    }

    #[test]
    fn keys_are_unique_per_partition() {
        let g = Generator::new(7, 5_000, 10);
        let mut seen = std::collections::HashSet::new();
        for k in 0..5_000 {
            let s = g.setting(k);
            assert!(seen.insert((s.owner, s.group, s.key)));
        }
    }
}
