//! Checking the operator's inputs for the GWS side before anything is sent, and the header
//! names that neither the operator nor GWS may set.

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Url;

/// Why `--gws_additional_headers` or `--gws` was refused. The messages quote header *names*
/// only, never values (which are often tokens).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HeaderError {
    /// Not JSON at all.
    #[error("--gws_additional_headers is not valid JSON ({0}); give an object such as '{{\"X-CSRF-HEADER\": \"X-CSRF-TOKEN\"}}'")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("--gws_additional_headers must be a JSON object of header names to string values, such as '{{\"X-Header\": \"value\"}}'")]
    NotObject,
    /// A value that is not a string.
    #[error("--gws_additional_headers: the value of header {0:?} must be a JSON string")]
    NotString(String),
    /// A header name that HTTP does not allow (CR/LF, spaces, colons...).
    #[error("--gws_additional_headers: {0:?} is not a valid HTTP header name")]
    BadName(String),
    /// A value with CR/LF or other characters HTTP does not allow.
    #[error("--gws_additional_headers: the value of header {0:?} contains characters not allowed in HTTP headers (such as line breaks)")]
    BadValue(String),
    /// A header that changes how a request is framed, routed or authenticated.
    #[error("--gws_additional_headers: header {0:?} is refused: it changes how requests are framed, routed or authenticated (a DELETE without its body erases a whole settings group). Remove it; the tool sets these itself")]
    Forbidden(String),
    /// The same header twice (in any case).
    #[error("--gws_additional_headers: header {0:?} is given twice")]
    Duplicate(String),
    /// `--gws` is not an http(s) URL.
    #[error("--gws must be an http:// or https:// URL such as http://127.0.0.1:8090 ({0})")]
    BadUrl(String),
    /// `--gws` carries a query (`?apikey=...`) or a fragment (`#...`): a base URL has no use for
    /// either, and whatever they hold would reach the audit log and error messages.
    #[error("--gws must be GWS's base URL only (scheme, host, port and path, e.g. https://gws-api-host:8099), without a query (?...) or fragment (#...), which is neither used nor repeated here: a key or token that a gateway in front of GWS needs goes in a header, e.g. --gws_additional_headers '{{\"X-Api-Key\": \"...\"}}'")]
    QueryOrFragment,
    /// `--gws` carries a user name or password.
    #[error("--gws must not hold a user name or password (user:password@host): give the user with --gws_username and the password with --gws-password-file FILE, the GWS_PASSWORD environment variable or the prompt")]
    Userinfo,
}

/// Whether a header name may never be sent from `--gws_additional_headers` or as the CSRF
/// header GWS names: it changes the framing of the request (a body that is dropped turns a
/// one-setting DELETE into a group DELETE), where it goes, or whose it is.
pub fn is_forbidden_header(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "content-length",
        "transfer-encoding",
        "content-encoding",
        "content-type",
        "content-range",
        "host",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "expect",
        "authorization",
        "cookie",
        "cookie2",
        "forwarded",
        "via",
        "max-forwards",
        "x-http-method-override",
        "x-http-method",
        "x-method-override",
        "x-original-url",
        "x-rewrite-url",
        "range",
        "if-range",
        "http2-settings",
    ];
    EXACT.contains(&n.as_str())
        || n.starts_with("proxy-")
        || n.starts_with("x-forwarded-")
        || n.starts_with("sec-")
        || n.starts_with(':')
}

/// The two header names of GWS's CSRF handshake.
pub const CSRF_HEADER: &str = "x-csrf-header";
/// The handshake's token header.
pub const CSRF_TOKEN: &str = "x-csrf-token";

/// The operator's extra headers, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdditionalHeaders {
    /// Headers sent with every request.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Whether a pasted CSRF handshake (`X-CSRF-HEADER` and the token it names) was dropped
    /// because the tool does its own handshake.
    pub dropped_csrf: bool,
}

