//! [`Rule::handle`]: one Config event in, its evaluations handed to a sink,
//! the outcome and the sink back ([`Handled`]).
//!
//! The event's path: parse the envelope and parameters, pick the clients
//! (assuming `ExecutionRoleName` when set), then judge one changed item
//! (`change`), re-judge what a changed KMS key encrypts, or sweep the
//! account ([`crate::sweep`]), and finally flush the sink. Every evaluation
//! passes through [`Run::record`], which tallies it. Whatever fails after
//! judging began, everything judged is written first.

use aws_lambda_events::event::config::ConfigEvent;
use neptune_cmk_evaluator::{
    partition_of, Compliance, ConfigurationItem, Evaluation, InvokingEvent, KeyChange, Reason,
    RuleParameters, Scope, Timestamp,
};
use tracing::warn;

use crate::aws::role_arn;
use crate::change::{self, JudgedItem, Oversized};
use crate::clients::Session;
use crate::error::MAX_NAMED;
use crate::fact_cache::Judgement;
use crate::rule_scope::rule_scope;
use crate::sink::{Destination, EvaluationSink};
use crate::sweep::{
    self, JudgementSink, PreviousResults, ResourceKey, SweepContext, SweepReport, Unjudged,
};
use crate::writer::TEST_MODE_TOKEN;
use crate::{Clients, Deadline, Error, Outcome};

/// What handling an event came to: the invocation's outcome, and the sink
/// that took its evaluations (the writer's call count, a collector's
/// evaluations).
#[derive(Debug)]
pub struct Handled<S> {
    /// What the invocation did.
    pub outcome: Outcome,
    /// The sink `open_sink` returned, flushed.
    pub sink: S,
}

/// The rule: its SDK configuration, and clients built on first use and
/// reused by every invocation of the process.
#[derive(Clone, Debug)]
pub struct Rule {
    session: Session,
}

impl Rule {
    /// A rule whose clients come from `sdk_config` (which honours
    /// `AWS_REGION`, credentials and `AWS_ENDPOINT_URL[_*]`), each built when
    /// first needed.
    pub fn new(sdk_config: &aws_config::SdkConfig) -> Self {
        Self {
            session: Session::new(sdk_config),
        }
    }

    /// Uses `clients` for the function's own account instead of clients
    /// built from the SDK configuration (tests inject mocked clients here).
    pub fn with_clients(mut self, clients: Clients) -> Self {
        self.session = self.session.with_own_clients(clients);
        self
    }

    /// The function's own clients and the means to act elsewhere.
    pub(crate) fn session(&self) -> &Session {
        &self.session
    }

    /// Handles one Config event. `open_sink` receives where the evaluations
    /// belong (Config client and result token) and returns the sink that
    /// takes them; it is returned with the outcome.
    pub async fn handle<S: EvaluationSink>(
        &self,
        event: &ConfigEvent,
        deadline: Deadline,
        open_sink: impl FnOnce(Destination) -> S,
    ) -> Result<Handled<S>, Error> {
        let request = Request::parse(event)?;
        let role_arn = request.role_arn(event)?;
        let clients = self
            .session
            .clients_for(role_arn.as_deref(), &deadline)
            .await?;
        let mut run = Run {
            sink: open_sink(Destination {
                config: clients.config.clone(),
                result_token: request.result_token.clone(),
            }),
            outcome: Outcome::default(),
            problems: Problems::default(),
            testing: request.result_token == TEST_MODE_TOKEN,
            clients,
            parameters: request.parameters,
            deadline,
        };
        let done = match request.invoking_event {
            InvokingEvent::ItemChange { item, .. } => {
                run.changed(&item, event.event_left_scope, event).await
            }
            InvokingEvent::OversizedItemChange { summary, .. } => match change::oversized_item(
                &run.clients,
                &summary,
                event.event_left_scope,
                deadline,
            )
            .await
            {
                Ok(Oversized::Fetched(item)) => {
                    run.changed(&item, event.event_left_scope, event).await
                }
                Ok(Oversized::Decided(not_applicable)) => run.record(not_applicable).await,
                Err(error) => Err(error),
            },
            InvokingEvent::Scheduled {
                account_id,
                notification_creation_time,
            } => {
                let account_id = event_account(
                    event,
                    account_id.as_deref(),
                    "a scheduled event names the account it evaluates",
                )?;
                let rule_name = rule_name(event)?;
                run.scheduled(account_id, rule_name, notification_creation_time)
                    .await
            }
        };
        run.finish(done).await
    }
}

/// The parsed envelope.
struct Request {
    parameters: RuleParameters,
    invoking_event: InvokingEvent,
    result_token: String,
}

impl Request {
    fn parse(event: &ConfigEvent) -> Result<Self, Error> {
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
        Ok(Self {
            parameters,
            invoking_event,
            result_token,
        })
    }

