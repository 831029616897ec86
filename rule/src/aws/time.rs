//! Time as the SDK carries it and as the evaluator reads it, and the clock
//! the shell owns.

use std::time::SystemTime;

use aws_smithy_types::DateTime;
use neptune_cmk_evaluator::Timestamp;

pub(crate) fn to_date_time(timestamp: Timestamp) -> DateTime {
    DateTime::from_millis(timestamp.epoch_millis())
}

pub(crate) fn from_date_time(date_time: &DateTime) -> Option<Timestamp> {
    date_time.to_millis().ok().map(Timestamp::from_epoch_millis)
}

/// Now, by the system clock: when a fact was read (the evaluator has no
/// clock of its own).
pub(crate) fn now() -> Timestamp {
    from_date_time(&DateTime::from(SystemTime::now()))
        .unwrap_or_else(|| Timestamp::from_epoch_millis(0))
}
