//! Checks of a zip container (xlsx, xlsm, xlsb, ods) beyond its declared
//! sizes: duplicate part names, parts whose real size or checksum differs
//! from the directory, and XML parts that are not well-formed or carry a DTD
//! (entity bombs). Declared sizes can lie, so bytes are counted while reading.

use std::collections::HashSet;
use std::io::{Read, Seek};

use quick_xml::events::Event;

use crate::config::Limits;
use crate::read::ReadError;

/// Parts larger than this are not read twice here: the sheet reader streams
/// them and the zip reader checks their checksum at the end.
const VERIFY_MAX: u64 = 16 << 20;

/// Returns damage that does not stop reading (a checksum or size mismatch, a
/// malformed part no sheet needs); fails on what makes the file unsafe or ambiguous.
pub fn validate<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    limits: &Limits,
) -> Result<Vec<String>, ReadError> {
    let mut damage = Vec::new();
    let mut seen = HashSet::new();
    for i in 0..archive.len() {
        let name = archive
            .name_for_index(i)
            .and_then(|n| n.ok())
            .map(|n| n.to_string())
            .unwrap_or_default();
        if !seen.insert(name.to_lowercase()) {
            return Err(ReadError::Unreadable(format!(
                "der ZIP-Container enthält den Teil {name} doppelt (mehrdeutig)"
            )));
        }
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| ReadError::Unreadable(format!("ZIP-Eintrag {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let declared = entry.size();
        if declared > VERIFY_MAX {
            total = total.saturating_add(declared);
            continue;
        }
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        if name.starts_with("__MACOSX/")
            || name.rsplit('/').next().is_some_and(|b| b.starts_with("._"))
        {
            continue; // resource forks a Mac adds when zipping; never read
        }
        let mut buf = Vec::with_capacity(declared.min(VERIFY_MAX) as usize);
        if let Err(e) = (&mut entry).take(VERIFY_MAX + 1).read_to_end(&mut buf) {
            damage.push(format!("Teil {name}: {e}"));
            total = total.saturating_add(buf.len() as u64);
            continue;
        }
        let real = buf.len() as u64;
        if real > VERIFY_MAX {
            return Err(ReadError::Limit {
                detail: format!("Teil {name} ist entpackt größer als angegeben ({declared} Byte)"),
                limit: "max_part_bytes",
            });
        }
        total = total.saturating_add(real);
        if total > limits.max_unpacked_bytes {
            return Err(ReadError::Limit {
                detail: format!("entpackt mehr als {} MiB", limits.max_unpacked_bytes >> 20),
                limit: "max_unpacked_bytes",
            });
        }
        let lower = name.to_lowercase();
        if lower.ends_with(".xml") || lower.ends_with(".rels") {
            match check_xml(&name, &buf) {
                Ok(()) => {}
                Err(XmlProblem::Fatal(e)) => return Err(e),
                Err(XmlProblem::Malformed(d)) => damage.push(d),
            }
        }
    }
    Ok(damage)
}

enum XmlProblem {
    Fatal(ReadError),
    Malformed(String),
}

/// Well-formed, without a DTD (OOXML and ODF allow none; a DTD is how entity bombs come in).
fn check_xml(name: &str, bytes: &[u8]) -> Result<(), XmlProblem> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut depth: u32 = 0;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => break,
            Ok(Event::DocType(_)) => {
                return Err(XmlProblem::Fatal(ReadError::Unreadable(format!(
                    "Teil {name} enthält eine DTD mit Entitäten (in Arbeitsmappen unzulässig, möglicher Angriff)"
                ))))
            }
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > 10_000 {
                    return Err(XmlProblem::Fatal(ReadError::Limit {
                        detail: format!("Teil {name} ist mehr als 10.000 Ebenen tief verschachtelt"),
                        limit: "max_part_bytes",
                    }));
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(_) => {}
            Err(e) => {
                return Err(XmlProblem::Malformed(format!(
                    "Teil {name} ist kein gültiges XML (Position {}: {e})",
                    reader.buffer_position()
                )))
            }
        }
        buf.clear();
    }
    Ok(())
}
