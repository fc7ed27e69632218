//! The portal's state in one SQLite database (`sozialraum.db` in the data
//! folder): accounts, sessions and API tokens, submissions, the audit trail.
//! WAL mode; the schema grows by the migrations below, applied in order at
//! start (`PRAGMA user_version` counts them). Every query lives here.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use crate::finding::{FileReport, Summary};

/// The database file inside the data folder.
pub const DB_FILE: &str = "sozialraum.db";

/// Each entry moves the schema one version up; never edit one that shipped.
const MIGRATIONS: &[&str] = &[
    // 1: accounts, sessions, submissions, audit trail
    "CREATE TABLE accounts (
        id            INTEGER PRIMARY KEY,
        login         TEXT NOT NULL UNIQUE,
        role          TEXT NOT NULL CHECK (role IN ('provider', 'office', 'controlling')),
        provider      TEXT,
        password_hash TEXT NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0,
        created       TEXT NOT NULL,
        CHECK ((role = 'provider') = (provider IS NOT NULL))
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        kind       TEXT NOT NULL CHECK (kind IN ('web', 'api')),
        csrf       TEXT NOT NULL,
        created    TEXT NOT NULL,
        expires    TEXT NOT NULL
    );
    CREATE TABLE submissions (
        id               TEXT PRIMARY KEY,
        receipt          TEXT NOT NULL UNIQUE,
        provider         TEXT NOT NULL,
        year             INTEGER NOT NULL,
        quarter          INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
        seq              INTEGER NOT NULL,
        account_id       INTEGER NOT NULL REFERENCES accounts(id),
        submitted_at     TEXT NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('submitted', 'replaced', 'withdrawn')),
        status_at        TEXT,
        file_name        TEXT NOT NULL,
        sha256           TEXT NOT NULL,
        size             INTEGER NOT NULL,
        annotated_sha256 TEXT,
        errors           INTEGER NOT NULL,
        warnings         INTEGER NOT NULL,
        infos            INTEGER NOT NULL,
        report           TEXT NOT NULL,
        UNIQUE (provider, year, quarter, seq)
    );
    CREATE INDEX submissions_period ON submissions (provider, year, quarter);
    CREATE TABLE audit (
        id      INTEGER PRIMARY KEY,
        at      TEXT NOT NULL,
        account TEXT,
        action  TEXT NOT NULL,
        object  TEXT,
        outcome TEXT NOT NULL
    );",
    // 2: whom to remind: the cover's contact person and e-mail of each submission
    "ALTER TABLE submissions ADD COLUMN contact TEXT;
    ALTER TABLE submissions ADD COLUMN email TEXT;",
    // 3: the controlling:
    // the budget plans with their history, one current per year.
    "CREATE TABLE budget_plans (
        id          TEXT PRIMARY KEY,
        year        INTEGER NOT NULL,
        uploaded_at TEXT NOT NULL,
        account_id  INTEGER NOT NULL REFERENCES accounts(id),
        file_name   TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('current', 'replaced')),
        report      TEXT NOT NULL
    );
    CREATE INDEX budget_plans_year ON budget_plans (year, status);",
    // 4: the login throttle's
    // failed attempts per login and per address, so a lock outlives a
    // restart. `last`: the portal clock, milliseconds since 1970.
    "CREATE TABLE login_failures (
        scope TEXT NOT NULL CHECK (scope IN ('login', 'address')),
        key   TEXT NOT NULL,
        count INTEGER NOT NULL,
        last  INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
    );",
];

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
    #[error("die Datenbank hat Schema-Version {found}, dieses Programm kennt nur bis {known}")]
    NewerSchema { found: i64, known: i64 },
    #[error("keine Datenbank des Meldeportals (Schema-Version 0)")]
    NotPortal,
}

/// The connection, shared by the request handlers (each query is short).
pub struct Db {
    conn: Mutex<Connection>,
}