/// Parses the original tool's header JSON (`{"name": "value", ...}`) into header pairs.
///
/// Headers that change framing, routing or authentication are refused. A pasted CSRF
/// handshake (the original's documented example) is dropped, not sent: the tool's own
/// handshake gives a fresh token, and sending both made GWS refuse every change.
pub fn parse_additional_headers(json: &str) -> Result<AdditionalHeaders, HeaderError> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| HeaderError::NotJson(e.to_string()))?;
    let serde_json::Value::Object(map) = value else {
        return Err(HeaderError::NotObject);
    };
    let shown = |k: &str| k.chars().take(60).collect::<String>();
    let mut pairs = Vec::with_capacity(map.len());
    for (k, v) in &map {
        let serde_json::Value::String(v) = v else {
            return Err(HeaderError::NotString(shown(k)));
        };
        let name =
            HeaderName::from_bytes(k.as_bytes()).map_err(|_| HeaderError::BadName(shown(k)))?;
        if is_forbidden_header(name.as_str()) {
            return Err(HeaderError::Forbidden(shown(k)));
        }
        if pairs.iter().any(|(n, _): &(HeaderName, String)| *n == name) {
            return Err(HeaderError::Duplicate(shown(k)));
        }
        HeaderValue::from_str(v).map_err(|_| HeaderError::BadValue(shown(k)))?;
        pairs.push((name, v.clone()));
    }
    // The header the pasted X-CSRF-HEADER names carries the pasted token.
    let pasted_token_name = pairs
        .iter()
        .find(|(n, _)| n.as_str() == CSRF_HEADER)
        .and_then(|(_, v)| HeaderName::from_bytes(v.trim().as_bytes()).ok());
    let mut out = AdditionalHeaders::default();
    for (name, v) in pairs {
        let csrf = name.as_str() == CSRF_HEADER
            || name.as_str() == CSRF_TOKEN
            || pasted_token_name.as_ref() == Some(&name);
        if csrf {
            out.dropped_csrf = true;
            continue;
        }
        let mut value =
            HeaderValue::from_str(&v).map_err(|_| HeaderError::BadValue(name.to_string()))?;
        value.set_sensitive(true);
        out.headers.push((name, value));
    }
    Ok(out)
}

/// Parses `--gws`: an absolute http or https URL (a trailing `/api/v2` is tolerated), without
/// a user name or password in it (they would end up in logs and error messages).
pub fn parse_gws_url(s: &str) -> Result<Url, HeaderError> {
    let url = Url::parse(s.trim()).map_err(|e| HeaderError::BadUrl(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(HeaderError::BadUrl(format!("scheme {:?}", url.scheme())));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HeaderError::Userinfo);
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(HeaderError::QueryOrFragment);
    }
    let mut url = url;
    let path = url
        .path()
        .trim_end_matches('/')
        .trim_end_matches("/api/v2")
        .to_string();
    url.set_path(&path);
    Ok(url)
}

