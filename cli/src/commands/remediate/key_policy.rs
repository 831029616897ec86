//! The key-policy statements a migration prints: the operator's use of the
//! key through Neptune, its own DescribeKey, and, for a key policy that does
//! not delegate to IAM (a key of another account above all), the rule's role
//! and the key-repair runbook's role.
//!
//! Condition keys (KMS Developer Guide, "AWS KMS condition keys"):
//! `kms:ViaService` matches only requests an AWS service makes on the
//! principal's behalf, so a direct DescribeKey (the CLI's, the rule's) is not
//! covered by it; `kms:GrantIsForAWSResource` is true only when an integrated
//! service calls CreateGrant, and is absent from other requests, so it goes on
//! a CreateGrant statement of its own.

use super::facts::Facts;

/// What the principals in the printed statements are.
const RULE_ROLE: &str = "<ARN of the rule's function role (and the hook's, if deployed), or \
                         of NeptuneCmkExecutionRole in each member account of an organization \
                         rule>";
const RUNBOOK_ROLE: &str = "<ARN of the key-repair runbook's AutomationAssumeRole>";

/// The key's account, from its ARN; `None` for a key not given as an ARN.
fn key_account(key: &str) -> Option<&str> {
    let account = key.strip_prefix("arn:")?.split(':').nth(3)?;
    (!account.is_empty()).then_some(account)
}

/// The explanation lines of the key-policy step for `key` and the operator
/// `principal`, with `via_service` the region's RDS endpoint.
pub fn statements(facts: &Facts, key: &str, principal: &str, via_service: &str) -> Vec<String> {
    let mut lines = vec![
        format!(
            "Add these statements to the key policy of {key} (aws kms get-key-policy / \
             put-key-policy):"
        ),
        "{\"Sid\": \"NeptuneUseThisKey\", \"Effect\": \"Allow\",".to_owned(),
        format!(" \"Principal\": {{\"AWS\": \"{principal}\"}},"),
        " \"Action\": [\"kms:DescribeKey\", \"kms:Decrypt\", \"kms:Encrypt\", \
         \"kms:GenerateDataKey*\", \"kms:ReEncrypt*\"],"
            .to_owned(),
        " \"Resource\": \"*\",".to_owned(),
        format!(
            " \"Condition\": {{\"StringEquals\": {{\"kms:ViaService\": \"{via_service}\"}}}}}},"
        ),
        "{\"Sid\": \"NeptuneCreateGrantsForTheCluster\", \"Effect\": \"Allow\",".to_owned(),
        format!(" \"Principal\": {{\"AWS\": \"{principal}\"}},"),
        " \"Action\": \"kms:CreateGrant\", \"Resource\": \"*\",".to_owned(),
        format!(" \"Condition\": {{\"StringEquals\": {{\"kms:ViaService\": \"{via_service}\"}},"),
        "               \"Bool\": {\"kms:GrantIsForAWSResource\": \"true\"}}},".to_owned(),
        "{\"Sid\": \"NeptuneCmkOperatorDescribeKey\", \"Effect\": \"Allow\",".to_owned(),
        format!(" \"Principal\": {{\"AWS\": \"{principal}\"}},"),
        " \"Action\": \"kms:DescribeKey\", \"Resource\": \"*\"}".to_owned(),
        "neptune-cmk itself calls DescribeKey on this key (plan, and apply's verification of \
         the new cluster), directly rather than through Neptune: a kms:ViaService condition does \
         not cover that call, hence the last statement."
            .to_owned(),
    ];
    lines.extend(role_statements(facts, key));
    lines
}

/// The rule's role and the runbook's role: named by a key policy that does
/// not delegate to IAM, and always by a key of another account, since IAM
/// policies alone never grant use of another account's key.
fn role_statements(facts: &Facts, key: &str) -> Vec<String> {
    let describe = |sid: &str, principal: &str, actions: &str| {
        vec![
            format!("{{\"Sid\": \"{sid}\", \"Effect\": \"Allow\","),
            format!(" \"Principal\": {{\"AWS\": \"{principal}\"}},"),
            format!(" \"Action\": {actions}, \"Resource\": \"*\"}}"),
        ]
    };
    let rule = describe(
        "NeptuneCmkRuleDescribeKey",
        RULE_ROLE,
        "\"kms:DescribeKey\"",
    );
    match key_account(key) {
        Some(account) if account != facts.account_id => [
            vec![format!(
                "The key belongs to account {account}, not the cluster's account {}: its key \
                 policy must itself allow the rule's role to describe it (an IAM policy in the \
                 cluster's account is needed too, but never enough for another account's key), \
                 or the rule cannot judge the new cluster:",
                facts.account_id
            )],
            rule,
            vec![
                "The key-repair runbook repairs only keys of the cluster's own account; this \
                  key's owner repairs it."
                    .to_owned(),
            ],
        ]
        .concat(),
        _ => [
            vec![
                "A key policy that delegates to IAM (the default key policy) needs no change if \
                  your IAM policies allow these actions on the key. One that does not must also \
                  name the rule's role and the key-repair runbook's role:"
                    .to_owned(),
            ],
            rule,
            describe(
                "NeptuneCmkRunbookRepairKey",
                RUNBOOK_ROLE,
                "[\"kms:DescribeKey\", \"kms:CancelKeyDeletion\", \"kms:EnableKey\"]",
            ),
        ]
        .concat(),
    }
}
