//! The office's and the controlling's view of who has submitted: the status
//! board (every provider × the quarters of a year), the list of who is
//! still missing for a quarter with a prepared reminder and its CSV, and the
//! same as JSON (`GET /api/v1/status`). Office and controlling only: a
//! provider gets `403`.
//!
//! A provider is `submitted` for a quarter while it has a current
//! submission (one that arrived after the deadline stays `submitted` and is
//! marked late), `overdue` without one once the deadline's day has ended
//! (see [`deadline`]), else `missing`.

use std::sync::Arc;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::auth::{self, ApiUser, WebUser};
use super::db::{self, Account, Role, Status, Submission};
use super::deadline::{self, Deadline};
use super::http::{self, api_error, api_internal};
use super::text::{self, words};
use super::views::{self, render, Frame};
use super::App;
use crate::config::Config;
use crate::finding::{count, Severity};
use crate::i18n::Lang;

type AppState = State<Arc<App>>;

/// Where a provider stands for one quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    /// No current submission; the deadline has not passed.
    Missing,
    /// No current submission after the deadline.
    Overdue,
    /// A current submission is in (perhaps late).
    Submitted,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Missing => "missing",
            Standing::Overdue => "overdue",
            Standing::Submitted => "submitted",
        }
    }

    fn word(self, lang: Lang) -> &'static str {
        let w = words(lang);
        match self {
            Standing::Missing => w.state_missing,
            Standing::Overdue => w.state_overdue,
            Standing::Submitted => w.state_submitted,
        }
    }
}

/// One provider in one quarter.
#[derive(Debug, Clone)]
pub struct QuarterStatus {
    pub quarter: u8,
    pub deadline: Deadline,
    pub standing: Standing,
    /// The current submission.
    pub current: Option<Submission>,
    /// How many submissions of the quarter a later one replaced.
    pub replaced: usize,
    /// Whether any submission (current, replaced or withdrawn) exists.
    pub any: bool,
    /// The current submission arrived after the deadline.
    pub late: bool,
}

/// One provider across the quarters of a year, with whom to remind.
#[derive(Debug, Clone)]
pub struct ProviderStatus {
    pub id: String,
    pub name: Option<String>,
    pub contact: Option<String>,
    pub email: Option<String>,
    pub quarters: Vec<QuarterStatus>,
}

impl ProviderStatus {
    pub fn quarter(&self, q: u8) -> Option<&QuarterStatus> {
        self.quarters.iter().find(|s| s.quarter == q)
    }
}

/// The deadline of each quarter of `year` under `cfg`.
pub fn deadlines(cfg: &Config, year: i32) -> Vec<Deadline> {
    (1..=4)
        .filter_map(|q| Deadline::of(year, q, cfg.deadlines.days_after_quarter))
        .collect()
}

/// The status of every provider (the master data's in their order, then
/// any other with a submission in `year`) in the four quarters of `year`
/// at `now`, from all stored submissions `subs`.
pub fn board(
    cfg: &Config,
    subs: &[Submission],
    year: i32,
    now: DateTime<Utc>,
) -> Vec<ProviderStatus> {
    let mut ids: Vec<String> = cfg.providers.iter().map(|p| p.id.clone()).collect();
    let mut others: Vec<String> = subs
        .iter()
        .filter(|s| s.year == year && cfg.provider(&s.provider).is_none())
        .map(|s| s.provider.clone())
        .collect();
    others.sort();
    others.dedup();
    ids.extend(others);
    let deadlines = deadlines(cfg, year);
    ids.into_iter()
        .map(|id| {
            let quarters = (1u8..=4)
                .zip(deadlines.iter())
                .map(|(q, d)| {
                    let of_period: Vec<&Submission> = subs
                        .iter()
                        .filter(|s| s.provider == id && s.year == year && s.quarter == q)
                        .collect();
                    quarter_status(q, *d, &of_period, now)
                })
                .collect();
            let (contact, email) = contact_of(cfg, subs, &id);
            ProviderStatus {
                name: cfg.provider(&id).map(|p| p.name.clone()),
                id,
                contact,
                email,
                quarters,
            }
        })
        .collect()
}

