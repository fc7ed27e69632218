//! Load on the portal (issue 13): N concurrent submissions of one workbook
//! through the JSON API, with a zip bomb and a billion-laughs workbook
//! checked in the middle of them. Not a test fixture: `bench/portal.sh`
//! runs it and prints the figures for the README.
//!
//! ```text
//! portal_load BIN WORKBOOK [--n 50]
//! ```
//!
//! Starts `BIN serve` on a new data folder and 127.0.0.1 (a free port),
//! makes a provider account for the workbook's provider, then sends N
//! submissions at once (each answer must be 201 with the summary of
//! `BIN check --format json` and its own receipt), and, while they run, a
//! zip bomb and a billion-laughs copy of the workbook to `/api/v1/check`
//! (each must come back 200 with a `file` error). Afterwards every receipt
//! must be listed. Prints the time from upload to answer (median, p95,
//! max) and the peak memory of the server process and of its checking
//! children together.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let bin = PathBuf::from(
        args.next()
            .ok_or("usage: portal_load BIN WORKBOOK [--n 50]")?,
    );
    let workbook = PathBuf::from(
        args.next()
            .ok_or("usage: portal_load BIN WORKBOOK [--n 50]")?,
    );
    let mut n = 50usize;
    while let Some(a) = args.next() {
        if a == "--n" {
            n = args.next().ok_or("--n N")?.parse()?;
        }
    }
    let bytes = std::fs::read(&workbook)?;
    let name = workbook
        .file_name()
        .and_then(|s| s.to_str())
        .ok_or("workbook name")?
        .to_string();
    let expected: Value = serde_json::from_slice(
        &Command::new(&bin)
            .args(["check", "--format", "json"])
            .arg(&workbook)
            .output()?
            .stdout,
    )?;
    let file = &expected["files"][0];
    let provider = file["provider"]
        .as_str()
        .ok_or("no provider on the cover")?;
    let summary = file["summary"].clone();
    let rows = rows_of(&bytes)?;

    let dir = tempfile::tempdir()?;
    let data = dir.path().join("daten");
    let out = Command::new(&bin)
        .args([
            "users",
            "add",
            "bench",
            "--role",
            "provider",
            "--provider",
            provider,
            "--data",
        ])
        .arg(&data)
        .output()?;
    let password = String::from_utf8(out.stdout)?
        .lines()
        .last()
        .ok_or("no password")?
        .to_string();
    let mut server = Command::new(&bin)
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = server.id();
    let base = {
        let mut line = String::new();
        let mut stdout = server.stdout.take().ok_or("stdout")?;
        let mut byte = [0u8; 1];
        while !line.contains("http://") || !line.ends_with('\n') {
            if stdout.read(&mut byte)? == 0 {
                return Err("the server did not start".into());
            }
            line.push(char::from(byte[0]));
        }
        let at = line.find("http://").ok_or("address")?;
        line[at..]
            .split_whitespace()
            .next()
            .ok_or("address")?
            .trim_end_matches('/')
            .to_string()
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    let token: Value = agent
        .post(&format!("{base}/api/v1/token"))
        .send_json(serde_json::json!({"login": "bench", "password": password}))?
        .body_mut()
        .read_json()?;
    let token = token["token"].as_str().ok_or("token")?.to_string();

    // Memory: the server's RSS and its children's (the guarded checks), sampled.
    let stop = Arc::new(AtomicBool::new(false));
    let peaks = Arc::new(Mutex::new((0u64, 0u64)));
    let sampler = {
        let (stop, peaks) = (stop.clone(), peaks.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let own = rss_kib(pid).unwrap_or(0);
                let children: u64 = children_of(pid).iter().filter_map(|c| rss_kib(*c)).sum();
                let mut p = peaks.lock().unwrap_or_else(|e| e.into_inner());
                p.0 = p.0.max(own);
                p.1 = p.1.max(own + children);
                drop(p);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };

    let bomb = zip_bomb(1 << 30)?;
    let laughs = billion_laughs(&bytes)?;
    let barrier = Barrier::new(n + 2);
    let started = Instant::now();
    let (answers, hostile) = std::thread::scope(|s| {
        let subs: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    let (ct, body) = multipart(&[("acknowledge_warnings", "true")], &name, &bytes);
                    barrier.wait();
                    let t = Instant::now();
                    let r = agent
                        .post(&format!("{base}/api/v1/submissions"))
                        .header("Authorization", &format!("Bearer {token}"))
                        .header("Content-Type", &ct)
                        .send(&body[..]);
                    let elapsed = t.elapsed();
                    let answer = r.ok().map(|mut r| {
                        let status = r.status().as_u16();
                        (
                            status,
                            r.body_mut().read_json::<Value>().unwrap_or(Value::Null),
                        )
                    });
                    (elapsed, answer)
                })
            })
            .collect();
        let hostile: Vec<_> = [("bombe.xlsx", &bomb), ("lachen.xlsx", &laughs)]
            .into_iter()
            .map(|(hname, hbytes)| {
                let (agent, base, token, barrier) = (&agent, &base, &token, &barrier);
                s.spawn(move || {
                    let (ct, body) = multipart(&[], hname, hbytes);
                    barrier.wait();
                    // In the middle of the run.
                    std::thread::sleep(Duration::from_millis(200));
                    let t = Instant::now();
                    let r = agent
                        .post(&format!("{base}/api/v1/check"))
                        .header("Authorization", &format!("Bearer {token}"))
                        .header("Content-Type", &ct)
                        .send(&body[..]);
                    let answer = r.ok().map(|mut r| {
                        let status = r.status().as_u16();
                        (
                            status,
                            r.body_mut().read_json::<Value>().unwrap_or(Value::Null),
                        )
                    });
                    (hname, t.elapsed(), answer)
                })
            })
            .collect();
        let answers: Vec<_> = subs.into_iter().filter_map(|h| h.join().ok()).collect();
        let hostile: Vec<_> = hostile.into_iter().filter_map(|h| h.join().ok()).collect();
        (answers, hostile)
    });
    let wall = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();

    let mut failures = vec![];
    let mut receipts = std::collections::BTreeSet::new();
    let mut times: Vec<Duration> = vec![];
    for (elapsed, answer) in &answers {
        times.push(*elapsed);
        match answer {
            Some((201, v)) if v["summary"] == summary => {
                receipts.insert(v["receipt"].as_str().unwrap_or("").to_string());
            }
            Some((status, v)) => failures.push(format!("{status}: {v}")),
            None => failures.push("no answer".into()),
        }
    }
    if receipts.len() != n {
        failures.push(format!(
            "{} distinct receipts for {n} submissions",
            receipts.len()
        ));
    }
    let mut hostile_lines = vec![];
    for (hname, elapsed, answer) in &hostile {
        match answer {
            Some((200, v)) => {
                let codes: Vec<&str> = v["files"][0]["findings"]
                    .as_array()
                    .map(|f| {
                        f.iter()
                            .filter(|f| f["rule"] == "file")
                            .filter_map(|f| f["code"].as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                if codes.is_empty() {
                    failures.push(format!("{hname}: no file finding"));
                }
                hostile_lines.push(format!(
                    "{hname}: {} in {:.2} s",
                    codes.join(", "),
                    elapsed.as_secs_f64()
                ));
            }
            Some((status, v)) => failures.push(format!("{hname}: {status} {v}")),
            None => failures.push(format!("{hname}: no answer")),
        }
    }
    let listed: Value = agent
        .get(&format!("{base}/api/v1/submissions"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()?
        .body_mut()
        .read_json()?;
    let listed = listed["submissions"].as_array().map_or(0, Vec::len);
    if listed != n {
        failures.push(format!("{listed} listed, {n} submitted"));
    }
    // SAFETY: our own child.
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
    let _ = server.wait();

    times.sort();
    let pct = |p: f64| {
        let i = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1;
        times[i].as_secs_f64()
    };
    let (own, total) = *peaks.lock().unwrap_or_else(|e| e.into_inner());
    println!(
        "| {n} concurrent submissions of {name} ({rows} rows, {} KiB) | median {:.2} s, p95 {:.2} s, max {:.2} s; all {n} in {:.2} s |",
        bytes.len() / 1024,
        pct(0.5),
        pct(0.95),
        pct(1.0),
        wall.as_secs_f64()
    );
    println!(
        "| peak memory | server {} MiB; server and its checking children together {} MiB |",
        own / 1024,
        total / 1024
    );
    for l in &hostile_lines {
        println!("| hostile upload during the run | {l} |");
    }
    if failures.is_empty() {
        println!("all {n} answers correct, {listed} listed, none lost");
        Ok(())
    } else {
        for f in &failures {
            eprintln!("FAILED: {f}");
        }
        Err(format!("{} failures", failures.len()).into())
    }
}

fn rows_of(xlsx: &[u8]) -> Res<usize> {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx))?;
    let mut most = 0;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i)?;
        if f.name()?.starts_with("xl/worksheets/") {
            let mut s = String::new();
            f.read_to_string(&mut s)?;
            most = most.max(s.matches("<row ").count().saturating_sub(1));
        }
    }
    Ok(most)
}

