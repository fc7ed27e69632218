//! Bar charts drawn on the server as SVG, for the controlling page: grouped
//! bars (horizontal, one band per Sozialraum; or vertical, one group per
//! quarter), a title, a legend, axis labels in the reader's number format
//! (`1,2 Mio. €`, `250.000 €`), and a text alternative (`<title>`, `<desc>`,
//! `role="img"`, `aria-label`) that says the figures in words.
//!
//! Written by hand rather than with `plotters`: its SVG backend measures text
//! only with a font backend (a font file to embed, or guessed widths), has no
//! grouped bars, and writes no `<title>`/`<desc>`/ARIA, so most of a chart
//! would have been ours anyway. Only presentation attributes (`fill`,
//! `stroke`, `font-size`), never `style=`: the portal's CSP forbids inline
//! styles. Same chart in, same bytes out.

use std::fmt::Write;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::i18n::Lang;

/// One series of bars (a legend entry).
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub fill: &'static str,
}

/// A grouped bar chart: `values[group][series]`, in euros.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    /// The figures in words, for screen readers (`<desc>`).
    pub desc: String,
    /// What the groups are (axis title), e.g. `Sozialraum`, `Quartal`.
    pub group_axis: String,
    /// What the values are (axis title), e.g. `Euro`.
    pub value_axis: String,
    pub groups: Vec<String>,
    pub series: Vec<Series>,
    pub values: Vec<Vec<Decimal>>,
    /// Bands down the page (long group names) instead of columns.
    pub horizontal: bool,
}

const WIDTH: f64 = 960.0;
const FONT: &str = "DejaVu Sans, Verdana, Arial, sans-serif";
const TEXT: &str = "#1d2733";
const GRID: &str = "#d5dbe3";

/// Text for XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A guess of a text's width at `size` px: no font is measured on the
/// server, so legends and margins leave room for the widest letters.
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.62
}

/// Whole euros with thousands separators: `1.200.000` / `1,200,000`.
fn grouped(n: i64, lang: Lang) -> String {
    let sep = match lang {
        Lang::De => '.',
        Lang::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    if n < 0 {
        format!("−{out}")
    } else {
        out
    }
}

/// An axis label: `1,2 Mio. €` from a million on, else `250.000 €`
/// (English: `€1.2m`, `€250,000`).
pub fn axis_money(euros: i64, lang: Lang) -> String {
    if euros.unsigned_abs() >= 1_000_000 {
        let m = Decimal::from(euros) / Decimal::from(1_000_000);
        let m = m.round_dp(2).normalize().to_string();
        match lang {
            Lang::De => format!("{} Mio. €", m.replace('.', ",")),
            Lang::En => format!("€{m}m"),
        }
    } else {
        match lang {
            Lang::De => format!("{} €", grouped(euros, lang)),
            Lang::En => format!("€{}", grouped(euros, lang)),
        }
    }
}

/// A money figure to the cent, as the table shows it: `1.234.567,89 €`.
/// (English: `€1,234,567.89`, `-€12.50`).
pub fn money(d: Decimal, lang: Lang) -> String {
    let de = crate::coerce::show_money(d, Lang::De);
    match lang {
        Lang::De => format!("{de} €"),
        Lang::En => {
            let (sign, body) = match de.strip_prefix('-') {
                Some(b) => ("-", b),
                None => ("", de.as_str()),
            };
            let en: String = body
                .chars()
                .map(|c| match c {
                    '.' => ',',
                    ',' => '.',
                    c => c,
                })
                .collect();
            format!("{sign}€{en}")
        }
    }
}

/// Ticks from 0 to at least `max` (whole euros): a step of 1, 2, 2.5 or 5
/// times a power of ten, at most about six ticks.
pub fn ticks(max: Decimal) -> Vec<i64> {
    let max = max.ceil().to_i64().unwrap_or(0).max(1);
    let rough = (max as f64 / 5.0).max(1.0);
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power)
        .max(1.0) as i64;
    let mut out = vec![0];
    while *out.last().unwrap_or(&0) < max {
        let next = out.last().unwrap_or(&0) + step;
        out.push(next);
    }
    out
}