impl Db {
    /// Opens (or creates) the database in `dir` and brings its schema up to date.
    pub fn open(dir: &Path) -> Result<Db, DbError> {
        let mut conn = Connection::open(dir.join(DB_FILE))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        migrate(&mut conn)?;
        Ok(Db {
            conn: Mutex::new(conn),
        })
    }

    /// Opens the existing database in `dir` as it is, for a command beside
    /// the running server (`export` read-only, `backup`): never created,
    /// never migrated (that is the server's job); a schema newer than this
    /// program knows is refused, as is a file that is no portal database.
    /// WAL lets it read while the server writes.
    pub fn open_existing(dir: &Path, read_only: bool) -> Result<Connection, DbError> {
        use rusqlite::OpenFlags;
        let access = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        };
        let conn = Connection::open_with_flags(
            dir.join(DB_FILE),
            access | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(DbError::NewerSchema { found, known });
        }
        if found == 0 {
            return Err(DbError::NotPortal);
        }
        Ok(conn)
    }

    /// The connection; a handler that panicked while holding it left no
    /// half-done transaction (rusqlite rolls back on drop), so go on.
    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(DbError::NewerSchema {
            found: version,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// What an account may do (`domain/portal.md`, roles and rights).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Provider,
    Office,
    Controlling,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Provider => "provider",
            Role::Office => "office",
            Role::Controlling => "controlling",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "provider" => Some(Role::Provider),
            "office" => Some(Role::Office),
            "controlling" => Some(Role::Controlling),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub role: Role,
    /// The Träger-Nr. a provider account is bound to.
    pub provider: Option<String>,
    pub disabled: bool,
    pub created: String,
}

impl Account {
    fn from_row(r: &Row) -> rusqlite::Result<Account> {
        let role: String = r.get("role")?;
        Ok(Account {
            id: r.get("id")?,
            login: r.get("login")?,
            role: Role::parse(&role).unwrap_or(Role::Provider),
            provider: r.get("provider")?,
            disabled: r.get::<_, i64>("disabled")? != 0,
            created: r.get("created")?,
        })
    }
}

pub fn now() -> String {
    super::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

const ACCOUNT_COLUMNS: &str = "id, login, role, provider, disabled, created";

pub fn insert_account(
    conn: &Connection,
    login: &str,
    role: Role,
    provider: Option<&str>,
    password_hash: &str,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO accounts (login, role, provider, password_hash, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![login, role.as_str(), provider, password_hash, now()],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn account_by_login(conn: &Connection, login: &str) -> rusqlite::Result<Option<Account>> {
    conn.query_row(
        &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE login = ?1"),
        [login],
        Account::from_row,
    )
    .optional()
}

/// The account and its password hash, for a login.
pub fn credentials(conn: &Connection, login: &str) -> rusqlite::Result<Option<(Account, String)>> {
    conn.query_row(
        &format!("SELECT {ACCOUNT_COLUMNS}, password_hash FROM accounts WHERE login = ?1"),
        [login],
        |r| Ok((Account::from_row(r)?, r.get("password_hash")?)),
    )
    .optional()
}

pub fn accounts(conn: &Connection) -> rusqlite::Result<Vec<Account>> {
    let mut st = conn.prepare(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY login"
    ))?;
    let rows = st.query_map([], Account::from_row)?;
    rows.collect()
}

pub fn set_disabled(conn: &Connection, login: &str, disabled: bool) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE accounts SET disabled = ?2 WHERE login = ?1",
        params![login, disabled as i64],
    )?;
    if disabled {
        conn.execute(
            "DELETE FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE login = ?1)",
            [login],
        )?;
    }
    Ok(n > 0)
}

/// A new password hash; every session and token of the account ends.
pub fn set_password(conn: &Connection, login: &str, hash: &str) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE accounts SET password_hash = ?2 WHERE login = ?1",
        params![login, hash],
    )?;
    conn.execute(
        "DELETE FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE login = ?1)",
        [login],
    )?;
    Ok(n > 0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A browser session (cookie) with its CSRF token.
    Web,
    /// A bearer token of the JSON API.
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

pub fn insert_session(
    conn: &Connection,
    token_hash: &str,
    account_id: i64,
    kind: SessionKind,
    csrf: &str,
    expires: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sessions (token_hash, account_id, kind, csrf, created, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            token_hash,
            account_id,
            kind.as_str(),
            csrf,
            now(),
            expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ],
    )?;
    Ok(())
}

