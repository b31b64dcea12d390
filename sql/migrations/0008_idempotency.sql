-- 0008_idempotency: one way for every write to be done once.
--
-- A write sent with Request.idempotency_key claims the key for its principal
-- at the start of its transaction, and stores its first answer in the same
-- transaction (daemon/dispatch.c). A repeat with the same key finds the
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
CREATE POLICY own_keys ON idempotency_key
    USING (principal_id = triad_principal())
    WITH CHECK (principal_id = triad_principal());
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_key TO triad_app;

-- Claims p_key for the transaction's principal, for a request whose hash is
-- p_hash. Returns when the request is new (the key is held until the
-- transaction ends: a concurrent repeat waits for it). Otherwise raises:
--   TRIDP  the request was done: DETAIL is its first answer, hex-encoded,
--          which the daemon sends again (never shown to a person as such);
--   TRDUP  it was done and its answer held a secret, shown only once;
--   TR409  the key was used for another request.
CREATE FUNCTION triad_idempotency_claim(p_key text, p_hash bytea, p_request text,
                                        p_ttl_s integer)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v idempotency_key%ROWTYPE;
    v_cutoff timestamptz := now() - make_interval(secs => p_ttl_s);
BEGIN
    DELETE FROM idempotency_key
     WHERE principal_id = triad_principal() AND created_at < v_cutoff;
    INSERT INTO idempotency_key (principal_id, key, request_hash, request)
    VALUES (triad_principal(), p_key, p_hash, p_request)
    ON CONFLICT (principal_id, key) DO NOTHING;
    IF FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO v FROM idempotency_key
     WHERE principal_id = triad_principal() AND key = p_key;
    IF v.request_hash <> p_hash THEN
        PERFORM triad_raise('TR409',
            format('idempotency key %s was already used for another request (%s); '
                   'use a new key for a new request', p_key, v.request),
            'idempotency_key');
    END IF;
    IF v.secret OR v.answer IS NULL THEN
        PERFORM triad_raise('TRDUP',
            format('this %s was already done with idempotency key %s; its answer held a '
                   'secret, which is shown only once', v.request, p_key),
            'idempotency_key');
    END IF;
    RAISE EXCEPTION 'this request was already done' USING ERRCODE = 'TRIDP',
        DETAIL = encode(v.answer, 'hex');
END
$$;

-- Stores the first answer of the request that claimed p_key in this
-- transaction: NULL and p_secret for an answer that held a secret.
CREATE FUNCTION triad_idempotency_store(p_key text, p_answer bytea, p_secret boolean)
    RETURNS void
    LANGUAGE sql
    AS $$
    UPDATE idempotency_key SET answer = p_answer, secret = p_secret
     WHERE principal_id = triad_principal() AND key = p_key
$$;

GRANT EXECUTE ON FUNCTION triad_idempotency_claim(text, bytea, text, integer),
    triad_idempotency_store(text, bytea, boolean) TO triad_app;
