//! zonetrail's schema. Laid out as `sea-orm-cli migrate init` makes it: this file lists the
//! migrations, `main.rs` is the sea-orm migration CLI, and each migration is its own module.
//! Migrations are append-only once released: change the schema with a new migration.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261122_000001_create_inventory;
mod m20261122_000003_writer_observations;
mod m20261122_000004_api_indexes;
mod m20261122_000005_drop_zone_observed_index;
mod m20261201_000006_implicit_observations;
mod m20261202_000007_observations_as_rows;
mod m20261202_000008_accounts;
mod m20261203_000009_backfill;
mod m20261203_000010_time_travel_indexes;
mod m20261203_000011_change_outbox;
mod m20261203_000012_findings;
mod m20261204_000013_annotations;
pub mod observation_blob;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_inventory::Migration),
            Box::new(m20261122_000003_writer_observations::Migration),
            Box::new(m20261122_000004_api_indexes::Migration),
            Box::new(m20261122_000005_drop_zone_observed_index::Migration),
            Box::new(m20261201_000006_implicit_observations::Migration),
            Box::new(m20261202_000007_observations_as_rows::Migration),
            Box::new(m20261202_000008_accounts::Migration),
            Box::new(m20261203_000009_backfill::Migration),
            Box::new(m20261203_000010_time_travel_indexes::Migration),
            Box::new(m20261203_000011_change_outbox::Migration),
            Box::new(m20261203_000012_findings::Migration),
            Box::new(m20261204_000013_annotations::Migration),
        ]
    }
}
