//! What every response shares: security headers, the request log (account,
//! route, status, duration; never a file's content), reading uploads within
//! the size limit, downloads and error answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Body;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{MatchedPath, Request};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::i18n::Lang;

/// Where the account of a request is noted for the log line, once known.
#[derive(Clone, Default)]
pub struct LogSlot(Arc<Mutex<Option<String>>>);

impl LogSlot {
    pub fn set(parts: &Parts, login: &str) {
        if let Some(slot) = parts.extensions.get::<LogSlot>() {
            *slot.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(login.to_string());
        }
    }

    fn get(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// `Content-Security-Policy`: our own styles, no script from anywhere else,
/// no inline script, no framing.
pub const CSP: &str = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// Adds the security headers to every response and writes its log line.
pub async fn frame(mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let slot = LogSlot::default();
    req.extensions_mut().insert(slot.clone());
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "-".to_string());
    let api = req.uri().path().starts_with("/api/");
    let lang = if api {
        super::auth::api_lang_of(req.uri(), req.headers())
    } else {
        super::auth::lang_of(req.headers())
    };
    let mut res = REQUEST_LANG.scope(lang, next.run(req)).await;
    if api {
        res = json_error_of(res, lang);
    }
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    eprintln!(
        "{} {} {} {} {} {}ms",
        chrono::Local::now().format("%Y-%m-%dT%H:%M:%S%.3f"),
        slot.get().as_deref().unwrap_or("-"),
        method,
        route,
        res.status().as_u16(),
        start.elapsed().as_millis()
    );
    res
}

tokio::task_local! {
    /// The language of the request being answered (see [`frame`]).
    static REQUEST_LANG: Lang;
}

/// The language of the request being answered: for `/api/…` its `?lang=`
/// or `Accept-Language`, for a page the language cookie; German outside a
/// request.
pub fn request_lang() -> Lang {
    REQUEST_LANG.try_with(|l| *l).unwrap_or(Lang::De)
}

/// Why the API refuses a request: a stable `code` for programs, a message
/// in German or English for people (README, "The JSON API").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// `400 bad_json`: the token request is not `{"login","password"}`.
    BadJson,
    /// `401 wrong_credentials`.
    WrongCredentials,
    /// `429 login_locked` with `Retry-After`: too many failed logins.
    LoginLocked { seconds: u64 },
    /// `401 unauthorized` with `WWW-Authenticate: Bearer`: no valid token.
    Unauthorized,
    /// `400 bad_form`: not a readable multipart form.
    BadForm,
    /// `400 no_file`: the multipart field `file` is missing.
    NoFile,
    /// `413 too_large`: the upload is larger than the limit (MiB).
    TooLarge { mib: u64 },
    /// `413 too_large`: a request other than an upload is too large.
    BodyTooLarge,
    /// `503 busy` with `Retry-After`: every check slot and the queue taken.
    Busy,
    /// `403 not_provider`: only provider accounts submit.
    NotProvider,
    /// `403 forbidden`: the role may not do this.
    Forbidden,
    /// `404 not_found`: no such submission (or not for this account) or route.
    NotFound,
    /// `404 no_annotated_copy`.
    NoAnnotatedCopy,
    /// `409 not_current`: only the current submission can be withdrawn.
    NotCurrent,
    /// `405 method_not_allowed`.
    MethodNotAllowed,
    /// `500 internal`: a failure of ours (logged, answered without detail).
    Internal,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadJson | ApiError::BadForm | ApiError::NoFile => StatusCode::BAD_REQUEST,
            ApiError::WrongCredentials | ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::LoginLocked { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::TooLarge { .. } | ApiError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::NotProvider | ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound | ApiError::NoAnnotatedCopy => StatusCode::NOT_FOUND,
            ApiError::NotCurrent => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine code (never translated).
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadJson => "bad_json",
            ApiError::WrongCredentials => "wrong_credentials",
            ApiError::LoginLocked { .. } => "login_locked",
            ApiError::Unauthorized => "unauthorized",
            ApiError::BadForm => "bad_form",
            ApiError::NoFile => "no_file",
            ApiError::TooLarge { .. } | ApiError::BodyTooLarge => "too_large",
            ApiError::Busy => "busy",
            ApiError::NotProvider => "not_provider",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::NoAnnotatedCopy => "no_annotated_copy",
            ApiError::NotCurrent => "not_current",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Internal => "internal",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let w = super::text::words(lang);
        match self {
            ApiError::BadJson => w.api_bad_json.into(),
            ApiError::WrongCredentials => w.api_bad_credentials.into(),
            ApiError::LoginLocked { seconds } => super::text::locked(lang, *seconds),
            ApiError::Unauthorized => w.api_unauthorized.into(),
            ApiError::BadForm => w.api_bad_form.into(),
            ApiError::NoFile => w.api_no_file.into(),
            ApiError::TooLarge { mib } => super::text::too_large(lang, *mib),
            ApiError::BodyTooLarge => w.api_too_large_body.into(),
            ApiError::Busy => w.api_busy.into(),
            ApiError::NotProvider => w.refuse_not_provider.into(),
            ApiError::Forbidden => w.forbidden.into(),
            ApiError::NotFound => w.api_not_found.into(),
            ApiError::NoAnnotatedCopy => w.api_no_annotated.into(),
            ApiError::NotCurrent => w.not_current.into(),
            ApiError::MethodNotAllowed => w.api_method.into(),
            ApiError::Internal => w.api_internal.into(),
        }
    }

