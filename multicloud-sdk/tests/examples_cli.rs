//! The provider examples and the demo as a user meets them (issue 22): each test runs an
//! example binary against a simulator on 127.0.0.1 and checks what it prints and its exit
//! code (0 ok, 1 failure, 2 usage or configuration, 3 verify found problems).

mod examples_support;

use std::time::Duration;

use examples_support::{key_parts, run};
use multicloud_sdk::Domain;
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::baidu::BaiduSim;
use multicloud_testkit::ctyun::CtyunSim;
use multicloud_testkit::huawei::HuaweiSim;
use multicloud_testkit::tencent::TencentSim;
use multicloud_testkit::{CloudSim, SimCloud, SimKey};

async fn sim(cloud: impl CloudSim) -> SimCloud {
    SimCloud::builder(cloud)
        .seed(22)
        .hosts(30)
        .regions(3)
        .resources_per_service(1)
        .start()
        .await
        .expect("simulator starts")
}

/// The environment for the AWS example with the demo key `label`.
fn aws_env(cloud: &SimCloud, label: &str) -> Vec<(&'static str, String)> {
    let (id, secret) = key_parts(cloud, label);
    vec![
        ("AWS_ACCESS_KEY_ID", id),
        ("AWS_SECRET_ACCESS_KEY", secret),
        ("AWS_ENDPOINT_URL", cloud.base_url()),
    ]
}

fn tencent_env(cloud: &SimCloud, label: &str) -> Vec<(&'static str, String)> {
    let (id, secret) = key_parts(cloud, label);
    vec![
        ("TENCENTCLOUD_SECRET_ID", id),
        ("TENCENTCLOUD_SECRET_KEY", secret),
        ("TENCENTCLOUD_ENDPOINT_URL", cloud.base_url()),
    ]
}

fn refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A region of the International domain that has hosts.
fn international_host_region(cloud: &SimCloud) -> String {
    let inventory = cloud.inventory();
    inventory
        .regions
        .iter()
        .find(|r| {
            r.domain == Domain::International && r.opted_in && !inventory.hosts_in(&r.id).is_empty()
        })
        .expect("an International region with hosts")
        .id
        .clone()
}

/// No Rust structure in what a user reads.
fn assert_no_debug_output(text: &str) {
    for debug in ["Invalid {", "Error {", "Some(", "None", "Os {", "kind:"] {
        assert!(!text.contains(debug), "{debug:?} printed:\n{text}");
    }
}

// Case 1: verify and the demo speak in sentences, with the right exit code.

#[tokio::test]
async fn case1_verify_prints_sentences_not_rust_structures() {
    let cloud = sim(TencentSim::new()).await;
    let endpoint = cloud.base_url();

    let unset = run("tencent", &["verify", "--endpoint-url", &endpoint], &[]).await;
    assert_eq!(
        unset.code,
        2,
        "no key is a configuration error\n{}",
        unset.both()
    );
    assert_no_debug_output(&unset.both());
    assert!(
        unset.stdout.contains("TENCENTCLOUD_SECRET_ID unset"),
        "{}",
        unset.both()
    );
    assert!(
        unset
            .stdout
            .contains("export TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"),
        "{}",
        unset.both()
    );
    assert!(!unset.stdout.contains("request id"), "{}", unset.both());

    let (id, _) = key_parts(&cloud, "admin");
    let env = [
        ("TENCENTCLOUD_SECRET_ID", id.as_str()),
        ("TENCENTCLOUD_SECRET_KEY", "wrong-secret"),
        ("TENCENTCLOUD_ENDPOINT_URL", endpoint.as_str()),
    ];
    let wrong = run("tencent", &["verify"], &env).await;
    assert_eq!(wrong.code, 3, "verify found a problem\n{}", wrong.both());
    assert_no_debug_output(&wrong.both());
    assert!(
        wrong
            .stdout
            .contains("key: INVALID (invalid_credential, AuthFailure.SignatureFailure)"),
        "{}",
        wrong.both()
    );
    assert!(
        wrong.stdout.contains("Check the SecretId and SecretKey"),
        "{}",
        wrong.both()
    );

    let ok = run("tencent", &["verify"], &refs(&tencent_env(&cloud, "admin"))).await;
    assert_eq!(ok.code, 0, "{}", ok.both());
    assert!(ok.stdout.contains("key: valid"), "{}", ok.both());
    assert!(
        !ok.stdout.contains("--domain"),
        "no domain advice for a valid key\n{}",
        ok.both()
    );
}

