//! Whether a checked workbook may be submitted, and storing it: files first
//! (synced), then the row in one transaction that also marks the earlier
//! version `replaced`. Pages and API both come through here.

use super::db::{self, Account, NewSubmission, Role, Submission};
use super::text::{self, words};
use super::views::has_privacy;
use super::App;
use crate::i18n::Lang;
use crate::pipeline::FileOutcome;

/// Why a submission is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Office and controlling accounts do not submit.
    NotProvider,
    /// The file has personal data (any `privacy` finding).
    Privacy,
    /// The file has errors.
    Errors,
    /// The cover names another provider than the account's.
    OtherProvider { named: Option<String>, own: String },
    /// The cover names no complete period.
    NoPeriod,
    /// Warnings were not acknowledged.
    Warnings(usize),
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        let w = words(lang);
        match self {
            Refusal::NotProvider => w.refuse_not_provider.to_string(),
            Refusal::Privacy => w.refuse_privacy.to_string(),
            Refusal::Errors => w.refuse_errors.to_string(),
            Refusal::OtherProvider { named, own } => {
                text::other_provider(lang, named.as_deref(), own)
            }
            Refusal::NoPeriod => w.refuse_period.to_string(),
            Refusal::Warnings(_) => w.refuse_warnings.to_string(),
        }
    }

    /// The refusal's short name in the JSON API and the audit trail.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotProvider => "not_provider",
            Refusal::Privacy => "privacy",
            Refusal::Errors => "errors",
            Refusal::OtherProvider { .. } => "other_provider",
            Refusal::NoPeriod => "no_period",
            Refusal::Warnings(_) => "warnings_not_acknowledged",
        }
    }
}

/// The period a workbook is submitted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub provider: String,
    pub year: i32,
    pub quarter: u8,
}

/// Decides whether `account` may submit the checked `outcome`.
pub fn admissible(
    account: &Account,
    outcome: &FileOutcome,
    acknowledged: bool,
) -> Result<Period, Refusal> {
    let own = match (account.role, &account.provider) {
        (Role::Provider, Some(p)) => p.clone(),
        _ => return Err(Refusal::NotProvider),
    };
    let report = &outcome.report;
    if has_privacy(report) {
        return Err(Refusal::Privacy);
    }
    if report.summary.errors > 0 || !outcome.readable {
        return Err(Refusal::Errors);
    }
    let named = outcome.cover.provider_id.clone();
    if named.as_deref() != Some(own.as_str()) {
        return Err(Refusal::OtherProvider { named, own });
    }
    let (Some(year), Some(quarter)) = (outcome.cover.year, outcome.cover.quarter) else {
        return Err(Refusal::NoPeriod);
    };
    if !(1..=4).contains(&quarter) {
        return Err(Refusal::NoPeriod);
    }
    if report.summary.warnings > 0 && !acknowledged {
        return Err(Refusal::Warnings(report.summary.warnings));
    }
    Ok(Period {
        provider: own,
        year,
        quarter,
    })
}

/// The receipt numbers' prefix: the district's licence-plate code.
pub const RECEIPT_PREFIX: &str = "VER";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Ablage: {0}")]
    Files(#[from] std::io::Error),
    #[error("Datenbank: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Stores an admissible submission (blocking: files are synced to disk).
pub fn store(
    app: &App,
    account: &Account,
    period: &Period,
    name: &str,
    bytes: &[u8],
    outcome: &FileOutcome,
    annotated: Option<&[u8]>,
) -> Result<Submission, StoreError> {
    let sha = app.store.put(bytes)?;
    let annotated_sha = annotated.map(|a| app.store.put(a)).transpose()?;
    let mut report = outcome.report.clone();
    report.path = name.to_string();
    report.sha256 = Some(sha.clone());
    let id = super::auth::random_hex(16);
    let new = NewSubmission {
        id: &id,
        provider: &period.provider,
        year: period.year,
        quarter: period.quarter,
        account_id: account.id,
        file_name: name,
        sha256: &sha,
        size: bytes.len() as u64,
        annotated_sha256: annotated_sha.as_deref(),
        report: &report,
        contact: outcome.cover.contact.as_deref(),
        email: outcome.cover.email.as_deref(),
    };
    let mut conn = app.db.conn();
    Ok(db::insert_submission(
        &mut conn,
        &new,
        &account.login,
        RECEIPT_PREFIX,
    )?)
}

/// Whether `viewer` may see submission `s` at all (else: 404, its
/// existence is not revealed).
pub fn may_see(viewer: &Account, s: &Submission) -> bool {
    match viewer.role {
        Role::Provider => viewer.provider.as_deref() == Some(s.provider.as_str()),
        Role::Office | Role::Controlling => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{FileReport, Summary};
    use crate::rules::Cover;

    fn account(role: Role, provider: Option<&str>) -> Account {
        Account {
            id: 1,
            login: "x".into(),
            role,
            provider: provider.map(str::to_string),
            disabled: false,
            created: String::new(),
        }
    }

    fn outcome(provider: &str, errors: usize, warnings: usize) -> FileOutcome {
        FileOutcome {
            report: FileReport {
                path: "x".into(),
                sha256: None,
                provider: Some(provider.into()),
                year: Some(2026),
                quarter: Some(3),
                findings: vec![],
                summary: Summary {
                    errors,
                    warnings,
                    infos: 0,
                },
            },
            cover: Cover {
                provider_id: Some(provider.into()),
                year: Some(2026),
                quarter: Some(3),
                ..Cover::default()
            },
            tables: vec![],
            readable: true,
            annotated: None,
            nature: Default::default(),
        }
    }

    #[test]
    fn only_a_clean_file_of_the_own_provider_is_admissible() {
        let t03 = account(Role::Provider, Some("T03"));
        let ok = admissible(&t03, &outcome("T03", 0, 0), false).unwrap();
        assert_eq!(
            (ok.provider.as_str(), ok.year, ok.quarter),
            ("T03", 2026, 3)
        );
        assert_eq!(
            admissible(&t03, &outcome("T03", 1, 0), true),
            Err(Refusal::Errors)
        );
        assert!(matches!(
            admissible(&t03, &outcome("T04", 0, 0), true),
            Err(Refusal::OtherProvider { .. })
        ));
        assert_eq!(
            admissible(&t03, &outcome("T03", 0, 2), false),
            Err(Refusal::Warnings(2))
        );
        assert!(admissible(&t03, &outcome("T03", 0, 2), true).is_ok());
        let office = account(Role::Office, None);
        assert_eq!(
            admissible(&office, &outcome("T03", 0, 0), true),
            Err(Refusal::NotProvider)
        );
    }
}
