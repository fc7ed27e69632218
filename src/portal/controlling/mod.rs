//! The controlling in the portal: the budget plan of a year uploaded once
//! (checked in the worker as `audit --budget` reads it, stored with its
//! history), the plan/actual page with its charts, and the controlling
//! workbook as a download.
//!
//! The figures come from the same code as `sozialraum audit`: the current
//! submissions of the period checked again and consolidated
//! ([`super::period::consolidate`]), the ledger of that consolidation, the
//! audit against the year's current plan. One computation serves the page,
//! its two charts and the workbook: it is kept (a few, in memory) under the
//! submissions, the plan and the language it was made from.
//!
//! Rights (`domain/portal.md`): controlling uploads plans; office reads the
//! page, the charts, the history and the workbook; providers get `403`.

pub mod view;
pub mod words;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use rust_decimal::Decimal;
use serde::Serialize;

use super::auth::{ApiUser, WebUser};
use super::chart;
use super::db::{self, Account, Role, StoredPlan};
use super::http::{self, api_error, api_internal, UploadError};
use super::period::{self, Span};
use super::views::{self, render, Frame, SheetGroup};
use super::App;
use crate::audit::budget::BudgetPlan;
use crate::audit::{self, Audit};
use crate::finding::{FileReport, Finding, Summary};
use crate::i18n::Lang;
use words::words;

type AppState = State<Arc<App>>;

// ------------------------------------------------------------ rights

fn may_read(a: &Account) -> bool {
    matches!(a.role, Role::Office | Role::Controlling)
}

fn may_upload(a: &Account) -> bool {
    a.role == Role::Controlling
}

// ------------------------------------------------------------ computing

/// An audit of a period against the year's current plan.
pub struct Computed {
    pub audit: Audit,
    pub plan: StoredPlan,
}

/// Why there is nothing to show.
pub enum Unavailable {
    NoPlan,
    NoData,
    Busy,
    Internal(String),
}

/// The last few computations, by what they were made from.
#[derive(Default)]
pub struct Cache(Mutex<Vec<(String, Arc<Computed>)>>);

const CACHED: usize = 8;

impl Cache {
    fn get(&self, key: &str) -> Option<Arc<Computed>> {
        let v = self.0.lock().unwrap_or_else(|e| e.into_inner());
        v.iter().find(|(k, _)| k == key).map(|(_, c)| c.clone())
    }

    fn put(&self, key: String, c: Arc<Computed>) {
        let mut v = self.0.lock().unwrap_or_else(|e| e.into_inner());
        v.retain(|(k, _)| *k != key);
        if v.len() >= CACHED {
            v.remove(0);
        }
        v.push((key, c));
    }
}

/// The quarters a page shows: those asked for, else those of the year
/// with a current submission.
fn span_of(app: &App, year: i32, quarters: Option<Vec<u8>>) -> Result<Span, Unavailable> {
    let whole = Span {
        year,
        quarters: vec![1, 2, 3, 4],
    };
    let subs = period::current(app, &whole).map_err(|e| Unavailable::Internal(e.to_string()))?;
    let quarters = match quarters {
        Some(q) => q,
        None => {
            let mut q: Vec<u8> = subs.iter().map(|s| s.quarter).collect();
            q.sort_unstable();
            q.dedup();
            q
        }
    };
    if !subs.iter().any(|s| quarters.contains(&s.quarter)) {
        return Err(Unavailable::NoData);
    }
    Ok(Span { year, quarters })
}

