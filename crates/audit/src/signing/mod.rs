//! Documents that anyone can check: Ed25519 signatures over JSON documents.
//!
//! The audit key's HMACs (subject refs, event and receipt seals) can only be checked by whoever
//! holds the key, and whoever can check them can forge them. A document meant for a regulator
//! (an erasure receipt; a future disk report) is therefore also *signed*: with the private
//! signing key kept beside the audit key ([`keyfile`]), checked with its public key alone.
//!
//! # What is signed
//!
//! A signed document is a JSON object with one extra top-level member, `signature`:
//!
//! ```json
//! "signature": {
//!   "algorithm": "ed25519",
//!   "key_id": "<16 hex digits>",
//!   "public_key": "gdpr-forget-me-ed25519:<base64 of the 32-byte public key>",
//!   "value": "<base64 of the 64-byte signature>"
//! }
//! ```
//!
//! - **The signed bytes** are the document without its `signature` member in *compact
//!   canonical JSON* ([`canonical_compact`]): every object's keys sorted by their UTF-8 bytes,
//!   no white space, strings escaped as serde_json escapes them (`"` `\` and control characters
//!   only; everything else as UTF-8).
//! - **The file** is the whole document, signature included, in *pretty canonical JSON*
//!   ([`canonical_pretty`]): the same sorted keys, two-space indentation, `": "` after a key,
//!   and one newline at the end. There is exactly one file for a signed document.
//!
//! [`verify_document`] checks both: the signature over the signed bytes, *and* that the file
//! is byte for byte the canonical rendering of what it holds. So a change to any byte of the
//! file fails: a change to the content breaks the signature, and a change that leaves the
//! content alone (white space, key order, `\u0041` for `A`, a duplicated key) breaks the
//! canonical form. Within the signature block, the algorithm must be `ed25519`, the key id
//! must be the public key's, the public key must be one the verifier trusts, and both base64
//! texts must be in their one canonical spelling.
//!
//! The key id is the first 16 hex digits of the SHA-256 of the 32 public-key bytes: receipts
//! name the key that signed them, so that a key can be rotated ([`keyfile::rotate`]) and older
//! documents still be checked with the older public key.

pub mod keyfile;

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, VerifyingKey};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The top-level member of a signed document that holds its signature.
pub const SIGNATURE_FIELD: &str = "signature";

/// The only algorithm there is.
pub const ALGORITHM: &str = "ed25519";

/// How a public key is written: this prefix, then the 32 bytes in standard base64 (44
/// characters, padded).
pub const PUBLIC_KEY_PREFIX: &str = "gdpr-forget-me-ed25519:";

/// How a private signing key is written in its key file.
pub const SECRET_KEY_PREFIX: &str = "gdpr-forget-me-ed25519-secret:";

/// A private Ed25519 signing key.
///
/// No `Clone`, `Display` or serialization, and its `Debug` shows the key id only, so that the
/// key cannot end up in a message or a log line by accident (as [`crate::AuditKey`]).
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// A new random key, from the operating system's random number generator.
    pub fn generate() -> SigningKey {
        SigningKey {
            key: ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// The key with this 32-byte secret (seed), for tests and for keys kept elsewhere.
    pub fn from_seed(seed: [u8; 32]) -> SigningKey {
        SigningKey {
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        }
    }

    /// The public half, to publish.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            key: self.key.verifying_key(),
        }
    }

    /// The secret as its key file writes it.
    pub(crate) fn to_text(&self) -> String {
        format!("{SECRET_KEY_PREFIX}{}", BASE64.encode(self.key.to_bytes()))
    }

    /// Parses the key file's line.
    pub(crate) fn parse(text: &str) -> Option<SigningKey> {
        let b64 = text.strip_prefix(SECRET_KEY_PREFIX)?;
        let bytes = decode_canonical(b64)?;
        let seed: [u8; 32] = bytes.try_into().ok()?;
        Some(SigningKey::from_seed(seed))
    }

    /// Signs `document` (a JSON object without a `signature` member) and returns the file to
    /// write: the document with its signature, in pretty canonical JSON.
    pub fn sign_document(&self, document: &Value) -> Result<Vec<u8>, String> {
        let object = document
            .as_object()
            .ok_or("only a JSON object can be signed")?;
        if object.contains_key(SIGNATURE_FIELD) {
            return Err(format!(
                "the document already has a `{SIGNATURE_FIELD}` member"
            ));
        }
        let signature = self.key.sign(&canonical_compact(document));
        let public = self.public_key();
        let mut signed = object.clone();
        let block = SignatureBlock {
            algorithm: ALGORITHM,
            key_id: public.key_id(),
            public_key: public.to_text(),
            value: BASE64.encode(signature.to_bytes()),
        };
        signed.insert(
            SIGNATURE_FIELD.to_string(),
            serde_json::to_value(block).expect("a signature block serializes"),
        );
        Ok(canonical_pretty(&Value::Object(signed)))
    }
}

