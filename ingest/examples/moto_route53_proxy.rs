//! Puts the CDATA-unwrapping proxy in front of a moto server, for the local demo:
//! moto wraps Route 53 record values in CDATA, which the AWS SDK for Rust reads as empty
//! strings (real Route 53 never sends CDATA). Point `AWS_ENDPOINT_URL_ROUTE_53` at the
//! address this prints; SQS and the rest talk to moto directly.
//!
//! `cargo run -p zonetrail-ingest --features fake-route53 --example moto_route53_proxy -- http://127.0.0.1:5000`

use zonetrail_ingest::fake_route53::MotoCdataProxy;

#[tokio::main]
async fn main() {
    let Some(upstream) = std::env::args().nth(1) else {
        eprintln!("usage: moto_route53_proxy http://MOTO_HOST:PORT");
        std::process::exit(2);
    };
    let proxy = match MotoCdataProxy::start(&upstream).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start the proxy: {e}");
            std::process::exit(1);
        }
    };
    println!("{}", proxy.endpoint());
    let _ = tokio::signal::ctrl_c().await;
}
