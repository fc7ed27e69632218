//! `sozialraum serve --demo`: a filled portal on a temporary data folder,
//! with an account per provider of the configuration, one for the office and
//! one for controlling, and the shipped clean samples already submitted
//! (through the same check and store as every submission).

use rayon::prelude::*;

use super::db::{self, Role};
use super::submit;
use super::App;
use crate::i18n::Lang;

/// The clean samples of `samples/`, built into the binary so that the demo
/// runs from anywhere.
pub const SAMPLES: &[(&str, &[u8])] = &[
    (
        "T01_2026-Q1.xlsx",
        include_bytes!("../../samples/T01_2026-Q1.xlsx"),
    ),
    (
        "T01_2026-Q2.xlsx",
        include_bytes!("../../samples/T01_2026-Q2.xlsx"),
    ),
    (
        "T01_2026-Q3.xlsx",
        include_bytes!("../../samples/T01_2026-Q3.xlsx"),
    ),
    (
        "T02_2026-Q1.xlsx",
        include_bytes!("../../samples/T02_2026-Q1.xlsx"),
    ),
    (
        "T02_2026-Q2.xlsx",
        include_bytes!("../../samples/T02_2026-Q2.xlsx"),
    ),
    (
        "T02_2026-Q3.xlsx",
        include_bytes!("../../samples/T02_2026-Q3.xlsx"),
    ),
    (
        "T03_2026-Q1.xlsx",
        include_bytes!("../../samples/T03_2026-Q1.xlsx"),
    ),
    (
        "T03_2026-Q2.xlsx",
        include_bytes!("../../samples/T03_2026-Q2.xlsx"),
    ),
    (
        "T03_2026-Q3.xlsx",
        include_bytes!("../../samples/T03_2026-Q3.xlsx"),
    ),
    (
        "T05_2026-Q1.xlsx",
        include_bytes!("../../samples/T05_2026-Q1.xlsx"),
    ),
    (
        "T05_2026-Q2.xlsx",
        include_bytes!("../../samples/T05_2026-Q2.xlsx"),
    ),
    (
        "T05_2026-Q3.xlsx",
        include_bytes!("../../samples/T05_2026-Q3.xlsx"),
    ),
];

/// A demo account as printed at start.
pub struct DemoAccount {
    pub login: String,
    pub role: Role,
    pub provider: Option<String>,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0}")]
    Hash(String),
    #[error("{0}")]
    Db(#[from] rusqlite::Error),
    #[error("{0}")]
    Check(String),
}

/// Creates the demo accounts and submits the samples; returns the accounts
/// and how many samples were submitted.
pub fn prepare(app: &App, lang: Lang) -> Result<(Vec<DemoAccount>, usize), DemoError> {
    let mut wanted: Vec<(String, Role, Option<String>)> = app
        .cfg
        .providers
        .iter()
        .map(|p| (p.id.to_lowercase(), Role::Provider, Some(p.id.clone())))
        .collect();
    wanted.push(("amt".into(), Role::Office, None));
    wanted.push(("controlling".into(), Role::Controlling, None));
    let mut accounts = Vec::new();
    for (login, role, provider) in wanted {
        let password = super::auth::generate_password();
        let hash =
            super::auth::hash_password(&password).map_err(|e| DemoError::Hash(e.to_string()))?;
        db::insert_account(&app.db.conn(), &login, role, provider.as_deref(), &hash)?;
        accounts.push(DemoAccount {
            login,
            role,
            provider,
            password,
        });
    }
    let submitted: Vec<Result<bool, DemoError>> = SAMPLES
        .par_iter()
        .map(|(name, bytes)| {
            let provider = &name[..3];
            let Some(account) = db::account_by_login(&app.db.conn(), &provider.to_lowercase())?
            else {
                return Ok(false);
            };
            let checked = app.check(bytes, name, lang, true);
            let Ok(period) = submit::admissible(&account, &checked.outcome, true) else {
                return Ok(false);
            };
            submit::store(
                app,
                &account,
                &period,
                name,
                bytes,
                &checked.outcome,
                checked.annotated.as_deref(),
            )
            .map_err(|e| DemoError::Check(e.to_string()))?;
            Ok(true)
        })
        .collect();
    let mut n = 0;
    for s in submitted {
        if s? {
            n += 1;
        }
    }
    Ok((accounts, n))
}
