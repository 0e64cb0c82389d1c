-- Search lists the newest matches first and pages with a keyset cursor on (found_at, id), where
-- found_at is when the attempt finished (or was created; 1970 when RevRing sent neither).
-- This index serves that order per team: a common word is found by walking it newest first and
-- stopping after one page, a rare word through the GIN index and a short sort.
CREATE INDEX attempts_team_found_at ON attempts
    (team_id, (coalesce(completed_at, created_at, '1970-01-01 00:00:00+00'::timestamptz)) DESC, id DESC);
