//! The district workbook of a period from the portal, `sozialraum export`
//! and `sozialraum backup`, against the real binary serving on 127.0.0.1:
//! the portal's figures are the command line's (`consolidate` run on the
//! export of the same period), only office and controlling get them, every
//! download is in the audit trail, and export and backup work beside the
//! running server.

mod portal_support;

use std::io::Cursor;
use std::path::Path;
use std::process::{Command, Output};

use calamine::{Data, Reader, Xlsx};
use portal_support::*;
use rust_decimal::Decimal;
use serde_json::Value;

/// Submits `samples/{file}` for its provider through the API; the receipt.
fn submit_sample(server: &Server, who: &Account, file: &str) -> String {
    let bytes = std::fs::read(samples().join(file)).expect("sample");
    let r = http().post_multipart(
        &server.url("/api/v1/submissions"),
        &[("acknowledge_warnings", "true")],
        Some((file, &bytes)),
        &[who.bearer()],
    );
    assert_eq!(r.status, 201, "{file}: {}", r.text());
    r.json()["receipt"].as_str().unwrap_or("").to_string()
}

fn run(args: &[&str], paths: &[&Path]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args);
    for p in paths {
        cmd.arg(p);
    }
    cmd.output().expect("sozialraum")
}

fn export(data: &Path, period: &[&str], out: &Path, extra: &[&str]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.arg("export")
        .arg("--data")
        .arg(data)
        .args(period)
        .args(extra)
        .arg(out);
    cmd.output().expect("export")
}

