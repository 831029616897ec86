//! `neptune-cmk audit` in every format, with its exit codes, and
//! `--all-regions` over the regions Account ListRegions reports enabled.

use std::collections::BTreeSet;

use neptune_cmk_testing::*;
use serde_json::{json, Value};

use crate::organization::expected_key;
use crate::{neptune_cmk, stderr, stdout};

#[tokio::test]
async fn audit_formats_and_exit_codes() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let good = fleet.customer_key().await;
    fleet.cluster("graph-good", "neptune", good.arn()).await;
    fleet.instance("graph-good-1", "graph-good").await;

    let all_good = neptune_cmk(&moto, &["audit", "--region", REGION]);
    assert_eq!(
        all_good.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&all_good.stderr)
    );
    let table = stdout(&all_good);
    assert!(table.starts_with("ACCOUNT"), "{table}");
    assert!(table.contains(&format!("{ACCOUNT}  {REGION}")), "{table}");
    assert!(
        table.contains("graph-good-1") && table.contains("COMPLIANT"),
        "{table}"
    );

    fleet.cluster("graph-plain", "neptune", None).await;
    let json_run = neptune_cmk(&moto, &["audit", "--format", "json"]);
    assert_eq!(json_run.status.code(), Some(1));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&json_run)).unwrap();
    let plain = rows
        .iter()
        .find(|row| row["identifier"] == "graph-plain")
        .unwrap();
    assert!(rows.iter().all(|row| row["accountId"] == ACCOUNT));
    assert_eq!(plain["compliance"], "NON_COMPLIANT");
    assert_eq!(plain["reason"], "unencrypted");
    assert_eq!(plain["encrypted"], false);
    assert_eq!(plain["resourceType"], "AWS::RDS::DBCluster");
    assert!(plain["resourceId"]
        .as_str()
        .unwrap()
        .starts_with("cluster-"));
    let instance = rows
        .iter()
        .find(|row| row["identifier"] == "graph-good-1")
        .unwrap();
    assert_eq!(instance["keyManager"], "CUSTOMER");
    assert_eq!(instance["kmsKeyArn"], good.arn().unwrap());

    let csv_run = neptune_cmk(&moto, &["audit", "--format", "csv", "--level", "EXTERNAL"]);
    assert_eq!(csv_run.status.code(), Some(1));
    let csv = stdout(&csv_run);
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), "account_id,account_name,region,type,identifier,resource_id,arn,encrypted,key_arn,key_manager,key_state,verdict,reason,annotation");
    let good_line = lines.find(|line| line.contains(",graph-good,")).unwrap();
    // The level flag is the rule's desiredEncryptionLevel: AWS_KMS origin is below EXTERNAL.
    assert!(
        good_line.starts_with(&format!("{ACCOUNT},,{REGION},"))
            && good_line.contains("NON_COMPLIANT,below-desired-level,\"")
            && good_line.contains("below desiredEncryptionLevel EXTERNAL"),
        "{good_line}"
    );

    let bad_flag = neptune_cmk(&moto, &["audit", "--level", "SUPREME"]);
    assert_eq!(bad_flag.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_flag.stderr).contains(
        "--level: invalid value \"SUPREME\"; expected CUSTOMER_MANAGED, EXTERNAL or CLOUDHSM"
    ));

    moto.fault(serde_json::json!({"service": "account", "operation": "ListRegions", "error_code": "AccessDeniedException", "status": 403, "message": "not authorized", "count": 1}));
    let no_list_regions = neptune_cmk(&moto, &["audit", "--all-regions"]);
    assert_eq!(no_list_regions.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&no_list_regions.stderr)
            .contains("--all-regions: it needs account:ListRegions"),
        "{}",
        String::from_utf8_lossy(&no_list_regions.stderr)
    );

    moto.fault(serde_json::json!({"service": "rds", "operation": "DescribeDBClusters", "error_code": "AccessDenied", "status": 403, "message": "no", "count": 10}));
    let denied = neptune_cmk(&moto, &["audit"]);
    assert_eq!(denied.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&denied.stderr).contains("rds:DescribeDBClusters failed"));
    // The failure is also a row of the output, next to what was listed.
    let error_line = stdout(&denied)
        .lines()
        .find(|line| line.contains(" ERROR "))
        .map(str::to_owned);
    assert!(
        error_line.is_some_and(|line| line.starts_with(ACCOUNT) && line.contains(REGION)),
        "{}",
        stdout(&denied)
    );
}

