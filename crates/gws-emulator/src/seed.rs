//! The seeder: realistic, deterministic Workspace data, written through the HTTP API only.
//!
//! Data is first *generated* ([`generate`], a pure function of the plan and the agents), then
//! *written* ([`seed`]) as the admin through `/api/v2`, exactly as WWE and GWS would have
//! stored it. Generating first keeps the output independent of the order in which concurrent
//! requests complete, so the same seed always gives the same data.
//!
//! Per agent:
//! - `interaction-workspace-personal-favorites` (key `id`): one setting per favorite, in one of
//!   two shapes: `{"id":"fav-…","displayName","firstName","lastName","category","phoneNumbers":[…],"emailAddresses":[…]}`,
//!   or the shape of Genesys's own Workspace agent simulator,
//!   `{"type":"custom-contact","id":"<uuid>","firstName","lastName","phoneNumbers":[…],"emailAddresses":[…],"favoriteDisplayName","category"}`
//!   (half the filler favorites, and every subject's first planted favorite);
//! - `interaction-workspace-recent-contacts` (key `id`): one setting per recent contact,
//!   `{"id":"rc-…","displayName","phoneNumber","emailAddress","lastUsed","mediaType"}`;
//! - `interaction-workspace-recents` (key `name`): one setting
//!   `{"name":"recent-list","entries":[{"displayName","phoneNumber","emailAddress","lastUsed"},…]}`.
//!
//! At contact-center level, `interaction-workspace-corporate-favorites` (key `id`) holds a few
//! corporate favorites.
//!
//! Planted subjects: each [`Subject`] is written into known places in varied spellings, and
//! [`SeededData::planted`] lists every place (owner, group, setting key, JSON path), so tests
//! can compare a search's findings exactly. Filler data comes from fictional ranges (US
//! 555-01xx, UK 020 7946 0xxx, `example.*` domains) and is checked never to contain a subject.

use std::collections::HashSet;

use futures::{stream, StreamExt, TryStreamExt};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::{ApiClient, ClientError};
use crate::store::CONTACT_CENTER;
use crate::users::{Role, UsersFile};

pub const PERSONAL_FAVORITES: &str = "interaction-workspace-personal-favorites";
pub const RECENT_CONTACTS: &str = "interaction-workspace-recent-contacts";
pub const RECENTS: &str = "interaction-workspace-recents";
pub const CORPORATE_FAVORITES: &str = "interaction-workspace-corporate-favorites";
/// The key (`name`) of the single setting in the recents group.
pub const RECENT_LIST_NAME: &str = "recent-list";

/// A data subject to plant: an e-mail address and a phone number in E.164.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Subject {
    pub email: String,
    pub phone_e164: String,
}

impl Subject {
    pub fn new(email: &str, phone_e164: &str) -> Self {
        Subject {
            email: email.to_string(),
            phone_e164: phone_e164.to_string(),
        }
    }
}

/// The demo's subjects: one US, one GB.
pub fn demo_subjects() -> Vec<Subject> {
    vec![
        Subject::new("john.smith@pizza.com", "+15550100001"),
        Subject::new("emma.jones@pizza.co.uk", "+442079460123"),
    ]
}

/// What to seed.
#[derive(Clone, Debug)]
pub struct SeedPlan {
    pub seed: u64,
    pub subjects: Vec<Subject>,
    /// Inclusive ranges of filler items per agent.
    pub favorites_per_agent: (usize, usize),
    pub recent_contacts_per_agent: (usize, usize),
    pub recents_entries_per_agent: (usize, usize),
    pub corporate_favorites: usize,
    /// Agents seeded at once.
    pub concurrency: usize,
}

impl SeedPlan {
    /// Defaults: 2–6 favorites, 1–4 recent contacts, 2–8 recents entries per agent, 4
    /// corporate favorites, 16 agents in flight, no subjects.
    pub fn new(seed: u64) -> Self {
        SeedPlan {
            seed,
            subjects: Vec::new(),
            favorites_per_agent: (2, 6),
            recent_contacts_per_agent: (1, 4),
            recents_entries_per_agent: (2, 8),
            corporate_favorites: 4,
            concurrency: 16,
        }
    }

