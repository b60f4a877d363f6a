# Starts a real Kafka-protocol broker (Tansu) on 127.0.0.1 for the Tencent audit tests
# (CLS topics consumed over Kafka), and exports where it is:
#
#   MULTICLOUD_TEST_KAFKA_BROKER    127.0.0.1:PORT
#   MULTICLOUD_TEST_KAFKA_USER      a SCRAM-SHA-512 user of the broker
#   MULTICLOUD_TEST_KAFKA_PASSWORD  its password (a throwaway made here)
#   MULTICLOUD_TEST_KAFKA_PID       the broker's process id (kill it when done)
#
# Sourced by .ci/run; by hand: `source .ci/tansu.sh`, then
# `cargo test -p multicloud-sdk --features tencent-kafka --test audit_tencent_kafka`.
#
# Tansu comes from crates.io (`cargo install tansu`), built once per machine and cached
# outside the clone, keyed by version: ${XDG_CACHE_HOME:-$HOME/.cache}/multicloud/tansu-0.6.0.
# Only the `libsql` feature is built (the sqlite:// engine; memory:// would need `dynostore`
# and loses offsets, see shared/docs/components.md), with a cheap release profile: measured
# 2026-12-06 at 16.4 min user + 1.5 min sys CPU, so about 10 min on two idle cores (61 min
# wall when shared with four other builds); every later run finds it in the cache.
# Facts this relies on (checked with 0.6.0): a broker on a taken port exits 0, so we wait
# for the port; SCRAM users are created on a broker started without --authentication and
# kept in the sqlite file; with --authentication the broker offers SCRAM, not PLAIN.

tansu_version=0.6.0
tansu_root="${XDG_CACHE_HOME:-$HOME/.cache}/multicloud/tansu-${tansu_version}"
tansu_bin="${TANSU_BIN:-$tansu_root/bin/tansu}"

tansu_apt() {
    # Build dependencies: libclang for libsql's bindgen (Tansu), libssl + pkg-config for
    # librdkafka's SCRAM (the tests' Kafka client), g++ for librdkafka's C++ part.
    local missing=()
    [ -e /usr/lib/llvm-14/lib/libclang.so ] || ls /usr/lib/llvm-*/lib/libclang*.so >/dev/null 2>&1 \
        || missing+=(libclang-dev)
    dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    command -v g++ >/dev/null 2>&1 || missing+=(g++)
    command -v make >/dev/null 2>&1 || missing+=(make)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "tansu.sh: installing ${missing[*]}"
        apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

tansu_install() {
    if [ -x "$tansu_bin" ]; then
        return 0
    fi
    echo "tansu.sh: building Tansu $tansu_version into $tansu_root (once per machine)"
    local started=$SECONDS
    # A fast release profile: no LTO, many codegen units, light optimisation. The target
    # directory sits next to the cache so an interrupted build resumes.
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=0 \
        CARGO_TARGET_DIR="$tansu_root-target" \
        cargo install tansu --version "$tansu_version" --locked --features libsql \
        --root "$tansu_root" --quiet
    rm -rf "$tansu_root-target"
    echo "tansu.sh: Tansu built in $((SECONDS - started)) s"
}

tansu_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

tansu_wait_port() {
    local port=$1 i
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "tansu.sh: the broker did not listen on 127.0.0.1:$port (log: $tansu_dir/broker.log)" >&2
    cat "$tansu_dir/broker.log" >&2 || true
    return 1
}

tansu_start() {
    # $1: extra flags. Runs in $tansu_dir (sqlite:// paths are relative to it).
    (cd "$tansu_dir" && exec "$tansu_bin" broker \
        --listener-url "tcp://127.0.0.1:$tansu_port" \
        --advertised-listener-url "tcp://127.0.0.1:$tansu_port" \
        --storage-engine "sqlite://tansu.db" $1 >>"$tansu_dir/broker.log" 2>&1) &
    tansu_pid=$!
    tansu_wait_port "$tansu_port"
}

tansu_apt
tansu_install
# `bash .ci/tansu.sh --install-only` builds (or finds) the binary and stops there, so .ci/run
# can build it beside the lints and start the broker just before the tests.
if [ "${1:-}" = "--install-only" ]; then
    exit 0
fi
tansu_dir=$(mktemp -d /tmp/multicloud-tansu.XXXXXX)
tansu_port=$(tansu_free_port)
tansu_user=multicloud-test
tansu_password="test-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

# 1. Without authentication: create the SCRAM user (the CLI has no SASL).
tansu_start ""
"$tansu_bin" user create --broker "tcp://127.0.0.1:$tansu_port" --mechanism scram512 \
    "$tansu_user" "$tansu_password" >>"$tansu_dir/broker.log" 2>&1
kill "$tansu_pid" && wait "$tansu_pid" 2>/dev/null || true

# 2. The same store, now requiring SASL (SCRAM-SHA-256/512).
tansu_start "--authentication"
# Keep any EXIT trap another server script set: stop the broker, then run it.
tansu_previous_trap="$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")"
trap "kill $tansu_pid 2>/dev/null || true; ${tansu_previous_trap}" EXIT

export MULTICLOUD_TEST_KAFKA_BROKER="127.0.0.1:$tansu_port"
export MULTICLOUD_TEST_KAFKA_USER="$tansu_user"
export MULTICLOUD_TEST_KAFKA_PASSWORD="$tansu_password"
export MULTICLOUD_TEST_KAFKA_PID="$tansu_pid"
echo "tansu.sh: Tansu $tansu_version on $MULTICLOUD_TEST_KAFKA_BROKER (SCRAM user $tansu_user, pid $tansu_pid, dir $tansu_dir)"
