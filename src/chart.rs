//! Line charts of segment sizes over time, for `segmint backtest`: an SVG file
//! (`--chart FILE.svg`, self-contained, readable without a browser's help) and
//! a Mermaid `xychart-beta` block (markdown that GitHub draws in a pull-request
//! comment).

use crate::number::thousands;
use std::fmt::Write;

/// One line: a name and one value per x label.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Shown in the legend.
    pub name: String,
    /// One value per label of [`Chart::labels`].
    pub values: Vec<u64>,
}

/// A chart: labels along the x axis, one line per series.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The title above the plot.
    pub title: String,
    /// What the y axis counts (`customers`).
    pub y_label: String,
    /// The x axis labels (dates), left to right.
    pub labels: Vec<String>,
    /// The lines.
    pub lines: Vec<Line>,
}

/// Colours that stay apart for the common kinds of colour blindness (Okabe–Ito,
/// then a few darker tones), cycled when there are more lines.
const PALETTE: [&str; 10] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#8C564B",
    "#7F7F7F", "#BCBD22",
];

const WIDTH: f64 = 960.0;
const PLOT_LEFT: f64 = 80.0;
const PLOT_TOP: f64 = 50.0;
const PLOT_WIDTH: f64 = 620.0;
const PLOT_HEIGHT: f64 = 330.0;
const LEGEND_LEFT: f64 = PLOT_LEFT + PLOT_WIDTH + 30.0;

impl Chart {
    /// The chart as a standalone SVG document.
    pub fn svg(&self) -> String {
        let legend_height = 30.0 + 22.0 * self.lines.len() as f64;
        let height = (PLOT_TOP + PLOT_HEIGHT + 70.0).max(PLOT_TOP + legend_height);
        let top = nice_ceiling(self.max_value());
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" font-size="13">"#
        );
        let _ = writeln!(
            svg,
            r#"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>"#
        );
        let _ = writeln!(
            svg,
            r##"<text x="{PLOT_LEFT}" y="28" font-size="17" font-weight="bold" fill="#222">{}</text>"##,
            escape(&self.title)
        );
        self.y_axis(&mut svg, top);
        self.x_axis(&mut svg);
        for (i, line) in self.lines.iter().enumerate() {
            self.polyline(&mut svg, line, PALETTE[i % PALETTE.len()], top);
        }
        self.legend(&mut svg);
        svg.push_str("</svg>\n");
        svg
    }

    fn max_value(&self) -> u64 {
        self.lines
            .iter()
            .flat_map(|l| l.values.iter().copied())
            .max()
            .unwrap_or(0)
    }

    fn x(&self, i: usize) -> f64 {
        let n = self.labels.len();
        if n <= 1 {
            PLOT_LEFT + PLOT_WIDTH / 2.0
        } else {
            PLOT_LEFT + PLOT_WIDTH * i as f64 / (n - 1) as f64
        }
    }

    fn y(value: u64, top: u64) -> f64 {
        PLOT_TOP + PLOT_HEIGHT - PLOT_HEIGHT * value as f64 / top.max(1) as f64
    }

    fn y_axis(&self, svg: &mut String, top: u64) {
        let steps = 5;
        for step in 0..=steps {
            let value = top * step / steps;
            let y = Chart::y(value, top);
            let _ = writeln!(
                svg,
                r##"<line x1="{PLOT_LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#dddddd"/>"##,
                PLOT_LEFT + PLOT_WIDTH
            );
            let _ = writeln!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#444">{}</text>"##,
                PLOT_LEFT - 8.0,
                y + 4.0,
                thousands(value)
            );
        }
        let middle = PLOT_TOP + PLOT_HEIGHT / 2.0;
        let _ = writeln!(
            svg,
            r##"<text x="18" y="{middle:.1}" text-anchor="middle" fill="#444" transform="rotate(-90 18 {middle:.1})">{}</text>"##,
            escape(&self.y_label)
        );
    }

    fn x_axis(&self, svg: &mut String) {
        let bottom = PLOT_TOP + PLOT_HEIGHT;
        let _ = writeln!(
            svg,
            r##"<line x1="{PLOT_LEFT}" y1="{bottom}" x2="{:.1}" y2="{bottom}" stroke="#444"/>"##,
            PLOT_LEFT + PLOT_WIDTH
        );
        // at most ~12 labels, always the first and the last
        let n = self.labels.len();
        let every = n.div_ceil(12).max(1);
        for (i, label) in self.labels.iter().enumerate() {
            if i % every != 0 && i + 1 != n {
                continue;
            }
            let x = self.x(i);
            let _ = writeln!(
                svg,
                r##"<line x1="{x:.1}" y1="{bottom}" x2="{x:.1}" y2="{:.1}" stroke="#444"/>"##,
                bottom + 5.0
            );
            let _ = writeln!(
                svg,
                r##"<text x="{x:.1}" y="{:.1}" text-anchor="end" fill="#444" transform="rotate(-35 {x:.1} {:.1})">{}</text>"##,
                bottom + 20.0,
                bottom + 20.0,
                escape(label)
            );
        }
    }

    fn polyline(&self, svg: &mut String, line: &Line, colour: &str, top: u64) {
        let points: Vec<String> = line
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", self.x(i), Chart::y(*v, top)))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{}"><title>{}</title></polyline>"#,
            points.join(" "),
            escape(&line.name)
        );
        if line.values.len() <= 60 {
            for (i, v) in line.values.iter().enumerate() {
                let _ = writeln!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"><title>{}: {}</title></circle>"#,
                    self.x(i),
                    Chart::y(*v, top),
                    escape(&line.name),
                    thousands(*v)
                );
            }
        }
    }

    fn legend(&self, svg: &mut String) {
        for (i, line) in self.lines.iter().enumerate() {
            let y = PLOT_TOP + 10.0 + 22.0 * i as f64;
            let colour = PALETTE[i % PALETTE.len()];
            let _ = writeln!(
                svg,
                r#"<rect x="{LEGEND_LEFT}" y="{:.1}" width="18" height="4" fill="{colour}"/>"#,
                y - 4.0
            );
            let _ = writeln!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" fill="#222">{}</text>"##,
                LEGEND_LEFT + 26.0,
                y + 2.0,
                escape(&line.name)
            );
        }
    }

    /// A Mermaid `xychart-beta` block (fenced, for markdown). Mermaid's xychart
    /// has no legend, so the lines' names follow the block, in drawing order.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("```mermaid\nxychart-beta\n");
        let _ = writeln!(out, "    title \"{}\"", mermaid_text(&self.title));
        let labels: Vec<String> = self
            .labels
            .iter()
            .map(|l| format!("\"{}\"", mermaid_text(l)))
            .collect();
        let _ = writeln!(out, "    x-axis [{}]", labels.join(", "));
        let top = nice_ceiling(self.max_value());
        let _ = writeln!(
            out,
            "    y-axis \"{}\" 0 --> {top}",
            mermaid_text(&self.y_label)
        );
        for line in &self.lines {
            let values: Vec<String> = line.values.iter().map(u64::to_string).collect();
            let _ = writeln!(out, "    line [{}]", values.join(", "));
        }
        out.push_str("```\n");
        let names: Vec<String> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{} {}", i + 1, l.name))
            .collect();
        let _ = writeln!(out, "\nLines, in drawing order: {}.", names.join(", "));
        out
    }
}