    /// The answer `{"error": message, "code": code}` with its status and
    /// headers (`Retry-After`, `WWW-Authenticate`).
    pub fn answer(&self, lang: Lang) -> Response {
        let mut r = error_json(self.status(), self.code(), &self.message(lang));
        let h = r.headers_mut();
        match self {
            ApiError::LoginLocked { seconds } => {
                if let Ok(v) = HeaderValue::from_str(&seconds.max(&1).to_string()) {
                    h.insert(header::RETRY_AFTER, v);
                }
            }
            ApiError::Busy => {
                h.insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
            }
            ApiError::Unauthorized => {
                h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        r
    }

    /// The error a status stands for, where a route answered it without
    /// one of ours (a body over the limit, a method the route lacks).
    fn of_status(status: StatusCode) -> Option<ApiError> {
        Some(match status {
            StatusCode::BAD_REQUEST | StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::BadForm,
            StatusCode::UNAUTHORIZED => ApiError::Unauthorized,
            StatusCode::FORBIDDEN => ApiError::Forbidden,
            StatusCode::NOT_FOUND => ApiError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge,
            StatusCode::SERVICE_UNAVAILABLE => ApiError::Busy,
            s if s.is_server_error() => ApiError::Internal,
            _ => return None,
        })
    }
}

fn error_json(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": message, "code": code })),
    )
        .into_response()
}

/// A JSON error answer, `{"error": "…", "code": "…"}`, its code the
/// status's (`bad_request`, `forbidden`, `not_found`, …); the message is
/// the caller's, in the request's language. The API's own refusals are
/// [`ApiError`]s with finer codes.
pub fn api_error(status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNPROCESSABLE_ENTITY => "refused",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "busy",
        s if s.is_server_error() => "internal",
        _ => "error",
    };
    error_json(status, code, message)
}

/// A failure of ours in the API: logged, answered without detail in the
/// request's language.
pub fn api_internal(e: &dyn std::fmt::Display) -> Response {
    eprintln!("interner Fehler: {e}");
    ApiError::Internal.answer(request_lang())
}

/// A failure of ours on a page: logged, answered without detail.
pub fn internal(lang: Lang, e: &dyn std::fmt::Display) -> Response {
    eprintln!("interner Fehler: {e}");
    let w = super::text::words(lang);
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::response::Html(format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body><h1>{}</h1><p>{}</p><p><a href=\"/\">{}</a></p></body></html>",
            lang.as_str(),
            w.error_title,
            w.error_title,
            w.internal,
            w.back_home
        )),
    )
        .into_response()
}

