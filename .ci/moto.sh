#!/usr/bin/env bash
# Starts moto (an independent AWS emulator, https://github.com/getmoto/moto) on 127.0.0.1 for
# the tests that check AWS audit-log intake against it (multicloud-sdk/tests/audit_aws_moto.rs),
# and exports its URL as MULTICLOUD_MOTO_URL and the Python that has boto3 as
# MULTICLOUD_MOTO_PYTHON. Sourced by .ci/run; by hand:
#
#   source .ci/moto.sh && cargo test -p multicloud-sdk --test audit_aws_moto
#
# Uses moto_server when it is on PATH, else installs moto[server] into a venv under ~/.cache.
set -euo pipefail

if command -v moto_server >/dev/null 2>&1 && python3 -c "import boto3" 2>/dev/null; then
    moto_bin="moto_server"
    moto_python="python3"
else
    venv="${HOME}/.cache/multicloud-moto-venv"
    if [ ! -x "$venv/bin/moto_server" ]; then
        command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null; }
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q "moto[server]==5.2.1"
    fi
    moto_bin="$venv/bin/moto_server"
    moto_python="$venv/bin/python"
fi

moto_port="$("$moto_python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$moto_bin" -H 127.0.0.1 -p "$moto_port" >/dev/null 2>&1 &
moto_pid=$!
# Keep any EXIT trap another server script set: stop moto, then run it.
moto_previous_trap="$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")"
trap "kill $moto_pid 2>/dev/null || true; ${moto_previous_trap}" EXIT
for _ in $(seq 100); do
    if "$moto_python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$moto_port/moto-api/')" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
export MULTICLOUD_MOTO_URL="http://127.0.0.1:$moto_port"
export MULTICLOUD_MOTO_PYTHON="$moto_python"
echo "moto at $MULTICLOUD_MOTO_URL"
