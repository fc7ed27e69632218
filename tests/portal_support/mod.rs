//! The portal under test: the real binary serving on 127.0.0.1 (a free
//! port) with its own data folder, accounts made with `sozialraum users add`,
//! and a plain HTTP client that follows no redirects and treats no status as
//! an error, so that every answer can be looked at.

#![allow(dead_code)]

pub mod webdriver;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sozialraum")
}

pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// A running `sozialraum serve`.
pub struct Server {
    child: Option<Child>,
    pub base: String,
    pub data: PathBuf,
    pub log: PathBuf,
    /// What the server printed before its address (the demo's accounts).
    pub banner: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server on a new data folder.
    pub fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("daten");
        Server::start_on(dir, data, extra)
    }

    /// Starts a server on `data` (kept in `dir`), e.g. again after a crash.
    pub fn start_on(dir: tempfile::TempDir, data: PathBuf, extra: &[&str]) -> Server {
        Server::start_with(dir, data, extra, &[])
    }

    /// Starts a server on `data` with more environment variables (`TMPDIR`).
    pub fn start_with(
        dir: tempfile::TempDir,
        data: PathBuf,
        extra: &[&str],
        env: &[(&str, &Path)],
    ) -> Server {
        let log = dir.path().join(format!(
            "server-{}.log",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let log_file = std::fs::File::create(&log).expect("log file");
        let mut child = Command::new(bin())
            .args(["serve", "--bind", "127.0.0.1:0", "--data"])
            .arg(&data)
            .args(extra)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("start sozialraum serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = vec![];
        let base = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(at) = line.find("http://") {
                        let url = line[at..].split_whitespace().next().unwrap_or("");
                        break url.trim_end_matches('/').to_string();
                    }
                    banner.push(line);
                }
                _ => {
                    let _ = child.kill();
                    panic!(
                        "the server did not start: {}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                }
            }
        };
        Server {
            child: Some(child),
            base,
            data,
            log,
            banner,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `sozialraum users add LOGIN --role ROLE [--provider P]`: the password.
    pub fn add_user(&self, login: &str, role: &str, provider: Option<&str>) -> String {
        let mut cmd = Command::new(bin());
        cmd.args(["users", "add", login, "--role", role, "--data"])
            .arg(&self.data);
        if let Some(p) = provider {
            cmd.args(["--provider", p]);
        }
        let out = cmd.output().expect("users add");
        assert!(
            out.status.success(),
            "users add {login}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or("")
            .to_string()
    }

    /// A provider account `tNN` for provider `TNN` with an API token.
    pub fn provider(&self, id: &str) -> Account {
        let login = id.to_lowercase();
        let password = self.add_user(&login, "provider", Some(id));
        Account::new(self, &login, &password)
    }

    pub fn account(&self, login: &str, role: &str) -> Account {
        let password = self.add_user(login, role, None);
        Account::new(self, login, &password)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Sends `signal` and waits for the end; the exit status.
    pub fn stop_with(&mut self, signal: i32) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        // SAFETY: plain FFI call on our own child's pid.
        unsafe {
            libc::kill(child.id() as i32, signal);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return child.wait().ok();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Keeps the data folder for a restart: the folder it lives in.
    pub fn into_dir(mut self) -> (tempfile::TempDir, PathBuf) {
        self.stop_with(libc::SIGKILL);
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().expect("temp dir"));
        (dir, self.data.clone())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_with(libc::SIGTERM);
    }
}

/// An account of the server under test, with a bearer token for the API.
pub struct Account {
    pub login: String,
    pub password: String,
    pub token: String,
}

impl Account {
    pub fn new(server: &Server, login: &str, password: &str) -> Account {
        let r = http().post_json(
            &server.url("/api/v1/token"),
            &serde_json::json!({ "login": login, "password": password }),
            &[],
        );
        assert_eq!(r.status, 200, "token for {login}: {}", r.text());
        let token = r.json()["token"].as_str().unwrap_or("").to_string();
        Account {
            login: login.into(),
            password: password.into(),
            token,
        }
    }

    pub fn bearer(&self) -> (String, String) {
        ("Authorization".into(), format!("Bearer {}", self.token))
    }
}

/// An answer: status, headers (lower-case names; repeated ones joined by
/// `\n`) and body.
pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

pub struct Http {
    agent: ureq::Agent,
}

pub fn http() -> Http {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    Http { agent }
}

type Headers<'a> = &'a [(String, String)];

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let r = r.unwrap_or_else(|e| panic!("HTTP request failed: {e}"));
    let status = r.status().as_u16();
    let mut headers: HashMap<String, String> = HashMap::new();
    for (k, v) in r.headers() {
        let v = v.to_str().unwrap_or("").to_string();
        headers
            .entry(k.as_str().to_string())
            .and_modify(|e| {
                e.push('\n');
                e.push_str(&v)
            })
            .or_insert(v);
    }
    let body = r
        .into_body()
        .into_with_config()
        .limit(200 << 20)
        .read_to_vec()
        .unwrap_or_default();
    Reply {
        status,
        headers,
        body,
    }
}

impl Http {
    pub fn get(&self, url: &str, headers: Headers) -> Reply {
        let mut req = self.agent.get(url);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        reply(req.call())
    }

    pub fn delete(&self, url: &str, headers: Headers) -> Reply {
        let mut req = self.agent.delete(url);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        reply(req.call())
    }

    pub fn post(&self, url: &str, content_type: &str, body: &[u8], headers: Headers) -> Reply {
        let mut req = self.agent.post(url).header("Content-Type", content_type);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        reply(req.send(body))
    }

    pub fn post_json(&self, url: &str, body: &Value, headers: Headers) -> Reply {
        self.post(
            url,
            "application/json",
            body.to_string().as_bytes(),
            headers,
        )
    }

    pub fn post_form(&self, url: &str, fields: &[(&str, &str)], headers: Headers) -> Reply {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.post(
            url,
            "application/x-www-form-urlencoded",
            body.as_bytes(),
            headers,
        )
    }

    pub fn post_multipart(
        &self,
        url: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
        headers: Headers,
    ) -> Reply {
        let (ct, body) = multipart(fields, file);
        self.post(url, &ct, &body, headers)
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A `multipart/form-data` body: its content type and bytes.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----sozialraum-test-boundary-7d1f";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A browser-like session over plain HTTP: cookies kept, CSRF token read
/// from the forms.
pub struct WebSession {
    pub cookies: HashMap<String, String>,
    pub csrf: String,
}

impl WebSession {
    pub fn login(server: &Server, login: &str, password: &str) -> WebSession {
        let mut s = WebSession {
            cookies: HashMap::new(),
            csrf: String::new(),
        };
        let form = http().get(&server.url("/anmelden"), &[]);
        s.keep(&form);
        let token = hidden(&form.text(), "csrf").expect("csrf field on the login form");
        let r = http().post_form(
            &server.url("/anmelden"),
            &[("login", login), ("password", password), ("csrf", &token)],
            &s.headers(),
        );
        assert_eq!(r.status, 303, "login {login}: {}", r.text());
        s.keep(&r);
        let page = http().get(&server.url("/pruefen"), &s.headers());
        assert_eq!(page.status, 200);
        s.csrf = hidden(&page.text(), "csrf").expect("csrf field");
        s
    }

    /// Takes the cookies an answer sets (an empty value removes one).
    pub fn keep(&mut self, r: &Reply) {
        for c in r.header("set-cookie").lines() {
            let first = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = first.split_once('=') {
                if v.is_empty() {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
    }

    pub fn headers(&self) -> Vec<(String, String)> {
        if self.cookies.is_empty() {
            return vec![];
        }
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        vec![("Cookie".to_string(), cookie)]
    }
}

/// The value of the hidden input `name` in a page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker)? + marker.len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

/// Every finding of a `check --format json` document's first file, or of
/// an API answer's `findings`, without the file path.
pub fn findings_of(v: &Value) -> Value {
    v.get("files")
        .and_then(|f| f.get(0))
        .map(|f| f["findings"].clone())
        .unwrap_or_else(|| v["findings"].clone())
}

/// `sozialraum check --format json FILE`.
pub fn cli_check(path: &Path, lang: &str) -> Value {
    let out = Command::new(bin())
        .args(["check", "--format", "json", "--lang", lang])
        .arg(path)
        .output()
        .expect("check");
    serde_json::from_slice(&out.stdout).expect("check JSON")
}
