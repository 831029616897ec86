//! Stale results: what this rule recorded earlier for resources the sweep
//! no longer finds. Left alone, Config would show a vanished resource's last
//! COMPLIANT forever; the sweep marks it NOT_APPLICABLE instead.
//!
//! The earlier results are read while the sweep lists (they are paged 100
//! at a time, often the longest chain of calls), and compared with what the
//! sweep saw once it is done.

use std::collections::HashSet;

use aws_sdk_config::types::ComplianceType;
use neptune_cmk_evaluator::Timestamp;

use super::pages::Pages;
use crate::aws::from_date_time;
use crate::{Clients, Deadline, Error};

/// GetComplianceDetailsByConfigRule returns at most 100 results per page.
const PAGE_SIZE: i32 = 100;

/// A resource as Config keys its results: its type and resource id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceKey {
    /// Config's resource type, e.g. `AWS::RDS::DBCluster`.
    pub resource_type: String,
    /// Config's resource id.
    pub resource_id: String,
}

impl ResourceKey {
    /// The key of `resource_id` of `resource_type`.
    pub fn new(resource_type: impl Into<String>, resource_id: impl Into<String>) -> Self {
        Self {
            resource_type: resource_type.into(),
            resource_id: resource_id.into(),
        }
    }
}

/// The resources this rule had a COMPLIANT or NON_COMPLIANT result for
/// before the sweep began.
#[derive(Debug, Default)]
pub struct PreviousResults {
    resources: Vec<ResourceKey>,
}

impl PreviousResults {
    /// Those of them the sweep did not see: gone, or outside the scope now.
    pub fn stale(&self, seen: &HashSet<ResourceKey>) -> Vec<ResourceKey> {
        self.resources
            .iter()
            .filter(|resource| !seen.contains(*resource))
            .cloned()
            .collect()
    }
}

/// Reads the rule's earlier COMPLIANT and NON_COMPLIANT results. Results
/// recorded after the sweep began (a concurrent change evaluation, or this
/// sweep's own writes) are left out: they are current.
pub async fn previous_results(
    clients: &Clients,
    rule_name: &str,
    sweep_started: Timestamp,
    deadline: &Deadline,
) -> Result<PreviousResults, Error> {
    let mut previous = PreviousResults::default();
    let mut pages = Pages::new(
        clients
            .config
            .get_compliance_details_by_config_rule()
            .config_rule_name(rule_name)
            .compliance_types(ComplianceType::Compliant)
            .compliance_types(ComplianceType::NonCompliant)
            .into_paginator()
            .page_size(PAGE_SIZE)
            .send(),
        |page| page.next_token().is_some(),
        "config:GetComplianceDetailsByConfigRule",
        rule_name,
        "reading earlier results",
    );
    while let Some(page) = pages.next(deadline).await? {
        for result in page.evaluation_results() {
            let Some(qualifier) = result
                .evaluation_result_identifier()
                .and_then(|identifier| identifier.evaluation_result_qualifier())
            else {
                continue;
            };
            let (Some(resource_type), Some(resource_id)) =
                (qualifier.resource_type(), qualifier.resource_id())
            else {
                continue;
            };
            let recorded_after_sweep_began = result
                .result_recorded_time()
                .and_then(from_date_time)
                .is_some_and(|recorded| recorded > sweep_started);
            if !recorded_after_sweep_began {
                previous
                    .resources
                    .push(ResourceKey::new(resource_type, resource_id));
            }
        }
    }
    Ok(previous)
}
