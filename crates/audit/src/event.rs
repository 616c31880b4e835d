//! One audit event: its line format, its canonical bytes and its hash.
//!
//! A line is
//! `{"seq":N,"time":"…","run":"…","kind":"…","data":{…},"prev":"…","seal":"…","hash":"…"}`:
//! compact serde_json output of [`Event`], whose field order is the declaration order.
//! `seal = AuditKey::chain_seal(prev + "\n" + <the line without its "seal" and "hash" fields>)`
//! (a keyed HMAC), then `hash = sha256(prev + "\n" + <the line without its "hash" field>)`,
//! both in lower-case hex. The hash covers the seal, so the keyless chain check covers every
//! byte of the line; the seal cannot be recomputed without the key, so a rewrite that
//! re-chains every later line still shows where the key is at hand.
//!
//! Verification must reproduce the writer's bytes exactly, so the bytes are pinned down:
//!
//! * Fields are serialized from a struct, so their order never depends on a map type.
//! * Keys inside `data` are sorted at every depth, by [`canonical_data`]. serde_json's default
//!   map already sorts, but the `preserve_order` feature — which any crate in a build can turn
//!   on — keeps insertion order instead; sorting explicitly makes the bytes the same in every
//!   build, and verification re-sorts after parsing, so it reproduces them.
//! * Floating-point numbers are refused in `data`: serde_json's default parser does not
//!   promise to read back every float exactly, and one wrong digit would look like tampering.
//! * Verification re-serializes every parsed line and demands the same bytes, so the line
//!   on disk *is* the hashed text: no escape sequence, spacing or number spelling can change
//!   without being noticed.

use crate::{AuditKey, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The `prev` of the first event in a log: 64 zeros, i.e. "no event before this one".
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest accepted event kind; kinds are short fixed names, not data.
const MAX_KIND_LEN: usize = 64;

/// One line of the audit log, fields in line order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Event {
    pub(crate) seq: u64,
    pub(crate) time: String,
    pub(crate) run: String,
    pub(crate) kind: String,
    pub(crate) data: Map<String, Value>,
    pub(crate) prev: String,
    pub(crate) seal: String,
    pub(crate) hash: String,
}

/// The sealed part of an event: the same fields and order as [`Event`], without `seal` and
/// `hash`.
#[derive(Serialize)]
struct Unsealed<'a> {
    seq: u64,
    time: &'a str,
    run: &'a str,
    kind: &'a str,
    data: &'a Map<String, Value>,
    prev: &'a str,
}

/// The hashed part of an event: the same fields and order as [`Event`], without `hash`.
#[derive(Serialize)]
struct Unhashed<'a> {
    seq: u64,
    time: &'a str,
    run: &'a str,
    kind: &'a str,
    data: &'a Map<String, Value>,
    prev: &'a str,
    seal: &'a str,
}

impl Event {
    /// Builds the event that follows `prev`, with its hash and seal filled in. `data` must
    /// already be canonical (see [`canonical_data`]).
    pub(crate) fn seal(
        seq: u64,
        time: String,
        run: &str,
        kind: &str,
        data: Map<String, Value>,
        prev: &str,
        key: &AuditKey,
    ) -> Event {
        let mut event = Event {
            seq,
            time,
            run: run.to_owned(),
            kind: kind.to_owned(),
            data,
            prev: prev.to_owned(),
            seal: String::new(),
            hash: String::new(),
        };
        event.seal = event.compute_seal(key);
        event.hash = event.compute_hash();
        event
    }

