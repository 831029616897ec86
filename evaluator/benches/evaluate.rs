//! Evaluator throughput: parse one configuration item of realistic size and
//! drive it to a verdict, as the Lambda does for a change notification.
//! `make bench` turns the mean time into items per second per core.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use neptune_cmk_evaluator::{
    assess, Assessment, ClusterEncryption, InvokingEvent, KeyFacts, KeyLookup, KeyManager,
    KeyOrigin, KeyState, RuleParameters,
};
use std::hint::black_box;

const CHANGE_EVENT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/events/change-cluster-cmk.json"
));
const HISTORY_ITEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/items/cluster-cmk.history.json"
));
const INSTANCE_ITEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/items/instance-inherits-from-cluster.json"
));

fn key() -> KeyLookup {
    KeyLookup::Found(KeyFacts {
        arn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            .to_owned(),
        key_manager: KeyManager::Customer,
        key_state: KeyState::Enabled,
        origin: KeyOrigin::AwsKms,
        deletion: None,
    })
}

fn drive(mut assessment: Assessment, key: &KeyLookup, parameters: &RuleParameters) -> bool {
    let cluster = ClusterEncryption {
        storage_encrypted: true,
        kms_key_id: Some(
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                .to_owned(),
        ),
    };
    loop {
        match assessment {
            Assessment::Decided(evaluation) => return evaluation.annotation.as_str().is_empty(),
            Assessment::NeedsCluster(pending) => {
                assessment = pending.resolve(Some(&cluster)).unwrap()
            }
            Assessment::NeedsKey(pending) => {
                return pending
                    .decide(key, parameters)
                    .unwrap()
                    .annotation
                    .as_str()
                    .is_empty()
            }
        }
    }
}

fn benches(c: &mut Criterion) {
    let envelope: serde_json::Value = serde_json::from_str(CHANGE_EVENT).unwrap();
    let invoking_event = envelope["invokingEvent"].as_str().unwrap().to_owned();
    let key = key();
    let parameters = RuleParameters::parse(Some("{}")).unwrap();

    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(1));
    group.bench_function("change_notification_cluster", |b| {
        b.iter(|| {
            let InvokingEvent::ItemChange { item, .. } =
                InvokingEvent::parse(black_box(&invoking_event)).unwrap()
            else {
                unreachable!()
            };
            drive(assess(&item, false).unwrap(), &key, &parameters)
        })
    });
    group.bench_function("history_item_cluster", |b| {
        b.iter(|| {
            let item =
                neptune_cmk_evaluator::ConfigurationItem::parse(black_box(HISTORY_ITEM), "item")
                    .unwrap();
            drive(assess(&item, false).unwrap(), &key, &parameters)
        })
    });
    group.bench_function("instance_via_cluster", |b| {
        b.iter(|| {
            let item =
                neptune_cmk_evaluator::ConfigurationItem::parse(black_box(INSTANCE_ITEM), "item")
                    .unwrap();
            drive(assess(&item, false).unwrap(), &key, &parameters)
        })
    });
    group.finish();
}

criterion_group!(evaluate, benches);
criterion_main!(evaluate);
