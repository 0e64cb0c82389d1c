-- Accounts around the tenancy tables: signed-in sessions that can all be ended at once,
-- invitations, encrypted RevRing API keys, the audit log and login throttling.

-- Bumped by "sign out everywhere": a session is valid only while it carries the current value.
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;

-- RevRing API keys, encrypted with AES-256-GCM under the master key. The plaintext is never
-- stored; `hint` holds its last four characters for recognition.
CREATE TABLE api_keys (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id           uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    label             text NOT NULL CHECK (length(label) BETWEEN 1 AND 80),
    ciphertext        bytea NOT NULL,
    nonce             bytea NOT NULL CHECK (length(nonce) = 12),
    hint              text NOT NULL CHECK (length(hint) <= 4),
    created_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_verified_at  timestamptz,
    rotated_at        timestamptz,
    revoked_at        timestamptz,
    -- Lets team-owned tables reference (team_id, api_key_id) so a key of another team cannot
    -- be named.
    UNIQUE (team_id, id)
);

-- Two active keys of one team never share a label.
CREATE UNIQUE INDEX api_keys_active_label ON api_keys (team_id, lower(label))
    WHERE revoked_at IS NULL;

-- One-time links that add a person to a team with a preset role. Only the SHA-256 of the token
-- is stored.
CREATE TABLE invitations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id      uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    role         team_role NOT NULL,
    email        text CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254),
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    accepted_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    revoked_at   timestamptz
);

CREATE INDEX invitations_team_id ON invitations (team_id, created_at DESC);

-- Who did what to a team's keys, members, runs and share links, and when.
CREATE TABLE audit_log (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id  uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    action   text NOT NULL,
    target   text NOT NULL,
    detail   jsonb,
    at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_team_at ON audit_log (team_id, at DESC);

-- Failed sign-in attempts, counted per account (lower-cased email, known or not) and per
-- client address over a sliding window.
CREATE TABLE login_failures (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account  text NOT NULL,
    address  text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX login_failures_account ON login_failures (account, at);
CREATE INDEX login_failures_address ON login_failures (address, at);
