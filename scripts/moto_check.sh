#!/usr/bin/env bash
# Runs the AWS example against moto, an independent AWS emulator, so that nothing in the AWS
# provider can rely on quirks of our own simulator. Needs Python 3 and PyPI; not part of CI.
#
#   bash scripts/moto_check.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv="${MOTO_VENV:-/tmp/multicloud-moto-venv}"
port="${MOTO_PORT:-5055}"
[ -x "$venv/bin/moto_server" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q "moto[server]"; }

"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port" && break; sleep 0.2; done

export AWS_ACCESS_KEY_ID=AKIAMOTOCHECK0000001 AWS_SECRET_ACCESS_KEY=moto-check-secret
endpoint="http://127.0.0.1:$port"
# Seed with boto3: three instances, a bucket, an IAM user.
"$venv/bin/python" - "$endpoint" <<'PY'
import sys, boto3
ep = sys.argv[1]
kw = dict(endpoint_url=ep, region_name="us-east-1")
boto3.client("ec2", **kw).run_instances(ImageId="ami-12345678", MinCount=3, MaxCount=3,
    InstanceType="t3.micro",
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "env", "Value": "moto"}]}])
boto3.client("s3", **kw).create_bucket(Bucket="moto-check-bucket")
boto3.client("iam", **kw).create_user(UserName="moto-check-user")
PY

run() { cargo run -q -p multicloud-sdk --example aws -- --endpoint-url "$endpoint" --regions us-east-1 "$@"; }
run verify
hosts=$(run hosts)
echo "$hosts"
grep -q "^3 hosts" <<<"$hosts" || { echo "expected 3 hosts from moto" >&2; exit 1; }
products=$(run products)
grep -q "moto-check-bucket" <<<"$products" || { echo "bucket missing" >&2; exit 1; }
grep -q "moto-check-user" <<<"$products" || { echo "IAM user missing" >&2; exit 1; }
echo "moto check passed"