/// The `signature` member of a signed document: exactly these four texts, which
/// [`verify_document`] demands. The file is canonical JSON, so the members are written sorted
/// whatever their order here.
#[derive(Serialize)]
struct SignatureBlock {
    /// Always [`ALGORITHM`].
    algorithm: &'static str,
    /// [`PublicKey::key_id`] of the signing key.
    key_id: String,
    /// [`PublicKey::to_text`] of the signing key.
    public_key: String,
    /// The Ed25519 signature of the compact canonical document, standard base64.
    value: String,
}

impl fmt::Debug for SigningKey {
    /// Shows the key id only, never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.public_key().key_id())
            .finish_non_exhaustive()
    }
}

/// A public Ed25519 key: what a regulator is given to check signed documents.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
}

impl PublicKey {
    /// 16 hex digits: the start of the SHA-256 of the 32 key bytes. Documents name their
    /// key by it.
    pub fn key_id(&self) -> String {
        hex::encode(&Sha256::digest(self.key.as_bytes())[..8])
    }

    /// `gdpr-forget-me-ed25519:<base64>`, the published form.
    pub fn to_text(&self) -> String {
        format!("{PUBLIC_KEY_PREFIX}{}", BASE64.encode(self.key.as_bytes()))
    }

    /// Parses the published form (exactly as [`PublicKey::to_text`] writes it).
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        let b64 = text.strip_prefix(PUBLIC_KEY_PREFIX).ok_or_else(|| {
            format!(
                "a public key starts with `{PUBLIC_KEY_PREFIX}` (followed by 44 base64 characters)"
            )
        })?;
        let bytes =
            decode_canonical(b64).ok_or("the text after the prefix is not canonical base64")?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("the key holds {} bytes, not 32", b.len()))?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| "the 32 bytes are not an Ed25519 public key".to_string())?;
        Ok(PublicKey { key })
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

/// Reads a list of public keys: one [`PublicKey::to_text`] per line, blank lines and lines
/// starting with `#` ignored, and anything after the key on its line (separated by white
/// space) ignored too, as `signing-key public` writes them. Fails on the first line that is
/// neither, naming it; a text with no key at all is refused too.
pub fn parse_public_keys(text: &str) -> Result<Vec<PublicKey>, String> {
    let mut keys: Vec<PublicKey> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or_default();
        let key = PublicKey::parse(first).map_err(|e| format!("line {}: {e}", n + 1))?;
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        return Err(format!(
            "it holds no public key (a line `{PUBLIC_KEY_PREFIX}<base64>`)"
        ));
    }
    Ok(keys)
}

/// Largest public-key list read from a file: a published list holds a few lines a year.
pub const MAX_KEY_LIST: u64 = 1 << 20;

/// The keys a verifier trusts, from what it was given: each entry a key's own text
/// (`gdpr-forget-me-ed25519:...`) or a file of keys as `signing-key public` writes it.
/// Duplicates are kept once. The error names the entry and says what was expected; it never
/// echoes a file's content.
pub fn trusted_keys(given: &[String]) -> Result<Vec<PublicKey>, String> {
    let mut keys = Vec::new();
    for g in given {
        let parsed = if g.starts_with(PUBLIC_KEY_PREFIX) {
            parse_public_keys(g).map_err(|e| {
                format!("--public-key {g}: {e}; give the key as `signing-key public` prints it")
            })?
        } else {
            let text = read_key_list(g).map_err(|e| {
                format!(
                    "--public-key {g}: cannot read it ({e}); give the file of published public keys (`gdpr_forget_me signing-key public --out FILE`), or the key itself ({PUBLIC_KEY_PREFIX}...)"
                )
            })?;
            parse_public_keys(&text).map_err(|e| {
                format!(
                    "--public-key {g} is not a list of public keys of this tool: {e}. Expected lines `{PUBLIC_KEY_PREFIX}<44 base64 characters>` as `gdpr_forget_me signing-key public` writes them (a PEM or hex key is not read)"
                )
            })?
        };
        for k in parsed {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    Ok(keys)
}

/// A key list's text, at most [`MAX_KEY_LIST`] bytes of it: a wrong path to a large file
/// must not be read whole.
fn read_key_list(path: &str) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_KEY_LIST)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// A signed document that verified.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The key that signed it.
    pub key_id: String,
    /// The document, without its signature.
    pub document: Value,
}

