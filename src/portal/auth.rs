//! Who is asking: passwords (Argon2id), random secrets, browser sessions
//! (cookie + CSRF token), API bearer tokens, and the throttle on failed
//! logins. Sessions and tokens are stored as their SHA-256 only; the secret
//! itself exists in the client alone.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::db::{self, Account, SessionKind};
use super::http::{ApiError, LogSlot};
use super::App;
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "sr_session";
pub const LOGIN_COOKIE: &str = "sr_login";
pub const LANG_COOKIE: &str = "sr_lang";

/// How long a browser session or an API token lives.
pub const SESSION_HOURS: i64 = 12;

/// `n` random bytes from the operating system, as hex.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    // The OS generator failing is no state to go on from: an empty secret
    // would be guessable, so stop here (never reached on Linux).
    if let Err(e) = getrandom::fill(&mut buf) {
        eprintln!("getrandom: {e}");
        std::process::abort();
    }
    super::store::hex(&buf)
}

/// A session, token or CSRF secret: 256 bits.
pub fn random_token() -> String {
    random_hex(32)
}

/// How a secret is stored: its SHA-256.
pub fn token_hash(token: &str) -> String {
    super::store::sha256_hex(token.as_bytes())
}

/// A generated password: 16 characters in groups of four from an alphabet
/// without look-alikes (80 bits), e.g. `k7mq-2xvd-9haw-tr4p`.
pub fn generate_password() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut buf = [0u8; 16];
    if let Err(e) = getrandom::fill(&mut buf) {
        eprintln!("getrandom: {e}");
        std::process::abort();
    }
    let mut out = String::with_capacity(19);
    for (i, b) in buf.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[usize::from(b & 31)]));
    }
    out
}

/// The Argon2id hash (PHC string, with its salt and parameters).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| argon2::password_hash::Error::Crypto)?;
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the login does not exist, so that an
/// unknown login takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the request reached the district's reverse proxy over HTTPS.
pub fn came_over_https(headers: &HeaderMap) -> bool {
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let forwarded = headers
        .get("forwarded")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("proto=https"));
    proto || forwarded
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Secure behind HTTPS;
/// `max_age` 0 removes the cookie, `None` keeps it for the browser session.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// The reader's language: the `sr_lang` cookie, else German.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    match cookie(headers, LANG_COOKIE) {
        Some("en") => Lang::En,
        _ => Lang::De,
    }
}

/// Failed logins, per login and per address; past the free attempts a
/// login is refused until `lock` has passed since the last failure. The
/// counts live in the database (table `login_failures`, times from the
/// portal's clock), so a restart does not lift a lock.
pub struct Throttle {
    lock: Duration,
}

/// Failed attempts allowed per login before it is locked.
pub const FREE_PER_LOGIN: u32 = 5;
/// Failed attempts allowed per address (many logins) before it is locked.
pub const FREE_PER_ADDRESS: u32 = 30;
/// Beyond this many rows, the rows of lapsed locks are deleted.
const KEPT_ROWS: i64 = 10_000;

/// What a row of `login_failures` counts: one login, or one address.
#[derive(Clone, Copy)]
enum Scope {
    Login,
    Address,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Login => "login",
            Scope::Address => "address",
        }
    }
}

/// The portal's time in milliseconds since 1970.
fn now_ms() -> i64 {
    super::clock::now().timestamp_millis()
}

impl Throttle {
    pub fn new(lock: Duration) -> Throttle {
        Throttle { lock }
    }

    fn keys(login: &str, addr: IpAddr) -> [(Scope, String, u32); 2] {
        [
            (Scope::Login, login.to_lowercase(), FREE_PER_LOGIN),
            (Scope::Address, addr.to_string(), FREE_PER_ADDRESS),
        ]
    }