/// The audit of `year` (its reported quarters, or `quarters`) against the
/// year's current plan, computed as `sozialraum audit` computes it.
pub async fn compute(
    app: &Arc<App>,
    year: i32,
    quarters: Option<Vec<u8>>,
    lang: Lang,
) -> Result<Arc<Computed>, Unavailable> {
    let plan = db::current_plan(&app.db.conn(), year)
        .map_err(|e| Unavailable::Internal(e.to_string()))?
        .ok_or(Unavailable::NoPlan)?;
    let span = span_of(app, year, quarters)?;
    let ids: Vec<String> = period::current(app, &span)
        .map_err(|e| Unavailable::Internal(e.to_string()))?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let key = format!(
        "{year}|{:?}|{}|{}|{}",
        span.quarters,
        ids.join(","),
        plan.id,
        lang.as_str()
    );
    if let Some(c) = app.controlling.get(&key) {
        return Ok(c);
    }
    let app2 = app.clone();
    let job = move || -> Result<Computed, Unavailable> {
        let mut budget: BudgetPlan = plan
            .plan()
            .ok_or_else(|| Unavailable::Internal(format!("budget plan {} unreadable", plan.id)))?;
        budget
            .require_year(year, &app2.cfg)
            .map_err(|_| Unavailable::NoPlan)?;
        let pc = period::consolidate(&app2, &span, lang)
            .map_err(|e| Unavailable::Internal(e.to_string()))?;
        let ledger = audit::ledger_from_consolidation(&pc.consolidation, &app2.cfg);
        let p = audit::Period {
            year,
            quarters: span.quarters.clone(),
        };
        Ok(Computed {
            audit: audit::audit(&ledger, &budget, &app2.cfg, &p),
            plan,
        })
    };
    let computed = app.checks.run(job).await.map_err(|_| Unavailable::Busy)??;
    let computed = Arc::new(computed);
    app.controlling.put(key, computed.clone());
    Ok(computed)
}

/// `Controlling_2026-Q3.xlsx` for Q1–Q3 (as `audit -o` is named), else by the span.
pub fn workbook_name(a: &Audit) -> String {
    let q = &a.period.quarters;
    let last = q.last().copied().unwrap_or(4);
    if q.iter().copied().eq(1..=last) {
        format!("Controlling_{}-Q{last}.xlsx", a.period.year)
    } else {
        let span = Span {
            year: a.period.year,
            quarters: q.clone(),
        };
        format!("Controlling_{}.xlsx", span.label())
    }
}

/// The controlling workbook `audit -o` writes, as bytes, in the audit trail.
async fn workbook(app: &Arc<App>, c: Arc<Computed>, login: &str, lang: Lang) -> Response {
    let app2 = app.clone();
    let c2 = c.clone();
    let built = tokio::task::spawn_blocking(move || {
        let texts = crate::registry::texts(lang);
        audit::workbook::build(&c2.audit, &app2.cfg, &c2.plan.file_name, texts)
            .map_err(|e| e.to_string())
            .and_then(|mut wb| wb.save_to_buffer().map_err(|e| e.to_string()))
    })
    .await;
    match built {
        Ok(Ok(bytes)) => {
            let name = workbook_name(&c.audit);
            let _ = db::audit(
                &app.db.conn(),
                Some(login),
                "download_controlling",
                Some(&name),
                "ok",
            );
            http::download(bytes, &name)
        }
        Ok(Err(e)) => api_internal(&e),
        Err(e) => api_internal(&e),
    }
}

// ------------------------------------------------------------ plan upload

/// Why a budget plan was not adopted.
pub enum Refusal {
    /// Unreadable, no plan sheet, no header, no lines, the year unclear.
    Message(String),
    /// Errors at their cells.
    Errors(FileReport),
}

/// An adopted plan: its row and its findings (warnings at most).
pub struct Adopted {
    pub plan: StoredPlan,
    pub report: FileReport,
}

fn report_of(name: &str, sha: &str, year: Option<i32>, findings: Vec<Finding>) -> FileReport {
    FileReport {
        path: name.to_string(),
        sha256: Some(sha.to_string()),
        provider: None,
        year,
        quarter: None,
        summary: Summary::of(&findings),
        findings,
    }
}

