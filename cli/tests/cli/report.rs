//! `neptune-cmk report --aggregator`: the rule writes its results in every
//! member account and region (its own sweep, through assumed credentials,
//! as an organization rule `OrgConfigRule-<name>-<suffix>`), and the report
//! reads them back from the management account's aggregator alone.

use std::collections::BTreeMap;

use aws_lambda_events::event::config::ConfigEvent;
use neptune_cmk_rule::writer::{EvaluationWriter, RetryPolicy};
use neptune_cmk_rule::{Deadline, Rule};
use neptune_cmk_testing::Moto;
use serde_json::{json, Value};

use crate::findings::tempdir;
use crate::organization::{self, assumed, audit_org, REGIONS};
use crate::{neptune_cmk, stderr, stdout};

/// The name Config gives the organization rule `neptune-cmk-encrypted` in
/// member accounts.
const ORG_RULE: &str = "OrgConfigRule-neptune-cmk-encrypted-ab12cd34";
const AGGREGATOR: &str = "org-aggregator";

/// A scheduled notification for `account`, as Config sends it to the rule.
fn sweep_event(account: &str, region: &str, token: &str) -> ConfigEvent {
    let invoking_event = json!({
        "awsAccountId": account,
        "notificationCreationTime": "2030-01-01T00:00:00.000Z",
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    });
    serde_json::from_value(json!({
        "invokingEvent": invoking_event.to_string(),
        "ruleParameters": "{}",
        "resultToken": token,
        "eventLeftScope": false,
        "executionRoleArn": format!("arn:aws:iam::{account}:role/config-role"),
        "configRuleArn": format!("arn:aws:config:{region}:{account}:config-rule/config-rule-ab12cd"),
        "configRuleName": ORG_RULE,
        "configRuleId": "config-rule-ab12cd",
        "accountId": account,
        "version": "1.0",
    }))
    .unwrap()
}

/// Runs the rule's periodic sweep in `account` and `region`, writing with
/// PutEvaluations into that account's compliance store.
async fn rule_sweep(moto: &Moto, account: &str, region: &str) {
    let token = format!("token-{account}-{region}");
    moto.control(
        "POST",
        "config_rules",
        Some(json!({"configRuleName": ORG_RULE, "accountId": account, "region": region})),
    );
    moto.control(
        "POST",
        "result_tokens",
        Some(json!({"resultToken": token, "configRuleName": ORG_RULE})),
    );
    let rule = Rule::new(&assumed(moto, account, region).await);
    let open =
        |destination| EvaluationWriter::new(destination, RetryPolicy::default(), Deadline::none());
    let outcome = rule
        .handle(
            &sweep_event(account, region, &token),
            Deadline::none(),
            open,
        )
        .await
        .unwrap()
        .outcome;
    assert!(outcome.written > 0, "{outcome:?}");
}

async fn create_aggregator(moto: &Moto) {
    let config = aws_sdk_config::Client::new(&moto.sdk_config().await);
    let source = aws_sdk_config::types::OrganizationAggregationSource::builder()
        .role_arn("arn:aws:iam::123456789012:role/config-aggregator")
        .all_aws_regions(true)
        .build()
        .unwrap();
    config
        .put_configuration_aggregator()
        .configuration_aggregator_name(AGGREGATOR)
        .organization_aggregation_source(source)
        .send()
        .await
        .unwrap();
}

