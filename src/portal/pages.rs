//! The provider's pages, server-rendered (askama templates in
//! `src/portal/templates/`, checked at compile time, escaping by default):
//! *Anmelden*, *Prüfen*, *Einreichen*, *Meine Meldungen* and the receipt.
//! Forms work without JavaScript; every form carries the CSRF token.

use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form as UrlForm;
use serde::Deserialize;

use super::auth::{self, WebUser};
use super::check::{Checked, HeldUpload, Ticket};
use super::db::{self, Role, SessionKind, Submission};
use super::http::{self, UploadError};
use super::submit::{self, Refusal};
use super::text::{self, words};
use super::views::{self, Frame, SheetGroup, SubmissionView, Verdict};
use super::App;
use crate::i18n::Lang;

type AppState = State<Arc<App>>;

use super::views::render;

/// A page that says one thing, with the way back home.
fn message(
    frame: Frame,
    status: StatusCode,
    title: &'static str,
    text: String,
    lang: Lang,
) -> Response {
    let back = ("/", words(lang).back_home);
    views::message(frame, lang, status, title, text, back)
}

fn user_frame(app: &App, user: &WebUser, current: &'static str, here: &str) -> Frame {
    app.frame(user.lang, current, here)
        .with_user(&user.account, &user.csrf)
}

fn not_found_for(app: &App, user: &WebUser) -> Response {
    let w = words(user.lang);
    message(
        user_frame(app, user, "", "/"),
        StatusCode::NOT_FOUND,
        w.not_found_title,
        w.not_found.into(),
        user.lang,
    )
}

fn forbidden_for(app: &App, user: &WebUser) -> Response {
    let w = words(user.lang);
    message(
        user_frame(app, user, "", "/"),
        StatusCode::FORBIDDEN,
        w.forbidden_title,
        w.forbidden.into(),
        user.lang,
    )
}

fn bad_form(app: &App, user: &WebUser, current: &'static str) -> Response {
    let w = words(user.lang);
    message(
        user_frame(app, user, current, "/"),
        StatusCode::FORBIDDEN,
        w.error_title,
        w.bad_form.into(),
        user.lang,
    )
}

fn upload_refused(app: &App, user: &WebUser, current: &'static str, e: UploadError) -> Response {
    let w = words(user.lang);
    let frame = user_frame(app, user, current, "/");
    match e {
        UploadError::TooLarge => message(
            frame,
            StatusCode::PAYLOAD_TOO_LARGE,
            text::too_large_title(user.lang),
            text::too_large(user.lang, app.settings.max_upload_bytes >> 20),
            user.lang,
        ),
        UploadError::Bad(_) => message(
            frame,
            StatusCode::BAD_REQUEST,
            w.error_title,
            w.bad_form.into(),
            user.lang,
        ),
    }
}

fn busy(app: &App, user: &WebUser, current: &'static str) -> Response {
    let w = words(user.lang);
    message(
        user_frame(app, user, current, "/"),
        StatusCode::SERVICE_UNAVAILABLE,
        w.busy_title,
        w.busy.into(),
        user.lang,
    )
}

/// Anything the router does not know: a page, or JSON under `/api/`.
pub async fn not_found(State(app): AppState, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let lang = auth::lang_of(&headers);
    if uri.path().starts_with("/api/") {
        return http::ApiError::NotFound.answer(http::request_lang());
    }
    let w = words(lang);
    message(
        app.frame(lang, "", "/"),
        StatusCode::NOT_FOUND,
        w.not_found_title,
        w.not_found.into(),
        lang,
    )
}

pub async fn script() -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("static/portal.js"),
    )
        .into_response()
}

/// Browsers ask for it; there is none (and no error in the log for it).
pub async fn favicon() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// `/`: the account's start page (see [`super::office::start`]), else the login.
pub async fn home(user: Result<WebUser, Response>) -> Response {
    match user {
        Ok(u) => Redirect::to(super::office::start(&u.account)).into_response(),
        Err(r) => r,
    }
}

