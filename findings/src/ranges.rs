//! AWS's published EC2 address ranges.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect};
use serde::Deserialize;
use zonetrail_model::entity::ip_ranges;
use zonetrail_model::{IpPrefix, IpRangesMessage, Timestamp};

/// The copy shipped in the binary: the EC2 prefixes of `ip-ranges.json` of 2026-08-22.
pub const SHIPPED: &str = include_str!("../data/ip-ranges-ec2.json");

#[derive(Debug, thiserror::Error)]
pub enum RangesError {
    #[error("ip-ranges.json is not valid JSON of the expected shape: {0}")]
    Malformed(String),
    #[error("ip-ranges.json has no EC2 prefix")]
    NoPrefixes,
    #[error("ip-ranges.json has a bad prefix {cidr:?}: {reason}")]
    BadPrefix { cidr: String, reason: String },
}

/// The EC2 prefixes of one `ip-ranges.json` document, ready for lookups.
#[derive(Debug, Clone)]
pub struct IpRanges {
    pub sync_token: String,
    pub create_date: String,
    prefixes: Vec<IpPrefix>,
    /// (prefix length, network) → index in `prefixes`, per family.
    v4: HashMap<(u8, u32), usize>,
    v6: HashMap<(u8, u128), usize>,
    /// The prefix lengths present, longest first.
    v4_lengths: Vec<u8>,
    v6_lengths: Vec<u8>,
}

#[derive(Deserialize)]
struct Doc {
    #[serde(rename = "syncToken")]
    sync_token: String,
    #[serde(rename = "createDate")]
    create_date: String,
    prefixes: Vec<V4Entry>,
    #[serde(default)]
    ipv6_prefixes: Vec<V6Entry>,
}

#[derive(Deserialize)]
struct V4Entry {
    ip_prefix: String,
    region: String,
    service: String,
}

#[derive(Deserialize)]
struct V6Entry {
    ipv6_prefix: String,
    region: String,
    service: String,
}

/// Parse `a.b.c.d/n` or `x::/n` into its network (host bits must be zero) and length.
fn parse_cidr(cidr: &str) -> Result<(IpAddr, u8), RangesError> {
    let bad =
        |reason: &str| RangesError::BadPrefix { cidr: cidr.to_owned(), reason: reason.into() };
    let (addr, len) = cidr.split_once('/').ok_or_else(|| bad("no /length"))?;
    let addr: IpAddr = addr.parse().map_err(|_| bad("not an IP address"))?;
    let len: u8 = len.parse().map_err(|_| bad("the length is not a number"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if len > max {
        return Err(bad("the length is too long for the address family"));
    }
    let host_bits = match addr {
        IpAddr::V4(a) => u32::from(a) & !mask32(len) != 0,
        IpAddr::V6(a) => u128::from(a) & !mask128(len) != 0,
    };
    if host_bits {
        return Err(bad("host bits are set"));
    }
    Ok((addr, len))
}

fn mask32(len: u8) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) }
}

fn mask128(len: u8) -> u128 {
    if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) }
}

impl IpRanges {
    /// The shipped copy.
    pub fn shipped() -> Arc<IpRanges> {
        static SHIPPED_RANGES: std::sync::OnceLock<Arc<IpRanges>> = std::sync::OnceLock::new();
        SHIPPED_RANGES
            .get_or_init(|| Arc::new(IpRanges::parse(SHIPPED).expect("the shipped ranges parse")))
            .clone()
    }

    /// Parse an `ip-ranges.json` document, keeping the `EC2` prefixes (IPv4 and IPv6).
    pub fn parse(json: &str) -> Result<IpRanges, RangesError> {
        let doc: Doc =
            serde_json::from_str(json).map_err(|e| RangesError::Malformed(e.to_string()))?;
        let mut prefixes: Vec<IpPrefix> = doc
            .prefixes
            .into_iter()
            .filter(|p| p.service == "EC2")
            .map(|p| IpPrefix { cidr: p.ip_prefix, region: p.region })
            .collect();
        prefixes.extend(
            doc.ipv6_prefixes
                .into_iter()
                .filter(|p| p.service == "EC2")
                .map(|p| IpPrefix { cidr: p.ipv6_prefix, region: p.region }),
        );
        Self::build(doc.sync_token, doc.create_date, prefixes)
    }

    pub fn from_message(m: &IpRangesMessage) -> Result<IpRanges, RangesError> {
        Self::build(m.sync_token.clone(), m.create_date.clone(), m.prefixes.clone())
    }

