"""Regenerates the SDK differential cases in this folder from the clouds' official Python SDKs.

Each case is a request as it goes on the wire, the key, the time and the signer settings, and
what the official SDK signed for it. Nothing is sent anywhere: the SDKs' signing functions are
called directly, with their clocks replaced by the case's time.

    python -m venv /tmp/sdk && /tmp/sdk/bin/pip install botocore==1.44.5 \
        huaweicloudsdkcore==3.1.219 tencentcloud-sdk-python-common==3.1.195 \
        tencentcloud-sdk-python-cvm bce-python-sdk==0.9.79 ctyun-python-sdk-core==0.0.1
    /tmp/sdk/bin/python testdata/vectors/sdk/generate.py

Random inputs come from a fixed seed, so a rerun with the same SDK versions gives the same
files. For a wider check than the committed files, `SDK_CASES` sets the cases per cloud and
`SDK_SEED` picks other inputs; then run the provider tests and restore the files:

    SDK_CASES=4000 SDK_SEED=1 /tmp/sdk/bin/python testdata/vectors/sdk/generate.py
    cargo test --test sdk_cases -p multicloud-aws -p multicloud-huawei -p multicloud-tencent \
        -p multicloud-baidu -p multicloud-ctyun
    git checkout testdata/vectors/sdk

The generator only ever builds inputs the SDKs accept; query parameters are strings
(an SDK sorting Python ints against strings cannot be reproduced from the wire).
"""

import datetime
import json
import os
import random
import types
from importlib.metadata import version
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = int(os.environ.get("SDK_CASES", "120"))
SEED = int(os.environ.get("SDK_SEED", "0"))


def rng(base):
    """The random source of one cloud's cases: `base` itself for the committed files."""
    return random.Random(base if SEED == 0 else base * 1000 + SEED)