/// Why a document does not verify. Each says what it means for the reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Not UTF-8 JSON (a damaged or edited file, or not a document of this tool).
    NotJson(String),
    /// JSON, but not an object.
    NotAnObject,
    /// No `signature` member: written before documents were signed, or the signature was
    /// removed.
    Unsigned,
    /// The signature block is not as it is written (a field missing, added or misspelt).
    Malformed(String),
    /// The content is intact, but the bytes of the file are not its canonical rendering.
    NotCanonical,
    /// Signed with a key that is none of the keys given.
    UnknownKey {
        /// The key id the document names.
        key_id: String,
        /// The ids of the keys given.
        given: Vec<String>,
    },
    /// The signature does not match the content under the named key.
    BadSignature,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::NotJson(e) => write!(f, "not a JSON document ({e}): the file was damaged or changed, or it is not a document of this tool"),
            Invalid::NotAnObject => write!(f, "not a JSON object: this is no document of this tool"),
            Invalid::Unsigned => write!(f, "UNSIGNED: the document carries no signature; it was written before documents were signed (or its signature was removed), so a public key cannot check it"),
            Invalid::Malformed(why) => write!(f, "the signature block is malformed ({why}): the file was changed after it was signed"),
            Invalid::NotCanonical => write!(f, "the file is not byte for byte as it was signed (white space, key order or escapes changed): the file was changed after it was signed"),
            Invalid::UnknownKey { key_id, given } => write!(
                f,
                "KEY MISMATCH: signed with key {key_id}, which is none of the public key(s) given ({}); give the public key published for key {key_id}",
                given.join(", ")
            ),
            Invalid::BadSignature => write!(f, "SIGNATURE MISMATCH: the signature does not match the content: the document was changed after it was signed"),
        }
    }
}

/// `verify-receipt FILE --public-key KEY...`: the keys given and the file read, then checked
/// ([`verify_document`]). `Err` is bad input (a key in the wrong format, a file that cannot be
/// read), said before anything is checked; the inner result is the verdict.
pub fn verify_file(
    file: &std::path::Path,
    public_keys: &[String],
) -> Result<Result<Verified, Invalid>, String> {
    let keys = trusted_keys(public_keys)?;
    let bytes = std::fs::read(file).map_err(|e| {
        format!(
            "{}: cannot read the receipt ({e}); give the path of the receipt's .json file",
            file.display()
        )
    })?;
    Ok(verify_document(&bytes, &keys))
}

