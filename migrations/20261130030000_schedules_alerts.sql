-- Schedules that start a suite's runs by themselves, and alerts that tell a team when a finished
-- run changes something (issue 12). Additive only: existing runs get NULL/empty new columns.

-- How a run came to be: NULL for runs started by a person or elsewhere, 'schedule' for runs a
-- schedule started (with its name, kept even if the schedule is deleted), and its labels
-- (`environment=production`, ...), which alerts use to pick the previous run to compare with.
ALTER TABLE runs ADD COLUMN trigger text CHECK (trigger IS NULL OR trigger IN ('schedule'));
ALTER TABLE runs ADD COLUMN schedule_id uuid;
ALTER TABLE runs ADD COLUMN schedule_name text;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS labels jsonb NOT NULL DEFAULT '{}';

-- A suite's schedules: a cron expression (the simple forms are stored as cron too) evaluated in
-- an IANA time zone. next_fire_at is the next slot; paused schedules keep theirs unset.
CREATE TABLE schedules (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id       uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    suite_id      uuid NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    cron          text NOT NULL CHECK (length(cron) BETWEEN 1 AND 200),
    timezone      text NOT NULL,
    labels        jsonb NOT NULL DEFAULT '{}',
    next_fire_at  timestamptz,
    paused_at     timestamptz,
    -- Why the schedule paused itself (revoked key, suite gone); NULL when a person paused it.
    pause_reason  text,
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (team_id, id)
);

CREATE INDEX schedules_suite ON schedules (team_id, suite_id, created_at);
CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE paused_at IS NULL;

-- One row per slot a schedule fired: the primary key makes a slot fire at most once across
-- replicas and restarts. A row left 'pending' by a process that died is picked up again after
-- its lease, and settled by looking for the run upstream before starting one.
CREATE TABLE schedule_fires (
    schedule_id  uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    slot_at      timestamptz NOT NULL,
    team_id      uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    -- Slots skipped before this one because Ringside was down (only the latest one fires).
    missed       integer NOT NULL DEFAULT 0,
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'started', 'failed')),
    run_id       uuid REFERENCES runs (id) ON DELETE SET NULL,
    error        text,
    lease_owner  text,
    lease_until  timestamptz,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule_id, slot_at)
);

CREATE INDEX schedule_fires_pending ON schedule_fires (lease_until) WHERE state = 'pending';

-- Where alerts go. Webhook and Slack URLs are secrets (AES-256-GCM under the master key, like
-- API keys); `hint` shows enough to recognise one. Webhooks also have a signing secret.
CREATE TABLE alert_channels (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id           uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    kind              text NOT NULL CHECK (kind IN ('webhook', 'slack', 'email')),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    url_ciphertext    bytea,
    url_nonce         bytea,
    secret_ciphertext bytea,
    secret_nonce      bytea,
    email_to          text,
    hint              text NOT NULL DEFAULT '',
    created_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (team_id, id),
    CHECK ((kind = 'email') = (email_to IS NOT NULL)),
    CHECK ((kind = 'email') = (url_ciphertext IS NULL))
);

-- When to alert: for the whole team (suite_id NULL) or one suite, on one kind of change.
CREATE TABLE alert_rules (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id     uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    suite_id    uuid REFERENCES suites (id) ON DELETE CASCADE,
    channel_id  uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('new_failures', 'recovered', 'pass_rate_below',
                                              'errored_or_cancelled', 'newly_flaky')),
    -- Percent, for pass_rate_below.
    threshold   integer CHECK (threshold IS NULL OR threshold BETWEEN 1 AND 100),
    every_run   boolean NOT NULL DEFAULT false,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (team_id, channel_id) REFERENCES alert_channels (team_id, id) ON DELETE CASCADE
);

CREATE INDEX alert_rules_team ON alert_rules (team_id);

-- The outbox: one row per alert to send, written in the transaction that stores the finished
-- run; a worker delivers it under a lease, retrying with exponential backoff.
CREATE TABLE alert_deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id          uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    channel_id       uuid NOT NULL,
    rule_id          uuid REFERENCES alert_rules (id) ON DELETE SET NULL,
    run_id           uuid REFERENCES runs (id) ON DELETE CASCADE,
    kind             text NOT NULL,
    payload          jsonb NOT NULL,
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_until      timestamptz,
    last_status      integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    FOREIGN KEY (team_id, channel_id) REFERENCES alert_channels (team_id, id) ON DELETE CASCADE,
    UNIQUE (rule_id, run_id)
);

CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX alert_deliveries_team ON alert_deliveries (team_id, created_at DESC);