fn quarter_status(
    quarter: u8,
    deadline: Deadline,
    subs: &[&Submission],
    now: DateTime<Utc>,
) -> QuarterStatus {
    let current = subs
        .iter()
        .find(|s| s.status == Status::Submitted)
        .map(|s| (*s).clone());
    let late = current
        .as_ref()
        .and_then(|s| db::parse_time(&s.submitted_at))
        .is_some_and(|t| deadline.passed(t));
    let standing = match (&current, deadline.passed(now)) {
        (Some(_), _) => Standing::Submitted,
        (None, true) => Standing::Overdue,
        (None, false) => Standing::Missing,
    };
    QuarterStatus {
        quarter,
        deadline,
        standing,
        current,
        replaced: subs.iter().filter(|s| s.status == Status::Replaced).count(),
        any: !subs.is_empty(),
        late,
    }
}

/// Whom to write to: the latest submission's cover, else the master data.
fn contact_of(cfg: &Config, subs: &[Submission], id: &str) -> (Option<String>, Option<String>) {
    let latest = subs
        .iter()
        .filter(|s| s.provider == id && (s.contact.is_some() || s.email.is_some()))
        .max_by(|a, b| a.submitted_at.cmp(&b.submitted_at));
    let master = cfg.provider(id);
    let contact = latest
        .and_then(|s| s.contact.clone())
        .or_else(|| master.and_then(|p| p.contact.clone()));
    let email = latest
        .and_then(|s| s.email.clone())
        .or_else(|| master.and_then(|p| p.email.clone()));
    (contact, email)
}

/// Office and controlling see the board; providers do not.
fn oversees(account: &Account) -> bool {
    matches!(account.role, Role::Office | Role::Controlling)
}

/// A year as asked for: none means `default`; else a number 2005–2100.
fn parse_year(s: Option<&str>, default: i32) -> Option<i32> {
    match s.map(str::trim) {
        None | Some("") => Some(default),
        Some(s) => s.parse().ok().filter(|y| (2005..=2100).contains(y)),
    }
}

/// A quarter as asked for: none means `default`; else 1–4.
fn parse_quarter(s: Option<&str>, default: u8) -> Option<u8> {
    match s.map(str::trim) {
        None | Some("") => Some(default),
        Some(s) => s.parse().ok().filter(|q| (1..=4).contains(q)),
    }
}

/// Percent-encodes all but the unreserved characters (and `keep`).
fn encode(s: &str, keep: &[u8]) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `mailto:` with the address, subject and body (lines CRLF, RFC 6068).
fn mailto(address: &str, subject: &str, body: &str) -> String {
    let body = body.replace('\n', "\r\n");
    format!(
        "mailto:{}?subject={}&body={}",
        encode(address, b"@"),
        encode(subject, b""),
        encode(&body, b"")
    )
}

/// The portal's address as the clerk reached it (the proxy's host when
/// behind one), for the reminder; only characters a host name may have.
fn portal_address(app: &App, headers: &HeaderMap) -> Option<String> {
    let forwarded = app
        .settings
        .behind_proxy
        .then(|| headers.get("x-forwarded-host"))
        .flatten();
    let host = forwarded
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.split(',').next())
        .map(str::trim)
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })?;
    let scheme = if auth::came_over_https(headers) {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{host}/"))
}

/// One CSV field for German Excel: quoted when it holds `;`, `"` or a line
/// break; a leading `= + - @` (a formula to Excel) neutralised with `'`.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

// ------------------------------------------------------------------ pages

fn frame(app: &App, user: &WebUser, here: &str) -> Frame {
    app.frame(user.lang, "uebersicht", here)
        .with_user(&user.account, &user.csrf)
}

fn message(
    app: &App,
    user: &WebUser,
    status: StatusCode,
    title: &'static str,
    text: &str,
) -> Response {
    let w = words(user.lang);
    let back = if oversees(&user.account) {
        ("/uebersicht", w.back_to_board)
    } else {
        ("/", w.back_home)
    };
    let frame = frame(app, user, "/");
    views::message(frame, user.lang, status, title, text.to_string(), back)
}

/// The `403` page of a provider on these pages.
fn forbidden(app: &App, user: &WebUser) -> Response {
    let w = words(user.lang);
    message(
        app,
        user,
        StatusCode::FORBIDDEN,
        w.forbidden_title,
        w.forbidden,
    )
}

