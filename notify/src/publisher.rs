//! The publisher: the outbox read, filtered, sent and backed off (to be written).