/// Checks a signed document's file bytes against the trusted public keys (see the module's
/// documentation for exactly what is checked).
pub fn verify_document(file: &[u8], keys: &[PublicKey]) -> Result<Verified, Invalid> {
    let text = std::str::from_utf8(file).map_err(|e| Invalid::NotJson(e.to_string()))?;
    let value: Value = serde_json::from_str(text).map_err(|e| Invalid::NotJson(e.to_string()))?;
    let object = value.as_object().ok_or(Invalid::NotAnObject)?;
    let block = object.get(SIGNATURE_FIELD).ok_or(Invalid::Unsigned)?;
    if canonical_pretty(&value) != file {
        return Err(Invalid::NotCanonical);
    }
    let block = block
        .as_object()
        .ok_or_else(|| Invalid::Malformed("not an object".into()))?;
    let field = |name: &str| {
        block
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| Invalid::Malformed(format!("no `{name}` text")))
    };
    if block.len() != 4 {
        return Err(Invalid::Malformed(
            "it must hold exactly algorithm, key_id, public_key and value".into(),
        ));
    }
    if field("algorithm")? != ALGORITHM {
        return Err(Invalid::Malformed(format!(
            "the algorithm is not {ALGORITHM}"
        )));
    }
    let named = PublicKey::parse(field("public_key")?)
        .map_err(|e| Invalid::Malformed(format!("public_key: {e}")))?;
    let key_id = field("key_id")?;
    if key_id != named.key_id() {
        return Err(Invalid::Malformed(
            "the key id is not the id of the public key beside it".into(),
        ));
    }
    let trusted = keys
        .iter()
        .find(|k| **k == named)
        .ok_or_else(|| Invalid::UnknownKey {
            key_id: key_id.to_string(),
            given: keys.iter().map(PublicKey::key_id).collect(),
        })?;
    let signature: [u8; 64] = decode_canonical(field("value")?)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            Invalid::Malformed("the value is not 64 bytes of canonical base64".into())
        })?;
    let mut unsigned = object.clone();
    unsigned.remove(SIGNATURE_FIELD);
    let unsigned = Value::Object(unsigned);
    trusted
        .key
        .verify_strict(
            &canonical_compact(&unsigned),
            &ed25519_dalek::Signature::from_bytes(&signature),
        )
        .map_err(|_| Invalid::BadSignature)?;
    Ok(Verified {
        key_id: key_id.to_string(),
        document: unsigned,
    })
}

/// The bytes a signature covers: `value` in compact canonical JSON (keys sorted at every
/// level, no white space).
pub fn canonical_compact(value: &Value) -> Vec<u8> {
    serde_json::to_vec(&sorted(value)).expect("a JSON value serializes")
}

/// A signed document's file: `value` in pretty canonical JSON (keys sorted at every level,
/// two-space indentation) and a final newline.
pub fn canonical_pretty(value: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(&sorted(value)).expect("a JSON value serializes");
    out.push(b'\n');
    out
}