    pub fn with_subjects(mut self, subjects: Vec<Subject>) -> Self {
        self.subjects = subjects;
        self
    }
}

/// An agent to seed for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub id: String,
    pub user_name: String,
}

/// A group created by the seeder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeededGroup {
    pub owner_id: String,
    pub name: String,
    pub display_name: String,
    pub key_attribute: String,
}

/// A setting created by the seeder; `value_text` is the exact body POSTed (and so the exact
/// text of `settings.value`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeededSetting {
    pub owner_id: String,
    pub group: String,
    pub key_attribute: String,
    pub setting_key: String,
    pub value: Value,
    pub value_text: String,
}

/// One place where a subject was planted.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct PlantedLocation {
    pub owner_id: String,
    pub group: String,
    pub setting_key: String,
    /// JSONPath of the string holding the subject, e.g. `$.entries[2].phoneNumber`.
    pub json_path: String,
    /// `email` or `phone`.
    pub kind: String,
    /// The string at that path, as written (the varied spelling).
    pub text: String,
}

/// A subject and every place it was planted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantedSubject {
    pub subject: Subject,
    pub locations: Vec<PlantedLocation>,
}

/// Everything the seeder created.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeededData {
    pub seed: u64,
    pub agents: Vec<Agent>,
    pub groups: Vec<SeededGroup>,
    pub settings: Vec<SeededSetting>,
    pub planted: Vec<PlantedSubject>,
}

impl SeededData {
    /// The settings of one owner's group, in creation order.
    pub fn settings_of<'a>(
        &'a self,
        owner_id: &'a str,
        group: &'a str,
    ) -> impl Iterator<Item = &'a SeededSetting> + 'a {
        self.settings
            .iter()
            .filter(move |s| s.owner_id == owner_id && s.group == group)
    }
}

// ---------------------------------------------------------------------------------------------
// Spellings of planted subjects
// ---------------------------------------------------------------------------------------------

/// The same e-mail address in mixed case: `John.Smith@Pizza.COM`.
pub fn email_mixed_case(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let local: Vec<String> = local.split('.').map(capitalize).collect();
    let labels: Vec<&str> = domain.split('.').collect();
    let domain: Vec<String> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == labels.len() {
                l.to_uppercase()
            } else {
                capitalize(l)
            }
        })
        .collect();
    let out = format!("{}@{}", local.join("."), domain.join("."));
    if out == email {
        email.to_uppercase()
    } else {
        out
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `John Smith <john.smith@pizza.com>`: an e-mail address inside a longer string.
pub fn email_with_name(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    let name: Vec<String> = local
        .split(['.', '_', '-'])
        .filter(|p| !p.is_empty())
        .map(capitalize)
        .collect();
    format!("{} <{email}>", name.join(" "))
}

/// Spellings of an E.164 number as people type them. US (+1) and GB London (+44 20) get their
/// national conventions; other numbers get generic groupings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneSpellings {
    pub e164: String,
    /// `+1 (555) 010-1234`, `+44 (0)20 7946 0958`.
    pub punctuated: String,
    /// `555.010.1234`, `020 7946 0958`.
    pub national: String,
    /// `(555) 010-1234`, `+44 20 7946 0958`.
    pub alternate: String,
}

