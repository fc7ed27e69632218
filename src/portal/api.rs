//! The JSON API (`/api/v1/…`) for scripts and case software, with the rights
//! of the pages: bearer tokens only (no cookies, so no cross-site requests),
//! errors as `{"error": "…", "code": "…"}` ([`ApiError`]). Texts in German,
//! in English when `Accept-Language` (or `?lang=en`) asks for it.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::auth::ApiUser;
use super::check::Ticket;
use super::db::{self, Role, SessionKind, Status, Submission};
use super::http::{self, api_internal, ApiError, UploadError};
use super::pages::{self, LoginFailure, StoredFile};
use super::submit::{self, Refusal};
use super::App;
use crate::finding::{FileReport, Summary};
use crate::i18n::Lang;
use crate::render::json;

type AppState = State<Arc<App>>;

#[derive(Deserialize)]
struct TokenRequest {
    login: String,
    password: String,
}

#[derive(Serialize)]
struct TokenResponse {
    token: String,
    expires: String,
}

/// `POST /api/v1/token`: `{"login","password"}` → `{"token","expires"}`.
pub async fn token(
    State(app): AppState,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = super::auth::api_lang_of(&uri, &headers);
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return ApiError::BodyTooLarge.answer(lang)
        }
        Err(_) => return ApiError::BadJson.answer(lang),
    };
    let Ok(req) = serde_json::from_slice::<TokenRequest>(&body) else {
        return ApiError::BadJson.answer(lang);
    };
    let client = app.client(peer, &headers);
    match pages::authenticate(&app, &req.login, &req.password, client).await {
        Ok(account) => match pages::open_session(&app, &account, SessionKind::Api) {
            Ok((token, expires)) => Json(TokenResponse {
                token,
                expires: expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            })
            .into_response(),
            Err(e) => api_internal(&e),
        },
        Err(LoginFailure::Locked(wait)) => ApiError::LoginLocked {
            seconds: wait.as_secs_f64().ceil() as u64,
        }
        .answer(lang),
        Err(LoginFailure::Wrong) => ApiError::WrongCredentials.answer(lang),
        Err(LoginFailure::Internal(e)) => api_internal(&e),
    }
}

/// The uploaded file of a multipart request, or the answer refusing it.
async fn upload(
    app: &App,
    mp: Result<Multipart, MultipartRejection>,
    lang: Lang,
) -> Result<http::Form, Response> {
    let mp = mp.map_err(|_| ApiError::BadForm.answer(lang))?;
    let form = match http::read_form(mp, app.settings.max_upload_bytes).await {
        Ok(f) => f,
        Err(UploadError::TooLarge) => {
            let mib = app.settings.max_upload_bytes >> 20;
            return Err(ApiError::TooLarge { mib }.answer(lang));
        }
        Err(UploadError::Bad(_)) => return Err(ApiError::BadForm.answer(lang)),
    };
    if form.file.is_none() {
        return Err(ApiError::NoFile.answer(lang));
    }
    Ok(form)
}

fn busy(lang: Lang) -> Response {
    ApiError::Busy.answer(lang)
}

/// Runs the check of an upload under the bound on concurrent checks.
async fn run_check(
    app: &Arc<App>,
    ticket: Ticket,
    name: String,
    bytes: Vec<u8>,
    lang: Lang,
    annotate: bool,
) -> Result<(Vec<u8>, super::check::Checked), Response> {
    let app2 = app.clone();
    let result = ticket
        .run(move || {
            let r = app2.check(&bytes, &name, lang, annotate);
            (bytes, r)
        })
        .await;
    result.map_err(|_| busy(lang))
}

