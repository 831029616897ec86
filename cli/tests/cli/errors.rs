//! Errors a person can act on: each way an AWS call can fail before it is
//! judged (no credentials, a profile that does not exist, no region, an
//! invalid region, an endpoint that refuses or never answers, access denied)
//! ends the run with exit code 2 and one line that names the cause and the
//! fix, never the SDK's `Debug` dump.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use expect_test::{expect, Expect};
use neptune_cmk_testing::{DeadEndpoint, Fleet, Moto, REGION};
use serde_json::json;

use crate::{stderr, stdout};

/// A run with nothing inherited: no credentials, no profile, no region, no
/// instance metadata, unless `env` sets them. `AWS_ENDPOINT_URL` defaults to
/// an endpoint that hangs up, so nothing can reach AWS.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dead = DeadEndpoint::hanging_up();
    let mut command = Command::new(env!("CARGO_BIN_EXE_neptune-cmk"));
    command
        .args(args)
        .env_clear()
        .env("HOME", workspace().join("tests/fixtures/aws"))
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", dead.url());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// A template with a literal key ARN, so `check --resolve` must call AWS.
fn template() -> String {
    workspace()
        .join("tests/fixtures/templates/cfn/cluster-aws-managed-key-arn.yaml")
        .display()
        .to_string()
}

const KEYS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
];

/// Exit code 2, one line, no SDK internals, and exactly `expected`.
fn assert_one_line(output: &Output, expected: Expect) {
    let text = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    for marker in [
        "DispatchFailure",
        "ConnectorError {",
        "source:",
        "Some(",
        "{ ",
    ] {
        assert!(!text.contains(marker), "{marker:?} in {text}");
    }
    expected.assert_eq(&text);
}

