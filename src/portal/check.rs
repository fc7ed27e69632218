//! An upload through the same isolated worker as `sozialraum check`, with a
//! bound on how many run at once, and the uploads held in memory between
//! *Prüfen* and *Einreichen*.
//!
//! [`run`] is the one place an upload meets the worker. The bytes reach the
//! guarded child on its stdin and the annotated copy, when asked for (the
//! pages' *Prüfen*, every submission), comes back on its stdout
//! (`worker::check_upload_annotated`): neither the upload nor its copy
//! touches the disk.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::config::Config;
use crate::i18n::Lang;
use crate::pipeline::{FileOutcome, Options};
use crate::worker::{self, Isolation};

/// A checked upload: the worker's outcome and, if asked for and the file
/// could be read, the annotated copy's bytes.
pub struct Checked {
    pub outcome: FileOutcome,
    pub annotated: Option<Vec<u8>>,
}

/// The name an upload is checked and shown under: the last component of
/// what the browser sent, without control characters or separators.
pub fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_string();
    let mut out = String::new();
    for c in cleaned.chars() {
        if out.len() + c.len_utf8() > 150 {
            break;
        }
        out.push(c);
    }
    if out.is_empty() {
        "upload.xlsx".to_string()
    } else {
        out
    }
}

/// Checks `bytes` (uploaded as `name`) in the guarded worker; with
/// `annotate`, the annotated copy is made in the same child, from the bytes
/// the check read, and handed back in memory.
pub fn run(
    bytes: &[u8],
    name: &str,
    cfg: &Config,
    lang: Lang,
    iso: &Isolation,
    annotate: bool,
) -> Checked {
    let shown = safe_name(name);
    let opts = Options {
        lang,
        keep_records: false,
    };
    if !annotate {
        return Checked {
            outcome: worker::check_upload(bytes, &shown, cfg, opts, iso),
            annotated: None,
        };
    }
    let check_date = super::clock::now()
        .with_timezone(&chrono::Local)
        .date_naive();
    let (outcome, annotated) =
        worker::check_upload_annotated(bytes, &shown, cfg, opts, iso, check_date);
    Checked { outcome, annotated }
}

/// How many checks run at once, and how many may wait for a turn; beyond
/// that a request is turned away at once (`503` with `Retry-After`).
pub struct Checks {
    permits: Arc<Semaphore>,
    capacity: usize,
    in_flight: Arc<AtomicUsize>,
}

/// All check slots and the queue are taken.
#[derive(Debug)]
pub struct Busy;

/// Counts a request from its arrival until its check ended.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Checks {
    pub fn new(running: usize, queue: usize) -> Checks {
        let running = running.max(1);
        Checks {
            permits: Arc::new(Semaphore::new(running)),
            capacity: running + queue,
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Takes a place in the line, or says it is full. Taken before an
    /// upload is read, so that the uploads in memory are bounded by the
    /// places (running + waiting) times the size limit.
    pub fn reserve(&self) -> Result<Ticket, Busy> {
        let n = self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(self.in_flight.clone());
        if n >= self.capacity {
            return Err(Busy);
        }
        Ok(Ticket {
            guard,
            permits: self.permits.clone(),
        })
    }

    /// Runs the blocking `job` once a slot is free (see [`Ticket::run`]).
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        self.reserve()?.run(job).await
    }
}

/// A place in the line of checks; dropped, it frees the place.
pub struct Ticket {
    guard: InFlight,
    permits: Arc<Semaphore>,
}

impl Ticket {
    /// Runs the blocking `job` once a slot is free. The slot goes with the
    /// job, so a client that gives up does not free it early.
    pub async fn run<T: Send + 'static>(
        self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let permit = self.permits.acquire_owned().await.map_err(|_| Busy)?;
        let guard = self.guard;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _guard = guard;
            job()
        })
        .await
        .map_err(|_| Busy)
    }
}

/// How long a checked upload is held for submitting it without a new upload.
pub const HOLD: Duration = Duration::from_secs(15 * 60);

/// A checked upload, held in memory only, for its account.
pub struct HeldUpload {
    pub account_id: i64,
    pub name: String,
    pub bytes: Vec<u8>,
    pub outcome: FileOutcome,
    pub annotated: Option<Vec<u8>>,
    expires: Instant,
}

