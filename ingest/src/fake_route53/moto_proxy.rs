//! A pass-through proxy to moto that rewrites `<![CDATA[...]]>` sections as escaped text.
//!
//! moto wraps every record value in CDATA; the AWS SDK for Rust's XML reader
//! (`aws_smithy_xml::decode::try_data`) skips CDATA, so every value would read as `""`.
//! Real Route 53 escapes text and never sends CDATA. Tests that want moto's Route 53 logic
//! (ordering, zones, VPCs) with real values put this proxy in front of it.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, Response, StatusCode};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::xml::escape;

pub struct MotoCdataProxy {
    endpoint: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for MotoCdataProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl MotoCdataProxy {
    /// Proxy to `upstream` (`http://host:port`) on a free port of 127.0.0.1.
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let upstream = upstream.trim_end_matches('/').trim_start_matches("http://").to_owned();
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let app = Router::new().fallback(move |request: Request<Body>| {
            let upstream = upstream.clone();
            async move {
                forward(&upstream, request).await.unwrap_or_else(|e| {
                    Response::builder()
                        .status(StatusCode::BAD_GATEWAY)
                        .body(Body::from(format!("moto proxy: {e}")))
                        .expect("a valid response")
                })
            }
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { endpoint, server })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

async fn forward(upstream: &str, request: Request<Body>) -> Result<Response<Body>, String> {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 64 << 20).await.map_err(|e| e.to_string())?;
    let target = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {upstream}\r\nconnection: close\r\ncontent-length: {}\r\n",
        parts.method,
        body.len()
    );
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "host" | "connection" | "content-length" | "transfer-encoding")
        {
            head.push_str(&format!("{name}: {}\r\n", value.to_str().map_err(|e| e.to_string())?));
        }
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(upstream).await.map_err(|e| e.to_string())?;
    stream.write_all(head.as_bytes()).await.map_err(|e| e.to_string())?;
    stream.write_all(&body).await.map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.map_err(|e| e.to_string())?;

    let split =
        raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no end of headers from upstream")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut payload = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("bad status line")?;
    let mut response = Response::builder().status(status);
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let (name, value) = (name.trim(), value.trim());
        match name.to_ascii_lowercase().as_str() {
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "content-length" | "connection" => {}
            _ => response = response.header(name, value),
        }
    }
    if chunked {
        payload = dechunk(&payload)?;
    }
    let text = String::from_utf8_lossy(&payload);
    let body = if text.contains("<![CDATA[") { unwrap_cdata(&text).into_bytes() } else { payload };
    response.body(Body::from(body)).map_err(|e| e.to_string())
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let end = data.windows(2).position(|w| w == b"\r\n").ok_or("bad chunk")?;
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|e| e.to_string())?;
        data = &data[end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).ok_or("short chunk")?);
        data = data.get(size + 2..).ok_or("short chunk")?;
    }
}

fn unwrap_cdata(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<![CDATA[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 9..];
        let Some(end) = after.find("]]>") else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&escape(&after[..end]));
        rest = &after[end + 3..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn cdata_becomes_escaped_text() {
        assert_eq!(
            super::unwrap_cdata("<V><![CDATA[a & <b>]]></V><V><![CDATA[x]]></V>"),
            "<V>a &amp; &lt;b&gt;</V><V>x</V>"
        );
    }
}
