# PostgreSQL for the tests: an isolated, throwaway instance on a free 127.0.0.1 port.
#
# Sourced by .ci/run; by hand: `source .ci/postgres.sh` (stops when that shell exits).
# Installs Debian's `postgresql` when no server binaries are found, runs initdb + pg_ctl into
# a temp dir (as the `postgres` user when running as root: the server refuses root), creates
# the database `multicloud_test` and exports MULTICLOUD_TEST_POSTGRES_URL. Tests create their
# own databases from it. Nothing reaches beyond loopback.

mc_pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(mc_pg_bin)" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
MC_PG_BIN="$(mc_pg_bin)"
MC_PG_DIR="$(mktemp -d /tmp/multicloud-pg.XXXXXX)"
MC_PG_PASSWORD="multicloud-test-$RANDOM$RANDOM"
mc_pg_as() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$MC_PG_DIR"; fi
# A free port: the first one from a random start that nothing answers on.
MC_PG_PORT=$((20000 + RANDOM % 20000))
while (exec 3<>"/dev/tcp/127.0.0.1/$MC_PG_PORT") 2>/dev/null; do
    MC_PG_PORT=$((MC_PG_PORT + 1))
done
printf '%s\n' "$MC_PG_PASSWORD" > "$MC_PG_DIR/pw"
if [ "$(id -u)" = 0 ]; then chown postgres "$MC_PG_DIR/pw"; fi
mc_pg_as "$MC_PG_BIN/initdb" -D "$MC_PG_DIR/data" -U postgres -E UTF8 --no-sync \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$MC_PG_DIR/pw" >"$MC_PG_DIR/initdb.log"
# Durability is not under test: no fsync. Enough connections for three worker processes.
mc_pg_as "$MC_PG_BIN/pg_ctl" -D "$MC_PG_DIR/data" -l "$MC_PG_DIR/server.log" -w start -o \
    "-c listen_addresses=127.0.0.1 -p $MC_PG_PORT -k $MC_PG_DIR -c fsync=off -c synchronous_commit=off -c max_connections=300" >/dev/null
mc_pg_stop() {
    mc_pg_as "$MC_PG_BIN/pg_ctl" -D "$MC_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$MC_PG_DIR"
}
trap mc_pg_stop EXIT
mc_pg_as "$MC_PG_BIN/createdb" -h "$MC_PG_DIR" -p "$MC_PG_PORT" -U postgres multicloud_test
export MULTICLOUD_TEST_POSTGRES_URL="postgres://postgres:$MC_PG_PASSWORD@127.0.0.1:$MC_PG_PORT/multicloud_test"
echo "PostgreSQL $("$MC_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$MC_PG_PORT (data in $MC_PG_DIR)"
