//! The AWS sink: EventBridge `PutEvents` on the `zonetrail` bus (to be written).