/// (account, region, resource id) → (compliance, reason, annotation).
fn by_resource(rows: &[Value]) -> BTreeMap<(String, String, String), (String, String, String)> {
    let text = |row: &Value, name: &str| row[name].as_str().unwrap_or_default().to_owned();
    rows.iter()
        .filter(|row| row["compliance"] != "ERROR")
        .map(|row| {
            (
                (
                    text(row, "accountId"),
                    text(row, "region"),
                    text(row, "resourceId"),
                ),
                (
                    text(row, "compliance"),
                    text(row, "reason"),
                    text(row, "annotation"),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn aggregator_report_matches_the_audit_in_every_account_and_region() {
    let moto = Moto::start();
    let org = organization::seeded(&moto, &["dev", "prod", "shared"], &[]).await;
    // 70 more clusters in one account and region: 140 more results, so the
    // report reads more than one page of 100 there.
    let shared = &org.members[2];
    moto.control(
        "POST",
        "bulk_clusters",
        Some(
            json!({"count": 70, "prefix": "bulk-", "accountId": shared.id, "region": "eu-west-1"}),
        ),
    );
    for member in &org.members {
        for region in REGIONS {
            rule_sweep(&moto, &member.id, region).await;
        }
    }
    // Another rule's results, which the report must leave out.
    moto.control(
        "POST",
        "compliance",
        Some(json!({"configRuleName": "some-other-rule", "accountId": org.members[0].id, "region": "us-east-1",
                    "results": [{"resourceType": "AWS::S3::Bucket", "resourceId": "bucket-1", "complianceType": "NON_COMPLIANT"}]})),
    );
    create_aggregator(&moto).await;
    moto.reset_calls();

    let report_run = neptune_cmk(
        &moto,
        &["report", "--aggregator", AGGREGATOR, "--format", "json"],
    );
    assert_eq!(report_run.status.code(), Some(1), "{}", stderr(&report_run));
    let report: Vec<Value> = serde_json::from_str(&stdout(&report_run)).unwrap();
    // Only the aggregator account was called: no AssumeRole, no member access.
    assert_eq!(moto.calls("sts:AssumeRole"), 0);
    assert!(moto.calls("config:GetAggregateComplianceDetailsByConfigRule") >= 7);

    let audit: Vec<Value> = serde_json::from_str(&stdout(&audit_org(&moto, "json", &[]))).unwrap();
    let (from_config, from_audit) = (by_resource(&report), by_resource(&audit));
    assert_eq!(from_config.len(), from_audit.len());
    // Same resources, verdicts, annotations, and the reasons recognised
    // from Config's annotations are the audit's own.
    assert_eq!(from_config, from_audit);
    let names: BTreeMap<&str, &str> = org
        .members
        .iter()
        .map(|m| (m.id.as_str(), m.name.as_str()))
        .collect();
    for row in &report {
        assert_eq!(
            row["accountName"],
            names[row["accountId"].as_str().unwrap()]
        );
        assert_ne!(row["resourceType"], "AWS::S3::Bucket");
    }

    let dir = tempdir("report");
    let html = dir.join("report.html");
    let html_run = neptune_cmk(
        &moto,
        &[
            "report",
            "--aggregator",
            AGGREGATOR,
            "--format",
            "html",
            "-o",
            html.to_str().unwrap(),
        ],
    );
    assert_eq!(html_run.status.code(), Some(1), "{}", stderr(&html_run));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("neptune-cmk report --aggregator org-aggregator"));
    assert!(page.contains("data-reason=\"aws-managed-key\""));
    let asff_run = neptune_cmk(
        &moto,
        &["report", "--aggregator", AGGREGATOR, "--format", "asff"],
    );
    let findings: usize = stdout(&asff_run)
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["Findings"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(findings, report.len());
}

#[tokio::test]
async fn aggregator_report_failures_are_rows_and_mistakes_are_named() {
    let moto = Moto::start();
    let org = organization::seeded(&moto, &["dev", "prod"], &[]).await;
    for member in &org.members {
        for region in REGIONS {
            rule_sweep(&moto, &member.id, region).await;
        }
    }
    create_aggregator(&moto).await;
    let dev = &org.members[0];
    moto.fault(json!({
        "service": "config",
        "operation": "GetAggregateComplianceDetailsByConfigRule",
        "match": {"params": {"AccountId": dev.id, "AwsRegion": "eu-west-1"}},
        "error_code": "ThrottlingException",
        "message": "Rate exceeded",
        "count": "unlimited",
    }));
    let run = neptune_cmk(
        &moto,
        &["report", "--aggregator", AGGREGATOR, "--format", "json"],
    );
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&run)).unwrap();
    let errors: Vec<&Value> = rows
        .iter()
        .filter(|row| row["compliance"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["accountId"], dev.id.as_str());
    assert_eq!(errors[0]["region"], "eu-west-1");
    assert!(errors[0]["annotation"]
        .as_str()
        .unwrap()
        .contains("ThrottlingException"));
    assert_eq!(
        rows.len() - 1,
        org.expected
            .keys()
            .filter(|key| !(key.0 == dev.id && key.1 == "eu-west-1"))
            .count()
    );

    let wrong_rule = neptune_cmk(
        &moto,
        &["report", "--aggregator", AGGREGATOR, "--rule-name", "nope"],
    );
    assert_eq!(wrong_rule.status.code(), Some(2));
    let message = stderr(&wrong_rule);
    assert!(
        message.contains("--rule-name: no rule named nope") && message.contains(ORG_RULE),
        "{message}"
    );
    let wrong_aggregator = neptune_cmk(&moto, &["report", "--aggregator", "missing"]);
    assert_eq!(wrong_aggregator.status.code(), Some(2));
    assert!(
        stderr(&wrong_aggregator).contains("NoSuchConfigurationAggregatorException"),
        "{}",
        stderr(&wrong_aggregator)
    );
}

#[tokio::test]
async fn the_rule_summary_is_read_past_its_first_page() {
    let moto = Moto::start();
    let members = organization::create(&moto, &["dev", "prod"]).await;
    let mut expected = BTreeMap::new();
    for member in &members {
        for region in REGIONS {
            let resource_id = format!("cluster-{}-{region}", member.name);
            moto.control(
                "POST",
                "compliance",
                Some(json!({"configRuleName": ORG_RULE, "accountId": member.id, "region": region, "results": [
                    {"resourceType": "AWS::RDS::DBCluster", "resourceId": resource_id, "complianceType": "NON_COMPLIANT",
                     "annotation": "storage encryption is off: the cluster's data is not encrypted at rest"},
                ]})),
            );
            expected.insert(
                (member.id.clone(), region.to_owned(), resource_id),
                "NON_COMPLIANT".to_owned(),
            );
        }
    }
    // DescribeAggregateComplianceByConfigRules lists one row per (rule,
    // account, region), by rule name, at most 1000 a page. 998 rows of
    // rules whose names sort before the organization rule's ('A' < 'O') put
    // two of its four rows on the first page and two on the second.
    for index in 0..998 {
        moto.control(
            "POST",
            "compliance",
            Some(json!({"configRuleName": format!("Another-rule-{index:03}"), "results": [
                {"resourceType": "AWS::S3::Bucket", "resourceId": "bucket-1", "complianceType": "COMPLIANT"},
            ]})),
        );
    }
    create_aggregator(&moto).await;
    moto.reset_calls();

    let run = neptune_cmk(
        &moto,
        &["report", "--aggregator", AGGREGATOR, "--format", "json"],
    );
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&run)).unwrap();
    let found: BTreeMap<(String, String, String), String> = by_resource(&rows)
        .into_iter()
        .map(|(key, (compliance, _, _))| (key, compliance))
        .collect();
    assert_eq!(found, expected, "every source, on either page: {rows:#?}");
    assert_eq!(
        moto.calls("config:DescribeAggregateComplianceByConfigRules"),
        2
    );
    assert_eq!(
        moto.calls("config:GetAggregateComplianceDetailsByConfigRule"),
        4,
        "one read per account and region of the rule, none of the others"
    );
}