    /// The role `ExecutionRoleName` names in the event's account, if set.
    fn role_arn(&self, event: &ConfigEvent) -> Result<Option<String>, Error> {
        let Some(role_name) = &self.parameters.execution_role_name else {
            return Ok(None);
        };
        Ok(Some(role_arn(
            partition_of(event.config_rule_arn.as_deref(), None),
            event_account(event, None, "ExecutionRoleName needs the account to act in")?,
            role_name,
        )))
    }
}

/// The account an event is about: the envelope's, else the invoking event's.
fn event_account<'a>(
    event: &'a ConfigEvent,
    invoking_event_account: Option<&'a str>,
    fix: &'static str,
) -> Result<&'a str, Error> {
    event
        .account_id
        .as_deref()
        .or(invoking_event_account)
        .ok_or(Error::MissingEventField {
            field: "accountId",
            fix,
        })
}

fn rule_name(event: &ConfigEvent) -> Result<&str, Error> {
    event
        .config_rule_name
        .as_deref()
        .ok_or(Error::MissingEventField {
            field: "configRuleName",
            fix: "the rule's scope and earlier results are found by its name, which Config always \
                  sends",
        })
}

/// What kept an invocation from doing all of its work, collected while the
/// rest goes on and reported once everything judged is written.
/// Any failure that stopped part of the work also skips the stale cleanup.
#[derive(Debug, Default)]
struct Problems {
    stopped_by: Option<Error>,
    /// The first [`MAX_NAMED`] resources not judged (`Outcome::unjudged`
    /// counts them all).
    unjudged: Vec<String>,
}

impl Problems {
    /// Keeps the first failure that stopped part of the work.
    fn stopped(&mut self, error: Error) {
        warn!(%error, "part of the invocation stopped");
        self.stopped_by.get_or_insert(error);
    }
}

/// One invocation's state: the sink, the tally, and what it needs to judge.
struct Run<S> {
    sink: S,
    outcome: Outcome,
    problems: Problems,
    /// A `TESTMODE` token: results are not stored, so there are no earlier
    /// results to clean up and the rule name may be a placeholder.
    testing: bool,
    clients: Clients,
    parameters: RuleParameters,
    deadline: Deadline,
}

impl<S: EvaluationSink> Run<S> {
    async fn record(&mut self, evaluation: Evaluation) -> Result<(), Error> {
        match evaluation.compliance() {
            Compliance::Compliant => self.outcome.compliant += 1,
            Compliance::NonCompliant => self.outcome.non_compliant += 1,
            Compliance::NotApplicable => self.outcome.not_applicable += 1,
        }
        self.sink.accept(evaluation).await
    }

    /// A changed item: a KMS key re-judges what it encrypts; anything else
    /// is judged itself.
    async fn changed(
        &mut self,
        item: &ConfigurationItem,
        event_left_scope: bool,
        event: &ConfigEvent,
    ) -> Result<(), Error> {
        if let Some(key_change) = KeyChange::from_item(item, event_left_scope)? {
            return self.key_changed(&key_change, event).await;
        }
        let JudgedItem {
            evaluation,
            describe_key_calls,
        } = change::judge_item(
            &self.clients,
            item,
            event_left_scope,
            &self.parameters,
            self.deadline,
        )
        .await?;
        self.outcome.describe_key_calls = describe_key_calls;
        self.record(evaluation).await
    }

    /// Re-judges every resource of this account and region encrypted with
    /// the key, with the key's new facts and the item's capture time; then
    /// the key's own NOT_APPLICABLE.
    async fn key_changed(
        &mut self,
        key_change: &KeyChange,
        event: &ConfigEvent,
    ) -> Result<(), Error> {
        let mut rejudged = 0;
        if key_change.rejudge {
            let scope = self.scope(rule_name(event)?).await;
            let (clients, parameters) = (self.clients.clone(), self.parameters.clone());
            let region = clients.region().or_else(|| key_change.region.clone());
            let context = SweepContext {
                clients: &clients,
                account_id: &key_change.account_id,
                region: region.as_deref(),
                parameters: &parameters,
                scope: &scope,
                key: Some(key_change),
                ordering_timestamp: key_change.captured,
                deadline: self.deadline,
            };
            let mut report = sweep::sweep(&context, self).await?;
            rejudged = report.judged;
            self.absorb(&mut report);
        }
        self.record(key_change.evaluation(rejudged)).await
    }

