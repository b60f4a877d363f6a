-- Snapshot store, keyed by (provider, account name[, region, kind]), never by AccessKey id.
-- `snapshots` marks that a complete listing exists (even an empty one); `snapshot_items`
-- holds its items as JSON text; `diffs` is the history of non-empty diffs.
CREATE TABLE multicloud.accounts (
    provider TEXT NOT NULL, account TEXT NOT NULL,
    PRIMARY KEY (provider, account));
CREATE TABLE multicloud.regions (
    provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
    origin TEXT NOT NULL, first_seen TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, account, region));
CREATE TABLE multicloud.snapshots (
    provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL,
    synced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, account, region, kind));
CREATE TABLE multicloud.snapshot_items (
    provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL,
    item_key TEXT NOT NULL, item TEXT NOT NULL,
    PRIMARY KEY (provider, account, region, kind, item_key));
CREATE TABLE multicloud.diffs (
    id BIGSERIAL PRIMARY KEY,
    provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL,
    synced_at TIMESTAMPTZ NOT NULL, diff TEXT NOT NULL);
CREATE INDEX diffs_by_account ON multicloud.diffs (provider, account, id);
