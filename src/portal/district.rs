//! The district workbook of a period, from the current submissions the
//! portal holds: `GET /api/v1/district.xlsx|json?year=2026&quarter=3` (or
//! `quarters=1-3`) for scripts, `GET /kreismappe?jahr=2026&quartal=3` (or
//! `quartale=1-3`) for the board's button. Office and controlling only.
//!
//! The workbook and the JSON are the ones `sozialraum consolidate` writes
//! (through [`period::consolidate`], [`workbook::build`] and
//! [`consolidation::document`]), with the receipt numbers in `Quellen`.
//! A period without submissions is a `404`, never an empty workbook; every
//! delivery is in the audit trail (the period and the format, no figures).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::{ApiUser, WebUser};
use super::db::{self, Account, Role};
use super::http::{self, api_error};
use super::period::{self, Span};
use super::text::words;
use super::App;
use crate::consolidate::workbook;
use crate::i18n::{t, Lang};
use crate::render::consolidation;

type AppState = State<Arc<App>>;

/// What a download delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Xlsx,
    Json,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Json => "json",
        }
    }
}

/// The audit trail's action for a district download.
pub const AUDIT_ACTION: &str = "download-district";

/// `Kreis_2026-Q3.xlsx`, `Kreis_2026-Q1-Q3.xlsx`.
pub fn file_name(span: &Span) -> String {
    format!("Kreis_{}.xlsx", span.label())
}

/// Who may have the district workbook (`domain/portal.md`): office and
/// controlling, never a provider.
pub fn may_have(account: &Account) -> bool {
    account.role != Role::Provider
}

/// The API's parameters (all text, so that a bad value is our `400`).
#[derive(Debug, Deserialize)]
pub struct ApiQuery {
    year: Option<String>,
    quarter: Option<String>,
    quarters: Option<String>,
}

/// The page's parameters, in the words of the portal's addresses.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    jahr: Option<String>,
    quartal: Option<String>,
    quartale: Option<String>,
}

fn span_of(year: Option<&str>, quarter: Option<&str>, quarters: Option<&str>) -> Option<Span> {
    let year: i32 = year?.trim().parse().ok()?;
    Span::parse(year, quarter, quarters)
}

/// The period in words: `2026, 3. Quartal`, `2026, Quartale 1–3`.
fn span_text(lang: Lang, span: &Span) -> String {
    match span.quarters.as_slice() {
        [q] => super::text::period(lang, span.year, *q),
        qs => {
            let contiguous = qs.windows(2).all(|w| w[1] == w[0] + 1);
            let list = match (contiguous, qs.first(), qs.last()) {
                (true, Some(a), Some(b)) => format!("{a}–{b}"),
                _ => qs.iter().map(u8::to_string).collect::<Vec<_>>().join(", "),
            };
            format!("{}, {} {list}", span.year, t(lang, "Quartale", "quarters"))
        }
    }
}

fn no_submissions(lang: Lang, span: &Span) -> String {
    let period = span_text(lang, span);
    match lang {
        Lang::De => format!(
            "Für {period} liegt keine aktuelle Meldung vor; eine leere Kreis-Arbeitsmappe wird nicht erstellt."
        ),
        Lang::En => format!(
            "There is no current submission for {period}; no empty district workbook is made."
        ),
    }
}

fn bad_period(lang: Lang, api: bool) -> &'static str {
    match (lang, api) {
        (Lang::De, true) => {
            "Ungültiger Zeitraum: erwartet year=2026 und quarter=3 (1 bis 4) oder quarters=1-3"
        }
        (Lang::En, true) => {
            "invalid period: expected year=2026 and quarter=3 (1 to 4) or quarters=1-3"
        }
        (Lang::De, false) => {
            "Ungültiger Zeitraum: erwartet jahr=2026 und quartal=3 (1 bis 4) oder quartale=1-3."
        }
        (Lang::En, false) => {
            "Invalid period: expected jahr=2026 and quartal=3 (1 to 4) or quartale=1-3."
        }
    }
}

fn busy_text(lang: Lang) -> &'static str {
    t(
        lang,
        "Gerade werden sehr viele Dateien geprüft. Bitte versuchen Sie es in einer Minute noch einmal.",
        "Very many files are being checked right now. Please try again in a minute.",
    )
}

/// Why no workbook was delivered.
enum Failure {
    Empty,
    Busy,
    Internal(String),
}

/// The workbook's bytes or the JSON document of `span`, consolidated from
/// the current submissions under one check slot; written to the audit trail.
async fn deliver(
    app: &Arc<App>,
    login: &str,
    span: &Span,
    lang: Lang,
    format: Format,
) -> Result<Vec<u8>, Failure> {
    // Cheap first: no submissions, no slot taken and no worker started.
    match period::current(app, span) {
        Ok(subs) if subs.is_empty() => return Err(Failure::Empty),
        Ok(_) => {}
        Err(e) => return Err(Failure::Internal(e.to_string())),
    }
    let (app2, span2) = (app.clone(), span.clone());
    let job = move || -> Result<(Vec<u8>, usize), Failure> {
        let pc = period::consolidate(&app2, &span2, lang)
            .map_err(|e| Failure::Internal(e.to_string()))?;
        if pc.submissions.is_empty() {
            return Err(Failure::Empty); // all withdrawn meanwhile
        }
        let c = &pc.consolidation;
        let bytes = match format {
            Format::Json => consolidation::document(c, None, &[], lang).into_bytes(),
            Format::Xlsx => workbook::build(c, &app2.cfg, crate::registry::texts(lang))
                .and_then(|mut wb| wb.save_to_buffer().map_err(Into::into))
                .map_err(|e| Failure::Internal(e.to_string()))?,
        };
        Ok((bytes, pc.submissions.len()))
    };
    let (bytes, n) = app.checks.run(job).await.map_err(|_| Failure::Busy)??;
    let outcome = format!("{}: {n}", format.as_str());
    db::audit(
        &app.db.conn(),
        Some(login),
        AUDIT_ACTION,
        Some(&span.label()),
        &outcome,
    )
    .map_err(|e| Failure::Internal(e.to_string()))?;
    Ok(bytes)
}