/// Reads the plan in the worker, checks it for the year it is for, and
/// stores it (file, then row with its audit entry) unless it has errors.
/// Blocking.
fn adopt(
    app: &App,
    account: &Account,
    name: &str,
    bytes: &[u8],
    year_field: &str,
    lang: Lang,
) -> Result<Result<Adopted, Refusal>, String> {
    let sha = super::store::sha256_hex(bytes);
    let refuse = |why: &str| {
        let _ = db::audit(
            &app.db.conn(),
            Some(&account.login),
            "budget_upload",
            None,
            &format!("refused: {why}"),
        );
    };
    let plan = match crate::worker::read_budget_upload(bytes, name, &app.cfg, lang, &app.iso) {
        Ok(p) => p,
        Err(e) => {
            refuse("unreadable");
            return Ok(Err(Refusal::Message(e.message(lang))));
        }
    };
    let years = plan.years();
    let year = match (years.len(), year_field.trim().parse::<i32>().ok()) {
        (0, _) => {
            refuse("no lines");
            return Ok(Err(Refusal::Message(words::no_lines(lang))));
        }
        (1, _) => years.iter().next().copied().unwrap_or_default(),
        (_, Some(y)) if years.contains(&y) => y,
        _ => {
            refuse("year");
            let list: Vec<String> = years.iter().map(|y| y.to_string()).collect();
            return Ok(Err(Refusal::Message(words::choose_year(
                lang,
                &list.join(", "),
            ))));
        }
    };
    let mut checked = plan.clone();
    if let Err(e) = checked.require_year(year, &app.cfg) {
        refuse("year");
        return Ok(Err(Refusal::Message(e.message(lang))));
    }
    // Only the plan's findings that concern this year or no year at all.
    let report = report_of(name, &sha, Some(year), checked.findings.clone());
    if checked.has_errors() {
        refuse("errors");
        return Ok(Err(Refusal::Errors(report)));
    }
    let stored_sha = app.store.put(bytes).map_err(|e| e.to_string())?;
    let id = super::auth::random_hex(16);
    let json = serde_json::to_string(&plan).map_err(|e| e.to_string())?;
    let new = db::NewPlan {
        id: &id,
        year,
        account_id: account.id,
        file_name: name,
        sha256: &stored_sha,
        size: bytes.len() as u64,
        report: &json,
    };
    db::insert_plan(&mut app.db.conn(), &new, &account.login).map_err(|e| e.to_string())?;
    let stored = db::plans(&app.db.conn(), Some(year))
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| "stored plan not found".to_string())?;
    Ok(Ok(Adopted {
        plan: stored,
        report,
    }))
}

/// Runs [`adopt`] in a check slot.
async fn adopt_async(
    app: &Arc<App>,
    ticket: super::check::Ticket,
    account: Account,
    name: String,
    bytes: Vec<u8>,
    year_field: String,
    lang: Lang,
) -> Result<Result<Result<Adopted, Refusal>, String>, super::check::Busy> {
    let app2 = app.clone();
    ticket
        .run(move || adopt(&app2, &account, &name, &bytes, &year_field, lang))
        .await
}

/// The plan's total for its year.
fn total(p: &StoredPlan) -> Decimal {
    p.plan()
        .map(|b| {
            b.lines
                .iter()
                .filter(|l| l.year == p.year)
                .map(|l| l.amount)
                .sum()
        })
        .unwrap_or_default()
}

// ------------------------------------------------------------ pages

fn frame(app: &App, user: &WebUser, here: &str) -> Frame {
    app.frame(user.lang, "controlling", here)
        .with_user(&user.account, &user.csrf)
}

fn message(
    app: &App,
    user: &WebUser,
    status: StatusCode,
    title: &'static str,
    text: String,
) -> Response {
    let frame = frame(app, user, "/controlling");
    let back = ("/controlling", words(user.lang).title);
    views::message(frame, user.lang, status, title, text, back)
}

fn forbidden(app: &App, user: &WebUser, text: &str) -> Response {
    let w = super::text::words(user.lang);
    message(
        app,
        user,
        StatusCode::FORBIDDEN,
        w.forbidden_title,
        text.to_string(),
    )
}

/// A row of the plans' history.
pub struct PlanRow {
    pub year: i32,
    pub uploaded_at: String,
    pub account: String,
    pub file_name: String,
    pub total: String,
    pub current: bool,
    pub status: &'static str,
}

