-- functions/idempotency.sql: one way for every write to be done once (the
-- table is in migration 0008; daemon/dispatch.c holds the other half).

-- Claims p_key for the transaction's principal, for a request whose hash is
-- p_hash. Returns when the request is new (the key is held until the
-- transaction ends: a concurrent repeat waits for it). Otherwise raises:
--   TRIDP  the request was done: the daemon reads its first answer
--          (triad_idempotency_answer) and sends it again;
--   TRDUP  it was done and its answer held a secret, shown only once;
--   TR409  the key was used for another request.
CREATE OR REPLACE FUNCTION triad_idempotency_claim(p_key text, p_hash bytea, p_request text,
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
    -- Not the answer itself: a raised error goes to the server's log, and
    -- the answer is people's data. The daemon reads it with a query.
    PERFORM triad_raise('TRIDP', 'this request was already done');
END
$$;

-- Stores the first answer of the request that claimed p_key in this
-- transaction: NULL and p_secret for an answer that held a secret.
-- PL/pgSQL, like every function here: the session keeps its statements'
-- plans, where a SQL function that is not inlined (one that writes, or
-- reads a table) is planned again in every transaction.
CREATE OR REPLACE FUNCTION triad_idempotency_store(p_key text, p_answer bytea, p_secret boolean)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    UPDATE idempotency_key SET answer = p_answer, secret = p_secret
     WHERE principal_id = triad_principal() AND key = p_key;
END
$$;

-- The stored first answer of the transaction's principal's key p_key.
CREATE OR REPLACE FUNCTION triad_idempotency_answer(p_key text)
    RETURNS bytea
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    RETURN (SELECT answer FROM idempotency_key
             WHERE principal_id = triad_principal() AND key = p_key);
END
$$;