#[tokio::test]
async fn case1_verify_exits_3_when_a_permission_is_missing() {
    let cloud = sim(AwsSim::new()).await;
    let missing = run(
        "aws",
        &["verify", "--features", "host,cspm"],
        &refs(&aws_env(&cloud, "ec2-only")),
    )
    .await;
    assert_eq!(missing.code, 3, "{}", missing.both());
    assert_no_debug_output(&missing.both());
    assert!(missing.stdout.contains("key: valid"), "{}", missing.both());
    assert!(
        missing
            .stdout
            .contains("cspm       missing: denied rds:DescribeDBInstances"),
        "{}",
        missing.both()
    );
    assert!(
        missing.stdout.contains("grant AmazonRDSReadOnlyAccess"),
        "{}",
        missing.both()
    );
    assert!(!missing.stdout.contains("--domain"), "{}", missing.both());
}

#[tokio::test]
async fn case1_demo_names_the_file_or_database_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let run_missing = run("demo", &["--accounts", missing.to_str().unwrap()], &[]).await;
    assert_eq!(run_missing.code, 2, "{}", run_missing.both());
    assert_no_debug_output(&run_missing.both());
    assert!(
        run_missing.stderr.contains("cannot read the accounts file"),
        "{}",
        run_missing.both()
    );
    assert!(
        run_missing.stderr.contains("nope.toml"),
        "{}",
        run_missing.both()
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[policy]\nregions = \"all\"\n\n[[account]]\nprovider = \"aws\"\nsecret_access_key = \"PLANTEDSECRET\"\n",
    )
    .unwrap();
    let run_bad = run("demo", &["--accounts", bad.to_str().unwrap()], &[]).await;
    assert_eq!(run_bad.code, 2, "{}", run_bad.both());
    assert_no_debug_output(&run_bad.both());
    assert!(
        run_bad
            .stderr
            .contains("bad.toml:4:1: missing field `name`"),
        "{}",
        run_bad.both()
    );
    assert!(
        !run_bad.stderr.contains("PLANTEDSECRET"),
        "the file was dumped\n{}",
        run_bad.both()
    );

    let db = dir.path().join("no-such-dir").join("x.sqlite");
    let run_db = run("demo", &["--hosts", "5", "--db", db.to_str().unwrap()], &[]).await;
    assert_eq!(run_db.code, 2, "{}", run_db.both());
    assert_no_debug_output(&run_db.stderr);
    assert!(
        run_db.stderr.contains("cannot open the SQLite inventory"),
        "{}",
        run_db.both()
    );
    assert!(run_db.stderr.contains("no-such-dir"), "{}", run_db.both());
}

// Case 2: a region typo is caught before any listing, with a suggestion.

#[tokio::test]
async fn case2_unknown_region_is_refused_up_front_with_a_suggestion() {
    let cloud = sim(AwsSim::new()).await;
    let env = aws_env(&cloud, "admin");

    let typo = run("aws", &["--regions", "us-east-9", "hosts"], &refs(&env)).await;

    assert_eq!(typo.code, 2, "{}", typo.both());
    assert!(
        typo.stderr.contains(
            "unknown region us-east-9 for aws (international domain); did you mean us-east-1?"
        ),
        "{}",
        typo.both()
    );
    assert!(
        !typo.stderr.contains("invalid_credential"),
        "{}",
        typo.both()
    );
    assert_eq!(cloud.count("ec2:DescribeInstances"), 0, "nothing listed");

    let disabled = run("aws", &["hosts", "--regions", "me-south-1"], &refs(&env)).await;
    assert_eq!(disabled.code, 2, "{}", disabled.both());
    assert!(
        disabled.stderr.contains("region me-south-1 is not usable"),
        "{}",
        disabled.both()
    );
}

// Case 3: options after the subcommand.