    fn build(
        sync_token: String,
        create_date: String,
        prefixes: Vec<IpPrefix>,
    ) -> Result<IpRanges, RangesError> {
        if sync_token.trim().is_empty() {
            return Err(RangesError::Malformed("syncToken is empty".into()));
        }
        if prefixes.is_empty() {
            return Err(RangesError::NoPrefixes);
        }
        let mut v4 = HashMap::new();
        let mut v6 = HashMap::new();
        let mut l4 = BTreeSet::new();
        let mut l6 = BTreeSet::new();
        for (i, p) in prefixes.iter().enumerate() {
            if p.region.trim().is_empty() {
                return Err(RangesError::BadPrefix {
                    cidr: p.cidr.clone(),
                    reason: "no region".into(),
                });
            }
            match parse_cidr(&p.cidr)? {
                (IpAddr::V4(a), len) => {
                    v4.entry((len, u32::from(a))).or_insert(i);
                    l4.insert(len);
                }
                (IpAddr::V6(a), len) => {
                    v6.entry((len, u128::from(a))).or_insert(i);
                    l6.insert(len);
                }
            }
        }
        Ok(IpRanges {
            sync_token,
            create_date,
            prefixes,
            v4,
            v6,
            v4_lengths: l4.into_iter().rev().collect(),
            v6_lengths: l6.into_iter().rev().collect(),
        })
    }

    pub fn to_message(&self, observed_at: Timestamp) -> IpRangesMessage {
        IpRangesMessage {
            sync_token: self.sync_token.clone(),
            create_date: self.create_date.clone(),
            observed_at,
            prefixes: self.prefixes.clone(),
        }
    }

    /// Every prefix kept, in the document's order.
    pub fn prefixes(&self) -> &[IpPrefix] {
        &self.prefixes
    }

    /// The EC2 prefix that holds `ip`, the most specific one when several do.
    pub fn lookup(&self, ip: IpAddr) -> Option<&IpPrefix> {
        let ip = match ip {
            IpAddr::V6(a) => a.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        let i = match ip {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                self.v4_lengths.iter().find_map(|&len| self.v4.get(&(len, a & mask32(len))))
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                self.v6_lengths.iter().find_map(|&len| self.v6.get(&(len, a & mask128(len))))
            }
        }?;
        self.prefixes.get(*i)
    }

    pub fn len(&self) -> usize {
        self.prefixes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The newest stored document (by `sync_token`, numerically: it is a Unix time), if any.
async fn newest_token<C: ConnectionTrait>(db: &C) -> Result<Option<String>, DbErr> {
    let tokens: Vec<String> = ip_ranges::Entity::find()
        .select_only()
        .column(ip_ranges::Column::SyncToken)
        .order_by_desc(ip_ranges::Column::FetchedAt)
        .into_tuple()
        .all(db)
        .await?;
    Ok(tokens.into_iter().max_by_key(|t| (t.parse::<u64>().unwrap_or(0), t.clone())))
}

pub(crate) async fn current<C: ConnectionTrait>(
    cache: &tokio::sync::RwLock<Option<Arc<IpRanges>>>,
    db: &C,
) -> Result<Arc<IpRanges>, DbErr> {
    let token = newest_token(db).await?;
    if let Some(cached) = cache.read().await.as_ref() {
        let matches = match &token {
            Some(t) => *t == cached.sync_token,
            None => Arc::ptr_eq(cached, &IpRanges::shipped()),
        };
        if matches {
            return Ok(cached.clone());
        }
    }
    let ranges = match token {
        None => IpRanges::shipped(),
        Some(t) => {
            let row = ip_ranges::Entity::find_by_id(t.clone()).one(db).await?;
            let parsed = row.and_then(|row| {
                let prefixes: Vec<IpPrefix> = match serde_json::from_str(&row.prefixes) {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::error!(sync_token = %t, reason = %e, "stored ip ranges do not decode; using the shipped copy");
                        return None;
                    }
                };
                match IpRanges::build(row.sync_token, row.create_date, prefixes) {
                    Ok(r) => Some(Arc::new(r)),
                    Err(e) => {
                        tracing::error!(sync_token = %t, reason = %e, "stored ip ranges are bad; using the shipped copy");
                        None
                    }
                }
            });
            parsed.unwrap_or_else(IpRanges::shipped)
        }
    };
    *cache.write().await = Some(ranges.clone());
    Ok(ranges)
}