/// The live session of this kind with its account (not disabled) and CSRF token.
pub fn session(
    conn: &Connection,
    token_hash: &str,
    kind: SessionKind,
) -> rusqlite::Result<Option<(Account, String)>> {
    let cols = ACCOUNT_COLUMNS
        .split(", ")
        .map(|c| format!("a.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    conn.query_row(
        &format!(
            "SELECT {cols}, s.csrf FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.token_hash = ?1 AND s.kind = ?2 AND s.expires > ?3 AND a.disabled = 0"
        ),
        params![token_hash, kind.as_str(), now()],
        |r| Ok((Account::from_row(r)?, r.get("csrf")?)),
    )
    .optional()
}

pub fn delete_session(conn: &Connection, token_hash: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

pub fn delete_expired_sessions(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM sessions WHERE expires <= ?1", [now()])
}

/// Where a submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The current version for its period.
    Submitted,
    /// A later submission for the same period took its place.
    Replaced,
    /// The provider withdrew it.
    Withdrawn,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Replaced => "replaced",
            Status::Withdrawn => "withdrawn",
        }
    }

    fn parse(s: &str) -> Status {
        match s {
            "replaced" => Status::Replaced,
            "withdrawn" => Status::Withdrawn,
            _ => Status::Submitted,
        }
    }
}

/// One stored submission.
#[derive(Debug, Clone)]
pub struct Submission {
    pub id: String,
    pub receipt: String,
    pub provider: String,
    pub year: i32,
    pub quarter: u8,
    pub seq: i64,
    pub account: String,
    pub submitted_at: String,
    pub status: Status,
    pub status_at: Option<String>,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub annotated_sha256: Option<String>,
    pub summary: Summary,
    /// The `FileReport` as JSON (findings are typed; texts are made when shown).
    pub report: String,
    /// The cover's Ansprechperson and E-Mail (none before schema version 2).
    pub contact: Option<String>,
    pub email: Option<String>,
}

impl Submission {
    fn from_row(r: &Row) -> rusqlite::Result<Submission> {
        let status: String = r.get("status")?;
        Ok(Submission {
            id: r.get("id")?,
            receipt: r.get("receipt")?,
            provider: r.get("provider")?,
            year: r.get("year")?,
            quarter: r.get("quarter")?,
            seq: r.get("seq")?,
            account: r.get("login")?,
            submitted_at: r.get("submitted_at")?,
            status: Status::parse(&status),
            status_at: r.get("status_at")?,
            file_name: r.get("file_name")?,
            sha256: r.get("sha256")?,
            size: r.get("size")?,
            annotated_sha256: r.get("annotated_sha256")?,
            summary: Summary {
                errors: r.get::<_, i64>("errors")? as usize,
                warnings: r.get::<_, i64>("warnings")? as usize,
                infos: r.get::<_, i64>("infos")? as usize,
            },
            report: r.get("report")?,
            contact: r.get("contact")?,
            email: r.get("email")?,
        })
    }

    /// The findings as stored.
    pub fn file_report(&self) -> Option<FileReport> {
        serde_json::from_str(&self.report).ok()
    }
}

const SUBMISSION_SELECT: &str =
    "SELECT s.*, a.login FROM submissions s JOIN accounts a ON a.id = s.account_id";

