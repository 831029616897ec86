//! `neptune-cmk audit`: the periodic sweep of the Lambda, run now, across
//! regions concurrently, printed instead of written.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use neptune_cmk_evaluator::{Compliance, KeyLookup, KeyManager, RuleParameters, Timestamp};
use neptune_cmk_rule::facts::Judgement;
use neptune_cmk_rule::sweep::{self, JudgementSink, SweepContext};
use neptune_cmk_rule::{Clients, Error};

use crate::{output, sdk_config, Format, RuleFlags, Status, Target};

/// One printed row.
#[derive(Debug, Clone)]
pub struct Row {
    pub region: String,
    pub resource_type: String,
    pub identifier: String,
    pub resource_id: String,
    pub encrypted: Option<bool>,
    pub key_arn: Option<String>,
    pub key_manager: Option<String>,
    pub key_state: Option<String>,
    pub compliance: Compliance,
    pub annotation: String,
}

struct Collect {
    region: String,
    rows: Vec<Row>,
}

impl JudgementSink for Collect {
    async fn accept(
        &mut self,
        judgement: Judgement,
        identifier: Option<String>,
    ) -> Result<(), Error> {
        let (key_manager, key_state) = match &judgement.key {
            Some(KeyLookup::Found(facts)) => (
                Some(match facts.key_manager {
                    KeyManager::Aws => "AWS".to_owned(),
                    KeyManager::Customer => "CUSTOMER".to_owned(),
                }),
                Some(facts.key_state.as_str().to_owned()),
            ),
            Some(KeyLookup::NotFound) => (None, Some("NotFound".to_owned())),
            Some(KeyLookup::AccessDenied) => (None, Some("AccessDenied".to_owned())),
            None => (None, None),
        };
        let evaluation = judgement.evaluation;
        self.rows.push(Row {
            region: self.region.clone(),
            resource_type: evaluation.resource_type,
            identifier: identifier.unwrap_or_default(),
            resource_id: evaluation.resource_id,
            encrypted: judgement.encrypted,
            key_arn: judgement.key_arn,
            key_manager,
            key_state,
            compliance: evaluation.compliance,
            annotation: evaluation.annotation.as_str().to_owned(),
        });
        Ok(())
    }

    fn checkpoint(&mut self, _phase: &str) -> Result<(), Error> {
        Ok(())
    }
}

pub async fn run(target: &Target, flags: &RuleFlags, format: Format) -> Result<Status, String> {
    let parameters = flags.rule_parameters().map_err(|error| error.to_string())?;
    let base = sdk_config(target.profile.as_deref(), None).await;
    let regions = regions(target, &base).await?;
    let account_id = aws_sdk_sts::Client::new(&base)
        .get_caller_identity()
        .send()
        .await
        .map_err(|error| {
            format!(
                "sts:GetCallerIdentity failed (are credentials configured?): {}",
                aws_sdk_sts::error::DisplayErrorContext(error)
            )
        })?
        .account
        .ok_or("sts:GetCallerIdentity returned no account")?;

    let progress = progress_bar(regions.len());
    let mut tasks = tokio::task::JoinSet::new();
    for region in regions {
        let config = sdk_config(target.profile.as_deref(), Some(&region)).await;
        let (parameters, account_id, progress) =
            (parameters.clone(), account_id.clone(), progress.clone());
        tasks.spawn(async move {
            let result = audit_region(&config, &region, &account_id, &parameters).await;
            progress.inc(1);
            (region, result)
        });
    }
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((_, Ok(region_rows))) => rows.extend(region_rows),
            Ok((region, Err(error))) => failures.push(format!("{region}: {error}")),
            Err(error) => failures.push(format!("a region scan panicked: {error}")),
        }
    }
    progress.finish_and_clear();
    rows.sort_by(|a, b| {
        (&a.region, &a.resource_type, &a.identifier).cmp(&(
            &b.region,
            &b.resource_type,
            &b.identifier,
        ))
    });
    print!("{}", output::rows(&rows, format));
    if !failures.is_empty() {
        return Err(format!(
            "{} region(s) could not be audited:\n  {}",
            failures.len(),
            failures.join("\n  ")
        ));
    }
    Ok(
        if rows
            .iter()
            .any(|row| row.compliance == Compliance::NonCompliant)
        {
            Status::NonCompliant
        } else {
            Status::AllCompliant
        },
    )
}

async fn audit_region(
    config: &aws_config::SdkConfig,
    region: &str,
    account_id: &str,
    parameters: &RuleParameters,
) -> Result<Vec<Row>, Error> {
    let clients = Clients::new(config);
    let context = SweepContext {
        clients: &clients,
        account_id,
        region: Some(region),
        parameters,
        // Audits write nothing, so the ordering timestamp is never used.
        ordering_timestamp: Timestamp::from_epoch_millis(0),
    };
    let mut sink = Collect {
        region: region.to_owned(),
        rows: Vec::new(),
    };
    sweep::sweep(&context, &mut sink).await?;
    Ok(sink.rows)
}

/// The regions to scan: given, all enabled ones, or the configured one.
async fn regions(target: &Target, base: &aws_config::SdkConfig) -> Result<Vec<String>, String> {
    if !target.regions.is_empty() {
        return Ok(target.regions.clone());
    }
    if !target.all_regions {
        return base
            .region()
            .map(|region| vec![region.to_string()])
            .ok_or_else(|| {
                "no region: pass --region, --all-regions, or set AWS_REGION / a profile region"
                    .to_owned()
            });
    }
    let client = aws_sdk_account::Client::new(base);
    let mut regions = Vec::new();
    let mut next_token = None;
    loop {
        let page = client
            .list_regions()
            .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::Enabled)
            .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::EnabledByDefault)
            .max_results(50)
            .set_next_token(next_token.take())
            .send()
            .await
            .map_err(|error| {
                let denied = error.as_service_error().is_some_and(|e| e.is_access_denied_exception());
                if denied {
                    "--all-regions needs account:ListRegions, which these credentials lack; grant it or pass --region for each region".to_owned()
                } else {
                    format!("account:ListRegions failed: {}", aws_sdk_account::error::DisplayErrorContext(error))
                }
            })?;
        regions.extend(
            page.regions()
                .iter()
                .filter_map(|region| region.region_name().map(str::to_owned)),
        );
        next_token = page.next_token().map(str::to_owned);
        if next_token.is_none() {
            return Ok(regions);
        }
    }
}

fn progress_bar(regions: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(regions as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} scanning regions {pos}/{len} [{bar:30}] {elapsed}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
