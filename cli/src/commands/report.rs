//! `neptune-cmk report --aggregator NAME`: the rule's own results, read
//! from a Config aggregator for every account and region it covers, printed
//! in the same formats as `audit`. It needs Config read access in the
//! aggregator's account only, never in member accounts.
//!
//! DescribeAggregateComplianceByConfigRules lists every (rule, account,
//! region) that has results; the rule is found there by name, also as an
//! organization rule (`OrgConfigRule-<name>-<suffix>`) or a conformance-pack
//! rule (`<name>-conformance-pack-<suffix>`). Each of those is then read
//! with GetAggregateComplianceDetailsByConfigRule, page by page.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use aws_sdk_config::types::AggregateEvaluationResult;
use neptune_cmk_evaluator::{partition_of, Compliance, Reason};
use neptune_cmk_rule::aws::failed;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::args::ReportArgs;
use crate::error::Error;
use crate::progress::progress_bar;
use crate::rows::{Account, Report, Row, RowVerdict};
use crate::scan::join_rows;
use crate::status::Status;
use crate::{org, output, sdk};

/// GetAggregateComplianceDetailsByConfigRule's page size limit.
const PAGE: i32 = 100;

/// One rule's results in one account and region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Source {
    rule: String,
    account_id: String,
    region: String,
}

/// Runs `report`.
pub async fn run(args: &ReportArgs) -> Result<Status, Error> {
    let config = sdk::for_flags(&args.aws).await?;
    sdk::region_of(&config)?;
    let caller_arn = sdk::caller(&config).await?.arn;
    let client = aws_sdk_config::Client::new(&config);
    let sources = sources(&client, &args.aggregator, &args.rule_name).await?;
    let read = Arc::new(Read {
        client,
        aggregator: args.aggregator.clone(),
        names: account_names(&config).await,
        limit: Semaphore::new(usize::from(args.concurrency)),
        progress: progress_bar("reading account regions"),
    });
    read.progress.inc_length(sources.len() as u64);
    let mut tasks = JoinSet::new();
    for source in sources {
        tasks.spawn(read_source(Arc::clone(&read), source));
    }
    let rows = join_rows(tasks, "a read").await;
    read.progress.finish_and_clear();
    let title = format!("neptune-cmk report --aggregator {}", args.aggregator);
    let partition = partition_of(Some(&caller_arn), None);
    let report = Report::new(title, &args.rule_name, partition, rows);
    output::deliver(&report, args.format, args.output.as_deref())
}

/// What every source's read shares.
struct Read {
    client: aws_sdk_config::Client,
    aggregator: String,
    names: HashMap<String, String>,
    limit: Semaphore,
    progress: indicatif::ProgressBar,
}

/// One source's rows, or one error row saying why not.
async fn read_source(read: Arc<Read>, source: Source) -> Vec<Row> {
    // Never closed, so acquiring cannot fail.
    let _permit = read.limit.acquire().await.ok();
    let account = Account {
        name: read.names.get(&source.account_id).cloned(),
        id: source.account_id.clone(),
    };
    let rows = match results(&read.client, &read.aggregator, &source).await {
        Ok(results) => results
            .iter()
            .filter_map(|result| row(&account, &source, result))
            .collect(),
        Err(error) => vec![Row::error(
            &account,
            Some(&source.region),
            error.to_string(),
        )],
    };
    read.progress.inc(1);
    rows
}

/// Whether a Config rule name is `rule_name` as deployed: itself, the
/// organization rule `OrgConfigRule-<name>-<suffix>`, or the conformance-pack
/// rule `<name>-conformance-pack-<suffix>` (suffixes have no hyphen).
pub fn is_deployed_name(config_name: &str, rule_name: &str) -> bool {
    let suffix_only = |rest: &str| !rest.is_empty() && !rest.contains('-');
    config_name == rule_name
        || config_name
            .strip_prefix("OrgConfigRule-")
            .and_then(|rest| rest.strip_prefix(rule_name))
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(suffix_only)
        || config_name
            .strip_prefix(rule_name)
            .and_then(|rest| rest.strip_prefix("-conformance-pack-"))
            .is_some_and(suffix_only)
}

/// Every (rule, account, region) of the aggregator with results of the rule.
async fn sources(
    client: &aws_sdk_config::Client,
    aggregator: &str,
    rule_name: &str,
) -> Result<Vec<Source>, Error> {
    let mut found = BTreeSet::new();
    let mut other_rules = BTreeSet::new();
    let mut pages = client
        .describe_aggregate_compliance_by_config_rules()
        .configuration_aggregator_name(aggregator)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| {
            failed(
                "config:DescribeAggregateComplianceByConfigRules",
                format!("aggregator {aggregator}"),
                &error,
            )
        })?;
        for entry in page.aggregate_compliance_by_config_rules() {
            let name = entry.config_rule_name().unwrap_or_default();
            match (entry.account_id(), entry.aws_region()) {
                (Some(account), Some(region)) if is_deployed_name(name, rule_name) => {
                    found.insert(Source {
                        rule: name.to_owned(),
                        account_id: account.to_owned(),
                        region: region.to_owned(),
                    });
                }
                _ => {
                    other_rules.insert(name.to_owned());
                }
            }
        }
    }
    if found.is_empty() {
        let others: Vec<String> = other_rules.into_iter().take(10).collect();
        return Err(Error::Usage {
            flag: "--rule-name",
            message: format!(
                "no rule named {rule_name} (nor OrgConfigRule-{rule_name}-<suffix> or \
                 {rule_name}-conformance-pack-<suffix>) has results in aggregator {aggregator}; \
                 rules with results there: {}",
                if others.is_empty() {
                    "none".to_owned()
                } else {
                    others.join(", ")
                }
            ),
        });
    }
    Ok(found.into_iter().collect())
}