pub fn phone_spellings(e164: &str) -> PhoneSpellings {
    let d: String = e164.chars().filter(char::is_ascii_digit).collect();
    let e164 = format!("+{d}");
    if d.len() == 11 && d.starts_with('1') {
        let (a, e, l) = (&d[1..4], &d[4..7], &d[7..11]);
        return PhoneSpellings {
            e164,
            punctuated: format!("+1 ({a}) {e}-{l}"),
            national: format!("{a}.{e}.{l}"),
            alternate: format!("({a}) {e}-{l}"),
        };
    }
    if d.len() == 12 && d.starts_with("4420") {
        let (x, y) = (&d[4..8], &d[8..12]);
        return PhoneSpellings {
            e164,
            punctuated: format!("+44 (0)20 {x} {y}"),
            national: format!("020 {x} {y}"),
            alternate: format!("+44 20 {x} {y}"),
        };
    }
    if d.starts_with("44") && d.len() > 6 {
        let rest = &d[2..];
        let (a, b) = rest.split_at(4.min(rest.len()));
        return PhoneSpellings {
            e164,
            punctuated: format!("+44 (0){a} {b}"),
            national: format!("0{a} {b}"),
            alternate: format!("+44 {a} {b}"),
        };
    }
    let grouped: Vec<String> = d
        .as_bytes()
        .chunks(3)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    PhoneSpellings {
        punctuated: format!("+{}", grouped.join(" ")),
        national: grouped.join("-"),
        alternate: format!("+{}", grouped.join(".")),
        e164,
    }
}

// ---------------------------------------------------------------------------------------------
// Filler
// ---------------------------------------------------------------------------------------------

const FIRST_NAMES: &[&str] = &[
    "José",
    "Zoë",
    "Björk",
    "François",
    "Søren",
    "Łukasz",
    "María",
    "Chloé",
    "Renée",
    "Jürgen",
    "Siobhán",
    "Ngozi",
    "Aiko",
    "Wei",
    "Fatima",
    "Liam",
    "Olivia",
    "Noah",
    "Amélie",
    "Ömer",
    "Priya",
    "Mateus",
    "Ingrid",
    "Dmitri",
    "Nuno",
    "Grace",
    "Kofi",
    "Élodie",
    "Håkon",
    "Lucía",
];
const LAST_NAMES: &[&str] = &[
    "García",
    "Müller",
    "O'Brien",
    "Nguyen",
    "Kowalski",
    "Dubois",
    "Guðmundsdóttir",
    "Rossi",
    "Øvergaard",
    "Yamamoto",
    "Okafor",
    "Fernández",
    "Brontë",
    "Schäfer",
    "Novák",
    "Lindqvist",
    "Haddad",
    "Patel",
    "Ó Briain",
    "Costa",
    "Walsh",
    "Petrov",
    "Santos",
    "Moreau",
    "Kim",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "mail.example",
    "corp.example.co.uk",
];
const CATEGORIES: &[&str] = &["Customers", "VIP", "Suppliers", "Partners", "Escalations"];
const US_AREAS: &[&str] = &["202", "212", "312", "415", "617", "713", "305", "206"];

/// ASCII fold of the few accented letters used above, for e-mail local parts.
fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            Some(match c {
                'á' | 'à' | 'â' | 'ä' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'í' | 'ï' => 'i',
                'ó' | 'ö' | 'ø' | 'Ø' | 'Ó' | 'Ö' => 'o',
                'ú' | 'ü' => 'u',
                'ç' => 'c',
                'ł' | 'Ł' => 'l',
                'ð' => 'd',
                'å' | 'Å' => 'a',
                'É' => 'e',
                '\'' | ' ' => return None,
                c => c,
            })
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The generator, with the subjects it must never produce by chance.
struct Filler<'a> {
    rng: ChaCha8Rng,
    subjects: &'a [Subject],
}

