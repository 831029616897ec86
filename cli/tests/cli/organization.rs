//! An AWS organization in moto for the organization audit, the findings
//! formats and the aggregator report: member accounts created through
//! Organizations, with the roles the CLI and the tests assume created in
//! them first (the launcher refuses a role that does not exist, as STS
//! does), each seeded through its audit role in two regions, with one
//! resource of each verdict the fleet can give.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use neptune_cmk_testing::{create_member, create_organization, create_role, Fleet, Moto, ACCOUNT};
use serde_json::Value;

/// The regions every member is seeded in.
pub const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// The role the CLI assumes by default.
pub const AUDIT_ROLE: &str = "NeptuneCmkAuditRole";
/// The role `asff_check.py` imports findings with, in their account.
pub const IMPORTER_ROLE: &str = "SecurityHubImporter";

/// A member account.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub name: String,
}

/// What the audit must report for one resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expected {
    pub compliance: String,
    pub reason: String,
}

impl Expected {
    /// The verdict and reason a JSON row carries.
    pub fn of(row: &Value) -> Self {
        let text = |name: &str| row[name].as_str().unwrap_or_default().to_owned();
        Self {
            compliance: text("compliance"),
            reason: text("reason"),
        }
    }
}

/// The organization and the verdict expected for every resource, by
/// (account, region, identifier); automated snapshots by their cluster's
/// identifier prefixed `rds:` (their names carry the creation minute).
pub struct Org {
    pub members: Vec<Member>,
    pub expected: BTreeMap<(String, String, String), Expected>,
}

/// Creates the organization (moto's default account manages it) and one
/// member per name, with the audit role in every account (the management
/// account too: `audit --organization` audits it as well) and the findings
/// importer's role in every member; the accounts are not seeded.
pub async fn create(moto: &Moto, names: &[&str]) -> Vec<Member> {
    create_organization(moto).await;
    create_role(moto, ACCOUNT, AUDIT_ROLE).await;
    let mut members = Vec::new();
    for name in names {
        let id = create_member(moto, name).await;
        for role in [AUDIT_ROLE, IMPORTER_ROLE] {
            create_role(moto, &id, role).await;
        }
        members.push(Member {
            id,
            name: (*name).to_owned(),
        });
    }
    members
}

/// SDK configuration acting in `account` and `region` through its audit role.
pub async fn assumed(moto: &Moto, account: &str, region: &str) -> SdkConfig {
    neptune_cmk_testing::assumed(moto, account, AUDIT_ROLE, region).await
}

/// An organization of `seeded` members with Neptune resources in both
/// regions, plus `unseeded` members with none. In every seeded account and
/// region: `graph-good` (customer managed key) with `graph-good-1`,
/// `graph-aws-key` (aws/rds) and `graph-plain` (unencrypted) with
/// `graph-plain-1`; the first member also has `graph-disabled` on a
/// disabled key in the first region.
pub async fn seeded(moto: &Moto, seeded: &[&str], unseeded: &[&str]) -> Org {
    let names: Vec<&str> = seeded.iter().chain(unseeded).copied().collect();
    let members = create(moto, &names).await;
    let mut expected = BTreeMap::new();
    for (index, member) in members.iter().take(seeded.len()).enumerate() {
        for (region_index, region) in REGIONS.iter().enumerate() {
            let fleet = Fleet::new(&assumed(moto, &member.id, region).await);
            let mut expect = |identifier: &str, compliance: &str, reason: &str| {
                let key = (
                    member.id.clone(),
                    (*region).to_owned(),
                    identifier.to_owned(),
                );
                let verdict = Expected {
                    compliance: compliance.to_owned(),
                    reason: reason.to_owned(),
                };
                expected.insert(key, verdict);
            };
            let good = fleet.customer_key().await;
            fleet.cluster("graph-good", "neptune", good.arn()).await;
            fleet.instance("graph-good-1", "graph-good").await;
            let aws_rds = fleet.aws_rds_key().await;
            fleet
                .cluster("graph-aws-key", "neptune", aws_rds.arn())
                .await;
            fleet.cluster("graph-plain", "neptune", None).await;
            fleet.instance("graph-plain-1", "graph-plain").await;
            for (identifier, compliance, reason) in [
                ("graph-good", "COMPLIANT", "customer-managed-key"),
                ("graph-good-1", "COMPLIANT", "customer-managed-key"),
                ("graph-aws-key", "NON_COMPLIANT", "aws-managed-key"),
                ("graph-plain", "NON_COMPLIANT", "unencrypted"),
                ("graph-plain-1", "NON_COMPLIANT", "unencrypted"),
            ] {
                expect(identifier, compliance, reason);
            }
            for (cluster, compliance, reason) in [
                ("graph-good", "COMPLIANT", "customer-managed-key"),
                ("graph-aws-key", "NON_COMPLIANT", "aws-managed-key"),
                ("graph-plain", "NON_COMPLIANT", "unencrypted"),
            ] {
                expect(&format!("rds:{cluster}"), compliance, reason);
            }
            if index == 0 && region_index == 0 {
                let disabled = fleet.disabled_key().await;
                fleet
                    .cluster("graph-disabled", "neptune", disabled.arn())
                    .await;
                expect("graph-disabled", "NON_COMPLIANT", "key-not-enabled");
                expect("rds:graph-disabled", "NON_COMPLIANT", "key-not-enabled");
            }
        }
    }
    Org { members, expected }
}

/// The (account, region, identifier) a JSON row is expected under: automated
/// snapshots (`rds:<cluster>-<minute>`) by `rds:<cluster>`.
pub fn expected_key(row: &Value) -> (String, String, String) {
    let text = |name: &str| row[name].as_str().unwrap_or_default().to_owned();
    let identifier = text("identifier");
    let identifier = match identifier.strip_prefix("rds:") {
        // rds:graph-good-2026-11-30-00-26 → rds:graph-good
        Some(rest) => {
            let parts: Vec<&str> = rest.split('-').collect();
            format!("rds:{}", parts[..parts.len().saturating_sub(5)].join("-"))
        }
        None => identifier,
    };
    (text("accountId"), text("region"), identifier)
}

/// Runs the CLI's audit of the organization in both regions, in `format`,
/// plus `extra` flags.
pub fn audit_org(moto: &Moto, format: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["audit", "--organization", "--format", format];
    for region in REGIONS {
        args.extend(["--region", region]);
    }
    args.extend(extra);
    crate::neptune_cmk(moto, &args)
}
