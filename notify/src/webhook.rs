//! The local sink: an HTTP POST of each event to a webhook (to be written).