/// Text from GWS (or any upstream) made safe for a terminal: control characters, Unicode
/// format characters (bidirectional overrides, zero-width marks) and other invisible
/// characters are written as `\u{...}`, and the text is cut to `max` characters.
pub fn escape_upstream(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i >= max {
            out.push('…');
            break;
        }
        if c.is_control() || is_format_char(c) || c == '\\' {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// GWS's free-text `statusMessage` made fit for stderr: any word that could carry a personal
/// identifier (one holding an `@`, or three or more digits, in any script) is replaced by
/// `[redacted]`, then the rest is escaped by [`escape_upstream`]. GWS may echo the setting or
/// the contact it refused, and nothing the tool prints may hold a subject's identifier.
pub fn redact_upstream(text: &str, max: usize) -> String {
    let redacted: Vec<&str> = text
        .split(' ')
        .map(|word| {
            let digits = word.chars().filter(|c| c.is_numeric()).count();
            if word.contains('@') || word.contains('\u{ff20}') || digits >= 3 {
                "[redacted]"
            } else {
                word
            }
        })
        .collect();
    escape_upstream(&redacted.join(" "), max)
}

/// Unicode "format" characters and other invisible code points that can reorder or hide text.
fn is_format_char(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_originals_example_parses() {
        let h = parse_additional_headers(
            r#"{"X-CSRF-HEADER": "X-CSRF-TOKEN", "X-CSRF-TOKEN": "1434429f-81a8-459a-9d6d-792d17644471"}"#,
        )
        .unwrap();
        assert!(h.headers.is_empty(), "{h:?}");
        assert!(h.dropped_csrf);
        // A pasted handshake naming another token header drops that one too, and only it.
        let h = parse_additional_headers(
            r#"{"X-CSRF-HEADER": "X-Xsrf", "x-xsrf": "t", "X-Tenant": "a"}"#,
        )
        .unwrap();
        let names: Vec<&str> = h.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["x-tenant"]);
        assert!(h.dropped_csrf);
        let h = parse_additional_headers(r#"{"X-Tenant": "a"}"#).unwrap();
        assert!(!h.dropped_csrf);
    }

    #[test]
    fn framing_routing_and_authentication_headers_are_refused_in_any_case() {
        for name in [
            "Content-Length",
            "content-length",
            "CONTENT-LENGTH",
            "Transfer-Encoding",
            "Host",
            "Connection",
            "Authorization",
            "Cookie",
            "Proxy-Authorization",
            "proxy-connection",
            "Upgrade",
            "TE",
            "Trailer",
            "Keep-Alive",
            "Expect",
            "X-HTTP-Method-Override",
            "X-Forwarded-Host",
        ] {
            let json = format!(r#"{{"{name}": "0"}}"#);
            assert_eq!(
                parse_additional_headers(&json).unwrap_err(),
                HeaderError::Forbidden(name.into()),
                "{name}"
            );
        }
        assert!(!is_forbidden_header("X-Tenant"));
        assert!(!is_forbidden_header("X-CSRF-TOKEN"));
        assert_eq!(
            parse_additional_headers(r#"{"X-A": "1", "x-a": "2"}"#).unwrap_err(),
            HeaderError::Duplicate("x-a".into())
        );
    }

    #[test]
    fn upstream_text_is_escaped() {
        assert_eq!(
            escape_upstream("a\u{1b}[2Jb\u{202e}c\nd\\", 100),
            "a\\u{1b}[2Jb\\u{202e}c\\u{a}d\\\\"
        );
        assert_eq!(escape_upstream("abcdef", 3), "abc…");
    }

    #[test]
    fn upstream_messages_lose_every_word_that_could_be_an_identifier() {
        assert_eq!(
            redact_upstream(
                "Cannot delete john.smith@pizza.com (+1 555 0100) key 12",
                200
            ),
            "Cannot delete [redacted] (+1 [redacted] [redacted] key 12"
        );
        // Digits in other scripts and a fullwidth at sign count too; escapes still apply.
        assert_eq!(
            redact_upstream("x \u{661}\u{662}\u{663} a\u{ff20}b\u{1b}[2J", 200),
            "x [redacted] [redacted]"
        );
        assert_eq!(
            redact_upstream("bad\u{1b}[2J token", 200),
            "bad\\u{1b}[2J token"
        );
    }

    #[test]
    fn bad_headers_are_refused_with_the_reason() {
        assert!(matches!(
            parse_additional_headers("{"),
            Err(HeaderError::NotJson(_))
        ));
        assert_eq!(parse_additional_headers("[1]"), Err(HeaderError::NotObject));
        assert_eq!(
            parse_additional_headers(r#"{"a": 1}"#),
            Err(HeaderError::NotString("a".into()))
        );
        assert_eq!(
            parse_additional_headers("{\"a\\r\\nb\": \"x\"}"),
            Err(HeaderError::BadName("a\r\nb".into()))
        );
        assert_eq!(
            parse_additional_headers(r#"{"a": "x\r\nInjected: y"}"#),
            Err(HeaderError::BadValue("a".into()))
        );
    }

    #[test]
    fn error_messages_do_not_echo_header_values() {
        let err = parse_additional_headers(r#"{"a": "secret\n"}"#).unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }

    #[test]
    fn gws_url_must_be_http() {
        assert_eq!(
            parse_gws_url("http://127.0.0.1:8090").unwrap().as_str(),
            "http://127.0.0.1:8090/"
        );
        assert_eq!(
            parse_gws_url("https://gws:8099/api/v2/").unwrap().as_str(),
            "https://gws:8099/"
        );
        assert!(parse_gws_url("ftp://x").is_err());
        assert!(parse_gws_url("127.0.0.1:8090").is_err());
        assert!(parse_gws_url("").is_err());
        for with_userinfo in [
            "http://admin:hunter2@gws:8090",
            "http://admin@gws:8090",
            "https://:hunter2@gws",
        ] {
            let err = parse_gws_url(with_userinfo).unwrap_err();
            assert_eq!(err, HeaderError::Userinfo);
            assert!(!err.to_string().contains("hunter2"));
        }
        for with_query in [
            "https://gws:8099/?apikey=hunter2",
            "https://gws:8099?apikey=hunter2",
            "https://gws:8099/api/v2?token=hunter2#x",
            "https://gws:8099/#hunter2",
            "https://gws:8099/?",
        ] {
            let err = parse_gws_url(with_query).unwrap_err();
            assert_eq!(err, HeaderError::QueryOrFragment, "{with_query}");
            assert!(!err.to_string().contains("hunter2"));
            assert!(err.to_string().contains("--gws_additional_headers"));
        }
    }
}
