//! `sozialraum` reads the quarterly Excel submissions of youth-welfare
//! providers (freie Träger) to Landkreis Verden, checks them against the
//! district's rules and reports every problem at its cell.
//!
//! The stages, one module each: [`read`] (sniff, isolate, stream cells) →
//! [`locate`] (header rows, form fields) → [`coerce`] (typed values) →
//! [`rules`] (findings) → [`render`]. [`pipeline`] runs one file through
//! them; the commands in [`cmd`] are thin.

pub mod audit;
pub mod cli;
pub mod cmd;
pub mod coerce;
pub mod config;
pub mod consolidate;
pub mod finding;
pub mod i18n;
pub mod interrupt;
pub mod locate;
pub mod pipeline;
pub mod read;
pub mod render;
pub mod rules;
pub mod template;
pub mod xlsx;
