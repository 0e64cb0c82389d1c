-- API key ciphertexts are bound to their team and key id as AES-GCM associated data.
-- 0: sealed before binding (no associated data); 1: bound (`crypto::api_key_aad`).
-- Existing rows are re-sealed in place at boot, where the master key is known
-- (`db::api_keys::bind_legacy`); rows another master key sealed stay at 0 until re-entered.
ALTER TABLE api_keys ADD COLUMN aad_version smallint NOT NULL DEFAULT 0;
