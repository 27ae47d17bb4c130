//! Every filter of `/api/records` finds exactly the records a user expects.

use crate::support::*;

async fn labels(app: &TestApp, query: &str) -> Vec<&'static str> {
    let (items, _) = app.walk(&format!("/api/records?{query}")).await;
    app.labels_of(&items)
}

backend_test! {
    async fn zone_and_type(backend) {
        let app = app(backend).await;
        assert_eq!(labels(&app, &format!("zone={Z1}&type=A")).await, sorted(&["www_blue", "www_green", "api", "wild_prod", "db_prod", "cdn"]));
        assert_eq!(labels(&app, &format!("zone=/hostedzone/{Z2}&type=CNAME")).await, sorted(&["app_internal"]));
        assert_eq!(labels(&app, "type=MX").await, sorted(&["mx"]));
        assert_eq!(labels(&app, &format!("zone={Z2}")).await, sorted(&["app_internal", "db_internal", "lb_internal", "geo_internal"]));
        assert!(labels(&app, "zone=ZNOSUCHZONE").await.is_empty());
    }
}

backend_test! {
    async fn name_substring(backend) {
        let app = app(backend).await;
        assert_eq!(labels(&app, "q=prod").await, sorted(&["wild_prod", "db_prod"]));
        assert_eq!(labels(&app, "q=PROD.Example").await, sorted(&["wild_prod", "db_prod"]));
        // `_` and `%` are literal, not LIKE wildcards.
        assert_eq!(labels(&app, "q=_acme").await, sorted(&["acme"]));
        assert!(labels(&app, "q=%25").await.is_empty());
        assert_eq!(labels(&app, &format!("q=internal&zone={Z2}&type=A")).await, sorted(&["db_internal", "lb_internal", "geo_internal"]));
        assert_eq!(labels(&app, "q=*.prod").await, sorted(&["wild_prod"]));
    }
}

backend_test! {
    async fn name_exact_prefix_and_suffix(backend) {
        let app = app(backend).await;
        assert_eq!(labels(&app, "name=API.example.com").await, sorted(&["api"]));
        assert_eq!(labels(&app, "name=ww*").await, sorted(&["www_blue", "www_green"]));
        // Below prod.example.com: the wildcard record and db, through the reversed-name index.
        assert_eq!(labels(&app, "name=*.prod.example.com").await, sorted(&["wild_prod", "db_prod"]));
        assert_eq!(labels(&app, "name=*.example.com&type=A").await, sorted(&["www_blue", "www_green", "api", "wild_prod", "db_prod", "cdn"]));
        assert_eq!(labels(&app, "name=*.internal.example").await, sorted(&["app_internal", "db_internal", "lb_internal", "geo_internal"]));
        // The literal wildcard name, escaped as Route 53 writes it.
        assert_eq!(labels(&app, "name=%5C052.prod.example.com").await, sorted(&["wild_prod"]));
    }
}

backend_test! {
    async fn what_points_at_an_address_or_host(backend) {
        let app = app(backend).await;
        assert_eq!(labels(&app, "value=192.0.2.10").await, sorted(&["www_blue", "db_prod", "db_internal"]));
        assert_eq!(labels(&app, &format!("value=192.0.2.10&zone={Z1}")).await, sorted(&["www_blue", "db_prod"]));
        // An alias target and a CNAME to the same host, any case, trailing dot or not.
        assert_eq!(labels(&app, "value=D123.cloudfront.NET.").await, sorted(&["cdn", "app_internal"]));
        assert_eq!(labels(&app, "value=dualstack.my-lb.eu-west-1.elb.amazonaws.com").await, sorted(&["lb_internal"]));
        // MX: the exchange host.
        assert_eq!(labels(&app, "value=mail.example.com").await, sorted(&["mx"]));
        assert!(labels(&app, "value=203.0.113.1").await.is_empty());
    }
}

backend_test! {
    async fn deleted_records_only_on_request(backend) {
        let app = app(backend).await;
        assert!(labels(&app, "name=old.example.com").await.is_empty());
        assert_eq!(labels(&app, "name=old.example.com&include_deleted=true").await, sorted(&["old"]));
        assert!(labels(&app, "value=192.0.2.99").await.is_empty());
        assert_eq!(labels(&app, "value=192.0.2.99&include_deleted=true").await, sorted(&["old"]));
        let mut all = LIVE.to_vec();
        all.extend(TOMBSTONES);
        assert_eq!(labels(&app, "include_deleted=true").await, sorted(&all));
        let gone = app.ok("/api/records?q=gone&include_deleted=true").await;
        assert!(gone["items"][0]["deleted_at"].is_string());
    }
}

backend_test! {
    async fn empty_parameters_mean_no_filter_and_non_names_match_nothing(backend) {
        let app = app(backend).await;
        assert_eq!(labels(&app, "zone=&type=&name=&q=&value=&cursor=").await, sorted(LIVE));
        for query in ["name=a..b", "name=*.a..b", "value=%22%22", "name=%2E"] {
            let page = app.ok(&format!("/api/records?{query}")).await;
            assert_eq!(page, serde_json::json!({"items": [], "next_cursor": null}), "{query}");
        }
    }
}