fn plan_row(p: &StoredPlan, lang: Lang) -> PlanRow {
    let w = words(lang);
    PlanRow {
        year: p.year,
        uploaded_at: views::time(lang, &p.uploaded_at),
        account: p.account.clone(),
        file_name: p.file_name.clone(),
        total: chart::money(total(p), lang),
        current: p.current,
        status: if p.current {
            w.plan_current
        } else {
            w.plan_replaced
        },
    }
}

#[derive(Template)]
#[template(path = "budgetplan.html")]
struct PlansPage {
    frame: Frame,
    cw: &'static words::Words,
    /// The upload form (controlling only), with the CSRF token.
    csrf: Option<String>,
    adopted: bool,
    refusal: Option<String>,
    file_name: Option<String>,
    groups: Vec<SheetGroup>,
    rows: Vec<PlanRow>,
}

#[derive(serde::Deserialize, Default)]
pub struct PlansQuery {
    #[serde(default)]
    neu: Option<String>,
}

fn plans_page(
    app: &App,
    user: &WebUser,
    status: StatusCode,
    outcome: Option<(String, Option<String>, Vec<SheetGroup>, bool)>,
) -> Response {
    let lang = user.lang;
    let plans = match db::plans(&app.db.conn(), None) {
        Ok(p) => p,
        Err(e) => return http::internal(lang, &e),
    };
    let (file_name, refusal, groups, adopted) = match outcome {
        Some((f, r, g, a)) => (Some(f), r, g, a),
        None => (None, None, Vec::new(), false),
    };
    let page = PlansPage {
        frame: frame(app, user, "/controlling/budgetplan"),
        cw: words(lang),
        csrf: may_upload(&user.account).then(|| user.csrf.clone()),
        adopted,
        refusal,
        file_name,
        groups,
        rows: plans.iter().map(|p| plan_row(p, lang)).collect(),
    };
    render(status, &page, lang)
}

/// `GET /controlling/budgetplan`: the upload form (controlling) and the history.
pub async fn plans(State(app): AppState, user: WebUser, Query(q): Query<PlansQuery>) -> Response {
    if !may_read(&user.account) {
        return forbidden(&app, &user, super::text::words(user.lang).forbidden);
    }
    // Just adopted: its findings (warnings at most) once more.
    let outcome = q.neu.as_deref().and_then(|id| {
        let plans = db::plans(&app.db.conn(), None).ok()?;
        let p = plans.into_iter().find(|p| p.id == id)?;
        let mut b = p.plan()?;
        let _ = b.require_year(p.year, &app.cfg);
        let report = report_of(&p.file_name, &p.sha256, Some(p.year), b.findings);
        Some((
            p.file_name.clone(),
            None,
            views::groups(&report, user.lang),
            true,
        ))
    });
    plans_page(&app, &user, StatusCode::OK, outcome)
}