    /// Recomputes the seal from the fields before it:
    /// `chain_seal(prev + "\n" + compact JSON of the event without "seal" and "hash")`.
    pub(crate) fn compute_seal(&self, key: &AuditKey) -> String {
        let unsealed = Unsealed {
            seq: self.seq,
            time: &self.time,
            run: &self.run,
            kind: &self.kind,
            data: &self.data,
            prev: &self.prev,
        };
        let body = serde_json::to_vec(&unsealed).expect("JSON values always serialize");
        let mut message = Vec::with_capacity(self.prev.len() + 1 + body.len());
        message.extend_from_slice(self.prev.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(&body);
        key.chain_seal(&message)
    }

    /// Recomputes the hash from the other fields:
    /// `sha256(prev + "\n" + compact JSON of the event without "hash")`, lower-case hex.
    pub(crate) fn compute_hash(&self) -> String {
        let unhashed = Unhashed {
            seq: self.seq,
            time: &self.time,
            run: &self.run,
            kind: &self.kind,
            data: &self.data,
            prev: &self.prev,
            seal: &self.seal,
        };
        let body = serde_json::to_vec(&unhashed).expect("JSON values always serialize");
        let mut sha = Sha256::new();
        sha.update(self.prev.as_bytes());
        sha.update(b"\n");
        sha.update(&body);
        hex::encode(sha.finalize())
    }

    /// The event's line, without the trailing newline.
    pub(crate) fn to_line(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("JSON values always serialize")
    }

    /// Parses a line (without its newline) and checks that it is exactly the canonical
    /// serialization of what it parses to. Does not check `seq`, `prev` or `hash`.
    pub(crate) fn parse_line(line: &[u8]) -> Result<Event, String> {
        let mut event: Event =
            serde_json::from_slice(line).map_err(|e| format!("not a valid audit event ({e})"))?;
        event.data = canonical_data(event.data);
        if event.to_line() != line {
            return Err(
                "not in canonical form (writing it back gives different bytes): \
                        the line was edited or re-formatted"
                    .to_owned(),
            );
        }
        Ok(event)
    }
}

/// The current time as written in the `time` field (RFC 3339, UTC, milliseconds: a
/// [`Timestamp`]'s text). The one clock format of the project's records: receipts and exports
/// use it too, so their times compare as text with the log's.
pub fn now_rfc3339() -> String {
    Timestamp::now().to_string()
}

/// `data` with object keys sorted at every depth, so its bytes do not depend on how the
/// caller built it or on serde_json's `preserve_order` feature.
pub(crate) fn canonical_data(data: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = data.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
        .into_iter()
        .map(|(k, v)| (k, canonical_value(v)))
        .collect()
}

/// One value with object keys sorted at every depth.
fn canonical_value(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(canonical_data(map)),
        Value::Array(items) => Value::Array(items.into_iter().map(canonical_value).collect()),
        other => other,
    }
}

/// Checks that `kind` is a short lower-case `snake_case` name. Kinds are a fixed vocabulary
/// (see [`crate::EventKind`]); restricting them keeps free text, and so personal data, out of them.
pub(crate) fn check_kind(kind: &str) -> Result<(), String> {
    let mut bytes = kind.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_lowercase());
    if !first_ok
        || kind.len() > MAX_KIND_LEN
        || !bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!(
            "the kind must be 1 to {MAX_KIND_LEN} characters of a-z, 0-9 and _, starting with a letter"
        ));
    }
    Ok(())
}