def write(name, sdk, cases):
    doc = {"generated_by": "generate.py", "sdk": sdk, "cases": cases}
    with open(os.path.join(HERE, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=0)
        f.write("\n")


def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def aws():
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.utils import percent_encode_sequence

    rnd = rng(7)
    seg = ["a", "b", ".", "..", "", "x%20y", "a%2Fb", "*", "+", "=", "@", "ሴ", "~", "!$&'()",
           "é", "A-Z_0.9", ":", ",", ";", "%25", "x%3D"]
    qch = ["a", "B", "1", " ", "/", "*", "+", "=", "&", "~", "ሴ", "é", "-", "_", ".", "%", "?", ""]
    names = ["My-Header", "x-amz-meta-a", "User-Agent", "Connection", "X-Amzn-Trace-Id",
             "content-type", "Expect", "X-Custom", "x-custom", "Accept-Encoding",
             "X-Amz-Content-SHA256", "Date", "Host", "X-Amz-Date", "Authorization",
             "X-Amz-Security-Token"]
    vch = ["a", "B", " ", "  ", "\t", "\u00a0", "\u3000", "\u2003", "x y", ",", ";", "=", '"',
           "é", "\u200b"]
    cases = []
    while len(cases) < CASES:
        method = rnd.choice(["GET", "POST", "PUT", "DELETE", "HEAD"])
        path = "/" + "/".join(rnd.choice(seg) for _ in range(rnd.randint(0, 5)))
        if rnd.random() < 0.2:
            path += "/"
        pairs = [("".join(rnd.choice(qch) for _ in range(rnd.randint(0, 4))),
                  "".join(rnd.choice(qch) for _ in range(rnd.randint(0, 4))))
                 for _ in range(rnd.choice([0, 0, 1, 2, 3, 5]))]
        query = percent_encode_sequence(pairs) if pairs else ""
        if query and rnd.random() < 0.15:
            query += "&zz=" + rnd.choice(["*", "/", "a*b"])
        host = rnd.choice(["example.amazonaws.com", "EC2.us-east-1.AmazonAWS.com"])
        url = "https://%s%s%s%s" % (host, rnd.choice(["", "", ":443", ":8443"]), path,
                                    "?" + query if query else "")
        headers = []
        for _ in range(rnd.randint(0, 5)):
            n = rnd.choice(names)
            if n == "Date":
                v = "Mon, 01 Jan 2001 00:00:00 GMT"
            elif n == "X-Amz-Content-SHA256":
                v = rnd.choice(["UNSIGNED-PAYLOAD", "abc"])
            else:
                v = "".join(rnd.choice(vch) for _ in range(rnd.randint(0, 6)))
            headers.append([n, v])
        body = "" if method == "GET" else "".join(
            rnd.choice('ab=&{}": ') for _ in range(rnd.randint(0, 40)))
        token = rnd.choice([None, None, "tok/en+=="])
        s3 = rnd.random() < 0.3
        ts = datetime.datetime(2024, 3, 1, 12) + datetime.timedelta(seconds=rnd.randint(0, 10**7))
        creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
        auth = (S3SigV4Auth if s3 else SigV4Auth)(creds, "svc", "us-west-2")
        req = AWSRequest(method=method, url=url, data=body.encode())
        for n, v in headers:
            req.headers[n] = v
        req.context["timestamp"] = ts.strftime("%Y%m%dT%H%M%SZ")
        # add_auth() with its clock read replaced by the case's time:
        auth._modify_request_before_signing(req)
        cr = auth.canonical_request(req)
        sts = auth.string_to_sign(req, cr)
        auth._inject_signature_to_request(req, auth.signature(sts, req))
        cases.append({
            "method": method, "url": url, "headers": headers, "body": body,
            "key": {"id": "AKIDEXAMPLE", "secret": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                    "token": token},
            "time": rfc3339(ts), "params": {"region": "us-west-2", "service": "svc", "s3": s3},
            "expected": {"canonical_request": cr, "string_to_sign": sts,
                         "authorization": req.headers["Authorization"]},
        })
    write("aws", "botocore " + version("botocore"), cases)


def huawei():
    import huaweicloudsdkcore.signer.signer as hs
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest

    rnd = rng(11)
    now = [datetime.datetime(2024, 1, 1)]

    class Clock(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return now[0]

    hs.datetime = Clock
    seen = {}
    string_to_sign = hs.Signer._process_string_to_sign

    def capture(self, cr, t):
        seen["cr"] = cr
        seen["sts"] = string_to_sign(self, cr, t)
        return seen["sts"]

    hs.Signer._process_string_to_sign = capture
    raw = ["a", "B", " ", "/", "~", "ü", "ሴ", "*", "+", "=", "&", "%", ".", "..", "-", "_", "!",
           "x y", ""]
    names = ["X-Custom", "x-custom", "X_Under", "Content-Type", "X-Sdk-Content-Sha256", "Accept",
             "User-Agent", "X-Project-Id", "Host"]
    values = ["a", " b ", "\u00a0c\u00a0", "\u3000d", "e f", "application/json", "text/plain",
              "application/bson;x", "", "UNSIGNED-PAYLOAD", "h.example.com:8443"]
    cases = []
    while len(cases) < CASES:
        segs = [quote("".join(rnd.choice(raw) for _ in range(rnd.randint(0, 3))), safe="")
                for _ in range(rnd.randint(1, 4))]
        path = "/" + "/".join(segs) + ("/" if rnd.random() < 0.3 else "")
        query = [("".join(rnd.choice(raw) for _ in range(rnd.randint(1, 3))),
                  "".join(rnd.choice(raw) for _ in range(rnd.randint(0, 3))))
                 for _ in range(rnd.choice([0, 1, 2, 4]))]
        headers = {}
        for _ in range(rnd.randint(0, 4)):
            headers[rnd.choice(names)] = rnd.choice(values)
        if rnd.random() < 0.2:
            headers["X-Sdk-Date"] = "20231231T235959Z"
        body = rnd.choice([b"", b'{"a": 1}', b"plain body"])
        method = rnd.choice(["GET", "POST", "PUT", "DELETE"])
        host = rnd.choice(["ecs.cn-north-4.myhuaweicloud.com", "ECS.example.com:8443"])
        now[0] = datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=rnd.randint(0, 10**7))
        token = rnd.choice([None, None, "sts-token"])
        creds = BasicCredentials("HUAWEIAK", "huawei-secret-key")
        creds.security_token = token
        req = SdkRequest(method=method, schema="https", host=host, resource_path=path,
                         query_params=list(query), header_params=dict(headers), body=body)
        creds.sign_request(req)
        cases.append({
            "method": method, "url": "https://%s%s" % (host, req.uri),
            "headers": [[k, v] for k, v in headers.items()], "body": body.decode(),
            "key": {"id": "HUAWEIAK", "secret": "huawei-secret-key", "token": token},
            "time": rfc3339(now[0]), "params": {},
            "expected": {"canonical_request": seen.pop("cr"), "string_to_sign": seen.pop("sts"),
                         "authorization": req.header_params["Authorization"]},
        })
    write("huawei", "huaweicloudsdkcore " + version("huaweicloudsdkcore"), cases)


def tencent():
    import tencentcloud.common.abstract_client as ac
    from tencentcloud.common import credential
    from tencentcloud.common.http.request import RequestInternal
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.cvm.v20170312 import cvm_client

    rnd = rng(5)
    now = [0]
    ac.time = types.SimpleNamespace(time=lambda: now[0])
    raw = ["a", "B", " ", "/", "~", "ü", "ሴ", "*", "+", "=", "&", "%", ".", "-", "_", "!", "未命名"]
    cases = []
    while len(cases) < CASES:
        method = rnd.choice(["GET", "POST"])
        unsigned = rnd.random() < 0.3
        token = rnd.choice([None, "tc-token"])
        endpoint = rnd.choice(["cvm.tencentcloudapi.com", "CVM.ap-guangzhou.TencentCloudAPI.com"])
        profile = ClientProfile(httpProfile=HttpProfile(reqMethod=method, endpoint=endpoint))
        profile.unsignedPayload = unsigned
        client = cvm_client.CvmClient(credential.Credential("AKIDrandom", "tc-secret-key", token),
                                       "ap-guangzhou", profile)
        # The SDK's `X-TC-RequestClient` names whichever `tencentcloud` package was installed
        # last (each ships the package's `__version__`); pinned to the common one, the files
        # do not depend on install order. The header is not signed.
        client.request_client = "SDK_PYTHON_" + version("tencentcloud-sdk-python-common")
        params = {}
        for _ in range(rnd.randint(0, 4)):
            params["".join(rnd.choice(raw) for _ in range(rnd.randint(1, 4)))] = rnd.choice([
                "".join(rnd.choice(raw) for _ in range(rnd.randint(0, 4))), 5, True,
                [1, "x y"], {"N": "v/w"}])
        now[0] = rnd.randint(1_500_000_000, 1_900_000_000)
        req = RequestInternal(endpoint, method, "/")
        client._build_req_with_tc3_signature("describeInstances", params, req)
        url = "https://%s/%s" % (endpoint, "?" + req.data if method == "GET" and req.data else "")
        owned = ("Authorization", "X-TC-Timestamp", "X-TC-Token", "X-TC-Content-SHA256")
        cases.append({
            "method": method, "url": url,
            "headers": [[k, v] for k, v in req.header.items() if k not in owned],
            "body": req.data if method == "POST" else "",
            "key": {"id": "AKIDrandom", "secret": "tc-secret-key", "token": token},
            "time": rfc3339(datetime.datetime.utcfromtimestamp(now[0])),
            "params": {"service": "cvm", "unsigned_payload": unsigned},
            "expected": {"authorization": req.header["Authorization"],
                         "headers": [[k, v] for k, v in req.header.items()]},
        })
    write("tencent", "tencentcloud-sdk-python-common " + version("tencentcloud-sdk-python-common"),
          cases)


def baidu():
    from baidubce import utils
    from baidubce.auth import bce_v1_signer
    from baidubce.auth.bce_credentials import BceCredentials

    rnd = rng(3)
    raw = ["a", "B", " ", "/", "~", "ü", "测试", "*", "+", "=", "&", "%", ".", "-", "_", "!", "1", "0"]
    names = [b"x-bce-meta-a", b"X-Bce-Request-Id", b"content-type", b"Content-MD5", b"User-Agent",
             b"Date", b"x-custom", b"X-BCE-EMPTY"]
    values = ["a", " b ", "text/plain", "x:y/z=1", "", "  ", "\t t\t", "ü",
              "application/json; charset=utf-8"]
    creds = BceCredentials("baidu-ak-0123456789", "baidu-sk-abcdef")
    cases = []
    while len(cases) < CASES:
        method = rnd.choice([b"GET", b"POST", b"PUT", b"DELETE"])
        raw_path = "/" + "/".join("".join(rnd.choice(raw) for _ in range(rnd.randint(0, 3)))
                                  for _ in range(rnd.randint(1, 3)))
        path = utils.normalize_string(raw_path, False)
        params = {}
        for _ in range(rnd.choice([0, 1, 2, 4])):
            params["".join(rnd.choice(raw) for _ in range(rnd.randint(1, 3))).encode()] = rnd.choice(
                ["".join(rnd.choice(raw) for _ in range(rnd.randint(0, 3))).encode(), None])
        host = rnd.choice(["bcc.bj.baidubce.com", "bcc.bj.baidubce.com:8080"])
        body = rnd.choice([b"", b'{"a": 1}'])
        ts = rnd.randint(1_400_000_000, 1_900_000_000)
        # What bce_http_client.send_request adds before signing.
        headers = {b"Host": host.encode(), b"Content-Length": str(len(body)).encode(),
                   b"x-bce-date": utils.get_canonical_time(ts)}
        for _ in range(rnd.randint(0, 4)):
            headers[rnd.choice(names)] = rnd.choice(values).encode()
        to_sign = rnd.choice([None, None, [b"host", b"x-custom"], [b"content-type"]])
        expiration = rnd.choice([1800, 3600])
        auth = bce_v1_signer.sign(creds, method, path, dict(headers), params, ts, expiration, to_sign)
        query = utils.get_canonical_querystring(params, False).decode()
        cases.append({
            "method": method.decode(),
            "url": "https://%s%s%s" % (host, path.decode(), "?" + query if query else ""),
            "headers": [[k.decode(), v.decode()] for k, v in headers.items()],
            "body": body.decode(),
            "key": {"id": "baidu-ak-0123456789", "secret": "baidu-sk-abcdef", "token": None},
            "time": rfc3339(datetime.datetime.utcfromtimestamp(ts)),
            "params": {"expiration_seconds": expiration,
                       "headers_to_sign": [h.decode() for h in to_sign] if to_sign else None},
            "expected": {"authorization": auth.decode()},
        })
    write("baidu", "bce-python-sdk " + version("bce-python-sdk"), cases)


def ctyun():
    from ctyun_python_sdk_core import sign_util

    rnd = rng(9)
    raw = ["a", "B", " ", "/", "~", "ü", "测试", "*", "+", "=", "&", "%", ".", "-", "_", "!", "1"]

    class Cred:
        ak = "ctyun-ak-01"
        sk = "ctyun-sk-secret"

    cases = []
    while len(cases) < CASES:
        params = {"".join(rnd.choice(raw) for _ in range(rnd.randint(1, 3))): rnd.choice(
            ["".join(rnd.choice(raw) for _ in range(rnd.randint(0, 3))), 5, True])
            for _ in range(rnd.choice([0, 1, 2, 4]))}
        body = rnd.choice([None, {}, {"regionID": "bb9f", "pageNo": 1, "name": "未命名"}])
        utc = datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=rnd.randint(0, 10**8))
        # Eop-date as CtyunClient makes it on a host in Beijing time.
        eop_date = (utc + datetime.timedelta(hours=8)).strftime("%Y%m%dT%H%M%SZ")
        request_id = "req-%d" % len(cases)
        auth = sign_util.sign(Cred, params, body, request_id, eop_date)
        # On the wire keys and values are fully percent-encoded (not the SDK's quirky form).
        query = "&".join("%s=%s" % (quote(k, safe=""), quote(str(v), safe=""))
                         for k, v in params.items())
        cases.append({
            "method": "POST",
            "url": "https://ctecs-global.ctapi.ctyun.cn/v4/ecs/list-instances"
                   + ("?" + query if query else ""),
            "headers": [],
            "body": json.dumps(body) if body is not None else "",
            "key": {"id": Cred.ak, "secret": Cred.sk, "token": None},
            "time": rfc3339(utc), "params": {"request_id": request_id},
            "expected": {"authorization": auth, "eop_date": eop_date},
        })
    write("ctyun", "ctyun-python-sdk-core " + version("ctyun-python-sdk-core"), cases)


if __name__ == "__main__":
    for make in (aws, huawei, tencent, baidu, ctyun):
        make()
