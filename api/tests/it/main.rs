//! The read API over a real database, on SQLite and on MariaDB: every route, as a client sees it.

#[macro_use]
mod support;

mod accounts;
mod annotations;
mod bad_input;
mod csv_export;
mod filters;
mod findings;
mod history;
mod history_window;
mod openapi;
mod pagination;
mod records;
mod stats;
mod timetravel;
mod timetravel_routes;
mod transport;
