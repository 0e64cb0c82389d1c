-- The run history: suites and test cases cached from RevRing, runs and their attempts, and the
-- sync state the pollers coordinate through. RevRing's IDs are opaque strings (revring_id).

CREATE TABLE suites (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id             uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    api_key_id          uuid NOT NULL REFERENCES api_keys (id),
    revring_id          text NOT NULL,
    name                text NOT NULL,
    target_agent_id     text NOT NULL DEFAULT '',
    tester_agent_id     text,
    max_concurrency     integer,
    test_case_count     integer NOT NULL DEFAULT 0,
    upstream_created_at timestamptz,
    refreshed_at        timestamptz NOT NULL DEFAULT now(),
    removed_at          timestamptz,
    UNIQUE (team_id, revring_id),
    UNIQUE (team_id, id)
);

CREATE TABLE test_cases (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id          uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    suite_id         uuid NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
    revring_id       text NOT NULL,
    name             text NOT NULL,
    script           text NOT NULL DEFAULT '',
    scoring_rubric   text NOT NULL DEFAULT '',
    attempts_per_run integer NOT NULL DEFAULT 1,
    variables        jsonb NOT NULL DEFAULT '{}',
    removed_at       timestamptz,
    UNIQUE (suite_id, revring_id)
);

CREATE TABLE runs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id         uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    suite_id        uuid NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
    api_key_id      uuid NOT NULL REFERENCES api_keys (id),
    revring_id      text NOT NULL,
    name            text,
    -- RevRing's status string as sent (lowercase); unknown values are kept.
    status          text NOT NULL,
    total_tests     integer NOT NULL DEFAULT 0,
    passed_tests    integer NOT NULL DEFAULT 0,
    failed_tests    integer NOT NULL DEFAULT 0,
    -- Counted from the cached attempts at every ingest, for lists and trends.
    attempts_total  integer NOT NULL DEFAULT 0,
    attempts_done   integer NOT NULL DEFAULT 0,
    attempts_passed integer NOT NULL DEFAULT 0,
    attempts_failed integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    started_at      timestamptz,
    completed_at    timestamptz,
    started_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    -- Sync state: a run is polled while next_poll_at is set, by the holder of the lease.
    next_poll_at    timestamptz,
    lease_owner     text,
    lease_until     timestamptz,
    sync_failures   integer NOT NULL DEFAULT 0,
    last_error      text,
    synced_at       timestamptz,
    UNIQUE (team_id, revring_id),
    UNIQUE (team_id, id)
);

CREATE INDEX runs_due ON runs (next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE INDEX runs_suite_created ON runs (suite_id, created_at DESC);
CREATE INDEX runs_team_created ON runs (team_id, created_at DESC);

CREATE TABLE attempts (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id              uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    run_id               uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    revring_id           text NOT NULL,
    test_case_revring_id text NOT NULL,
    test_case_name       text NOT NULL,
    attempt_number       integer NOT NULL,
    -- RevRing's verdict as sent (pass, fail, error, ...); NULL while pending.
    result               text,
    reasoning            text,
    transcript           jsonb NOT NULL DEFAULT '[]',
    call_id              text,
    inbound_call_id      text,
    created_at           timestamptz,
    started_at           timestamptz,
    completed_at         timestamptz,
    search               tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(reasoning, '')), 'B')
        || jsonb_to_tsvector('english', transcript, '["string"]')
    ) STORED,
    UNIQUE (run_id, revring_id)
);

CREATE INDEX attempts_run ON attempts (run_id, test_case_name, attempt_number);
CREATE INDEX attempts_search ON attempts USING gin (search);

-- One row per start-run form submission: the one-time form token makes a double click, a second
-- tab or a re-sent POST start one run, not two.
CREATE TABLE run_starts (
    token       uuid PRIMARY KEY,
    team_id     uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    suite_id    uuid NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    name        text,
    -- pending: the request to RevRing is in flight; started: run_id is set; failed: error says why.
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'started', 'failed')),
    run_id      uuid REFERENCES runs (id) ON DELETE CASCADE,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Per API key: when its suites and run history were last refreshed from RevRing.
CREATE TABLE key_refresh (
    api_key_id   uuid PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
    team_id      uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    next_at      timestamptz NOT NULL DEFAULT now(),
    lease_until  timestamptz,
    failures     integer NOT NULL DEFAULT 0,
    last_ok_at   timestamptz,
    last_error   text
);
