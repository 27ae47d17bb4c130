//! Fetching AWS's `ip-ranges.json` (`ZONETRAIL_IP_RANGES_URL`).

use std::time::Duration;

use zonetrail_findings::IpRanges;

#[derive(Debug, thiserror::Error)]
pub enum IpRangesError {
    #[error("fetching {url}: {reason}")]
    Fetch { url: String, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: {source}")]
    Malformed { url: String, source: zonetrail_findings::RangesError },
}

/// GET `url` (within `timeout`, redirects followed) and parse it with
/// [`IpRanges::parse`]. Any failure is an error: the caller logs it and sends nothing.
pub async fn fetch_ip_ranges(url: &str, timeout: Duration) -> Result<IpRanges, IpRangesError> {
    let fetch = |reason: String| IpRangesError::Fetch { url: url.to_owned(), reason };
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("zonetrail/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| fetch(e.to_string()))?;
    let response = client.get(url).send().await.map_err(|e| fetch(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(IpRangesError::Status { url: url.to_owned(), status: status.as_u16() });
    }
    let body = response.text().await.map_err(|e| fetch(e.to_string()))?;
    IpRanges::parse(&body)
        .map_err(|source| IpRangesError::Malformed { url: url.to_owned(), source })
}
