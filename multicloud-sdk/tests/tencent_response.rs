//! Tencent Cloud response actions end to end against the simulator: block and unblock an IP
//! in Cloud Firewall and in WAF.

mod tencent_support;

use futures::TryStreamExt;
use multicloud_sdk::{BlockRequest, BlockRule, BlockTarget, CloudProvider, ErrorKind, IpBlocker};
use multicloud_testkit::SimCloud;
use tencent_support::{provider, sim};

fn request(ip: &str, target: BlockTarget) -> BlockRequest {
    BlockRequest::new(ip.parse().unwrap(), target, "ap-guangzhou").with_comment("blocked by e2e")
}

async fn listed(blocker: &dyn IpBlocker, target: &BlockTarget) -> Vec<BlockRule> {
    blocker
        .list_blocks(target, "ap-guangzhou")
        .try_collect()
        .await
        .unwrap()
}

fn delete_all_sent(cloud: &SimCloud) -> bool {
    cloud.requests().iter().any(|r| {
        let body: serde_json::Value = serde_json::from_slice(&r.request.body).unwrap_or_default();
        matches!(body.get("DeleteAll"), Some(v) if v == 1 || v == true)
    })
}

#[tokio::test]
async fn cfw_block_is_idempotent_and_unblock_removes_exactly_that_rule() {
    let cloud = sim(1, 1).await;
    let p = provider(&cloud, "admin");
    let blocker = p.ip_blocker().unwrap();
    let target = BlockTarget::CloudFirewall;

    let keep = blocker
        .block_ip(&request("198.51.100.7", target.clone()))
        .await
        .unwrap();
    let first = blocker
        .block_ip(&request("203.0.113.9", target.clone()))
        .await
        .unwrap();
    let again = blocker
        .block_ip(&request("203.0.113.9", target.clone()))
        .await
        .unwrap();
    assert_eq!(first.rule_id, again.rule_id);
    assert_eq!(first.ip, "203.0.113.9");
    assert_eq!(first.raw["DirectionList"], "1,0");
    assert_eq!(
        cloud.count("cfw:CreateBlockIgnoreRuleNew"),
        2,
        "the second block reused the rule"
    );
    assert_eq!(listed(blocker, &target).await.len(), 2);

    blocker.unblock_ip(&first).await.unwrap();
    let left = listed(blocker, &target).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].rule_id, keep.rule_id);
    assert!(cloud
        .block_rules()
        .list(|r| r.ip == "203.0.113.9")
        .is_empty());
    // Unblocking again is a no-op, and no delete-all was ever sent.
    blocker.unblock_ip(&first).await.unwrap();
    assert_eq!(listed(blocker, &target).await.len(), 1);
    assert!(!delete_all_sent(&cloud));
    assert_eq!(cloud.count("cfw:DeleteBlockIgnoreRuleNew"), 0);
}

#[tokio::test]
async fn cfw_unblock_uses_the_full_stored_direction_list() {
    let cloud = sim(1, 1).await;
    let p = provider(&cloud, "admin");
    let blocker = p.ip_blocker().unwrap();
    let rule = blocker
        .block_ip(&request("192.0.2.44", BlockTarget::CloudFirewall))
        .await
        .unwrap();
    blocker.unblock_ip(&rule).await.unwrap();
    let deletes = cloud
        .recorder()
        .requests_for("cfw:DeleteBlockIgnoreRuleList");
    assert_eq!(deletes.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&deletes[0].request.body).unwrap();
    let dirs: Vec<i64> = body["Rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Direction"].as_i64().unwrap())
        .collect();
    assert_eq!(dirs, [1, 0]);
    assert!(cloud.block_rules().is_empty());
}

#[tokio::test]
async fn waf_block_is_idempotent_and_unblock_removes_exactly_that_rule() {
    let cloud = sim(1, 1).await;
    let p = provider(&cloud, "admin");
    let blocker = p.ip_blocker().unwrap();
    let domain = {
        let inv = cloud.inventory();
        let site = &inv.resources_of("waf", "domain")[0];
        format!("{}.mc-demo.cn", site.name)
    };
    let target = BlockTarget::Waf { scope: domain };

    let keep = blocker
        .block_ip(&request("198.51.100.8", target.clone()))
        .await
        .unwrap();
    let first = blocker
        .block_ip(&request("203.0.113.10", target.clone()))
        .await
        .unwrap();
    let again = blocker
        .block_ip(&request("203.0.113.10", target.clone()))
        .await
        .unwrap();
    assert_eq!(first.rule_id, again.rule_id);
    assert_eq!(cloud.count("waf:CreateIpAccessControl"), 2);
    assert_eq!(listed(blocker, &target).await.len(), 2);

    blocker.unblock_ip(&first).await.unwrap();
    let left = listed(blocker, &target).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].rule_id, keep.rule_id);
    let deletes = cloud.recorder().requests_for("waf:DeleteIpAccessControlV2");
    let body: serde_json::Value = serde_json::from_slice(&deletes[0].request.body).unwrap();
    assert_eq!(
        body["RuleIds"],
        serde_json::json!([first.rule_id.parse::<u64>().unwrap()])
    );
    // Unblocking an already removed rule succeeds and leaves the other rule alone.
    blocker.unblock_ip(&first).await.unwrap();
    assert_eq!(listed(blocker, &target).await.len(), 1);
    assert!(!delete_all_sent(&cloud));
}

#[tokio::test]
async fn waf_instance_scope_blocks_in_the_global_list() {
    let cloud = sim(1, 1).await;
    let p = provider(&cloud, "admin");
    let blocker = p.ip_blocker().unwrap();
    let target = BlockTarget::Waf {
        scope: "waf_2kxtlbky11bbcr4b".into(),
    };
    let rule = blocker
        .block_ip(&request("203.0.113.11", target.clone()))
        .await
        .unwrap();
    assert_eq!(cloud.block_rules().list(|r| r.scope == "global").len(), 1);
    blocker.unblock_ip(&rule).await.unwrap();
    assert!(cloud.block_rules().is_empty());
}

#[tokio::test]
async fn a_readonly_key_cannot_block_and_gets_permission_denied() {
    let cloud = sim(1, 1).await;
    let p = provider(&cloud, "readonly");
    let err = p
        .ip_blocker()
        .unwrap()
        .block_ip(&request("203.0.113.12", BlockTarget::CloudFirewall))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(err.action(), Some("cfw:CreateBlockIgnoreRuleNew"));
    assert!(cloud.block_rules().is_empty());
}
