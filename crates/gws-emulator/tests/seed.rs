//! The seeder: what it writes through the API is what the API and the `settings` table give
//! back, subjects are planted exactly where it says, filler never contains a subject, and the
//! same seed gives the same data.

use std::collections::BTreeMap;

use gws_emulator::seed::{self, agents_of, generate, Agent, SeedPlan};
use gws_emulator::{demo_subjects, SeededData, Subject, CONTACT_CENTER};
use serde_json::Value;
use testkit::*;

/// The value at a simple JSONPath (`$.a`, `$.a[2]`, `$.a[2].b`).
fn at_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    let rest = path.strip_prefix('$')?;
    for part in rest.split('.').filter(|p| !p.is_empty()) {
        let (name, idx) = match part.split_once('[') {
            Some((n, i)) => (n, Some(i.trim_end_matches(']').parse::<usize>().ok()?)),
            None => (part, None),
        };
        cur = cur.get(name)?;
        if let Some(i) = idx {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

/// Every string in a JSON value with its path.
fn strings(v: &Value, path: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((path, s.clone())),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| strings(x, format!("{path}[{i}]"), out)),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| strings(x, format!("{path}.{k}"), out)),
        _ => {}
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Whether a string holds the subject: the e-mail in any case, or (in a string without
/// letters, i.e. a phone number rather than an id or a timestamp) the phone's last 9 digits in
/// any punctuation.
fn mentions(text: &str, s: &Subject) -> bool {
    let d = digits(&s.phone_e164);
    let nsn = &d[d.len() - 9..];
    text.to_lowercase().contains(&s.email.to_lowercase())
        || (!text.chars().any(|c| c.is_alphabetic()) && digits(text).contains(nsn))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_data_reads_back_through_the_api_and_from_cassandra() {
    let ks = unique_keyspace("emu_seed");
    let emu = start_emulator(&ks).await;
    let cql = cassandra_session(Some(&ks)).await;

    // Empty keyspace to start with.
    let count = cql
        .query_unpaged("SELECT COUNT(*) FROM settings", &[])
        .await
        .unwrap()
        .into_rows_result()
        .unwrap()
        .first_row::<(i64,)>()
        .unwrap()
        .0;
    assert_eq!(count, 0);

    let subjects = demo_subjects();
    let data = seed_small(&emu, &subjects).await;
    assert_eq!(data.agents.len(), 4);
    assert_eq!(data.groups.len(), 1 + 4 * 3);

    // Grouped as the table is: per (owner, group), ordered by setting key.
    let mut expected: BTreeMap<(String, String), BTreeMap<String, &seed::SeededSetting>> =
        BTreeMap::new();
    for s in &data.settings {
        let prev = expected
            .entry((s.owner_id.clone(), s.group.clone()))
            .or_default()
            .insert(s.setting_key.clone(), s);
        assert!(prev.is_none(), "duplicate key {}", s.setting_key);
    }
    assert_eq!(
        expected.len(),
        data.groups.len(),
        "every group has settings"
    );

    let admin = admin_client(&emu);
    for ((owner, group), by_key) in &expected {
        let rows = settings_rows(&cql, &ks, owner, group).await;
        let want: Vec<(String, String)> = by_key
            .iter()
            .map(|(k, s)| (k.clone(), s.value_text.clone()))
            .collect();
        assert_eq!(rows, want, "Cassandra rows of {owner}/{group}");

        let path = if owner == CONTACT_CENTER {
            format!("/settings/{group}")
        } else {
            format!("/users/{owner}/settings/{group}")
        };
        let r = admin.get(&path).await.unwrap();
        assert!(r.is_ok(), "GET {path}");
        let want: Vec<Value> = by_key.values().map(|s| s.value.clone()).collect();
        assert_eq!(r.body["settings"], Value::Array(want), "API read of {path}");
    }

    // The agents' group catalogue, through the API.
    let a = &data.agents[0].id;
    let r = admin.get(&format!("/users/{a}/settings")).await.unwrap();
    let mut names: Vec<String> = r.body["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "{}:{}",
                g["name"].as_str().unwrap(),
                g["key"].as_str().unwrap()
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "interaction-workspace-personal-favorites:id",
            "interaction-workspace-recent-contacts:id",
            "interaction-workspace-recents:name"
        ]
    );

    // Planted locations: each path holds the recorded spelling, which mentions the subject
    // and is not simply the canonical form where a variant was promised.
    for p in &data.planted {
        assert!(p.locations.len() >= 5, "{:?}", p.subject);
        for l in &p.locations {
            let s = expected[&(l.owner_id.clone(), l.group.clone())][&l.setting_key];
            let v = at_path(&s.value, &l.json_path).unwrap_or_else(|| panic!("no {}", l.json_path));
            assert_eq!(v.as_str(), Some(l.text.as_str()), "{l:?}");
            assert!(mentions(&l.text, &p.subject), "{l:?}");
        }
        let spellings: std::collections::HashSet<&str> =
            p.locations.iter().map(|l| l.text.as_str()).collect();
        assert!(spellings.len() >= 4, "varied spellings: {spellings:?}");
    }
    let first = &data.planted[0];
    assert!(first.locations.iter().any(|l| l.owner_id == CONTACT_CENTER));
    assert!(data.planted[1]
        .locations
        .iter()
        .all(|l| l.owner_id != CONTACT_CENTER));
    assert!(first
        .locations
        .iter()
        .any(|l| l.group == seed::RECENTS && l.json_path.starts_with("$.entries[")));

    // Seeding sent no DELETE at all, and every modification carried a body.
    let rec = emu.recorded_requests();
    assert!(rec.iter().all(|r| r.method != "DELETE"));
    assert!(rec.iter().filter(|r| r.method != "GET").all(|r| r.has_body));

    emu.shutdown().await;
    drop_keyspace(&ks).await;
}

/// The planted locations are the *only* places a subject appears.
fn assert_subjects_only_where_planted(data: &SeededData) {
    for p in &data.planted {
        let mut found = Vec::new();
        for s in &data.settings {
            let mut all = Vec::new();
            strings(&s.value, "$".to_string(), &mut all);
            for (path, text) in all {
                if mentions(&text, &p.subject) {
                    found.push((
                        s.owner_id.clone(),
                        s.group.clone(),
                        s.setting_key.clone(),
                        path,
                    ));
                }
            }
        }
        found.sort();
        let mut want: Vec<_> = p
            .locations
            .iter()
            .map(|l| {
                (
                    l.owner_id.clone(),
                    l.group.clone(),
                    l.setting_key.clone(),
                    l.json_path.clone(),
                )
            })
            .collect();
        want.sort();
        assert_eq!(found, want, "{:?}", p.subject);
    }
}

fn many_agents(n: usize) -> Vec<Agent> {
    (0..n)
        .map(|i| Agent {
            id: format!("{i:032x}"),
            user_name: format!("agent{}@pizza.com", i + 1),
        })
        .collect()
}

#[test]
fn filler_never_contains_a_subject_and_generation_is_deterministic() {
    let subjects = vec![
        demo_subjects()[0].clone(),
        demo_subjects()[1].clone(),
        // Inside the very ranges the filler draws from.
        Subject::new("jose.garcia@example.com", "+12025550142"),
        Subject::new("Zoe.Kim@Example.org", "+442079460958"),
    ];
    let agents = many_agents(300);
    let plan = SeedPlan::new(2024).with_subjects(subjects.clone());
    let a = generate(&plan, &agents);
    assert_subjects_only_where_planted(&a);
    assert_eq!(a, generate(&plan, &agents), "same seed, same data");
    let b = generate(&SeedPlan::new(2025).with_subjects(subjects), &agents);
    assert_ne!(a.settings, b.settings, "another seed, other data");

    // An agent's data does not depend on how many agents follow it.
    let small = generate(&SeedPlan::new(2024), &agents[..10]);
    let large = generate(&SeedPlan::new(2024), &agents);
    let of = |d: &SeededData, owner: &str| -> Vec<_> {
        d.settings
            .iter()
            .filter(|s| s.owner_id == owner)
            .cloned()
            .collect()
    };
    assert_eq!(of(&small, &agents[3].id), of(&large, &agents[3].id));

    // Realistic variety: accents, Name <e-mail>, punctuated phones.
    let text: String = a.settings.iter().map(|s| s.value_text.as_str()).collect();
    for needle in [
        "José",
        "Zoë",
        "Björk",
        " <",
        "+1 (",
        "+44 (0)20 7946 0",
        ".555.01",
    ] {
        assert!(text.contains(needle), "no {needle:?} in the filler");
    }
}

/// Both favorite shapes are seeded: the project's own, and the one Genesys's Workspace agent
/// simulator stores (`"type": "custom-contact"`, a UUID id, `favoriteDisplayName`), which
/// also holds every subject's first planted favorite.
#[test]
fn favorites_come_in_both_shapes_including_workspaces_own() {
    let data = generate(&SeedPlan::new(7), &many_agents(40));
    let favorites: Vec<Value> = data
        .settings
        .iter()
        .filter(|s| s.group == "interaction-workspace-personal-favorites")
        .map(|s| serde_json::from_str(&s.value_text).expect("JSON"))
        .collect();
    let is_uuid = |id: &str| {
        let parts: Vec<&str> = id.split('-').collect();
        parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
            && parts[2].starts_with('4')
    };
    let workspace: Vec<&Value> = favorites
        .iter()
        .filter(|f| f["type"] == "custom-contact")
        .collect();
    for f in &workspace {
        assert!(is_uuid(f["id"].as_str().unwrap()), "{f}");
        let expected = format!(
            "{} {}",
            f["firstName"].as_str().unwrap(),
            f["lastName"].as_str().unwrap()
        );
        assert_eq!(f["favoriteDisplayName"], expected.as_str());
        assert!(f["phoneNumbers"].is_array() && f["emailAddresses"].is_array());
        assert!(f.get("displayName").is_none(), "{f}");
    }
    let legacy = favorites.len() - workspace.len();
    assert!(
        workspace.len() * 4 > favorites.len() && legacy * 4 > favorites.len(),
        "{} of {} favorites in the Workspace shape",
        workspace.len(),
        favorites.len()
    );
    for p in &data.planted {
        let first = p
            .locations
            .iter()
            .find(|l| l.group == "interaction-workspace-personal-favorites" && l.kind == "email")
            .expect("a planted favorite");
        let setting = data
            .settings
            .iter()
            .find(|s| s.owner_id == first.owner_id && s.setting_key == first.setting_key)
            .expect("its setting");
        let v: Value = serde_json::from_str(&setting.value_text).unwrap();
        assert_eq!(v["type"], "custom-contact");
        assert!(is_uuid(&first.setting_key));
    }
}

#[test]
fn few_agents_still_get_every_planting() {
    let subjects = demo_subjects();
    let data = generate(&SeedPlan::new(1).with_subjects(subjects), &many_agents(1));
    assert_subjects_only_where_planted(&data);
    assert_eq!(data.planted[0].locations.len(), 7);
    assert_eq!(data.planted[1].locations.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_seed_writes_the_same_rows() {
    let (ks1, ks2) = (unique_keyspace("emu_det_a"), unique_keyspace("emu_det_b"));
    let (e1, e2) = (start_emulator(&ks1).await, start_emulator(&ks2).await);
    let subjects = demo_subjects();
    let d1 = seed_small(&e1, &subjects).await;
    let d2 = seed_small(&e2, &subjects).await;
    assert_eq!(d1, d2);
    let agents = agents_of(&test_users(), Some(4));
    assert_eq!(
        d1,
        generate(&SeedPlan::new(42).with_subjects(subjects), &agents)
    );

    let cql = cassandra_session(None).await;
    let dump = |ks: String| {
        let cql = &cql;
        async move {
            let rows = cql
                .query_unpaged(
                    format!("SELECT owner_id, group_name, setting_key, value FROM {ks}.settings"),
                    &[],
                )
                .await
                .unwrap()
                .into_rows_result()
                .unwrap();
            let mut v: Vec<(String, String, String, String)> =
                rows.rows().unwrap().collect::<Result<_, _>>().unwrap();
            v.sort();
            v
        }
    };
    let (r1, r2) = (dump(ks1.clone()).await, dump(ks2.clone()).await);
    assert_eq!(r1.len(), d1.settings.len());
    assert_eq!(r1, r2);

    // Re-seeding the same keyspace is idempotent.
    let again = seed_small(&e1, &demo_subjects()).await;
    assert_eq!(again, d1);
    assert_eq!(dump(ks1.clone()).await, r1);

    e1.shutdown().await;
    e2.shutdown().await;
    drop_keyspace(&ks1).await;
    drop_keyspace(&ks2).await;
}
