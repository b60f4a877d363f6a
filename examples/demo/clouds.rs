//! The simulated clouds the demo runs against, and the providers pointed at them.

use std::sync::Arc;

use multicloud_sdk::aws::AwsProviderBuilder;
use multicloud_sdk::baidu::BaiduProviderBuilder;
use multicloud_sdk::ctyun::CtyunProviderBuilder;
use multicloud_sdk::huawei::HuaweiProviderBuilder;
use multicloud_sdk::tencent::TencentProviderBuilder;
use multicloud_sdk::{CloudProvider, Domain, ProviderKind, StaticCredential};
use multicloud_testkit::aws::{cloudtrail_record, AuditPipeline, AwsSim};
use multicloud_testkit::baidu::BaiduSim;
use multicloud_testkit::ctyun::CtyunSim;
use multicloud_testkit::huawei::HuaweiSim;
use multicloud_testkit::tencent::TencentSim;
use multicloud_testkit::{SimCloud, SimHostState};

use crate::config::AccountConfig;

/// Where the simulated trail delivers its logs and which queue its bucket notifies.
pub(crate) const TRAIL_BUCKET: &str = "demo-trail-logs";
pub(crate) const TRAIL_REGION: &str = "us-east-1";
pub(crate) const TRAIL_QUEUE: &str = "demo-trail-events";

/// One simulated cloud per provider that has a client in this build.
pub(crate) struct SimulatedClouds {
    pub(crate) aws: SimCloud,
    /// The simulated CloudTrail → S3 → SQS pipeline of the AWS cloud.
    pub(crate) audit: AuditPipeline,
    pub(crate) huawei: SimCloud,
    pub(crate) tencent: SimCloud,
    pub(crate) baidu: SimCloud,
    pub(crate) ctyun: SimCloud,
}

impl SimulatedClouds {
    /// Starts the simulators with `hosts` hosts each, from a fixed seed (same world every run).
    pub(crate) async fn start(hosts: usize) -> std::io::Result<Self> {
        let audit = AuditPipeline::new();
        audit.set_long_poll_cap(std::time::Duration::from_millis(100));
        audit.notify(TRAIL_BUCKET, TRAIL_REGION, TRAIL_QUEUE);
        let aws = SimCloud::builder(AwsSim::new().with_audit(audit.clone()))
            .seed(2026)
            .hosts(hosts)
            .start()
            .await?;
        let huawei = SimCloud::builder(HuaweiSim::new())
            .seed(2026)
            .hosts(hosts)
            .start()
            .await?;
        let tencent = SimCloud::builder(TencentSim::new())
            .seed(2026)
            .hosts(hosts)
            .start()
            .await?;
        let baidu = SimCloud::builder(BaiduSim::new())
            .seed(2026)
            .hosts(hosts)
            .start()
            .await?;
        let ctyun = SimCloud::builder(CtyunSim::new())
            .seed(2026)
            .hosts(hosts)
            .start()
            .await?;
        Ok(SimulatedClouds {
            aws,
            audit,
            huawei,
            tencent,
            baidu,
            ctyun,
        })
    }

    /// CloudTrail delivers two log files to the trail's bucket, which notifies the queue;
    /// returns what was done, for printing.
    pub(crate) fn deliver_trail_logs(&self) -> Vec<String> {
        let calls = [
            ("ConsoleLogin", "alice"),
            ("RunInstances", "alice"),
            ("AuthorizeSecurityGroupIngress", "bob"),
            ("DescribeInstances", "ci-deployer"),
            ("DeleteTrail", "mallory"),
        ];
        let records: Vec<_> = calls
            .iter()
            .enumerate()
            .map(|(i, (name, user))| {
                let id = format!("7f3c2a10-demo-4000-8000-00000000000{i}");
                cloudtrail_record(&id, name, &format!("2026-03-01T10:0{i}:00Z"), user)
            })
            .collect();
        let mut done = Vec::new();
        for (n, chunk) in records.chunks(3).enumerate() {
            let key = format!(
                "AWSLogs/123456789012/CloudTrail/{TRAIL_REGION}/2026/03/01/123456789012_CloudTrail_{TRAIL_REGION}_20260301T10{n}0Z_demo.json.gz"
            );
            self.audit.put_log_file(TRAIL_BUCKET, &key, chunk);
            done.push(format!(
                "s3://{TRAIL_BUCKET}/{key} ({} records)",
                chunk.len()
            ));
        }
        done
    }