fn codes(doc: &Value) -> Vec<String> {
    let mut c: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

fn district_audit(data: &Path) -> Vec<(String, String, String)> {
    let conn = rusqlite::Connection::open_with_flags(
        data.join("sozialraum.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut st = conn
        .prepare("SELECT account, object, outcome FROM audit WHERE action = 'download-district' ORDER BY id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        _ => String::new(),
    }
}

/// The "must show": the district workbook from the portal equals
/// `consolidate` run on the output of `sozialraum export` for the same
/// period (totals, grand total, cross-file findings), its `Quellen` lists
/// the receipts and its overview's total is the JSON's grand total.
#[test]
fn the_district_workbook_equals_consolidate_run_on_the_export_of_the_same_period() {
    let server = Server::start(&[]);
    let mut receipts = vec![];
    for p in ["T01", "T02", "T03"] {
        let account = server.provider(p);
        receipts.push(submit_sample(
            &server,
            &account,
            &format!("{p}_2026-Q3.xlsx"),
        ));
    }
    let office = server.account("amt", "office");
    let controlling = server.account("controlling", "controlling");

    let r = http().get(
        &server.url("/api/v1/district.json?year=2026&quarter=3"),
        &[office.bearer()],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("cache-control"), "no-store");
    let portal = r.json();
    let portal_receipts: Vec<&str> = portal["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["receipt"].as_str().unwrap())
        .collect();
    assert_eq!(portal_receipts, receipts);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    let done = export(
        &server.data,
        &["--year", "2026", "--quarter", "3"],
        &out,
        &[],
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for (f, receipt) in files.iter().zip(&receipts) {
        assert_eq!(f["receipt"], receipt.as_str());
        let name = f["file"].as_str().unwrap();
        assert_eq!(
            name,
            format!("{}_2026-Q3.xlsx", f["provider"].as_str().unwrap())
        );
        let bytes = std::fs::read(out.join(name)).unwrap();
        assert_eq!(f["size"], bytes.len());
        assert_eq!(
            f["sha256"].as_str().unwrap(),
            sozialraum::portal::store::sha256_hex(&bytes)
        );
        assert!(f["account"].as_str().unwrap().starts_with('t'));
        assert!(f["submitted_at"].as_str().unwrap().starts_with("20"));
    }

    let cli_book = dir.path().join("Kreis_2026-Q3.xlsx");
    let cli = run(
        &[
            "consolidate",
            "--format",
            "json",
            "--year",
            "2026",
            "--quarter",
            "3",
        ],
        &[&out, Path::new("-o"), &cli_book],
    );
    assert_eq!(
        cli.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(portal["totals"], cli["totals"]);
    assert_eq!(portal["grand_total"], cli["grand_total"]);
    assert_eq!(codes(&portal), codes(&cli));
    assert!(
        codes(&cli)
            .iter()
            .any(|c| c == "CONSISTENCY-MISSING-SUBMISSION"),
        "T05 has not submitted: {:?}",
        codes(&cli)
    );
    assert!(
        cli["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f.get("receipt").is_none()),
        "the command line's JSON has no receipts"
    );

    // The command line's workbook has no receipt column (its sources have none).
    let mut book: Xlsx<_> = calamine::open_workbook(&cli_book).expect("the CLI workbook");
    let header: Vec<String> = book
        .worksheet_range("Quellen")
        .unwrap()
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(cell_text)
        .collect();
    assert_eq!(header[..2], ["Datei", "SHA-256"]);

    let r = http().get(
        &server.url("/api/v1/district.xlsx?year=2026&quarter=3"),
        &[controlling.bearer()],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r
        .header("content-disposition")
        .contains("Kreis_2026-Q3.xlsx"));
    assert_eq!(r.header("cache-control"), "no-store");
    let mut wb = Xlsx::new(Cursor::new(r.body.clone())).expect("the workbook opens");
    let sources = wb.worksheet_range("Quellen").expect("Quellen");
    let rows: Vec<Vec<String>> = sources
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    let col = rows[0]
        .iter()
        .position(|h| h == "Eingangsnummer")
        .expect("receipt column");
    assert_eq!(rows[0][0], "Datei");
    for receipt in &receipts {
        assert!(
            rows.iter().any(|r| &r[col] == receipt),
            "{receipt} in Quellen"
        );
    }
    let overview = wb.worksheet_range("Übersicht").expect("Übersicht");
    let header = overview
        .rows()
        .find(|r| r.iter().any(|c| cell_text(c) == "Gesamt"))
        .expect("header row")
        .to_vec();
    let total_col = header
        .iter()
        .position(|c| cell_text(c) == "Gesamt")
        .unwrap();
    let sum = overview
        .rows()
        .find(|r| r.get(1).map(cell_text).as_deref() == Some("Summe"))
        .expect("Summe row");
    let shown = match &sum[total_col] {
        Data::Float(f) => *f,
        other => panic!("total is {other:?}"),
    };
    let grand: Decimal = portal["grand_total"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        Decimal::from_f64_retain(shown).unwrap().round_dp(2),
        grand.round_dp(2)
    );

    // The year so far: the same figures (only Q3 was submitted), Q1 and Q2 missing.
    let r = http().get(
        &server.url("/api/v1/district.json?year=2026&quarters=1-3"),
        &[office.bearer()],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["grand_total"], portal["grand_total"]);

    assert_eq!(
        district_audit(&server.data),
        [
            (
                "amt".to_string(),
                "2026-Q3".to_string(),
                "json: 3".to_string()
            ),
            ("controlling".into(), "2026-Q3".into(), "xlsx: 3".into()),
            ("amt".into(), "2026-Q1-Q3".into(), "json: 3".into()),
        ]
    );
}

/// `domain/portal.md`: the district workbook is for office and controlling;
/// a provider gets `403` by token and by session; a period without
/// submissions is a `404` that says so, a bad period a `400`.
#[test]
fn only_office_and_controlling_get_the_district_workbook() {
    let server = Server::start(&[]);
    let t01 = server.provider("T01");
    submit_sample(&server, &t01, "T01_2026-Q3.xlsx");
    let office = server.account("amt", "office");
    let controlling = server.account("controlling", "controlling");

    for route in ["district.xlsx", "district.json"] {
        let url = server.url(&format!("/api/v1/{route}?year=2026&quarter=3"));
        assert_eq!(http().get(&url, &[t01.bearer()]).status, 403, "{route}");
        assert_eq!(http().get(&url, &[]).status, 401, "{route}");
        assert_eq!(
            http().get(&url, &[controlling.bearer()]).status,
            200,
            "{route}"
        );
    }
    let provider = WebSession::login(&server, "t01", &t01.password);
    let r = http().get(
        &server.url("/kreismappe?jahr=2026&quartal=3"),
        &provider.headers(),
    );
    assert_eq!(r.status, 403);
    assert!(r.text().contains("keine Berechtigung"), "{}", r.text());

    let amt = WebSession::login(&server, "amt", &office.password);
    let r = http().get(
        &server.url("/kreismappe?jahr=2026&quartal=3"),
        &amt.headers(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r
        .header("content-disposition")
        .contains("Kreis_2026-Q3.xlsx"));
    assert_eq!(r.header("cache-control"), "no-store");
    assert!(Xlsx::new(Cursor::new(r.body.clone())).is_ok());
    let r = http().get(
        &server.url("/kreismappe?jahr=2026&quartale=1-3"),
        &amt.headers(),
    );
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-disposition")
        .contains("Kreis_2026-Q1-Q3.xlsx"));

    let r = http().get(
        &server.url("/api/v1/district.xlsx?year=2026&quarter=3&lang=en"),
        &[office.bearer()],
    );
    let mut wb = Xlsx::new(Cursor::new(r.body.clone())).expect("the English workbook");
    let sources = wb.worksheet_range("Sources").expect("Sources");
    let header: Vec<String> = sources
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(cell_text)
        .collect();
    assert_eq!(header[..3], ["File", "Receipt", "SHA-256"]);
    assert!(sources
        .rows()
        .any(|r| r.iter().any(|c| cell_text(c) == "VER-2026-Q3-T01-01")));

    let r = http().get(
        &server.url("/kreismappe?jahr=2026&quartal=4"),
        &amt.headers(),
    );
    assert_eq!(r.status, 404);
    assert!(
        r.text()
            .contains("Für 2026, 4. Quartal liegt keine aktuelle Meldung vor"),
        "{}",
        r.text()
    );
    let r = http().get(
        &server.url("/api/v1/district.xlsx?year=2025&quarter=3&lang=en"),
        &[office.bearer()],
    );
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["error"],
        "There is no current submission for 2025, 3rd quarter; no empty district workbook is made."
    );
    for query in [
        "year=2026&quarter=5",
        "year=2026&quarter=x",
        "quarter=3",
        "year=2026&quarter=3&quarters=1-3",
        "year=2026&quarters=3-1",
    ] {
        let r = http().get(
            &server.url(&format!("/api/v1/district.json?{query}")),
            &[office.bearer()],
        );
        assert_eq!(r.status, 400, "{query}");
    }
    let r = http().get(
        &server.url("/kreismappe?jahr=zwei&quartal=3"),
        &amt.headers(),
    );
    assert_eq!(r.status, 400);

    let audited = district_audit(&server.data);
    assert_eq!(
        audited.len(),
        5,
        "three API downloads, two pages: {audited:?}"
    );
    assert!(audited
        .iter()
        .all(|(_, _, outcome)| outcome.ends_with(": 1")));
}

/// `sozialraum export` and `sozialraum backup` beside the running server:
/// export refuses a non-empty folder without `--force` and an unknown data
/// folder (exit code 2); the backup is an intact database with the same
/// submissions, and an existing backup is not replaced without `--force`.
#[test]
fn export_and_backup_work_beside_the_running_server() {
    let server = Server::start(&[]);
    let t01 = server.provider("T01");
    let t02 = server.provider("T02");
    submit_sample(&server, &t01, "T01_2026-Q3.xlsx");
    submit_sample(&server, &t02, "T02_2026-Q3.xlsx");
    submit_sample(&server, &t01, "T01_2026-Q2.xlsx");
    let dir = tempfile::tempdir().unwrap();
    let q3 = ["--year", "2026", "--quarter", "3"];

    let out = dir.path().join("voll");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("T01_2026-Q3.xlsx"), b"older").unwrap();
    let refused = export(&server.data, &q3, &out, &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("nicht leer"));
    assert_eq!(
        std::fs::read(out.join("T01_2026-Q3.xlsx")).unwrap(),
        b"older"
    );
    let forced = export(&server.data, &q3, &out, &["--force"]);
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    assert_ne!(
        std::fs::read(out.join("T01_2026-Q3.xlsx")).unwrap(),
        b"older"
    );

    let unknown = export(
        &dir.path().join("nirgends"),
        &q3,
        &dir.path().join("neu"),
        &[],
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("Kein Datenordner des Portals"));
    assert!(!dir.path().join("neu").exists(), "nothing made for nothing");

    let year = dir.path().join("jahr");
    let done = export(
        &server.data,
        &["--year", "2026", "--quarters", "1-3"],
        &year,
        &[],
    );
    assert!(done.status.success());
    let mut names: Vec<String> = std::fs::read_dir(&year)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "T01_2026-Q2.xlsx",
            "T01_2026-Q3.xlsx",
            "T02_2026-Q3.xlsx",
            "manifest.json"
        ]
    );

    let backup = dir.path().join("sicherung.db");
    let made = run(&["backup", "--data"], &[&server.data, &backup]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let said = String::from_utf8_lossy(&made.stdout);
    assert!(said.contains("3 Meldungen"), "{said}");
    assert!(said.contains("files/"), "{said}");
    assert!(said.contains("§ 67 SGB X"), "{said}");
    let copy = rusqlite::Connection::open(&backup).unwrap();
    let n: i64 = copy
        .query_row("SELECT COUNT(*) FROM submissions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3);
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(copy);
    let again = run(&["backup", "--data"], &[&server.data, &backup]);
    assert_eq!(again.status.code(), Some(2));
    let forced = run(&["backup", "--force", "--data"], &[&server.data, &backup]);
    assert!(forced.status.success());

    // The server kept working meanwhile.
    let r = http().get(&server.url("/api/v1/submissions"), &[t01.bearer()]);
    assert_eq!(r.status, 200);
}
