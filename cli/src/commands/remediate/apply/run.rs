//! Performing a plan's actions resumably: each action first looks for what
//! it would make, by the plan's predictable identifier. What it finds is
//! used when it is what the plan makes, and refused otherwise; only what is
//! missing is created. Every resource is then waited for.

use aws_sdk_neptune::types::DbCluster;
use neptune_cmk_rule::aws::{describe_cluster, describe_instance, describe_snapshot};
use neptune_cmk_rule::{Clients, Deadline};

use super::perform;
use super::verify::{verify, Verified};
use super::wait::{took, Resource, Waiter};
use crate::commands::remediate::endpoints::{self, NewEndpoint};
use crate::commands::remediate::facts::{ClusterRole, Facts};
use crate::commands::remediate::plan::{
    Action, ClusterSettings, NewCluster, NewInstance, Plan, TargetKey,
};
use crate::error::Error;

/// One `apply` run: its clients, and what the plan made so far (by this
/// run or an earlier one), for the closing summary or a failure report.
pub struct Run<'a> {
    clients: Clients,
    facts: &'a Facts,
    waiter: Waiter,
    new_cluster: String,
    new_instances: Vec<String>,
    /// What exists that the plan made, in the order it was made.
    made: Vec<Resource>,
}

/// A line of progress under the step's heading.
fn say(text: impl std::fmt::Display) {
    println!("   {text}");
}

impl<'a> Run<'a> {
    /// A run of `plan`, built from `facts`.
    pub fn new(clients: Clients, facts: &'a Facts, plan: &Plan, waiter: Waiter) -> Self {
        let mut new_cluster = String::new();
        let mut new_instances = Vec::new();
        for action in plan.steps.iter().flat_map(|step| &step.actions) {
            match action {
                Action::Restore(new) => new_cluster.clone_from(&new.identifier),
                Action::CreateInstance(instance) => new_instances.push(instance.identifier.clone()),
                _ => {}
            }
        }
        Self {
            clients,
            facts,
            waiter,
            new_cluster,
            new_instances,
            made: Vec::new(),
        }
    }

    /// Performs one action: the one function for its kind.
    pub async fn perform(&mut self, action: &Action) -> Result<(), Error> {
        match action {
            Action::Snapshot { cluster, snapshot } => self.snapshot(cluster, snapshot).await,
            Action::Restore(new) => self.restore(new).await,
            Action::Modify(settings) => self.modify(settings).await,
            Action::CreateInstance(instance) => self.instance(instance).await,
            Action::AddRole { cluster, role } => self.add_role(cluster, role).await,
            Action::CreateEndpoint(new) => self.endpoint(new).await,
            Action::CreateKey { .. }
            | Action::CancelKeyDeletion { .. }
            | Action::EnableKey { .. } => Err(Error::Refused(
                "apply changes no KMS keys; run this step yourself (see `neptune-cmk \
                     remediate plan`)"
                    .to_owned(),
            )),
        }
    }

    async fn snapshot(&mut self, cluster: &str, snapshot: &str) -> Result<(), Error> {
        let resource = Resource::Snapshot(snapshot.to_owned());
        match describe_snapshot(&self.clients.neptune, &Deadline::none(), snapshot).await? {
            Some(found) => {
                let of = found.db_cluster_identifier().unwrap_or_default();
                if !of.eq_ignore_ascii_case(cluster) {
                    return Err(not_ours(
                        &resource,
                        &format!("it is a snapshot of {of}, not of {cluster}"),
                    ));
                }
                say(format_args!(
                    "found {resource} of {cluster}, made by an earlier run"
                ));
            }
            // The restore is done and the snapshot was deleted since: a new
            // snapshot would only be another unencrypted copy.
            None if describe_cluster(
                &self.clients.neptune,
                &Deadline::none(),
                &self.new_cluster,
            )
            .await?
            .is_some() =>
            {
                say(format_args!(
                    "skipped: cluster {} already exists, so its snapshot is not needed",
                    self.new_cluster
                ));
                return Ok(());
            }
            None => {
                say(format_args!("creating {resource} of {cluster}"));
                perform::create_snapshot(&self.clients.neptune, cluster, snapshot).await?;
            }
        }
        self.made.push(resource.clone());
        self.wait(&resource).await
    }

    async fn restore(&mut self, new: &NewCluster) -> Result<(), Error> {
        let resource = Resource::Cluster(new.identifier.clone());
        match describe_cluster(&self.clients.neptune, &Deadline::none(), &new.identifier).await? {
            Some(found) => {
                if let Some(why) = unlike_the_restore(&found, new) {
                    return Err(not_ours(&resource, &why));
                }
                say(format_args!("found {resource}, restored by an earlier run"));
            }
            None => {
                let key = match &new.key {
                    TargetKey::Arn(arn) => arn.as_str(),
                    TargetKey::Created => "$CMK_ARN",
                };
                say(format_args!("restoring {resource} with key {key}"));
                perform::restore(&self.clients.neptune, new).await?;
            }
        }
        self.made.push(resource.clone());
        self.wait(&resource).await
    }

