//! # neptune-cmk-rule
//!
//! The I/O shell around `neptune-cmk-evaluator`: it receives AWS Config's
//! Lambda events, fetches the facts the evaluator asks for (KMS DescribeKey,
//! Neptune describes, Config history), and writes the verdicts with
//! PutEvaluations. The Lambda binary (`src/main.rs`) and the CLI call the
//! same [`Rule::handle`], so every path gives the same verdict.
//!
//! ## Layout
//! - [`Rule`] holds the SDK clients, built once per process, and handles
//!   one event: change, oversized change, or scheduled sweep.
//! - `facts` fetches key and cluster facts (one DescribeKey per key).
//! - `sweep` lists Neptune resources page by page.
//! - `writer` batches PutEvaluations, with bounded retries.
//! - [`Error`] is the crate's one error type, mapped to a Lambda
//!   `Diagnostic`.
#![warn(missing_docs, unreachable_pub)]

mod aws;
mod error;
pub mod facts;
pub mod sweep;
pub mod writer;

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_lambda_events::event::config::ConfigEvent;
use aws_sdk_config::types::{ComplianceType, ResourceType};
use neptune_cmk_evaluator::{
    assess, partition_of, screen, Annotation, Compliance, ConfigurationItem, Evaluation,
    InvokingEvent, ItemHeader, ItemStatus, RuleParameters, Timestamp,
};
use serde::Serialize;
use tracing::info;

pub use error::Error;
use facts::{FactCache, Judgement};
use sweep::{JudgementSink, SweepContext};
use writer::{EvaluationWriter, RetryPolicy};

/// The AWS clients the rule uses, all for one account and region.
#[derive(Clone, Debug)]
pub struct Clients {
    /// AWS Config: PutEvaluations, GetResourceConfigHistory,
    /// GetComplianceDetailsByConfigRule.
    pub config: aws_sdk_config::Client,
    /// KMS: DescribeKey.
    pub kms: aws_sdk_kms::Client,
    /// Neptune (authorized as `rds:`): the describe calls.
    pub neptune: aws_sdk_neptune::Client,
}

impl Clients {
    /// Clients from one SDK configuration.
    pub fn new(sdk_config: &SdkConfig) -> Self {
        Self {
            config: aws_sdk_config::Client::new(sdk_config),
            kms: aws_sdk_kms::Client::new(sdk_config),
            neptune: aws_sdk_neptune::Client::new(sdk_config),
        }
    }
}

/// Per-call timeouts for every client: a hung AWS endpoint must fail the
/// call (so the SDK retries, then the invocation fails loudly) long before
/// the Lambda deadline. Applied by `main` and the CLI when loading the SDK
/// configuration.
pub fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(10))
        .operation_timeout(Duration::from_secs(30))
        .build()
}

/// The rule: clients built once per process, reused by every invocation.
#[derive(Clone, Debug)]
pub struct Rule {
    sdk_config: SdkConfig,
    clients: Clients,
    sts: aws_sdk_sts::Client,
    retry: RetryPolicy,
    deadline_margin: Duration,
}

/// What one invocation did; the Lambda's response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Evaluations written with PutEvaluations.
    pub written: usize,
    /// PutEvaluations calls made, retries included.
    pub put_calls: usize,
    /// Whether they were written with `TestMode=true`.
    pub test_mode: bool,
    /// How many evaluations were COMPLIANT.
    pub compliant: usize,
    /// How many were NON_COMPLIANT.
    pub non_compliant: usize,
    /// How many were NOT_APPLICABLE (stale results included).
    pub not_applicable: usize,
    /// Stale results of vanished resources marked NOT_APPLICABLE.
    pub stale_removed: usize,
    /// DescribeKey calls made.
    pub describe_key_calls: usize,
}

/// Options for one invocation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Invocation {
    /// When Lambda will stop the function, if it will.
    pub deadline: Option<SystemTime>,
    /// Evaluate, but write nothing (the CLI's `evaluate` without `--put`).
    pub dry_run: bool,
    /// Also return every evaluation (the CLI prints them); the Lambda does
    /// not, so a large sweep's memory stays flat.
    pub collect: bool,
}

impl Rule {
    /// Builds every client from `sdk_config` (which honours `AWS_REGION`,
    /// credentials and `AWS_ENDPOINT_URL[_*]`).
    pub fn new(sdk_config: &SdkConfig) -> Self {
        Self {
            sdk_config: sdk_config.clone(),
            clients: Clients::new(sdk_config),
            sts: aws_sdk_sts::Client::new(sdk_config),
            retry: RetryPolicy::default(),
            deadline_margin: Duration::from_secs(10),
        }
    }

    /// Replaces the PutEvaluations retry policy.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Uses `clients` for the function's own account instead of clients
    /// built from the SDK configuration (tests inject mocked clients here).
    pub fn with_clients(mut self, clients: Clients) -> Self {
        self.clients = clients;
        self
    }

    /// How long before the Lambda deadline a sweep stops (default 10 s).
    pub fn with_deadline_margin(mut self, margin: Duration) -> Self {
        self.deadline_margin = margin;
        self
    }