#[tokio::test]
async fn case3_options_work_after_the_subcommand() {
    let cloud = sim(AwsSim::new()).await;
    let region = international_host_region(&cloud);
    let expected = cloud.inventory().hosts_in(&region).len();

    let hosts = run(
        "aws",
        &["hosts", "--output", "json", "--regions", &region],
        &refs(&aws_env(&cloud, "admin")),
    )
    .await;

    assert_eq!(hosts.code, 0, "{}", hosts.both());
    let listed: serde_json::Value = serde_json::from_str(&hosts.stdout).expect("JSON output");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(expected),
        "{}",
        hosts.both()
    );
    assert!(expected > 0);

    let tencent = sim(TencentSim::new()).await;
    let region = tencent
        .inventory()
        .regions
        .iter()
        .find(|r| {
            r.domain == Domain::China
                && r.opted_in
                && !tencent.inventory().hosts_in(&r.id).is_empty()
        })
        .expect("a China region with hosts")
        .id
        .clone();
    let listed = run(
        "tencent",
        &["hosts", "--regions", &region, "--output", "json"],
        &refs(&tencent_env(&tencent, "admin")),
    )
    .await;
    assert_eq!(listed.code, 0, "{}", listed.both());
    let listed: serde_json::Value = serde_json::from_str(&listed.stdout).expect("JSON output");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(tencent.inventory().hosts_in(&region).len())
    );
}

// Case 4: --help says where the key comes from, the domains, the endpoint variable, the
// exit codes; every example has the same subcommands; empty variables are called empty.

#[tokio::test]
async fn case4_help_names_key_variables_domains_endpoint_variable_and_exit_codes() {
    let cases: [(&str, &[&str], &[&str], bool); 4] = [
        (
            "aws",
            &[
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
            ],
            &["international", "china"],
            false,
        ),
        (
            "tencent",
            &[
                "TENCENTCLOUD_SECRET_ID",
                "TENCENTCLOUD_SECRET_KEY",
                "TENCENTCLOUD_ENDPOINT_URL",
            ],
            &["china", "international"],
            true,
        ),
        (
            "huawei",
            &[
                "HUAWEICLOUD_SDK_AK",
                "HUAWEICLOUD_SDK_SK",
                "HUAWEICLOUD_ENDPOINT_URL",
            ],
            &["china", "international"],
            true,
        ),
        (
            "baidu",
            &[
                "BCE_ACCESS_KEY_ID",
                "BCE_SECRET_ACCESS_KEY",
                "BCE_ENDPOINT_URL",
            ],
            &["china"],
            false,
        ),
    ];
    for (name, vars, domains, blocks) in cases {
        let help = run(name, &["--help"], &[]).await;
        assert_eq!(help.code, 0, "{name}: {}", help.both());
        let text = &help.stdout;
        for var in vars {
            assert!(text.contains(var), "{name} --help lacks {var}:\n{text}");
        }
        assert!(
            text.contains("[env: "),
            "{name}: endpoint variable not shown:\n{text}"
        );
        for domain in domains {
            assert!(
                text.contains(&format!("  {domain} ")),
                "{name}: domain {domain}:\n{text}"
            );
        }
        assert!(
            text.contains("Exit codes: 0 ok; 1 a call failed")
                && text.contains("2 usage or configuration error")
                && text.contains("3 verify found"),
            "{name}: exit codes:\n{text}"
        );
        assert!(
            text.contains("[default: 30s]"),
            "{name}: call timeout:\n{text}"
        );
        for command in ["verify", "regions", "hosts", "products"] {
            assert!(
                text.contains(&format!("  {command} ")),
                "{name}: {command}:\n{text}"
            );
        }
        for command in ["block", "unblock", "blocks"] {
            assert_eq!(
                text.contains(&format!("  {command} ")),
                blocks,
                "{name}: {command}:\n{text}"
            );
        }
    }
}

#[tokio::test]
async fn case4_empty_key_variables_are_reported_as_empty() {
    let env = [
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
    ];
    let empty = run("aws", &["regions"], &env).await;
    assert_eq!(empty.code, 2, "{}", empty.both());
    assert!(
        empty
            .stderr
            .contains("AWS_ACCESS_KEY_ID set but empty; AWS_SECRET_ACCESS_KEY set but empty"),
        "{}",
        empty.both()
    );
    assert!(!empty.stderr.contains("unset"), "{}", empty.both());
}

// Case 5: a server that accepts and never answers fails within the call timeout.

