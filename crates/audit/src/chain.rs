//! Verification of the hash chain, and digests of chain segments.
//!
//! Each event names the hash of the one before it, so a change anywhere shows up as a broken
//! link at the first changed line. Verification is strict on purpose: a log is evidence, and
//! any irregularity — even a harmless-looking re-formatting — is reported rather than excused.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::event::{Event, GENESIS_PREV};
use crate::{AuditError, AuditKey};

/// What a successful verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Number of events (= lines) in the log.
    pub events: u64,
    /// Distinct run ids, in the order their first event appears, so that the officer can see
    /// which runs the log covers.
    pub runs: Vec<String>,
    /// Hash of the last event ([`GENESIS_PREV`] for an empty log). Writing it down elsewhere
    /// (e.g. in an erasure receipt) also detects later removal of lines from the end, which the
    /// chain alone cannot.
    pub head: String,
    /// Whether every event's seal was checked against the audit key. Without the key only the
    /// chain is checked, and a rewrite that re-chains every later line is not detected.
    pub seals_checked: bool,
}

/// The first place where a log stops being a valid chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// 1-based line number in the file.
    pub line: u64,
    /// What is wrong there, and what that usually means.
    pub reason: String,
}

impl fmt::Display for BrokenLink {
    /// `line 7: <reason>`, the form shown to operators.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for BrokenLink {}

/// Verifies the whole file: each line is JSON, `seq` increments by 1 from 1, `prev` equals
/// the previous line's `hash` (first line: 64 zeros), `hash` equals the recomputation.
/// Reports the FIRST broken link (edited line, deleted line, reordered lines, truncated last
/// line, inserted line).
///
/// The outer error is for files that cannot be read at all; the inner one is the verdict.
/// Lines are also required to be in canonical form and newline-terminated, so that every
/// byte of the file is covered. Removal of whole lines *from the end* leaves a valid, shorter
/// chain: compare [`ChainReport::head`] or `events` with a value recorded elsewhere to catch it.
///
/// With `key`, every event's seal is checked too, which catches an edit followed by
/// re-chaining every later line (anyone can recompute hashes; only the key holder can seal).
/// Without it, such a rewrite verifies: [`ChainReport::seals_checked`] says which was done.
pub fn verify_chain(
    path: &Path,
    key: Option<&AuditKey>,
) -> Result<Result<ChainReport, BrokenLink>, AuditError> {
    let file = File::open(path).map_err(|e| AuditError::io("open audit log", path, e))?;
    walk(BufReader::new(file), key, |_| Ok(()))
        .map_err(|e| AuditError::io("read audit log", path, e))
}

/// [`verify_chain`], and every event's `data` parsed as the type of its kind
/// ([`crate::contract`]): what `--verify-audit-log` runs. An event whose chain and seal are
/// intact but whose kind or data do not follow the contract (an unknown kind, a missing field,
/// a wrong type) is reported as a broken link at its line: it was not written by this tool.
pub fn verify_log(
    path: &Path,
    key: Option<&AuditKey>,
) -> Result<Result<ChainReport, BrokenLink>, AuditError> {
    let file = File::open(path).map_err(|e| AuditError::io("open audit log", path, e))?;
    walk(BufReader::new(file), key, |event| {
        crate::contract::TypedEvent::parse(&event.kind, &event.data).map(|_| ())
    })
    .map_err(|e| AuditError::io("read audit log", path, e))
}

/// [`verify_chain`] for a log already in memory, e.g. a copy received for review, so that it
/// need not be written to disk first.
pub fn verify_bytes(log: &[u8], key: Option<&AuditKey>) -> Result<ChainReport, BrokenLink> {
    walk(log, key, |_| Ok(())).expect("reading from memory cannot fail")
}

/// SHA-256 over the hashes of events with seq in [from, to] (inclusive), hex — used by an
/// erasure receipt to reference the audit-log segment it summarizes.
///
/// Precisely: `sha256(hash_from + "\n" + hash_from+1 + "\n" + … + hash_to + "\n")`, each hash
/// in the lower-case hex of the log. Since each hash covers its predecessor, the digest pins
/// down the segment and everything before it. The whole log is verified first: a digest of a
/// tampered log would certify the tampering.
pub fn segment_digest(path: &Path, from: u64, to: u64) -> Result<String, AuditError> {
    segment_summary(path, from, to, None).map(|s| s.digest)
}

/// What a segment of a verified log holds, to check a receipt against the log it summarizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentSummary {
    /// [`segment_digest`] of the segment.
    pub digest: String,
    /// Hash of its last event.
    pub head: String,
    /// Run ids of its events.
    pub runs: Vec<String>,
    /// How many events of each kind it holds.
    pub kinds: std::collections::BTreeMap<String, u64>,
    /// Whether every seal of the log was checked (a key was given).
    pub seals_checked: bool,
}