/// Checks that `data` holds no floating-point number, at any depth.
pub(crate) fn check_no_floats(value: &Value) -> Result<(), String> {
    match value {
        Value::Number(n) if n.is_f64() => Err(
            "data holds a floating-point number, whose text form may not read back exactly; \
             record it as an integer (e.g. milliseconds) or a string"
                .to_owned(),
        ),
        Value::Array(items) => items.iter().try_for_each(check_no_floats),
        Value::Object(map) => map.values().try_for_each(check_no_floats),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Event {
        let data = json!({
            "zeta": 1,
            "alpha": {"y": [3, {"b": true, "a": null}], "x": "quote \" backslash \\ tab \t é 😀"},
            "subject": "hmac-sha256:00",
            "neg": -5,
            "big": u64::MAX,
        });
        let Value::Object(map) = data else {
            unreachable!()
        };
        Event::seal(
            3,
            now_rfc3339(),
            "20240101T000000Z-0123456789abcdef",
            "planned",
            canonical_data(map),
            GENESIS_PREV,
            &AuditKey::from_bytes([7; 32]),
        )
    }

    #[test]
    fn verification_recomputes_the_same_hash_after_a_round_trip() {
        let written = sample();
        let line = written.to_line();
        let read = Event::parse_line(&line).expect("a written line parses as canonical");
        assert_eq!(read, written);
        assert_eq!(read.compute_hash(), written.hash);
        assert_eq!(read.to_line(), line);
    }

    #[test]
    fn fields_are_in_the_documented_order() {
        let line = String::from_utf8(sample().to_line()).unwrap();
        let positions: Vec<usize> = [
            "\"seq\":",
            "\"time\":",
            "\"run\":",
            "\"kind\":",
            "\"data\":",
            "\"prev\":",
            "\"seal\":",
            "\"hash\":",
        ]
        .iter()
        .map(|f| line.find(f).unwrap())
        .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
        assert!(line.starts_with("{\"seq\":3,"));
    }

    #[test]
    fn data_keys_are_sorted_at_every_depth() {
        let line = String::from_utf8(sample().to_line()).unwrap();
        let data = &line[line.find("\"data\":").unwrap()..];
        let order = ["\"alpha\"", "\"big\"", "\"neg\"", "\"subject\"", "\"zeta\""];
        let pos: Vec<usize> = order.iter().map(|k| data.find(k).unwrap()).collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{data}");
        assert!(data.find("\"x\"").unwrap() < data.find("\"y\"").unwrap());
        assert!(data.find("\"a\"").unwrap() < data.find("\"b\"").unwrap());
    }

    #[test]
    fn hash_is_sha256_of_prev_newline_and_line_without_hash() {
        let event = sample();
        let line = String::from_utf8(event.to_line()).unwrap();
        let without_hash = line.replace(&format!(",\"hash\":\"{}\"", event.hash), "");
        let expected = hex::encode(Sha256::digest(format!("{GENESIS_PREV}\n{without_hash}")));
        assert_eq!(event.hash, expected);
    }

    #[test]
    fn seal_is_the_keyed_hmac_of_prev_and_the_line_before_it() {
        let event = sample();
        let line = String::from_utf8(event.to_line()).unwrap();
        let unsealed = line.replace(
            &format!(",\"seal\":\"{}\",\"hash\":\"{}\"", event.seal, event.hash),
            "",
        );
        let message = format!("{GENESIS_PREV}\n{unsealed}");
        assert_eq!(
            event.seal,
            AuditKey::from_bytes([7; 32]).chain_seal(message.as_bytes())
        );
        assert_ne!(
            event.seal,
            AuditKey::from_bytes([8; 32]).chain_seal(message.as_bytes())
        );
        assert_eq!(event.seal.len(), 64);
    }

    #[test]
    fn non_canonical_spellings_are_rejected() {
        let line = String::from_utf8(sample().to_line()).unwrap();
        for variant in [
            line.replacen("{\"seq\":3", "{ \"seq\":3", 1),
            line.replacen("\"seq\":3", "\"seq\":3.0", 1),
            line.replacen("planned", "pl\\u0061nned", 1),
            format!("{line}\r"),
        ] {
            assert!(Event::parse_line(variant.as_bytes()).is_err(), "{variant}");
        }
    }

    #[test]
    fn unknown_and_missing_fields_are_rejected() {
        let line = String::from_utf8(sample().to_line()).unwrap();
        let extra = line.replacen("{\"seq\"", "{\"x\":1,\"seq\"", 1);
        assert!(Event::parse_line(extra.as_bytes()).is_err());
        let missing = line.replacen("\"kind\":\"planned\",", "", 1);
        assert!(Event::parse_line(missing.as_bytes()).is_err());
    }

    #[test]
    fn time_is_rfc3339_utc_with_milliseconds() {
        let t = now_rfc3339();
        assert_eq!(t.len(), "2024-01-01T00:00:00.000Z".len(), "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }

    #[test]
    fn kinds_are_snake_case() {
        for ok in crate::EventKind::ALL {
            assert!(check_kind(ok.as_str()).is_ok());
        }
        for bad in ["", "Run", "run-start", "1run", "a b", "john@example.com"] {
            assert!(check_kind(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn floats_are_refused_at_any_depth() {
        assert!(check_no_floats(&json!({"a": [1, {"b": 2}]})).is_ok());
        assert!(check_no_floats(&json!({"a": [1, {"b": 2.5}]})).is_err());
    }
}