/// `POST /controlling/budgetplan`: a new plan (multipart `file`, optional `jahr`).
pub async fn upload(
    State(app): AppState,
    user: WebUser,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let lang = user.lang;
    let tw = super::text::words(lang);
    let Ok(mp) = mp else {
        return message(
            &app,
            &user,
            StatusCode::BAD_REQUEST,
            tw.error_title,
            tw.bad_form.into(),
        );
    };
    if !may_upload(&user.account) {
        return forbidden(&app, &user, words(lang).forbidden_upload);
    }
    let Ok(ticket) = app.checks.reserve() else {
        return message(
            &app,
            &user,
            StatusCode::SERVICE_UNAVAILABLE,
            tw.busy_title,
            tw.busy.into(),
        );
    };
    let form = match http::read_form(mp, app.settings.max_upload_bytes).await {
        Ok(f) => f,
        Err(UploadError::TooLarge) => {
            return message(
                &app,
                &user,
                StatusCode::PAYLOAD_TOO_LARGE,
                super::text::too_large_title(lang),
                super::text::too_large(lang, app.settings.max_upload_bytes >> 20),
            )
        }
        Err(UploadError::Bad(_)) => {
            return message(
                &app,
                &user,
                StatusCode::BAD_REQUEST,
                tw.error_title,
                tw.bad_form.into(),
            )
        }
    };
    if !user.csrf_ok(form.field("csrf")) {
        return message(
            &app,
            &user,
            StatusCode::FORBIDDEN,
            tw.error_title,
            tw.bad_form.into(),
        );
    }
    let year_field = form.field("jahr").to_string();
    let Some(file) = form.file else {
        return message(
            &app,
            &user,
            StatusCode::BAD_REQUEST,
            tw.error_title,
            words(lang).no_file.into(),
        );
    };
    let name = super::check::safe_name(&file.name);
    let done = adopt_async(
        &app,
        ticket,
        user.account.clone(),
        name.clone(),
        file.bytes,
        year_field,
        lang,
    )
    .await;
    match done {
        Ok(Ok(Ok(a))) => {
            Redirect::to(&format!("/controlling/budgetplan?neu={}", a.plan.id)).into_response()
        }
        Ok(Ok(Err(Refusal::Message(m)))) => plans_page(
            &app,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some((name, Some(m), Vec::new(), false)),
        ),
        Ok(Ok(Err(Refusal::Errors(report)))) => plans_page(
            &app,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some((
                name,
                Some(words(lang).refused_errors.to_string()),
                views::groups(&report, lang),
                false,
            )),
        ),
        Ok(Err(e)) => http::internal(lang, &e),
        Err(_) => message(
            &app,
            &user,
            StatusCode::SERVICE_UNAVAILABLE,
            tw.busy_title,
            tw.busy.into(),
        ),
    }
}

/// The period of a page: `jahr` (default: this year) and `bis` (Q1 to it).
#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    jahr: Option<String>,
    #[serde(default)]
    bis: Option<String>,
}

/// `(year, quarters asked for, the query string to repeat)`, or `None` when invalid.
fn page_period(q: &PageQuery) -> Option<(i32, Option<Vec<u8>>, String)> {
    use chrono::Datelike;
    let year = match q.jahr.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(y) => y.parse().ok()?,
        None => super::clock::now().year(),
    };
    if !(2005..=2100).contains(&year) {
        return None;
    }
    let bis = match q.bis.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(b) => {
            let b: u8 = b.parse().ok()?;
            (1..=4).contains(&b).then_some(b)?;
            Some(b)
        }
        None => None,
    };
    let query = match bis {
        Some(b) => format!("jahr={year}&bis={b}"),
        None => format!("jahr={year}"),
    };
    Some((year, bis.map(|b| (1..=b).collect()), query))
}

pub struct UntilOption {
    pub value: u8,
    pub label: String,
    pub selected: bool,
}

/// What to say instead of the table.
pub struct Notice {
    pub title: &'static str,
    pub text: String,
    pub link: Option<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "controlling.html")]
struct ControllingPage {
    frame: Frame,
    cw: &'static words::Words,
    heading: String,
    year: i32,
    until: Vec<UntilOption>,
    notice: Option<Notice>,
    query: String,
    plan_facts: String,
    inputs: String,
    thresholds: String,
    blocks: Vec<view::Block>,
    /// Whether any row has a remark (else the column is left out).
    remarks: bool,
    budget_alt: String,
    quarters_alt: String,
    findings_label: String,
    groups: Vec<SheetGroup>,
}