impl Filler<'_> {
    fn pick<'b>(&mut self, list: &[&'b str]) -> &'b str {
        list.choose(&mut self.rng).copied().expect("non-empty list")
    }

    fn range(&mut self, (lo, hi): (usize, usize)) -> usize {
        self.rng.gen_range(lo..=hi.max(lo))
    }

    fn name(&mut self) -> (String, String) {
        (
            self.pick(FIRST_NAMES).to_string(),
            self.pick(LAST_NAMES).to_string(),
        )
    }

    fn hex_id(&mut self, prefix: &str, taken: &mut HashSet<String>) -> String {
        loop {
            let id = format!("{prefix}-{:08x}", self.rng.gen::<u32>());
            if taken.insert(id.clone()) {
                return id;
            }
        }
    }

    /// A fictional phone number in a random spelling, never one of the subjects'.
    fn phone(&mut self) -> String {
        loop {
            let e164 = if self.rng.gen_bool(0.6) {
                format!(
                    "+1{}55501{:02}",
                    self.pick(US_AREAS),
                    self.rng.gen_range(0..100)
                )
            } else {
                // Ofcom's drama range: 020 7946 0000 to 0999.
                format!("+44207946{:04}", self.rng.gen_range(0..1000))
            };
            let digits = &e164[1..];
            let clash = self.subjects.iter().any(|s| {
                let sd: String = s.phone_e164.chars().filter(char::is_ascii_digit).collect();
                let tail = |x: &str| x[x.len().saturating_sub(9)..].to_string();
                sd == digits || digits.contains(&tail(&sd)) || sd.contains(&tail(digits))
            });
            if clash {
                continue;
            }
            let sp = phone_spellings(&e164);
            return match self.rng.gen_range(0..4) {
                0 => sp.e164,
                1 => sp.punctuated,
                2 => sp.national,
                _ => sp.alternate,
            };
        }
    }

    /// A fictional e-mail address, sometimes mixed case or inside `Name <...>`.
    fn email(&mut self, first: &str, last: &str) -> String {
        loop {
            let n: u32 = self.rng.gen_range(0..100);
            let local = match self.rng.gen_range(0..3) {
                0 => format!("{}.{}", ascii_fold(first), ascii_fold(last)),
                1 => format!(
                    "{}{}{n}",
                    ascii_fold(first).chars().next().unwrap_or('x'),
                    ascii_fold(last)
                ),
                _ => format!("{}_{n}", ascii_fold(last)),
            };
            let plain = format!("{local}@{}", self.pick(DOMAINS));
            let lower = plain.to_lowercase();
            if self.subjects.iter().any(|s| {
                lower.contains(&s.email.to_lowercase()) || s.email.to_lowercase().contains(&lower)
            }) {
                continue;
            }
            return match self.rng.gen_range(0..4) {
                0 => email_mixed_case(&plain),
                1 => format!("{first} {last} <{plain}>"),
                _ => plain,
            };
        }
    }

    /// An ISO-8601 UTC timestamp in 2024–2025.
    fn timestamp(&mut self) -> String {
        let secs: i64 = 1_704_067_200 + self.rng.gen_range(0..(540 * 86_400));
        iso8601(secs)
    }

    /// A random version-4 UUID, as Workspace gives the favorites it creates, checked not to
    /// hold a subject's phone digits (phone matching reads digit runs in any string).
    fn uuid(&mut self, taken: &mut HashSet<String>) -> String {
        loop {
            let b: [u8; 16] = self.rng.gen();
            let h = |r: std::ops::Range<usize>| {
                b[r].iter().map(|x| format!("{x:02x}")).collect::<String>()
            };
            // Version 4 and the RFC 4122 variant, as a real UUID carries them.
            let id = format!(
                "{}-{}-4{}-{:x}{}-{}",
                h(0..4),
                h(4..6),
                &h(6..8)[1..],
                8 | (b[8] & 3),
                &h(8..10)[1..],
                h(10..16)
            );
            let digits: String = id.chars().filter(char::is_ascii_digit).collect();
            let clash = self.subjects.iter().any(|s| {
                let sd: String = s.phone_e164.chars().filter(char::is_ascii_digit).collect();
                digits.contains(&sd[sd.len().saturating_sub(7)..])
            });
            if !clash && taken.insert(id.clone()) {
                return id;
            }
        }
    }

    /// A personal favorite, in one of the two shapes seen in the field: the one this project
    /// started with, or the shape Genesys's own Workspace agent simulator stores
    /// (`"type": "custom-contact"`, a UUID id and `favoriteDisplayName`).
    fn favorite_any_shape(&mut self, ids: &mut HashSet<String>) -> Value {
        if self.rng.gen_bool(0.5) {
            let id = self.uuid(ids);
            let (first, last) = self.name();
            let (phones, emails) = self.contact_points(&first, &last);
            workspace_favorite(&id, &first, &last, self.pick(CATEGORIES), phones, emails)
        } else {
            let id = self.hex_id("fav", ids);
            self.favorite(id)
        }
    }

    fn contact_points(&mut self, first: &str, last: &str) -> (Vec<String>, Vec<String>) {
        let phones = (0..self.rng.gen_range(1..=3))
            .map(|_| self.phone())
            .collect();
        let emails = (0..self.rng.gen_range(0..=2))
            .map(|_| self.email(first, last))
            .collect();
        (phones, emails)
    }

    fn favorite(&mut self, id: String) -> Value {
        let (first, last) = self.name();
        let (phones, emails) = self.contact_points(&first, &last);
        json!({
            "id": id,
            "displayName": format!("{first} {last}"),
            "firstName": first,
            "lastName": last,
            "category": self.pick(CATEGORIES),
            "phoneNumbers": phones,
            "emailAddresses": emails,
        })
    }

    fn recent_contact(&mut self, id: String) -> Value {
        let (first, last) = self.name();
        json!({
            "id": id,
            "displayName": format!("{first} {last}"),
            "phoneNumber": self.phone(),
            "emailAddress": self.email(&first, &last),
            "lastUsed": self.timestamp(),
            "mediaType": self.pick(&["voice", "email", "chat"]),
        })
    }

    fn recents_entry(&mut self) -> Value {
        let (first, last) = self.name();
        json!({
            "displayName": format!("{first} {last}"),
            "phoneNumber": self.phone(),
            "emailAddress": self.email(&first, &last),
            "lastUsed": self.timestamp(),
        })
    }
}

