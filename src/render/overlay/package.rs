//! The package as the overlay sees it: the zip's parts by name, the
//! relationships of a part, the content types, and paths between parts.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::Event;

use super::xml::{self, attr, escape};
use super::OverlayError;

/// The largest part the overlay reads whole (workbook, styles, comments,
/// drawings; sheets are streamed): the checked file's parts passed the
/// container's limits already; this bounds what the overlay holds in memory
/// at once, so that it never runs the guarded process out of memory (and
/// with it the check's answer). A larger part gets the rebuilt copy.
const MAX_WHOLE_PART: u64 = 64 << 20;

pub struct Package<'a> {
    pub zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Part names in the zip's order.
    pub names: Vec<String>,
    /// Lower-case name → index (part names are case-insensitive in OPC).
    index: HashMap<String, usize>,
}

impl<'a> Package<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Package<'a>, OverlayError> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| OverlayError::Zip(e.to_string()))?;
        let mut names = Vec::with_capacity(zip.len());
        let mut index = HashMap::new();
        for i in 0..zip.len() {
            let name = zip
                .name_for_index(i)
                .and_then(|n| n.ok())
                .map(|n| n.to_string())
                .ok_or_else(|| OverlayError::Zip(format!("Eintrag {i} ohne Namen")))?;
            if index.insert(key(&name), i).is_some() {
                return Err(OverlayError::Zip(format!("{name} doppelt")));
            }
            names.push(name);
        }
        Ok(Package { zip, names, index })
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.index.get(&key(name)).copied()
    }

    pub fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// A part's name as the package spells it, with `/` between folders.
    pub fn canonical(&self, name: &str) -> Option<String> {
        self.find(name).map(|i| canonical(&self.names[i]))
    }

    /// A part's bytes, whole.
    pub fn read_bytes(&mut self, name: &str) -> Result<Vec<u8>, OverlayError> {
        let i = self
            .find(name)
            .ok_or_else(|| OverlayError::Missing(name.to_string()))?;
        let entry = self
            .zip
            .by_index(i)
            .map_err(|e| OverlayError::Zip(format!("{name}: {e}")))?;
        if entry.size() > MAX_WHOLE_PART {
            return Err(OverlayError::Unsupported(format!(
                "{name} ist {} MiB groß",
                entry.size() >> 20
            )));
        }
        let mut out = Vec::with_capacity(entry.size() as usize);
        entry
            .take(MAX_WHOLE_PART + 1)
            .read_to_end(&mut out)
            .map_err(|e| OverlayError::Zip(format!("{name}: {e}")))?;
        if out.len() as u64 > MAX_WHOLE_PART {
            return Err(OverlayError::Unsupported(format!("{name} ist zu groß")));
        }
        Ok(out)
    }

    /// A part's text (UTF-8, a byte-order mark dropped).
    pub fn read_text(&mut self, name: &str) -> Result<String, OverlayError> {
        let bytes = self.read_bytes(name)?;
        let bytes = bytes
            .strip_prefix(b"\xEF\xBB\xBF".as_slice())
            .map(<[u8]>::to_vec)
            .unwrap_or(bytes);
        String::from_utf8(bytes).map_err(|_| OverlayError::Xml {
            part: name.to_string(),
            detail: "kein UTF-8".into(),
        })
    }

    /// A name not in use yet: `dir/stem{n}.ext` with the smallest n ≥ 1,
    /// also avoiding `taken` (names handed out already in this run).
    pub fn free_name(&self, dir: &str, stem: &str, ext: &str, taken: &[String]) -> String {
        (1..)
            .map(|n| format!("{dir}{stem}{n}.{ext}"))
            .find(|c| !self.has(c) && !taken.iter().any(|t| key(t) == key(c)))
            .unwrap_or_default()
    }
}

/// A part name with `/` between folders (some zip tools write `\`).
pub fn canonical(name: &str) -> String {
    name.replace('\\', "/")
}

/// The key a part is found by: part names are case-insensitive in OPC.
pub fn key(name: &str) -> String {
    canonical(name).to_ascii_lowercase()
}

/// The folder of a part, with a trailing slash (`xl/worksheets/`), or "".
pub fn folder(part: &str) -> &str {
    part.rfind('/').map_or("", |i| &part[..=i])
}

