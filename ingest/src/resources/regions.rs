//! Which regions the resource sweep reads: `ZONETRAIL_REGIONS`, else the account's enabled
//! regions (`ec2:DescribeRegions`).

/// The regions AWS has: the findings' list. `ZONETRAIL_REGIONS` must name regions of it, so
/// that a typo is a configuration error rather than a listing that fails every hour. A region
/// that `ec2:DescribeRegions` answers is used whether it is here or not.
pub use zonetrail_findings::targets::REGIONS as KNOWN_REGIONS;

/// Whether `region` is one AWS has.
pub use zonetrail_findings::targets::is_known_region;

/// `ZONETRAIL_REGIONS`: a comma-separated list of region names, each one AWS has; duplicates
/// are dropped and the order kept. An empty list (only commas and blanks) is an error too.
pub fn parse_regions(raw: &str) -> Result<Vec<String>, String> {
    let mut regions: Vec<String> = Vec::new();
    for part in raw.split(',') {
        let region = part.trim().to_ascii_lowercase();
        if region.is_empty() {
            continue;
        }
        if !is_known_region(&region) {
            return Err(format!(
                "{region:?} is not an AWS region (expected names like us-east-1, eu-west-1)"
            ));
        }
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    if regions.is_empty() {
        return Err("expected at least one region, e.g. us-east-1,eu-west-1".into());
    }
    Ok(regions)
}

/// Whether a region of `ec2:DescribeRegions` is enabled for the account.
pub(super) fn enabled(opt_in_status: Option<&str>) -> bool {
    matches!(opt_in_status, None | Some("opt-in-not-required") | Some("opted-in"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_trimmed_lowered_and_deduplicated() {
        assert_eq!(
            parse_regions(" us-east-1, EU-west-1,,us-east-1 ").unwrap(),
            vec!["us-east-1".to_owned(), "eu-west-1".to_owned()]
        );
    }

    #[test]
    fn an_unknown_region_is_named() {
        let err = parse_regions("us-east-1,us-east-7").unwrap_err();
        assert!(err.contains("us-east-7"), "{err}");
        assert!(parse_regions(" , ").is_err());
    }

    #[test]
    fn opted_out_regions_are_not_enabled() {
        assert!(enabled(Some("opt-in-not-required")));
        assert!(enabled(Some("opted-in")));
        assert!(!enabled(Some("not-opted-in")));
    }
}