/// What is stored for a new submission (the files are already in the store).
pub struct NewSubmission<'a> {
    pub id: &'a str,
    pub provider: &'a str,
    pub year: i32,
    pub quarter: u8,
    pub account_id: i64,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub size: u64,
    pub annotated_sha256: Option<&'a str>,
    pub report: &'a FileReport,
    pub contact: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// Stores a submission as the current one of its period, the earlier current
/// one becoming `replaced`, in one transaction with its audit entry. The
/// receipt number counts the period's submissions: `VER-2026-Q3-T03-02`.
pub fn insert_submission(
    conn: &mut Connection,
    new: &NewSubmission,
    login: &str,
    receipt_prefix: &str,
) -> rusqlite::Result<Submission> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let seq: i64 = tx.query_row(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM submissions WHERE provider = ?1 AND year = ?2 AND quarter = ?3",
        params![new.provider, new.year, new.quarter],
        |r| r.get(0),
    )?;
    let receipt = format!(
        "{receipt_prefix}-{}-Q{}-{}-{seq:02}",
        new.year, new.quarter, new.provider
    );
    let at = now();
    let replaced: Vec<String> = {
        let mut st = tx.prepare(
            "SELECT id FROM submissions WHERE provider = ?1 AND year = ?2 AND quarter = ?3 AND status = 'submitted'",
        )?;
        let ids = st.query_map(params![new.provider, new.year, new.quarter], |r| r.get(0))?;
        ids.collect::<rusqlite::Result<_>>()?
    };
    for old in &replaced {
        tx.execute(
            "UPDATE submissions SET status = 'replaced', status_at = ?2 WHERE id = ?1",
            params![old, at],
        )?;
        audit_in(&tx, Some(login), "replace", Some(old), "replaced")?;
    }
    let report = serde_json::to_string(new.report).unwrap_or_else(|_| "null".into());
    tx.execute(
        "INSERT INTO submissions (id, receipt, provider, year, quarter, seq, account_id, submitted_at, status,
            file_name, sha256, size, annotated_sha256, errors, warnings, infos, report, contact, email)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'submitted', ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            new.id,
            receipt,
            new.provider,
            new.year,
            new.quarter,
            seq,
            new.account_id,
            at,
            new.file_name,
            new.sha256,
            new.size as i64,
            new.annotated_sha256,
            new.report.summary.errors as i64,
            new.report.summary.warnings as i64,
            new.report.summary.infos as i64,
            report,
            new.contact,
            new.email,
        ],
    )?;
    audit_in(&tx, Some(login), "submit", Some(new.id), &receipt)?;
    let stored = tx.query_row(
        &format!("{SUBMISSION_SELECT} WHERE s.id = ?1"),
        [new.id],
        Submission::from_row,
    )?;
    tx.commit()?;
    Ok(stored)
}

pub fn submission(conn: &Connection, id: &str) -> rusqlite::Result<Option<Submission>> {
    conn.query_row(
        &format!("{SUBMISSION_SELECT} WHERE s.id = ?1"),
        [id],
        Submission::from_row,
    )
    .optional()
}

/// Submissions, newest first: one provider's, or all (`None`).
pub fn submissions(conn: &Connection, provider: Option<&str>) -> rusqlite::Result<Vec<Submission>> {
    let order = "ORDER BY s.year DESC, s.quarter DESC, s.provider, s.seq DESC";
    match provider {
        Some(p) => {
            let mut st = conn.prepare(&format!(
                "{SUBMISSION_SELECT} WHERE s.provider = ?1 {order}"
            ))?;
            let rows = st.query_map([p], Submission::from_row)?;
            rows.collect()
        }
        None => {
            let mut st = conn.prepare(&format!("{SUBMISSION_SELECT} {order}"))?;
            let rows = st.query_map([], Submission::from_row)?;
            rows.collect()
        }
    }
}

