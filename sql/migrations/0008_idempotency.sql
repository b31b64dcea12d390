-- 0008_idempotency: one way for every write to be done once.
--
-- A write sent with Request.idempotency_key claims the key for its principal
-- at the start of its transaction, and stores its first answer in the same
-- transaction (daemon/dispatch.c; the functions are in sql/functions/idempotency.sql). A repeat with the same key finds the
-- answer and gets it again; the same key with another request is refused; a
-- key is free again after idempotency_ttl_s (24 hours by default). Keys
-- belong to principals, not institutions: one principal's keys are its own
-- wherever it works, and no one else's transaction sees them.

CREATE TABLE idempotency_key (
    principal_id uuid NOT NULL REFERENCES principal,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
    request_hash bytea NOT NULL CHECK (length(request_hash) = 32),
    request      text NOT NULL,
    answer       bytea,
    secret       boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal_id, key)
);
CREATE INDEX idempotency_key_age ON idempotency_key (principal_id, created_at);

ALTER TABLE idempotency_key ENABLE ROW LEVEL SECURITY;
-- The principal as triad_begin() set it (triad_principal() is code, in
-- sql/functions/, and does not exist yet when migrations run).
CREATE POLICY own_keys ON idempotency_key
    USING (principal_id = nullif(current_setting('triad.principal_id', true), '')::uuid)
    WITH CHECK (principal_id = nullif(current_setting('triad.principal_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_key TO triad_app;


-- Feedback kept keys of its own before every write honoured them; the
-- dispatcher's keys replace them.
DROP INDEX feedback_idempotency;
ALTER TABLE feedback DROP COLUMN idempotency_key;
