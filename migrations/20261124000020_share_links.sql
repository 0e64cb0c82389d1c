-- Read-only share links: `/s/{token}` shows one run, one suite's run history or (issue 7) one
-- suite's trend page to anyone holding the token. Only a SHA-256 of the token is stored; a link
-- ends when it expires or is revoked, and the row stays for the list and the audit trail.
CREATE TABLE share_links (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id     uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    target_kind text NOT NULL CHECK (target_kind IN ('run', 'suite', 'suite_trend')),
    target_id   uuid NOT NULL,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz
);

CREATE INDEX share_links_team ON share_links (team_id, created_at DESC);
