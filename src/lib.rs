//! `sozialraum` reads the quarterly Excel submissions of youth-welfare
//! providers (freie Träger) to Landkreis Verden, checks them against the
//! district's rules and reports every problem at its cell.
//!
//! The stages, one module each: [`read`] (sniff, verify, stream cells) →
//! [`locate`] (header rows, form fields) → [`coerce`] (typed values) →
//! [`rules`] (findings) → [`render`]. [`pipeline`] runs one file through
//! them, [`worker`] runs the pipeline on one untrusted file in a guarded child
//! process; [`portal`] is the web portal on top of it; the commands in [`cmd`]
//! are thin.
//!
//! Layers, bottom to top; a module imports only from layers below it (no
//! cycles; `python3 ../shared/tools/layers.py src` checks it):
//!
//! 1. [`i18n`], [`text`], [`show`], [`interrupt`]: the language, text
//!    normalisation, number and date formats, temporary files to clean up on
//!    Ctrl-C;
//! 2. [`finding`]: `Finding` (a code, a typed `CellPos` and typed arguments),
//!    `Severity`, `Rule`, and the `violation!` macro with which each rule
//!    declares its codes and texts;
//! 3. [`config`]: the district's configuration (master data, sheets, column
//!    roles, limits) and the interface of the row rules ([`config::row_rule`]);
//! 4. [`read`]: bytes to raw cells (formats, container guards);
//! 5. [`coerce`]: raw cells to typed values;
//! 6. [`locate`], then [`rules`]: header rows and form fields, then the checks;
//! 7. [`pipeline`]: one workbook through the stages;
//! 8. [`xlsx`]: helpers for the workbooks we write (atomic save, formats, sheets);
//! 9. [`template`], [`consolidate`], then [`audit`]: the workbooks built from
//!    the configuration and from checked files (finding texts come in from
//!    above as [`finding::Texts`]);
//! 10. [`registry`]: every code, one line each, and the row rule kinds; the
//!     finding texts in the reader's language;
//! 11. [`render`]: terminal, JSON and the annotated copy of checks,
//!     consolidations and audits;
//! 12. [`worker`]: the pipeline and the annotated copy in a child process under limits;
//! 13. [`portal`]: the Meldeportal (`serve`): accounts, submissions and the
//!     audit trail in SQLite, pages and the JSON API; every upload through the
//!     [`worker`], texts of findings from the [`registry`], JSON from [`render`];
//! 14. [`cli`], then [`cmd`]: the command line and one file per command
//!     (`serve` and `users` are thin over [`portal`]).

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
pub mod portal;
pub mod read;
pub mod registry;
pub mod render;
pub mod rules;
pub mod show;
pub mod template;
pub mod text;
pub mod worker;
pub mod xlsx;
