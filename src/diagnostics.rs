//! Rendering diagnostics with miette: colour only when asked, a fixed width for snapshots.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

/// Width used when rendering diagnostics.
pub const WIDTH: usize = 100;

/// Renders a diagnostic with or without colour.
#[must_use]
pub fn diagnostic(error: &dyn Diagnostic, color: bool) -> String {
    render(error, color, true)
}

/// As [`diagnostic`], without wrapping: for errors that suggest commands to paste and name paths
/// and URLs, which a line break would cut (migrations: `backendctl migrate -D … resolve 3 …`).
#[must_use]
pub fn diagnostic_unwrapped(error: &dyn Diagnostic, color: bool) -> String {
    render(error, color, false)
}

fn render(error: &dyn Diagnostic, color: bool, wrap: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_wrap_lines(wrap)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, error).is_err() {
        out = error.to_string();
    }
    out
}

/// Renders a diagnostic without colour and without wrapping (for apply logs, where paths and
/// log lines must stay whole).
#[must_use]
pub fn diagnostic_plain(error: &dyn Diagnostic) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(WIDTH)
        .with_wrap_lines(false)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, error).is_err() {
        out = error.to_string();
    }
    out
}