/// Sets what Account ListRegions reports for `account` (moto's default
/// account when `None`): exactly these (region, RegionOptStatus) pairs.
/// AWS lists every region of the partition; a short list keeps the test's
/// intent visible.
pub fn set_regions(moto: &Moto, account: Option<&str>, regions: &[(&str, &str)]) {
    let regions: Vec<Value> = regions
        .iter()
        .map(|(name, status)| json!({"RegionName": name, "RegionOptStatus": status}))
        .collect();
    moto.control(
        "POST",
        "regions",
        Some(json!({"accountId": account.unwrap_or(ACCOUNT), "regions": regions})),
    );
}

/// Makes the next DescribeDBClusters in `account` and `region` fail: a
/// region the audit must not scan keeps this fault queued.
pub fn trap_region(moto: &Moto, account: &str, region: &str) {
    moto.fault(json!({
        "service": "rds",
        "operation": "DescribeDBClusters",
        "match": {"account": account, "region": region},
        "error_code": "UnrecognizedClientException",
        "status": 403,
        "message": "the region is not enabled for this account",
        "count": 1,
    }));
}

/// The (account, region) of every trap still queued, i.e. never scanned.
pub fn untouched_traps(moto: &Moto) -> BTreeSet<(String, String)> {
    let faults = moto.control("GET", "faults", None);
    faults
        .as_array()
        .unwrap()
        .iter()
        .filter(|fault| fault["operation"] == "DescribeDBClusters" && fault["count"] == 1)
        .map(|fault| {
            let part = |name: &str| fault["match"][name].as_str().unwrap().to_owned();
            (part("account"), part("region"))
        })
        .collect()
}

/// A fleet in `region` of moto's default account.
async fn fleet_in(moto: &Moto, region: &str) -> Fleet {
    let config = moto
        .sdk_config()
        .await
        .to_builder()
        .region(aws_config::Region::new(region.to_owned()))
        .build();
    Fleet::new(&config)
}

#[tokio::test]
async fn audit_all_regions_scans_exactly_the_enabled_regions() {
    let moto = Moto::start();
    let enabled = ["eu-south-1", "eu-west-1"];
    // Not scanned: disabled, still being enabled, and the configured region
    // (AWS_REGION=us-east-1), which this account's list leaves out.
    let not_enabled = ["ap-east-1", "me-south-1", REGION];
    set_regions(
        &moto,
        None,
        &[
            ("eu-west-1", "ENABLED_BY_DEFAULT"),
            ("eu-south-1", "ENABLED"),
            ("ap-east-1", "DISABLED"),
            ("me-south-1", "ENABLING"),
        ],
    );
    let mut expected = BTreeSet::new();
    for region in enabled {
        let fleet = fleet_in(&moto, region).await;
        let key = fleet.customer_key().await;
        let cluster = format!("graph-{region}");
        fleet.cluster(&cluster, "neptune", key.arn()).await;
        fleet.instance(&format!("{cluster}-1"), &cluster).await;
        for identifier in [
            cluster.clone(),
            format!("{cluster}-1"),
            format!("rds:{cluster}"),
        ] {
            expected.insert((ACCOUNT.to_owned(), region.to_owned(), identifier));
        }
    }
    // Unencrypted: scanning any of these would make the audit fail.
    for region in not_enabled {
        let fleet = fleet_in(&moto, region).await;
        fleet
            .cluster(&format!("graph-{region}"), "neptune", None)
            .await;
        fleet
            .instance(&format!("graph-{region}-1"), &format!("graph-{region}"))
            .await;
        trap_region(&moto, ACCOUNT, region);
    }

    let run = neptune_cmk(&moto, &["audit", "--all-regions", "--format", "json"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}\n{}",
        stderr(&run),
        stdout(&run)
    );
    let rows: Vec<Value> = serde_json::from_str(&stdout(&run)).unwrap();
    let found: BTreeSet<_> = rows.iter().map(expected_key).collect();
    assert_eq!(found, expected, "{rows:#?}");
    assert_eq!(rows.len(), expected.len(), "each resource once");
    for row in &rows {
        assert_eq!(row["compliance"], "COMPLIANT", "{row:#}");
        let arn = row["arn"].as_str().unwrap();
        let region = row["region"].as_str().unwrap();
        assert!(
            arn.starts_with(&format!("arn:aws:rds:{region}:{ACCOUNT}:")),
            "{arn}"
        );
    }
    let traps = not_enabled
        .iter()
        .map(|region| (ACCOUNT.to_owned(), (*region).to_owned()))
        .collect();
    assert_eq!(untouched_traps(&moto), traps, "no call reached them");
    assert_eq!(moto.calls("account:ListRegions"), 1);
}