/// Verifies the whole log (seals too, given the key) and summarizes the events with seq in
/// [from, to]: their digest, the last one's hash, their runs and kinds.
pub fn segment_summary(
    path: &Path,
    from: u64,
    to: u64,
    key: Option<&AuditKey>,
) -> Result<SegmentSummary, AuditError> {
    let file = File::open(path).map_err(|e| AuditError::io("open audit log", path, e))?;
    let mut sha = Sha256::new();
    let mut head = String::new();
    let mut runs: Vec<String> = Vec::new();
    let mut kinds = std::collections::BTreeMap::new();
    let verdict = walk(BufReader::new(file), key, |event| {
        if (from..=to).contains(&event.seq) {
            sha.update(event.hash.as_bytes());
            sha.update(b"\n");
            head = event.hash.clone();
            if !runs.contains(&event.run) {
                runs.push(event.run.clone());
            }
            *kinds.entry(event.kind.clone()).or_insert(0) += 1;
        }
        Ok(())
    })
    .map_err(|e| AuditError::io("read audit log", path, e))?;
    let report = verdict.map_err(|link| AuditError::Tampered {
        path: path.to_path_buf(),
        link,
    })?;
    if from == 0 || from > to || to > report.events {
        return Err(AuditError::SegmentOutOfRange {
            path: path.to_path_buf(),
            from,
            to,
            events: report.events,
        });
    }
    Ok(SegmentSummary {
        digest: hex::encode(sha.finalize()),
        head,
        runs,
        kinds,
        seals_checked: report.seals_checked,
    })
}

/// Longest line accepted in a log; the tool's events are a few KiB at most.
pub(crate) const MAX_LINE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads the log line by line, checking every link (and every seal, given the key), and hands
/// each valid event to `visit`. Stops at the first broken link, or at the first event `visit`
/// refuses (reported as a broken link at its line, with `visit`'s reason).
pub(crate) fn walk<R: BufRead>(
    mut reader: R,
    key: Option<&AuditKey>,
    mut visit: impl FnMut(&Event) -> Result<(), String>,
) -> io::Result<Result<ChainReport, BrokenLink>> {
    let mut state = ChainState::new(key);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        // Bounded: a line without end (a device such as /dev/zero, a corrupt file) must not
        // take the machine's memory.
        if (&mut reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut buf)?
            == 0
        {
            return Ok(Ok(state.into_report()));
        }
        if buf.len() as u64 > MAX_LINE_BYTES {
            return Ok(Err(BrokenLink {
                line: state.events + 1,
                reason: format!(
                    "the line is longer than {} MiB, far more than any event: this is not an audit log written by this tool",
                    MAX_LINE_BYTES / (1024 * 1024)
                ),
            }));
        }
        match state.accept(&buf) {
            Ok(event) => {
                if let Err(reason) = visit(&event) {
                    return Ok(Err(BrokenLink {
                        line: event.seq,
                        reason,
                    }));
                }
            }
            Err(link) => return Ok(Err(link)),
        }
    }
}

