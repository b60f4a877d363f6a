//! The `multicloud-mock` binary: starts, prints one JSON document, serves signed requests,
//! and exits cleanly on SIGINT.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::{request, send, sign_aws, xml_value};
use multicloud_core::{AccessKey, Clock, SystemClock};
use serde_json::Value;

fn key(cloud: &Value, label: &str) -> AccessKey {
    let k = cloud["keys"]
        .as_array()
        .and_then(|ks| ks.iter().find(|k| k["label"] == label))
        .unwrap_or_else(|| panic!("no {label} key in {cloud}"));
    AccessKey::new(
        k["access_key_id"].as_str().unwrap(),
        k["secret_access_key"].as_str().unwrap(),
    )
}

#[tokio::test]
async fn binary_serves_every_cloud_and_stops_on_sigint() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_multicloud-mock"))
        .args(["--json", "--hosts", "50"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .expect("reads the JSON line");
    let doc: Value = serde_json::from_str(&line).expect("one JSON document");
    let clouds = doc["clouds"].as_array().expect("clouds");
    let providers: Vec<&str> = clouds
        .iter()
        .map(|c| c["provider"].as_str().unwrap())
        .collect();
    for p in ["aws", "huawei", "tencent", "baidu", "ctyun"] {
        assert!(providers.contains(&p), "{providers:?}");
    }
    for c in clouds {
        assert_eq!(c["hosts"], 50, "{}", c["provider"]);
        assert!(c["base_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"));
        assert!(!c["regions"].as_array().unwrap().is_empty());
        assert!(!c["keys"].as_array().unwrap().is_empty());
    }

    // One signed request to the printed AWS URL (the binary runs on the system clock).
    let aws = clouds.iter().find(|c| c["provider"] == "aws").unwrap();
    let mut req = request(
        "POST",
        aws["base_url"].as_str().unwrap(),
        "/",
        None,
        Some("application/x-www-form-urlencoded; charset=utf-8"),
        "Action=GetCallerIdentity&Version=2011-06-15",
    );
    sign_aws(
        &mut req,
        &key(aws, "admin"),
        "us-east-1",
        "sts",
        SystemClock.now(),
    );
    let r = send(req).await.expect("response");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        xml_value(&r.body, "Account").as_deref(),
        Some("123456789012")
    );

    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let (status, stderr) = tokio::task::spawn_blocking(move || {
        let status = child.wait();
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        (status, err)
    })
    .await
    .unwrap();
    let status = status.expect("waits");
    assert!(status.success(), "exit status {status:?}, stderr: {stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
}