/// Every submission without its stored findings (`report` left empty),
/// newest first: what the status board counts, without reading every
/// report's JSON.
pub fn submission_heads(conn: &Connection) -> rusqlite::Result<Vec<Submission>> {
    let mut st = conn.prepare(
        "SELECT s.id, s.receipt, s.provider, s.year, s.quarter, s.seq, s.submitted_at, s.status,
                s.status_at, s.file_name, s.sha256, s.size, s.annotated_sha256, s.errors,
                s.warnings, s.infos, '' AS report, s.contact, s.email, a.login
         FROM submissions s JOIN accounts a ON a.id = s.account_id
         ORDER BY s.year DESC, s.quarter DESC, s.provider, s.seq DESC",
    )?;
    let rows = st.query_map([], Submission::from_row)?;
    rows.collect()
}

/// Withdraws the submission if it is the current one of its period.
pub fn withdraw(conn: &mut Connection, id: &str, login: &str) -> rusqlite::Result<bool> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let n = tx.execute(
        "UPDATE submissions SET status = 'withdrawn', status_at = ?2 WHERE id = ?1 AND status = 'submitted'",
        params![id, now()],
    )?;
    audit_in(
        &tx,
        Some(login),
        "withdraw",
        Some(id),
        if n > 0 { "withdrawn" } else { "not current" },
    )?;
    tx.commit()?;
    Ok(n > 0)
}

/// Every SHA-256 the store must keep (submitted files and annotated copies).
pub fn referenced_files(conn: &Connection) -> rusqlite::Result<std::collections::HashSet<String>> {
    let mut st = conn.prepare(
        "SELECT sha256 FROM submissions UNION SELECT annotated_sha256 FROM submissions WHERE annotated_sha256 IS NOT NULL
         UNION SELECT sha256 FROM budget_plans",
    )?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

// ------------------------------------------------ budget plans (controlling)

/// One uploaded budget plan of a year.
#[derive(Debug, Clone)]
pub struct StoredPlan {
    pub id: String,
    pub year: i32,
    pub uploaded_at: String,
    pub account: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    /// The current plan of its year (else replaced by a later upload).
    pub current: bool,
    /// The checked plan as the worker returned it (`BudgetPlan` as JSON).
    pub report: String,
}

impl StoredPlan {
    fn from_row(r: &Row) -> rusqlite::Result<StoredPlan> {
        let status: String = r.get("status")?;
        Ok(StoredPlan {
            id: r.get("id")?,
            year: r.get("year")?,
            uploaded_at: r.get("uploaded_at")?,
            account: r.get("login")?,
            file_name: r.get("file_name")?,
            sha256: r.get("sha256")?,
            size: r.get("size")?,
            current: status == "current",
            report: r.get("report")?,
        })
    }

    /// The checked plan as stored.
    pub fn plan(&self) -> Option<crate::audit::budget::BudgetPlan> {
        serde_json::from_str(&self.report).ok()
    }
}

const PLAN_SELECT: &str =
    "SELECT p.*, a.login FROM budget_plans p JOIN accounts a ON a.id = p.account_id";

/// What is stored for a new budget plan (the file is already in the store).
pub struct NewPlan<'a> {
    pub id: &'a str,
    pub year: i32,
    pub account_id: i64,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub size: u64,
    pub report: &'a str,
}

/// Stores a budget plan as the current one of its year, the earlier current
/// one becoming `replaced`, in one transaction with its audit entry.
pub fn insert_plan(conn: &mut Connection, new: &NewPlan, login: &str) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE budget_plans SET status = 'replaced' WHERE year = ?1 AND status = 'current'",
        [new.year],
    )?;
    tx.execute(
        "INSERT INTO budget_plans (id, year, uploaded_at, account_id, file_name, sha256, size, status, report)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'current', ?8)",
        params![
            new.id,
            new.year,
            now(),
            new.account_id,
            new.file_name,
            new.sha256,
            new.size as i64,
            new.report
        ],
    )?;
    audit_in(
        &tx,
        Some(login),
        "budget_upload",
        Some(new.id),
        &format!("year={}", new.year),
    )?;
    tx.commit()
}

