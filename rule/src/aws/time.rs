//! Time as the SDK carries it and as the evaluator reads it.

use aws_smithy_types::DateTime;
use neptune_cmk_evaluator::Timestamp;

pub(crate) fn to_date_time(timestamp: Timestamp) -> DateTime {
    DateTime::from_millis(timestamp.epoch_millis())
}

pub(crate) fn from_date_time(date_time: &DateTime) -> Option<Timestamp> {
    date_time.to_millis().ok().map(Timestamp::from_epoch_millis)
}
