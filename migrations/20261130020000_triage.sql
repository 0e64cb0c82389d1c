-- Triage (issue 17): human reviews of the judge's verdicts, known issues linked to test cases.
-- The upstream verdict (attempts.result) is never changed. A review may change an attempt's
-- *effective* result (false_failure: a fail or error counts as a pass; false_pass: a pass
-- counts as a fail). The summaries trend pages read keep the judged counts as they were and
-- carry how reviews shift them, updated in the transaction that writes a review
-- (src/db/reviews.rs) and recomputed when store_run rewrites a run (src/db/ingest.rs).

-- The current review of an attempt (at most one).
CREATE TABLE attempt_reviews (
    attempt_id  uuid PRIMARY KEY REFERENCES attempts (id) ON DELETE CASCADE,
    team_id     uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    run_id      uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('confirmed_bug', 'false_failure', 'false_pass',
                                              'flaky', 'infrastructure', 'expected')),
    comment     text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    ticket_url  text CHECK (ticket_url IS NULL OR length(ticket_url) <= 500),
    reviewed_by uuid REFERENCES users (id) ON DELETE SET NULL,
    -- Set instead of reviewed_by when an API token wrote it: the token's name.
    via_token   text,
    reviewed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX attempt_reviews_run ON attempt_reviews (run_id);

-- Every change to a review, newest last: kind NULL records a removal.
CREATE TABLE attempt_review_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id     uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    attempt_id  uuid NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    kind        text,
    comment     text NOT NULL DEFAULT '',
    ticket_url  text,
    changed_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    via_token   text,
    changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX attempt_review_history_attempt ON attempt_review_history (attempt_id, id);

-- How reviews shift a run's judged counters: effective passed = attempts_passed +
-- review_pass_delta, effective failed = attempts_failed - review_pass_delta (a review only moves
-- a judged attempt between passed and failed).
ALTER TABLE runs ADD COLUMN review_pass_delta integer NOT NULL DEFAULT 0;

-- The same per case and run: effective = judged + delta for passed, failed and errored.
ALTER TABLE run_case_results
    ADD COLUMN review_passed  integer NOT NULL DEFAULT 0,
    ADD COLUMN review_failed  integer NOT NULL DEFAULT 0,
    ADD COLUMN review_errored integer NOT NULL DEFAULT 0;

-- Trend pages keep their index-only scans: the trend index now carries the delta too.
CREATE INDEX runs_suite_trend_reviews ON runs (suite_id, created_at DESC)
    INCLUDE (team_id, id, name, revring_id, status, attempts_total, attempts_done,
             attempts_passed, attempts_failed, review_pass_delta, started_at, completed_at);
DROP INDEX runs_suite_trend;

-- A team's known issues, and the test cases they explain.
CREATE TABLE known_issues (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id     uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    ticket_url  text CHECK (ticket_url IS NULL OR length(ticket_url) <= 500),
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    UNIQUE (team_id, id)
);

CREATE INDEX known_issues_team ON known_issues (team_id, status, created_at DESC);

CREATE TABLE known_issue_cases (
    known_issue_id       uuid NOT NULL,
    team_id              uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    suite_id             uuid NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
    test_case_revring_id text NOT NULL,
    PRIMARY KEY (known_issue_id, suite_id, test_case_revring_id),
    FOREIGN KEY (team_id, known_issue_id) REFERENCES known_issues (team_id, id) ON DELETE CASCADE
);

CREATE INDEX known_issue_cases_case ON known_issue_cases (suite_id, test_case_revring_id);

-- Failures marked "known" when they arrived while a linked issue was open. The mark stays
-- after the issue is resolved; failures arriving after that are not marked.
CREATE TABLE attempt_known_issues (
    attempt_id     uuid NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    known_issue_id uuid NOT NULL REFERENCES known_issues (id) ON DELETE CASCADE,
    team_id        uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    marked_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (attempt_id, known_issue_id)
);

CREATE INDEX attempt_known_issues_issue ON attempt_known_issues (known_issue_id);
