//! The integration tests of `gdpr_forget_me`, in one test binary (as ripgrep keeps its own):
//! the real binary against real Cassandra nodes and the GWS emulator. One binary links once;
//! the suites it replaced linked the whole dependency graph two dozen times.
//!
//! Each module is one suite, run alone with `scripts/test --test it NAME::` (e.g.
//! `scripts/test --test it cleanup::`). `common` holds the helpers they share.

// Built for the static target (CI), the tests allocate as the shipped binary does (mimalloc):
// musl's own allocator doubled their CPU time.
#[cfg(target_env = "musl")]
#[global_allocator]
static TEST_ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

mod bad_input;
mod blast_radius;
mod cassandra_auth;
mod cassandra_tls;
mod cleanup;
mod cluster;
mod collateral;
mod disk_check;
mod disk_check_cluster;
mod disk_proof;
mod erasure_races;
mod evidence;
mod exit_codes;
mod export_cut;
mod faults;
mod formats;
mod hostile_gws;
mod layout_discover;
mod ledger;
mod nobody_else;
mod officer_pages;
mod one_engine;
mod one_place;
mod output_files;
mod possible_matches;
mod proof_location;
mod release_info;
mod requests_batch;
mod search;
mod security;
mod signed_receipt;
mod subject_copy;
mod terminal;
mod throttle;