    /// How long the login is still locked for, if it is.
    pub fn locked(
        &self,
        conn: &rusqlite::Connection,
        login: &str,
        addr: IpAddr,
    ) -> rusqlite::Result<Option<Duration>> {
        use rusqlite::OptionalExtension;
        let now = now_ms();
        let lock = i64::try_from(self.lock.as_millis()).unwrap_or(i64::MAX);
        let mut longest = Duration::ZERO;
        for (scope, key, free) in Throttle::keys(login, addr) {
            let row: Option<(i64, i64)> = conn
                .query_row(
                    "SELECT count, last FROM login_failures WHERE scope = ?1 AND key = ?2",
                    rusqlite::params![scope.as_str(), key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((count, last)) = row else { continue };
            if count < i64::from(free) {
                continue;
            }
            // A clock that went back counts as no time passed.
            let passed = now.saturating_sub(last).max(0);
            let left = lock.saturating_sub(passed);
            if left > 0 {
                longest = longest.max(Duration::from_millis(left.unsigned_abs()));
            }
        }
        Ok((!longest.is_zero()).then_some(longest))
    }

    pub fn failed(
        &self,
        conn: &rusqlite::Connection,
        login: &str,
        addr: IpAddr,
    ) -> rusqlite::Result<()> {
        let now = now_ms();
        let rows: i64 = conn.query_row("SELECT count(*) FROM login_failures", [], |r| r.get(0))?;
        if rows > KEPT_ROWS {
            let lock = i64::try_from(self.lock.as_millis()).unwrap_or(i64::MAX);
            conn.execute(
                "DELETE FROM login_failures WHERE last < ?1",
                [now.saturating_sub(lock)],
            )?;
        }
        for (scope, key, _) in Throttle::keys(login, addr) {
            conn.execute(
                "INSERT INTO login_failures (scope, key, count, last) VALUES (?1, ?2, 1, ?3)
                 ON CONFLICT (scope, key) DO UPDATE SET count = count + 1, last = excluded.last",
                rusqlite::params![scope.as_str(), key, now],
            )?;
        }
        Ok(())
    }

    pub fn succeeded(
        &self,
        conn: &rusqlite::Connection,
        login: &str,
        addr: IpAddr,
    ) -> rusqlite::Result<()> {
        for (scope, key, _) in Throttle::keys(login, addr) {
            conn.execute(
                "DELETE FROM login_failures WHERE scope = ?1 AND key = ?2",
                rusqlite::params![scope.as_str(), key],
            )?;
        }
        Ok(())
    }
}

/// The account behind a browser session. Without one, a page redirects to
/// the login.
pub struct WebUser {
    pub account: Account,
    pub csrf: String,
    pub token_hash: String,
    pub lang: Lang,
    pub secure: bool,
}

impl WebUser {
    /// Whether a form carried this session's CSRF token.
    pub fn csrf_ok(&self, given: &str) -> bool {
        same_secret(&self.csrf, given)
    }
}

impl FromRequestParts<Arc<App>> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        let lang = lang_of(&parts.headers);
        let secure = came_over_https(&parts.headers);
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(Redirect::to("/anmelden").into_response());
        };
        let hash = token_hash(token);
        let found = db::session(&app.db.conn(), &hash, SessionKind::Web);
        match found {
            Ok(Some((account, csrf))) => {
                LogSlot::set(parts, &account.login);
                Ok(WebUser {
                    account,
                    csrf,
                    token_hash: hash,
                    lang,
                    secure,
                })
            }
            Ok(None) => Err(Redirect::to("/anmelden").into_response()),
            Err(e) => Err(super::http::internal(lang, &e)),
        }
    }
}

/// The account behind an API bearer token (`Authorization: Bearer …`).
/// Cookies are never taken here, so the API cannot be driven cross-site.
pub struct ApiUser {
    pub account: Account,
    pub lang: Lang,
}

impl FromRequestParts<Arc<App>> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        let lang = api_lang(parts);
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let unauthorized = || ApiError::Unauthorized.answer(lang);
        let Some(token) = token else {
            return Err(unauthorized());
        };
        match db::session(&app.db.conn(), &token_hash(token), SessionKind::Api) {
            Ok(Some((account, _))) => {
                LogSlot::set(parts, &account.login);
                Ok(ApiUser { account, lang })
            }
            Ok(None) => Err(unauthorized()),
            Err(e) => Err(super::http::api_internal(&e)),
        }
    }
}