/// A cluster whose key can be described by no one (its DescribeKey denied,
/// and the `alias/aws/rds` probe too: the rule lacks kms:DescribeKey), with
/// two instances and its automated snapshot, beside a compliant cluster and
/// an unencrypted one, each with its automated snapshot.
async fn fleet_with_unjudgeable_cluster(moto: &Moto) -> Fleet {
    let fleet = Fleet::new(&moto.sdk_config().await);
    let hidden = fleet.customer_key().await;
    let good = fleet.customer_key().await;
    fleet.cluster("graph-hidden", "neptune", hidden.arn()).await;
    fleet.instance("graph-hidden-1", "graph-hidden").await;
    fleet.instance("graph-hidden-2", "graph-hidden").await;
    fleet.cluster("graph-good", "neptune", good.arn()).await;
    fleet.instance("graph-good-1", "graph-good").await;
    fleet.cluster("graph-plain", "neptune", None).await;
    for key in [hidden.arn().unwrap(), "alias/aws/rds"] {
        moto.fault(json!({
            "service": "kms",
            "operation": "DescribeKey",
            "match": {"params": {"KeyId": key}},
            "error_code": "AccessDeniedException",
            "status": 400,
            "message": "not authorized to perform kms:DescribeKey",
            "count": "unlimited",
        }));
    }
    fleet
}

/// A row's identifier, an automated snapshot's without the minute moto
/// names it after (`rds:graph-good-2026-01-02-03-04` is `rds:graph-good`).
fn name(row: &Value) -> String {
    let identifier = row["identifier"].as_str().unwrap();
    match identifier.strip_prefix("rds:") {
        Some(rest) => {
            let parts: Vec<&str> = rest.split('-').collect();
            format!("rds:{}", parts[..parts.len() - 5].join("-"))
        }
        None => identifier.to_owned(),
    }
}

fn row<'a>(rows: &'a [Value], identifier: &str) -> &'a Value {
    rows.iter()
        .find(|row| name(row) == identifier)
        .unwrap_or_else(|| panic!("no row {identifier}: {rows:#?}"))
}

