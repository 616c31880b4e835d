//! Matcher throughput over realistic GWS setting values (personal favorites, recent contacts,
//! recents lists of 300-600 bytes), in MB/s of JSON text: the per-row cost of a scan once the
//! bytes are off the wire. `serde_json::from_str::<Value>` over the same text is the yardstick
//! of "parsing every value".
//!
//! Run: `cargo bench -p forgetme-matcher --bench matcher`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use forgetme_matcher::{parse_identifier, Identifier, Matcher, ParseOptions, Region};

const SUBJECT_EMAIL: &str = "bench.subject@pizza.com";
const SUBJECT_PHONE: &str = "+15550100999";

/// SplitMix64: a fixed corpus on every machine.
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
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Hugo", "Louise", "Jules",
];
const LAST: &[&str] = &[
    "Smith", "Garcia", "Miller", "Dubois", "Moreau", "Lambert", "Taylor",
];
const DOMAINS: &[&str] = &["example.com", "example.org", "mail.example.net"];
const WORDS: &[&str] = &[
    "called", "about", "the", "renewal", "of", "their", "contract", "asked", "for", "callback",
    "next", "week", "prefers", "mornings", "billing", "question", "delivery", "order",
];

fn phone(r: &mut Rng) -> String {
    if r.below(3) == 0 {
        format!("+44 20 7946 0{:03}", r.below(1000))
    } else {
        format!(
            "+1 {} 555 01{:02}",
            r.pick(&["212", "312", "415"]),
            r.below(100)
        )
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

fn notes(r: &mut Rng, len: usize) -> String {
    let mut s = String::new();
    while s.len() < len {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(r.pick(WORDS));
    }
    s
}

/// `n` setting values; with `hit`, each holds the subject's e-mail (in another letter case)
/// and phone (in another spelling).
fn corpus(n: usize, hit: bool) -> Vec<String> {
    let mut r = Rng(7);
    (0..n)
        .map(|i| {
            let first = r.pick(FIRST);
            let last = r.pick(LAST);
            let (mail, tel) = if hit {
                (
                    "Bench.Subject@Pizza.com".to_string(),
                    "+1 (555) 010-0999".to_string(),
                )
            } else {
                (email(&mut r, first, last), phone(&mut r))
            };
            let pad = 100 + r.below(250) as usize;
            match i % 20 {
                0 => format!(
                    r#"{{"name":"recent-list","entries":[{{"displayName":"{first} {last}","phoneNumber":"{}","emailAddress":"{}","lastUsed":"2025-03-04T10:11:12Z"}},{{"displayName":"{first} {last}","phoneNumber":"{tel}","emailAddress":"{mail}","lastUsed":"2025-03-05T10:11:12Z"}}],"notes":"{}"}}"#,
                    phone(&mut r),
                    email(&mut r, first, last),
                    notes(&mut r, pad / 2)
                ),
                i if i % 2 == 1 => format!(
                    r#"{{"id":"fav-{:016x}","displayName":"{first} {last}","firstName":"{first}","lastName":"{last}","category":"Customers","phoneNumbers":["{tel}","{}"],"emailAddresses":["{mail}"],"notes":"{}"}}"#,
                    r.next(),
                    phone(&mut r),
                    notes(&mut r, pad)
                ),
                _ => format!(
                    r#"{{"id":"rc-{:016x}","displayName":"{first} {last}","phoneNumber":"{tel}","emailAddress":"{mail}","lastUsed":"2025-06-01T08:09:10Z","mediaType":"voice","notes":"{}"}}"#,
                    r.next(),
                    notes(&mut r, pad)
                ),
            }
        })
        .collect()
}

/// The subject's e-mail, or that and `n - 1` other identifiers (e-mails and phones mixed),
/// none of which occurs in the corpus.
fn identifiers(n: usize) -> Vec<Identifier> {
    let opts = ParseOptions::default();
    let mut raw = vec![SUBJECT_EMAIL.to_string()];
    if n > 1 {
        raw.push(SUBJECT_PHONE.to_string());
    }
    let mut i = 0;
    while raw.len() < n {
        raw.push(if i % 2 == 0 {
            format!("absent{i}.person@nowhere.example.net")
        } else {
            format!("+1 555 010 {:04}", i / 2 % 999)
        });
        i += 1;
    }
    raw.iter()
        .map(|s| parse_identifier(s, &opts).expect("valid identifier"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("matcher");
    group.sample_size(20);
    group.measurement_time(std::time::Duration::from_secs(4));
    for hit in [false, true] {
        let values = corpus(2_000, hit);
        let bytes: usize = values.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        let label = if hit { "hit" } else { "no_hit" };
        // `2_ids_region_us`: the same two identifiers with a default region, whose stored
        // national numbers are read in it and also looked up as possible matches.
        for (n, region, name) in [
            (1, None, "1_ids"),
            (2, None, "2_ids"),
            (2, Region::parse("US"), "2_ids_region_us"),
            (1_000, None, "1000_ids"),
        ] {
            let matcher = Matcher::new(identifiers(n), region);
            // Sanity: the corpus is what its name says.
            let found = values
                .iter()
                .filter(|v| matcher.match_value(v).is_match())
                .count();
            assert_eq!(found, if hit { values.len() } else { 0 });
            group.bench_with_input(
                BenchmarkId::new(format!("match_bytes/{label}"), name),
                &values,
                |b, values| {
                    b.iter(|| {
                        let mut hits = 0usize;
                        for v in values {
                            hits += matcher.match_bytes(black_box(v.as_bytes())).hits.len();
                        }
                        hits
                    })
                },
            );
        }
        group.bench_with_input(
            BenchmarkId::new(format!("serde_json_value/{label}"), "reference"),
            &values,
            |b, values| {
                b.iter(|| {
                    let mut n = 0usize;
                    for v in values {
                        let parsed: serde_json::Value =
                            serde_json::from_str(black_box(v)).expect("JSON");
                        n += parsed.as_object().map_or(0, |o| o.len());
                    }
                    n
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