#[tokio::test]
async fn case5_a_silent_endpoint_fails_within_the_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIAMCDEMOADMIN00001"),
        ("AWS_SECRET_ACCESS_KEY", "not-needed-for-this-test"),
    ];

    let silent = run(
        "aws",
        &[
            "regions",
            "--endpoint-url",
            &endpoint,
            "--attempt-timeout",
            "400ms",
            "--timeout",
            "1s",
        ],
        &env,
    )
    .await;

    held.abort();
    assert_eq!(silent.code, 1, "{}", silent.both());
    assert!(
        silent.took < Duration::from_secs(10),
        "took {:?}",
        silent.took
    );
    assert!(silent.stderr.contains("timed out"), "{}", silent.both());
    assert!(silent.stderr.contains("attempts in"), "{}", silent.both());
    assert!(
        silent
            .stderr
            .contains("to fix: check that the endpoint is up"),
        "{}",
        silent.both()
    );
}

// Case 6: https to a plain-HTTP server and an out-of-range port are configuration errors.

#[tokio::test]
async fn case6_tls_mismatch_and_bad_port_are_config_errors_sent_at_most_once() {
    let cloud = sim(AwsSim::new()).await;
    let mut env = aws_env(&cloud, "admin");
    env.retain(|(k, _)| *k != "AWS_ENDPOINT_URL");
    let https = cloud.base_url().replace("http://", "https://");

    let tls = run("aws", &["regions", "--endpoint-url", &https], &refs(&env)).await;
    assert_eq!(tls.code, 2, "{}", tls.both());
    assert!(
        tls.stderr
            .contains("error: config (aws): the TLS handshake"),
        "{}",
        tls.both()
    );
    assert!(
        tls.stderr.contains("[after 1 attempt "),
        "not retried\n{}",
        tls.both()
    );
    assert!(tls.stderr.contains("to fix: use http://"), "{}", tls.both());

    let port = run(
        "aws",
        &["regions", "--endpoint-url", "http://127.0.0.1:99999"],
        &refs(&env),
    )
    .await;
    assert_eq!(port.code, 2, "{}", port.both());
    assert!(
        port.stderr.contains("port 99999 is out of range"),
        "{}",
        port.both()
    );
    assert!(
        !port.stderr.contains("attempt"),
        "failed before sending\n{}",
        port.both()
    );
}

// Case 7: a key of the other domain is named, with the flag and the builder method, in
// listing errors too.

#[tokio::test]
async fn case7_a_key_of_the_other_domain_is_named_in_listing_errors() {
    let cloud = sim(AwsSim::new()).await;
    let env = aws_env(&cloud, "china");

    let hosts = run("aws", &["hosts"], &refs(&env)).await;
    assert_eq!(hosts.code, 1, "{}", hosts.both());
    assert!(
        hosts.stderr.contains("invalid_credential (aws)"),
        "{}",
        hosts.both()
    );
    assert!(
        hosts.stderr.contains("to fix: this key belongs to the china domain of AWS, not international: run again with --domain china (in code: AwsProviderBuilder::with_domain(Domain::China))"),
        "{}",
        hosts.both()
    );

    let verify = run("aws", &["verify"], &refs(&env)).await;
    assert_eq!(verify.code, 3, "{}", verify.both());
    assert!(
        verify.stdout.contains("--domain china"),
        "{}",
        verify.both()
    );

    let fixed = run("aws", &["hosts", "--domain", "china"], &refs(&env)).await;
    assert_eq!(fixed.code, 0, "{}", fixed.both());
}

// Case 8: Tencent has regions and IP blocking, and reads its endpoint from the environment.

