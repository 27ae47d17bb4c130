//! `CheckDNSAvailability` through the AWS SDK. TODO(helper A)
