-- API tokens for scripts and CI (`/api/v1`): a team's bearer tokens with a scope. Only the
-- SHA-256 of the token is stored; `prefix` is its first characters (`rst_` and a few more) so a
-- person can recognise it in the list and secret scanners can spot a leaked one.
CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id       uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    prefix        text NOT NULL CHECK (length(prefix) BETWEEN 4 AND 16),
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    scope         text NOT NULL CHECK (scope IN ('read', 'run', 'admin')),
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    -- Set when the token was made by `ringside token create` rather than on the tokens page.
    from_command_line boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

CREATE INDEX api_tokens_team ON api_tokens (team_id, created_at DESC);