/// The `.rels` part of a part: `xl/_rels/workbook.xml.rels`.
pub fn rels_of(part: &str) -> String {
    let dir = folder(part);
    let file = &part[dir.len()..];
    format!("{dir}_rels/{file}.rels")
}

/// A relationship target resolved against its source part (`../x` and
/// `/x` handled); `None` for a target leaving the package.
pub fn resolve(source: &str, target: &str) -> Option<String> {
    let target = target.replace('\\', "/");
    let joined = match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("{}{}", folder(source), target),
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `target` written relative to the folder of `source` (for new relationships).
pub fn relative(source: &str, target: &str) -> String {
    let from: Vec<&str> = folder(source)
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let to: Vec<&str> = target.split('/').collect();
    let common = from
        .iter()
        .zip(&to)
        .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
        .count()
        .min(to.len().saturating_sub(1));
    let mut out: Vec<&str> = vec![".."; from.len() - common];
    out.extend(&to[common..]);
    out.join("/")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rel {
    pub id: String,
    pub kind: String,
    pub target: String,
    pub external: bool,
}

impl Rel {
    /// The relationship type's last segment (`worksheet`, `comments`).
    pub fn short_kind(&self) -> &str {
        self.kind.rsplit('/').next().unwrap_or("")
    }
}

/// The relationships of one part.
#[derive(Debug, Clone, Default)]
pub struct Rels {
    pub items: Vec<Rel>,
}

impl Rels {
    pub fn parse(text: &str, part: &str) -> Result<Rels, OverlayError> {
        let mut reader = quick_xml::Reader::from_str(text);
        let mut items = Vec::new();
        loop {
            match reader.read_event() {
                Ok(Event::Start(e) | Event::Empty(e))
                    if e.local_name().as_ref() == "Relationship" =>
                {
                    items.push(Rel {
                        id: attr(&e, "Id").unwrap_or_default(),
                        kind: attr(&e, "Type").unwrap_or_default(),
                        target: attr(&e, "Target").unwrap_or_default(),
                        external: attr(&e, "TargetMode").is_some_and(|m| m == "External"),
                    });
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => {
                    return Err(OverlayError::Xml {
                        part: part.to_string(),
                        detail: e.to_string(),
                    })
                }
            }
        }
        Ok(Rels { items })
    }

    pub fn by_id(&self, id: &str) -> Option<&Rel> {
        self.items.iter().find(|r| r.id == id)
    }

    pub fn of_kind<'s>(&'s self, short: &'s str) -> impl Iterator<Item = &'s Rel> + 's {
        self.items.iter().filter(move |r| r.short_kind() == short)
    }

    /// An id not in use: `rId{n}` above every numbered one.
    pub fn free_id(&self) -> String {
        let n = self
            .items
            .iter()
            .filter_map(|r| r.id.strip_prefix("rId").and_then(|n| n.parse::<u64>().ok()))
            .max()
            .unwrap_or(0);
        let mut n = n + 1;
        while self.by_id(&format!("rId{n}")).is_some() {
            n += 1;
        }
        format!("rId{n}")
    }

    /// Adds a relationship of `short` kind (transitional) and returns its id.
    pub fn add(&mut self, short: &str, target: String) -> String {
        let id = self.free_id();
        self.items.push(Rel {
            id: id.clone(),
            kind: format!("{}{short}", xml::REL_TYPE),
            target,
            external: false,
        });
        id
    }

    pub fn to_xml(&self) -> String {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        );
        for r in &self.items {
            out.push_str(&format!(
                "<Relationship Id=\"{}\" Type=\"{}\" Target=\"{}\"{}/>",
                escape(&r.id),
                escape(&r.kind),
                escape(&r.target),
                if r.external {
                    " TargetMode=\"External\""
                } else {
                    ""
                }
            ));
        }
        out.push_str("</Relationships>");
        out
    }
}

/// `[Content_Types].xml`: defaults by extension, overrides by part.
#[derive(Debug, Clone, Default)]
pub struct ContentTypes {
    pub defaults: Vec<(String, String)>,
    /// Part name without the leading slash → content type, in the file's order.
    pub overrides: Vec<(String, String)>,
}

pub const CT_WORKSHEET: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
pub const CT_COMMENTS: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml";
pub const CT_VML: &str = "application/vnd.openxmlformats-officedocument.vmlDrawing";
pub const CT_CUSTOM: &str = "application/vnd.openxmlformats-officedocument.custom-properties+xml";
pub const CT_STYLES: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml";
pub const CT_MAIN: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
pub const CT_MACRO_MAIN: &str = "application/vnd.ms-excel.sheet.macroEnabled.main+xml";

impl ContentTypes {
    pub fn parse(text: &str) -> Result<ContentTypes, OverlayError> {
        let part = "[Content_Types].xml";
        let mut reader = quick_xml::Reader::from_str(text);
        let mut ct = ContentTypes::default();
        loop {
            match reader.read_event() {
                Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                    "Default" => ct.defaults.push((
                        attr(&e, "Extension").unwrap_or_default(),
                        attr(&e, "ContentType").unwrap_or_default(),
                    )),
                    "Override" => {
                        let name = attr(&e, "PartName").unwrap_or_default();
                        ct.overrides.push((
                            name.trim_start_matches('/').to_string(),
                            attr(&e, "ContentType").unwrap_or_default(),
                        ));
                    }
                    _ => {}
                },
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => {
                    return Err(OverlayError::Xml {
                        part: part.into(),
                        detail: e.to_string(),
                    })
                }
            }
        }
        Ok(ct)
    }

    /// The content type of a part (its override, else its extension's default).
    pub fn of(&self, part: &str) -> Option<&str> {
        if let Some((_, t)) = self
            .overrides
            .iter()
            .find(|(p, _)| p.eq_ignore_ascii_case(part))
        {
            return Some(t);
        }
        let ext = part.rsplit('.').next()?;
        self.defaults
            .iter()
            .find(|(e, _)| e.eq_ignore_ascii_case(ext))
            .map(|(_, t)| t.as_str())
    }

    pub fn set_override(&mut self, part: &str, content_type: &str) {
        match self
            .overrides
            .iter_mut()
            .find(|(p, _)| p.eq_ignore_ascii_case(part))
        {
            Some(slot) => slot.1 = content_type.to_string(),
            None => self
                .overrides
                .push((part.to_string(), content_type.to_string())),
        }
    }

    pub fn remove_override(&mut self, part: &str) {
        self.overrides
            .retain(|(p, _)| !p.eq_ignore_ascii_case(part));
    }

    pub fn ensure_default(&mut self, ext: &str, content_type: &str) {
        if !self
            .defaults
            .iter()
            .any(|(e, _)| e.eq_ignore_ascii_case(ext))
        {
            self.defaults
                .push((ext.to_string(), content_type.to_string()));
        }
    }

    pub fn to_xml(&self) -> String {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
        );
        for (ext, t) in &self.defaults {
            out.push_str(&format!(
                "<Default Extension=\"{}\" ContentType=\"{}\"/>",
                escape(ext),
                escape(t)
            ));
        }
        for (p, t) in &self.overrides {
            out.push_str(&format!(
                "<Override PartName=\"/{}\" ContentType=\"{}\"/>",
                escape(p),
                escape(t)
            ));
        }
        out.push_str("</Types>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_against_their_source() {
        assert_eq!(
            resolve("xl/workbook.xml", "worksheets/sheet1.xml").as_deref(),
            Some("xl/worksheets/sheet1.xml")
        );
        assert_eq!(
            resolve("xl/worksheets/sheet1.xml", "../comments1.xml").as_deref(),
            Some("xl/comments1.xml")
        );
        assert_eq!(
            resolve("xl/workbook.xml", "/xl/styles.xml").as_deref(),
            Some("xl/styles.xml")
        );
        assert_eq!(resolve("xl/workbook.xml", "../../x.xml"), None);
        assert_eq!(
            rels_of("xl/worksheets/sheet2.xml"),
            "xl/worksheets/_rels/sheet2.xml.rels"
        );
        assert_eq!(
            rels_of("docProps/custom.xml"),
            "docProps/_rels/custom.xml.rels"
        );
        assert_eq!(
            relative("xl/worksheets/sheet1.xml", "xl/comments3.xml"),
            "../comments3.xml"
        );
        assert_eq!(
            relative("xl/workbook.xml", "xl/worksheets/sheet9.xml"),
            "worksheets/sheet9.xml"
        );
        assert_eq!(relative("", "docProps/custom.xml"), "docProps/custom.xml");
        assert_eq!(
            relative("xl/worksheets/sheet1.xml", "xl/drawings/vmlDrawing2.vml"),
            "../drawings/vmlDrawing2.vml"
        );
    }
}