/// `value` with every object's members inserted in sorted key order, whatever order the JSON
/// map type keeps (sorted, or insertion order when serde_json's `preserve_order` is on).
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Standard padded base64, accepted only in the one spelling that encodes back to itself.
fn decode_canonical(text: &str) -> Option<Vec<u8>> {
    let bytes = BASE64.decode(text).ok()?;
    (BASE64.encode(&bytes) == text).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "schema": "gdpr-forget-me/example/v1",
            "run_id": "20261129T224305Z-cd0584f0421e8a21",
            "locations": [{"table": "sipfs.settings", "action": "deleted", "paths": ["$.a[0]"]}],
            "verified": true,
            "count": 3,
            "note": "ünïcode, \"quotes\", a\ttab"
        })
    }

    fn signed() -> (SigningKey, Vec<u8>) {
        let key = SigningKey::from_seed([9; 32]);
        let file = key.sign_document(&doc()).unwrap();
        (key, file)
    }

    #[test]
    fn a_signed_document_verifies_with_its_public_key_and_gives_back_the_document() {
        let (key, file) = signed();
        let v = verify_document(&file, &[key.public_key()]).unwrap();
        assert_eq!(v.document, doc());
        assert_eq!(v.key_id, key.public_key().key_id());
        assert_eq!(v.key_id.len(), 16);
    }

    /// The whole file, byte for byte (Ed25519 signatures are deterministic): a signed
    /// document's bytes are what a regulator's copy is compared with, so they never change
    /// by accident.
    #[test]
    fn a_signed_file_is_pinned_byte_for_byte() {
        let (_, file) = signed();
        assert_eq!(String::from_utf8(file).unwrap(), SIGNED_GOLDEN);
    }

    const SIGNED_GOLDEN: &str = r#"{
  "count": 3,
  "locations": [
    {
      "action": "deleted",
      "paths": [
        "$.a[0]"
      ],
      "table": "sipfs.settings"
    }
  ],
  "note": "ünïcode, \"quotes\", a\ttab",
  "run_id": "20261129T224305Z-cd0584f0421e8a21",
  "schema": "gdpr-forget-me/example/v1",
  "signature": {
    "algorithm": "ed25519",
    "key_id": "dbc298251c51321b",
    "public_key": "gdpr-forget-me-ed25519:/RckOFqgx1tk+3jNYC+h2ZH96/drE8WO1wLqyDXp9hg=",
    "value": "qWPxuoCrqhj6jBgLkWhMVS3rOH2py4iq+lwvgBMr+CexemyNhlOUijAk7h8o0ADCvnzsMH6aiQcP8r6QmIZpAw=="
  },
  "verified": true
}
"#;

    #[test]
    fn the_file_is_pretty_canonical_json_with_the_signature_block() {
        let (key, file) = signed();
        let text = String::from_utf8(file).unwrap();
        assert!(text.ends_with("}\n"), "{text}");
        assert!(text.starts_with("{\n  \"count\": 3,\n"), "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        let block = &v[SIGNATURE_FIELD];
        assert_eq!(block["algorithm"], "ed25519");
        assert_eq!(block["public_key"], key.public_key().to_text().as_str());
        assert_eq!(block["key_id"], key.public_key().key_id().as_str());
        assert_eq!(block["value"].as_str().unwrap().len(), 88);
    }

    #[test]
    fn the_signed_bytes_are_the_compact_canonical_form_without_the_signature() {
        // An independent check with ed25519-dalek's own verifier over the documented bytes.
        let (key, file) = signed();
        let v: Value = serde_json::from_slice(&file).unwrap();
        let sig = BASE64
            .decode(v[SIGNATURE_FIELD]["value"].as_str().unwrap())
            .unwrap();
        let message = canonical_compact(&doc());
        assert!(String::from_utf8(message.clone())
            .unwrap()
            .starts_with("{\"count\":3,\"locations\":[{\"action\":\"deleted\""));
        key.public_key()
            .key
            .verify_strict(
                &message,
                &ed25519_dalek::Signature::from_bytes(&sig.try_into().unwrap()),
            )
            .unwrap();
    }

    #[test]
    fn another_key_is_a_key_mismatch_naming_both_ids() {
        let (key, file) = signed();
        let other = SigningKey::from_seed([8; 32]).public_key();
        match verify_document(&file, std::slice::from_ref(&other)) {
            Err(Invalid::UnknownKey { key_id, given }) => {
                assert_eq!(key_id, key.public_key().key_id());
                assert_eq!(given, vec![other.key_id()]);
            }
            r => panic!("{r:?}"),
        }
        // Among several keys, the right one is found.
        assert!(verify_document(&file, &[other, key.public_key()]).is_ok());
    }

    #[test]
    fn an_unsigned_document_is_unsigned_not_anything_else() {
        let file = serde_json::to_vec_pretty(&doc()).unwrap();
        let k = SigningKey::from_seed([9; 32]).public_key();
        assert_eq!(verify_document(&file, &[k]).unwrap_err(), Invalid::Unsigned);
    }

    #[test]
    fn same_content_in_other_bytes_is_not_canonical() {
        let (key, file) = signed();
        let text = String::from_utf8(file).unwrap();
        let keys = [key.public_key()];
        let compact = canonical_compact(&serde_json::from_str(&text).unwrap());
        let escaped = text.replacen("\"schema\"", "\"sch\\u0065ma\"", 1);
        let crlf = text.replace('\n', "\r\n");
        for other in [compact, escaped.into_bytes(), crlf.into_bytes()] {
            assert_eq!(
                verify_document(&other, &keys).unwrap_err(),
                Invalid::NotCanonical
            );
        }
    }

    #[test]
    fn a_changed_value_or_a_forged_block_is_refused() {
        let (key, file) = signed();
        let keys = [key.public_key()];
        let mut v: Value = serde_json::from_slice(&file).unwrap();
        v["count"] = json!(4);
        let changed = canonical_pretty(&v);
        assert_eq!(
            verify_document(&changed, &keys).unwrap_err(),
            Invalid::BadSignature
        );
        // A forger who re-signs with their own key and names it is a key mismatch.
        let forger = SigningKey::from_seed([1; 32]);
        let mut unsigned = v.clone();
        unsigned.as_object_mut().unwrap().remove(SIGNATURE_FIELD);
        let forged = forger.sign_document(&unsigned).unwrap();
        assert!(matches!(
            verify_document(&forged, &keys),
            Err(Invalid::UnknownKey { .. })
        ));
        // ... and naming the trusted key beside the forger's signature is a bad signature.
        let mut f: Value = serde_json::from_slice(&forged).unwrap();
        f[SIGNATURE_FIELD]["public_key"] = json!(key.public_key().to_text());
        f[SIGNATURE_FIELD]["key_id"] = json!(key.public_key().key_id());
        assert_eq!(
            verify_document(&canonical_pretty(&f), &keys).unwrap_err(),
            Invalid::BadSignature
        );
        // An extra member in the block, or another algorithm.
        let mut extra: Value = serde_json::from_slice(&file).unwrap();
        extra[SIGNATURE_FIELD]["comment"] = json!("x");
        assert!(matches!(
            verify_document(&canonical_pretty(&extra), &keys),
            Err(Invalid::Malformed(_))
        ));
        let mut alg: Value = serde_json::from_slice(&file).unwrap();
        alg[SIGNATURE_FIELD]["algorithm"] = json!("Ed25519");
        assert!(matches!(
            verify_document(&canonical_pretty(&alg), &keys),
            Err(Invalid::Malformed(_))
        ));
    }

    #[test]
    fn only_objects_without_a_signature_are_signed() {
        let key = SigningKey::from_seed([9; 32]);
        assert!(key.sign_document(&json!([1, 2])).is_err());
        assert!(key.sign_document(&json!({"signature": 1})).is_err());
    }

    #[test]
    fn public_keys_round_trip_and_bad_texts_say_why() {
        let k = SigningKey::from_seed([3; 32]).public_key();
        assert_eq!(PublicKey::parse(&k.to_text()).unwrap(), k);
        assert!(k.to_text().starts_with(PUBLIC_KEY_PREFIX));
        assert_eq!(k.to_text().len(), PUBLIC_KEY_PREFIX.len() + 44);
        let b64 = &k.to_text()[PUBLIC_KEY_PREFIX.len()..];
        assert!(PublicKey::parse(b64).unwrap_err().contains("starts with"));
        assert!(PublicKey::parse(&format!("{PUBLIC_KEY_PREFIX}AAAA"))
            .unwrap_err()
            .contains("3 bytes, not 32"));
        assert!(
            PublicKey::parse(&format!("{PUBLIC_KEY_PREFIX}{}", &b64[..43]))
                .unwrap_err()
                .contains("base64")
        );
    }

    #[test]
    fn a_public_key_list_takes_comments_and_notes_and_refuses_other_lines() {
        let a = SigningKey::from_seed([3; 32]).public_key();
        let b = SigningKey::from_seed([4; 32]).public_key();
        let text = format!(
            "# keys\n\n{}  current\n{} retired 2026-01-01\n{}\n",
            a.to_text(),
            b.to_text(),
            a.to_text()
        );
        assert_eq!(parse_public_keys(&text).unwrap(), vec![a.clone(), b]);
        assert!(parse_public_keys("# nothing\n")
            .unwrap_err()
            .contains("no public key"));
        let bad = format!("{}\n-----BEGIN PUBLIC KEY-----\n", a.to_text());
        assert!(parse_public_keys(&bad).unwrap_err().starts_with("line 2:"));
    }

    #[test]
    fn secret_keys_round_trip_and_never_show_in_debug() {
        let k = SigningKey::from_seed([0xab; 32]);
        let back = SigningKey::parse(&k.to_text()).unwrap();
        assert_eq!(back.public_key(), k.public_key());
        let shown = format!("{k:?}");
        assert!(!shown.contains("q6ur"), "{shown}");
        assert!(shown.contains(&k.public_key().key_id()), "{shown}");
        assert!(SigningKey::parse(&k.public_key().to_text()).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any single byte changed, anywhere in the file, to any other value: refused.
        #[test]
        fn any_byte_changed_fails(pos in any::<prop::sample::Index>(), delta in 1u8..=255) {
            let (key, mut file) = signed();
            let i = pos.index(file.len());
            file[i] = file[i].wrapping_add(delta);
            prop_assert!(verify_document(&file, &[key.public_key()]).is_err());
        }

        /// Any byte removed or inserted: refused.
        #[test]
        fn any_byte_removed_or_inserted_fails(pos in any::<prop::sample::Index>(), byte in any::<u8>(), insert in any::<bool>()) {
            let (key, mut file) = signed();
            let i = pos.index(file.len());
            if insert { file.insert(i, byte); } else { file.remove(i); }
            prop_assert!(verify_document(&file, &[key.public_key()]).is_err());
        }
    }
}