/// The chain as verified so far.
struct ChainState<'k> {
    /// The key to check seals with, if at hand.
    key: Option<&'k AuditKey>,
    /// Lines accepted so far (= last seq).
    events: u64,
    /// Hash of the last accepted event.
    head: String,
    /// Distinct run ids in order of appearance.
    runs: Vec<String>,
}

impl<'k> ChainState<'k> {
    fn new(key: Option<&'k AuditKey>) -> Self {
        ChainState {
            key,
            events: 0,
            head: GENESIS_PREV.to_owned(),
            runs: Vec::new(),
        }
    }

    /// Checks the next raw line (with its newline, if any) against the chain so far.
    fn accept(&mut self, raw: &[u8]) -> Result<Event, BrokenLink> {
        let line_no = self.events + 1;
        let broken = |reason: String| BrokenLink {
            line: line_no,
            reason,
        };
        let Some(line) = raw.strip_suffix(b"\n") else {
            return Err(broken(
                "the line does not end with a newline: the log was truncated, or a write was \
                 interrupted"
                    .to_owned(),
            ));
        };
        if line.is_empty() {
            return Err(broken("the line is empty: a line was inserted".to_owned()));
        }
        let event = Event::parse_line(line).map_err(broken)?;
        if event.seq != line_no {
            return Err(broken(format!(
                "seq is {} but {line_no} was expected: a line before it was deleted, or lines \
                 were inserted or reordered",
                event.seq
            )));
        }
        if event.prev != self.head {
            return Err(broken(if line_no == 1 {
                "prev of the first event is not 64 zeros: lines were removed from the start"
                    .to_owned()
            } else {
                format!(
                    "prev is not the hash of line {}: this line was forged or inserted, or \
                     the line before it was replaced",
                    line_no - 1
                )
            }));
        }
        if event.compute_hash() != event.hash {
            return Err(broken(
                "hash does not match the event's content: the line was edited".to_owned(),
            ));
        }
        if let Some(key) = self.key {
            if event.compute_seal(key) != event.seal {
                return Err(broken(
                    "the seal does not match the audit key: the line was rewritten (and the \
                     chain recomputed) by someone without the key, or the log belongs to \
                     another key"
                        .to_owned(),
                ));
            }
        }
        self.events = line_no;
        self.head.clone_from(&event.hash);
        if self.runs.last() != Some(&event.run) && !self.runs.contains(&event.run) {
            self.runs.push(event.run.clone());
        }
        Ok(event)
    }

