//! A configuration change: one item (fetched from Config's history when it
//! was too large for the event) judged into one evaluation.

use aws_sdk_config::types::ResourceType;
use neptune_cmk_evaluator::{
    assess, screen, ConfigurationItem, Evaluation, ItemHeader, ItemStatus, RuleParameters,
    KMS_KEY_TYPE,
};

use crate::aws::{failed, from_date_time, to_date_time};
use crate::fact_cache::FactCache;
use crate::{Clients, Deadline, Error};

/// The verdict on one changed item, and what reaching it cost.
#[derive(Debug)]
pub(crate) struct JudgedItem {
    pub(crate) evaluation: Evaluation,
    /// DescribeKey calls made for it.
    pub(crate) describe_key_calls: usize,
}

/// What an oversized notification comes to before judging.
#[derive(Debug)]
pub(crate) enum Oversized {
    /// The item, fetched from Config's history, to be judged as a change.
    Fetched(ConfigurationItem),
    /// The summary alone decides: NOT_APPLICABLE.
    Decided(Evaluation),
}

/// The verdict on a changed Neptune item, and the DescribeKey calls it took.
pub(crate) async fn judge_item(
    clients: &Clients,
    item: &ConfigurationItem,
    event_left_scope: bool,
    parameters: &RuleParameters,
    deadline: Deadline,
) -> Result<JudgedItem, Error> {
    let mut cache = FactCache::new(deadline);
    let judgement = cache
        .judge(clients, assess(item, event_left_scope)?, parameters)
        .await?;
    Ok(JudgedItem {
        evaluation: judgement.evaluation,
        describe_key_calls: cache.describe_key_calls(),
    })
}

/// The item an oversized notification summarizes, fetched from Config's
/// history — or, when the summary alone decides (another type, deleted,
/// left scope), that NOT_APPLICABLE. KMS key items are always fetched: they
/// re-judge the key's resources.
pub(crate) async fn oversized_item(
    clients: &Clients,
    summary: &ItemHeader,
    event_left_scope: bool,
    deadline: Deadline,
) -> Result<Oversized, Error> {
    if summary.resource_type != KMS_KEY_TYPE {
        if let Err(not_applicable) = screen(summary, event_left_scope) {
            return Ok(Oversized::Decided(not_applicable));
        }
    }
    fetch_item(clients, summary, deadline)
        .await
        .map(Oversized::Fetched)
}

/// GetResourceConfigHistory for the item an oversized notification names:
/// the newest item captured at or before the notification's capture time.
async fn fetch_item(
    clients: &Clients,
    summary: &ItemHeader,
    deadline: Deadline,
) -> Result<ConfigurationItem, Error> {
    let target = format!("{} {}", summary.resource_type, summary.resource_id);
    let call = clients
        .config
        .get_resource_config_history()
        .resource_type(ResourceType::from(summary.resource_type.as_str()))
        .resource_id(&summary.resource_id)
        .later_time(to_date_time(summary.capture_time))
        .limit(1)
        .send();
    let output = deadline
        .bound("fetching an oversized item", call)
        .await?
        .map_err(|error| failed("config:GetResourceConfigHistory", &target, &error))?;
    let unexpected = |what: &str| Error::UnexpectedResponse {
        operation: "config:GetResourceConfigHistory",
        target: target.clone(),
        what: what.to_owned(),
    };
    let item = output.configuration_items().first().ok_or_else(|| {
        unexpected("no configuration item at or before the notification's capture time")
    })?;
    let capture_time = item
        .configuration_item_capture_time()
        .and_then(from_date_time)
        .ok_or_else(|| unexpected("an item without configurationItemCaptureTime"))?;
    let status = item
        .configuration_item_status()
        .ok_or_else(|| unexpected("an item without configurationItemStatus"))?;
    let header = ItemHeader {
        resource_type: item
            .resource_type()
            .map_or(summary.resource_type.clone(), |t| t.as_str().to_owned()),
        resource_id: item
            .resource_id()
            .unwrap_or(&summary.resource_id)
            .to_owned(),
        resource_name: item.resource_name().map(str::to_owned),
        arn: item.arn().map(str::to_owned),
        account_id: item.account_id().unwrap_or(&summary.account_id).to_owned(),
        region: item
            .aws_region()
            .map(str::to_owned)
            .or_else(|| summary.region.clone()),
        capture_time,
        status: ItemStatus::parse(
            status.as_str(),
            "GetResourceConfigHistory configurationItemStatus",
        )?,
    };
    Ok(ConfigurationItem::from_parts(
        header,
        item.configuration().map(str::to_owned),
    ))
}
