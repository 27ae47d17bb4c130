//! `/api/openapi.json`: an OpenAPI 3.1 document of every route, parameter and error.

use crate::support::*;

backend_test! {
    async fn openapi_documents_every_route(backend) {
        let app = app(backend).await;
        let doc = app.ok("/api/openapi.json").await;
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/healthz", "/api/stats", "/api/zones", "/api/records", "/api/records/{id}", "/api/records/{id}/history", "/api/changes",
            "/api/records.csv", "/api/openapi.json",
        ] {
            assert!(paths[path]["get"].is_object(), "{path} is documented");
        }
        let params: Vec<&str> = paths["/api/records"]["get"]["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        for p in ["zone", "type", "name", "q", "value", "include_deleted", "cursor", "limit"] {
            assert!(params.contains(&p), "/api/records documents {p}: {params:?}");
        }
        let types = &paths["/api/records"]["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "type").unwrap()["schema"]["enum"];
        assert!(types.as_array().unwrap().iter().any(|t| t == "AAAA"));
        assert_eq!(paths["/api/records"]["get"]["responses"]["400"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody");
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for schema in ["ErrorBody", "RecordView", "RecordList", "ChangeView", "FeedItem", "Stats", "ZoneList"] {
            assert!(schemas.contains_key(schema), "schema {schema}");
        }
    }
}