    fn into_report(self) -> ChainReport {
        ChainReport {
            events: self.events,
            runs: self.runs,
            head: self.head,
            seals_checked: self.key.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::canonical_data;
    use serde_json::Map;

    fn log_of(runs: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut prev = GENESIS_PREV.to_owned();
        for (i, run) in runs.iter().enumerate() {
            let mut data = Map::new();
            data.insert("i".into(), (i as u64).into());
            let e = Event::seal(
                i as u64 + 1,
                "2024-01-01T00:00:00.000Z".into(),
                run,
                "result",
                canonical_data(data),
                &prev,
                &AuditKey::from_bytes([1; 32]),
            );
            out.extend(e.to_line());
            out.push(b'\n');
            prev = e.hash;
        }
        out
    }

    #[test]
    fn empty_log_is_a_valid_empty_chain() {
        let r = verify_bytes(b"", None).unwrap();
        assert_eq!((r.events, r.head.as_str()), (0, GENESIS_PREV));
        assert!(r.runs.is_empty());
    }

    #[test]
    fn runs_are_distinct_in_order_of_appearance() {
        let r = verify_bytes(&log_of(&["b", "b", "a", "b", "c"]), None).unwrap();
        assert_eq!(r.events, 5);
        assert_eq!(r.runs, ["b", "a", "c"]);
    }

    #[test]
    fn blank_and_unterminated_lines_are_broken() {
        let mut log = log_of(&["r", "r"]);
        log.insert(0, b'\n');
        assert_eq!(verify_bytes(&log, None).unwrap_err().line, 1);
        let mut log = log_of(&["r", "r"]);
        log.pop();
        assert_eq!(verify_bytes(&log, None).unwrap_err().line, 2);
    }

    #[test]
    fn an_endless_line_is_refused_without_reading_it_all() {
        let endless = std::io::repeat(b'x');
        let verdict = walk(BufReader::new(endless), None, |_| Ok(())).unwrap();
        let link = verdict.unwrap_err();
        assert_eq!(link.line, 1);
        assert!(link.reason.contains("longer than"), "{link}");
    }

    #[test]
    fn display_is_line_then_reason() {
        let link = BrokenLink {
            line: 7,
            reason: "x".into(),
        };
        assert_eq!(link.to_string(), "line 7: x");
    }
}

/// An earlier run that planned changes and never wrote its `run_end`: killed, or stopped by
/// a crash, somewhere between its first planned change and its end. What it changed is in
/// its `result` events (as far as it wrote them); what it planned and did not report may or
/// may not have been done.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnfinishedRun {
    /// Its run id.
    pub run_id: String,
    /// When it started (its `run_start` event's time).
    pub started_at: String,
    /// Its case (`--case`), when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// Changes it planned (`planned` events).
    pub planned: u64,
    /// Results it recorded (`result` events): the rest of its plan has no recorded outcome.
    pub results: u64,
    /// Sequence numbers of its first and last events in the log.
    pub first_seq: u64,
    /// See `first_seq`.
    pub last_seq: u64,
}

/// The runs of the log at `path` that planned at least one change and never ended, and that
/// share the case `case` or one of the subject refs `subjects`: what a new run of the same
/// request must not keep quiet about. A missing log has none.
pub fn unfinished_runs(
    path: &Path,
    subjects: &[String],
    case: Option<&str>,
) -> Result<Vec<UnfinishedRun>, AuditError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(AuditError::io("open audit log", path, e)),
    };
    struct Seen {
        run: UnfinishedRun,
        related: bool,
        ended: bool,
    }
    let mut runs: Vec<Seen> = Vec::new();
    let verdict = walk(BufReader::new(file), None, |event| {
        let i = match runs.iter().position(|r| r.run.run_id == event.run) {
            Some(i) => i,
            None => {
                runs.push(Seen {
                    run: UnfinishedRun {
                        run_id: event.run.clone(),
                        started_at: event.time.clone(),
                        case: None,
                        planned: 0,
                        results: 0,
                        first_seq: event.seq,
                        last_seq: event.seq,
                    },
                    related: false,
                    ended: false,
                });
                runs.len() - 1
            }
        };
        let seen = &mut runs[i];
        seen.run.last_seq = event.seq;
        match event.kind.as_str() {
            "run_start" => {
                let run_case = event
                    .data
                    .get("case")
                    .and_then(|c| c.as_str())
                    .map(str::to_string);
                let shares_subject = event
                    .data
                    .get("subjects")
                    .and_then(|s| s.as_array())
                    .is_some_and(|refs| {
                        refs.iter()
                            .filter_map(|r| r.as_str())
                            .any(|r| subjects.iter().any(|s| s == r))
                    });
                seen.related = shares_subject || (case.is_some() && run_case.as_deref() == case);
                seen.run.case = run_case;
                seen.run.started_at = event.time.clone();
            }
            "planned" => seen.run.planned += 1,
            "result" => seen.run.results += 1,
            "run_end" => seen.ended = true,
            _ => {}
        }
        Ok(())
    })
    .map_err(|e| AuditError::io("read audit log", path, e))?;
    verdict.map_err(|link| AuditError::Tampered {
        path: path.to_path_buf(),
        link,
    })?;
    Ok(runs
        .into_iter()
        .filter(|r| r.related && !r.ended && r.run.planned > 0)
        .map(|r| r.run)
        .collect())
}