/// `POST /api/v1/check`: the `check --format json` document of one file; nothing stored.
pub async fn check(
    State(app): AppState,
    user: ApiUser,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(ticket) = app.checks.reserve() else {
        return busy(user.lang);
    };
    let form = match upload(&app, mp, user.lang).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some(file) = form.file else {
        return ApiError::NoFile.answer(user.lang);
    };
    let name = super::check::safe_name(&file.name);
    let (_, checked) = match run_check(&app, ticket, name, file.bytes, user.lang, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let _ = db::audit(
        &app.db.conn(),
        Some(&user.account.login),
        "check",
        None,
        &pages::audit_counts(&checked.outcome.report.summary),
    );
    let doc = json::check_document(&[checked.outcome.report], &[], user.lang);
    json_text(StatusCode::OK, doc)
}

fn json_text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// A submission as the API shows it.
#[derive(Serialize)]
struct SubmissionJson<'a> {
    id: &'a str,
    receipt: &'a str,
    sha256: &'a str,
    provider: &'a str,
    year: i32,
    quarter: u8,
    status: Status,
    submitted_at: &'a str,
    status_changed_at: Option<&'a str>,
    file_name: &'a str,
    size: i64,
    account: &'a str,
    summary: &'a Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<Vec<json::FindingJson<'a>>>,
}

fn submission_json<'a>(
    s: &'a Submission,
    report: Option<&'a FileReport>,
    lang: Lang,
) -> SubmissionJson<'a> {
    SubmissionJson {
        id: &s.id,
        receipt: &s.receipt,
        sha256: &s.sha256,
        provider: &s.provider,
        year: s.year,
        quarter: s.quarter,
        status: s.status,
        submitted_at: &s.submitted_at,
        status_changed_at: s.status_at.as_deref(),
        file_name: &s.file_name,
        size: s.size,
        account: &s.account,
        summary: &s.summary,
        findings: report.map(|r| json::findings(&r.findings, lang)),
    }
}

/// A refused submission: why, and the findings as `check --format json` has them.
#[derive(Serialize)]
struct RefusedJson<'a> {
    error: String,
    /// Always `refused`; `reason` says why.
    code: &'static str,
    reason: &'static str,
    provider: Option<&'a str>,
    year: Option<i32>,
    quarter: Option<u8>,
    summary: &'a Summary,
    findings: Vec<json::FindingJson<'a>>,
}

/// `POST /api/v1/submissions`: multipart `file`, optional
/// `acknowledge_warnings=true` → `201` with the receipt, or `422` with the findings.
pub async fn submit(
    State(app): AppState,
    user: ApiUser,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    if user.account.role != Role::Provider {
        return ApiError::NotProvider.answer(user.lang);
    }
    let Ok(ticket) = app.checks.reserve() else {
        return busy(user.lang);
    };
    let form = match upload(&app, mp, user.lang).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let acknowledged = form.flag("acknowledge_warnings");
    let Some(file) = form.file else {
        return ApiError::NoFile.answer(user.lang);
    };
    let name = super::check::safe_name(&file.name);
    let (bytes, checked) =
        match run_check(&app, ticket, name.clone(), file.bytes, user.lang, true).await {
            Ok(c) => c,
            Err(r) => return r,
        };
    let period = match submit::admissible(&user.account, &checked.outcome, acknowledged) {
        Ok(p) => p,
        Err(refusal) => return refused(&app, &user, &refusal, &checked.outcome.report),
    };
    let app2 = app.clone();
    let account = user.account.clone();
    let stored = tokio::task::spawn_blocking(move || {
        submit::store(
            &app2,
            &account,
            &period,
            &name,
            &bytes,
            &checked.outcome,
            checked.annotated.as_deref(),
        )
    })
    .await;
    match stored {
        Ok(Ok(s)) => {
            let report = s.file_report();
            let body = submission_json(&s, report.as_ref(), user.lang);
            (StatusCode::CREATED, Json(body)).into_response()
        }
        Ok(Err(e)) => api_internal(&e),
        Err(e) => api_internal(&e),
    }
}

