//! Fault injection, for tests of how clients survive a bad GWS: errors, latency, dropped
//! connections and sessions that end mid-run.
//!
//! Faults are **deterministic**, so tests that use them are not flaky:
//!
//! - a [`FaultRule`] applies a [`Fault`] to the next N requests that match a method and a path
//!   fragment (optionally after letting the first K of them through), e.g. "fail the next 3
//!   DELETEs of this user's settings with HTTP 500";
//! - a [`RandomFaults`] applies a fault to a share of the matching requests, drawn from a
//!   generator seeded by the test: the same requests in the same order get the same faults.
//!
//! A plain latency ([`Faults::set_latency`]) slows every request down first. Rules are then
//! checked in the order they were added; the random share applies to requests no rule took. Every injected fault is kept
//! ([`Faults::injected`]) so tests can prove a fault really happened. Faults sit in front of
//! everything else (authentication included): a fault that answers or drops the request means
//! GWS never saw it.
//!
//! From the command line: `gws-emulator serve --fault-error-rate 0.2 --fault-seed 7
//! --fault-delay-ms 300` (see `docs/gws-emulator.md`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::api::Shared;

/// What happens to a request a fault applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 with `{"statusCode":4,"statusMessage":"Internal error"}`, as GWS answers when
    /// Cassandra fails. The request is not processed.
    InternalError,
    /// HTTP 503 with a plain-text body and no `statusCode`, as a load balancer in front of GWS
    /// answers. The request is not processed.
    Unavailable,
    /// Wait this long, then process the request normally. Beyond the client's time-out this is
    /// a request the client gave up on but the server may still carry out.
    Delay(Duration),
    /// Close the connection without an answer. The request is not processed.
    DropBefore,
    /// Process the request, then close the connection instead of answering: the change is made
    /// but the client never hears of it.
    DropAfter,
    /// End every session (as a GWS restart would), then process the request: it, or the next
    /// modifying request, meets a missing session and a stale CSRF token.
    InvalidateSessions,
    /// Process the request without its body, as a proxy or GWS does when a header the client
    /// sent (a pasted `Content-Length: 0`) frames it wrongly: a `DELETE` of one setting
    /// becomes a `DELETE` of the whole group. The answer is GWS's usual "OK".
    DropBody,
}

impl Fault {
    /// A short stable name, for [`InjectedFault`] and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::InternalError => "internal_error",
            Fault::Unavailable => "unavailable",
            Fault::Delay(_) => "delay",
            Fault::DropBefore => "drop_before",
            Fault::DropAfter => "drop_after",
            Fault::InvalidateSessions => "invalidate_sessions",
            Fault::DropBody => "drop_body",
        }
    }
}

/// Which requests a fault applies to: a method (any when `None`) and a fragment of the path
/// (any when `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestFilter {
    /// `GET`, `PUT`, `DELETE`, ... (case-insensitive).
    pub method: Option<String>,
    /// A substring of the request path, e.g. a user id or a group name.
    pub path_contains: Option<String>,
}

impl RequestFilter {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

/// "Apply `fault` to the next `times` requests matching `filter`, after letting `skip` of them
/// through." Built with [`FaultRule::new`] and its builder methods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRule {
    /// Requests it applies to.
    pub filter: RequestFilter,
    /// What happens to them.
    pub fault: Fault,
    /// Matching requests let through untouched before the fault starts.
    pub skip: u64,
    /// How many matching requests get the fault; `None` for all of them.
    pub times: Option<u64>,
}

impl FaultRule {
    /// A rule applying `fault` to every request, until narrowed.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            filter: RequestFilter::default(),
            fault,
            skip: 0,
            times: None,
        }
    }

    /// Only requests with this method.
    pub fn method(mut self, method: &str) -> Self {
        self.filter.method = Some(method.to_string());
        self
    }

    /// Only requests whose path contains `fragment`.
    pub fn path_contains(mut self, fragment: &str) -> Self {
        self.filter.path_contains = Some(fragment.to_string());
        self
    }

    /// Only the next `n` matching requests (the rule is spent afterwards).
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Let the first `n` matching requests through before the fault starts.
    pub fn after(mut self, n: u64) -> Self {
        self.skip = n;
        self
    }
}

