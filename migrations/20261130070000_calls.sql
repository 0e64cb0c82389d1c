-- Call details fetched from RevRing (`GET /calls/{id}`), kept per team so that attempt pages and
-- recordings, share links included, ask RevRing once a call is over rather than on every view.
-- Only what the attempt page shows and what tells whether the call is over; never a key.
-- One row per team and call: a re-fetch (a call not yet over, or an expired recording link)
-- replaces the row.
CREATE TABLE calls (
    team_id          uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    call_id          text NOT NULL,
    -- The attempt the call was fetched for; the row goes with it.
    attempt_id       uuid NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    -- RevRing's status as sent (COMPLETED, NO_ANSWER, ...); NULL when it sent none.
    status           text,
    duration_seconds integer,
    hangup_cause     text,
    error_message    text,
    recording_url    text,
    ended_at         timestamptz,
    fetched_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, call_id)
);

CREATE INDEX calls_attempt ON calls (attempt_id);
