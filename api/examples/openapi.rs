//! Print the read API's OpenAPI document (what `/api/openapi.json` serves), without a server
//! or a database. web/scripts/gen-api-types.sh writes it to web/src/lib/openapi.json and
//! generates the dashboard's types from it.
//!
//!     cargo run -q -p zonetrail-api --example openapi > web/src/lib/openapi.json

fn main() {
    println!("{}", api::openapi::document());
}
