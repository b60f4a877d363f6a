//! Huawei Cloud IP blocking end to end against the simulator: a CFW address-group member and
//! WAF black-IP rules blocked, found again (idempotent), listed and removed exactly.

mod huawei_support;

use futures::TryStreamExt;
use huawei_support::{builder_with, provider, sim};
use multicloud_core::{BlockRequest, BlockRule, BlockTarget, CloudProvider, ErrorKind, IpBlocker};
use multicloud_testkit::huawei::{
    address_set_id, project_id, waf_policy_ids, BLOCK_GROUP, DEMO_DOMAIN_ID,
};

const REGION: &str = "cn-north-4";

async fn list(blocker: &dyn IpBlocker, target: &BlockTarget) -> Vec<BlockRule> {
    blocker
        .list_blocks(target, REGION)
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_cfw_block_round_trip_touches_only_its_own_member() {
    let cloud = sim(2, 1, 1).await;
    let p = provider(&cloud, "admin");
    let blocker = p.ip_blocker().unwrap();
    let target = BlockTarget::CloudFirewall;
    let other = BlockRequest::new("198.51.100.7".parse().unwrap(), target.clone(), REGION);
    let other_rule = blocker.block_ip(&other).await.unwrap();
    let request = BlockRequest::new("203.0.113.9".parse().unwrap(), target.clone(), REGION)
        .with_comment("brute force on ssh");
    let rule = blocker.block_ip(&request).await.unwrap();
    assert_eq!(rule.ip, "203.0.113.9");
    assert_eq!(rule.target, BlockTarget::CloudFirewall);
    let set_id = address_set_id(&project_id(DEMO_DOMAIN_ID, REGION), BLOCK_GROUP);
    assert_eq!(rule.raw["set_id"], set_id.as_str());
    let stored = cloud.block_rules().list(|r| r.scope == set_id);
    assert_eq!(stored.len(), 2);
    assert!(stored
        .iter()
        .any(|r| r.id == rule.rule_id && r.comment == "brute force on ssh"));
    // Blocking again finds the member: one member, no second add.
    let again = blocker.block_ip(&request).await.unwrap();
    assert_eq!(again.rule_id, rule.rule_id);
    assert_eq!(cloud.count("cfw:AddAddressItem"), 2);
    let listed = list(blocker, &target).await;
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .any(|r| r.rule_id == rule.rule_id && r.ip == "203.0.113.9"));
    // Unblock removes exactly that member.
    blocker.unblock_ip(&rule).await.unwrap();
    assert_eq!(cloud.count("cfw:DeleteAddressItem"), 1);
    let left = list(blocker, &target).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].rule_id, other_rule.rule_id);
    // Unblocking what is already gone is not an error and deletes nothing else.
    blocker.unblock_ip(&rule).await.unwrap();
    assert_eq!(list(blocker, &target).await.len(), 1);
    // IPv6 goes in as an IPv6 member.
    let v6 = BlockRequest::new("2001:db8::9".parse().unwrap(), target.clone(), REGION);
    let v6_rule = blocker.block_ip(&v6).await.unwrap();
    let stored = cloud.block_rules().list(|r| r.id == v6_rule.rule_id);
    assert_eq!(stored[0].attrs["address_type"], 1);
}

#[tokio::test]
async fn a_missing_or_unused_address_group_is_reported_not_filled() {
    let cloud = sim(2, 1, 1).await;
    let key = cloud.keys().by_label("admin").unwrap().access_key();
    let ip = "203.0.113.10".parse().unwrap();
    let request = BlockRequest::new(ip, BlockTarget::CloudFirewall, REGION);
    let missing = builder_with(&cloud, key.clone())
        .with_cfw_address_group("no-such-group")
        .build()
        .unwrap();
    let e = missing
        .ip_blocker()
        .unwrap()
        .block_ip(&request)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("no-such-group"), "{e}");
    let unused = builder_with(&cloud, key)
        .with_cfw_address_group("office-ips")
        .build()
        .unwrap();
    let e = unused
        .ip_blocker()
        .unwrap()
        .block_ip(&request)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("used by no ACL rule"), "{e}");
    assert_eq!(cloud.count("cfw:AddAddressItem"), 0);
}

#[tokio::test]
async fn waf_blocks_on_every_protecting_policy_and_unblocks_exactly() {
    let cloud = sim(2, 1, 1).await;
    let p = provider(&cloud, "admin");
    let blocker = p.ip_blocker().unwrap();
    let policies = waf_policy_ids(&project_id(DEMO_DOMAIN_ID, REGION));
    // A rule someone else made on one policy.
    let web = BlockTarget::Waf {
        scope: "policy_web".into(),
    };
    let theirs = blocker
        .block_ip(&BlockRequest::new(
            "192.0.2.1".parse().unwrap(),
            web.clone(),
            REGION,
        ))
        .await
        .unwrap();
    assert!(theirs.rule_id.starts_with(&format!("{}/", policies[0])));
    let all = BlockTarget::Waf { scope: "*".into() };
    let request = BlockRequest::new("203.0.113.9".parse().unwrap(), all.clone(), REGION);
    let rule = blocker.block_ip(&request).await.unwrap();
    let parts: Vec<&str> = rule.rule_id.split(',').collect();
    assert_eq!(parts.len(), 2, "{}", rule.rule_id);
    assert!(parts[0].starts_with(&policies[0]) && parts[1].starts_with(&policies[1]));
    let again = blocker.block_ip(&request).await.unwrap();
    assert_eq!(again.rule_id, rule.rule_id);
    assert_eq!(cloud.count("waf:CreateWhiteblackipRule"), 3);
    assert_eq!(list(blocker, &all).await.len(), 3);
    blocker.unblock_ip(&rule).await.unwrap();
    assert_eq!(cloud.count("waf:DeleteWhiteBlackIpRule"), 2);
    let left = list(blocker, &all).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].rule_id, theirs.rule_id);
    let stored = cloud.block_rules().list(|r| r.product == "waf");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].ip, "192.0.2.1");
    // A policy that does not exist is named in the error.
    let nowhere = BlockTarget::Waf {
        scope: "no-such-policy".into(),
    };
    let e = blocker
        .block_ip(&BlockRequest::new(
            "203.0.113.9".parse().unwrap(),
            nowhere,
            REGION,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn a_read_only_key_cannot_block_and_is_told_which_call_was_refused() {
    let cloud = sim(2, 1, 1).await;
    let p = provider(&cloud, "readonly");
    let blocker = p.ip_blocker().unwrap();
    let ip = "203.0.113.11".parse().unwrap();
    let e = blocker
        .block_ip(&BlockRequest::new(ip, BlockTarget::CloudFirewall, REGION))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert_eq!(e.action(), Some("cfw:AddAddressItem"));
    let e = blocker
        .block_ip(&BlockRequest::new(
            ip,
            BlockTarget::Waf { scope: "*".into() },
            REGION,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert_eq!(e.action(), Some("waf:CreateWhiteblackipRule"));
    // Listing is allowed.
    assert!(list(blocker, &BlockTarget::CloudFirewall).await.is_empty());
}