/// The budget plans of `year` (every year: `None`), newest first.
pub fn plans(conn: &Connection, year: Option<i32>) -> rusqlite::Result<Vec<StoredPlan>> {
    let mut st = conn.prepare(&format!(
        "{PLAN_SELECT} WHERE ?1 IS NULL OR p.year = ?1 ORDER BY p.year DESC, p.uploaded_at DESC, p.rowid DESC"
    ))?;
    let rows = st.query_map([year], StoredPlan::from_row)?;
    rows.collect()
}

/// The current budget plan of `year`.
pub fn current_plan(conn: &Connection, year: i32) -> rusqlite::Result<Option<StoredPlan>> {
    conn.query_row(
        &format!("{PLAN_SELECT} WHERE p.year = ?1 AND p.status = 'current'"),
        [year],
        StoredPlan::from_row,
    )
    .optional()
}

/// One line of the audit trail: who did what to which object, and how it
/// ended. Never a cell value, never a password or token.
pub fn audit(
    conn: &Connection,
    account: Option<&str>,
    action: &str,
    object: Option<&str>,
    outcome: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO audit (at, account, action, object, outcome) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now(), account, action, object, outcome],
    )?;
    Ok(())
}

fn audit_in(
    tx: &Transaction,
    account: Option<&str>,
    action: &str,
    object: Option<&str>,
    outcome: &str,
) -> rusqlite::Result<()> {
    audit(tx, account, action, object, outcome)
}

/// One audit entry as read back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub at: String,
    pub account: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub outcome: String,
}

