//! Latency charts drawn on the server as inline SVG: no chart library, no
//! JavaScript. One line per phase (total, discovery, JWKS); failed checks
//! are marked with a cross, and the text summary says the same in words.

use std::fmt::Write as _;

use leptos::prelude::*;

use domain::oidc::LatencyPoint as LatencyView;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 24.0;

/// Reads one phase's time from a point.
type Phase = fn(&LatencyView) -> Option<i64>;

/// The span a chart covers, ending now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Day,
    Week,
}

impl Window {
    pub fn millis(self) -> i64 {
        match self {
            Self::Day => 24 * 3600 * 1000,
            Self::Week => 7 * 24 * 3600 * 1000,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Day => "last 24 hours",
            Self::Week => "last 7 days",
        }
    }

    fn start_label(self) -> &'static str {
        match self {
            Self::Day => "-24h",
            Self::Week => "-7d",
        }
    }
}

/// A round upper bound for the y axis, in ms.
fn ceiling(max: i64) -> i64 {
    let mut step = 10;
    loop {
        for m in [1, 2, 5] {
            if max <= step * m {
                return step * m;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// The chart of `points` within `window` ending at `now` (Unix ms), as an
/// SVG element. Points outside the window are left out.
pub fn latency_svg(points: &[LatencyView], window: Window, now: i64) -> String {
    let start = now - window.millis();
    let shown: Vec<&LatencyView> = points
        .iter()
        .filter(|p| p.at >= start && p.at <= now)
        .collect();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"latency-chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         role=\"img\" aria-label=\"Check latency, {label}\"><title>Check latency, {label}</title>",
        label = window.label()
    );
    let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let _ = write!(
        svg,
        "<rect class=\"frame\" x=\"{LEFT}\" y=\"{TOP}\" width=\"{plot_w}\" height=\"{plot_h}\"/>"
    );
    let bottom = TOP + plot_h;
    let _ = write!(
        svg,
        "<text class=\"axis\" x=\"{LEFT}\" y=\"{}\">{}</text>\
         <text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">now</text>",
        HEIGHT - 6.0,
        window.start_label(),
        WIDTH - RIGHT,
        HEIGHT - 6.0
    );
    if shown.is_empty() {
        let _ = write!(
            svg,
            "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">no checks in the {}</text></svg>",
            LEFT + plot_w / 2.0,
            TOP + plot_h / 2.0,
            window.label()
        );
        return svg;
    }
    let top = ceiling(shown.iter().map(|p| p.total_ms).max().unwrap_or(0).max(1));
    #[allow(clippy::cast_precision_loss)]
    let x = |at: i64| LEFT + (at - start) as f64 / window.millis() as f64 * plot_w;
    #[allow(clippy::cast_precision_loss)]
    let y = |ms: i64| bottom - ms.clamp(0, top) as f64 / top as f64 * plot_h;
    let _ = write!(
        svg,
        "<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{top} ms</text>\
         <text class=\"axis\" x=\"{}\" y=\"{bottom}\" text-anchor=\"end\">0</text>",
        LEFT - 4.0,
        TOP + 10.0,
        LEFT - 4.0
    );
    let series: [(&str, Phase); 3] = [
        ("total", |p| Some(p.total_ms)),
        ("discovery", |p| p.discovery_ms),
        ("jwks", |p| p.jwks_ms),
    ];
    for (name, value) in series {
        let coords: Vec<String> = shown
            .iter()
            .filter_map(|p| value(p).map(|ms| format!("{:.1},{:.1}", x(p.at), y(ms))))
            .collect();
        if !coords.is_empty() {
            let _ = write!(
                svg,
                "<polyline class=\"line line-{name}\" fill=\"none\" points=\"{}\"/>",
                coords.join(" ")
            );
        }
    }
    for p in shown.iter().filter(|p| !p.ok) {
        let (cx, cy) = (x(p.at), y(p.total_ms));
        let _ = write!(
            svg,
            "<path class=\"failed\" d=\"M{:.1} {:.1}l6 6m0 -6l-6 6\"/>",
            cx - 3.0,
            cy - 3.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A chart with its legend and a one-line summary in words.
#[component]
pub fn LatencyChart(points: Vec<LatencyView>, window: Window, now: i64) -> impl IntoView {
    let svg = latency_svg(&points, window, now);
    let start = now - window.millis();
    let shown: Vec<&LatencyView> = points
        .iter()
        .filter(|p| p.at >= start && p.at <= now)
        .collect();
    let summary = if shown.is_empty() {
        format!("No checks in the {}.", window.label())
    } else {
        let mut totals: Vec<i64> = shown.iter().map(|p| p.total_ms).collect();
        totals.sort_unstable();
        let failed = shown.iter().filter(|p| !p.ok).count();
        format!(
            "{} checks, median {} ms, slowest {} ms, {failed} failed.",
            totals.len(),
            totals[totals.len() / 2],
            totals[totals.len() - 1]
        )
    };
    view! {
        <figure class="chart">
            <figcaption>{format!("Latency, {}", window.label())}</figcaption>
            <div inner_html=svg></div>
            <p class="legend">
                <span class="key key-total">"total"</span>
                <span class="key key-discovery">"discovery"</span>
                <span class="key key-jwks">"JWKS"</span>
                <span class="key key-failed">"✗ failed check"</span>
            </p>
            <p class="muted">{summary}</p>
        </figure>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn point(ago_ms: i64, total: i64, ok: bool) -> LatencyView {
        LatencyView {
            at: NOW - ago_ms,
            ok,
            discovery_ms: Some(total / 2),
            jwks_ms: None,
            total_ms: total,
        }
    }

    #[test]
    fn the_chart_draws_each_phase_within_the_window_and_marks_failures() {
        let hour = 3600 * 1000;
        let points = [
            point(2 * 24 * hour, 900, true),
            point(3 * hour, 120, true),
            point(hour, 80, false),
        ];
        let day = latency_svg(&points, Window::Day, NOW);
        assert!(day.starts_with("<svg") && day.ends_with("</svg>"), "{day}");
        assert!(day.contains("aria-label=\"Check latency, last 24 hours\""));
        let total = day
            .split("line-total\" fill=\"none\" points=\"")
            .nth(1)
            .unwrap();
        let total = total.split('"').next().unwrap();
        assert_eq!(
            total.split(' ').count(),
            2,
            "only the two points of the last day: {total}"
        );
        assert!(day.contains("line-discovery"), "{day}");
        assert!(!day.contains("line-jwks"), "no JWKS timings, no line");
        assert_eq!(day.matches("class=\"failed\"").count(), 1);
        assert!(
            day.contains(">200 ms<"),
            "the y axis rounds 120 ms up: {day}"
        );
        let week = latency_svg(&points, Window::Week, NOW);
        assert!(week.contains(">1000 ms<"), "{week}");
        // The newest point sits left of the right edge, the oldest right of the left one.
        let coords: Vec<f64> = total
            .split(' ')
            .map(|c| c.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert!(
            coords.iter().all(|x| (LEFT..=WIDTH - RIGHT).contains(x)),
            "{coords:?}"
        );
    }

    #[test]
    fn an_empty_window_says_so() {
        let svg = latency_svg(&[point(8 * 24 * 3600 * 1000, 50, true)], Window::Week, NOW);
        assert!(svg.contains("no checks in the last 7 days"), "{svg}");
        assert!(!svg.contains("polyline"));
    }
}