    /// Handles one Config event and returns what was written, or the
    /// evaluations that would be written when `dry_run` is set.
    pub async fn handle(
        &self,
        event: &ConfigEvent,
        invocation: Invocation,
    ) -> Result<(Outcome, Vec<Evaluation>), Error> {
        let parameters = RuleParameters::parse(event.rule_parameters.as_deref())?;
        let invoking_event = InvokingEvent::parse(event.invoking_event.as_deref().ok_or(
            Error::MissingEventField {
                field: "invokingEvent",
                fix: "Config always sends the invoking event as a JSON string",
            },
        )?)?;
        let result_token = event
            .result_token
            .clone()
            .filter(|token| !token.is_empty())
            .ok_or(Error::MissingEventField {
                field: "resultToken",
                fix: "Config sends a result token with every invocation; use TESTMODE for tests",
            })?;
        let clients = self.clients_for(event, &parameters).await?;
        let mut run = Run {
            writer: EvaluationWriter::new(clients.config.clone(), result_token, self.retry),
            outcome: Outcome::default(),
            kept: Vec::new(),
            invocation,
            margin: self.deadline_margin,
        };
        match invoking_event {
            InvokingEvent::ItemChange { item, .. } => {
                run.judge_item(&clients, &item, event.event_left_scope, &parameters)
                    .await?;
            }
            InvokingEvent::OversizedItemChange { summary, .. } => {
                match screen(&summary, event.event_left_scope) {
                    Err(not_applicable) => run.record(not_applicable).await?,
                    Ok(_) => {
                        let item = fetch_item(&clients, &summary).await?;
                        run.judge_item(&clients, &item, event.event_left_scope, &parameters)
                            .await?;
                    }
                }
            }
            InvokingEvent::Scheduled {
                account_id,
                notification_creation_time,
            } => {
                let account_id =
                    event
                        .account_id
                        .clone()
                        .or(account_id)
                        .ok_or(Error::MissingEventField {
                            field: "accountId",
                            fix: "a scheduled event names the account it evaluates",
                        })?;
                let rule_name = event
                    .config_rule_name
                    .clone()
                    .ok_or(Error::MissingEventField {
                        field: "configRuleName",
                        fix:
                            "stale results are found by the rule's name, which Config always sends",
                    })?;
                let region = clients
                    .config
                    .config()
                    .region()
                    .map(|region| region.to_string());
                let context = SweepContext {
                    clients: &clients,
                    account_id: &account_id,
                    region: region.as_deref(),
                    parameters: &parameters,
                    ordering_timestamp: notification_creation_time,
                };
                let report = match sweep::sweep(&context, &mut run).await {
                    Ok(report) => report,
                    // A sweep cut short still persists everything it judged.
                    Err(error) => return Err(run.fail(error).await),
                };
                run.outcome.describe_key_calls = report.describe_key_calls;
                if let Err(error) = run.checkpoint("finding stale results") {
                    return Err(run.fail(error).await);
                }
                let stale = stale_results(
                    &clients,
                    &rule_name,
                    &report.seen,
                    notification_creation_time,
                )
                .await?;
                for (resource_type, resource_id) in stale {
                    run.outcome.stale_removed += 1;
                    run.record(Evaluation {
                        resource_type,
                        resource_id,
                        compliance: Compliance::NotApplicable,
                        annotation: Annotation::new(
                            "the resource no longer exists: the periodic sweep did not find it",
                        ),
                        ordering_timestamp: notification_creation_time,
                    })
                    .await?;
                }
            }
        }
        if !run.invocation.dry_run {
            run.writer.flush().await?;
        }
        run.outcome.written = run.writer.written();
        run.outcome.put_calls = run.writer.calls();
        run.outcome.test_mode = run.writer.test_mode();
        Ok((run.outcome, run.kept))
    }

    /// The function's own clients, or clients with credentials assumed in
    /// the event's account when `ExecutionRoleName` is set.
    async fn clients_for(
        &self,
        event: &ConfigEvent,
        parameters: &RuleParameters,
    ) -> Result<Clients, Error> {
        let Some(role_name) = &parameters.execution_role_name else {
            return Ok(self.clients.clone());
        };
        let account_id = event
            .account_id
            .as_deref()
            .ok_or(Error::MissingEventField {
                field: "accountId",
                fix: "ExecutionRoleName needs the account to assume the role in",
            })?;
        let partition = partition_of(event.config_rule_arn.as_deref(), None);
        let role_arn = format!("arn:{partition}:iam::{account_id}:role/{role_name}");
        let output = self
            .sts
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("neptune-cmk")
            .duration_seconds(900)
            .send()
            .await
            .map_err(|error| Error::AssumeRole {
                role_arn: role_arn.clone(),
                message: aws::aws_message(&error),
            })?;
        let credentials = output.credentials().ok_or_else(|| Error::AssumeRole {
            role_arn: role_arn.clone(),
            message: "the response carried no credentials".to_owned(),
        })?;
        let expiry = SystemTime::try_from(*credentials.expiration()).ok();
        let assumed = aws_credential_types::Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_owned()),
            expiry,
            "neptune-cmk-assume-role",
        );
        let sdk_config = self
            .sdk_config
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(assumed))
            .build();
        info!(%role_arn, "assumed execution role");
        Ok(Clients::new(&sdk_config))
    }
}