#[test]
fn no_credentials_says_how_to_provide_them() {
    let output = run(&["audit"], &[("AWS_REGION", REGION)]);
    assert_one_line(
        &output,
        expect![[r#"
            neptune-cmk: sts:GetCallerIdentity failed for the configured credentials: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use a profile that has credentials (--profile or AWS_PROFILE; run aws sso login for an SSO profile)
        "#]],
    );
}

#[test]
fn a_profile_that_does_not_exist_is_named() {
    let config = workspace().join("tests/fixtures/aws/config");
    let config = config.to_str().unwrap();
    let output = run(
        &["check", "--resolve", "--profile", "nope", &template()],
        &[("AWS_CONFIG_FILE", config)],
    );
    assert_one_line(
        &output,
        expect![[r#"
            neptune-cmk: no profile named "nope" (from --profile) in the AWS config or credentials file (defined: no-region, other); pass an existing --profile, or create it with aws configure --profile nope
        "#]],
    );
    let output = run(
        &["audit"],
        &[("AWS_PROFILE", "nope"), ("AWS_REGION", REGION)],
    );
    assert_one_line(
        &output,
        expect![[r#"
            neptune-cmk: no profile named "nope" (from AWS_PROFILE) in the AWS config or credentials file (none is defined); pass an existing --profile, or create it with aws configure --profile nope
        "#]],
    );
}

#[test]
fn no_region_says_where_to_set_one() {
    let output = run(&["check", "--resolve", &template()], &KEYS);
    assert_one_line(
        &output,
        expect![[r#"
            neptune-cmk: no region: pass --region, or set AWS_REGION or a profile region
        "#]],
    );
}

#[test]
fn an_invalid_configured_region_is_refused_before_any_call() {
    let env = [KEYS[0], KEYS[1], ("AWS_REGION", "us east 1")];
    let output = run(&["audit"], &env);
    assert_one_line(
        &output,
        expect![[r#"
            neptune-cmk: the configured region "us east 1" (AWS_REGION, AWS_DEFAULT_REGION or the profile's region) is not a region name; regions look like us-east-1 (aws ec2 describe-regions lists them): fix it, or pass --region
        "#]],
    );
}

#[test]
fn an_endpoint_that_refuses_the_connection() {
    // A port that was just free: nothing listens on it once the listener is
    // dropped, so the connection is refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let env = [
        KEYS[0],
        KEYS[1],
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL", &url),
    ];
    let output = run(&["audit"], &env);
    assert_one_line(
        &output,
        expect![[r#"
            neptune-cmk: sts:GetCallerIdentity failed for the configured credentials: connection refused by the AWS endpoint (dispatch failure: io error: client error (Connect): tcp connect error: Connection refused (os error 111)); check AWS_ENDPOINT_URL, a proxy (HTTPS_PROXY) or the network
        "#]],
    );
}

/// A region that does not exist is an endpoint host name that does not
/// resolve (`.invalid` never does, RFC 6761).
#[test]
fn an_endpoint_host_that_does_not_resolve() {
    let env = [
        KEYS[0],
        KEYS[1],
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL", "http://sts.xx-nowhere-9.invalid"),
    ];
    let output = run(&["audit"], &env);
    assert_one_line(
        &output,
        expect![[r#"
        neptune-cmk: sts:GetCallerIdentity failed for the configured credentials: the AWS endpoint's host name does not resolve: the region may not exist (aws ec2 describe-regions lists them), or DNS is unreachable; check --region, AWS_REGION, AWS_ENDPOINT_URL and the network
    "#]],
    );
}

#[test]
fn an_endpoint_that_never_answers_times_out() {
    let silent = DeadEndpoint::silent();
    let url = silent.url();
    let env = [
        KEYS[0],
        KEYS[1],
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL", &url),
    ];
    let output = run(&["audit"], &env);
    assert_one_line(
        &output,
        expect![[r#"
            neptune-cmk: sts:GetCallerIdentity failed for the configured credentials: timed out, the AWS endpoint never answered (request has timed out: operation timeout (all attempts including retries) occurred after 12s); check the network, a proxy (HTTPS_PROXY) or AWS_ENDPOINT_URL
        "#]],
    );
}

#[test]
fn access_denied_names_the_action() {
    let moto = Moto::start();
    moto.fault(json!({
        "service": "sts",
        "operation": "GetCallerIdentity",
        "error_code": "AccessDenied",
        "status": 403,
        "message": "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:GetCallerIdentity",
        "count": "unlimited",
    }));
    let endpoint = moto.endpoint();
    let env = [
        KEYS[0],
        KEYS[1],
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL", &endpoint),
    ];
    let output = run(&["check", "--resolve", &template()], &env);
    assert_one_line(
        &output,
        expect![[r#"
            neptune-cmk: sts:GetCallerIdentity failed for the configured credentials: AccessDenied: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:GetCallerIdentity; access denied: allow sts:GetCallerIdentity to these credentials (their IAM policy), or use credentials that have it
        "#]],
    );
}

/// `--region` alone is enough: with no region in the environment and a
/// profile without one, every call of `audit`, `check --resolve` and
/// `remediate plan` (the caller identity included) is made in the region
/// given.
#[tokio::test]
async fn the_region_flag_alone_is_enough() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let key_arn = key.arn().unwrap();
    fleet
        .cluster("graph-region", "neptune", Some(key_arn))
        .await;
    let dir = std::env::temp_dir().join(format!("neptune-cmk-region-flag-{}", moto.port));
    std::fs::create_dir_all(&dir).unwrap();
    let stack = dir.join("stack.yaml");
    std::fs::write(
        &stack,
        format!(
            "Resources:\n  Cluster:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      \
             StorageEncrypted: true\n      KmsKeyId: {key_arn}\n"
        ),
    )
    .unwrap();
    let (endpoint, config) = (
        moto.endpoint(),
        workspace().join("tests/fixtures/aws/config"),
    );
    let env = [
        KEYS[0],
        KEYS[1],
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
    ];
    let profile = ["--profile", "no-region"];
    let runs = [
        vec!["audit", "--region", REGION, "--format", "JSON"],
        [
            &["audit", "--region", REGION, "--format", "json"][..],
            &profile,
        ]
        .concat(),
        vec![
            "check",
            "--resolve",
            "--region",
            REGION,
            stack.to_str().unwrap(),
        ],
        [
            &[
                "check",
                "--resolve",
                "--region",
                REGION,
                stack.to_str().unwrap(),
            ][..],
            &profile,
        ]
        .concat(),
        vec![
            "remediate",
            "plan",
            "--cluster",
            "graph-region",
            "--region",
            REGION,
        ],
    ];
    for args in runs {
        let output = run(&args, &env);
        let context = format!("{args:?}: {}{}", stdout(&output), stderr(&output));
        assert_eq!(output.status.code(), Some(0), "{context}");
        assert!(stdout(&output).contains("COMPLIANT"), "{context}");
    }
    // Without it, the same runs stop on the missing region, before any call.
    let output = run(&["audit"], &env);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("no region"), "{}", stderr(&output));
    std::fs::remove_dir_all(&dir).unwrap();
}