fn refused(app: &App, user: &ApiUser, refusal: &Refusal, report: &FileReport) -> Response {
    let _ = db::audit(
        &app.db.conn(),
        Some(&user.account.login),
        "submit",
        None,
        &format!("refused: {}", refusal.code()),
    );
    let body = RefusedJson {
        error: refusal.message(user.lang),
        code: "refused",
        reason: refusal.code(),
        provider: report.provider.as_deref(),
        year: report.year,
        quarter: report.quarter,
        summary: &report.summary,
        findings: json::findings(&report.findings, user.lang),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// `GET /api/v1/submissions`: the own provider's; office and controlling: all.
pub async fn list(State(app): AppState, user: ApiUser) -> Response {
    let own = match user.account.role {
        Role::Provider => user.account.provider.clone(),
        _ => None,
    };
    match db::submissions(&app.db.conn(), own.as_deref()) {
        Ok(subs) => {
            let items: Vec<SubmissionJson> = subs
                .iter()
                .map(|s| submission_json(s, None, user.lang))
                .collect();
            Json(serde_json::json!({ "submissions": items })).into_response()
        }
        Err(e) => api_internal(&e),
    }
}

/// The submission `id` if `user` may see it, else `404` (never `403`: its
/// existence is not revealed).
// The refusal is the answer itself, built once per request.
#[allow(clippy::result_large_err)]
fn visible(app: &App, user: &ApiUser, id: &str) -> Result<Submission, Response> {
    match db::submission(&app.db.conn(), id) {
        Ok(Some(s)) if submit::may_see(&user.account, &s) => Ok(s),
        Ok(_) => Err(ApiError::NotFound.answer(user.lang)),
        Err(e) => Err(api_internal(&e)),
    }
}

/// `GET /api/v1/submissions/{id}`: with its findings.
pub async fn show(State(app): AppState, user: ApiUser, Path(id): Path<String>) -> Response {
    match visible(&app, &user, &id) {
        Ok(s) => {
            let report = s.file_report();
            Json(submission_json(&s, report.as_ref(), user.lang)).into_response()
        }
        Err(r) => r,
    }
}

async fn download(app: Arc<App>, user: ApiUser, id: String, which: StoredFile) -> Response {
    let s = match visible(&app, &user, &id) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !super::views::may_download(&user.account) {
        return ApiError::Forbidden.answer(user.lang);
    }
    match pages::stored_file(&app, &s, which, &user.account.login, user.lang) {
        Ok(Some((bytes, name))) => http::download(bytes, &name),
        Ok(None) => ApiError::NoAnnotatedCopy.answer(user.lang),
        Err(e) => api_internal(&e),
    }
}

/// `GET /api/v1/submissions/{id}/file`: the workbook as submitted.
pub async fn file(State(app): AppState, user: ApiUser, Path(id): Path<String>) -> Response {
    download(app, user, id, StoredFile::Original).await
}

/// `GET /api/v1/submissions/{id}/annotated`: its annotated copy.
pub async fn annotated(State(app): AppState, user: ApiUser, Path(id): Path<String>) -> Response {
    download(app, user, id, StoredFile::Annotated).await
}

/// `DELETE /api/v1/submissions/{id}`: withdraws the current submission.
pub async fn withdraw(State(app): AppState, user: ApiUser, Path(id): Path<String>) -> Response {
    let s = match visible(&app, &user, &id) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if user.account.role != Role::Provider {
        return ApiError::Forbidden.answer(user.lang);
    }
    let done = db::withdraw(&mut app.db.conn(), &s.id, &user.account.login);
    match done {
        Ok(true) => match db::submission(&app.db.conn(), &s.id) {
            Ok(Some(s)) => Json(submission_json(&s, None, user.lang)).into_response(),
            Ok(None) => ApiError::NotFound.answer(user.lang),
            Err(e) => api_internal(&e),
        },
        Ok(false) => ApiError::NotCurrent.answer(user.lang),
        Err(e) => api_internal(&e),
    }
}
