-- Trend pages read summaries, never the attempts themselves: runs carry their own counters, and
-- this table holds one row per test case per run with how its attempts came out. It is rebuilt
-- for a run in the same transaction that stores the run's attempts (src/db/ingest.rs), and
-- written in bulk by `ringside generate`.

CREATE TABLE run_case_results (
    run_id               uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    team_id              uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    suite_id             uuid NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
    test_case_revring_id text NOT NULL,
    test_case_name       text NOT NULL,
    -- Copied from runs.created_at, so a case's history can be read in run order from here.
    run_created_at       timestamptz NOT NULL,
    passed               integer NOT NULL DEFAULT 0,
    failed               integer NOT NULL DEFAULT 0,
    errored              integer NOT NULL DEFAULT 0,
    pending              integer NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, test_case_revring_id)
);

-- One case's results over time (per-case history, newest first).
CREATE INDEX run_case_results_case
    ON run_case_results (suite_id, test_case_revring_id, run_created_at DESC);

-- Trend pages walk a suite's runs newest first and read only these columns: an index-only scan
-- answers them without touching the wide run rows. It replaces the plain (suite, created_at)
-- index, whose every use it serves.
CREATE INDEX runs_suite_trend ON runs (suite_id, created_at DESC)
    INCLUDE (team_id, id, name, revring_id, status, attempts_total, attempts_done,
             attempts_passed, attempts_failed, started_at, completed_at);
DROP INDEX runs_suite_created;