#[tokio::test]
async fn case8_tencent_has_regions_and_blocking_and_an_endpoint_variable() {
    let cloud = sim(TencentSim::new()).await;
    let env = tencent_env(&cloud, "admin");
    let region = "ap-guangzhou".to_owned();

    let regions = run("tencent", &["regions"], &refs(&env)).await;
    assert_eq!(regions.code, 0, "{}", regions.both());
    let count = cloud.inventory().regions.len();
    assert!(
        regions.stdout.contains(&format!("{count} regions")),
        "{}",
        regions.both()
    );

    let blocked = run(
        "tencent",
        &[
            "block",
            "--region",
            &region,
            "203.0.113.9",
            "--output",
            "json",
        ],
        &refs(&env),
    )
    .await;
    assert_eq!(blocked.code, 0, "{}", blocked.both());
    let rule: serde_json::Value = serde_json::from_str(&blocked.stdout).expect("JSON");
    let rule_id = rule[0]["rule_id"].as_str().expect("rule id").to_owned();

    let listed = run("tencent", &["blocks", "--region", &region], &refs(&env)).await;
    assert!(
        listed.stdout.contains(&rule_id) && listed.stdout.contains("1 rules"),
        "{}",
        listed.both()
    );

    let unblocked = run(
        "tencent",
        &[
            "unblock",
            "--region",
            &region,
            "--rule-id",
            &rule_id,
            "203.0.113.9",
        ],
        &refs(&env),
    )
    .await;
    assert_eq!(unblocked.code, 0, "{}", unblocked.both());
    let after = run("tencent", &["blocks", "--region", &region], &refs(&env)).await;
    assert!(after.stdout.contains("0 rules"), "{}", after.both());
}

// The other two clouds answer the shared subcommands against their simulators.

#[tokio::test]
async fn huawei_and_baidu_list_hosts_with_options_after_the_subcommand() {
    let huawei = sim(HuaweiSim::new()).await;
    let (id, secret) = key_parts(&huawei, "admin");
    let env = [
        ("HUAWEICLOUD_SDK_AK", id.as_str()),
        ("HUAWEICLOUD_SDK_SK", secret.as_str()),
    ];
    let url = huawei.base_url();
    let hosts = run("huawei", &["hosts", "--endpoint-url", &url], &env).await;
    assert_eq!(hosts.code, 0, "{}", hosts.both());
    let total = huawei.inventory().hosts().len();
    assert!(
        hosts.stdout.contains(&format!("{total} hosts")),
        "{}",
        hosts.both()
    );

    let baidu = sim(BaiduSim::new()).await;
    let (id, secret) = key_parts(&baidu, "admin");
    let env = [
        ("BCE_ACCESS_KEY_ID", id.as_str()),
        ("BCE_SECRET_ACCESS_KEY", secret.as_str()),
    ];
    let url = baidu.base_url();
    let typo = run(
        "baidu",
        &["hosts", "--regions", "bjj", "--endpoint-url", &url],
        &env,
    )
    .await;
    assert_eq!(typo.code, 2, "{}", typo.both());
    assert!(typo.stderr.contains("did you mean bj?"), "{}", typo.both());
}

// CTyun on the shared command line (issue 27): its editions as --domain values, its key
// variables, and the pools the account can drive.

#[tokio::test]
async fn ctyun_lists_the_hosts_of_its_scanned_pools_as_json() {
    let cloud = sim(CtyunSim::new()).await;
    let (id, secret) = key_parts(&cloud, "admin");
    let url = cloud.base_url();
    let env = [
        ("CTYUN_AK", id.as_str()),
        ("CTYUN_SK", secret.as_str()),
        ("CTYUN_ENDPOINT_URL", url.as_str()),
    ];
    let hosts = run(
        "ctyun",
        &["hosts", "--output", "json", "--domain", "chinese"],
        &env,
    )
    .await;
    assert_eq!(hosts.code, 0, "{}", hosts.both());
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&hosts.stdout).expect("hosts print one JSON array");
    let mut listed: Vec<&str> = listed
        .iter()
        .map(|h| h["id"].as_str().expect("each host has an id"))
        .collect();
    listed.sort_unstable();

    // Every host of every pool the `regions` subcommand shows as enabled, and no other.
    let regions = run("ctyun", &["regions", "--output", "json"], &env).await;
    assert_eq!(regions.code, 0, "{}", regions.both());
    let regions: Vec<serde_json::Value> =
        serde_json::from_str(&regions.stdout).expect("regions print one JSON array");
    let mut expected: Vec<String> = {
        let inventory = cloud.inventory();
        regions
            .iter()
            .filter(|r| r["status"] == "enabled")
            .flat_map(|r| inventory.hosts_in(r["id"].as_str().expect("a region id")))
            .map(|h| h.id.clone())
            .collect()
    };
    expected.sort_unstable();
    assert!(
        !expected.is_empty(),
        "the simulator has hosts in scanned pools"
    );
    assert_eq!(listed, expected);

    // The edition names are CTyun's, and the others are refused as usage errors.
    let wrong = run("ctyun", &["hosts", "--domain", "china"], &env).await;
    assert_eq!(wrong.code, 2, "{}", wrong.both());
    assert!(wrong.stderr.contains("chinese"), "{}", wrong.both());
}

