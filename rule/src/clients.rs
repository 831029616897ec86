//! The SDK clients, their timeouts, and the [`Session`] that builds them on
//! first use, in another region or, assuming `ExecutionRoleName`, in the
//! account an event is about.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_config::SdkConfig;
use tracing::info;

use crate::aws::{assume_role, in_region, RoleSession};
use crate::{Deadline, Error};

/// The AWS clients the rule uses, all for one account and region.
#[derive(Clone, Debug)]
pub struct Clients {
    /// AWS Config: PutEvaluations, GetResourceConfigHistory,
    /// GetComplianceDetailsByConfigRule, DescribeConfigRules.
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

    /// The region the clients call, when configured.
    pub fn region(&self) -> Option<String> {
        self.config.config().region().map(ToString::to_string)
    }
}

/// Per-call timeouts for every client: a hung AWS endpoint must fail the
/// call (so the SDK retries, then the invocation fails loudly) long before
/// the Lambda deadline. Applied by the bootstrap and the CLI when loading
/// the SDK configuration.
pub fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(10))
        .operation_timeout(Duration::from_secs(30))
        .build()
}

/// The function's own clients, and the means to act in another account.
///
/// Clients are built on first use, not at start: building the first one
/// loads the platform's root certificates, which need not delay the runtime
/// asking for its first event.
#[derive(Clone, Debug)]
pub struct Session {
    sdk_config: SdkConfig,
    own: Arc<OnceLock<Clients>>,
    sts: Arc<OnceLock<aws_sdk_sts::Client>>,
}

impl Session {
    /// A session whose clients come from `sdk_config` (which honours
    /// `AWS_REGION`, credentials and `AWS_ENDPOINT_URL[_*]`).
    pub fn new(sdk_config: &SdkConfig) -> Self {
        Self {
            sdk_config: sdk_config.clone(),
            own: Arc::default(),
            sts: Arc::default(),
        }
    }

    /// Uses `clients` as the function's own (tests inject mocked clients).
    pub fn with_own_clients(self, clients: Clients) -> Self {
        let own = OnceLock::new();
        let _ = own.set(clients);
        Self {
            own: Arc::new(own),
            ..self
        }
    }

    fn own(&self) -> &Clients {
        self.own.get_or_init(|| Clients::new(&self.sdk_config))
    }

    /// The function's own clients, in `region` when it is not theirs (a
    /// hook judges a stack in the stack's region).
    pub fn clients_in(&self, region: &str) -> Clients {
        let own = self.own();
        if own.region().as_deref() == Some(region) {
            return own.clone();
        }
        Clients::new(&in_region(&self.sdk_config, region))
    }

    /// The function's own region, when configured.
    pub fn region(&self) -> Option<String> {
        self.sdk_config.region().map(ToString::to_string)
    }

    /// The function's own clients, or, given a role, clients with
    /// credentials assumed from it (`ExecutionRoleName` in organization mode:
    /// every call, PutEvaluations included, then acts in that account).
    pub async fn clients_for(
        &self,
        role_arn: Option<&str>,
        deadline: &Deadline,
    ) -> Result<Clients, Error> {
        let Some(role_arn) = role_arn else {
            return Ok(self.own().clone());
        };
        let sts = self
            .sts
            .get_or_init(|| aws_sdk_sts::Client::new(&self.sdk_config));
        let session = RoleSession {
            role_arn,
            session_name: "neptune-cmk",
            external_id: None,
            // The shortest session IAM allows outlasts any invocation.
            duration: Duration::from_secs(900),
        };
        let sdk_config = assume_role(sts, &self.sdk_config, &session, deadline).await?;
        info!(%role_arn, "assumed execution role");
        Ok(Clients::new(&sdk_config))
    }
}
