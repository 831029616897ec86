//! The CloudFormation Lambda Hook: one hook request in, the hook's answer
//! out. The request is read and judged by the evaluator
//! ([`HookRequest`]); this module fetches what it asks for with the rule's
//! own [`FactCache`] (DescribeKey with the cross-account and `aws/rds`-probe
//! logic, DescribeDBClusters) and [`aws::describe_snapshot`], so the hook,
//! the rule, `check` and `audit` never disagree. It adds
//! [`Rule::answer_hook`] on top of the handler's [`Rule`].
//!
//! Never a silent allow and never a crash: whatever fails (a malformed
//! request or parameter, a lookup throttled past the SDK's retries, the
//! deadline) is a FAILED answer with `InternalFailure` that names it.

use std::time::{Duration, SystemTime};

use neptune_cmk_evaluator::{
    HookAnswer, HookAssessment, HookRequest, PendingSource, RuleParameters, SourceKind,
};
use serde_json::{json, Value};

use crate::aws;
use crate::fact_cache::FactCache;
use crate::records::snapshot_encryption;
use crate::{Clients, Deadline, Error, Rule};

/// The environment variable that carries the rule's parameters to the hook
/// function: the same JSON as the Config rule's `ruleParameters`.
pub const RULE_PARAMETERS_VARIABLE: &str = "NEPTUNE_CMK_RULE_PARAMETERS";

/// CloudFormation waits 30 s for a hook's function; the answer is due well
/// before, whatever the function's timeout.
pub const HOOK_BUDGET: Duration = Duration::from_secs(25);

/// What is left after the last AWS call for answering.
const ANSWER_MARGIN: Duration = Duration::from_secs(2);

/// The deadline of a hook request received now: the Lambda deadline or
/// [`HOOK_BUDGET`], whichever comes first.
pub fn hook_deadline(lambda_deadline: SystemTime) -> Deadline {
    let budget = SystemTime::now() + HOOK_BUDGET;
    Deadline::at(lambda_deadline.min(budget)).with_margin(ANSWER_MARGIN)
}

impl Rule {
    /// Answers one hook request. `rule_parameters` is the text of
    /// [`RULE_PARAMETERS_VARIABLE`] (absent: the defaults).
    pub async fn answer_hook(
        &self,
        event: &Value,
        rule_parameters: Option<&str>,
        deadline: Deadline,
    ) -> HookAnswer {
        let token = HookRequest::token_of(event);
        let request = match HookRequest::parse(event) {
            Ok(request) => request,
            Err(error) => {
                return HookAnswer::internal_failure(
                    token,
                    &format!("the hook request is malformed: {error}"),
                )
            }
        };
        let parameters = match RuleParameters::parse(rule_parameters) {
            Ok(parameters) => parameters,
            Err(error) => {
                return HookAnswer::internal_failure(
                    token,
                    &format!(
                        "{RULE_PARAMETERS_VARIABLE} is not valid ({error}); fix the hook \
                         function's environment"
                    ),
                )
            }
        };
        let Some(region) = request
            .stack_region()
            .map(str::to_owned)
            .or_else(|| self.session().region())
        else {
            return HookAnswer::internal_failure(
                token,
                "no region: the request has no stackId and AWS_REGION is not set",
            );
        };
        let judging = Judging {
            clients: self.session().clients_in(&region),
            cache: FactCache::new(deadline),
            deadline,
            parameters: &parameters,
        };
        match judging.answer(&request, &region).await {
            Ok(answer) => answer,
            // The hook gates changes to encryption; an UPDATE that keeps it
            // is let through even when the current key cannot be judged.
            Err(error) if !request.changes_encryption() => {
                request.unchanged_unjudged(&error.to_string())
            }
            Err(error) => HookAnswer::internal_failure(token, &error.to_string()),
        }
    }
}

/// One request's lookups.
struct Judging<'a> {
    clients: Clients,
    cache: FactCache,
    deadline: Deadline,
    parameters: &'a RuleParameters,
}

impl Judging<'_> {
    async fn answer(mut self, request: &HookRequest, region: &str) -> Result<HookAnswer, Error> {
        let assessment = match request.assess(region, self.parameters)? {
            HookAssessment::NotEvaluated(why) => return Ok(request.not_evaluated(&why)),
            HookAssessment::Judge(assessment) => assessment,
            HookAssessment::NeedsSource(pending) => self.source(pending).await?,
        };
        let judgement = self
            .cache
            .judge(&self.clients, assessment, self.parameters)
            .await?;
        Ok(request.answer(&judgement.evaluation))
    }

    /// A restore's snapshot or a clone's source cluster; one that cannot be
    /// found is a failure that names it, never a guess.
    async fn source(
        &mut self,
        pending: PendingSource,
    ) -> Result<neptune_cmk_evaluator::Assessment, Error> {
        let identifier = pending.identifier().to_owned();
        let (facts, what) = match pending.kind() {
            SourceKind::Snapshot => (
                aws::describe_snapshot(&self.clients.neptune, &self.deadline, &identifier)
                    .await?
                    .as_ref()
                    .map(snapshot_encryption),
                "the DB cluster snapshot (SnapshotIdentifier)",
            ),
            SourceKind::Cluster => (
                self.cache.cluster(&self.clients, &identifier).await?,
                "the source DB cluster (SourceDBClusterIdentifier)",
            ),
        };
        let facts = facts.ok_or(Error::RestoreSourceNotFound { what, identifier })?;
        Ok(pending.resolve(&facts, self.parameters)?)
    }
}

/// The answer as the hook contract's JSON.
pub fn answer_json(answer: &HookAnswer) -> Value {
    let mut body = json!({
        "hookStatus": answer.status.as_str(),
        "message": answer.message,
        "clientRequestToken": answer.client_request_token,
    });
    if let Some(code) = answer.error_code {
        body["errorCode"] = json!(code.as_str());
    }
    if !answer.annotations.is_empty() {
        body["annotations"] = answer
            .annotations
            .iter()
            .map(|annotation| {
                let mut entry = json!({
                    "annotationName": annotation.name,
                    "status": annotation.status.as_str(),
                    "statusMessage": annotation.status_message,
                    "severityLevel": annotation.severity.as_str(),
                });
                if let Some(fix) = &annotation.remediation_message {
                    entry["remediationMessage"] = json!(fix);
                }
                entry
            })
            .collect();
    }
    body
}