// Quick configuration on the shared command line: policies to paste, and a root key that
// makes a least-privilege user and prints its key once.

#[tokio::test]
async fn aws_prints_the_policies_and_onboards_a_user_with_the_root_key() {
    let policy = run("aws", &["policy", "--features", "host"], &[]).await;
    assert_eq!(policy.code, 0, "{}", policy.both());
    for managed in ["AmazonEC2ReadOnlyAccess", "IAMReadOnlyAccess"] {
        assert!(
            policy
                .stdout
                .contains(&format!("managed policy: {managed}")),
            "{}",
            policy.both()
        );
    }
    assert!(
        !policy.stdout.contains("AmazonS3ReadOnlyAccess"),
        "a cspm policy printed for host alone:\n{}",
        policy.both()
    );

    const ROOT_ID: &str = "AKIAMCROOTKEY0000001";
    const ROOT_SECRET: &str = "mcRootSecretNeverPrinted000000000000001";
    let cloud = sim(AwsSim::new()).await;
    cloud.keys().insert(
        SimKey::new(ROOT_ID, ROOT_SECRET, multicloud_testkit::aws::ACCOUNT_ID)
            .with_user("root", multicloud_testkit::aws::ACCOUNT_ID)
            .with_label("root"),
    );
    let url = cloud.base_url();
    let env = [
        ("AWS_ACCESS_KEY_ID", ROOT_ID),
        ("AWS_SECRET_ACCESS_KEY", ROOT_SECRET),
        ("AWS_ENDPOINT_URL", url.as_str()),
    ];
    // Without a terminal to confirm on, nothing is created unless --yes is given.
    let unconfirmed = run("aws", &["onboard", "--user", "secops"], &env).await;
    assert_eq!(unconfirmed.code, 2, "{}", unconfirmed.both());
    assert!(
        unconfirmed.stderr.contains("--yes"),
        "{}",
        unconfirmed.both()
    );
    assert!(cloud.iam().user("multicloud-secops").is_none());

    let onboard = run(
        "aws",
        &["onboard", "--user", "secops", "--features", "host", "--yes"],
        &env,
    )
    .await;
    assert_eq!(onboard.code, 0, "{}", onboard.both());
    let user = cloud.iam().user("multicloud-secops").expect("user created");
    assert_eq!(user.keys.len(), 1);
    let new_id = &user.keys[0].id;
    assert_ne!(new_id, ROOT_ID);
    assert!(
        onboard.stdout.contains(&format!("access key id: {new_id}")),
        "{}",
        onboard.both()
    );
    assert!(
        onboard.stderr.contains("delete the root user's key"),
        "{}",
        onboard.both()
    );
    assert!(!onboard.both().contains(ROOT_SECRET), "{}", onboard.both());
}