    /// The periodic sweep: every resource in scope, then earlier results of
    /// resources it did not find. The earlier results are read while the
    /// sweep lists (their paging is often the longest chain of calls).
    async fn scheduled(
        &mut self,
        account_id: &str,
        rule_name: &str,
        started: Timestamp,
    ) -> Result<(), Error> {
        let began = std::time::Instant::now();
        let scope = self.scope(rule_name).await;
        let (clients, parameters) = (self.clients.clone(), self.parameters.clone());
        let (testing, deadline) = (self.testing, self.deadline);
        let region = clients.region();
        let context = SweepContext {
            clients: &clients,
            account_id,
            region: region.as_deref(),
            parameters: &parameters,
            scope: &scope,
            key: None,
            ordering_timestamp: started,
            deadline,
        };
        // TestMode results are never stored: nothing earlier to clear.
        let previous = async {
            match testing {
                true => None,
                false => {
                    Some(sweep::previous_results(&clients, rule_name, started, &deadline).await)
                }
            }
        };
        let (swept, previous) = tokio::join!(sweep::sweep(&context, self), previous);
        let mut report = swept?;
        self.absorb(&mut report);
        let cleared = self.clear_stale(&scope, &report, previous, started).await;
        self.outcome.sweep_ms = Some(began.elapsed().as_millis() as u64);
        cleared
    }

    /// The rule's scope. With a `TESTMODE` token the rule may not exist, so
    /// an error means "no scope"; otherwise the sweep still runs unscoped,
    /// but the failure is reported and nothing is cleaned up as stale.
    async fn scope(&mut self, rule_name: &str) -> Scope {
        match rule_scope(&self.clients, rule_name, &self.deadline).await {
            Ok(scope) => scope,
            Err(error) if self.testing => {
                warn!(%error, "TESTMODE: no rule scope, judging every resource");
                Scope::everything()
            }
            Err(error) => {
                self.problems.stopped(error);
                Scope::everything()
            }
        }
    }

    /// Marks earlier results of resources the sweep no longer finds (or
    /// finds outside the scope) NOT_APPLICABLE. Only after everything was
    /// listed, and never for `TESTMODE` (`previous` is `None`).
    async fn clear_stale(
        &mut self,
        scope: &Scope,
        report: &SweepReport,
        previous: Option<Result<PreviousResults, Error>>,
        started: Timestamp,
    ) -> Result<(), Error> {
        let Some(previous) = previous else {
            return Ok(());
        };
        let previous = match previous {
            Ok(previous) => previous,
            Err(error) => {
                self.problems.stopped(error);
                return Ok(());
            }
        };
        // A listing that stopped, or no scope: some resources were not seen.
        if self.problems.stopped_by.is_some() {
            return Ok(());
        }
        for stale in previous.stale(&report.seen) {
            let outside = report.out_of_scope.contains(&stale);
            let ResourceKey {
                resource_type,
                resource_id,
            } = stale;
            let evaluation = if outside {
                Evaluation::new(
                    resource_type,
                    resource_id,
                    Reason::OutOfScope,
                    format!("outside the rule's scope ({})", scope.describe()),
                    started,
                )
            } else {
                Evaluation::new(
                    resource_type,
                    resource_id,
                    Reason::Stale,
                    "the resource no longer exists: the periodic sweep did not find it",
                    started,
                )
            };
            self.outcome.stale_removed += 1;
            self.record(evaluation).await?;
        }
        Ok(())
    }

    /// Takes a sweep's counts and problems into the invocation's; what it
    /// saw stays in the report for the stale cleanup.
    fn absorb(&mut self, report: &mut SweepReport) {
        self.outcome.describe_key_calls += report.describe_key_calls;
        if let Some(stopped) = report.stopped.take() {
            self.problems.stopped(stopped);
        }
    }

    /// Writes what is queued, then reports: the outcome, or the failure with
    /// how much was written. A write failure takes precedence, since it
    /// names what was lost.
    async fn finish(mut self, done: Result<(), Error>) -> Result<Handled<S>, Error> {
        if let Err(error) = self.sink.flush().await {
            return Err(error.with_tally(self.outcome));
        }
        done?;
        self.outcome.written = self.sink.written();
        if self.problems.stopped_by.is_some() || self.outcome.unjudged > 0 {
            return Err(Error::Incomplete {
                stopped_by: self.problems.stopped_by.map(Box::new),
                unjudged: self.problems.unjudged,
                outcome: Box::new(self.outcome),
            });
        }
        Ok(Handled {
            outcome: self.outcome,
            sink: self.sink,
        })
    }
}

impl<S: EvaluationSink> JudgementSink for Run<S> {
    async fn accept(
        &mut self,
        judgement: Judgement,
        _identifier: Option<String>,
    ) -> Result<(), Error> {
        self.record(judgement.evaluation).await
    }

    fn unjudged(&mut self, resource: &Unjudged) {
        self.outcome.unjudged += 1;
        if self.problems.unjudged.len() < MAX_NAMED {
            self.problems.unjudged.push(format!(
                "{} {}: {}",
                resource.resource_type, resource.name, resource.error
            ));
        }
    }
}