/// A personal favorite in the shape Genesys's Workspace agent simulator stores.
fn workspace_favorite(
    id: &str,
    first: &str,
    last: &str,
    category: &str,
    phones: Vec<String>,
    emails: Vec<String>,
) -> Value {
    json!({
        "type": "custom-contact",
        "id": id,
        "firstName": first,
        "lastName": last,
        "phoneNumbers": phones,
        "emailAddresses": emails,
        "favoriteDisplayName": format!("{first} {last}"),
        "category": category,
    })
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC).
fn iso8601(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .expect("seeded timestamps lie in 2024-2025")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a UTC time between years 0 and 9999 always formats")
}

/// A generator stream per (seed, purpose, index), so that one agent's data does not depend on
/// how many agents come before it.
fn rng_for(seed: u64, stream: u64, index: u64) -> ChaCha8Rng {
    let mut x = seed
        ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
    // splitmix64 finaliser
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ChaCha8Rng::seed_from_u64(x ^ (x >> 31))
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

/// The settings planned for one owner, before serialization.
struct OwnerData {
    favorites: Vec<Value>,
    recent_contacts: Vec<Value>,
    recents_entries: Vec<Value>,
}

/// Generates everything [`seed`] will write: a pure function of the plan and the agents.
pub fn generate(plan: &SeedPlan, agents: &[Agent]) -> SeededData {
    let subjects = plan.subjects.as_slice();
    let mut per_agent: Vec<OwnerData> = Vec::with_capacity(agents.len());
    let mut taken: Vec<HashSet<String>> = Vec::with_capacity(agents.len());
    let mut fillers: Vec<Filler> = Vec::with_capacity(agents.len());
    for (i, _) in agents.iter().enumerate() {
        let mut f = Filler {
            rng: rng_for(plan.seed, 1, i as u64),
            subjects,
        };
        let mut ids = HashSet::new();
        let favorites = (0..f.range(plan.favorites_per_agent))
            .map(|_| f.favorite_any_shape(&mut ids))
            .collect();
        let recent_contacts = (0..f.range(plan.recent_contacts_per_agent))
            .map(|_| {
                let id = f.hex_id("rc", &mut ids);
                f.recent_contact(id)
            })
            .collect();
        let recents_entries = (0..f.range(plan.recents_entries_per_agent))
            .map(|_| f.recents_entry())
            .collect();
        per_agent.push(OwnerData {
            favorites,
            recent_contacts,
            recents_entries,
        });
        taken.push(ids);
        fillers.push(f);
    }

    let mut corp_filler = Filler {
        rng: rng_for(plan.seed, 2, 0),
        subjects,
    };
    let mut corp_ids = HashSet::new();
    let desks = [
        "Support Desk",
        "Billing",
        "Head Office",
        "Night Shift",
        "Dispatch",
        "Franchise Line",
    ];
    let mut corporate: Vec<Value> = (0..plan.corporate_favorites)
        .map(|i| {
            let id = corp_filler.hex_id("corp", &mut corp_ids);
            json!({
                "id": id,
                "displayName": format!("Pizza {}", desks[i % desks.len()]),
                "category": "Corporate",
                "phoneNumbers": [corp_filler.phone()],
                "emailAddresses": [format!("desk{}@corp.example.com", i + 1)],
            })
        })
        .collect();

    // Planting: subject i goes to agents 4i, 4i+1, 4i+2, 4i+3 (mod the number of agents).
    let mut planted = Vec::new();
    for (si, subject) in subjects.iter().enumerate() {
        let mut locations = Vec::new();
        let phone = phone_spellings(&subject.phone_e164);
        let local = subject
            .email
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string();
        let (first, last) = local.split_once('.').unwrap_or((&local, ""));
        let (first, last) = (capitalize(first), capitalize(last));
        if !agents.is_empty() {
            let n = agents.len();
            let slot = |k: usize| (si * 4 + k) % n;

            // 1. A personal favorite in the Workspace simulator's shape, with the e-mail in
            //    different case.
            let a = slot(0);
            let f = &mut fillers[a];
            let id = f.uuid(&mut taken[a]);
            let text = email_mixed_case(&subject.email);
            let filler_phone = f.phone();
            per_agent[a].favorites.push(workspace_favorite(
                &id,
                &first,
                &last,
                "Customers",
                vec![filler_phone],
                vec![text.clone()],
            ));
            locations.push(loc(
                &agents[a].id,
                PERSONAL_FAVORITES,
                &id,
                "$.emailAddresses[0]",
                "email",
                &text,
            ));

            // 2. Another agent's favorite with a punctuated phone number.
            let b = slot(1);
            let f = &mut fillers[b];
            let id = f.hex_id("fav", &mut taken[b]);
            let filler_phone = f.phone();
            per_agent[b].favorites.push(json!({
                "id": id, "displayName": format!("{first} {last}"), "firstName": first, "lastName": last,
                "category": "VIP", "phoneNumbers": [filler_phone, phone.punctuated], "emailAddresses": [],
            }));
            locations.push(loc(
                &agents[b].id,
                PERSONAL_FAVORITES,
                &id,
                "$.phoneNumbers[1]",
                "phone",
                &phone.punctuated,
            ));

            // 3. A recent-contact setting: national phone, e-mail inside "Name <...>".
            let c = slot(2);
            let f = &mut fillers[c];
            let id = f.hex_id("rc", &mut taken[c]);
            let with_name = email_with_name(&subject.email);
            let when = f.timestamp();
            per_agent[c].recent_contacts.push(json!({
                "id": id, "displayName": format!("{first} {last}"), "phoneNumber": phone.national,
                "emailAddress": with_name, "lastUsed": when, "mediaType": "voice",
            }));
            locations.push(loc(
                &agents[c].id,
                RECENT_CONTACTS,
                &id,
                "$.phoneNumber",
                "phone",
                &phone.national,
            ));
            locations.push(loc(
                &agents[c].id,
                RECENT_CONTACTS,
                &id,
                "$.emailAddress",
                "email",
                &with_name,
            ));

            // 4. An entry of a recents list, at index 2 (or the end of a shorter list).
            let d = slot(3);
            let f = &mut fillers[d];
            let when = f.timestamp();
            let other_email = f.email("Anon", "Caller");
            let entries = &mut per_agent[d].recents_entries;
            let at = entries.len().min(2);
            entries.insert(
                at,
                json!({"displayName": format!("{first} {last}"), "phoneNumber": phone.alternate,
                       "emailAddress": other_email, "lastUsed": when}),
            );
            // Planting earlier into the same list shifts those entries: fix their paths.
            for p in planted
                .iter_mut()
                .flat_map(|p: &mut PlantedSubject| p.locations.iter_mut())
            {
                shift_entry_path(p, &agents[d].id, at);
            }
            for p in locations.iter_mut() {
                shift_entry_path(p, &agents[d].id, at);
            }
            locations.push(loc(
                &agents[d].id,
                RECENTS,
                RECENT_LIST_NAME,
                &format!("$.entries[{at}].phoneNumber"),
                "phone",
                &phone.alternate,
            ));
        }
        // 5. One corporate favorite, for the first subject only.
        if si == 0 {
            let id = corp_filler.hex_id("corp", &mut corp_ids);
            corporate.push(json!({
                "id": id, "displayName": format!("{first} {last} (key account)"), "category": "Corporate",
                "phoneNumbers": [phone.e164], "emailAddresses": [subject.email],
            }));
            locations.push(loc(
                CONTACT_CENTER,
                CORPORATE_FAVORITES,
                &id,
                "$.phoneNumbers[0]",
                "phone",
                &phone.e164,
            ));
            locations.push(loc(
                CONTACT_CENTER,
                CORPORATE_FAVORITES,
                &id,
                "$.emailAddresses[0]",
                "email",
                &subject.email,
            ));
        }
        planted.push(PlantedSubject {
            subject: subject.clone(),
            locations,
        });
    }
    for p in &mut planted {
        p.locations.sort();
    }

    // Serialize into groups and settings.
    let mut groups = Vec::new();
    let mut settings = Vec::new();
    let group = |owner: &str, name: &str, display: &str, key: &str| SeededGroup {
        owner_id: owner.to_string(),
        name: name.to_string(),
        display_name: display.to_string(),
        key_attribute: key.to_string(),
    };
    groups.push(group(
        CONTACT_CENTER,
        CORPORATE_FAVORITES,
        "Corporate Favorites",
        "id",
    ));
    for v in corporate {
        settings.push(setting(CONTACT_CENTER, CORPORATE_FAVORITES, "id", v));
    }
    for (agent, data) in agents.iter().zip(per_agent) {
        groups.push(group(
            &agent.id,
            PERSONAL_FAVORITES,
            "Personal Favorites",
            "id",
        ));
        groups.push(group(&agent.id, RECENT_CONTACTS, "Recent Contacts", "id"));
        groups.push(group(&agent.id, RECENTS, "Recents", "name"));
        for v in data.favorites {
            settings.push(setting(&agent.id, PERSONAL_FAVORITES, "id", v));
        }
        for v in data.recent_contacts {
            settings.push(setting(&agent.id, RECENT_CONTACTS, "id", v));
        }
        let list = json!({"name": RECENT_LIST_NAME, "entries": data.recents_entries});
        settings.push(setting(&agent.id, RECENTS, "name", list));
    }
    SeededData {
        seed: plan.seed,
        agents: agents.to_vec(),
        groups,
        settings,
        planted,
    }
}

fn loc(owner: &str, group: &str, key: &str, path: &str, kind: &str, text: &str) -> PlantedLocation {
    PlantedLocation {
        owner_id: owner.to_string(),
        group: group.to_string(),
        setting_key: key.to_string(),
        json_path: path.to_string(),
        kind: kind.to_string(),
        text: text.to_string(),
    }
}

/// After inserting a recents entry at `at` in `owner`'s list, moves later planted entries down.
fn shift_entry_path(p: &mut PlantedLocation, owner: &str, at: usize) {
    if p.owner_id != owner || p.group != RECENTS {
        return;
    }
    let Some(rest) = p.json_path.strip_prefix("$.entries[") else {
        return;
    };
    let Some((idx, tail)) = rest.split_once(']') else {
        return;
    };
    if let Ok(i) = idx.parse::<usize>() {
        if i >= at {
            p.json_path = format!("$.entries[{}]{tail}", i + 1);
        }
    }
}

fn setting(owner: &str, group: &str, key_attribute: &str, value: Value) -> SeededSetting {
    let setting_key = match &value[key_attribute] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    SeededSetting {
        owner_id: owner.to_string(),
        group: group.to_string(),
        key_attribute: key_attribute.to_string(),
        setting_key,
        value_text: value.to_string(),
        value,
    }
}

// ---------------------------------------------------------------------------------------------
// Writing through the API
// ---------------------------------------------------------------------------------------------

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("{0}")]
    Config(String),
}