    async fn modify(&mut self, settings: &ClusterSettings) -> Result<(), Error> {
        let resource = Resource::Cluster(settings.cluster.clone());
        let current = describe_cluster(&self.clients.neptune, &Deadline::none(), &settings.cluster)
            .await?
            .ok_or_else(|| not_found(&resource))?;
        if settings_hold(&current, settings) {
            say(format_args!("already set on {resource}"));
            return Ok(());
        }
        say(format_args!(
            "setting {} on {resource}",
            setting_names(settings)
        ));
        perform::modify(&self.clients.neptune, settings).await?;
        self.wait(&resource).await
    }

    /// Attaches a role unless an earlier run did; a role the new cluster
    /// holds for another feature is not ours to change.
    async fn add_role(&mut self, cluster: &str, role: &ClusterRole) -> Result<(), Error> {
        let resource = Resource::Cluster(cluster.to_owned());
        let current = describe_cluster(&self.clients.neptune, &Deadline::none(), cluster)
            .await?
            .ok_or_else(|| not_found(&resource))?;
        let held = current
            .associated_roles()
            .iter()
            .find(|found| found.role_arn() == Some(role.role_arn.as_str()));
        let feature = role.feature_name.as_deref().unwrap_or("no feature");
        match held {
            Some(found) if found.feature_name() == role.feature_name.as_deref() => {
                say(format_args!(
                    "role {} ({feature}) is already attached to {resource}",
                    role.role_arn
                ));
                return Ok(());
            }
            Some(found) => {
                let why = format!(
                    "it holds role {} for {}, not for {feature}",
                    role.role_arn,
                    found.feature_name().unwrap_or("no feature")
                );
                return Err(not_ours(&resource, &why));
            }
            None => {}
        }
        say(format_args!(
            "attaching role {} ({feature}) to {resource}",
            role.role_arn
        ));
        perform::add_role(&self.clients.neptune, cluster, role).await?;
        self.wait(&resource).await
    }

    /// Creates a custom endpoint unless an earlier run did. It is not waited
    /// for: nothing after it needs it, and it becomes available by itself.
    async fn endpoint(&mut self, new: &NewEndpoint) -> Result<(), Error> {
        let what = format!("custom endpoint {}", new.identifier);
        match endpoints::named(&self.clients.neptune, &new.identifier).await? {
            Some((cluster, found)) => {
                if let Some(why) = new.unlike(&found, &cluster) {
                    return Err(Error::Refused(format!(
                        "{what} already exists, but it is not what the plan makes: {why}. apply \
                         never changes or deletes what it did not make; find out what it is, \
                         then delete it and run again"
                    )));
                }
                say(format_args!(
                    "found {what} on {cluster}, created by an earlier run"
                ));
            }
            None => {
                say(format_args!(
                    "creating {what} ({}) on {} like {}",
                    new.kind, new.cluster, new.source.identifier
                ));
                endpoints::create(&self.clients.neptune, new).await?;
            }
        }
        Ok(())
    }

    async fn instance(&mut self, instance: &NewInstance) -> Result<(), Error> {
        let resource = Resource::Instance(instance.identifier.clone());
        match describe_instance(
            &self.clients.neptune,
            &Deadline::none(),
            &instance.identifier,
        )
        .await?
        {
            Some(found) => {
                let cluster = found.db_cluster_identifier().unwrap_or("no cluster");
                if !cluster.eq_ignore_ascii_case(&instance.cluster) {
                    let why = format!("it belongs to {cluster}, not to {}", instance.cluster);
                    return Err(not_ours(&resource, &why));
                }
                say(format_args!("found {resource}, created by an earlier run"));
            }
            None => {
                let settings = &instance.settings;
                say(format_args!(
                    "creating {resource} like {} ({}, {})",
                    settings.identifier,
                    settings.class.as_deref().unwrap_or("default class"),
                    settings.availability_zone.as_deref().unwrap_or("any zone")
                ));
                perform::create_instance(&self.clients.neptune, instance).await?;
            }
        }
        self.made.push(resource.clone());
        self.wait(&resource).await
    }

    async fn wait(&self, resource: &Resource) -> Result<(), Error> {
        let waited = self.waiter.until_available(&self.clients, resource).await?;
        say(format_args!(
            "{resource} is available (waited {}, {} status check{})",
            took(waited.elapsed),
            waited.checks,
            if waited.checks == 1 { "" } else { "s" }
        ));
        Ok(())
    }

