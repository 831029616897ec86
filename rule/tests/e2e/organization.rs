//! An organization rule: the function runs in one account and judges a
//! member account's resources with `ExecutionRoleName`, a role it assumes in
//! that member (created there first: the launcher refuses a role that does
//! not exist, as STS does). A member's key is not describable with the
//! function's own credentials, as on AWS: `aws/rds`'s key policy admits only
//! its own account, and a customer managed key is not shared.

use neptune_cmk_rule::Rule;
use serde_json::{json, Value};

use crate::harness::*;
use crate::lambda;

const EXECUTION_ROLE: &str = "NeptuneCmkExecutionRole";
const PARAMETERS: &str = r#"{"ExecutionRoleName":"NeptuneCmkExecutionRole"}"#;

/// A member with a cluster on its own `aws/rds` key and one on its own
/// customer managed key; the function's account is denied both keys.
struct Member {
    moto: Moto,
    account: String,
    on_aws_rds: (Cluster, String),
    on_cmk: (Cluster, String),
}

async fn member() -> Member {
    let moto = Moto::start();
    create_organization(&moto).await;
    let account = create_member(&moto, "member").await;
    create_role(&moto, &account, EXECUTION_ROLE).await;
    let fleet = Fleet::new(&assumed(&moto, &account, ORGANIZATION_ACCESS_ROLE, REGION).await);
    let aws_rds = fleet.aws_rds_key().await.arn().unwrap().to_owned();
    let cmk = fleet.customer_key().await.arn().unwrap().to_owned();
    let on_aws_rds = fleet
        .cluster("graph-default-key", "neptune", Some(&aws_rds))
        .await;
    let on_cmk = fleet.cluster("graph-cmk", "neptune", Some(&cmk)).await;
    for key in [&aws_rds, &cmk] {
        assert!(key.contains(&format!(":{account}:key/")), "{key}");
        moto.fault(json!({
            "service": "kms", "operation": "DescribeKey",
            "match": {"account": ACCOUNT, "params": {"KeyId": key}},
            "error_code": "AccessDeniedException", "count": "unlimited",
        }));
    }
    moto.register_rule(rule_scope());
    moto.control(
        "POST",
        "config_rules",
        Some(json!({"configRuleName": RULE_NAME, "scope": rule_scope(), "accountId": account})),
    );
    // Only the function's calls count from here: seeding assumed roles too.
    moto.reset_calls();
    Member {
        moto,
        account,
        on_aws_rds: (on_aws_rds, aws_rds),
        on_cmk: (on_cmk, cmk),
    }
}

/// The change notification Config sends the organization rule for a
/// member's cluster.
fn member_change(account: &str, cluster: &Cluster, key: &str) -> Value {
    let mut notification = cluster_change(cluster, "neptune", Some(key));
    let item = &mut notification["configurationItem"];
    item["awsAccountId"] = account.into();
    item["ARN"] = format!(
        "arn:aws:rds:{REGION}:{account}:cluster:{}",
        cluster.identifier
    )
    .into();
    notification
}

/// The evaluations written, with the account they were written in.
fn written_in(moto: &Moto) -> Vec<(String, String, String, String)> {
    moto.put_calls()
        .iter()
        .flat_map(|call| {
            let account = call["accountId"].as_str().unwrap().to_owned();
            call["evaluations"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |evaluation| {
                    let text = |name: &str| evaluation[name].as_str().unwrap().to_owned();
                    (
                        account.clone(),
                        text("ComplianceResourceId"),
                        text("ComplianceType"),
                        text("Annotation"),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn a_member_cluster_on_the_members_own_aws_rds_key_is_non_compliant() {
    let Member {
        moto,
        account,
        on_aws_rds,
        on_cmk,
    } = member().await;
    // The function's own credentials: the member is reached only through its role.
    let rule = Rule::new(&moto.sdk_config().await);
    for (cluster, key) in [&on_aws_rds, &on_cmk] {
        let mut event = envelope(
            member_change(&account, cluster, key),
            PARAMETERS,
            "token-1",
            false,
        );
        event.account_id = Some(account.clone());
        lambda(&rule, &event).await.unwrap();
    }
    let written = written_in(&moto);
    assert_eq!(written.len(), 2, "{written:#?}");
    let (in_account, id, compliance, annotation) = &written[0];
    assert_eq!(
        (in_account, id, compliance.as_str()),
        (&account, &on_aws_rds.0.resource_id, "NON_COMPLIANT")
    );
    assert!(
        annotation.contains(&format!("the AWS managed key aws/rds ({})", on_aws_rds.1)),
        "{annotation}"
    );
    let (in_account, id, compliance, annotation) = &written[1];
    assert_eq!(
        (in_account, id, compliance.as_str()),
        (&account, &on_cmk.0.resource_id, "COMPLIANT")
    );
    assert!(
        annotation.contains(&format!("customer managed key {} (Enabled)", on_cmk.1)),
        "{annotation}"
    );
    assert_eq!(moto.calls("sts:AssumeRole"), 2);
}

#[tokio::test]
async fn a_member_sweep_judges_the_members_resources_by_its_own_keys() {
    let Member {
        moto,
        account,
        on_aws_rds,
        on_cmk,
    } = member().await;
    let rule = Rule::new(&moto.sdk_config().await);
    let mut event = sweep_event("token-1");
    event.rule_parameters = Some(PARAMETERS.to_owned());
    event.account_id = Some(account.clone());
    let (outcome, _) = lambda(&rule, &event).await.unwrap();
    // Both clusters and their automated snapshots, nothing of the function's account.
    assert_eq!(
        (outcome.compliant, outcome.non_compliant, outcome.written),
        (2, 2, 4),
        "{outcome:?}"
    );
    let written = written_in(&moto);
    assert!(written
        .iter()
        .all(|(in_account, ..)| *in_account == account));
    let verdict = |resource_id: &str| {
        written
            .iter()
            .find(|(_, id, ..)| id == resource_id)
            .map(|(_, _, compliance, _)| compliance.as_str())
    };
    assert_eq!(verdict(&on_aws_rds.0.resource_id), Some("NON_COMPLIANT"));
    assert_eq!(verdict(&on_cmk.0.resource_id), Some("COMPLIANT"));
}