pub async fn stylesheet() -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("static/portal.css"),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct LanguageQuery {
    lang: String,
    #[serde(default)]
    zurueck: String,
}

/// Switches the language (a cookie) and goes back to the page (only paths of ours).
pub async fn language(headers: HeaderMap, Query(q): Query<LanguageQuery>) -> Response {
    let lang = if q.lang == "en" { "en" } else { "de" };
    // Only a path of ours, and only characters a Location header can carry.
    let back = if q.zurueck.starts_with('/')
        && !q.zurueck.starts_with("//")
        && !q.zurueck.contains('\\')
        && !q.zurueck.contains("://")
        && q.zurueck.bytes().all(|b| b.is_ascii_graphic())
    {
        q.zurueck
    } else {
        "/".to_string()
    };
    let cookie = auth::set_cookie(
        auth::LANG_COOKIE,
        lang,
        auth::came_over_https(&headers),
        Some(365 * 24 * 3600),
    );
    let mut r = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    r
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    frame: Frame,
    error: Option<String>,
    csrf: String,
    login: String,
}

/// The login form with a fresh token, also set as a cookie (double submit:
/// a form posted from elsewhere has neither).
fn login_page(
    app: &App,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
    login: &str,
) -> Response {
    let lang = auth::lang_of(headers);
    let csrf = auth::random_token();
    let page = LoginPage {
        frame: app.frame(lang, "", "/anmelden"),
        error,
        csrf: csrf.clone(),
        login: login.to_string(),
    };
    let mut r = render(status, &page, lang);
    let cookie = auth::set_cookie(
        auth::LOGIN_COOKIE,
        &csrf,
        auth::came_over_https(headers),
        Some(3600),
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(SET_COOKIE, v);
    }
    r
}

