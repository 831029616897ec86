//! Neptune Analytics graphs in `audit`, against the launcher's neptune-graph
//! backend: one row per graph with the evaluator's verdict in every format,
//! ListGraphs paged and GetGraph only for a summary without the key, a
//! denied region as one ERROR row, a region without the service as a note,
//! and graphs of member accounts in `--organization`.

use aws_config::SdkConfig;
use neptune_cmk_testing::*;
use serde_json::{json, Value};

use crate::organization;
use crate::{neptune_cmk, stderr, stdout};

const GRAPH_TYPE: &str = "AWS::NeptuneGraph::Graph";

/// Creates a graph (16 m-NCUs, the smallest) with `key`, or none (an AWS
/// owned key); returns its id.
async fn create_graph(config: &SdkConfig, name: &str, key: Option<&str>) -> String {
    let created = aws_sdk_neptunegraph::Client::new(config)
        .create_graph()
        .graph_name(name)
        .provisioned_memory(16)
        .set_kms_key_identifier(key.map(str::to_owned))
        .send()
        .await
        .unwrap();
    created.id().to_owned()
}

/// The launcher reports `fields` for graph `id` of moto's default account
/// and region from now on (`null` omits a member).
fn override_graph(moto: &Moto, id: &str, fields: Value) {
    moto.control(
        "POST",
        "graph_override",
        Some(json!({"id": id, "fields": fields})),
    );
}

/// The JSON rows of graphs, by graph name.
fn graph_rows(rows: &[Value]) -> std::collections::BTreeMap<String, Value> {
    rows.iter()
        .filter(|row| row["resourceType"] == GRAPH_TYPE)
        .map(|row| (row["identifier"].as_str().unwrap().to_owned(), row.clone()))
        .collect()
}

fn audit_json(moto: &Moto, extra: &[&str]) -> (Option<i32>, Vec<Value>, String) {
    let mut args = vec!["audit", "--format", "json"];
    args.extend(extra);
    let run = neptune_cmk(moto, &args);
    let rows = serde_json::from_str(&stdout(&run)).unwrap_or_default();
    (run.status.code(), rows, stderr(&run))
}

/// Each decision a graph can get: a customer managed key, no key (an AWS
/// owned key, whether the summary says `AWS_OWNED_KEY` or nothing), the
/// account's AWS managed key, a disabled key.
#[tokio::test]
async fn audit_judges_every_graph() {
    let moto = Moto::start();
    let config = moto.sdk_config().await;
    let fleet = Fleet::new(&config);
    let good = fleet.customer_key().await;
    let good_arn = good.arn().unwrap();
    let cmk = create_graph(&config, "cmk", Some(good_arn)).await;
    let owned = create_graph(&config, "owned", None).await;
    let silent = create_graph(&config, "silent", None).await;
    // A summary without kmsKeyIdentifier: GetGraph is asked, and says nothing either.
    override_graph(&moto, &silent, json!({"kmsKeyIdentifier": null}));
    let managed = create_graph(&config, "managed", Some(good_arn)).await;
    let rds_key = fleet.aws_rds_key().await;
    override_graph(&moto, &managed, json!({"kmsKeyIdentifier": rds_key.arn()}));
    let disabled_key = fleet.disabled_key().await;
    let disabled = create_graph(&config, "disabled", Some(good_arn)).await;
    override_graph(
        &moto,
        &disabled,
        json!({"kmsKeyIdentifier": disabled_key.arn()}),
    );
    moto.reset_calls();

    let (code, rows, err) = audit_json(&moto, &["--region", REGION]);
    assert_eq!(code, Some(1), "{err}");
    let graphs = graph_rows(&rows);
    let verdict = |name: &str| {
        let row = &graphs[name];
        (
            row["compliance"].as_str().unwrap(),
            row["reason"].as_str().unwrap(),
        )
    };
    assert_eq!(graphs.len(), 5, "{graphs:?}");
    assert_eq!(verdict("cmk"), ("COMPLIANT", "customer-managed-key"));
    assert_eq!(verdict("owned"), ("NON_COMPLIANT", "aws-owned-key"));
    assert_eq!(verdict("silent"), ("NON_COMPLIANT", "aws-owned-key"));
    assert_eq!(verdict("managed"), ("NON_COMPLIANT", "aws-managed-key"));
    assert_eq!(verdict("disabled"), ("NON_COMPLIANT", "key-not-enabled"));
    let row = &graphs["cmk"];
    assert_eq!(row["resourceId"], cmk.as_str());
    assert_eq!(
        row["arn"],
        format!("arn:aws:neptune-graph:{REGION}:{ACCOUNT}:graph/{cmk}")
    );
    assert_eq!(row["kmsKeyArn"], good_arn);
    assert_eq!(row["keyManager"], "CUSTOMER");
    assert_eq!(row["encrypted"], true);
    assert_eq!(graphs["owned"]["resourceId"], owned.as_str());
    assert!(graphs["owned"]["kmsKeyArn"].is_null());
    assert!(
        graphs["owned"]["annotation"]
            .as_str()
            .unwrap()
            .contains("a graph's key cannot be changed"),
        "{}",
        graphs["owned"]
    );
    assert_eq!(moto.calls("neptune-graph:ListGraphs"), 1);
    // Only the graph whose summary names no key is read again.
    assert_eq!(moto.calls("neptune-graph:GetGraph"), 1);
}