/// Resources that cannot be judged are resources (counted as such, not as
/// failed targets); the cluster's failure is said once, its instances point
/// at it; every error row keeps its ARN and says `not-judged`.
#[tokio::test]
async fn audit_counts_unjudged_resources_as_resources() {
    let moto = Moto::start();
    let _fleet = fleet_with_unjudgeable_cluster(&moto).await;
    let arn = |kind: &str, name: &str| format!("arn:aws:rds:{REGION}:{ACCOUNT}:{kind}:{name}");

    let run = neptune_cmk(&moto, &["audit", "--format", "json"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&run)).unwrap();
    assert_eq!(rows.len(), 9, "{rows:#?}");
    let errors: BTreeSet<String> = rows
        .iter()
        .filter(|row| row["compliance"] == "ERROR")
        .map(name)
        .collect();
    assert_eq!(
        errors,
        BTreeSet::from(
            [
                "graph-hidden",
                "graph-hidden-1",
                "graph-hidden-2",
                "rds:graph-hidden"
            ]
            .map(String::from)
        )
    );
    let cluster = row(&rows, "graph-hidden");
    assert_eq!(cluster["arn"], arn("cluster", "graph-hidden"));
    assert_eq!(cluster["reason"], "not-judged");
    assert_eq!(cluster["resourceType"], "AWS::RDS::DBCluster");
    let cause = cluster["annotation"].as_str().unwrap();
    assert!(cause.contains("DescribeKey"), "{cause}");
    for instance in ["graph-hidden-1", "graph-hidden-2"] {
        let row = row(&rows, instance);
        assert_eq!(row["arn"], arn("db", instance));
        assert_eq!(row["reason"], "not-judged");
        assert!(row["resourceId"].as_str().unwrap().starts_with("db-"));
        assert_eq!(
            row["annotation"],
            "not judged: its cluster graph-hidden could not be judged; see that cluster's row for why"
        );
    }
    // The snapshot is judged on its own key: its own message.
    let snapshot = row(&rows, "rds:graph-hidden");
    let snapshot_id = snapshot["identifier"].as_str().unwrap();
    assert_eq!(snapshot["arn"], arn("cluster-snapshot", snapshot_id));
    assert_eq!(snapshot["annotation"], cause);
    let message = stderr(&run);
    assert!(
        message.contains("4 resource(s) could not be judged:")
            && message.contains(&format!(
                "{ACCOUNT} {REGION} DBInstance graph-hidden-1: not judged"
            ))
            && !message.contains("target(s)"),
        "{message}"
    );

    let table = stdout(&neptune_cmk(&moto, &["audit"]));
    assert!(
        table.ends_with("9 resource(s), 2 NON_COMPLIANT, 4 not judged\n"),
        "{table}"
    );
    let csv = stdout(&neptune_cmk(&moto, &["audit", "--format", "csv"]));
    let line = csv
        .lines()
        .find(|line| line.contains(",graph-hidden-1,"))
        .unwrap();
    assert!(
        line.contains(&format!(",{},", arn("db", "graph-hidden-1")))
            && line.contains(",ERROR,not-judged,not judged: its cluster graph-hidden"),
        "{line}"
    );
    for format in ["ocsf", "asff"] {
        let text = stdout(&neptune_cmk(&moto, &["audit", "--format", format]));
        assert!(
            text.contains(&arn("db", "graph-hidden-1")),
            "{format}: {text}"
        );
        assert!(text.contains("not-judged"), "{format}: {text}");
    }

    // A region that cannot be read is a target that failed, not a resource.
    trap_region(&moto, ACCOUNT, "eu-west-1");
    let two_regions = neptune_cmk(
        &moto,
        &["audit", "--region", REGION, "--region", "eu-west-1"],
    );
    assert_eq!(two_regions.status.code(), Some(2));
    let table = stdout(&two_regions);
    assert!(
        table.ends_with("9 resource(s), 2 NON_COMPLIANT, 4 not judged, 1 target(s) failed\n"),
        "{table}"
    );
    let message = stderr(&two_regions);
    assert!(
        message.contains("4 resource(s) could not be judged:")
            && message.contains(&format!(
                "1 target(s) could not be audited:\n  {ACCOUNT} eu-west-1: "
            )),
        "{message}"
    );
}

/// The HTML headline and the reasons table share one denominator: every
/// resource, judged or not (a failed target is not a resource).
#[tokio::test]
async fn audit_html_headline_and_reasons_share_the_denominator() {
    let moto = Moto::start();
    let _fleet = fleet_with_unjudgeable_cluster(&moto).await;
    trap_region(&moto, ACCOUNT, "eu-west-1");
    let run = neptune_cmk(
        &moto,
        &[
            "audit",
            "--format",
            "html",
            "--region",
            REGION,
            "--region",
            "eu-west-1",
        ],
    );
    assert_eq!(run.status.code(), Some(2));
    let html = stdout(&run);
    let value = |id: &str| {
        let start = html.find(&format!("id=\"{id}\">")).unwrap() + id.len() + 6;
        html[start..].split('<').next().unwrap().to_owned()
    };
    assert_eq!(value("total-resources"), "9");
    assert_eq!(value("total-not-judged"), "4");
    assert_eq!(value("total-errors"), "1");
    assert!(html.contains("Shares are of the 9 resource(s) above"));
    // graph-good, graph-good-1 and rds:graph-good compliant: 3 of 9, in
    // the headline and the table alike.
    assert!(html.contains("compliant (33.3%)"), "{html}");
    assert!(html.contains("non-compliant (22.2%)"), "{html}");
    let reason_row = |id: &str| {
        let start = html.find(&format!("data-reason=\"{id}\"")).unwrap();
        html[start..].split("</tr>").next().unwrap().to_owned()
    };
    assert!(reason_row("customer-managed-key").contains(" 33.3%"));
    assert!(reason_row("unencrypted").contains(" 22.2%"));
    assert!(reason_row("not-judged").contains(" 44.4%"));
    assert!(reason_row("not-audited").contains("not a resource"));
    assert!(html.contains(&format!(
        "data-arn=\"arn:aws:rds:{REGION}:{ACCOUNT}:db:graph-hidden-1\""
    )));
}