/// The API's language: `?lang=en`, else German (as `--lang` on the command line).
pub fn api_lang(parts: &Parts) -> Lang {
    api_lang_of(&parts.uri, &parts.headers)
}

/// The language of an API answer: `?lang=en` or `?lang=de` when given,
/// else the one of German and English that `Accept-Language` prefers;
/// German by default.
pub fn api_lang_of(uri: &axum::http::Uri, headers: &HeaderMap) -> Lang {
    let asked = uri.query().and_then(|q| {
        q.split('&').find_map(|kv| match kv {
            "lang=en" => Some(Lang::En),
            "lang=de" => Some(Lang::De),
            _ => None,
        })
    });
    asked.or_else(|| accepted_lang(headers)).unwrap_or(Lang::De)
}

/// German or English, whichever `Accept-Language` weighs higher (the
/// first named on a tie); `None` if it names neither.
fn accepted_lang(headers: &HeaderMap) -> Option<Lang> {
    let value = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)?
        .to_str()
        .ok()?;
    let mut best: Option<(u16, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        let lang = match primary.as_str() {
            "de" => Lang::De,
            "en" => Lang::En,
            _ => continue,
        };
        // q in thousandths, so that weights compare exactly.
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(1000, |q| {
                q.trim()
                    .parse::<f64>()
                    .map_or(0, |q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16)
            });
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let h = hash_password("geheim").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "geheim"));
        assert!(!verify_password(&h, "Geheim"));
        assert!(!verify_password("kein hash", "geheim"));
    }

    #[test]
    fn generated_passwords_differ_and_read_well() {
        let a = generate_password();
        let b = generate_password();
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert!(a
            .chars()
            .all(|c| c == '-' || (c.is_ascii_alphanumeric() && !"lo01".contains(c))));
    }

    #[test]
    fn the_throttle_locks_after_the_free_attempts_and_forgets_on_success() {
        let dir = tempfile::tempdir().unwrap();
        let db = db::Db::open(dir.path()).unwrap();
        let c = db.conn();
        let t = Throttle::new(Duration::from_secs(60));
        let addr: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..FREE_PER_LOGIN {
            assert!(t.locked(&c, "t03", addr).unwrap().is_none());
            t.failed(&c, "T03", addr).unwrap();
        }
        let left = t.locked(&c, "t03", addr).unwrap().unwrap();
        assert!(left <= Duration::from_secs(60) && left > Duration::from_secs(50));
        assert!(t.locked(&c, "t04", addr).unwrap().is_none());
        t.succeeded(&c, "t03", addr).unwrap();
        assert!(t.locked(&c, "t03", addr).unwrap().is_none());
    }

    #[test]
    fn the_api_answers_in_the_language_asked_for_and_german_by_default() {
        let lang = |uri: &str, accept: Option<&str>| {
            let mut h = HeaderMap::new();
            if let Some(a) = accept {
                h.insert(axum::http::header::ACCEPT_LANGUAGE, a.parse().unwrap());
            }
            api_lang_of(&uri.parse().unwrap(), &h)
        };
        assert_eq!(lang("/api/v1/check", None), Lang::De);
        assert_eq!(lang("/api/v1/check", Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(
            lang("/api/v1/check", Some("fr, en;q=0.5, de;q=0.8")),
            Lang::De
        );
        assert_eq!(
            lang("/api/v1/check", Some("de;q=0.2, en-US;q=0.7")),
            Lang::En
        );
        assert_eq!(lang("/api/v1/check", Some("fr, *")), Lang::De);
        assert_eq!(lang("/api/v1/check", Some("en;q=0, de")), Lang::De);
        assert_eq!(lang("/api/v1/check?lang=en", Some("de")), Lang::En);
        assert_eq!(lang("/api/v1/check?lang=de", Some("en")), Lang::De);
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, "a=1; sr_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
