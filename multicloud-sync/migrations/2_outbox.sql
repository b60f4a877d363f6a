-- Events for consumers in other processes: diffs (written in the snapshot's transaction),
-- failed syncs and AccessKey status changes. Writers serialize on an advisory lock, so ids
-- commit in order and a consumer reading `id > last seen` misses nothing.
CREATE TABLE multicloud.outbox (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    provider TEXT NOT NULL, account TEXT NOT NULL,
    event TEXT NOT NULL, region TEXT, kind TEXT,
    payload TEXT NOT NULL);