pub async fn login_form(State(app): AppState, headers: HeaderMap) -> Response {
    login_page(&app, &headers, StatusCode::OK, None, "")
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// Why a login did not succeed.
pub enum LoginFailure {
    Locked(std::time::Duration),
    Wrong,
    Internal(String),
}

/// Checks a login and password under the throttle; the account on success.
pub async fn authenticate(
    app: &Arc<App>,
    login: &str,
    password: &str,
    addr: std::net::IpAddr,
) -> Result<db::Account, LoginFailure> {
    let login = login.trim().to_string();
    let locked = app.throttle.locked(&app.db.conn(), &login, addr);
    if let Some(wait) = locked.map_err(|e| LoginFailure::Internal(e.to_string()))? {
        let _ = db::audit(&app.db.conn(), None, "login", None, "locked");
        return Err(LoginFailure::Locked(wait));
    }
    let found = db::credentials(&app.db.conn(), &login)
        .map_err(|e| LoginFailure::Internal(e.to_string()))?;
    let password = password.to_string();
    let (account, ok) = tokio::task::spawn_blocking(move || match found {
        Some((account, hash)) => {
            let ok = auth::verify_password(&hash, &password) && !account.disabled;
            (Some(account), ok)
        }
        None => {
            auth::verify_password(auth::dummy_hash(), &password);
            (None, false)
        }
    })
    .await
    .map_err(|e| LoginFailure::Internal(e.to_string()))?;
    let conn = app.db.conn();
    match account {
        Some(a) if ok => {
            app.throttle
                .succeeded(&conn, &login, addr)
                .map_err(|e| LoginFailure::Internal(e.to_string()))?;
            let _ = db::audit(&conn, Some(&a.login), "login", None, "ok");
            Ok(a)
        }
        a => {
            app.throttle
                .failed(&conn, &login, addr)
                .map_err(|e| LoginFailure::Internal(e.to_string()))?;
            let who = a.as_ref().map(|a| a.login.as_str());
            let _ = db::audit(&conn, who, "login", None, "failed");
            Err(LoginFailure::Wrong)
        }
    }
}

/// A new session or token for `account`: the secret (for the client) and when it ends.
pub fn open_session(
    app: &App,
    account: &db::Account,
    kind: SessionKind,
) -> rusqlite::Result<(String, chrono::DateTime<chrono::Utc>)> {
    let token = auth::random_token();
    let expires = super::clock::now() + chrono::Duration::hours(auth::SESSION_HOURS);
    let conn = app.db.conn();
    let _ = db::delete_expired_sessions(&conn);
    db::insert_session(
        &conn,
        &auth::token_hash(&token),
        account.id,
        kind,
        &auth::random_token(),
        expires,
    )?;
    Ok((token, expires))
}

pub async fn login(
    State(app): AppState,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    UrlForm(form): UrlForm<LoginForm>,
) -> Response {
    let lang = auth::lang_of(&headers);
    let w = words(lang);
    let expected = auth::cookie(&headers, auth::LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !auth::same_secret(expected, &form.csrf) {
        return login_page(
            &app,
            &headers,
            StatusCode::FORBIDDEN,
            Some(w.login_expired.into()),
            &form.login,
        );
    }
    let client = app.client(peer, &headers);
    let account = match authenticate(&app, &form.login, &form.password, client).await {
        Ok(a) => a,
        Err(LoginFailure::Locked(wait)) => {
            return login_page(
                &app,
                &headers,
                StatusCode::TOO_MANY_REQUESTS,
                Some(text::locked(lang, wait.as_secs())),
                &form.login,
            )
        }
        Err(LoginFailure::Wrong) => {
            return login_page(
                &app,
                &headers,
                StatusCode::UNAUTHORIZED,
                Some(w.login_failed.into()),
                &form.login,
            )
        }
        Err(LoginFailure::Internal(e)) => return http::internal(lang, &e),
    };
    let (token, _) = match open_session(&app, &account, SessionKind::Web) {
        Ok(t) => t,
        Err(e) => return http::internal(lang, &e),
    };
    let secure = auth::came_over_https(&headers);
    let start = super::office::start(&account);
    let mut r = (StatusCode::SEE_OTHER, [(LOCATION, start)]).into_response();
    for c in [
        auth::set_cookie(auth::SESSION_COOKIE, &token, secure, None),
        auth::set_cookie(auth::LOGIN_COOKIE, "", secure, Some(0)),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(SET_COOKIE, v);
        }
    }
    r
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(app): AppState,
    user: WebUser,
    UrlForm(form): UrlForm<CsrfForm>,
) -> Response {
    if !user.csrf_ok(&form.csrf) {
        return bad_form(&app, &user, "");
    }
    let conn = app.db.conn();
    let _ = db::delete_session(&conn, &user.token_hash);
    let _ = db::audit(&conn, Some(&user.account.login), "logout", None, "ok");
    let mut r = Redirect::to("/anmelden").into_response();
    let c = auth::set_cookie(auth::SESSION_COOKIE, "", user.secure, Some(0));
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    r
}

/// The upload form of *Prüfen* and *Einreichen*.
pub struct UploadForm {
    action: &'static str,
    csrf: String,
    help: String,
    acknowledge: bool,
    button: &'static str,
}

#[derive(Template)]
#[template(path = "check_form.html")]
struct CheckFormPage {
    frame: Frame,
    upload: UploadForm,
}

pub async fn check_form(State(app): AppState, user: WebUser) -> Response {
    let w = words(user.lang);
    let page = CheckFormPage {
        frame: user_frame(&app, &user, "pruefen", "/pruefen"),
        upload: UploadForm {
            action: "/pruefen",
            csrf: user.csrf.clone(),
            help: text::upload_help(user.lang, app.settings.max_upload_bytes >> 20),
            acknowledge: false,
            button: w.check_button,
        },
    };
    render(StatusCode::OK, &page, user.lang)
}

struct SubmitButton {
    csrf: String,
    token: String,
    acknowledge: bool,
    label: String,
}

#[derive(Template)]
#[template(path = "check_result.html")]
struct CheckResultPage {
    frame: Frame,
    title: String,
    file_name: String,
    refusal: Option<String>,
    verdict: Verdict,
    annotated_href: Option<String>,
    submit: Option<SubmitButton>,
    note: Option<String>,
    groups: Vec<SheetGroup>,
    again_href: &'static str,
    again_label: &'static str,
}

/// Checks an upload in the worker under the bound on concurrent checks.
async fn check_upload(
    app: &Arc<App>,
    ticket: Ticket,
    name: String,
    bytes: Vec<u8>,
    lang: Lang,
) -> Result<(Vec<u8>, Checked), super::check::Busy> {
    let app2 = app.clone();
    let result = ticket
        .run(move || {
            let r = app2.check(&bytes, &name, lang, true);
            (bytes, r)
        })
        .await;
    result
}

/// The result page of a held upload: verdict, findings, the annotated copy,
/// and for the own provider's admissible file the button that submits it.
fn result_page(
    app: &App,
    user: &WebUser,
    token: &str,
    held: &HeldUpload,
    refusal: Option<&Refusal>,
    current: &'static str,
) -> Response {
    let lang = user.lang;
    let w = words(lang);
    let report = &held.outcome.report;
    // A refused submission can still be one click from submitting: its
    // warnings acknowledged. Other refusals need a corrected file.
    let admissible = submit::admissible(&user.account, &held.outcome, true);
    let submit = match &admissible {
        Ok(p) if refusal.is_none_or(|r| matches!(r, Refusal::Warnings(_))) => Some(SubmitButton {
            csrf: user.csrf.clone(),
            token: token.to_string(),
            acknowledge: report.summary.warnings > 0,
            label: text::submit_for(
                lang,
                &text::period(lang, p.year, p.quarter),
                report.summary.warnings,
            ),
        }),
        _ => None,
    };
    // A provider checking a workbook of another number learns it at once.
    let named = held.outcome.cover.provider_id.as_deref();
    let said = matches!(refusal, Some(Refusal::OtherProvider { .. }));
    let note = match (user.account.role, &user.account.provider) {
        (Role::Provider, Some(own)) if !said && named != Some(own.as_str()) => {
            Some(text::other_provider(lang, named, own))
        }
        _ => None,
    };
    let title = if refusal.is_some() {
        w.refused_title.to_string()
    } else {
        w.check_result_title.to_string()
    };
    let page = CheckResultPage {
        frame: user_frame(
            app,
            user,
            current,
            if current == "einreichen" {
                "/einreichen"
            } else {
                "/pruefen"
            },
        ),
        title,
        file_name: held.name.clone(),
        refusal: refusal.map(|r| r.message(lang)),
        verdict: views::verdict(report, lang),
        annotated_href: held
            .annotated
            .as_ref()
            .map(|_| format!("/pruefen/{token}/kommentiert")),
        submit,
        note,
        groups: views::groups(report, lang),
        again_href: if current == "einreichen" {
            "/einreichen"
        } else {
            "/pruefen"
        },
        again_label: if current == "einreichen" {
            w.submit_another
        } else {
            w.check_another
        },
    };
    let status = if refusal.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(status, &page, lang)
}

pub async fn check(
    State(app): AppState,
    user: WebUser,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(mp) = mp else {
        return bad_form(&app, &user, "pruefen");
    };
    let Ok(ticket) = app.checks.reserve() else {
        return busy(&app, &user, "pruefen");
    };
    let form = match http::read_form(mp, app.settings.max_upload_bytes).await {
        Ok(f) => f,
        Err(e) => return upload_refused(&app, &user, "pruefen", e),
    };
    if !user.csrf_ok(form.field("csrf")) {
        return bad_form(&app, &user, "pruefen");
    }
    let Some(upload) = form.file else {
        let w = words(user.lang);
        return message(
            user_frame(&app, &user, "pruefen", "/pruefen"),
            StatusCode::BAD_REQUEST,
            w.error_title,
            w.no_file.into(),
            user.lang,
        );
    };
    let name = super::check::safe_name(&upload.name);
    let (bytes, checked) =
        match check_upload(&app, ticket, name.clone(), upload.bytes, user.lang).await {
            Ok(r) => r,
            Err(super::check::Busy) => return busy(&app, &user, "pruefen"),
        };
    let _ = db::audit(
        &app.db.conn(),
        Some(&user.account.login),
        "check",
        None,
        &audit_counts(&checked.outcome.report.summary),
    );
    let held = HeldUpload::new(user.account.id, name, bytes, checked);
    let token = app.held.put(held);
    match app.held.get(&token, user.account.id) {
        Some(h) => result_page(&app, &user, &token, &h, None, "pruefen"),
        None => http::internal(user.lang, &"held upload evicted at once"),
    }
}

pub fn audit_counts(s: &crate::finding::Summary) -> String {
    format!(
        "errors={} warnings={} infos={}",
        s.errors, s.warnings, s.infos
    )
}

pub async fn held_annotated(
    State(app): AppState,
    user: WebUser,
    Path(token): Path<String>,
) -> Response {
    match app.held.get(&token, user.account.id) {
        Some(h) => match &h.annotated {
            Some(bytes) => http::download(bytes.clone(), &http::annotated_name(&h.name, user.lang)),
            None => not_found_for(&app, &user),
        },
        None => not_found_for(&app, &user),
    }
}

#[derive(Template)]
#[template(path = "submit_form.html")]
struct SubmitFormPage {
    frame: Frame,
    intro: &'static str,
    upload: UploadForm,
}

pub async fn submit_form(State(app): AppState, user: WebUser) -> Response {
    if user.account.role != Role::Provider {
        return forbidden_for(&app, &user);
    }
    let w = words(user.lang);
    let page = SubmitFormPage {
        frame: user_frame(&app, &user, "einreichen", "/einreichen"),
        intro: w.submit_intro,
        upload: UploadForm {
            action: "/einreichen",
            csrf: user.csrf.clone(),
            help: text::upload_help(user.lang, app.settings.max_upload_bytes >> 20),
            acknowledge: true,
            button: w.submit_button,
        },
    };
    render(StatusCode::OK, &page, user.lang)
}

/// Submits a held upload (from *Prüfen*) or a new one: refused with the
/// findings, or stored and answered with the receipt.
pub async fn submit(
    State(app): AppState,
    user: WebUser,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(mp) = mp else {
        return bad_form(&app, &user, "einreichen");
    };
    let Ok(ticket) = app.checks.reserve() else {
        return busy(&app, &user, "einreichen");
    };
    let form = match http::read_form(mp, app.settings.max_upload_bytes).await {
        Ok(f) => f,
        Err(e) => return upload_refused(&app, &user, "einreichen", e),
    };
    if !user.csrf_ok(form.field("csrf")) {
        return bad_form(&app, &user, "einreichen");
    }
    if user.account.role != Role::Provider {
        return forbidden_for(&app, &user);
    }
    let acknowledged = form.flag("acknowledge_warnings");
    let held_token = form.field("held").to_string();
    let (token, held) = match (held_token.as_str(), form.file) {
        (token, None) if !token.is_empty() => match app.held.get(token, user.account.id) {
            Some(h) => (token.to_string(), h),
            None => {
                let w = words(user.lang);
                return message(
                    user_frame(&app, &user, "einreichen", "/einreichen"),
                    StatusCode::NOT_FOUND,
                    w.error_title,
                    w.held_expired.into(),
                    user.lang,
                );
            }
        },
        (_, Some(upload)) => {
            let name = super::check::safe_name(&upload.name);
            let (bytes, checked) =
                match check_upload(&app, ticket, name.clone(), upload.bytes, user.lang).await {
                    Ok(r) => r,
                    Err(super::check::Busy) => return busy(&app, &user, "einreichen"),
                };
            let token = app
                .held
                .put(HeldUpload::new(user.account.id, name, bytes, checked));
            match app.held.get(&token, user.account.id) {
                Some(h) => (token, h),
                None => return http::internal(user.lang, &"held upload evicted at once"),
            }
        }
        _ => {
            let w = words(user.lang);
            return message(
                user_frame(&app, &user, "einreichen", "/einreichen"),
                StatusCode::BAD_REQUEST,
                w.error_title,
                w.no_file.into(),
                user.lang,
            );
        }
    };
    let period = match submit::admissible(&user.account, &held.outcome, acknowledged) {
        Ok(p) => p,
        Err(refusal) => {
            let _ = db::audit(
                &app.db.conn(),
                Some(&user.account.login),
                "submit",
                None,
                &format!("refused: {}", refusal.code()),
            );
            return result_page(&app, &user, &token, &held, Some(&refusal), "einreichen");
        }
    };
    let app2 = app.clone();
    let account = user.account.clone();
    let held2 = held.clone();
    let stored = tokio::task::spawn_blocking(move || {
        submit::store(
            &app2,
            &account,
            &period,
            &held2.name,
            &held2.bytes,
            &held2.outcome,
            held2.annotated.as_deref(),
        )
    })
    .await;
    match stored {
        Ok(Ok(s)) => {
            app.held.take(&token, user.account.id);
            Redirect::to(&format!("/meldungen/{}?neu=1", s.id)).into_response()
        }
        Ok(Err(e)) => http::internal(user.lang, &e),
        Err(e) => http::internal(user.lang, &e),
    }
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    frame: Frame,
    title: &'static str,
    message: Option<&'static str>,
    rows: Vec<SubmissionView>,
    show_provider: bool,
    /// The provider and period the board's link narrowed the list to.
    filter: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    zurueckgezogen: Option<String>,
    /// From the status board: one provider's (office and controlling) …
    #[serde(default)]
    traeger: Option<String>,
    /// … of one year and quarter.
    #[serde(default)]
    jahr: Option<String>,
    #[serde(default)]
    quartal: Option<String>,
}

pub async fn list(State(app): AppState, user: WebUser, Query(q): Query<ListQuery>) -> Response {
    let w = words(user.lang);
    let own = match user.account.role {
        Role::Provider => user.account.provider.clone(),
        _ => None,
    };
    // A provider sees its own whatever the link says.
    let only = own.clone().or(q.traeger.filter(|t| !t.trim().is_empty()));
    let subs = match db::submissions(&app.db.conn(), only.as_deref()) {
        Ok(s) => s,
        Err(e) => return http::internal(user.lang, &e),
    };
    // Unreadable numbers narrow nothing.
    let year: Option<i32> = q.jahr.and_then(|y| y.trim().parse().ok());
    let quarter: Option<u8> = q.quartal.and_then(|n| n.trim().parse().ok());
    let subs: Vec<Submission> = subs
        .into_iter()
        .filter(|s| year.is_none_or(|y| s.year == y))
        .filter(|s| quarter.is_none_or(|n| s.quarter == n))
        .collect();
    let filter = match (&only, year, quarter) {
        (_, Some(y), Some(n)) => Some(text::period(user.lang, y, n)),
        (_, Some(y), None) => Some(y.to_string()),
        _ => None,
    };
    let filter = match (own.is_none().then_some(only.as_deref()).flatten(), filter) {
        (Some(p), Some(f)) => Some(format!("{} {p} · {f}", w.provider_label)),
        (Some(p), None) => Some(format!("{} {p}", w.provider_label)),
        (None, f) => f,
    };
    let page = ListPage {
        frame: user_frame(&app, &user, "meldungen", "/meldungen"),
        title: if own.is_some() {
            w.list_title_mine
        } else {
            w.list_title_all
        },
        message: q.zurueckgezogen.map(|_| w.withdrawn_ok),
        rows: subs
            .iter()
            .map(|s| views::submission(s, &user.account, user.lang))
            .collect(),
        show_provider: own.is_none(),
        filter,
    };
    render(StatusCode::OK, &page, user.lang)
}

/// The submission `id` if `user` may see it.
// The refusal is the answer itself, built once per request.
#[allow(clippy::result_large_err)]
fn visible(app: &App, user: &WebUser, id: &str) -> Result<Submission, Response> {
    match db::submission(&app.db.conn(), id) {
        Ok(Some(s)) if submit::may_see(&user.account, &s) => Ok(s),
        Ok(_) => Err(not_found_for(app, user)),
        Err(e) => Err(http::internal(user.lang, &e)),
    }
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    frame: Frame,
    r: SubmissionView,
    confirm_withdraw: bool,
    provider_name: Option<String>,
    just_submitted: bool,
    csrf: String,
    groups: Vec<SheetGroup>,
}

#[derive(Deserialize, Default)]
pub struct ReceiptQuery {
    #[serde(default)]
    neu: Option<String>,
}

pub async fn receipt(
    State(app): AppState,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<ReceiptQuery>,
) -> Response {
    receipt_page(&app, &user, &id, q.neu.is_some(), false)
}

/// The receipt with the question whether to withdraw (a link there, no script).
pub async fn withdraw_question(
    State(app): AppState,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    receipt_page(&app, &user, &id, false, true)
}

fn receipt_page(
    app: &App,
    user: &WebUser,
    id: &str,
    just_submitted: bool,
    confirm_withdraw: bool,
) -> Response {
    let s = match visible(app, user, id) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let groups = s
        .file_report()
        .map(|r| views::groups(&r, user.lang))
        .unwrap_or_default();
    let r = views::submission(&s, &user.account, user.lang);
    let page = ReceiptPage {
        frame: user_frame(app, user, "meldungen", &format!("/meldungen/{}", s.id)),
        confirm_withdraw: confirm_withdraw && r.may_withdraw,
        r,
        provider_name: app.cfg.provider(&s.provider).map(|p| p.name.clone()),
        just_submitted,
        csrf: user.csrf.clone(),
        groups,
    };
    render(StatusCode::OK, &page, user.lang)
}

/// Which stored file of a submission.
#[derive(Clone, Copy)]
pub enum StoredFile {
    Original,
    Annotated,
}

/// The stored file (or its annotated copy) of a submission, as `(bytes, name)`.
/// A stored file for download, by `login`; the download goes into the audit
/// trail (pages and API alike).
pub fn stored_file(
    app: &App,
    s: &Submission,
    which: StoredFile,
    login: &str,
    lang: Lang,
) -> Result<Option<(Vec<u8>, String)>, std::io::Error> {
    let (sha, name) = match which {
        StoredFile::Original => (Some(s.sha256.as_str()), s.file_name.clone()),
        StoredFile::Annotated => (
            s.annotated_sha256.as_deref(),
            http::annotated_name(&s.file_name, lang),
        ),
    };
    let Some(sha) = sha else {
        return Ok(None);
    };
    let bytes = app.store.get(sha)?;
    let action = match which {
        StoredFile::Original => "download",
        StoredFile::Annotated => "download_annotated",
    };
    let _ = db::audit(&app.db.conn(), Some(login), action, Some(&s.id), "ok");
    Ok(Some((bytes, name)))
}

async fn download(app: Arc<App>, user: WebUser, id: String, which: StoredFile) -> Response {
    let s = match visible(&app, &user, &id) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !views::may_download(&user.account) {
        return forbidden_for(&app, &user);
    }
    match stored_file(&app, &s, which, &user.account.login, user.lang) {
        Ok(Some((bytes, name))) => http::download(bytes, &name),
        Ok(None) => not_found_for(&app, &user),
        Err(e) => http::internal(user.lang, &e),
    }
}

pub async fn file(State(app): AppState, user: WebUser, Path(id): Path<String>) -> Response {
    download(app, user, id, StoredFile::Original).await
}

pub async fn annotated(State(app): AppState, user: WebUser, Path(id): Path<String>) -> Response {
    download(app, user, id, StoredFile::Annotated).await
}

pub async fn withdraw(
    State(app): AppState,
    user: WebUser,
    Path(id): Path<String>,
    UrlForm(form): UrlForm<CsrfForm>,
) -> Response {
    if !user.csrf_ok(&form.csrf) {
        return bad_form(&app, &user, "meldungen");
    }
    let s = match visible(&app, &user, &id) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if user.account.role != Role::Provider {
        return forbidden_for(&app, &user);
    }
    let done = db::withdraw(&mut app.db.conn(), &s.id, &user.account.login);
    match done {
        Ok(true) => Redirect::to("/meldungen?zurueckgezogen=1").into_response(),
        Ok(false) => {
            let w = words(user.lang);
            message(
                user_frame(&app, &user, "meldungen", "/meldungen"),
                StatusCode::CONFLICT,
                w.error_title,
                w.not_current.into(),
                user.lang,
            )
        }
        Err(e) => http::internal(user.lang, &e),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    frame: Frame,
    csrf: String,
    login: String,
    done: Option<&'static str>,
    error: Option<String>,
}

fn password_page(
    app: &App,
    user: &WebUser,
    status: StatusCode,
    done: Option<&'static str>,
    error: Option<String>,
) -> Response {
    let page = PasswordPage {
        frame: user_frame(app, user, "passwort", "/passwort"),
        csrf: user.csrf.clone(),
        login: user.account.login.clone(),
        done,
        error,
    };
    render(status, &page, user.lang)
}

#[derive(Deserialize, Default)]
pub struct PasswordQuery {
    #[serde(default)]
    geaendert: Option<String>,
}

/// The one account page: changing one's own password.
pub async fn password_form(
    State(app): AppState,
    user: WebUser,
    Query(q): Query<PasswordQuery>,
) -> Response {
    let done = q.geaendert.map(|_| words(user.lang).password_changed);
    password_page(&app, &user, StatusCode::OK, done, None)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

/// Shortest password a user may choose (generated ones have 19 characters).
pub const MIN_PASSWORD_CHARS: usize = 12;

pub async fn change_password(
    State(app): AppState,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    user: WebUser,
    UrlForm(form): UrlForm<PasswordForm>,
) -> Response {
    let lang = user.lang;
    let w = words(lang);
    if !user.csrf_ok(&form.csrf) {
        return bad_form(&app, &user, "passwort");
    }
    let refuse = |status, text: String| password_page(&app, &user, status, None, Some(text));
    if form.new.chars().count() < MIN_PASSWORD_CHARS {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, w.password_short.into());
    }
    if form.new != form.repeat {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, w.password_mismatch.into());
    }
    // The current password under the login throttle: this page is no way around it.
    let client = app.client(peer, &headers);
    match authenticate(&app, &user.account.login, &form.current, client).await {
        Ok(_) => {}
        Err(LoginFailure::Locked(wait)) => {
            return refuse(
                StatusCode::TOO_MANY_REQUESTS,
                text::locked(lang, wait.as_secs()),
            )
        }
        Err(LoginFailure::Wrong) => {
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, w.password_wrong.into())
        }
        Err(LoginFailure::Internal(e)) => return http::internal(lang, &e),
    }
    let new = form.new.clone();
    let hash = match tokio::task::spawn_blocking(move || auth::hash_password(&new)).await {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return http::internal(lang, &e),
        Err(e) => return http::internal(lang, &e),
    };
    let changed = {
        let conn = app.db.conn();
        let r = db::set_password(&conn, &user.account.login, &hash);
        let _ = db::audit(
            &conn,
            Some(&user.account.login),
            "password",
            None,
            "changed",
        );
        r
    };
    if let Err(e) = changed {
        return http::internal(lang, &e);
    }
    // Every session ended with the old password; this one goes on anew.
    let (token, _) = match open_session(&app, &user.account, SessionKind::Web) {
        Ok(t) => t,
        Err(e) => return http::internal(lang, &e),
    };
    let mut r = Redirect::to("/passwort?geaendert=1").into_response();
    let c = auth::set_cookie(auth::SESSION_COOKIE, &token, user.secure, None);
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    r
}