/// A seeded share of faulty requests: each request matching `filter` gets one of `faults`
/// (chosen with the same generator) with probability `rate`.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomFaults {
    /// Generator seed: the same seed and the same requests give the same faults.
    pub seed: u64,
    /// Share of matching requests that get a fault, 0.0 to 1.0.
    pub rate: f64,
    /// The faults to choose from (uniformly).
    pub faults: Vec<Fault>,
    /// Requests it applies to.
    pub filter: RequestFilter,
}

/// The faults an emulator starts with ([`crate::EmulatorConfig::faults`]). Empty by default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultPlan {
    /// Rules, checked in order.
    pub rules: Vec<FaultRule>,
    /// A random share, for requests no rule took.
    pub random: Option<RandomFaults>,
    /// Latency added to every request before anything else (zero: none). Makes a client run
    /// slow enough to be interrupted at a chosen point.
    pub latency: Duration,
}

impl FaultPlan {
    /// Whether the plan injects nothing.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.random.is_none() && self.latency.is_zero()
    }
}

/// One fault that was injected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjectedFault {
    /// Position of the request among all requests the emulator received (0-based).
    pub request: u64,
    /// Its method.
    pub method: String,
    /// Its path.
    pub path: String,
    /// What was done to it.
    pub fault: Fault,
}

struct Inner {
    rules: Vec<FaultRule>,
    random: Option<(RandomFaults, ChaCha8Rng)>,
    requests: u64,
    injected: Vec<InjectedFault>,
    latency: Duration,
}

/// The live faults of a running emulator, changeable while it runs
/// ([`crate::RunningEmulator::faults`]).
pub struct Faults {
    state: Mutex<Inner>,
    /// Requests received and not yet answered (or abandoned by a client that went away).
    in_flight: AtomicUsize,
}

/// Counts one request in [`Faults::in_flight`] for as long as it lives: dropped when the
/// answer is ready, or when the server abandons the request because its client went away.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        InFlight(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Faults {
    pub(crate) fn new(plan: FaultPlan) -> Self {
        let faults = Faults {
            state: Mutex::new(Inner {
                rules: Vec::new(),
                random: None,
                requests: 0,
                injected: Vec::new(),
                latency: plan.latency,
            }),
            in_flight: AtomicUsize::new(0),
        };
        for rule in plan.rules {
            faults.add(rule);
        }
        if let Some(r) = plan.random {
            faults.set_random(r);
        }
        faults
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.state.lock().expect("faults lock")
    }

    /// Adds a rule (after those already there).
    pub fn add(&self, rule: FaultRule) {
        self.lock().rules.push(rule);
    }

    /// Shorthand: `fault` for the next `n` requests with `method`.
    pub fn fail_next(&self, method: &str, n: u64, fault: Fault) {
        self.add(FaultRule::new(fault).method(method).times(n));
    }

    /// Sets (or replaces) the random share. Its generator starts from `random.seed` now.
    pub fn set_random(&self, random: RandomFaults) {
        let rng = ChaCha8Rng::seed_from_u64(random.seed);
        self.lock().random = Some((random, rng));
    }

    /// Sets the latency added to every request (zero for none).
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Removes every rule, the random share and the latency; requests are served normally
    /// again.
    pub fn clear(&self) {
        let mut s = self.lock();
        s.rules.clear();
        s.random = None;
        s.latency = Duration::ZERO;
    }

    /// Requests being handled right now: received, and neither answered nor abandoned yet.
    /// A test that kills a client waits for this to reach zero, so a change that was in
    /// flight has either landed or been dropped before the test looks at the data.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Every fault injected so far, in order.
    pub fn injected(&self) -> Vec<InjectedFault> {
        self.lock().injected.clone()
    }

    /// Decides the fault of one request, and records it.
    fn pick(&self, method: &str, path: &str) -> Option<Fault> {
        let mut s = self.lock();
        let n = s.requests;
        s.requests += 1;
        let mut chosen = None;
        let mut spent = None;
        for (i, rule) in s.rules.iter_mut().enumerate() {
            if !rule.filter.matches(method, path) {
                continue;
            }
            if rule.skip > 0 {
                rule.skip -= 1;
                continue;
            }
            if let Some(t) = rule.times.as_mut() {
                *t -= 1;
                if *t == 0 {
                    spent = Some(i);
                }
            }
            chosen = Some(rule.fault.clone());
            break;
        }
        if let Some(i) = spent {
            s.rules.remove(i);
        }
        if chosen.is_none() {
            if let Some((random, rng)) = s.random.as_mut() {
                if random.filter.matches(method, path)
                    && !random.faults.is_empty()
                    && rng.gen_bool(random.rate.clamp(0.0, 1.0))
                {
                    let k = rng.gen_range(0..random.faults.len());
                    chosen = Some(random.faults[k].clone());
                }
            }
        }
        if let Some(f) = &chosen {
            s.injected.push(InjectedFault {
                request: n,
                method: method.to_string(),
                path: path.to_string(),
                fault: f.clone(),
            });
        }
        chosen
    }
}

