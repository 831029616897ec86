//! The three listings of a sweep, each a producer that pages through one
//! DescribeDB* call (engine `neptune`, 100 records a page) and hands pages
//! to the judge through a bounded channel. Listings run concurrently; the
//! channel bound keeps memory flat when judging falls behind.

use aws_sdk_neptune::types::{DbCluster, DbClusterSnapshot, DbInstance, Filter};
use tokio::sync::mpsc::Sender;

use super::pages::Pages;
use crate::{Clients, Deadline, Error};

/// Neptune's describe calls return at most 100 records per page.
const PAGE_SIZE: i32 = 100;

/// Pages a listing may fetch ahead of judging.
pub(crate) const PAGES_AHEAD: usize = 2;

/// One page of records, or what ended the listing.
pub(crate) type Page<T> = Result<Vec<T>, Error>;

fn engine_filter() -> Filter {
    Filter::builder().name("engine").values("neptune").build()
}

/// DescribeDBClusters, page by page, into `pages`.
pub(crate) async fn clusters(
    clients: &Clients,
    deadline: Deadline,
    pages: Sender<Page<DbCluster>>,
) {
    let listing = Pages::new(
        clients
            .neptune
            .describe_db_clusters()
            .filters(engine_filter())
            .into_paginator()
            .page_size(PAGE_SIZE)
            .send(),
        |page| page.marker().is_some(),
        "rds:DescribeDBClusters",
        "engine neptune",
        "listing DB clusters",
    );
    produce(listing, deadline, pages, |page| {
        page.db_clusters.unwrap_or_default()
    })
    .await;
}

/// DescribeDBInstances, page by page, into `pages`.
pub(crate) async fn instances(
    clients: &Clients,
    deadline: Deadline,
    pages: Sender<Page<DbInstance>>,
) {
    let listing = Pages::new(
        clients
            .neptune
            .describe_db_instances()
            .filters(engine_filter())
            .into_paginator()
            .page_size(PAGE_SIZE)
            .send(),
        |page| page.marker().is_some(),
        "rds:DescribeDBInstances",
        "engine neptune",
        "listing DB instances",
    );
    produce(listing, deadline, pages, |page| {
        page.db_instances.unwrap_or_default()
    })
    .await;
}

/// DescribeDBClusterSnapshots, page by page, into `pages`.
pub(crate) async fn snapshots(
    clients: &Clients,
    deadline: Deadline,
    pages: Sender<Page<DbClusterSnapshot>>,
) {
    let listing = Pages::new(
        clients
            .neptune
            .describe_db_cluster_snapshots()
            .filters(engine_filter())
            .into_paginator()
            .page_size(PAGE_SIZE)
            .send(),
        |page| page.marker().is_some(),
        "rds:DescribeDBClusterSnapshots",
        "engine neptune",
        "listing DB cluster snapshots",
    );
    produce(listing, deadline, pages, |page| {
        page.db_cluster_snapshots.unwrap_or_default()
    })
    .await;
}

/// Moves pages from `listing` to `pages` until the listing ends, fails (the
/// error is the last item), or the judge stops listening.
async fn produce<O, E, T>(
    mut listing: Pages<O, E>,
    deadline: Deadline,
    pages: Sender<Page<T>>,
    records: fn(O) -> Vec<T>,
) where
    E: aws_sdk_neptune::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    loop {
        let item = match listing.next(&deadline).await {
            Ok(None) => return,
            Ok(Some(page)) => Ok(records(page)),
            Err(error) => Err(error),
        };
        let last = item.is_err();
        if pages.send(item).await.is_err() || last {
            return;
        }
    }
}
