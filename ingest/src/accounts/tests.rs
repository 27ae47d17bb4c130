//! Unit tests of the accounts module.
