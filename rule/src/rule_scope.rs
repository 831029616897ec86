//! The rule's own scope, read with DescribeConfigRules, so that a sweep or a
//! key change judges exactly the resources Config would send it.

use aws_sdk_config::types::ConfigRule;
use neptune_cmk_evaluator::Scope;

use crate::aws::failed;
use crate::{Clients, Deadline, Error};

/// The scope of rule `rule_name` in the clients' account and region.
pub(crate) async fn rule_scope(
    clients: &Clients,
    rule_name: &str,
    deadline: &Deadline,
) -> Result<Scope, Error> {
    let call = clients
        .config
        .describe_config_rules()
        .config_rule_names(rule_name)
        .send();
    let output = deadline
        .bound("reading the rule's scope", call)
        .await?
        .map_err(|error| failed("config:DescribeConfigRules", rule_name, &error))?;
    let rule = output
        .config_rules()
        .first()
        .ok_or_else(|| Error::UnexpectedResponse {
            operation: "config:DescribeConfigRules",
            target: rule_name.to_owned(),
            what: "no rule in the answer".to_owned(),
        })?;
    Ok(scope_of(rule))
}

/// A Config rule's `Scope` in the evaluator's terms.
fn scope_of(rule: &ConfigRule) -> Scope {
    let Some(scope) = rule.scope() else {
        return Scope::everything();
    };
    let blank = |text: Option<&str>| text.filter(|text| !text.is_empty()).map(str::to_owned);
    Scope {
        resource_types: scope.compliance_resource_types().to_vec(),
        resource_id: blank(scope.compliance_resource_id()),
        tag_key: blank(scope.tag_key()),
        tag_value: blank(scope.tag_value()),
    }
}