/// A number for an SVG attribute: one decimal place at most, no `-0`.
fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

fn text(s: &mut String, x: f64, y: f64, anchor: &str, size: u32, weight: &str, content: &str) {
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="{anchor}" font-size="{size}""#,
        n(x),
        n(y)
    );
    if !weight.is_empty() {
        let _ = write!(s, r#" font-weight="{weight}""#);
    }
    let _ = write!(s, r#" fill="{TEXT}">{}</text>"#, esc(content));
}

/// The legend, left-aligned under the title, wrapping; returns its height.
fn legend(s: &mut String, series: &[Series], top: f64, left: f64) -> f64 {
    let (mut x, mut y) = (left, top);
    let _ = write!(s, r#"<g class="legend">"#);
    for se in series {
        let w = 18.0 + text_width(&se.label, 13.0) + 22.0;
        if x + w > WIDTH - 16.0 && x > left {
            x = left;
            y += 22.0;
        }
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="14" height="14" fill="{}" stroke="{TEXT}" stroke-width="0.5"/>"#,
            n(x),
            n(y),
            se.fill
        );
        text(s, x + 20.0, y + 12.0, "start", 13, "", &se.label);
        x += w;
    }
    s.push_str("</g>");
    y + 22.0 - top
}

fn open(s: &mut String, c: &BarChart, height: f64) {
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" aria-labelledby="chart-title chart-desc" font-family="{FONT}">"#,
        w = n(WIDTH),
        h = n(height),
        label = esc(&c.title)
    );
    let _ = write!(
        s,
        r#"<title id="chart-title">{}</title><desc id="chart-desc">{}</desc>"#,
        esc(&c.title),
        esc(&c.desc)
    );
    let _ = write!(
        s,
        r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##,
        n(WIDTH),
        n(height)
    );
    text(s, 16.0, 28.0, "start", 18, "bold", &c.title);
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0).max(0.0)
}

/// The chart as an SVG document.
pub fn render(c: &BarChart, lang: Lang) -> String {
    if c.horizontal {
        horizontal(c, lang)
    } else {
        vertical(c, lang)
    }
}

fn max_value(c: &BarChart) -> Decimal {
    c.values.iter().flatten().copied().max().unwrap_or_default()
}

fn bar(s: &mut String, x: f64, y: f64, w: f64, h: f64, fill: &str, tip: &str) {
    let _ = write!(
        s,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"><title>{}</title></rect>"#,
        n(x),
        n(y),
        n(w.max(0.0)),
        n(h.max(0.0)),
        esc(tip)
    );
}

