//! The interactive path, on a real pseudo-terminal: the GWS password asked for without echo,
//! the list of settings to erase, and the typed confirmation.

use crate::common::*;

/// Drives the binary on a pty with Python's standard library: answers the password prompt
/// and the confirmation, and prints everything the terminal showed.
const DRIVER: &str = r#"
import os, pty, sys, termios, time
answer = sys.argv[1]
argv = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
seen = b""
def wait_for(token, limit=120):
    global seen
    end = time.time() + limit
    while token not in seen:
        if time.time() > end:
            raise SystemExit("timed out waiting for %r; saw %r" % (token, seen))
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            raise SystemExit("process ended before %r; saw %r" % (token, seen))
        if not chunk:
            raise SystemExit("EOF before %r" % token)
        seen += chunk
wait_for(b"GWS password: ")
# Type only once the prompt has turned echo off, as a person's typing would land; typing
# earlier would be echoed by the terminal itself, whatever the program does.
end = time.time() + 30
while termios.tcgetattr(fd)[3] & termios.ECHO:
    if time.time() > end:
        raise SystemExit("echo was never turned off for the password prompt")
    time.sleep(0.01)
os.write(fd, os.environ["PTY_PASSWORD"].encode() + b"\r")
wait_for(b"Type yes to erase: ")
os.write(fd, answer.encode() + b"\r")
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;

async fn drive(s: &Seeded, dir: &std::path::Path, answer: &str) -> Run {
    let args: Vec<String> = cleanup_args(s, dir, &["--search", "john.smith@pizza.com"])
        .into_iter()
        .filter(|a| a != "--yes")
        .collect();
    let mut cmd = tokio::process::Command::new("python3");
    cmd.arg("-c")
        .arg(DRIVER)
        .arg(answer)
        .arg(env!("CARGO_BIN_EXE_gdpr_forget_me"))
        .args(&args)
        .env("PTY_PASSWORD", testkit::ADMIN_PASSWORD)
        .env_remove("GWS_PASSWORD");
    let out = cmd.output().await.expect("python3 runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_is_asked_for_the_password_and_for_confirmation() {
    let s = seeded("terminal").await;
    let dir = tempfile::tempdir().unwrap();
    let before = dump(&s.keyspace).await;

    // "no": nothing changes; the report is printed all the same, and the exit code (3) says
    // that nothing was erased.
    let run = drive(&s, dir.path(), "no").await;
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Cleanup: declined at the confirmation prompt; nothing was erased."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("john.smith@pizza.com"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("About to erase"), "{}", run.stdout);
    // The confirmation and the summary say how each identifier was read, with its value on
    // the operator's terminal.
    assert!(
        run.stdout.contains("Identifiers found in these settings:"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .matches("#1 = john.smith@pizza.com (e-mail)")
            .count()
            >= 2,
        "in the confirmation and in the summary: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Nothing erased: not confirmed."),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains(testkit::ADMIN_PASSWORD),
        "the password was echoed: {}",
        run.stdout
    );
    assert_eq!(dump(&s.keyspace).await, before);

    // "yes": erased and verified; on a terminal the identifier is shown to the operator.
    let run = drive(&s, dir.path(), "yes").await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Verified"), "{}", run.stdout);
    assert!(
        run.stdout.contains("john.smith@pizza.com"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(testkit::ADMIN_PASSWORD));
    assert!(dump(&s.keyspace).await.len() < before.len());
    s.emulator.shutdown().await;
}
