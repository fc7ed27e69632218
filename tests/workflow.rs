//! The office workflow around the checks: no output replaces a file unless
//! `--force`, our own outputs and folder clutter are not read as submissions,
//! and a run with nothing to do says so (exit code 2) and writes nothing.

mod common;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use common::sozialraum;
use serde_json::Value;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");

/// The clean shipped submissions (T01…T05, Q1–Q3), copied into `dir`.
fn copy_samples(dir: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut out = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(SAMPLES)
        .expect("samples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('T') && n.ends_with(".xlsx"))
        })
        .collect();
    names.sort();
    for p in names {
        let to = dir.join(p.file_name().expect("name"));
        std::fs::copy(&p, &to).expect("copy");
        out.push(to);
    }
    out
}

fn budget() -> PathBuf {
    Path::new(SAMPLES).join("Budgetplan_2026.xlsx")
}

/// A minimal Word document (OOXML): a zip with `[Content_Types].xml` and `word/document.xml`.
fn docx() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("[Content_Types].xml", opts).expect("part");
    w.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).expect("write");
    w.start_file("word/document.xml", opts).expect("part");
    w.write_all(br#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Anschreiben</w:t></w:r></w:p></w:body></w:document>"#).expect("write");
    w.finish().expect("finish").into_inner()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
    let mut cmd = sozialraum();
    for a in args {
        cmd.arg(a);
    }
    let out = cmd.output().expect("run");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}\n{}", r.stdout, r.stderr))
}

fn totals(doc: &Value) -> Vec<(String, String)> {
    let mut t: Vec<(String, String)> = doc["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .map(|t| {
            (
                format!(
                    "{}|{}|{}|{}|{}",
                    t["provider"], t["year"], t["quarter"], t["sozialraum"], t["category"]
                ),
                t["amount"].as_str().expect("amount").to_string(),
            )
        })
        .collect();
    t.sort();
    t
}

fn skipped(doc: &Value) -> Vec<(String, String)> {
    doc["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            let path = s["path"].as_str().expect("path");
            let name = Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            (name, s["reason"].as_str().expect("reason").to_string())
        })
        .collect()
}

#[test]
fn a_folder_with_our_outputs_and_clutter_consolidates_as_the_samples_alone() {
    let tmp = tempfile::tempdir().expect("tmp");
    let alone = tmp.path().join("allein");
    copy_samples(&alone);
    let base = run(&[&"consolidate", &alone, &"--format", &"json"]);
    let base_doc = json(&base);

    let folder = tmp.path().join("eingang");
    copy_samples(&folder);
    // Earlier runs left their outputs in the folder …
    let r = run(&[&"check", &folder, &"--annotate-dir", &folder]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        &"consolidate",
        &folder,
        &"-o",
        &folder.join("Kreis_2026.xlsx"),
        &"-q",
    ]);
    assert_eq!(r.code, base.code, "{}", r.stderr);
    let r = run(&[
        &"audit",
        &folder,
        &"--budget",
        &budget(),
        &"-o",
        &folder.join("Controlling_2026.xlsx"),
        &"-q",
    ]);
    assert!(matches!(r.code, 0 | 1), "{}", r.stderr);
    // … and people and their computers others.
    std::fs::write(folder.join("~$T01_2026-Q1.xlsx"), b"lock").expect("write");
    std::fs::write(folder.join("._T01_2026-Q1.xlsx"), b"\x00\x05\x16\x07fork").expect("write");
    std::fs::write(folder.join(".~lock.T02_2026-Q1.xlsx#"), b"lock").expect("write");
    std::fs::write(folder.join("Anschreiben.docx"), docx()).expect("write");
    std::fs::write(folder.join("liste.csv"), b"Fall-ID;Kosten\n").expect("write");
    std::fs::copy(folder.join("T03_2026-Q2.xlsx"), folder.join("Scan.pdf")).expect("copy");

    let r = run(&[&"consolidate", &folder, &"--format", &"json"]);
    let doc = json(&r);
    assert_eq!(r.code, base.code, "{}", r.stderr);
    assert_eq!(totals(&doc), totals(&base_doc));
    assert_eq!(doc["grand_total"], base_doc["grand_total"]);
    let skipped = skipped(&doc);
    let names: Vec<&str> = skipped.iter().map(|s| s.0.as_str()).collect();
    for name in [
        "Kreis_2026.xlsx",
        "Controlling_2026.xlsx",
        "T01_2026-Q1_geprüft.xlsx",
        "T05_2026-Q3_geprüft.xlsx",
        "Anschreiben.docx",
        "liste.csv",
    ] {
        assert!(names.contains(&name), "{name} not named in {skipped:?}");
    }
    for silent in [
        "~$T01_2026-Q1.xlsx",
        "._T01_2026-Q1.xlsx",
        ".~lock.T02_2026-Q1.xlsx#",
    ] {
        assert!(!names.contains(&silent), "{silent} named");
    }
    let word = skipped
        .iter()
        .find(|s| s.0 == "Anschreiben.docx")
        .expect("docx");
    assert!(word.1.contains("Word-Dokument"), "{word:?}");
    // The xlsx named .pdf was read by its bytes: an identical copy of T03's Q2, counted once.
    let status = |name: &str| {
        doc["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .map(|f| f["status"].as_str().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("{name} not checked"))
    };
    let mut pair = [status("Scan.pdf"), status("T03_2026-Q2.xlsx")];
    pair.sort();
    assert_eq!(pair, ["included", "rejected"]);
    // The terminal names them too.
    let r = run(&[
        &"consolidate",
        &folder,
        &"--format",
        &"json",
        &"--lang",
        &"en",
    ]);
    assert!(json(&r)["skipped"].to_string().contains("Word document"));
}

