//! Checking the operator's inputs for the GWS side before anything is sent.

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
    /// `--gws` is not an http(s) URL.
    #[error("--gws must be an http:// or https:// URL such as http://127.0.0.1:8090 ({0})")]
    BadUrl(String),
}

/// Parses the original tool's header JSON (`{"name": "value", ...}`) into header pairs.
pub fn parse_additional_headers(json: &str) -> Result<Vec<(HeaderName, HeaderValue)>, HeaderError> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| HeaderError::NotJson(e.to_string()))?;
    let serde_json::Value::Object(map) = value else {
        return Err(HeaderError::NotObject);
    };
    let shown = |k: &str| k.chars().take(60).collect::<String>();
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        let serde_json::Value::String(v) = v else {
            return Err(HeaderError::NotString(shown(&k)));
        };
        let name =
            HeaderName::from_bytes(k.as_bytes()).map_err(|_| HeaderError::BadName(shown(&k)))?;
        let mut value = HeaderValue::from_str(&v).map_err(|_| HeaderError::BadValue(shown(&k)))?;
        value.set_sensitive(true);
        out.push((name, value));
    }
    Ok(out)
}

/// Parses `--gws`: an absolute http or https URL (a trailing `/api/v2` is tolerated).
pub fn parse_gws_url(s: &str) -> Result<Url, HeaderError> {
    let url = Url::parse(s.trim()).map_err(|e| HeaderError::BadUrl(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(HeaderError::BadUrl(format!("scheme {:?}", url.scheme())));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_originals_example_parses() {
        let h = parse_additional_headers(
            r#"{"X-CSRF-HEADER": "X-CSRF-TOKEN", "X-CSRF-TOKEN": "1434429f-81a8-459a-9d6d-792d17644471"}"#,
        )
        .unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].0.as_str(), "x-csrf-header");
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
    }
}
