//! Charts drawn on the server as inline SVG: no script, nothing fetched, and each chart names
//! itself for screen readers (the page puts the same numbers in a table beside it).

use std::fmt::Write;

/// Width and height of a monthly chart, in SVG user units (it scales to its container).
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 200.0;
/// Room for the axis labels: left for the percentages, bottom for the months.
const LEFT: f64 = 44.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;

/// USWDS colours: primary for the data, base-lighter for the grid, ink for the text.
const INK: &str = "#1b1b1b";
const GRID: &str = "#dfe1e2";
const DATA: &str = "#005ea2";

/// One point of a monthly series: the month's short name, the year when it is shown under the
/// month (the first month and every January), and the rate in percent, `None` when nothing
/// was due and decided that month.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MonthPoint {
    pub(crate) month: String,
    pub(crate) year: Option<i32>,
    pub(crate) rate: Option<f64>,
}

/// Escapes text for an SVG text node or attribute.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The x of the point `i` of `n`, spread across the plot.
fn x_of(i: usize, n: usize) -> f64 {
    let width = WIDTH - LEFT - RIGHT;
    if n <= 1 {
        LEFT + width / 2.0
    } else {
        LEFT + width * i as f64 / (n - 1) as f64
    }
}

/// The y of a rate in percent (clamped to 0..=100): 100% at the top of the plot, 0% at its
/// foot.
fn y_of(rate: f64) -> f64 {
    let height = HEIGHT - TOP - BOTTOM;
    TOP + height * (100.0 - rate.clamp(0.0, 100.0)) / 100.0
}