#[test]
fn check_json_lists_skipped_files_and_checks_spreadsheets_by_their_bytes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let folder = tmp.path().join("ordner");
    let samples = copy_samples(&folder);
    std::fs::write(folder.join("Anschreiben.docx"), docx()).expect("write");
    std::fs::copy(&samples[0], folder.join("Meldung.pdf")).expect("copy");
    // Named like a workbook but none: a broken submission, not clutter.
    std::fs::write(folder.join("T09_2026-Q3.xlsx"), b"Fall-ID;Kosten\n").expect("write");
    let r = run(&[&"check", &folder, &"--format", &"json", &"--all"]);
    let doc = json(&r);
    assert_eq!(skipped(&doc).len(), 1, "{:?}", skipped(&doc));
    assert_eq!(r.code, 1);
    assert!(common::FileReport::by_path(&doc, "T09_2026-Q3.xlsx").has("FILE-UNREADABLE"));
    let pdf = common::FileReport::by_path(&doc, "Meldung.pdf");
    assert!(pdf.has("FILE-EXTENSION"), "{:?}", pdf.findings());
    // Named on the command line, a Word document is checked and said to be one.
    let r = run(&[
        &"check",
        &folder.join("Anschreiben.docx"),
        &"--format",
        &"json",
    ]);
    assert_eq!(r.code, 1);
    let doc = json(&r);
    let f = &doc["files"][0]["findings"][0];
    assert_eq!(f["code"], "FILE-UNREADABLE");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("Word-Dokument")),
        "{f}"
    );
}