/// A response whose body fails at once: the server closes the connection without a complete
/// answer, which the client sees as a transport error.
fn dropped_connection() -> Response {
    let body = Body::from_stream(futures::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected fault: connection dropped",
        ))
    }));
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::OK;
    r
}

/// The middleware: runs before the gate (authentication, CSRF, recording).
pub(crate) async fn layer(
    State((faults, app)): State<(Arc<Faults>, Shared)>,
    req: Request,
    next: Next,
) -> Response {
    let _in_flight = InFlight::enter(&faults.in_flight);
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let latency = faults.lock().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let Some(fault) = faults.pick(&method, &path) else {
        return next.run(req).await;
    };
    tracing::info!(%method, %path, fault = fault.name(), "injecting fault");
    match fault {
        Fault::InternalError => {
            let mut r = (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"statusCode":4,"statusMessage":"Internal error"}"#,
            )
                .into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Fault::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "503 Service Temporarily Unavailable",
        )
            .into_response(),
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Fault::DropBefore => dropped_connection(),
        Fault::DropAfter => {
            let resp = next.run(req).await;
            // Wait for the handler's answer (the change is made), then throw it away.
            let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await;
            dropped_connection()
        }
        Fault::InvalidateSessions => {
            app.sessions.invalidate_all();
            next.run(req).await
        }
        Fault::DropBody => {
            let (mut parts, _body) = req.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.remove(header::TRANSFER_ENCODING);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
            next.run(Request::from_parts(parts, Body::empty())).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_apply_in_order_skip_and_run_out() {
        let f = Faults::new(FaultPlan::default());
        f.add(
            FaultRule::new(Fault::InternalError)
                .method("DELETE")
                .path_contains("/users/abc/")
                .after(1)
                .times(2),
        );
        let got: Vec<Option<Fault>> = [
            ("DELETE", "/api/v2/users/abc/settings/g"),
            ("GET", "/api/v2/users/abc/settings/g"),
            ("delete", "/api/v2/users/abc/settings/g"),
            ("DELETE", "/api/v2/users/xyz/settings/g"),
            ("DELETE", "/api/v2/users/abc/settings/g"),
            ("DELETE", "/api/v2/users/abc/settings/g"),
        ]
        .iter()
        .map(|(m, p)| f.pick(m, p))
        .collect();
        assert_eq!(
            got,
            vec![
                None,
                None,
                Some(Fault::InternalError),
                None,
                Some(Fault::InternalError),
                None
            ]
        );
        let inj = f.injected();
        assert_eq!(
            inj.iter().map(|i| i.request).collect::<Vec<_>>(),
            vec![2, 4]
        );
    }

    #[test]
    fn the_random_share_is_deterministic_and_roughly_the_rate() {
        let plan = FaultPlan {
            rules: vec![],
            random: Some(RandomFaults {
                seed: 7,
                rate: 0.25,
                faults: vec![Fault::InternalError, Fault::DropBefore],
                filter: RequestFilter::default(),
            }),
            latency: Duration::ZERO,
        };
        let run = || {
            let f = Faults::new(plan.clone());
            (0..400)
                .map(|_| f.pick("GET", "/api/v2/me"))
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let n = a.iter().filter(|x| x.is_some()).count();
        assert!((60..140).contains(&n), "{n} of 400");
        assert!(a.contains(&Some(Fault::DropBefore)));
        assert!(a.contains(&Some(Fault::InternalError)));
    }
}