fn horizontal(c: &BarChart, lang: Lang) -> String {
    let mut s = String::new();
    let ticks = ticks(max_value(c));
    let top_value = *ticks.last().unwrap_or(&1) as f64;
    let label_w = c
        .groups
        .iter()
        .map(|g| text_width(g, 13.0))
        .fold(60.0, f64::max)
        .min(240.0);
    let left = 16.0 + label_w + 10.0;
    let right = WIDTH - 48.0;
    let mut legend_s = String::new();
    let legend_h = legend(&mut legend_s, &c.series, 44.0, 16.0);
    let plot_top = 44.0 + legend_h + 30.0;
    let bar_h = 11.0;
    let band = bar_h * c.series.len() as f64 + 14.0;
    let plot_bottom = plot_top + band * c.groups.len().max(1) as f64;
    let height = plot_bottom + 58.0;
    open(&mut s, c, height);
    s.push_str(&legend_s);
    let x_of = |v: f64| left + (right - left) * v / top_value;
    // Grid and tick labels.
    for t in &ticks {
        let x = x_of(*t as f64);
        let _ = write!(
            s,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{GRID}" stroke-width="1"/>"#,
            n(plot_top),
            n(plot_bottom),
            x = n(x)
        );
        text(
            &mut s,
            x,
            plot_bottom + 18.0,
            "middle",
            12,
            "",
            &axis_money(*t, lang),
        );
    }
    text(
        &mut s,
        (left + right) / 2.0,
        plot_bottom + 44.0,
        "middle",
        13,
        "bold",
        &c.value_axis,
    );
    text(
        &mut s,
        16.0,
        plot_top - 4.0,
        "start",
        13,
        "bold",
        &c.group_axis,
    );
    for (gi, g) in c.groups.iter().enumerate() {
        let y0 = plot_top + band * gi as f64 + 7.0;
        text(&mut s, left - 8.0, y0 + band / 2.0 - 3.0, "end", 13, "", g);
        for (si, se) in c.series.iter().enumerate() {
            let v = c.values.get(gi).and_then(|r| r.get(si)).copied();
            let v = v.unwrap_or_default();
            let y = y0 + bar_h * si as f64;
            let tip = format!("{g} – {}: {}", se.label, money(v, lang));
            bar(
                &mut s,
                left,
                y,
                x_of(f(v)) - left,
                bar_h - 1.0,
                se.fill,
                &tip,
            );
        }
    }
    let _ = write!(
        s,
        r#"<line x1="{l}" y1="{}" x2="{l}" y2="{}" stroke="{TEXT}" stroke-width="1"/>"#,
        n(plot_top),
        n(plot_bottom),
        l = n(left)
    );
    s.push_str("</svg>\n");
    s
}