/// `GET /controlling?jahr=2026[&bis=3]`: the plan/actual table and the charts.
pub async fn page(State(app): AppState, user: WebUser, Query(q): Query<PageQuery>) -> Response {
    let lang = user.lang;
    let w = words(lang);
    if !may_read(&user.account) {
        return forbidden(&app, &user, super::text::words(lang).forbidden);
    }
    let Some((year, quarters, query)) = page_period(&q) else {
        let tw = super::text::words(lang);
        return message(
            &app,
            &user,
            StatusCode::BAD_REQUEST,
            tw.error_title,
            w.bad_period.into(),
        );
    };
    let bis = quarters.as_ref().and_then(|q| q.last().copied());
    let until = (1..=4)
        .map(|b| UntilOption {
            value: b,
            label: words::until(lang, b),
            selected: bis == Some(b),
        })
        .collect();
    let mut page = ControllingPage {
        frame: frame(&app, &user, &format!("/controlling?{query}")),
        cw: w,
        heading: words::heading(lang, &year.to_string()),
        year,
        until,
        notice: None,
        query: query.clone(),
        plan_facts: String::new(),
        inputs: String::new(),
        thresholds: String::new(),
        blocks: Vec::new(),
        remarks: false,
        budget_alt: String::new(),
        quarters_alt: String::new(),
        findings_label: String::new(),
        groups: Vec::new(),
    };
    let c = match compute(&app, year, quarters, lang).await {
        Ok(c) => c,
        Err(Unavailable::NoPlan) => {
            page.notice = Some(Notice {
                title: w.no_plan_title,
                text: format!(
                    "{}{}",
                    words::no_plan(lang, year),
                    if may_upload(&user.account) {
                        String::new()
                    } else {
                        format!(" {}", w.ask_controlling)
                    }
                ),
                link: Some((
                    "/controlling/budgetplan",
                    if may_upload(&user.account) {
                        w.upload_link
                    } else {
                        w.plans_link
                    },
                )),
            });
            return render(StatusCode::OK, &page, lang);
        }
        Err(Unavailable::NoData) => {
            page.notice = Some(Notice {
                title: w.no_data_title,
                text: words::no_data(lang, year),
                link: None,
            });
            return render(StatusCode::OK, &page, lang);
        }
        Err(e) => return unavailable(&app, &user, e, year),
    };
    let a = &c.audit;
    page.heading = words::heading(lang, &a.period.label());
    page.plan_facts = format!(
        "{} · {} · {}",
        c.plan.file_name,
        views::time(lang, &c.plan.uploaded_at),
        c.plan.account
    );
    page.inputs = words::inputs(lang, &a.inputs);
    page.thresholds = words::thresholds(
        lang,
        &view::pct_plain(a.settings.ok_pct, lang),
        &view::pct_plain(a.settings.warning_pct, lang),
    );
    page.blocks = view::blocks(a, lang);
    page.remarks = page
        .blocks
        .iter()
        .any(|b| b.rows.iter().any(|r| !r.remark.is_empty()));
    let budget = view::budget_chart(a, lang);
    page.budget_alt = format!("{}. {}", budget.title, budget.desc);
    let quarters = view::quarters_chart(a, lang);
    page.quarters_alt = format!("{}. {}", quarters.title, quarters.desc);
    let report = report_of(&c.plan.file_name, "", None, a.findings.clone());
    page.findings_label = words::findings_count(lang, a.findings.len());
    page.groups = views::groups(&report, lang);
    render(StatusCode::OK, &page, lang)
}

/// `GET /controlling/diagramm/{budget|quartale}.svg?jahr=…`: a chart.
pub async fn diagram(
    State(app): AppState,
    user: WebUser,
    Path(file): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let lang = user.lang;
    if !may_read(&user.account) {
        return forbidden(&app, &user, super::text::words(lang).forbidden);
    }
    let w = words(lang);
    let tw = super::text::words(lang);
    if !matches!(file.as_str(), "budget.svg" | "quartale.svg") {
        return message(
            &app,
            &user,
            StatusCode::NOT_FOUND,
            tw.not_found_title,
            w.unknown_chart.into(),
        );
    }
    let Some((year, quarters, _)) = page_period(&q) else {
        return message(
            &app,
            &user,
            StatusCode::BAD_REQUEST,
            tw.error_title,
            w.bad_period.into(),
        );
    };
    let c = match compute(&app, year, quarters, lang).await {
        Ok(c) => c,
        Err(e) => return unavailable(&app, &user, e, year),
    };
    let chart = if file == "budget.svg" {
        view::budget_chart(&c.audit, lang)
    } else {
        view::quarters_chart(&c.audit, lang)
    };
    svg(chart::render(&chart, lang))
}

