//! The black-box suite as one test binary (one link of the server, not one per resource):
//! a module per resource or concern, the fixtures they share in `support`, the harness
//! (`TestApp`, `TestDb`, `Response`) in the `tests` library.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

mod access;
mod auth;
mod conventions;
mod cors;
mod database;
mod demo;
mod exchange;
mod hostile;
mod hostile_json;
mod households;
mod idempotency;
mod journal;
mod liaisons;
mod operations;
mod organizations;
mod pairing_requests;
mod pairings;
mod party;
mod personal_data;
mod projects;
mod regions;
mod reports;
mod stats;
mod supervision;
mod users;
mod village_pairings;