fn bad_period(app: &App, user: &WebUser) -> Response {
    let w = words(user.lang);
    message(
        app,
        user,
        StatusCode::BAD_REQUEST,
        w.error_title,
        w.bad_period,
    )
}

/// Where an account starts after logging in and at `/`: office and
/// controlling at the board, providers at *Prüfen*.
pub fn start(account: &Account) -> &'static str {
    if oversees(account) {
        "/uebersicht"
    } else {
        "/pruefen"
    }
}

/// `?jahr=2026&quartal=3` of the pages.
#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    jahr: Option<String>,
    #[serde(default)]
    quartal: Option<String>,
}

/// One column of the board: a quarter with its deadline and its links.
struct ColumnView {
    label: String,
    deadline: String,
    current: bool,
    outstanding_href: String,
    outstanding_label: String,
    district_href: String,
    district_label: String,
}

/// One cell of the board.
struct CellView {
    class: &'static str,
    status: &'static str,
    counts: Option<String>,
    time: Option<String>,
    late: bool,
    replaced: Option<String>,
    href: Option<String>,
    current: bool,
}

struct RowView {
    id: String,
    name: String,
    cells: Vec<CellView>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    frame: Frame,
    year: i32,
    as_of: String,
    previous_href: String,
    previous: i32,
    next_href: String,
    next: i32,
    columns: Vec<ColumnView>,
    rows: Vec<RowView>,
    district_year: Option<(String, String)>,
    legend_late: String,
    legend_replaced: String,
}

/// The submissions of a provider in a quarter, as the list shows them.
fn list_href(provider: &str, year: i32, quarter: u8) -> String {
    format!(
        "/meldungen?traeger={}&jahr={year}&quartal={quarter}",
        encode(provider, b"")
    )
}

fn counts_short(lang: Lang, s: &Submission) -> String {
    format!(
        "{} · {}",
        count(lang, s.summary.errors, Severity::Error),
        count(lang, s.summary.warnings, Severity::Warning)
    )
}

fn cell_view(
    lang: Lang,
    p: &ProviderStatus,
    s: &QuarterStatus,
    year: i32,
    current: bool,
) -> CellView {
    let class = match (s.standing, s.late) {
        (Standing::Submitted, true) => "late",
        (st, _) => st.as_str(),
    };
    CellView {
        class,
        status: s.standing.word(lang),
        counts: s.current.as_ref().map(|c| counts_short(lang, c)),
        time: s
            .current
            .as_ref()
            .and_then(|c| db::parse_time(&c.submitted_at))
            .map(|t| deadline::time(lang, t)),
        late: s.late,
        replaced: (s.replaced > 0).then(|| text::replaced_times(lang, s.replaced)),
        href: s.any.then(|| list_href(&p.id, year, s.quarter)),
        current,
    }
}