fn vertical(c: &BarChart, lang: Lang) -> String {
    let mut s = String::new();
    let ticks = ticks(max_value(c));
    let top_value = *ticks.last().unwrap_or(&1) as f64;
    let tick_w = ticks
        .iter()
        .map(|t| text_width(&axis_money(*t, lang), 12.0))
        .fold(40.0, f64::max);
    let left = 16.0 + 20.0 + tick_w + 8.0;
    let right = WIDTH - 24.0;
    let mut legend_s = String::new();
    let legend_h = legend(&mut legend_s, &c.series, 44.0, 16.0);
    let plot_top = 44.0 + legend_h + 16.0;
    let plot_bottom = plot_top + 300.0;
    let height = plot_bottom + 60.0;
    open(&mut s, c, height);
    s.push_str(&legend_s);
    let y_of = |v: f64| plot_bottom - (plot_bottom - plot_top) * v / top_value;
    for t in &ticks {
        let y = y_of(*t as f64);
        let _ = write!(
            s,
            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{GRID}" stroke-width="1"/>"#,
            n(left),
            n(right),
            y = n(y)
        );
        text(
            &mut s,
            left - 6.0,
            y + 4.0,
            "end",
            12,
            "",
            &axis_money(*t, lang),
        );
    }
    // The value axis title, turned to run along the axis.
    let _ = write!(
        s,
        r#"<text x="0" y="0" transform="translate(22 {}) rotate(-90)" text-anchor="middle" font-size="13" font-weight="bold" fill="{TEXT}">{}</text>"#,
        n((plot_top + plot_bottom) / 2.0),
        esc(&c.value_axis)
    );
    let groups = c.groups.len().max(1) as f64;
    let slot = (right - left) / groups;
    let bar_w = ((slot - 24.0) / c.series.len().max(1) as f64).min(48.0);
    for (gi, g) in c.groups.iter().enumerate() {
        let center = left + slot * (gi as f64 + 0.5);
        let x0 = center - bar_w * c.series.len() as f64 / 2.0;
        for (si, se) in c.series.iter().enumerate() {
            let v = c.values.get(gi).and_then(|r| r.get(si)).copied();
            let v = v.unwrap_or_default();
            let y = y_of(f(v));
            let tip = format!("{g} – {}: {}", se.label, money(v, lang));
            bar(
                &mut s,
                x0 + bar_w * si as f64,
                y,
                bar_w - 2.0,
                plot_bottom - y,
                se.fill,
                &tip,
            );
        }
        text(&mut s, center, plot_bottom + 20.0, "middle", 13, "", g);
    }
    text(
        &mut s,
        (left + right) / 2.0,
        plot_bottom + 46.0,
        "middle",
        13,
        "bold",
        &c.group_axis,
    );
    let _ = write!(
        s,
        r#"<line x1="{}" y1="{b}" x2="{}" y2="{b}" stroke="{TEXT}" stroke-width="1"/>"#,
        n(left),
        n(right),
        b = n(plot_bottom)
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(horizontal: bool) -> BarChart {
        BarChart {
            title: "Budget & Ist <2026>".into(),
            desc: "Achim: 1.000 €".into(),
            group_axis: "Sozialraum".into(),
            value_axis: "Euro".into(),
            groups: vec!["Achim".into(), "Verden-Süd".into()],
            series: vec![
                Series {
                    label: "Budget anteilig".into(),
                    fill: "#9ec3e6",
                },
                Series {
                    label: "Ist".into(),
                    fill: "#1f5fa8",
                },
            ],
            values: vec![
                vec![Decimal::new(125_000_000, 2), Decimal::new(99_999, 2)],
                vec![Decimal::ZERO, Decimal::new(240_000_000, 2)],
            ],
            horizontal,
        }
    }

    #[test]
    fn axis_labels_are_in_the_readers_number_format() {
        assert_eq!(axis_money(1_200_000, Lang::De), "1,2 Mio. €");
        assert_eq!(axis_money(2_000_000, Lang::De), "2 Mio. €");
        assert_eq!(axis_money(250_000, Lang::De), "250.000 €");
        assert_eq!(axis_money(0, Lang::De), "0 €");
        assert_eq!(axis_money(1_250_000, Lang::En), "€1.25m");
        assert_eq!(axis_money(250_000, Lang::En), "€250,000");
        assert_eq!(
            money(Decimal::new(123_456_789, 2), Lang::De),
            "1.234.567,89 €"
        );
        assert_eq!(
            money(Decimal::new(-123_456_789, 2), Lang::En),
            "-€1,234,567.89"
        );
        assert_eq!(money(Decimal::new(-1250, 2), Lang::De), "-12,50 €");
    }

    #[test]
    fn ticks_are_round_and_reach_the_largest_value() {
        assert_eq!(
            ticks(Decimal::from(2_400_000)),
            [0, 500_000, 1_000_000, 1_500_000, 2_000_000, 2_500_000]
        );
        assert_eq!(ticks(Decimal::from(9)), [0, 2, 4, 6, 8, 10]);
        assert_eq!(ticks(Decimal::ZERO), [0, 1]);
        assert_eq!(ticks(Decimal::new(-5, 0)), [0, 1]);
    }

    #[test]
    fn a_chart_has_its_text_alternative_escaped_and_no_inline_style() {
        for horizontal in [true, false] {
            let svg = render(&chart(horizontal), Lang::De);
            assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
            assert!(svg.contains(r#"role="img""#));
            assert!(svg.contains(r#"aria-label="Budget &amp; Ist &lt;2026&gt;""#));
            assert!(svg.contains("<title id=\"chart-title\">Budget &amp; Ist &lt;2026&gt;</title>"));
            assert!(svg.contains("<desc id=\"chart-desc\">Achim: 1.000 €</desc>"));
            assert!(svg.contains(">2,5 Mio. €</text>"), "{svg}");
            assert!(svg.contains(">Budget anteilig</text>"));
            assert!(svg.contains("Verden-Süd – Ist: 2.400.000,00 €"));
            assert!(!svg.contains("style="));
            assert!(!svg.contains("NaN") && !svg.contains("inf"));
            assert_eq!(svg, render(&chart(horizontal), Lang::De));
        }
    }

    #[test]
    fn an_empty_chart_is_still_a_picture() {
        let mut c = chart(false);
        c.groups.clear();
        c.values.clear();
        let svg = render(&c, Lang::En);
        assert!(svg.ends_with("</svg>\n"));
        assert!(svg.contains(">€0</text>"));
    }
}