#[test]
fn nothing_to_do_is_exit_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let empty = tmp.path().join("leer");
    std::fs::create_dir(&empty).expect("mkdir");
    let only_word = tmp.path().join("nur_word");
    std::fs::create_dir(&only_word).expect("mkdir");
    std::fs::write(only_word.join("Anschreiben.docx"), docx()).expect("write");
    let out = tmp.path().join("Kreis.xlsx");
    let ctl = tmp.path().join("Controlling.xlsx");
    for dir in [&empty, &only_word] {
        let r = run(&[&"check", dir]);
        assert_eq!(r.code, 2, "check {}: {}", dir.display(), r.stdout);
        let r = run(&[&"consolidate", dir, &"-o", &out]);
        assert_eq!(r.code, 2, "consolidate {}: {}", dir.display(), r.stdout);
        let r = run(&[&"audit", dir, &"--budget", &budget(), &"-o", &ctl]);
        assert_eq!(r.code, 2, "audit {}: {}", dir.display(), r.stdout);
    }
    // Every file filtered out by the period.
    let folder = tmp.path().join("eingang");
    copy_samples(&folder);
    let r = run(&[&"consolidate", &folder, &"--year", &"2019", &"-o", &out]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("Zeitraum"), "{}", r.stderr);
    let r = run(&[
        &"audit",
        &folder,
        &"--budget",
        &budget(),
        &"--year",
        &"2019",
        &"-o",
        &ctl,
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(!out.exists() && !ctl.exists(), "something was written");
}

/// Each output command, its existing output, and the arguments that make it write there.
fn output_commands(tmp: &Path) -> Vec<(&'static str, PathBuf, Vec<std::ffi::OsString>)> {
    let folder = tmp.join("eingang");
    let samples = copy_samples(&folder);
    let one = samples[0].clone();
    let annotate_dir = tmp.join("geprüft");
    std::fs::create_dir_all(&annotate_dir).expect("mkdir");
    let stem = one.file_stem().expect("stem").to_string_lossy().to_string();
    let os = |v: &[&dyn AsRef<std::ffi::OsStr>]| -> Vec<std::ffi::OsString> {
        v.iter().map(|a| a.as_ref().to_os_string()).collect()
    };
    let annotated = tmp.join("T01_geprüft.xlsx");
    let in_dir = annotate_dir.join(format!("{stem}_geprüft.xlsx"));
    let kreis = tmp.join("Kreis.xlsx");
    let ctl = tmp.join("Controlling.xlsx");
    let tpl = tmp.join("Vorlage.xlsx");
    vec![
        (
            "check --annotate",
            annotated.clone(),
            os(&[&"check", &one, &"--annotate", &annotated]),
        ),
        (
            "check --annotate-dir",
            in_dir,
            os(&[&"check", &one, &"--annotate-dir", &annotate_dir]),
        ),
        (
            "consolidate -o",
            kreis.clone(),
            os(&[&"consolidate", &folder, &"-o", &kreis, &"-q"]),
        ),
        (
            "audit -o",
            ctl.clone(),
            os(&[
                &"audit",
                &folder,
                &"--budget",
                &budget(),
                &"-o",
                &ctl,
                &"-q",
            ]),
        ),
        (
            "template -o",
            tpl.clone(),
            os(&[
                &"template",
                &"--provider",
                &"T03",
                &"--year",
                &"2026",
                &"--quarter",
                &"3",
                &"-o",
                &tpl,
            ]),
        ),
    ]
}

#[test]
fn every_output_command_refuses_to_replace_an_existing_file_without_force() {
    let tmp = tempfile::tempdir().expect("tmp");
    for (what, out, args) in output_commands(tmp.path()) {
        let precious = format!("{what}: someone's workbook").into_bytes();
        std::fs::write(&out, &precious).expect("write");
        let r = sozialraum().args(&args).output().expect("run");
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains(&*out.file_name().expect("name").to_string_lossy())
                && stderr.contains("nicht ersetzt"),
            "{what}: {stderr}"
        );
        assert_eq!(std::fs::read(&out).expect("read"), precious, "{what}");
        // With --force it is replaced by a workbook.
        let r = sozialraum()
            .args(&args)
            .arg("--force")
            .output()
            .expect("run");
        assert!(
            matches!(r.status.code(), Some(0 | 1)),
            "{what} --force: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert!(
            std::fs::read(&out).expect("read").starts_with(b"PK"),
            "{what}"
        );
    }
}

