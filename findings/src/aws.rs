//! `CheckDNSAvailability` through the AWS SDK.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_sdk_elasticbeanstalk::Client;
use futures::future::BoxFuture;

use crate::DnsAvailability;

/// Elastic Beanstalk's `CheckDNSAvailability`, with one client per region made from `config`
/// (its credentials and endpoint; the region is the CNAME's).
pub struct SdkDnsAvailability {
    config: aws_config::SdkConfig,
    clients: Mutex<HashMap<String, Client>>,
}

impl SdkDnsAvailability {
    pub fn new(config: aws_config::SdkConfig) -> Self {
        Self { config, clients: Mutex::new(HashMap::new()) }
    }

    fn client(&self, region: &str) -> Client {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients
            .entry(region.to_owned())
            .or_insert_with(|| {
                let conf = aws_sdk_elasticbeanstalk::config::Builder::from(&self.config)
                    .region(aws_config::Region::new(region.to_owned()))
                    .build();
                Client::from_conf(conf)
            })
            .clone()
    }
}

impl DnsAvailability for SdkDnsAvailability {
    fn check<'a>(
        &'a self,
        prefix: &'a str,
        region: &'a str,
    ) -> BoxFuture<'a, Result<bool, String>> {
        Box::pin(async move {
            let out = self
                .client(region)
                .check_dns_availability()
                .cname_prefix(prefix)
                .send()
                .await
                .map_err(|e| {
                    let e = aws_sdk_elasticbeanstalk::error::DisplayErrorContext(e);
                    format!("CheckDNSAvailability failed: {e}")
                })?;
            out.available().ok_or_else(|| "CheckDNSAvailability gave no answer".to_owned())
        })
    }
}