/// `--cluster` keeps a cluster, its instances and its snapshots and
/// describes no other key; `--resource` one resource by identifier, id or
/// ARN; a name found nowhere fails the audit.
#[tokio::test]
async fn audit_filters_by_cluster_and_resource() {
    let moto = Moto::start();
    let fleet = fleet_with_unjudgeable_cluster(&moto).await;
    fleet.snapshot("graph-good-manual", "graph-good").await;
    let names = |run: &std::process::Output| -> BTreeSet<String> {
        let rows: Vec<Value> = serde_json::from_str(&stdout(run)).unwrap();
        rows.iter().map(name).collect()
    };

    moto.reset_calls();
    let good = neptune_cmk(
        &moto,
        &["audit", "--cluster", "graph-good", "--format", "json"],
    );
    assert_eq!(good.status.code(), Some(0), "{}", stderr(&good));
    assert_eq!(
        names(&good),
        BTreeSet::from(
            [
                "graph-good",
                "graph-good-1",
                "rds:graph-good",
                "graph-good-manual"
            ]
            .map(String::from)
        )
    );
    assert_eq!(moto.calls("kms:DescribeKey"), 1, "only graph-good's key");

    let cluster_arn = format!("arn:aws:rds:{REGION}:{ACCOUNT}:cluster:graph-plain");
    let by_arn = neptune_cmk(
        &moto,
        &[
            "audit",
            "--cluster",
            &cluster_arn,
            "--cluster",
            "graph-good",
            "--format",
            "json",
        ],
    );
    assert_eq!(by_arn.status.code(), Some(1));
    assert_eq!(names(&by_arn).len(), 6, "{}", stdout(&by_arn));

    let instance_arn = format!("arn:aws:rds:{REGION}:{ACCOUNT}:db:graph-good-1");
    for given in ["graph-good-1", instance_arn.as_str()] {
        let one = neptune_cmk(&moto, &["audit", "--resource", given, "--format", "json"]);
        assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
        assert_eq!(names(&one), BTreeSet::from(["graph-good-1".to_owned()]));
    }

    let missing = neptune_cmk(
        &moto,
        &[
            "audit",
            "--cluster",
            "graph-new",
            "--resource",
            "graph-good-1",
        ],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("not found: --cluster graph-new; nothing by that name"),
        "{}",
        stderr(&missing)
    );
    assert!(stdout(&missing).contains("graph-good-1"));
}

#[tokio::test]
async fn audit_names_the_day_a_key_pending_deletion_is_deleted() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let doomed = fleet.pending_deletion_key().await;
    fleet.cluster("graph-doomed", "neptune", doomed.arn()).await;
    let deletion_date = fleet
        .kms
        .describe_key()
        .key_id(doomed.key_id())
        .send()
        .await
        .unwrap()
        .key_metadata()
        .and_then(|metadata| metadata.deletion_date())
        .expect("DescribeKey reports DeletionDate for a key pending deletion")
        .fmt(aws_sdk_kms::primitives::DateTimeFormat::DateTime)
        .unwrap();
    // A 7-day window read moments after scheduling: 6 whole days are left.
    let deadline = format!(
        "unreadable from {} (6 days left as of ",
        &deletion_date[..10]
    );

    let run = neptune_cmk(&moto, &["audit", "--format", "json"]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&run)).unwrap();
    let row = rows
        .iter()
        .find(|row| row["identifier"] == "graph-doomed")
        .unwrap();
    assert_eq!(row["reason"], "key-not-enabled");
    let annotation = row["annotation"].as_str().unwrap();
    assert!(annotation.contains(&deadline), "{annotation}");

    let table = stdout(&neptune_cmk(&moto, &["audit"]));
    assert!(table.contains(&deadline), "{table}");
}