/// The page of a chart or workbook that cannot be made (no plan, no
/// submissions, busy, broken).
fn unavailable(app: &App, user: &WebUser, e: Unavailable, year: i32) -> Response {
    let lang = user.lang;
    let (w, tw) = (words(lang), super::text::words(lang));
    match e {
        Unavailable::NoPlan => message(
            app,
            user,
            StatusCode::NOT_FOUND,
            w.no_plan_title,
            words::no_plan(lang, year),
        ),
        Unavailable::NoData => message(
            app,
            user,
            StatusCode::NOT_FOUND,
            w.no_data_title,
            words::no_data(lang, year),
        ),
        Unavailable::Busy => message(
            app,
            user,
            StatusCode::SERVICE_UNAVAILABLE,
            tw.busy_title,
            tw.busy.into(),
        ),
        Unavailable::Internal(e) => http::internal(lang, &e),
    }
}

fn svg(body: String) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml; charset=utf-8"),
    );
    r
}

/// `GET /controlling/auswertung.xlsx?jahr=…`: the controlling workbook.
pub async fn page_workbook(
    State(app): AppState,
    user: WebUser,
    Query(q): Query<PageQuery>,
) -> Response {
    let lang = user.lang;
    if !may_read(&user.account) {
        return forbidden(&app, &user, super::text::words(lang).forbidden);
    }
    let w = words(lang);
    let tw = super::text::words(lang);
    let Some((year, quarters, _)) = page_period(&q) else {
        return message(
            &app,
            &user,
            StatusCode::BAD_REQUEST,
            tw.error_title,
            w.bad_period.into(),
        );
    };
    match compute(&app, year, quarters, lang).await {
        Ok(c) => workbook(&app, c, &user.account.login, lang).await,
        Err(e) => unavailable(&app, &user, e, year),
    }
}

// ------------------------------------------------------------ API

#[derive(Serialize)]
struct PlanJson<'a> {
    id: &'a str,
    year: i32,
    uploaded_at: &'a str,
    account: &'a str,
    file_name: &'a str,
    sha256: &'a str,
    size: i64,
    status: &'static str,
    total: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<Vec<crate::render::json::FindingJson<'a>>>,
}

fn plan_json<'a>(p: &'a StoredPlan, report: Option<&'a FileReport>, lang: Lang) -> PlanJson<'a> {
    PlanJson {
        id: &p.id,
        year: p.year,
        uploaded_at: &p.uploaded_at,
        account: &p.account,
        file_name: &p.file_name,
        sha256: &p.sha256,
        size: p.size,
        status: if p.current { "current" } else { "replaced" },
        total: crate::coerce::number::format_json(total(p)),
        summary: report.map(|r| &r.summary),
        findings: report.map(|r| crate::render::json::findings(&r.findings, lang)),
    }
}

fn api_busy() -> Response {
    http::with_retry_after(api_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "too many checks running; retry later",
    ))
}

