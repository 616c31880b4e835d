//! What an operator and an auditor read off a shipped binary: `--version` names the version,
//! the git commit and the build date; `--generate` writes the man page and shell completions
//! from the same argument definitions that parse the command line (scripts/release puts them
//! into the release folder). No Cassandra needed.

use std::process::{Command, Output};

fn tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gdpr_forget_me"))
        .args(args)
        .output()
        .expect("run gdpr_forget_me")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 output")
}

/// The commit of this source tree, as the build script sees it; None outside a git checkout.
fn head_commit() -> Option<String> {
    let out = Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim()[..12].to_string())
}

#[test]
fn version_names_the_version_the_commit_and_the_build_date() {
    let out = tool(&["--version"]);
    assert!(out.status.success(), "{out:?}");
    let line = stdout(&out);
    let line = line.trim_end();
    let expected_start = format!("gdpr_forget_me {} (commit ", env!("CARGO_PKG_VERSION"));
    let rest = line
        .strip_prefix(&expected_start)
        .unwrap_or_else(|| panic!("{line:?} does not start with {expected_start:?}"));
    let (commit, rest) = rest
        .split_once(", built ")
        .expect("', built ' in --version");
    match head_commit() {
        Some(head) => assert_eq!(commit, head, "--version names another commit than HEAD"),
        None => assert_eq!(commit, "unknown"),
    }
    let date = rest.strip_suffix(')').expect("closing parenthesis");
    let parts: Vec<u32> = date
        .split('-')
        .map(|p| p.parse().expect("numeric date"))
        .collect();
    assert_eq!(parts.len(), 3, "{date:?} is not YYYY-MM-DD");
    assert!(parts[0] >= 2024 && (1..=12).contains(&parts[1]) && (1..=31).contains(&parts[2]));
    // -V says the same, so an operator gets the commit whichever spelling they try.
    assert_eq!(stdout(&tool(&["-V"])).trim_end(), line);
}

#[test]
fn the_requests_commands_have_a_man_page_of_their_own() {
    let out = tool(&["--generate", "man-requests"]);
    assert!(out.status.success(), "{out:?}");
    let page = stdout(&out).replace("\\-", "-");
    assert!(page.contains(".TH gdpr_forget_me-requests"), "{page}");
    for word in [
        "--ledger",
        "add",
        "extend",
        "close",
        "list",
        "due",
        "show",
        "recheck-due",
    ] {
        assert!(page.contains(word), "the requests page lacks {word}");
    }
}

#[test]
fn the_man_page_documents_the_visible_flags_and_not_the_hidden_ones() {
    let out = tool(&["--generate", "man"]);
    assert!(out.status.success(), "{out:?}");
    // roff escapes hyphens as \-.
    let page = stdout(&out).replace("\\-", "-");
    assert!(page.starts_with(".ie") || page.contains("\n.TH ") || page.starts_with(".TH "));
    for flag in [
        "--cass_keyspace",
        "--cass_hostname",
        "--cass_port",
        "--search",
        "--group_name",
        "--cleanup",
        "--gws",
        "--gws_username",
        "--gws_additional_headers",
        "--verify-audit-log",
        "--version",
    ] {
        assert!(page.contains(flag), "the man page lacks {flag}");
    }
    for hidden in ["--generate", "--scan-only"] {
        assert!(!page.contains(hidden), "the man page shows hidden {hidden}");
    }
}

#[test]
fn completions_offer_the_flags_for_bash_and_zsh() {
    let bash = stdout(&tool(&["--generate", "complete-bash"]));
    assert!(bash.contains("complete -F"), "not a bash completion script");
    assert!(bash.contains("--cass_keyspace") && bash.contains("--search-file"));
    let zsh = stdout(&tool(&["--generate", "complete-zsh"]));
    assert!(
        zsh.starts_with("#compdef gdpr_forget_me"),
        "not a zsh completion function"
    );
    assert!(zsh.contains("--cass_keyspace") && zsh.contains("--search-file"));
}

#[test]
fn an_unknown_generate_kind_is_refused_with_the_choices() {
    let out = tool(&["--generate", "fish"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("man") && err.contains("complete-bash"),
        "{err}"
    );
}