pub fn audit_trail(conn: &Connection) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut st =
        conn.prepare("SELECT at, account, action, object, outcome FROM audit ORDER BY id")?;
    let rows = st.query_map([], |r| {
        Ok(AuditEntry {
            at: r.get(0)?,
            account: r.get(1)?,
            action: r.get(2)?,
            object: r.get(3)?,
            outcome: r.get(4)?,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> FileReport {
        FileReport {
            path: "T03_2026-Q3.xlsx".into(),
            sha256: Some("ab".repeat(32)),
            provider: Some("T03".into()),
            year: Some(2026),
            quarter: Some(3),
            findings: vec![],
            summary: Summary::default(),
        }
    }

    fn submit(conn: &mut Connection, id: &str, account: i64) -> Submission {
        let r = report();
        let new = NewSubmission {
            id,
            provider: "T03",
            year: 2026,
            quarter: 3,
            account_id: account,
            file_name: "T03_2026-Q3.xlsx",
            sha256: &"ab".repeat(32),
            size: 10,
            annotated_sha256: None,
            report: &r,
            contact: Some("Frau Beispiel"),
            email: Some("meldung@traeger.de"),
        };
        insert_submission(conn, &new, "t03", "VER").unwrap()
    }

    #[test]
    fn migrations_run_once_and_a_second_open_keeps_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        insert_account(&db.conn(), "t03", Role::Provider, Some("T03"), "h").unwrap();
        drop(db);
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(accounts(&db.conn()).unwrap().len(), 1);
    }

    #[test]
    fn submissions_stored_before_the_contact_columns_read_without_contact() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                "INSERT INTO accounts (id, login, role, provider, password_hash, created)
                   VALUES (1, 't03', 'provider', 'T03', 'h', '2026-10-01T00:00:00.000Z');
                 INSERT INTO submissions VALUES ('old', 'VER-2026-Q3-T03-01', 'T03', 2026, 3, 1, 1,
                   '2026-10-01T00:00:00.000Z', 'submitted', NULL, 'a.xlsx', 'ab', 1, NULL, 0, 0, 0, 'null');",
            )
            .unwrap();
        }
        let db = Db::open(dir.path()).unwrap();
        let old = submission(&db.conn(), "old").unwrap().unwrap();
        assert_eq!((old.contact, old.email), (None, None));
    }

    #[test]
    fn an_existing_database_opens_read_only_and_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Db::open_existing(dir.path(), true).is_err(), "no database");
        let db = Db::open(dir.path()).unwrap();
        insert_account(&db.conn(), "amt", Role::Office, None, "h").unwrap();
        let ro = Db::open_existing(dir.path(), true).unwrap();
        assert_eq!(accounts(&ro).unwrap().len(), 1);
        assert!(insert_account(&ro, "x", Role::Office, None, "h").is_err());
        db.conn()
            .pragma_update(None, "user_version", MIGRATIONS.len() as i64 + 1)
            .unwrap();
        assert!(matches!(
            Db::open_existing(dir.path(), true),
            Err(DbError::NewerSchema { .. })
        ));
    }

    #[test]
    fn a_provider_account_needs_its_number_and_others_have_none() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let conn = db.conn();
        assert!(insert_account(&conn, "x", Role::Provider, None, "h").is_err());
        assert!(insert_account(&conn, "y", Role::Office, Some("T03"), "h").is_err());
        assert!(insert_account(&conn, "z", Role::Office, None, "h").is_ok());
    }

    #[test]
    fn a_second_budget_plan_of_a_year_replaces_the_first_and_others_stay() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let mut conn = db.conn();
        let acc = insert_account(&conn, "c", Role::Controlling, None, "h").unwrap();
        let plan = |id: &'static str, year| NewPlan {
            id,
            year,
            account_id: acc,
            file_name: "Budgetplan.xlsx",
            sha256: "cd",
            size: 1,
            report: "{}",
        };
        insert_plan(&mut conn, &plan("p1", 2026), "c").unwrap();
        insert_plan(&mut conn, &plan("p0", 2025), "c").unwrap();
        insert_plan(&mut conn, &plan("p2", 2026), "c").unwrap();
        let of_2026: Vec<(String, bool)> = plans(&conn, Some(2026))
            .unwrap()
            .into_iter()
            .map(|p| (p.id, p.current))
            .collect();
        assert_eq!(
            of_2026,
            [("p2".to_string(), true), ("p1".to_string(), false)]
        );
        assert_eq!(current_plan(&conn, 2025).unwrap().unwrap().id, "p0");
        assert!(current_plan(&conn, 2024).unwrap().is_none());
        assert!(referenced_files(&conn).unwrap().contains("cd"));
    }

    #[test]
    fn a_second_submission_replaces_the_first_and_counts_in_the_receipt() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let mut conn = db.conn();
        let acc = insert_account(&conn, "t03", Role::Provider, Some("T03"), "h").unwrap();
        let first = submit(&mut conn, "a1", acc);
        assert_eq!(first.receipt, "VER-2026-Q3-T03-01");
        assert_eq!(first.contact.as_deref(), Some("Frau Beispiel"));
        assert_eq!(first.email.as_deref(), Some("meldung@traeger.de"));
        let heads = submission_heads(&conn).unwrap();
        assert_eq!(heads[0].contact.as_deref(), Some("Frau Beispiel"));
        assert_eq!(heads[0].report, "", "no findings read");
        let second = submit(&mut conn, "a2", acc);
        assert_eq!(second.receipt, "VER-2026-Q3-T03-02");
        assert_eq!(
            submission(&conn, "a1").unwrap().unwrap().status,
            Status::Replaced
        );
        assert_eq!(second.status, Status::Submitted);
        assert!(!withdraw(&mut conn, "a1", "t03").unwrap());
        assert!(withdraw(&mut conn, "a2", "t03").unwrap());
        let actions: Vec<String> = audit_trail(&conn)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            ["submit", "replace", "submit", "withdraw", "withdraw"]
        );
    }
}