/// `POST /api/v1/budget`: multipart `file` (optional `year`) → `201` with
/// the stored plan and its findings, or `422` with why it was refused.
pub async fn api_upload(
    State(app): AppState,
    user: ApiUser,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let lang = user.lang;
    if !may_upload(&user.account) {
        return api_error(StatusCode::FORBIDDEN, words(lang).forbidden_upload);
    }
    let Ok(ticket) = app.checks.reserve() else {
        return api_busy();
    };
    let mp = match mp {
        Ok(mp) => mp,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    let form = match http::read_form(mp, app.settings.max_upload_bytes).await {
        Ok(f) => f,
        Err(UploadError::TooLarge) => {
            return api_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &super::text::too_large(lang, app.settings.max_upload_bytes >> 20),
            )
        }
        Err(UploadError::Bad(e)) => return api_error(StatusCode::BAD_REQUEST, &e),
    };
    let year_field = form.field("year").to_string();
    let Some(file) = form.file else {
        return api_error(
            StatusCode::BAD_REQUEST,
            super::text::words(lang).api_no_file,
        );
    };
    let name = super::check::safe_name(&file.name);
    match adopt_async(
        &app,
        ticket,
        user.account.clone(),
        name,
        file.bytes,
        year_field,
        lang,
    )
    .await
    {
        Ok(Ok(Ok(a))) => (
            StatusCode::CREATED,
            Json(plan_json(&a.plan, Some(&a.report), lang)),
        )
            .into_response(),
        Ok(Ok(Err(Refusal::Message(m)))) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({ "error": m, "reason": "unreadable", "findings": [] })),
        )
            .into_response(),
        Ok(Ok(Err(Refusal::Errors(r)))) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({
                "error": words(lang).refused_errors,
                "reason": "errors",
                "summary": r.summary,
                "findings": crate::render::json::findings(&r.findings, lang),
            })),
        )
            .into_response(),
        Ok(Err(e)) => api_internal(&e),
        Err(_) => api_busy(),
    }
}

/// `GET /api/v1/budget`: the plans' history, newest first.
pub async fn api_plans(State(app): AppState, user: ApiUser) -> Response {
    if !may_read(&user.account) {
        return api_error(
            StatusCode::FORBIDDEN,
            super::text::words(user.lang).forbidden,
        );
    }
    match db::plans(&app.db.conn(), None) {
        Ok(plans) => {
            let items: Vec<PlanJson> = plans
                .iter()
                .map(|p| plan_json(p, None, user.lang))
                .collect();
            Json(serde_json::json!({ "plans": items })).into_response()
        }
        Err(e) => api_internal(&e),
    }
}

/// `GET /api/v1/audit.xlsx?year=2026[&quarters=1-3|&quarter=3]`: the
/// controlling workbook (without quarters: those reported).
pub async fn api_workbook(
    State(app): AppState,
    user: ApiUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = user.lang;
    if !may_read(&user.account) {
        return api_error(StatusCode::FORBIDDEN, super::text::words(lang).forbidden);
    }
    let year = q.get("year").and_then(|y| y.trim().parse::<i32>().ok());
    let quarter = q.get("quarter").map(String::as_str);
    let quarters = q.get("quarters").map(String::as_str);
    let explicit = quarter.is_some() || quarters.is_some();
    let Some(span) = year.and_then(|y| Span::parse(y, quarter, quarters)) else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "expected year=2005..2100 and optionally quarter=1..4 or quarters=1-3",
        );
    };
    let asked = explicit.then(|| span.quarters.clone());
    match compute(&app, span.year, asked, lang).await {
        Ok(c) => workbook(&app, c, &user.account.login, lang).await,
        Err(Unavailable::NoPlan) => {
            api_error(StatusCode::NOT_FOUND, &words::no_plan(lang, span.year))
        }
        Err(Unavailable::NoData) => {
            api_error(StatusCode::NOT_FOUND, &words::no_data(lang, span.year))
        }
        Err(Unavailable::Busy) => api_busy(),
        Err(Unavailable::Internal(e)) => api_internal(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_period_is_a_year_and_optionally_the_last_quarter() {
        let q = |jahr: Option<&str>, bis: Option<&str>| PageQuery {
            jahr: jahr.map(str::to_string),
            bis: bis.map(str::to_string),
        };
        assert_eq!(
            page_period(&q(Some("2026"), Some("3"))),
            Some((2026, Some(vec![1, 2, 3]), "jahr=2026&bis=3".to_string()))
        );
        assert_eq!(
            page_period(&q(Some("2026"), Some(""))),
            Some((2026, None, "jahr=2026".to_string()))
        );
        assert_eq!(page_period(&q(Some("20x6"), None)), None);
        assert_eq!(page_period(&q(Some("2026"), Some("5"))), None);
        assert_eq!(page_period(&q(Some("1900"), None)), None);
    }
}