fn settings_path(owner: &str) -> String {
    if owner == CONTACT_CENTER {
        "/settings".to_string()
    } else {
        format!("/users/{owner}/settings")
    }
}

/// Generates the data and writes it through `base_url`'s API as the given admin. Re-seeding
/// the same keyspace is allowed: existing groups are kept, existing settings replaced (PUT).
pub async fn seed(
    base_url: &str,
    admin_user: &str,
    admin_password: &str,
    agents: &[Agent],
    plan: &SeedPlan,
) -> Result<SeededData, SeedError> {
    let data = generate(plan, agents);
    let client = ApiClient::new(base_url, admin_user, admin_password);
    let me = client.handshake().await?;
    let is_admin = me.body["user"]["roles"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r == Role::Admin.as_str()));
    if !is_admin {
        return Err(SeedError::Config(format!(
            "{admin_user} is not an admin (ROLE_ADMIN): it cannot write other users' settings"
        )));
    }

    // Work items: one per owner, each creating its groups then its settings in order.
    let mut owners: Vec<&str> = vec![CONTACT_CENTER];
    owners.extend(agents.iter().map(|a| a.id.as_str()));
    let client = &client;
    let data_ref = &data;
    stream::iter(owners)
        .map(|owner| async move {
            for g in data_ref.groups.iter().filter(|g| g.owner_id == owner) {
                let body =
                    json!({"name": g.name, "displayName": g.display_name, "key": g.key_attribute})
                        .to_string();
                let path = settings_path(owner);
                let r = client.send(Method::POST, &path, Some(&body)).await?;
                if !(r.is_ok() || r.status_code() == Some(18)) {
                    return Err(api_error("POST", &path, &r));
                }
            }
            for s in data_ref.settings.iter().filter(|s| s.owner_id == owner) {
                let path = format!("{}/{}", settings_path(owner), s.group);
                let r = client
                    .send(Method::POST, &path, Some(&s.value_text))
                    .await?;
                if r.status_code() == Some(18) {
                    client
                        .send_ok(Method::PUT, &path, Some(&s.value_text))
                        .await?;
                } else if !r.is_ok() {
                    return Err(api_error("POST", &path, &r));
                }
            }
            Ok::<_, SeedError>(())
        })
        .buffer_unordered(plan.concurrency.max(1))
        .try_collect::<Vec<()>>()
        .await?;
    Ok(data)
}

fn api_error(method: &str, path: &str, r: &crate::client::ApiResponse) -> SeedError {
    SeedError::Client(ClientError::Api {
        method: method.to_string(),
        path: path.to_string(),
        http: r.http,
        status_code: r.status_code(),
        message: r.status_message().to_string(),
    })
}

/// The agents of a users file (users with `ROLE_AGENT`, in file order), at most `limit`.
pub fn agents_of(users: &UsersFile, limit: Option<usize>) -> Vec<Agent> {
    users
        .users
        .iter()
        .filter(|u| u.roles.contains(&Role::Agent))
        .take(limit.unwrap_or(usize::MAX))
        .map(|u| Agent {
            id: u.id.clone(),
            user_name: u.user_name.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc_seconds() {
        assert_eq!(iso8601(1_704_067_200), "2024-01-01T00:00:00Z");
        assert_eq!(iso8601(1_709_210_096), "2024-02-29T12:34:56Z");
    }
}
