//! `multicloud-mock`: serves the five simulated clouds on loopback ports and prints their
//! base URLs, regions and seeded keys (as text, or one JSON document with `--json`), for
//! pointing other tools (boto3, the vendors' SDKs, curl) at them. Stops on Ctrl-C.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::baidu::BaiduSim;
use multicloud_testkit::ctyun::CtyunSim;
use multicloud_testkit::huawei::HuaweiSim;
use multicloud_testkit::tencent::TencentSim;
use multicloud_testkit::{CloudSim, KeyStatus, Permissions, SimCloud};
use serde_json::{json, Value};

/// Serve simulated AWS, Huawei Cloud, Tencent Cloud, Baidu AI Cloud and CTyun on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "multicloud-mock", version)]
struct Args {
    /// Hosts seeded per cloud.
    #[arg(long, default_value_t = 20)]
    hosts: usize,
    /// Regions the hosts are spread over.
    #[arg(long, default_value_t = 3)]
    regions: usize,
    /// Cloud-product resources seeded per product.
    #[arg(long, default_value_t = 3)]
    resources: usize,
    /// Fixture seed (the same seed gives the same ids, IPs and names).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Which clouds to serve (comma-separated: aws,huawei,tencent,baidu,ctyun).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "aws,huawei,tencent,baidu,ctyun"
    )]
    providers: Vec<String>,
}

async fn start(sim: impl CloudSim, args: &Args) -> std::io::Result<SimCloud> {
    SimCloud::builder(sim)
        .hosts(args.hosts)
        .regions(args.regions)
        .resources_per_service(args.resources)
        .seed(args.seed)
        .start()
        .await
}

fn permissions(p: &Permissions) -> Value {
    match p {
        Permissions::All => json!("all"),
        Permissions::Only(set) => json!({"only": set}),
        Permissions::AllExcept(set) => json!({"all_except": set}),
    }
}

fn describe(cloud: &SimCloud) -> Value {
    let inv = cloud.inventory();
    let regions: Vec<Value> = inv
        .regions
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "name": r.name, "enabled": r.opted_in, "domain": r.domain.to_string(),
                "hosts": inv.hosts_in(&r.id).len(),
            })
        })
        .collect();
    let keys: Vec<Value> = cloud
        .keys()
        .all()
        .iter()
        .map(|k| {
            json!({
                "label": k.label, "access_key_id": k.id, "secret_access_key": k.secret.expose(),
                "account_id": k.account_id, "user": k.user_name, "domain": k.domain.to_string(),
                "status": if k.status == KeyStatus::Active { "active" } else { "disabled" },
                "permissions": permissions(&k.permissions),
            })
        })
        .collect();
    json!({
        "provider": cloud.provider().as_str(),
        "base_url": cloud.base_url(),
        "hosts": inv.hosts().len(),
        "resources": inv.resources().len(),
        "regions": regions,
        "keys": keys,
    })
}

fn print_text(out: &mut impl Write, args: &Args, clouds: &[Value]) -> std::io::Result<()> {
    writeln!(
        out,
        "multicloud-mock: {} simulated clouds on 127.0.0.1 (seed {}, {} hosts each)",
        clouds.len(),
        args.seed,
        args.hosts
    )?;
    for c in clouds {
        writeln!(out)?;
        writeln!(
            out,
            "{:<8} {}",
            c["provider"].as_str().unwrap_or(""),
            c["base_url"].as_str().unwrap_or("")
        )?;
        let regions: Vec<String> = c["regions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let id = r["id"].as_str().unwrap_or("");
                if r["enabled"].as_bool() == Some(true) {
                    format!("{id}({})", r["hosts"])
                } else {
                    format!("{id}(off)")
                }
            })
            .collect();
        writeln!(out, "  regions: {}", regions.join(" "))?;
        for k in c["keys"].as_array().into_iter().flatten() {
            writeln!(
                out,
                "  key {:<9} {} / {}  account {} {} {}",
                k["label"].as_str().unwrap_or(""),
                k["access_key_id"].as_str().unwrap_or(""),
                k["secret_access_key"].as_str().unwrap_or(""),
                k["account_id"].as_str().unwrap_or(""),
                k["domain"].as_str().unwrap_or(""),
                k["status"].as_str().unwrap_or(""),
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "Serving; press Ctrl-C to stop.")
}

async fn run(args: Args) -> std::io::Result<()> {
    let mut clouds = Vec::new();
    for p in &args.providers {
        let cloud = match p.trim() {
            "aws" => start(AwsSim::new(), &args).await?,
            "huawei" => start(HuaweiSim::new(), &args).await?,
            "tencent" => start(TencentSim::new(), &args).await?,
            "baidu" => start(BaiduSim::new(), &args).await?,
            "ctyun" => start(CtyunSim::new(), &args).await?,
            other => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "unknown provider {other:?}; expected aws, huawei, tencent, baidu or ctyun"
                    ),
                ))
            }
        };
        clouds.push(cloud);
    }
    let docs: Vec<Value> = clouds.iter().map(describe).collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", json!({"seed": args.seed, "clouds": docs}))?;
    } else {
        print_text(&mut out, &args, &docs)?;
    }
    out.flush()?;
    drop(out);
    tokio::signal::ctrl_c().await?;
    drop(clouds);
    eprintln!("multicloud-mock: stopped");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("multicloud-mock: {e}");
            ExitCode::FAILURE
        }
    }
}