/// A line chart of a monthly on-time rate. Months without a rate are gaps in the line (never
/// drawn as 0%); a month alone between gaps is a dot. `id` must be unique on the page: the
/// chart's title and description are labelled from it.
pub(crate) fn month_chart(id: &str, title: &str, points: &[MonthPoint]) -> String {
    let id = escape(id);
    let n = points.len();
    let mut svg = String::new();
    let shown = points.iter().filter(|p| p.rate.is_some()).count();
    let desc = if shown == 0 {
        "No month in the period had an obligation met or overdue.".to_owned()
    } else {
        format!(
            "{shown} of {n} months with a rate; months without obligations met or overdue are \
             gaps. The table beside the chart gives every month's figure."
        )
    };
    let _ = write!(
        svg,
        r#"<svg class="rate-chart" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(&desc),
    );
    // Grid lines and their labels at 0, 50 and 100%.
    for pct in [0.0, 50.0, 100.0] {
        let y = y_of(pct);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}" stroke-width="1"/><text x="{}" y="{:.1}" text-anchor="end" font-size="12" fill="{INK}">{pct:.0}%</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
        );
    }
    // Month labels, with the year under the first month and under each January.
    for (i, p) in points.iter().enumerate() {
        let x = x_of(i, n);
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="{INK}">{}</text>"#,
            HEIGHT - BOTTOM + 16.0,
            escape(&p.month),
        );
        if let Some(year) = p.year {
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="{INK}">{year}</text>"#,
                HEIGHT - BOTTOM + 30.0,
            );
        }
    }
    // The line, broken at every month without a rate.
    for run in runs(points) {
        if run.len() == 1 {
            let (i, rate) = run[0];
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{DATA}"/>"#,
                x_of(i, n),
                y_of(rate),
            );
            continue;
        }
        let coords: Vec<String> = run
            .iter()
            .map(|(i, rate)| format!("{:.1},{:.1}", x_of(*i, n), y_of(*rate)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{DATA}" stroke-width="2.5" stroke-linejoin="round"/>"#,
            coords.join(" ")
        );
        for (i, rate) in &run {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{DATA}"/>"#,
                x_of(*i, n),
                y_of(*rate),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The stretches of consecutive months that have a rate: (index, rate) each.
fn runs(points: &[MonthPoint]) -> Vec<Vec<(usize, f64)>> {
    let mut out: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current: Vec<(usize, f64)> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p.rate {
            Some(r) => current.push((i, r)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Width of a rate bar, and its height.
const BAR_WIDTH: f64 = 160.0;
const BAR_HEIGHT: f64 = 14.0;

/// A horizontal bar of an on-time rate, for a table row that states the figure in text (the
/// bar is hidden from screen readers, which read the figure). No rate: an empty track.
pub(crate) fn rate_bar(rate: Option<f64>) -> String {
    let filled = rate.map_or(0.0, |r| BAR_WIDTH * r.clamp(0.0, 100.0) / 100.0);
    let mut svg = format!(
        r#"<svg class="rate-bar" aria-hidden="true" focusable="false" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" viewBox="0 0 {BAR_WIDTH} {BAR_HEIGHT}" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" fill="{GRID}"/>"#
    );
    if rate.is_some() {
        let _ = write!(
            svg,
            r#"<rect x="0" y="0" width="{filled:.1}" height="{BAR_HEIGHT}" fill="{DATA}"/>"#
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(month: &str, rate: Option<f64>) -> MonthPoint {
        MonthPoint {
            month: month.to_owned(),
            year: None,
            rate,
        }
    }

    #[test]
    fn the_scale_puts_100_percent_at_the_top_and_0_at_the_foot() {
        assert_eq!(y_of(100.0), TOP);
        assert_eq!(y_of(0.0), HEIGHT - BOTTOM);
        assert_eq!(y_of(50.0), TOP + (HEIGHT - TOP - BOTTOM) / 2.0);
        // Out of range values stay inside the plot.
        assert_eq!(y_of(140.0), TOP);
        assert_eq!(y_of(-5.0), HEIGHT - BOTTOM);
        assert_eq!(x_of(0, 12), LEFT);
        assert_eq!(x_of(11, 12), WIDTH - RIGHT);
        assert_eq!(x_of(0, 1), LEFT + (WIDTH - LEFT - RIGHT) / 2.0);
    }

    #[test]
    fn a_month_at_0_percent_is_drawn_at_the_foot_and_100_percent_at_the_top() {
        let svg = month_chart(
            "r1",
            "R1",
            &[point("Jan", Some(0.0)), point("Feb", Some(100.0))],
        );
        let foot = format!("{LEFT:.1},{:.1}", HEIGHT - BOTTOM);
        let top = format!("{:.1},{TOP:.1}", WIDTH - RIGHT);
        assert!(svg.contains(&format!(r#"points="{foot} {top}""#)), "{svg}");
    }

    #[test]
    fn months_without_a_rate_are_gaps_not_zero() {
        let points = [
            point("Jan", Some(80.0)),
            point("Feb", Some(60.0)),
            point("Mar", None),
            point("Apr", Some(100.0)),
            point("May", None),
            point("Jun", Some(50.0)),
            point("Jul", Some(25.0)),
        ];
        let svg = month_chart("r2", "R2", &points);
        // Two lines (Jan-Feb, Jun-Jul) and a lone dot for April: the gaps break the line.
        assert_eq!(svg.matches("<polyline").count(), 2, "{svg}");
        assert!(svg.contains(r#"r="3.5""#), "April alone is a dot");
        // Nothing is drawn at 0% for the empty months: the only points at the foot would be
        // a rate of 0, and there is none.
        let foot = format!("{:.1}", HEIGHT - BOTTOM);
        assert!(!svg.contains(&format!(r#"cy="{foot}""#)), "{svg}");
        assert_eq!(
            runs(&points),
            vec![
                vec![(0, 80.0), (1, 60.0)],
                vec![(3, 100.0)],
                vec![(5, 50.0), (6, 25.0)]
            ]
        );
    }

    #[test]
    fn a_chart_without_any_rate_says_so_and_draws_no_line() {
        let svg = month_chart("r3", "R3", &[point("Jan", None), point("Feb", None)]);
        assert!(!svg.contains("<polyline") && !svg.contains("<circle"));
        assert!(svg.contains("No month in the period"));
    }

    #[test]
    fn the_chart_is_an_image_named_by_its_title_and_escaped() {
        let mut first = point("Jan", Some(50.0));
        first.year = Some(2026);
        let svg = month_chart("rule-R5", "R5 <score> & \"shared\"", &[first]);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-labelledby="rule-R5-title rule-R5-desc""#));
        assert!(svg.contains(
            r#"<title id="rule-R5-title">R5 &lt;score&gt; &amp; &quot;shared&quot;</title>"#
        ));
        assert!(svg.contains(">2026</text>"));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn bars_scale_to_the_rate_and_an_empty_one_has_no_fill() {
        let full = rate_bar(Some(100.0));
        assert!(
            full.contains(&format!(r#"width="{BAR_WIDTH:.1}""#)),
            "{full}"
        );
        let quarter = rate_bar(Some(25.0));
        assert!(quarter.contains(r#"width="40.0""#), "{quarter}");
        let zero = rate_bar(Some(0.0));
        assert!(zero.contains(r#"width="0.0""#), "{zero}");
        let none = rate_bar(None);
        assert_eq!(none.matches("<rect").count(), 1, "only the track: {none}");
        assert!(none.contains(r#"aria-hidden="true""#));
    }
}
