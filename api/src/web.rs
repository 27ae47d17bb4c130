//! The built dashboard, served at `/` by the local server (CloudFront serves it in AWS).
//!
//! A path that is not a file gets `index.html`, so the dashboard's client-side routes
//! (deep links such as `/records?zone=Z1`) load on refresh. `/api/...` never reaches this:
//! an unknown API path is a JSON 404.

use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

pub fn dashboard(dir: &Path) -> ServeDir<ServeFile> {
    if !dir.join("index.html").is_file() {
        tracing::warn!(dir = %dir.display(), "no index.html in the dashboard directory: build web/ (npm run build) or set ZONETRAIL_WEB_DIR");
    }
    ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(dir.join("index.html")))
}