/// The smallest "round" number (1, 2 or 5 times a power of ten) at or above
/// `value`, at least 1: the top of the y axis.
fn nice_ceiling(value: u64) -> u64 {
    let mut power = 1u64;
    loop {
        for factor in [1, 2, 5] {
            let candidate = power.saturating_mul(factor);
            if candidate >= value || candidate == u64::MAX {
                return candidate.max(1);
            }
        }
        power = power.saturating_mul(10);
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Text inside a Mermaid string: no double quotes, no line breaks.
fn mermaid_text(text: &str) -> String {
    text.replace(['"', '\n', '\r'], "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart {
            title: "Segment sizes <by month>".into(),
            y_label: "customers".into(),
            labels: vec![
                "2026-01-31".into(),
                "2026-02-28".into(),
                "2026-03-31".into(),
            ],
            lines: vec![
                Line {
                    name: "champions".into(),
                    values: vec![10, 40, 25],
                },
                Line {
                    name: "at \"risk\"".into(),
                    values: vec![70, 0, 5],
                },
            ],
        }
    }

    #[test]
    fn the_y_axis_tops_at_a_round_number() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(70), 100);
        assert_eq!(nice_ceiling(101), 200);
        assert_eq!(nice_ceiling(4_100), 5_000);
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn svg_has_a_line_and_a_legend_entry_per_series_and_escapes_names() {
        let svg = chart().svg();
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("&lt;by month&gt;"));
        assert!(svg.contains("at &quot;risk&quot;"));
        assert!(svg.contains(">2026-02-28</text>"));
        // the largest value (70) sits below the top of the axis (100)
        assert!(svg.contains(">100</text>"));
    }

    #[test]
    fn mermaid_block_lists_labels_lines_and_names() {
        let text = chart().mermaid();
        assert!(text.starts_with("```mermaid\nxychart-beta\n"));
        assert!(text.contains("x-axis [\"2026-01-31\", \"2026-02-28\", \"2026-03-31\"]"));
        assert!(text.contains("y-axis \"customers\" 0 --> 100"));
        assert!(text.contains("line [10, 40, 25]"));
        assert!(text.contains("1 champions, 2 at \"risk\""));
    }
}
