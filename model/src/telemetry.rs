//! Logging set-up shared by the binaries: JSON on Lambda (CloudWatch parses it), human-readable
//! on a terminal.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

pub fn init_lambda_tracing() {
    init(true);
}

/// `json`: one JSON object a line; otherwise human-readable. `RUST_LOG` filters (default `info`).
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour only on a terminal: log files and CI output stay plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = if json {
        builder.json().flatten_event(true).with_current_span(true).without_time().try_init()
    } else {
        builder.try_init()
    };
}