/// An API error answered without a JSON body (by the router or a body
/// limit) gets ours: every API error has its `code` and message.
fn json_error_of(res: Response, lang: Lang) -> Response {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || !(res.status().is_client_error() || res.status().is_server_error()) {
        return res;
    }
    match ApiError::of_status(res.status()) {
        Some(e) => {
            let mut ours = e.answer(lang);
            for name in [header::RETRY_AFTER, header::WWW_AUTHENTICATE, header::ALLOW] {
                if let Some(v) = res.headers().get(&name) {
                    ours.headers_mut().insert(name, v.clone());
                }
            }
            ours
        }
        None => res,
    }
}

/// `503` with `Retry-After`.
pub fn with_retry_after(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
    r
}

/// An uploaded file.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The fields of a multipart form and its file (`file`).
#[derive(Default)]
pub struct Form {
    pub fields: HashMap<String, String>,
    pub file: Option<Upload>,
}

impl Form {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    /// A checkbox or API flag: `true`, `on`, `1`, `ja`.
    pub fn flag(&self, name: &str) -> bool {
        matches!(
            self.field(name).trim().to_ascii_lowercase().as_str(),
            "true" | "on" | "1" | "ja" | "yes"
        )
    }
}

#[derive(Debug)]
pub enum UploadError {
    /// Larger than the limit: `413`.
    TooLarge,
    /// Not a readable multipart form: `400`.
    Bad(String),
}

impl From<MultipartError> for UploadError {
    fn from(e: MultipartError) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            UploadError::TooLarge
        } else {
            UploadError::Bad(e.body_text())
        }
    }
}

/// Reads a multipart form: the file field `file` up to `max_bytes`, text
/// fields up to 4 KiB each, other file fields ignored.
pub async fn read_form(mut mp: Multipart, max_bytes: u64) -> Result<Form, UploadError> {
    let mut form = Form::default();
    while let Some(mut field) = mp.next_field().await? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await? {
                if (bytes.len() + chunk.len()) as u64 > max_bytes {
                    return Err(UploadError::TooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            if file_name.is_empty() && bytes.is_empty() {
                continue; // a form sent without choosing a file
            }
            form.file = Some(Upload {
                name: file_name,
                bytes,
            });
        } else if field.file_name().is_none() && form.fields.len() < 32 {
            let mut value = Vec::new();
            while let Some(chunk) = field.chunk().await? {
                if value.len() + chunk.len() > 4096 {
                    return Err(UploadError::Bad(format!("field {name} too long")));
                }
                value.extend_from_slice(&chunk);
            }
            form.fields
                .insert(name, String::from_utf8_lossy(&value).into_owned());
        }
    }
    Ok(form)
}

/// A file to download: its name (RFC 6266/5987, so umlauts survive),
/// the spreadsheet type, never cached.
pub fn download(bytes: Vec<u8>, name: &str) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mime = match name
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("xlsm") => "application/vnd.ms-excel.sheet.macroEnabled.12",
        Some("xlsb") => "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
        Some("xls") => "application/vnd.ms-excel",
        Some("ods") => "application/vnd.oasis.opendocument.spreadsheet",
        _ => "application/octet-stream",
    };
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// `T03_2026-Q3.xlsx` → `T03_2026-Q3_geprüft.xlsx`, as `check --annotate-dir` names it.
pub fn annotated_name(name: &str, lang: Lang) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    format!("{stem}_{}.xlsx", crate::i18n::t(lang, "geprüft", "checked"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_keep_umlauts_in_the_encoded_name() {
        let r = download(vec![], "Meldung Q3 ä.xlsx");
        let d = r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(
            d,
            "attachment; filename=\"Meldung Q3 _.xlsx\"; filename*=UTF-8''Meldung%20Q3%20%C3%A4.xlsx"
        );
        assert_eq!(
            annotated_name("T03_2026-Q3.xls", Lang::De),
            "T03_2026-Q3_geprüft.xlsx"
        );
    }
}
