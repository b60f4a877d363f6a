-- Worker mode: the accounts the workers sync, their policies (TOML) and provider settings
-- (JSON, no secrets), the last AccessKey status seen, and one row per scheduled run.
CREATE TABLE multicloud.worker_accounts (
    provider TEXT NOT NULL, account TEXT NOT NULL,
    policy TEXT NOT NULL, settings TEXT NOT NULL DEFAULT '{}',
    credential_status TEXT,
    PRIMARY KEY (provider, account));
CREATE TABLE multicloud.worker_runs (
    provider TEXT NOT NULL, account TEXT NOT NULL, feature TEXT NOT NULL, slot BIGINT NOT NULL,
    worker TEXT NOT NULL, attempts INTEGER NOT NULL,
    started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ,
    jobs_ok INTEGER, jobs_failed INTEGER,
    PRIMARY KEY (provider, account, feature, slot));
