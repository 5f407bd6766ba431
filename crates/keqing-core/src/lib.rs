//! # keqing-core — Keqing's domain, with no I/O
//!
//! Everything Keqing *knows* lives here as plain Rust: who may do what
//! ([`role`]), whose records a user may reach ([`scope`]), what a valid
//! username, phone number or organisation looks like ([`validate`],
//! [`model`]), how a change is described for the audit log ([`audit`]),
//! how passwords are hashed ([`password`]), the Chinese business calendar —
//! lunar dates, festivals, statutory holidays and working days
//! ([`calendar`]) — and what the demo company looks like ([`demo`]).
//!
//! The crate never touches a database, a socket or the clock on its own:
//! callers pass "now", random bytes and loaded records in. That keeps every
//! rule unit-testable and lets the storage and web layers stay thin.
//!
//! Data flows one way: `keqing-web`/`keqing` (HTTP, CLI) → `keqing-core`
//! (rules) → `keqing-store` (SQL). This crate imports neither of the others.

#![forbid(unsafe_code)]

pub mod agenda;
pub mod audit;
pub mod calendar;
pub mod classify;
pub mod demo;
pub mod expense;
pub mod greeting;
pub mod ical;
pub mod ids;
pub mod import;
pub mod model;
pub mod money;
pub mod notify;
pub mod password;
pub mod region;
pub mod rng;
pub mod role;
pub mod scope;
pub mod search;
pub mod table;
pub mod throttle;
pub mod validate;
pub mod vcard;

pub use ids::{OrganisationId, PersonId, TeamId, UserId};
pub use role::{Permission, Role, Roles};
pub use scope::Scope;
pub use validate::{FieldErrors, Problem};
