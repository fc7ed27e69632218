//! `docProps/custom.xml`: the custom document properties. Ours
//! (`sozialraum-Art`) is set or added; the provider's stay.

use quick_xml::events::Event;

use super::xml::{self, attr, escape};
use super::OverlayError;

const NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties";
const VT: &str = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes";
/// The format id every user-defined property carries.
const FMTID: &str = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}";

fn property(prefix: &str, vt: &str, pid: u32, name: &str, value: &str) -> String {
    format!(
        "<{prefix}property fmtid=\"{FMTID}\" pid=\"{pid}\" name=\"{}\"><{vt}lpwstr>{}</{vt}lpwstr></{prefix}property>",
        escape(name),
        escape(value)
    )
}

/// A new properties part with one property.
pub fn new_part(properties: &[(&str, &str)]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Properties xmlns=\"{NS}\" xmlns:vt=\"{VT}\">"
    );
    for (i, (name, value)) in properties.iter().enumerate() {
        out.push_str(&property("", "vt:", 2 + i as u32, name, value));
    }
    out.push_str("</Properties>");
    out
}

/// The part with each of `properties` set: its value replaced where the
/// property exists (whatever its type was, it becomes text), added otherwise.
pub fn set(text: &str, part: &str, properties: &[(&str, &str)]) -> Result<String, OverlayError> {
    let err = |d: String| OverlayError::Xml {
        part: part.to_string(),
        detail: d,
    };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut w = quick_xml::Writer::new(Vec::with_capacity(text.len() + 256));
    let mut depth = 0usize;
    let mut prefix = String::new();
    let mut vt: Option<String> = None;
    let mut max_pid = 1u32;
    let mut done = vec![false; properties.len()];
    // Inside one of ours: its value is replaced, the old one skipped.
    let mut replacing: Option<usize> = None;
    loop {
        let event = reader.read_event().map_err(|e| err(e.to_string()))?;
        let io = |e: std::io::Error| err(e.to_string());
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                if depth == 0 {
                    if e.local_name().as_ref() != "Properties" {
                        return Err(err("<Properties> erwartet".into()));
                    }
                    prefix = xml::prefix_of(e);
                    vt = xml::ns_prefix(e, VT).filter(|p| !p.is_empty());
                    if empty {
                        // No property yet: written open, then closed after ours.
                        let name = e.name().as_ref().to_string();
                        w.get_mut()
                            .extend_from_slice(format!("<{}>", &**e).as_bytes());
                        add_missing(
                            &mut w,
                            &prefix,
                            vt.as_deref(),
                            &mut max_pid,
                            properties,
                            &done,
                        );
                        w.get_mut()
                            .extend_from_slice(format!("</{name}>").as_bytes());
                        continue;
                    }
                }
                if depth == 1 && e.local_name().as_ref() == "property" {
                    max_pid = max_pid.max(attr(e, "pid").and_then(|p| p.parse().ok()).unwrap_or(0));
                    let name = attr(e, "name").unwrap_or_default();
                    if let Some(i) = properties.iter().position(|(n, _)| *n == name) {
                        done[i] = true;
                        if !empty {
                            replacing = Some(i);
                            w.write_event(event.borrow()).map_err(io)?;
                            let (vtp, decl) = match &vt {
                                Some(p) => (p.clone(), String::new()),
                                None => ("vt:".to_string(), format!(" xmlns:vt=\"{VT}\"")),
                            };
                            w.get_mut().extend_from_slice(
                                format!(
                                    "<{vtp}lpwstr{decl}>{}</{vtp}lpwstr>",
                                    escape(properties[i].1)
                                )
                                .as_bytes(),
                            );
                            depth += 1;
                            continue;
                        }
                    }
                }
                if replacing.is_some() && depth >= 2 {
                    if !empty {
                        depth += 1;
                    }
                    continue;
                }
                w.write_event(event.borrow()).map_err(io)?;
                if !empty {
                    depth += 1;
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if replacing.is_some() && depth >= 2 {
                    continue;
                }
                if depth == 1 {
                    replacing = None;
                }
                if depth == 0 {
                    add_missing(
                        &mut w,
                        &prefix,
                        vt.as_deref(),
                        &mut max_pid,
                        properties,
                        &done,
                    );
                }
                w.write_event(Event::End(e)).map_err(io)?;
            }
            Event::Eof if depth == 0 => break,
            Event::Eof => return Err(err("unvollständig".into())),
            _ if replacing.is_some() && depth >= 2 => {}
            other => w.write_event(other).map_err(io)?,
        }
    }
    String::from_utf8(w.into_inner()).map_err(|e| err(e.to_string()))
}

fn add_missing(
    w: &mut quick_xml::Writer<Vec<u8>>,
    prefix: &str,
    vt: Option<&str>,
    max_pid: &mut u32,
    properties: &[(&str, &str)],
    done: &[bool],
) {
    for ((name, value), done) in properties.iter().zip(done) {
        if *done {
            continue;
        }
        *max_pid += 1;
        let el = match vt {
            Some(vt) => property(prefix, vt, *max_pid, name, value),
            None => property(prefix, "vt:", *max_pid, name, value).replacen(
                "<vt:lpwstr>",
                &format!("<vt:lpwstr xmlns:vt=\"{VT}\">"),
                1,
            ),
        };
        w.get_mut().extend_from_slice(el.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: [(&str, &str); 1] = [("sozialraum-Art", "kommentierte-Kopie")];

    #[test]
    fn our_property_is_added_beside_the_providers_or_replaced() {
        let new = new_part(&OURS);
        assert!(new.contains(r#"<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="sozialraum-Art"><vt:lpwstr>kommentierte-Kopie</vt:lpwstr></property>"#));
        let theirs = new_part(&[("Abteilung", "Jugend & Familie")]);
        let both = set(&theirs, "c", &OURS).expect("set");
        assert!(both.contains("Jugend &amp; Familie</vt:lpwstr></property><property fmtid=\"{D5CDD505-2E9C-101B-9397-08002B2CF9AE}\" pid=\"3\" name=\"sozialraum-Art\">"), "{both}");
        let template = new_part(&[("sozialraum-Art", "Meldungsvorlage")]);
        let replaced = set(&template, "c", &OURS).expect("set");
        assert_eq!(replaced, new);
        let number = template.replace("<vt:lpwstr>Meldungsvorlage</vt:lpwstr>", "<vt:i4>3</vt:i4>");
        assert_eq!(set(&number, "c", &OURS).expect("set"), new);
    }
}
