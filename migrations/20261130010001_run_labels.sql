-- Labels of a run (branch, commit, build_url, environment and free key=value tags), set when it
-- is started from the form or the API. RevRing only knows a run's name, so they live here: a flat
-- JSON object of strings, validated and bounded by Ringside. The index serves `labels @> …`.
ALTER TABLE runs ADD COLUMN labels jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(labels) = 'object');

CREATE INDEX runs_labels ON runs USING gin (labels jsonb_path_ops);