/// The same rows in every other format: the table and CSV say `Graph`, the
/// findings carry the graph's ARN, and the HTML charts count the graphs.
#[tokio::test]
async fn graph_rows_in_every_format() {
    let moto = Moto::start();
    let config = moto.sdk_config().await;
    let good = Fleet::new(&config).customer_key().await;
    create_graph(&config, "cmk", good.arn()).await;
    let owned = create_graph(&config, "owned", None).await;
    let owned_arn = format!("arn:aws:neptune-graph:{REGION}:{ACCOUNT}:graph/{owned}");

    let table = stdout(&neptune_cmk(&moto, &["audit"]));
    let line = table.lines().find(|line| line.contains(" owned ")).unwrap();
    assert!(
        line.contains(" Graph ") && line.contains("NON_COMPLIANT"),
        "{table}"
    );
    let csv = stdout(&neptune_cmk(&moto, &["audit", "--format", "csv"]));
    let line = csv.lines().find(|line| line.contains(",owned,")).unwrap();
    assert!(
        line.starts_with(&format!("{ACCOUNT},,{REGION},Graph,owned,{owned},")),
        "{line}"
    );
    for format in ["ocsf", "asff"] {
        let text = stdout(&neptune_cmk(&moto, &["audit", "--format", format]));
        assert!(text.contains(&owned_arn), "{format}: {text}");
    }
    let html = stdout(&neptune_cmk(&moto, &["audit", "--format", "html"]));
    assert!(
        html.contains(&owned_arn) || html.contains(">owned<"),
        "{html}"
    );
    // Two graphs, one of each verdict, and nothing else in the region.
    for title in [
        format!("<title>{REGION}: 1 "),
        format!("<title>{ACCOUNT}: 1 "),
    ] {
        assert_eq!(html.matches(&title).count(), 2, "{title}\n{html}");
    }
    assert!(html.contains(r#"<span class="value" id="total-resources">2</span>"#));
}

/// More graphs than one ListGraphs page holds: every one is judged, with
/// one DescribeKey for the key they share.
#[tokio::test]
async fn audit_pages_through_graphs() {
    let moto = Moto::start();
    let config = moto.sdk_config().await;
    let good = Fleet::new(&config).customer_key().await;
    for n in 0..101 {
        create_graph(&config, &format!("g{n}"), good.arn()).await;
    }
    moto.reset_calls();
    let (code, rows, err) = audit_json(&moto, &[]);
    assert_eq!(code, Some(0), "{err}");
    let graphs = graph_rows(&rows);
    assert_eq!(graphs.len(), 101);
    assert!(graphs.values().all(|row| row["compliance"] == "COMPLIANT"));
    assert_eq!(moto.calls("neptune-graph:ListGraphs"), 2);
    assert_eq!(moto.calls("neptune-graph:GetGraph"), 0);
    assert_eq!(moto.calls("kms:DescribeKey"), 1);
}

/// ListGraphs denied in one region: one ERROR row there (the audit exits 2
/// and names it); the region's databases and the other region are judged.
/// A region where Neptune Analytics does not exist is a note, not a
/// failure: the audit's verdict stands.
#[tokio::test]
async fn denied_region_is_an_error_row_and_absent_service_a_note() {
    let moto = Moto::start();
    let config = moto.sdk_config().await;
    let fleet = Fleet::new(&config);
    let good = fleet.customer_key().await;
    fleet.cluster("db-good", "neptune", good.arn()).await;
    create_graph(&config, "cmk", good.arn()).await;
    moto.fault(json!({
        "service": "neptune-graph", "operation": "ListGraphs",
        "match": {"region": "eu-west-1"},
        "error_code": "AccessDeniedException", "status": 403,
        "message": "User is not authorized to perform: neptune-graph:ListGraphs",
    }));
    let (code, rows, err) = audit_json(&moto, &["--region", REGION, "--region", "eu-west-1"]);
    assert_eq!(code, Some(2), "{err}");
    let errors: Vec<&Value> = rows
        .iter()
        .filter(|row| row["compliance"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 1, "{rows:?}");
    assert_eq!(errors[0]["region"], "eu-west-1");
    let annotation = errors[0]["annotation"].as_str().unwrap();
    assert!(
        annotation.contains("neptune-graph:ListGraphs"),
        "{annotation}"
    );
    assert!(annotation.contains("AccessDenied"), "{annotation}");
    assert!(err.contains("eu-west-1"), "{err}");
    assert_eq!(graph_rows(&rows)["cmk"]["compliance"], "COMPLIANT");
    assert!(rows.iter().any(|row| row["identifier"] == "db-good"));

    moto.control(
        "POST",
        "unavailable_services",
        Some(json!({"service": "neptune-graph", "regions": ["eu-south-1"]})),
    );
    let (code, rows, err) = audit_json(&moto, &["--region", REGION, "--region", "eu-south-1"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        rows.iter().all(|row| row["compliance"] != "ERROR"),
        "{rows:?}"
    );
    assert_eq!(graph_rows(&rows)["cmk"]["compliance"], "COMPLIANT");
    assert!(
        err.contains("note:")
            && err.contains("eu-south-1")
            && err.contains("Neptune Analytics cannot be reached"),
        "{err}"
    );
}

/// `--organization`: each member's graphs, through its auditor role.
#[tokio::test]
async fn organization_audit_lists_members_graphs() {
    let moto = Moto::start();
    let members = organization::create(&moto, &["dev"]).await;
    let dev = &members[0].id;
    let config = organization::assumed(&moto, dev, REGION).await;
    let owned = create_graph(&config, "dev-owned", None).await;
    let (code, rows, err) = audit_json(&moto, &["--organization", "--region", REGION]);
    assert_eq!(code, Some(1), "{err}");
    let graphs = graph_rows(&rows);
    let row = &graphs["dev-owned"];
    assert_eq!(row["accountId"], dev.as_str());
    assert_eq!(row["compliance"], "NON_COMPLIANT");
    assert_eq!(
        row["arn"],
        format!("arn:aws:neptune-graph:{REGION}:{dev}:graph/{owned}")
    );
    assert_eq!(graphs.len(), 1, "{graphs:?}");
}