    /// The simulators, for printing.
    pub(crate) fn all(&self) -> [&SimCloud; 5] {
        [
            &self.aws,
            &self.huawei,
            &self.tencent,
            &self.baidu,
            &self.ctyun,
        ]
    }

    /// A provider for `account`, pointed at its simulated cloud.
    pub(crate) fn provider_for(
        &self,
        account: &AccountConfig,
    ) -> Result<Arc<dyn CloudProvider>, Box<dyn std::error::Error>> {
        let credential = StaticCredential::new(account.access_key());
        Ok(match account.provider {
            ProviderKind::Aws => Arc::new(
                AwsProviderBuilder::new(account.name.clone())
                    .with_credential(credential)
                    .with_domain(account.domain)
                    .with_endpoint_url(self.aws.base_url())
                    .build()?,
            ),
            ProviderKind::Huawei => Arc::new(
                HuaweiProviderBuilder::new(account.name.clone())
                    .with_credential(credential)
                    .with_domain(account.domain)
                    .with_endpoint_url(self.huawei.base_url())
                    .build()?,
            ),
            ProviderKind::Baidu => Arc::new(
                BaiduProviderBuilder::new(account.name.clone())
                    .with_credential(credential)
                    .with_domain(account.domain)
                    .with_endpoint_url(self.baidu.base_url())
                    .build()?,
            ),
            ProviderKind::Ctyun => Arc::new(
                CtyunProviderBuilder::new(account.name.clone())
                    .with_credential(credential)
                    .with_domain(account.domain)
                    .with_endpoint_url(self.ctyun.base_url())
                    .build()?,
            ),
            ProviderKind::Tencent => Arc::new(
                TencentProviderBuilder::new(account.name.clone())
                    .with_credential(credential)
                    .with_domain(account.domain)
                    .with_endpoint_url(self.tencent.base_url())
                    .build()?,
            ),
            other => {
                return Err(format!(
                    "account {:?}: the {other} provider has no client yet (see the README's status table)",
                    account.name
                )
                .into())
            }
        })
    }

    /// Changes each simulated world the way a day in a real account would: instances launched
    /// and terminated, one stopped, one re-tagged, all in regions of the domain the demo's
    /// accounts of that provider live in. Returns what was done, for printing.
    pub(crate) fn change_the_world(&self, accounts: &[AccountConfig]) -> Vec<String> {
        let mut done = Vec::new();
        for cloud in self.all() {
            let provider = cloud.provider();
            let domains: Vec<Domain> = accounts
                .iter()
                .filter(|a| a.provider == provider)
                .map(|a| a.domain)
                .collect();
            let (regions, existing): (Vec<String>, Vec<String>) = {
                let inventory = cloud.inventory();
                let visible = |region: &str| {
                    inventory
                        .region(region)
                        .is_some_and(|r| r.opted_in && domains.contains(&r.domain))
                };
                let mut regions: Vec<String> = inventory
                    .hosts()
                    .iter()
                    .filter(|h| visible(&h.region))
                    .map(|h| h.region.clone())
                    .collect();
                regions.dedup();
                let ids = inventory
                    .hosts()
                    .iter()
                    .filter(|h| visible(&h.region))
                    .map(|h| h.id.clone())
                    .collect();
                (regions, ids)
            };
            for region in regions.iter().take(3) {
                let host = cloud.add_generated_host(region);
                done.push(format!("{provider}: launched {} in {region}", host.id));
            }
            for id in existing.iter().take(2) {
                if cloud.remove_host(id).is_some() {
                    done.push(format!("{provider}: terminated {id}"));
                }
            }
            if let Some(id) = existing.get(2) {
                cloud.update_host(id, |h| h.state = SimHostState::Stopped);
                done.push(format!("{provider}: stopped {id}"));
            }
            if let Some(id) = existing.get(3) {
                cloud.update_host(id, |h| h.tags.push(("owner".into(), "secops".into())));
                done.push(format!("{provider}: tagged {id} owner=secops"));
            }
        }
        done
    }
}