impl HeldUpload {
    pub fn new(account_id: i64, name: String, bytes: Vec<u8>, checked: Checked) -> HeldUpload {
        HeldUpload {
            account_id,
            name,
            bytes,
            outcome: checked.outcome,
            annotated: checked.annotated,
            expires: Instant::now() + HOLD,
        }
    }

    fn weight(&self) -> usize {
        self.bytes.len() + self.annotated.as_ref().map_or(0, Vec::len)
    }
}

/// Checked uploads under random one-time tokens; expired after [`HOLD`],
/// the oldest dropped first when they would hold more than `max_bytes`.
pub struct Held {
    map: Mutex<HashMap<String, Arc<HeldUpload>>>,
    max_bytes: usize,
}

impl Held {
    pub fn new(max_bytes: usize) -> Held {
        Held {
            map: Mutex::new(HashMap::new()),
            max_bytes,
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<HeldUpload>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn put(&self, upload: HeldUpload) -> String {
        let token = super::auth::random_token();
        let mut map = self.map();
        let now = Instant::now();
        map.retain(|_, h| h.expires > now);
        let mut total: usize = map.values().map(|h| h.weight()).sum::<usize>() + upload.weight();
        while total > self.max_bytes {
            let Some(oldest) = map
                .iter()
                .min_by_key(|(_, h)| h.expires)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(h) = map.remove(&oldest) {
                total -= h.weight();
            }
        }
        map.insert(token.clone(), Arc::new(upload));
        token
    }

    /// The upload under `token` if it belongs to `account_id` and is not expired.
    pub fn get(&self, token: &str, account_id: i64) -> Option<Arc<HeldUpload>> {
        let map = self.map();
        map.get(token)
            .filter(|h| h.account_id == account_id && h.expires > Instant::now())
            .cloned()
    }

    /// Takes the upload out (it was submitted).
    pub fn take(&self, token: &str, account_id: i64) -> Option<Arc<HeldUpload>> {
        let found = self.get(token, account_id)?;
        self.map().remove(token);
        Some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_folders_and_control_characters() {
        assert_eq!(
            safe_name("C:\\Users\\x\\T03_2026-Q3.xlsx"),
            "T03_2026-Q3.xlsx"
        );
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("a\u{0}b\n.xlsx"), "ab.xlsx");
        assert_eq!(safe_name(".."), "upload.xlsx");
        assert_eq!(safe_name(""), "upload.xlsx");
        assert!(safe_name(&"ä".repeat(200)).len() <= 150);
    }

    #[test]
    fn a_held_upload_is_for_its_account_only() {
        let held = Held::new(1 << 20);
        let outcome: FileOutcome = serde_json::from_str(
            r#"{"report":{"path":"x","sha256":null,"provider":null,"year":null,"quarter":null,"findings":[],"summary":{"errors":0,"warnings":0,"infos":0}},"cover":{"provider_id":null,"year":null,"quarter":null,"created":null},"tables":[],"readable":true}"#,
        )
        .unwrap();
        let t = held.put(HeldUpload::new(
            1,
            "x".into(),
            vec![1, 2, 3],
            Checked {
                outcome,
                annotated: None,
            },
        ));
        assert!(held.get(&t, 2).is_none());
        assert!(held.get(&t, 1).is_some());
        assert!(held.take(&t, 1).is_some());
        assert!(held.get(&t, 1).is_none());
    }

    #[tokio::test]
    async fn past_the_queue_a_check_is_turned_away() {
        let checks = Arc::new(Checks::new(1, 1));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = Arc::new(Mutex::new(rx));
        let hold = |rx: Arc<Mutex<std::sync::mpsc::Receiver<()>>>| {
            move || {
                let _ = rx.lock().unwrap().recv();
            }
        };
        let a = tokio::spawn({
            let c = checks.clone();
            let job = hold(rx.clone());
            async move { c.run(job).await.is_ok() }
        });
        let b = tokio::spawn({
            let c = checks.clone();
            let job = hold(rx.clone());
            async move { c.run(job).await.is_ok() }
        });
        while checks.in_flight.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        assert!(checks.run(|| ()).await.is_err());
        tx.send(()).unwrap();
        tx.send(()).unwrap();
        assert!(a.await.unwrap());
        assert!(b.await.unwrap());
        assert!(checks.run(|| ()).await.is_ok());
    }
}
