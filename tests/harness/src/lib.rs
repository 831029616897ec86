//! Test support for the rule's and the CLI's tests: a patched moto server per
//! test (`tests/moto/launcher.py`), its control API, fleet seeding through
//! the real SDK clients, and Config event builders.
//!
//! The launcher runs in the project's Python venv; `make test` passes its
//! interpreter in `NEPTUNE_CMK_PYTHON` (default: `<workspace>/.venv/bin/python`).
//! It refuses AssumeRole of a role that does not exist, as STS does: a test
//! creates every role it assumes ([`create_role`]).

mod endpoints;
mod org;

pub use endpoints::DeadEndpoint;
pub use org::{assumed, create_member, create_organization, create_role, ORGANIZATION_ACCESS_ROLE};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::Credentials;
use aws_lambda_events::event::config::ConfigEvent;
use aws_sdk_kms::types::KeyMetadata;
use serde_json::{json, Value};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
pub const RULE_NAME: &str = "neptune-cmk-encrypted";
pub const RULE_ARN: &str = "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-0123456";

/// A running moto launcher, stopped on drop.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    /// Starts `tests/moto/launcher.py` on a free loopback port, with
    /// AssumeRole requiring the role to exist (`--check-assume-role`).
    pub fn start() -> Self {
        let python = std::env::var("NEPTUNE_CMK_PYTHON").unwrap_or_else(|_| {
            let venv = workspace_root().join(".venv/bin/python");
            venv.to_string_lossy().into_owned()
        });
        let mut child = Command::new(&python)
            .arg(workspace_root().join("tests/moto/launcher.py"))
            .args(["--host", "127.0.0.1", "--port", "0", "--exit-on-stdin-eof"])
            .arg("--check-assume-role")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start moto with {python} ({error}); run `make venv` first")
            });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("launcher prints READY <port>");
        let port = line
            .strip_prefix("READY ")
            .and_then(|port| port.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected launcher output {line:?}"));
        Self { child, port }
    }

    /// Stops the server now (the fault tests kill it mid-sweep).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SDK configuration pointing every client at this server.
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(REGION)
            .endpoint_url(self.endpoint())
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }

    /// One control-API request; returns the JSON answer.
    pub fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|body| body.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "{method} /_neptune_cmk/{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
        assert!(
            head.starts_with("HTTP/1.1 2") || head.starts_with("HTTP/1.0 2"),
            "{head}\n{body}"
        );
        serde_json::from_str(body).unwrap_or(Value::Null)
    }

    /// Every PutEvaluations call the server accepted, in order.
    pub fn put_calls(&self) -> Vec<Value> {
        self.control("GET", "put_evaluations", None)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Every evaluation written, flattened, as (type, id, compliance, annotation).
    pub fn written(&self) -> Vec<(String, String, String, String)> {
        self.put_calls()
            .iter()
            .flat_map(|call| call["evaluations"].as_array().cloned().unwrap_or_default())
            .map(|evaluation| {
                let field = |name: &str| evaluation[name].as_str().unwrap_or_default().to_owned();
                (
                    field("ComplianceResourceType"),
                    field("ComplianceResourceId"),
                    field("ComplianceType"),
                    field("Annotation"),
                )
            })
            .collect()
    }

    /// API calls counted by the server, e.g. `kms:DescribeKey`.
    pub fn calls(&self, operation: &str) -> u64 {
        self.control("GET", "calls", None)[operation]
            .as_u64()
            .unwrap_or(0)
    }

    pub fn reset_calls(&self) {
        self.control("POST", "calls/reset", None);
    }

    /// Registers the rule as a deployment creates it, so DescribeConfigRules
    /// answers with `scope` (see [`rule_scope`]).
    pub fn register_rule(&self, scope: Value) {
        self.control(
            "POST",
            "config_rules",
            Some(json!({"configRuleName": RULE_NAME, "scope": scope})),
        );
    }

    /// Makes DescribeDB* report `fields` for one record from now on (`kind`
    /// is `cluster`, `instance` or `snapshot`), e.g. a KmsKeyId that is not
    /// a key, so that record cannot be judged.
    pub fn override_record(&self, kind: &str, id: &str, fields: Value) {
        self.control(
            "POST",
            "rds_override",
            Some(json!({"kind": kind, "id": id, "fields": fields})),
        );
    }

    /// Queues a fault (see tests/moto/README.md, "Faults").
    pub fn fault(&self, fault: Value) {
        self.control("POST", "faults", Some(fault));
    }

    /// AWS calls being answered now, and those of them asleep in a latency
    /// or a fault's `delay_seconds`: `(in flight, sleeping)`.
    pub fn in_flight(&self) -> (u64, u64) {
        let answer = self.control("GET", "concurrency", None);
        let count = |name: &str| answer[name].as_u64().expect("a count");
        (count("inFlight"), count("sleeping"))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The repository root (this crate lives in `tests/harness/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/harness sits two levels below the workspace root")
        .to_path_buf()
}

/// A fleet seeded through the real SDK clients.
pub struct Fleet {
    pub kms: aws_sdk_kms::Client,
    pub neptune: aws_sdk_neptune::Client,
}

pub struct Cluster {
    pub identifier: String,
    pub resource_id: String,
}

impl Fleet {
    pub fn new(sdk_config: &SdkConfig) -> Self {
        Self {
            kms: aws_sdk_kms::Client::new(sdk_config),
            neptune: aws_sdk_neptune::Client::new(sdk_config),
        }
    }

    pub async fn customer_key(&self) -> KeyMetadata {
        self.kms
            .create_key()
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
    }

    pub async fn disabled_key(&self) -> KeyMetadata {
        let key = self.customer_key().await;
        self.kms
            .disable_key()
            .key_id(key.key_id())
            .send()
            .await
            .unwrap();
        key
    }

    pub async fn pending_deletion_key(&self) -> KeyMetadata {
        let key = self.customer_key().await;
        self.kms
            .schedule_key_deletion()
            .key_id(key.key_id())
            .pending_window_in_days(7)
            .send()
            .await
            .unwrap();
        key
    }

    /// The account's AWS managed key for RDS (`alias/aws/rds`).
    pub async fn aws_rds_key(&self) -> KeyMetadata {
        let output = self
            .kms
            .describe_key()
            .key_id("alias/aws/rds")
            .send()
            .await
            .unwrap();
        output.key_metadata.unwrap()
    }

    pub async fn cluster(&self, identifier: &str, engine: &str, key_arn: Option<&str>) -> Cluster {
        let output = self
            .neptune
            .create_db_cluster()
            .db_cluster_identifier(identifier)
            .engine(engine)
            // Other engines (the Aurora decoy) need a master user; Neptune ignores it.
            .set_master_username((engine != "neptune").then(|| "admin".to_owned()))
            .set_master_user_password((engine != "neptune").then(|| "not-a-secret-1".to_owned()))
            .storage_encrypted(key_arn.is_some())
            .set_kms_key_id(key_arn.map(str::to_owned))
            .send()
            .await
            .unwrap();
        let cluster = output.db_cluster.unwrap();
        Cluster {
            identifier: identifier.to_owned(),
            resource_id: cluster.db_cluster_resource_id.unwrap(),
        }
    }

    /// An instance in `cluster`; returns its DbiResourceId.
    pub async fn instance(&self, identifier: &str, cluster: &str) -> String {
        let output = self
            .neptune
            .create_db_instance()
            .db_instance_identifier(identifier)
            .db_instance_class("db.r6g.large")
            .engine("neptune")
            .db_cluster_identifier(cluster)
            .send()
            .await
            .unwrap();
        output.db_instance.unwrap().dbi_resource_id.unwrap()
    }

    /// Tags a cluster, instance or snapshot by ARN.
    pub async fn tag(&self, arn: &str, key: &str, value: &str) {
        self.neptune
            .add_tags_to_resource()
            .resource_name(arn)
            .tags(
                aws_sdk_neptune::types::Tag::builder()
                    .key(key)
                    .value(value)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }

    /// The ARN of cluster `identifier`.
    pub async fn cluster_arn(&self, identifier: &str) -> String {
        self.neptune
            .describe_db_clusters()
            .db_cluster_identifier(identifier)
            .send()
            .await
            .unwrap()
            .db_clusters()[0]
            .db_cluster_arn()
            .unwrap()
            .to_owned()
    }

    /// Sets a key's state in KMS (`Enabled`, `Disabled` or `PendingDeletion`).
    pub async fn set_key_state(&self, key: &KeyMetadata, state: &str) {
        let key_id = key.key_id();
        match state {
            "Enabled" => {
                if key.key_state().map(|s| s.as_str()) == Some("PendingDeletion") {
                    self.kms
                        .cancel_key_deletion()
                        .key_id(key_id)
                        .send()
                        .await
                        .unwrap();
                }
                self.kms
                    .enable_key()
                    .key_id(key_id)
                    .send()
                    .await
                    .map(drop)
                    .unwrap();
            }
            "Disabled" => self
                .kms
                .disable_key()
                .key_id(key_id)
                .send()
                .await
                .map(drop)
                .unwrap(),
            "PendingDeletion" => self
                .kms
                .schedule_key_deletion()
                .key_id(key_id)
                .pending_window_in_days(7)
                .send()
                .await
                .map(drop)
                .unwrap(),
            other => panic!("no such key state in tests: {other}"),
        }
    }

    /// Creates a manual cluster snapshot of `cluster`.
    pub async fn snapshot(&self, identifier: &str, cluster: &str) {
        self.neptune
            .create_db_cluster_snapshot()
            .db_cluster_snapshot_identifier(identifier)
            .db_cluster_identifier(cluster)
            .send()
            .await
            .unwrap();
    }
}

/// A Lambda event envelope around `invoking_event`.
pub fn envelope(
    invoking_event: Value,
    rule_parameters: &str,
    result_token: &str,
    left_scope: bool,
) -> ConfigEvent {
    serde_json::from_value(json!({
        "invokingEvent": invoking_event.to_string(),
        "ruleParameters": rule_parameters,
        "resultToken": result_token,
        "eventLeftScope": left_scope,
        "executionRoleArn": format!("arn:aws:iam::{ACCOUNT}:role/config-role"),
        "configRuleArn": RULE_ARN,
        "configRuleName": RULE_NAME,
        "configRuleId": "config-rule-0123456",
        "accountId": ACCOUNT,
        "version": "1.0",
    }))
    .unwrap()
}

/// A change notification for a cluster item built from the fixture with
/// its identity and encryption facts replaced.
pub fn cluster_change(cluster: &Cluster, engine: &str, key_arn: Option<&str>) -> Value {
    let mut item: Value =
        serde_json::from_str(include_str!("../../fixtures/items/cluster-cmk.json")).unwrap();
    item["resourceId"] = cluster.resource_id.clone().into();
    item["resourceName"] = cluster.identifier.clone().into();
    item["configuration"]["dbClusterResourceId"] = cluster.resource_id.clone().into();
    item["configuration"]["dbclusterIdentifier"] = cluster.identifier.clone().into();
    item["configuration"]["engine"] = engine.into();
    item["configuration"]["storageEncrypted"] = key_arn.is_some().into();
    match key_arn {
        Some(key_arn) => item["configuration"]["kmsKeyId"] = key_arn.into(),
        None => {
            item["configuration"]
                .as_object_mut()
                .unwrap()
                .remove("kmsKeyId");
        }
    }
    change_notification(item)
}

pub fn change_notification(item: Value) -> Value {
    json!({
        "configurationItemDiff": null,
        "configurationItem": item,
        "notificationCreationTime": "2024-01-01T00:00:05.000Z",
        "messageType": "ConfigurationItemChangeNotification",
        "recordVersion": "1.3",
    })
}

/// The scope every deployment form gives the rule: the three Neptune types
/// and KMS keys (whose changes re-judge what they encrypt).
pub fn rule_scope() -> Value {
    json!({"ComplianceResourceTypes": [
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBClusterSnapshot",
        "AWS::KMS::Key",
    ]})
}

/// A change notification for a KMS key's own item, as Config sends it when
/// the key's state changes (`status` is `OK` or `ResourceDeleted`).
pub fn key_change(key: &KeyMetadata, key_state: &str, status: &str, captured: &str) -> Value {
    let mut item: Value = serde_json::from_str(include_str!(
        "../../fixtures/items/kms-key-customer-disabled.json"
    ))
    .unwrap();
    let arn = key.arn().unwrap();
    item["ARN"] = arn.into();
    item["resourceId"] = key.key_id().into();
    item["configurationItemCaptureTime"] = captured.into();
    item["configurationItemStatus"] = status.into();
    if status == "OK" {
        item["configuration"]["arn"] = arn.into();
        item["configuration"]["keyId"] = key.key_id().into();
        item["configuration"]["keyState"] = key_state.into();
        item["configuration"]["enabled"] = (key_state == "Enabled").into();
        item["configuration"]["keyManager"] = match key.key_manager().map(|m| m.as_str()) {
            Some("AWS") => "AWS".into(),
            _ => "CUSTOMER".into(),
        };
    } else {
        item["configuration"] = Value::Null;
    }
    change_notification(item)
}

/// An invoking-event style item in GetResourceConfigHistory's dialect
/// (`arn`, `accountId`, `version`, string `configurationStateId`), for
/// `POST config_history`.
pub fn history_style(item: &Value) -> Value {
    let mut item = item.clone();
    let object = item.as_object_mut().expect("an item is an object");
    for (event_name, api_name) in [
        ("ARN", "arn"),
        ("awsAccountId", "accountId"),
        ("configurationItemVersion", "version"),
        ("configurationStateMd5Hash", "configurationItemMD5Hash"),
    ] {
        if let Some(value) = object.remove(event_name) {
            object.insert(api_name.to_owned(), value);
        }
    }
    if let Some(state_id) = object.get_mut("configurationStateId") {
        *state_id = state_id.to_string().trim_matches('"').to_owned().into();
    }
    item
}

/// A periodic sweep event with the given result token.
pub fn sweep_event(result_token: &str) -> ConfigEvent {
    envelope(
        scheduled_notification("2030-01-01T00:00:00.000Z"),
        "{}",
        result_token,
        false,
    )
}

pub fn scheduled_notification(time: &str) -> Value {
    json!({
        "awsAccountId": ACCOUNT,
        "notificationCreationTime": time,
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    })
}
