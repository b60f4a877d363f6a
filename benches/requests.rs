//! One typical list-hosts request per cloud, as the provider clients send them, and the
//! floors prepared from their real canonical forms.

use bytes::Bytes;
use http::Request;
use multicloud_aws::SigV4Signer;
use multicloud_baidu::BceSigner;
use multicloud_core::signing::{derive_key, RequestSigner, SigningTime};
use multicloud_ctyun::EopSigner;
use multicloud_huawei::HuaweiSigner;
use multicloud_tencent::Tc3Signer;

use crate::{fixture_key, Floor, TIME};

/// The CTyun request id of the fixture.
pub const CTYUN_REQUEST_ID: &str = "27cfe4dc-e640-45f6-92ca-492ca73e8680";

fn build(builder: http::request::Builder, body: &'static [u8]) -> Request<Bytes> {
    match builder.body(Bytes::from_static(body)) {
        Ok(request) => request,
        // The fixtures are constants; a typo here is a bug in this file.
        Err(e) => panic!("fixture request does not build: {e}"),
    }
}

/// AWS EC2 `DescribeInstances`: a query-protocol POST with a form body (the AWS client sets
/// `Host` itself, as here).
pub fn aws_describe_instances() -> Request<Bytes> {
    build(
        Request::post("https://ec2.us-east-1.amazonaws.com/")
            .header("host", "ec2.us-east-1.amazonaws.com")
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .header("user-agent", "multicloud/0.1")
            .header("content-length", "59"),
        b"Action=DescribeInstances&MaxResults=1000&Version=2016-11-15",
    )
}

/// Tencent CVM `DescribeInstances`: API 3.0 POST with a JSON body, with the headers the
/// Tencent client sends (`Host`, `Content-Type`, action, version, region), in a header map
/// made as the client makes it, with room for the signer's headers.
pub fn tencent_describe_instances() -> Request<Bytes> {
    let mut builder = Request::post("https://cvm.tencentcloudapi.com/");
    if let Some(headers) = builder.headers_mut() {
        headers.reserve(8);
    }
    build(
        builder
            .header("host", "cvm.tencentcloudapi.com")
            .header("content-type", "application/json; charset=utf-8")
            .header("x-tc-action", "DescribeInstances")
            .header("x-tc-version", "2017-03-12")
            .header("x-tc-region", "ap-guangzhou"),
        br#"{"Offset": 0, "Limit": 100}"#,
    )
}

/// Huawei ECS `ListServersDetails`: GET with paging parameters.
pub fn huawei_list_servers() -> Request<Bytes> {
    build(
        Request::get(
            "https://ecs.cn-north-4.myhuaweicloud.com/v1/0605767a3300d5762fb7c0186d9e1779/cloudservers/detail?limit=100&offset=1",
        )
        .header("content-type", "application/json")
        .header("user-agent", "multicloud/0.1")
        .header("x-project-id", "0605767a3300d5762fb7c0186d9e1779"),
        b"",
    )
}

/// Baidu BCC `ListInstances`: GET with a page size.
pub fn baidu_list_instances() -> Request<Bytes> {
    build(
        Request::get("https://bcc.bj.baidubce.com/v2/instance?maxKeys=1000")
            .header("content-type", "application/json; charset=utf-8")
            .header("user-agent", "multicloud/0.1"),
        b"",
    )
}

/// CTyun ECS `list-instances`: POST with a JSON body and the request id the client sets.
pub fn ctyun_list_instances() -> Request<Bytes> {
    build(
        Request::post("https://ctecs-global.ctapi.ctyun.cn/v4/ecs/list-instances")
            .header("content-type", "application/json;charset=UTF-8")
            .header("ctyun-eop-request-id", CTYUN_REQUEST_ID)
            .header("user-agent", "multicloud/0.1"),
        br#"{"regionID": "bb9fdb42056f11eda1610242ac110002", "pageNo": 1, "pageSize": 50}"#,
    )
}

fn parts_or_panic<T>(result: multicloud_core::Result<T>) -> T {
    result.unwrap_or_else(|e| panic!("fixture does not sign: {e}"))
}

/// Each algorithm's floor for its fixture, named as the bench reports them.
pub fn floors() -> Vec<(&'static str, Floor)> {
    let key = fixture_key();
    let secret = key.secret().expose().to_owned();

    let aws_req = aws_describe_instances();
    let aws =
        parts_or_panic(SigV4Signer::new("us-east-1", "ec2").signing_parts(&aws_req, &key, TIME));
    let date = parts_or_panic(SigningTime::new(TIME)).compact_date();
    let aws_key = derive_key(
        "AWS4",
        &secret,
        date.as_bytes(),
        &[b"us-east-1".as_slice(), b"ec2", b"aws4_request"],
    );

    let tc_req = tencent_describe_instances();
    let tc = parts_or_panic(Tc3Signer::new("cvm").signing_parts(&tc_req, &key, TIME));
    let tc_date = parts_or_panic(SigningTime::new(TIME)).dashed_date();
    let tc_key = derive_key(
        "TC3",
        &secret,
        tc_date.as_bytes(),
        &[b"cvm".as_slice(), b"tc3_request"],
    );

    let hw = parts_or_panic(HuaweiSigner::new().signing_parts(&huawei_list_servers(), &key, TIME));
    let bce = parts_or_panic(BceSigner::new().signing_parts(&baidu_list_instances(), &key, TIME));
    let bce_prefix: String = bce
        .authorization
        .splitn(5, '/')
        .take(4)
        .collect::<Vec<_>>()
        .join("/");
    let ct_req = ctyun_list_instances();
    let ct = parts_or_panic(EopSigner::new().signing_parts(&ct_req, &key, TIME));
    let eop_date = parts_or_panic(SigningTime::new(TIME)).beijing_compact();

    vec![
        (
            "aws",
            Floor::ScopedKey {
                body: aws_req.body().to_vec(),
                canonical: aws.canonical_request.clone().into_bytes(),
                string_to_sign: aws.string_to_sign.clone().into_bytes(),
                key: *aws_key,
            },
        ),
        (
            "aws-uncached",
            Floor::ScopedKeyUncached {
                body: aws_req.body().to_vec(),
                canonical: aws.canonical_request.into_bytes(),
                string_to_sign: aws.string_to_sign.into_bytes(),
                secret: secret.clone(),
                scope: [date.as_str().to_owned(), "us-east-1".into(), "ec2".into()],
            },
        ),
        (
            "tencent",
            Floor::ScopedKey {
                body: tc_req.body().to_vec(),
                canonical: tc.canonical_request.into_bytes(),
                string_to_sign: tc.string_to_sign.into_bytes(),
                key: *tc_key,
            },
        ),
        (
            "huawei",
            Floor::PlainKey {
                canonical: hw.canonical_request.into_bytes(),
                string_to_sign: hw.string_to_sign.into_bytes(),
                secret: secret.clone().into_bytes(),
            },
        ),
        (
            "baidu",
            Floor::HexKey {
                prefix: bce_prefix.into_bytes(),
                canonical: bce.canonical_request.into_bytes(),
                secret: secret.clone().into_bytes(),
            },
        ),
        (
            "ctyun",
            Floor::EopChain {
                body: ct_req.body().to_vec(),
                string_to_sign: ct.string_to_sign.into_bytes(),
                secret: secret.into_bytes(),
                key_id: key.id().as_bytes().to_vec(),
                eop_date: eop_date.as_bytes().to_vec(),
            },
        ),
    ]
}
