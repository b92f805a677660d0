//! A self-contained HTML report: no scripts, no external assets, charts drawn by plotters as
//! inline SVG (latency percentiles, requests and errors per second, virtual users, status
//! codes), and every text that came from the run escaped.

use std::fmt::Write as _;

use plotters::prelude::*;

use crate::report::metric_row::{Column, MetricRow};
use crate::report::summary::bytes;
use crate::results::run_report::{LatencySummary, RequestMetrics, RunReport, ScenarioReport};

const WIDTH: u32 = 880;
const HEIGHT: u32 = 300;

/// Renders `report` as one HTML page.
pub(crate) fn render(report: &RunReport) -> String {
    let mut out = String::new();
    let passed = report.scenarios.iter().all(ScenarioReport::passed);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Load report — {title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 960px; color: #1f2328; padding: 0 1rem; }}
h1 {{ font-size: 1.6rem; }} h2 {{ margin-top: 2.5rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; font-size: .85rem; }}
.scroll {{ overflow-x: auto; }} svg {{ max-width: 100%; height: auto; }}
th, td {{ border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
th {{ background: #f6f8fa; }}
.pass {{ color: #1a7f37; font-weight: bold; }} .fail {{ color: #cf222e; font-weight: bold; }}
.facts {{ color: #57606a; }} figure {{ margin: 1rem 0; }} figcaption {{ font-weight: 600; margin-bottom: .3rem; }}
</style></head><body>
<h1>Load report <span class="{verdict_class}">{verdict}</span></h1>
<p class="facts">{tool} · started {started}</p>
"#,
        title = escape(
            &report
                .scenarios
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        verdict_class = if passed { "pass" } else { "fail" },
        verdict = if passed {
            "✓ passed"
        } else if report.passed() {
            "✗ every request failed"
        } else {
            "✗ thresholds breached"
        },
        tool = escape(&report.tool),
        started = escape(&report.started_at),
    );
    for s in &report.scenarios {
        scenario(&mut out, s);
    }
    out.push_str("</body></html>\n");
    out
}

fn scenario(out: &mut String, s: &ScenarioReport) {
    let _ = writeln!(
        out,
        "<section class=\"scenario\"><h2>Scenario {}</h2>",
        escape(&s.name)
    );
    facts(out, s);
    if !s.thresholds.is_empty() {
        threshold_table(out, s);
    }
    request_table(out, s);
    totals(out, &s.total);
    figure(
        out,
        "Latency percentiles per second (ms)",
        &latency_chart(s),
    );
    figure(out, "Requests and errors per second", &rate_chart(s));
    figure(out, "Virtual users", &vus_chart(s));
    figure(out, "Status codes", &status_chart(&s.total));
    out.push_str("</section>\n");
}

/// The scenario's model, duration, iterations, users and how the run ended.
fn facts(out: &mut String, s: &ScenarioReport) {
    let mut facts = vec![
        escape(&s.model),
        format!("{:.2}s", s.duration_secs),
        format!("{} iterations", s.iterations),
        format!("max {} VUs", s.max_vus),
    ];
    if s.dropped_iterations > 0 {
        facts.push(format!("{} dropped iterations", s.dropped_iterations));
    }
    if let Some(shard) = &s.shard {
        facts.push(format!("shard {}", escape(shard)));
    }
    if s.aborted {
        facts.push("<span class=\"fail\">aborted by a threshold</span>".to_owned());
    }
    let _ = writeln!(out, "<p class=\"facts\">{}</p>", facts.join(" · "));
}

fn threshold_table(out: &mut String, s: &ScenarioReport) {
    out.push_str(
        "<table class=\"thresholds\"><tr><th>threshold</th><th>value</th><th></th></tr>\n",
    );
    for t in &s.thresholds {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
            escape(&t.label()),
            escape(&t.shown),
            if t.passed { "pass" } else { "fail" },
            if t.passed { "✓" } else { "✗" }
        );
    }
    out.push_str("</table>\n");
}

fn request_table(out: &mut String, s: &ScenarioReport) {
    out.push_str("<div class=\"scroll\"><table class=\"requests\"><tr>");
    for column in Column::ALL {
        let _ = write!(out, "<th>{}</th>", column.label());
    }
    out.push_str("</tr>\n");
    for row in MetricRow::table(s) {
        out.push_str("<tr>");
        for column in Column::ALL {
            let _ = write!(out, "<td>{}</td>", escape(row.cell(column)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
}

/// Errors by category, data received and sent, and the checks' pass rate.
fn totals(out: &mut String, t: &RequestMetrics) {
    let errors: Vec<String> = t
        .errors
        .iter()
        .map(|(c, n)| format!("{} {n}", escape(c)))
        .collect();
    let _ = writeln!(
        out,
        "<p>errors: {} · received {} · sent {}{}</p>",
        if errors.is_empty() {
            "none".to_owned()
        } else {
            errors.join(", ")
        },
        bytes(t.bytes_in),
        bytes(t.bytes_out),
        t.check_rate()
            .map(|rate| format!(" · checks {:.2}%", rate * 100.0))
            .unwrap_or_default()
    );
}

fn figure(out: &mut String, caption: &str, svg: &str) {
    let _ = writeln!(
        out,
        "<figure><figcaption>{}</figcaption>\n{svg}</figure>",
        escape(caption)
    );
}

type Series<'a> = (&'a str, RGBColor, Vec<(f64, f64)>);

/// A line chart of several series over seconds.
fn line_chart(series: &[Series<'_>], y_label: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let x_max = series
            .iter()
            .flat_map(|(_, _, p)| p.iter().map(|(x, _)| *x))
            .fold(1.0_f64, f64::max);
        let y_max = series
            .iter()
            .flat_map(|(_, _, p)| p.iter().map(|(_, y)| *y))
            .fold(0.0_f64, f64::max)
            .max(1e-3)
            * 1.1;
        let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        else {
            return svg_placeholder();
        };
        let _ = chart
            .configure_mesh()
            .x_desc("seconds")
            .y_desc(y_label)
            .light_line_style(RGBColor(235, 235, 235))
            .draw();
        for (name, color, points) in series {
            let color = *color;
            if let Ok(drawn) = chart.draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            )) {
                drawn.label(*name).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            }
        }
        let _ = chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw();
        let _ = root.present();
    }
    svg
}

fn svg_placeholder() -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="40"><text x="10" y="25">no data</text></svg>"#
    )
}

fn latency_chart(s: &ScenarioReport) -> String {
    // A second in which no request got a response has no latency: no point, not a 0.
    let pick = |f: fn(&LatencySummary) -> Option<f64>| -> Vec<(f64, f64)> {
        s.series
            .iter()
            .filter_map(|p| Some((p.second as f64, f(&p.latency)?)))
            .collect()
    };
    let series = [
        ("p50", RGBColor(31, 119, 180), pick(|l| l.p50)),
        ("p95", RGBColor(255, 127, 14), pick(|l| l.p95)),
        ("p99", RGBColor(214, 39, 40), pick(|l| l.p99)),
    ];
    if series.iter().all(|(_, _, points)| points.is_empty()) {
        return svg_placeholder();
    }
    line_chart(&series, "ms")
}

fn rate_chart(s: &ScenarioReport) -> String {
    let requests = s
        .series
        .iter()
        .map(|p| (p.second as f64, p.requests as f64))
        .collect();
    let errors = s
        .series
        .iter()
        .map(|p| (p.second as f64, p.errors as f64))
        .collect();
    let dropped: Vec<(f64, f64)> = s
        .series
        .iter()
        .map(|p| (p.second as f64, p.dropped as f64))
        .collect();
    let mut series = vec![
        ("requests/s", RGBColor(31, 119, 180), requests),
        ("errors/s", RGBColor(214, 39, 40), errors),
    ];
    if dropped.iter().any(|(_, d)| *d > 0.0) {
        series.push(("dropped iterations/s", RGBColor(148, 103, 189), dropped));
    }
    line_chart(&series, "per second")
}

fn vus_chart(s: &ScenarioReport) -> String {
    let vus = s
        .series
        .iter()
        .map(|p| (p.second as f64, p.vus as f64))
        .collect();
    line_chart(&[("VUs", RGBColor(44, 160, 44), vus)], "VUs")
}

fn status_chart(total: &RequestMetrics) -> String {
    let mut bars: Vec<(String, u64)> = total
        .statuses
        .iter()
        .map(|(c, n)| (c.to_string(), *n))
        .collect();
    for (category, n) in &total.errors {
        if !matches!(category.as_str(), "4xx" | "5xx" | "failed-check") {
            bars.push((category.clone(), *n));
        }
    }
    if bars.is_empty() {
        return svg_placeholder();
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
        let y_max = bars.iter().map(|(_, n)| *n).max().unwrap_or(1) as f64 * 1.1;
        let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..bars.len() as f64, 0.0..y_max)
        else {
            return svg_placeholder();
        };
        let label_of = labels.clone();
        let _ = chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(bars.len() * 2 + 1)
            .x_label_formatter(&move |x| {
                let i = x.floor() as usize;
                if (x - i as f64 - 0.5).abs() < 0.26 {
                    label_of.get(i).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc("responses")
            .draw();
        let _ = chart.draw_series(bars.iter().enumerate().map(|(i, (label, n))| {
            let color = match label.as_bytes().first() {
                Some(b'2') => RGBColor(44, 160, 44),
                Some(b'3') => RGBColor(31, 119, 180),
                Some(b'4') => RGBColor(255, 127, 14),
                _ => RGBColor(214, 39, 40),
            };
            Rectangle::new(
                [(i as f64 + 0.15, 0.0), (i as f64 + 0.85, *n as f64)],
                color.filled(),
            )
        }));
        let _ = root.present();
    }
    svg
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_names_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script>&"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
    }
}