async fn api(
    app: Arc<App>,
    user: ApiUser,
    q: Result<Query<ApiQuery>, QueryRejection>,
    format: Format,
) -> Response {
    let lang = user.lang;
    if !may_have(&user.account) {
        return api_error(StatusCode::FORBIDDEN, words(lang).forbidden);
    }
    let span = q.ok().and_then(|Query(q)| {
        span_of(
            q.year.as_deref(),
            q.quarter.as_deref(),
            q.quarters.as_deref(),
        )
    });
    let Some(span) = span else {
        return api_error(StatusCode::BAD_REQUEST, bad_period(lang, true));
    };
    match deliver(&app, &user.account.login, &span, lang, format).await {
        Ok(bytes) => match format {
            Format::Xlsx => http::download(bytes, &file_name(&span)),
            Format::Json => {
                (StatusCode::OK, [(CONTENT_TYPE, "application/json")], bytes).into_response()
            }
        },
        Err(Failure::Empty) => api_error(StatusCode::NOT_FOUND, &no_submissions(lang, &span)),
        Err(Failure::Busy) => {
            http::with_retry_after(api_error(StatusCode::SERVICE_UNAVAILABLE, busy_text(lang)))
        }
        Err(Failure::Internal(e)) => http::api_internal(&e),
    }
}

/// `GET /api/v1/district.xlsx?year=2026&quarter=3`: the district workbook.
pub async fn api_xlsx(
    State(app): AppState,
    user: ApiUser,
    q: Result<Query<ApiQuery>, QueryRejection>,
) -> Response {
    api(app, user, q, Format::Xlsx).await
}

/// `GET /api/v1/district.json?year=2026&quarter=3`: the `consolidate --format json` document.
pub async fn api_json(
    State(app): AppState,
    user: ApiUser,
    q: Result<Query<ApiQuery>, QueryRejection>,
) -> Response {
    api(app, user, q, Format::Json).await
}

fn message(
    app: &App,
    user: &WebUser,
    status: StatusCode,
    title: &'static str,
    text: String,
) -> Response {
    let frame = app
        .frame(user.lang, "", "/")
        .with_user(&user.account, &user.csrf);
    let back = ("/", words(user.lang).back_home);
    super::views::message(frame, user.lang, status, title, text, back)
}

/// `GET /kreismappe?jahr=2026&quartal=3` (or `quartale=1-3`): the district
/// workbook as a download, for the board's button.
pub async fn page(
    State(app): AppState,
    user: WebUser,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let lang = user.lang;
    let w = words(lang);
    if !may_have(&user.account) {
        return message(
            &app,
            &user,
            StatusCode::FORBIDDEN,
            w.forbidden_title,
            w.forbidden.into(),
        );
    }
    let span = q.ok().and_then(|Query(q)| {
        span_of(
            q.jahr.as_deref(),
            q.quartal.as_deref(),
            q.quartale.as_deref(),
        )
    });
    let Some(span) = span else {
        return message(
            &app,
            &user,
            StatusCode::BAD_REQUEST,
            w.error_title,
            bad_period(lang, false).into(),
        );
    };
    match deliver(&app, &user.account.login, &span, lang, Format::Xlsx).await {
        Ok(bytes) => http::download(bytes, &file_name(&span)),
        Err(Failure::Empty) => message(
            &app,
            &user,
            StatusCode::NOT_FOUND,
            w.not_found_title,
            no_submissions(lang, &span),
        ),
        Err(Failure::Busy) => message(
            &app,
            &user,
            StatusCode::SERVICE_UNAVAILABLE,
            w.busy_title,
            busy_text(lang).into(),
        ),
        Err(Failure::Internal(e)) => http::internal(lang, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_reads_as_people_say_it_and_names_the_file() {
        let span = |q: Option<&str>, qs: Option<&str>| span_of(Some("2026"), q, qs).unwrap();
        assert_eq!(
            span_text(Lang::De, &span(Some("3"), None)),
            "2026, 3. Quartal"
        );
        assert_eq!(
            span_text(Lang::En, &span(None, Some("1-3"))),
            "2026, quarters 1–3"
        );
        assert_eq!(
            span_text(Lang::De, &span(None, Some("1,4"))),
            "2026, Quartale 1, 4"
        );
        assert_eq!(file_name(&span(Some("3"), None)), "Kreis_2026-Q3.xlsx");
        assert_eq!(file_name(&span(None, Some("1-3"))), "Kreis_2026-Q1-Q3.xlsx");
        for bad in [None, Some("x"), Some("20.26"), Some("")] {
            assert_eq!(span_of(bad, Some("3"), None), None);
        }
    }
}