/// Every result of one source, page by page.
async fn results(
    client: &aws_sdk_config::Client,
    aggregator: &str,
    source: &Source,
) -> Result<Vec<AggregateEvaluationResult>, Error> {
    let mut pages = client
        .get_aggregate_compliance_details_by_config_rule()
        .configuration_aggregator_name(aggregator)
        .config_rule_name(&source.rule)
        .account_id(&source.account_id)
        .aws_region(&source.region)
        .into_paginator()
        .page_size(PAGE)
        .send();
    let mut results = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| {
            failed(
                "config:GetAggregateComplianceDetailsByConfigRule",
                format!("rule {} in aggregator {aggregator}", source.rule),
                &error,
            )
        })?;
        results.extend(page.aggregate_evaluation_results().iter().cloned());
    }
    Ok(results)
}

/// One aggregated result as a row; `None` for a result without a resource.
fn row(account: &Account, source: &Source, result: &AggregateEvaluationResult) -> Option<Row> {
    let qualifier = result
        .evaluation_result_identifier()?
        .evaluation_result_qualifier()?;
    let compliance = match result.compliance_type()?.as_str() {
        "COMPLIANT" => Compliance::Compliant,
        "NON_COMPLIANT" => Compliance::NonCompliant,
        // The aggregate API documents only the two above; INSUFFICIENT_DATA
        // is not a verdict on a resource.
        "NOT_APPLICABLE" => Compliance::NotApplicable,
        _ => return None,
    };
    let annotation = result.annotation().unwrap_or_default().to_owned();
    let reason = reason_of(compliance, &annotation);
    let key_arn = key_arn_in(&annotation);
    // Config keeps no encryption flag; the reason and the key imply it.
    let encrypted = match reason.map(Reason::as_str) {
        Some("unencrypted") => Some(false),
        _ if key_arn.is_some()
            || reason.is_some_and(|r| r.compliance() == Compliance::Compliant) =>
        {
            Some(true)
        }
        _ => None,
    };
    Some(Row {
        account: account.clone(),
        region: result.aws_region().unwrap_or(&source.region).to_owned(),
        resource_type: qualifier.resource_type()?.to_owned(),
        identifier: String::new(),
        resource_id: qualifier.resource_id()?.to_owned(),
        arn: None,
        encrypted,
        key_arn,
        key_manager: None,
        key_state: None,
        verdict: RowVerdict::Judged(compliance),
        reason,
        annotation,
    })
}

/// The KMS key ARN an annotation names, if any (`arn:<partition>:kms:…`).
fn key_arn_in(annotation: &str) -> Option<String> {
    let start = annotation.find("arn:")?;
    let arn: String = annotation[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !"(),;".contains(*c))
        .collect();
    (arn.split(':').nth(2) == Some("kms")).then_some(arn)
}

/// The decision-table row behind an aggregated result. Config keeps only
/// the verdict and the annotation, so the reason is recognised from the
/// annotation's fixed wording; `tests/cli/report.rs` checks this against
/// the reasons `audit` reports for the same resources.
pub fn reason_of(compliance: Compliance, annotation: &str) -> Option<Reason> {
    Reason::recognize(compliance, annotation)
}

/// Account names from Organizations, when the caller may list them (the
/// aggregator account often is the management account or a delegated
/// administrator); empty otherwise: names are a convenience.
async fn account_names(config: &aws_config::SdkConfig) -> HashMap<String, String> {
    match org::list_accounts(config).await {
        Ok(accounts) => accounts
            .into_iter()
            .filter_map(|listed| {
                let Account { id, name } = listed.account;
                name.map(|name| (id, name))
            })
            .collect(),
        Err(_) => HashMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployed_names_match_by_prefix_only_with_a_suffix() {
        let rule = "neptune-cmk-encrypted";
        assert!(is_deployed_name("neptune-cmk-encrypted", rule));
        assert!(is_deployed_name(
            "OrgConfigRule-neptune-cmk-encrypted-ab12cd34",
            rule
        ));
        assert!(is_deployed_name(
            "neptune-cmk-encrypted-conformance-pack-x1y2z3w4q",
            rule
        ));
        assert!(!is_deployed_name(
            "OrgConfigRule-neptune-cmk-encrypted",
            rule
        ));
        assert!(!is_deployed_name(
            "OrgConfigRule-neptune-cmk-encrypted-strict-ab12cd34",
            rule
        ));
        assert!(!is_deployed_name("neptune-cmk-encrypted-strict", rule));
        assert!(!is_deployed_name("other-rule", rule));
    }

    #[test]
    fn key_arns_are_found_in_annotations() {
        let text = "encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:111122223333:key/abc), not …";
        assert_eq!(
            key_arn_in(text).as_deref(),
            Some("arn:aws:kms:us-east-1:111122223333:key/abc")
        );
        assert_eq!(key_arn_in("storage encryption is off"), None);
    }
}