#[tokio::test]
async fn aws_audit_checks_the_queue_and_tails_events_as_json_lines_or_a_table() {
    use multicloud_testkit::aws::{cloudtrail_record, AuditPipeline};
    let audit = AuditPipeline::new();
    audit.set_long_poll_cap(Duration::from_millis(20));
    audit.notify("trail", "us-east-1", "trail-events");
    let cloud = sim(AwsSim::new().with_audit(audit.clone())).await;
    let records: Vec<_> = (0..3)
        .map(|i| {
            cloudtrail_record(
                &format!("ev-{i}"),
                "RunInstances",
                &format!("2026-03-01T10:00:0{i}Z"),
                "alice",
            )
        })
        .collect();
    audit.put_log_file(
        "trail",
        "AWSLogs/1/CloudTrail/us-east-1/a.json.gz",
        &records,
    );
    let env = aws_env(&cloud, "admin");
    let base = ["audit", "--region", "us-east-1", "--queue", "trail-events"];

    let check = run("aws", &[&base[..], &["--check"]].concat(), &refs(&env)).await;
    assert_eq!(check.code, 0, "{}", check.both());
    assert!(
        check.stdout.contains("ok       read_object"),
        "{}",
        check.both()
    );

    let json = run(
        "aws",
        &[&base[..], &["--max", "2", "--output", "json"]].concat(),
        &refs(&env),
    )
    .await;
    assert_eq!(json.code, 0, "{}", json.both());
    let lines: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON document per line"))
        .collect();
    assert_eq!(lines.len(), 2, "{}", json.both());
    assert_eq!(lines[0]["event_name"], "RunInstances");

    // The third event is still unacknowledged: it comes back once its message is visible.
    audit.reveal();
    let table = run(
        "aws",
        &[
            &base[..],
            &["--since", "2026-03-01T10:00:02Z", "--idle", "1s"],
        ]
        .concat(),
        &refs(&env),
    )
    .await;
    assert_eq!(table.code, 0, "{}", table.both());
    assert!(table.stdout.starts_with("TIME"), "{}", table.both());
    assert_eq!(
        table.stdout.lines().count(),
        2,
        "header and the one event at or after --since:\n{}",
        table.both()
    );
    assert!(table.stderr.contains("before --since"), "{}", table.both());
    assert_no_debug_output(&table.both());

    let missing = run(
        "aws",
        &[
            "audit",
            "--region",
            "us-east-1",
            "--queue",
            "nope",
            "--check",
        ],
        &refs(&env),
    )
    .await;
    assert_eq!(missing.code, 3, "{}", missing.both());
    assert!(
        missing.stdout.contains("FAILED   queue"),
        "{}",
        missing.both()
    );
}

#[tokio::test]
async fn huawei_prints_the_policies_and_onboards_a_user_with_the_main_account_key() {
    let policy = run("huawei", &["policy", "--features", "host,response"], &[]).await;
    assert_eq!(policy.code, 0, "{}", policy.both());
    for line in [
        "managed policy: ECS ReadOnlyAccess",
        "custom policy siemBasePolicy:",
        "custom policy siemNormalPolicy:",
        "\"Version\": \"1.1\"",
    ] {
        assert!(policy.stdout.contains(line), "{line}:\n{}", policy.both());
    }

    const ROOT_ID: &str = "HPUAMCROOTKEY0000001";
    const ROOT_SECRET: &str = "mcHuaweiRootSecretNeverPrinted000000001";
    let cloud = sim(HuaweiSim::new()).await;
    cloud
        .keys()
        .insert(multicloud_testkit::huawei::root_key(ROOT_ID, ROOT_SECRET));
    let url = cloud.base_url();
    let env = [
        ("HUAWEICLOUD_SDK_AK", ROOT_ID),
        ("HUAWEICLOUD_SDK_SK", ROOT_SECRET),
        ("HUAWEICLOUD_ENDPOINT_URL", url.as_str()),
    ];
    let unconfirmed = run("huawei", &["onboard", "--user", "secops"], &env).await;
    assert_eq!(unconfirmed.code, 2, "{}", unconfirmed.both());
    assert!(cloud.iam().user("multicloud-secops").is_none());

    let onboard = run(
        "huawei",
        &["onboard", "--user", "secops", "--features", "host", "--yes"],
        &env,
    )
    .await;
    assert_eq!(onboard.code, 0, "{}", onboard.both());
    let user = cloud.iam().user("multicloud-secops").expect("user created");
    let new_id = &user.keys[0].id;
    assert!(
        onboard.stdout.contains(&format!("access key id: {new_id}")),
        "{}",
        onboard.both()
    );
    assert!(cloud.iam().group("multicloud-secops-group").is_some());
    assert!(!onboard.both().contains(ROOT_SECRET), "{}", onboard.both());

    // An IAM user's key is refused with the reason, and its secret is not printed either.
    let (id, secret) = key_parts(&cloud, "admin");
    let env = [
        ("HUAWEICLOUD_SDK_AK", id.as_str()),
        ("HUAWEICLOUD_SDK_SK", secret.as_str()),
        ("HUAWEICLOUD_ENDPOINT_URL", url.as_str()),
    ];
    let refused = run("huawei", &["onboard", "--user", "ops", "--yes"], &env).await;
    assert_eq!(refused.code, 1, "{}", refused.both());
    assert!(
        refused.stderr.contains("this is an IAM user's key"),
        "{}",
        refused.both()
    );
    assert!(!refused.both().contains(&secret), "{}", refused.both());
    assert_no_debug_output(&refused.both());
}