#[test]
fn an_input_is_never_an_output_and_outputs_are_xlsx() {
    let tmp = tempfile::tempdir().expect("tmp");
    let folder = tmp.path().join("eingang");
    let samples = copy_samples(&folder);
    let one = &samples[0];
    let other = &samples[1];
    let before = std::fs::read(one).expect("read");
    let other_before = std::fs::read(other).expect("read");
    for args in [
        vec![
            "check".as_ref(),
            one.as_os_str(),
            "--annotate".as_ref(),
            one.as_os_str(),
            "--force".as_ref(),
        ],
        vec![
            "consolidate".as_ref(),
            folder.as_os_str(),
            "-o".as_ref(),
            one.as_os_str(),
            "--force".as_ref(),
        ],
        vec![
            "audit".as_ref(),
            folder.as_os_str(),
            "--budget".as_ref(),
            budget().into_os_string().leak() as &std::ffi::OsStr,
            "-o".as_ref(),
            one.as_os_str(),
            "--force".as_ref(),
        ],
    ] {
        let r = sozialraum().args(&args).output().expect("run");
        assert_eq!(r.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&r.stderr).contains("Eingabedatei"),
            "{args:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
    assert_eq!(std::fs::read(one).expect("read"), before);
    // A district workbook is written as .xlsx or not at all.
    for name in ["Kreis.ods", "Kreis.xls", "Kreis"] {
        let out = tmp.path().join(name);
        let r = run(&[&"consolidate", &folder, &"-o", &out]);
        assert_eq!(r.code, 2, "{name}");
        assert!(r.stderr.contains(".xlsx"), "{}", r.stderr);
        assert!(!out.exists(), "{name} written");
    }
    let r = run(&[&"check", one, &"--annotate", &tmp.path().join("kopie.xls")]);
    assert_eq!(r.code, 2);
    assert_eq!(std::fs::read(other).expect("read"), other_before);
}

#[test]
fn messages_about_files_are_in_the_chosen_language() {
    let tmp = tempfile::tempdir().expect("tmp");
    let missing = tmp.path().join("fehlt.xlsx");
    let r = run(&[&"check", &missing]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nicht gefunden"), "{}", r.stderr);
    assert!(!r.stderr.contains("os error"), "{}", r.stderr);
    let r = run(&[&"--lang", &"en", &"check", &missing]);
    assert!(r.stderr.contains("not found"), "{}", r.stderr);
    let no_config = tmp.path().join("fehlt.toml");
    let r = run(&[&"--config", &no_config, &"check", &missing]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("kann nicht gelesen werden: Datei oder Ordner nicht gefunden"),
        "{}",
        r.stderr
    );
    let r = run(&[
        &"--lang",
        &"en",
        &"--config",
        &no_config,
        &"check",
        &missing,
    ]);
    assert!(
        r.stderr
            .contains("cannot be read: file or folder not found"),
        "{}",
        r.stderr
    );
    let samples = PathBuf::from(SAMPLES);
    let r = run(&[&"--lang", &"en", &"audit", &samples, &"--budget", &missing]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("file or folder not found"),
        "{}",
        r.stderr
    );
    let folder = tmp.path().join("eingang");
    copy_samples(&folder);
    let out = tmp.path().join("Kreis.xlsx");
    std::fs::write(&out, b"x").expect("write");
    let r = run(&[&"--lang", &"en", &"consolidate", &folder, &"-o", &out]);
    assert!(r.stderr.contains("is not replaced"), "{}", r.stderr);
}

#[test]
fn our_workbooks_carry_their_kind_as_a_document_property() {
    let tmp = tempfile::tempdir().expect("tmp");
    let outs = output_commands(tmp.path());
    for ((what, out, args), kind) in outs.into_iter().zip([
        "kommentierte-Kopie",
        "kommentierte-Kopie",
        "Kreis-Arbeitsmappe",
        "Controlling-Arbeitsmappe",
        "Meldungsvorlage",
    ]) {
        let r = sozialraum().args(&args).output().expect("run");
        assert!(matches!(r.status.code(), Some(0 | 1)), "{what}");
        let custom = common::zip_part(&out, "docProps/custom.xml");
        assert!(
            custom.contains("sozialraum-Art") && custom.contains(kind),
            "{what}: {custom}"
        );
    }
}

#[test]
fn a_filled_in_template_is_read_as_the_submission_it_is() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tpl = tmp.path().join("T03_2026-Q3.xlsx");
    let r = run(&[
        &"template",
        &"--provider",
        &"T03",
        &"--year",
        &"2026",
        &"--quarter",
        &"3",
        &"-o",
        &tpl,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dir = tmp.path().to_path_buf();
    let r = run(&[&"check", &dir, &"--format", &"json"]);
    let doc = json(&r);
    assert_eq!(skipped(&doc), vec![]);
    assert_eq!(doc["files"][0]["provider"], "T03");
}

#[test]
fn command_line_mistakes_are_explained_in_the_chosen_language() {
    let r = run(&[&"check", &"--frmat", &"json", &"x.xlsx"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("Unbekannte Angabe „--frmat“") && r.stderr.contains("„--format“"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("unexpected argument"), "{}", r.stderr);
    let r = run(&[&"--lang", &"en", &"check", &"--frmat", &"json", &"x.xlsx"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unexpected argument"), "{}", r.stderr);
    let r = run(&[
        &"template",
        &"--provider",
        &"T01",
        &"--year",
        &"2001",
        &"--quarter",
        &"3",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("erlaubt sind 2005 bis 2100"),
        "{}",
        r.stderr
    );
    let r = run(&[&"chek", &"x.xlsx"]);
    assert!(
        r.stderr.contains("Unbekannter Befehl „chek“") && !r.stderr.contains("__check-file"),
        "{}",
        r.stderr
    );
    let r = run(&[&"check", &"--help"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("Aufruf: sozialraum check [OPTIONEN]")
            && r.stdout.contains("Optionen:")
            && r.stdout.contains("[Standard: human]")
            && !r.stdout.contains("Usage:"),
        "{}",
        r.stdout
    );
}

#[test]
fn counts_are_singular_and_plural_in_the_terminal() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut s = common::Submission::valid("T01", 2026, 3);
    let cell = s.cell_of("Fallarbeit", "Sozialraum", 2);
    s.set("Fallarbeit", &cell, "Achm");
    let path = s.write(tmp.path());
    let r = run(&[&"check", &path]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("1 Fehler, 0 Warnungen"), "{}", r.stdout);
    assert!(r.stdout.contains("1 Datei geprüft"), "{}", r.stdout);
    let r = run(&[&"--lang", &"en", &"check", &path]);
    assert!(r.stdout.contains("1 error, 0 warnings"), "{}", r.stdout);
}

#[test]
fn annotating_a_folder_into_itself_twice_replaces_only_our_copies() {
    let tmp = tempfile::tempdir().expect("tmp");
    let folder = tmp.path().join("eingang");
    let samples = copy_samples(&folder);
    let r = run(&[&"check", &folder, &"--annotate-dir", &folder]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let copies = std::fs::read_dir(&folder).expect("dir").count();
    assert_eq!(copies, 2 * samples.len());
    // Again: the copies exist; only --force replaces them, and no copy of a copy appears.
    let r = run(&[&"check", &folder, &"--annotate-dir", &folder]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let r = run(&[&"check", &folder, &"--annotate-dir", &folder, &"--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let names: Vec<String> = std::fs::read_dir(&folder)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names.len(), 2 * samples.len(), "{names:?}");
    assert!(
        !names.iter().any(|n| n.contains("geprüft_geprüft")),
        "{names:?}"
    );
    // A submission at an output's place is an input, --force or not.
    let one = &samples[0];
    let stem = one.file_stem().expect("stem").to_string_lossy().to_string();
    let other = folder.join("andere");
    std::fs::create_dir(&other).expect("mkdir");
    std::fs::copy(one, other.join(format!("{stem}_geprüft.xlsx"))).expect("copy");
    let r = run(&[&"check", one, &other, &"--annotate-dir", &other, &"--force"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(
        std::fs::read(other.join(format!("{stem}_geprüft.xlsx"))).expect("read"),
        std::fs::read(one).expect("read")
    );
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    use std::io::Read;
    let samples = Path::new(SAMPLES);
    // Well over a pipe's buffer of output, of which the reader takes ten bytes.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sozialraum"))
        .args(["check", "--all"])
        .args([samples, samples, samples, samples])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut head = [0u8; 10];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut head)
        .expect("read");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
