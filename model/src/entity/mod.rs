//! sea-orm entities for the tables the `migration` crate creates.
pub mod accounts;
pub mod backfill_progress;
pub mod change_outbox;
pub mod hosted_zones;
pub mod observation_origins;
pub mod record_changes;
pub mod record_observations;
pub mod record_sets;
pub mod record_values;
pub mod sweep_pages;
pub mod sweeps;
pub mod zone_locks;
