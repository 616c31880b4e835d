//! The shell every page shares: self-contained and inert, like the subject's copy.
//!
//! No script, no external resource, and a Content-Security-Policy that allows nothing but the
//! page's own style sheet, by its hash (the same policy as the subject's copy,
//! `forgetme_access_export::subject_html::content_security_policy`). Were a value ever written
//! unescaped, the browser would still refuse to run a script, load an image or apply an
//! injected style. The bar chart is inline SVG, which the policy does not need to allow.

use base64::Engine as _;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use sha2::{Digest, Sha256};

/// The Content-Security-Policy of a page whose only style sheet is `style`.
pub fn content_security_policy(style: &str) -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(style.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'"
    )
}

/// A whole page: `body` under a head that holds the policy, the title and `style`.
pub fn page(lang: &str, title: &str, style: &'static str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(content_security_policy(style));
                meta name="referrer" content="no-referrer";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(style)) }
            }
            body { (body) }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STYLE: &str = "body{color:#222}";

    #[test]
    fn the_policy_names_the_style_sheet_by_its_hash_and_allows_nothing_else() {
        let page = page("en", "T", STYLE, html! { p { "x" } });
        let csp = content_security_policy(STYLE);
        assert!(
            csp.starts_with("default-src 'none'; style-src 'sha256-"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe"), "{csp}");
        assert!(page.contains(&format!("content=\"{csp}\"")), "{page}");
        assert_eq!(page.matches("<style>").count(), 1);
        // The hash of the style sheet as it stands in the page, computed apart.
        let sheet = page
            .split("<style>")
            .nth(1)
            .and_then(|s| s.split("</style>").next())
            .unwrap();
        let want = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(sheet));
        assert!(csp.contains(&want), "{csp}");
        assert!(
            page.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{page}"
        );
    }

    #[test]
    fn the_policy_has_the_subject_copys_form() {
        let theirs = forgetme_access_export::subject_html::content_security_policy();
        let ours = content_security_policy(STYLE);
        let without_hash = |p: &str| {
            p.split(';')
                .filter(|d| !d.trim_start().starts_with("style-src"))
                .collect::<Vec<_>>()
                .join(";")
        };
        assert_eq!(without_hash(&theirs), without_hash(&ours));
    }
}