fn multipart(fields: &[(&str, &str)], name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----portal-load-3b1e";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// An xlsx whose one sheet unpacks to `size` bytes of empty rows.
fn zip_bomb(size: usize) -> Res<Vec<u8>> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, text) in [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Fallarbeit" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ] {
        w.start_file(name, opts)?;
        w.write_all(text.as_bytes())?;
    }
    w.start_file("xl/worksheets/sheet1.xml", opts)?;
    w.write_all(br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#)?;
    let chunk = "<row/>".repeat(1 << 16);
    let mut written = 0;
    while written < size {
        w.write_all(chunk.as_bytes())?;
        written += chunk.len();
    }
    w.write_all(b"</sheetData></worksheet>")?;
    Ok(w.finish()?.into_inner())
}

/// The workbook with nine levels of nested entities in its shared strings.
fn billion_laughs(xlsx: &[u8]) -> Res<Vec<u8>> {
    let mut dtd = String::from("<!DOCTYPE sst [\n<!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        dtd.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    dtd.push_str("]>\n");
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx))?;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let mut f = zip.by_index(i)?;
        let name = f.name()?.to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data)?;
        if name == "xl/sharedStrings.xml" {
            let xml = String::from_utf8(data)?;
            let decl_end = xml.find("?>").ok_or("xml declaration")? + 2;
            let first_t = xml.find("<t>").ok_or("<t>")? + 3;
            let first_t_end = first_t + xml[first_t..].find("</t>").ok_or("</t>")?;
            data = format!(
                "{}\n{dtd}{}&lol9;{}",
                &xml[..decl_end],
                &xml[decl_end..first_t],
                &xml[first_t_end..]
            )
            .into_bytes();
        }
        w.start_file(name, opts)?;
        w.write_all(&data)?;
    }
    Ok(w.finish()?.into_inner())
}

fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn children_of(pid: u32) -> Vec<u32> {
    let path = Path::new("/proc").join(pid.to_string()).join("task");
    let mut out = vec![];
    for task in std::fs::read_dir(path).into_iter().flatten().flatten() {
        let children = task.path().join("children");
        if let Ok(s) = std::fs::read_to_string(children) {
            out.extend(s.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    out
}
