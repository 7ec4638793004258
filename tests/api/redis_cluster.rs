//! The Redis tests that concern a fleet, against a three-master Redis
//! Cluster this test starts on local ports (`redis+cluster://`): the
//! response and entity caches shared and coherent across instances, the
//! write-back race, persisted documents and one shared budget.

use crate::{
    entity_cache::{Tier, a_write_inside_a_readers_gap_is_seen, instances_agree},
    helpers::redis_server::{OwnedCluster, unique_prefix},
    persisted_queries::documents_replay_across_instances,
    rate_limits::one_budget_across_instances,
    response_cache::responses_shared_and_coherent_across_instances,
};

#[tokio::test]
async fn the_caches_are_shared_and_coherent_on_a_cluster() {
    let cluster = OwnedCluster::start().await;
    responses_shared_and_coherent_across_instances(&cluster.url).await;
    instances_agree(&cluster.url, true, false).await;
    instances_agree(&cluster.url, false, true).await;
}

#[tokio::test]
async fn a_late_write_back_never_hides_a_write_on_a_cluster() {
    let cluster = OwnedCluster::start().await;
    for l1 in [true, false] {
        let prefix = unique_prefix();
        let tier = Tier::Redis {
            url: &cluster.url,
            prefix: &prefix,
            l1,
        };
        a_write_inside_a_readers_gap_is_seen(tier).await;
    }
}

#[tokio::test]
async fn documents_and_budgets_are_shared_on_a_cluster() {
    let cluster = OwnedCluster::start().await;
    documents_replay_across_instances(&cluster.url).await;
    one_budget_across_instances(&cluster.url).await;
}