/// `GET /uebersicht?jahr=2026`: the status board of a year.
pub async fn board_page(
    State(app): AppState,
    user: WebUser,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> Response {
    if !oversees(&user.account) {
        return forbidden(&app, &user);
    }
    let now = super::clock::now();
    let (this_year, this_quarter) = deadline::quarter_of(now);
    let Ok(Query(q)) = q else {
        return bad_period(&app, &user);
    };
    let Some(year) = parse_year(q.jahr.as_deref(), this_year) else {
        return bad_period(&app, &user);
    };
    let subs = match db::submission_heads(&app.db.conn()) {
        Ok(s) => s,
        Err(e) => return http::internal(user.lang, &e),
    };
    let lang = user.lang;
    let status = board(&app.cfg, &subs, year, now);
    let deadlines = deadlines(&app.cfg, year);
    let is_current = |q: u8| year == this_year && q == this_quarter;
    let columns = (1u8..=4)
        .zip(deadlines.iter())
        .map(|(q, d)| {
            let outstanding = status
                .iter()
                .filter(|p| {
                    p.quarter(q)
                        .is_some_and(|s| s.standing != Standing::Submitted)
                })
                .count();
            ColumnView {
                label: text::quarter(lang, q),
                deadline: deadline::day(lang, d.day),
                current: is_current(q),
                outstanding_href: format!("/uebersicht/ausstehend?jahr={year}&quartal={q}"),
                outstanding_label: text::outstanding_link(lang, outstanding),
                district_href: format!("/kreismappe?jahr={year}&quartal={q}"),
                district_label: text::district_quarter(lang, q),
            }
        })
        .collect();
    let rows = status
        .iter()
        .map(|p| RowView {
            id: p.id.clone(),
            name: p.name.clone().unwrap_or_default(),
            cells: p
                .quarters
                .iter()
                .map(|s| cell_view(lang, p, s, year, is_current(s.quarter)))
                .collect(),
        })
        .collect();
    // The year so far: the quarters that have ended (the running one is
    // reported only after its end), a past year whole.
    let last = match year.cmp(&this_year) {
        std::cmp::Ordering::Less => Some(4),
        std::cmp::Ordering::Equal => this_quarter.checked_sub(1).filter(|&q| q > 0),
        std::cmp::Ordering::Greater => None,
    };
    let district_year = last.map(|l| {
        (
            format!("/kreismappe?jahr={year}&quartale=1-{l}"),
            text::district_year(lang, year, l),
        )
    });
    let w = words(lang);
    let page = BoardPage {
        frame: frame(&app, &user, &format!("/uebersicht?jahr={year}")),
        year,
        as_of: text::board_as_of(
            lang,
            &deadline::time(lang, now),
            app.cfg.deadlines.days_after_quarter,
        ),
        previous_href: format!("/uebersicht?jahr={}", year - 1),
        previous: year - 1,
        next_href: format!("/uebersicht?jahr={}", year + 1),
        next: year + 1,
        columns,
        rows,
        district_year,
        legend_late: w.legend_late.to_string(),
        legend_replaced: text::replaced_times(lang, 2),
    };
    render(StatusCode::OK, &page, lang)
}

/// A provider still missing for a quarter, as the list shows it.
struct OutstandingView {
    id: String,
    name: String,
    contact: String,
    email: Option<String>,
    mailto: Option<String>,
    status: &'static str,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "outstanding.html")]
struct OutstandingPage {
    frame: Frame,
    title: String,
    deadline: String,
    board_href: String,
    csv_href: String,
    quarters: Vec<(String, String, bool)>,
    rows: Vec<OutstandingView>,
    /// Some row has no address to write to.
    no_address: bool,
}

/// The period of the list pages, or the answer refusing it.
// The refusal is the answer itself, built once per request.
#[allow(clippy::result_large_err)]
fn list_period(
    app: &App,
    user: &WebUser,
    q: Result<Query<PeriodQuery>, QueryRejection>,
    now: DateTime<Utc>,
) -> Result<(i32, u8), Response> {
    if !oversees(&user.account) {
        return Err(forbidden(app, user));
    }
    let (this_year, this_quarter) = deadline::quarter_of(now);
    let Ok(Query(q)) = q else {
        return Err(bad_period(app, user));
    };
    match (
        parse_year(q.jahr.as_deref(), this_year),
        parse_quarter(q.quartal.as_deref(), this_quarter),
    ) {
        (Some(y), Some(q)) => Ok((y, q)),
        _ => Err(bad_period(app, user)),
    }
}

/// The providers without a current submission for `(year, quarter)`.
fn outstanding(
    app: &App,
    year: i32,
    quarter: u8,
    now: DateTime<Utc>,
) -> rusqlite::Result<(Vec<ProviderStatus>, Option<Deadline>)> {
    let subs = db::submission_heads(&app.db.conn())?;
    let missing = board(&app.cfg, &subs, year, now)
        .into_iter()
        .filter(|p| {
            p.quarter(quarter)
                .is_some_and(|s| s.standing != Standing::Submitted)
        })
        .collect();
    Ok((
        missing,
        Deadline::of(year, quarter, app.cfg.deadlines.days_after_quarter),
    ))
}

/// The period a list of the missing asks for, who is missing then, and its
/// deadline; or the page that says why not.
// The refusal is the answer itself, built once per request.
#[allow(clippy::result_large_err)]
fn outstanding_asked(
    app: &App,
    user: &WebUser,
    q: Result<Query<PeriodQuery>, QueryRejection>,
    now: DateTime<Utc>,
) -> Result<(i32, u8, Vec<ProviderStatus>, Deadline), Response> {
    let (year, quarter) = list_period(app, user, q, now)?;
    match outstanding(app, year, quarter, now) {
        Ok((missing, Some(due))) => Ok((year, quarter, missing, due)),
        Ok((_, None)) => Err(bad_period(app, user)),
        Err(e) => Err(http::internal(user.lang, &e)),
    }
}

/// `GET /uebersicht/ausstehend?jahr=2026&quartal=3`: who is still missing,
/// with a prepared reminder per provider.
pub async fn outstanding_page(
    State(app): AppState,
    user: WebUser,
    headers: HeaderMap,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> Response {
    let now = super::clock::now();
    let (year, quarter, missing, due) = match outstanding_asked(&app, &user, q, now) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let lang = user.lang;
    let w = words(lang);
    let portal = portal_address(&app, &headers);
    let due_de = deadline::day_de(due.day);
    let rows: Vec<OutstandingView> = missing
        .iter()
        .map(|p| {
            let standing = p
                .quarter(quarter)
                .map(|s| s.standing)
                .unwrap_or(Standing::Missing);
            let mail = p.email.as_ref().map(|address| {
                let (subject, body) = text::reminder(&text::Reminder {
                    provider: &p.id,
                    name: p.name.as_deref(),
                    year,
                    quarter,
                    deadline: &due_de,
                    passed: due.passed(now),
                    portal: portal.as_deref(),
                    district: &app.cfg.district.name,
                });
                mailto(address, &subject, &body)
            });
            OutstandingView {
                id: p.id.clone(),
                name: p.name.clone().unwrap_or_default(),
                contact: p.contact.clone().unwrap_or_else(|| "–".into()),
                email: p.email.clone(),
                mailto: mail,
                status: standing.word(lang),
                class: standing.as_str(),
            }
        })
        .collect();
    let quarters = (1u8..=4)
        .map(|q| {
            (
                format!("/uebersicht/ausstehend?jahr={year}&quartal={q}"),
                text::quarter(lang, q),
                q == quarter,
            )
        })
        .collect();
    let page = OutstandingPage {
        frame: frame(
            &app,
            &user,
            &format!("/uebersicht/ausstehend?jahr={year}&quartal={quarter}"),
        ),
        title: format!(
            "{}: {}",
            w.outstanding_title,
            text::period(lang, year, quarter)
        ),
        deadline: text::deadline_line(lang, &deadline::day(lang, due.day), due.passed(now)),
        board_href: format!("/uebersicht?jahr={year}"),
        csv_href: format!("/uebersicht/ausstehend.csv?jahr={year}&quartal={quarter}"),
        quarters,
        no_address: rows.iter().any(|r| r.mailto.is_none()),
        rows,
    };
    render(StatusCode::OK, &page, lang)
}

/// `GET /uebersicht/ausstehend.csv?jahr=2026&quartal=3`: the same list for
/// Excel (UTF-8 with BOM, `;`), written to the audit trail as a download.
pub async fn outstanding_csv(
    State(app): AppState,
    user: WebUser,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> Response {
    let now = super::clock::now();
    let (year, quarter, missing, due) = match outstanding_asked(&app, &user, q, now) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let lang = user.lang;
    let w = words(lang);
    let mut out = String::from("\u{FEFF}");
    let header = [
        w.col_provider_id,
        w.col_provider_name,
        w.col_contact,
        w.col_email,
        w.status_label,
        w.board_deadline,
    ];
    out.push_str(&header.map(csv_field).join(";"));
    out.push_str("\r\n");
    let due_day = deadline::day(lang, due.day);
    for p in &missing {
        let standing = p
            .quarter(quarter)
            .map(|s| s.standing)
            .unwrap_or(Standing::Missing);
        let fields = [
            p.id.as_str(),
            p.name.as_deref().unwrap_or(""),
            p.contact.as_deref().unwrap_or(""),
            p.email.as_deref().unwrap_or(""),
            standing.word(lang),
            &due_day,
        ];
        out.push_str(&fields.map(csv_field).join(";"));
        out.push_str("\r\n");
    }
    let label = format!("{year}-Q{quarter}");
    let _ = db::audit(
        &app.db.conn(),
        Some(&user.account.login),
        "download_outstanding",
        Some(&label),
        "ok",
    );
    let name = match lang {
        Lang::De => format!("ausstehend_{label}.csv"),
        Lang::En => format!("outstanding_{label}.csv"),
    };
    let mut r = http::download(out.into_bytes(), &name);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    r
}

// ------------------------------------------------------------------- API

/// `?year=2026&quarter=3` of the API.
#[derive(Deserialize, Default)]
pub struct StatusQuery {
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    quarter: Option<String>,
}

#[derive(Serialize)]
struct StatusJson<'a> {
    year: i32,
    quarter: u8,
    /// The last day in time (`2026-10-15`), German calendar.
    deadline: String,
    /// The moment it ends, in UTC.
    deadline_ends: String,
    providers: Vec<ProviderJson<'a>>,
}

#[derive(Serialize)]
struct ProviderJson<'a> {
    provider: &'a str,
    name: Option<&'a str>,
    status: Standing,
    submission_id: Option<&'a str>,
    receipt: Option<&'a str>,
    submitted_at: Option<&'a str>,
    late: bool,
    replaced: usize,
    errors: Option<usize>,
    warnings: Option<usize>,
    contact: Option<&'a str>,
    email: Option<&'a str>,
}

/// `GET /api/v1/status?year=2026&quarter=3`: every provider's status for a
/// quarter, with whom to remind (office and controlling only).
pub async fn api_status(
    State(app): AppState,
    user: ApiUser,
    q: Result<Query<StatusQuery>, QueryRejection>,
) -> Response {
    if !oversees(&user.account) {
        return api_error(StatusCode::FORBIDDEN, words(user.lang).forbidden);
    }
    let bad = || {
        api_error(
            StatusCode::BAD_REQUEST,
            "expected ?year=YYYY&quarter=Q (year 2005–2100, quarter 1–4)",
        )
    };
    let Ok(Query(q)) = q else {
        return bad();
    };
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (2005..=2100).contains(y));
    let quarter = q
        .quarter
        .as_deref()
        .and_then(|q| q.trim().parse::<u8>().ok())
        .filter(|q| (1..=4).contains(q));
    let (Some(year), Some(quarter)) = (year, quarter) else {
        return bad();
    };
    let Some(due) = Deadline::of(year, quarter, app.cfg.deadlines.days_after_quarter) else {
        return bad();
    };
    let now = super::clock::now();
    let subs = match db::submission_heads(&app.db.conn()) {
        Ok(s) => s,
        Err(e) => return api_internal(&e),
    };
    let status = board(&app.cfg, &subs, year, now);
    let providers = status
        .iter()
        .filter_map(|p| {
            let s = p.quarter(quarter)?;
            let cur = s.current.as_ref();
            Some(ProviderJson {
                provider: &p.id,
                name: p.name.as_deref(),
                status: s.standing,
                submission_id: cur.map(|c| c.id.as_str()),
                receipt: cur.map(|c| c.receipt.as_str()),
                submitted_at: cur.map(|c| c.submitted_at.as_str()),
                late: s.late,
                replaced: s.replaced,
                errors: cur.map(|c| c.summary.errors),
                warnings: cur.map(|c| c.summary.warnings),
                contact: p.contact.as_deref(),
                email: p.email.as_deref(),
            })
        })
        .collect();
    Json(StatusJson {
        year,
        quarter,
        deadline: due.day.format("%Y-%m-%d").to_string(),
        deadline_ends: due.ends.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        providers,
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Summary;

    /// The shipped configuration with `days` after the quarter, or without `[deadlines]`.
    fn cfg(days: Option<u32>) -> Config {
        let shipped = crate::config::VERDEN_TOML;
        let text = match days {
            Some(n) => shipped.replace(
                "days_after_quarter = 15",
                &format!("days_after_quarter = {n}"),
            ),
            None => shipped
                .replace("[deadlines]\n", "")
                .replace("days_after_quarter = 15\n", ""),
        };
        crate::registry::config_from_toml("test.toml", &text).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        db::parse_time(s).unwrap()
    }

    fn sub(provider: &str, q: u8, status: Status, at: &str, contact: Option<&str>) -> Submission {
        Submission {
            id: format!("{provider}-{q}-{at}"),
            receipt: String::new(),
            provider: provider.into(),
            year: 2026,
            quarter: q,
            seq: 1,
            account: String::new(),
            submitted_at: at.into(),
            status,
            status_at: None,
            file_name: String::new(),
            sha256: String::new(),
            size: 0,
            annotated_sha256: None,
            summary: Summary::default(),
            report: String::new(),
            contact: contact.map(str::to_string),
            email: None,
        }
    }

    #[test]
    fn the_deadline_days_come_from_the_configuration_with_15_by_default() {
        assert_eq!(cfg(None).deadlines.days_after_quarter, 15);
        let c = cfg(Some(30));
        assert_eq!(c.deadlines.days_after_quarter, 30);
        assert_eq!(
            deadlines(&c, 2026)[2].day,
            chrono::NaiveDate::from_ymd_opt(2026, 10, 30).unwrap()
        );
        for bad in [
            "tage = 15",
            "days_after_quarter = 400",
            "days_after_quarter = -1",
        ] {
            let text = crate::config::VERDEN_TOML.replace("days_after_quarter = 15", bad);
            assert!(
                crate::registry::config_from_toml("x", &text).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_board_counts_current_replaced_late_and_overdue() {
        let c = cfg(None);
        let subs = vec![
            sub(
                "T01",
                3,
                Status::Replaced,
                "2026-10-01T08:00:00.000Z",
                Some("alt"),
            ),
            sub(
                "T01",
                3,
                Status::Submitted,
                "2026-10-16T08:00:00.000Z",
                Some("neu"),
            ),
            sub(
                "T02",
                3,
                Status::Withdrawn,
                "2026-10-02T08:00:00.000Z",
                None,
            ),
            sub(
                "T99",
                3,
                Status::Submitted,
                "2026-10-03T08:00:00.000Z",
                None,
            ),
            sub(
                "T98",
                3,
                Status::Submitted,
                "2025-10-03T08:00:00.000Z",
                None,
            ),
        ];
        let mut subs = subs;
        subs[4].year = 2025;
        let b = board(&c, &subs, 2026, utc("2026-10-20T00:00:00Z"));
        let ids: Vec<&str> = b.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["T01", "T02", "T03", "T04", "T05", "T06", "T99"]);
        let t01 = b[0].quarter(3).unwrap();
        assert_eq!(t01.standing, Standing::Submitted);
        assert_eq!((t01.replaced, t01.late, t01.any), (1, true, true));
        assert_eq!(b[0].contact.as_deref(), Some("neu"), "the latest cover");
        let t02 = b[1].quarter(3).unwrap();
        assert_eq!(t02.standing, Standing::Overdue, "withdrawn is missing");
        assert!(t02.any);
        assert_eq!(b[2].quarter(4).unwrap().standing, Standing::Missing);
        assert_eq!(b[6].name, None, "unknown to the master data");
        assert_eq!(b[6].quarter(3).unwrap().standing, Standing::Submitted);
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("T03"), "T03");
        assert_eq!(csv_field("A;B"), "\"A;B\"");
        assert_eq!(csv_field("Sag \"Hallo\""), "\"Sag \"\"Hallo\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("@x;y"), "\"'@x;y\"");
    }

    #[test]
    fn a_mailto_link_encodes_subject_body_and_line_breaks() {
        let m = mailto(
            "a.b@traeger.de",
            "Frist 15.10.2026 – Q3",
            "Zeile 1\nZeile 2 & mehr",
        );
        assert_eq!(
            m,
            "mailto:a.b@traeger.de?subject=Frist%2015.10.2026%20%E2%80%93%20Q3&body=Zeile%201%0D%0AZeile%202%20%26%20mehr"
        );
        assert!(mailto("x?cc=evil@x.de", "", "").starts_with("mailto:x%3Fcc%3Devil@x.de?"));
    }

    #[test]
    fn years_and_quarters_are_numbers_in_range_or_the_default() {
        assert_eq!(parse_year(None, 2026), Some(2026));
        assert_eq!(parse_year(Some(" 2025 "), 2026), Some(2025));
        assert_eq!(parse_year(Some("20x6"), 2026), None);
        assert_eq!(parse_year(Some("1999"), 2026), None);
        assert_eq!(parse_quarter(Some("4"), 1), Some(4));
        assert_eq!(parse_quarter(Some("0"), 1), None);
        assert_eq!(parse_quarter(Some(""), 2), Some(2));
    }
}
