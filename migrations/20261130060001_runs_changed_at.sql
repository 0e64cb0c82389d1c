-- When a run last changed (status or finished attempts), as seen by the poller: a run that has
-- not changed for minutes is polled more slowly (see sync::schedule). NULL until the next poll.
ALTER TABLE runs ADD COLUMN changed_at timestamptz;