    /// The new cluster and instances, judged by the rule with the plan's
    /// parameters.
    pub async fn verify(&self) -> Result<Verified, Error> {
        let verified = verify(
            &self.clients,
            &self.facts.region,
            &self.new_cluster,
            &self.new_instances,
            &self.facts.parameters,
        )
        .await?;
        for line in &verified.lines {
            say(line);
        }
        Ok(verified)
    }

    /// What exists now, and how to continue or clean up: the tail of a
    /// failure message. Running the same command again is advised only
    /// when `cause` can pass without a change (`rerun_helps`); otherwise it
    /// would fail the same way.
    pub fn aftermath(&self, cause: &Error) -> String {
        let facts = self.facts;
        let rerun = rerun_helps(cause);
        let mut text = format!(
            "{} was not changed (apply never changes the source).\n",
            facts.cluster.identifier
        );
        if self.made.is_empty() {
            text += if rerun {
                "Nothing was created. To retry, run the same command again."
            } else {
                "Nothing was created. Deal with the cause above first: until then the same \
                 command fails the same way."
            };
            return text;
        }
        text += "Exists now, made by this plan:\n";
        for resource in &self.made {
            text += &format!("  {resource}\n");
        }
        text += if rerun {
            "To continue, run the same command again: it finds these by name and goes on \
             without duplicating them.\n"
        } else {
            "To continue, deal with the cause above first (until then the same command fails \
             the same way); then run it again: it finds these by name and goes on without \
             duplicating them.\n"
        };
        text += "To clean up instead, delete them:\n";
        for resource in self.made.iter().rev() {
            // The new cluster carries the source's deletion protection.
            for command in
                resource.delete_commands(&facts.region, facts.cluster.deletion_protection)
            {
                text += &format!("{}\n", command.render());
            }
        }
        text.trim_end().to_owned()
    }
}

/// Whether running the same command again can get past `cause` with
/// nothing changed. A refusal (something not ours under the plan's name),
/// a verdict other than COMPLIANT and a dead-end status recur on every run;
/// a wait that ran out or an AWS error (capacity, throttling) may not.
fn rerun_helps(cause: &Error) -> bool {
    !matches!(
        cause,
        Error::Refused(_)
            | Error::NotVerified { .. }
            | Error::Unavailable { .. }
            | Error::Usage { .. }
    )
}

/// Why `found` is not the cluster the plan's restore makes; `None` when it is.
fn unlike_the_restore(found: &DbCluster, new: &NewCluster) -> Option<String> {
    let engine = found.engine().unwrap_or("unknown");
    if !engine.eq_ignore_ascii_case("neptune") {
        return Some(format!("it is a {engine} cluster"));
    }
    let TargetKey::Arn(key) = &new.key else {
        return Some("apply was given no key to compare it with".to_owned());
    };
    match found.kms_key_id() {
        _ if found.storage_encrypted() != Some(true) => Some("it is not encrypted".to_owned()),
        Some(found_key) if found_key == key => None,
        Some(found_key) => Some(format!("it is encrypted with {found_key}, not with {key}")),
        None => Some(format!("it is not encrypted with {key}")),
    }
}

fn settings_hold(current: &DbCluster, settings: &ClusterSettings) -> bool {
    let holds = |wanted: Option<&str>, actual: Option<&str>| wanted.is_none() || wanted == actual;
    (settings.backup_retention.is_none()
        || settings.backup_retention == current.backup_retention_period())
        && holds(
            settings.backup_window.as_deref(),
            current.preferred_backup_window(),
        )
        && holds(
            settings.maintenance_window.as_deref(),
            current.preferred_maintenance_window(),
        )
        && (settings.copy_tags_to_snapshot.is_none()
            || settings.copy_tags_to_snapshot == current.copy_tags_to_snapshot())
}

fn setting_names(settings: &ClusterSettings) -> String {
    let mut names = Vec::new();
    if let Some(days) = settings.backup_retention {
        names.push(format!("backup retention {days} d"));
    }
    if let Some(window) = &settings.backup_window {
        names.push(format!("backup window {window}"));
    }
    if let Some(window) = &settings.maintenance_window {
        names.push(format!("maintenance window {window}"));
    }
    if settings.copy_tags_to_snapshot == Some(true) {
        names.push("copy tags to snapshots".to_owned());
    }
    names.join(", ")
}

/// Something with the plan's name exists but is not what the plan makes:
/// apply stops rather than adopt, change or delete it.
fn not_ours(resource: &Resource, why: &str) -> Error {
    Error::Refused(format!(
        "{resource} already exists, but it is not what the plan makes: {why}. apply never \
         changes or deletes what it did not make; find out what it is, then delete or rename it \
         and run again"
    ))
}

fn not_found(resource: &Resource) -> Error {
    Error::Unavailable {
        resource: resource.to_string(),
        status: "gone (it was deleted while apply ran)".to_owned(),
    }
}