/// One invocation's state: the writer, the tally and the deadline.
struct Run {
    writer: EvaluationWriter,
    outcome: Outcome,
    kept: Vec<Evaluation>,
    invocation: Invocation,
    margin: Duration,
}

impl Run {
    /// Judges one configuration item, fetching cluster and key facts, and
    /// records the verdict.
    async fn judge_item(
        &mut self,
        clients: &Clients,
        item: &ConfigurationItem,
        event_left_scope: bool,
        parameters: &RuleParameters,
    ) -> Result<(), Error> {
        let mut cache = FactCache::default();
        let judgement = cache
            .judge(clients, assess(item, event_left_scope)?, parameters)
            .await?;
        self.outcome.describe_key_calls = cache.describe_key_calls();
        self.record(judgement.evaluation).await
    }

    async fn record(&mut self, evaluation: Evaluation) -> Result<(), Error> {
        match evaluation.compliance {
            Compliance::Compliant => self.outcome.compliant += 1,
            Compliance::NonCompliant => self.outcome.non_compliant += 1,
            Compliance::NotApplicable => self.outcome.not_applicable += 1,
        }
        if self.invocation.collect || self.invocation.dry_run {
            self.kept.push(evaluation.clone());
        }
        if self.invocation.dry_run {
            Ok(())
        } else {
            self.writer.push(evaluation).await
        }
    }

    /// Writes what is queued, then returns `error` with the final count; a
    /// write failure takes precedence, since it names what was lost.
    async fn fail(&mut self, error: Error) -> Error {
        if self.invocation.dry_run {
            return error;
        }
        if let Err(write_error) = self.writer.flush().await {
            return write_error;
        }
        match error {
            Error::DeadlineExceeded {
                phase,
                remaining_ms,
                ..
            } => Error::DeadlineExceeded {
                phase,
                written: self.writer.written(),
                remaining_ms,
            },
            other => other,
        }
    }
}

impl JudgementSink for Run {
    async fn accept(
        &mut self,
        judgement: Judgement,
        _identifier: Option<String>,
    ) -> Result<(), Error> {
        self.record(judgement.evaluation).await
    }

    fn checkpoint(&mut self, phase: &str) -> Result<(), Error> {
        let Some(deadline) = self.invocation.deadline else {
            return Ok(());
        };
        let remaining = deadline
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        if remaining > self.margin {
            return Ok(());
        }
        Err(Error::DeadlineExceeded {
            phase: phase.to_owned(),
            written: self.writer.written(),
            remaining_ms: remaining.as_millis(),
        })
    }
}

/// GetResourceConfigHistory for the item an oversized notification names:
/// the newest item captured at or before the notification's capture time.
async fn fetch_item(clients: &Clients, summary: &ItemHeader) -> Result<ConfigurationItem, Error> {
    let target = format!("{} {}", summary.resource_type, summary.resource_id);
    let output = clients
        .config
        .get_resource_config_history()
        .resource_type(ResourceType::from(summary.resource_type.as_str()))
        .resource_id(&summary.resource_id)
        .later_time(aws::to_date_time(summary.capture_time))
        .limit(1)
        .send()
        .await
        .map_err(|error| aws::aws_error("config:GetResourceConfigHistory", &target, &error))?;
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
        .and_then(aws::from_date_time)
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

/// Results this rule recorded earlier for resources the sweep no longer
/// sees. Results recorded after the sweep began (by a concurrent change
/// evaluation) are left alone.
async fn stale_results(
    clients: &Clients,
    rule_name: &str,
    seen: &HashSet<(String, String)>,
    sweep_started: Timestamp,
) -> Result<Vec<(String, String)>, Error> {
    let mut stale = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let page = clients
            .config
            .get_compliance_details_by_config_rule()
            .config_rule_name(rule_name)
            .compliance_types(ComplianceType::Compliant)
            .compliance_types(ComplianceType::NonCompliant)
            .limit(100)
            .set_next_token(next_token.take())
            .send()
            .await
            .map_err(|error| {
                aws::aws_error("config:GetComplianceDetailsByConfigRule", rule_name, &error)
            })?;
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
            let key = (resource_type.to_owned(), resource_id.to_owned());
            let recorded_after_sweep_began = result
                .result_recorded_time()
                .and_then(aws::from_date_time)
                .is_some_and(|recorded| recorded > sweep_started);
            if !seen.contains(&key) && !recorded_after_sweep_began {
                stale.push(key);
            }
        }
        next_token = page
            .next_token()
            .filter(|token| !token.is_empty())
            .map(str::to_owned);
        if next_token.is_none() {
            return Ok(stale);
        }
    }
}
