-- A pending start is leased to the process talking to RevRing, which renews the lease while it
-- waits. A pending start whose lease lapsed was cut off by a crash: the sync worker reconciles it
-- (lists the suite's runs) and ends it as started or failed. Rows from before this column have
-- no lease; they count as lapsed two minutes after their last update.
ALTER TABLE run_starts ADD COLUMN lease_until timestamptz;

CREATE INDEX run_starts_pending ON run_starts (created_at) WHERE state = 'pending';
