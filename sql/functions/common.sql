-- common.sql: the helpers every area uses. The current definition of each
-- function and view is in exactly one file of sql/functions/; `triadd
-- migrate` drops them all and creates them again from these files, in one
-- transaction, after the pending migrations (see sql/README.md).
--
-- One way per concern:
--   * triad_raise() raises every rule error: a TR* SQLSTATE (mapped to a
--     status by daemon/db.c), a message for people and, where one applies,
--     the request field at fault as a dotted path ('enroll.cohort_id');
--   * triad_audit() writes every row of an institution's audit trail, and
--     triad_service_audit() every row of the service's, from the functions
--     here and from the SQL of the daemon's handlers alike.

-- The institution of the current transaction, as set by triad_begin();
-- NULL when unset, which matches no tenant row. The row-level-security
-- policies call it, so it is never dropped: migration 0002 created it
-- before the first policy, and this file replaces its body in place (a new
-- signature would need a migration that rewrites the policies).
CREATE OR REPLACE FUNCTION triad_tenant() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('triad.institution_id', true), '')::uuid $$;

-- The principal of the current transaction, as set by triad_begin().
CREATE OR REPLACE FUNCTION triad_principal() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('triad.principal_id', true), '')::uuid $$;

-- Who the caller is inside the institution, as triad_begin() set it: its
-- person (NULL for machines), whether it is staff there (false when unset)
-- and the organisation it speaks for there (NULL when none). The views
-- that hold rows about people filter with these, so a statement that
-- reads them sees only what the caller may see, whatever it forgets to
-- ask; the rules that count or check across rows read the tables instead.
CREATE OR REPLACE FUNCTION triad_person() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('triad.person_id', true), '')::uuid $$;

CREATE OR REPLACE FUNCTION triad_staff() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce(nullif(current_setting('triad.staff', true), '')::boolean, false) $$;

CREATE OR REPLACE FUNCTION triad_organisation() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('triad.organisation_id', true), '')::uuid $$;

-- A write that answers with the row it wrote marks it here
-- (PERFORM triad_wrote(id)) before reading it back through its view, and
-- the views show a marked row to the caller whatever their rules say: the
-- writer sees what it has just written (a partner system the enrollment
-- it made, a coach the feedback it edited after the relation ended). One
-- row, until the next mark or the end of the transaction. PL/pgSQL, not
-- SQL: a SQL function that returns void is never inlined, and its body is
-- planned again in every transaction that calls it.
CREATE OR REPLACE FUNCTION triad_wrote(p_id uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM set_config('triad.wrote_id', coalesce(p_id::text, ''), true);
END
$$;

CREATE OR REPLACE FUNCTION triad_written() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('triad.wrote_id', true), '')::uuid $$;

-- Times on the wire are int64 microseconds since 1970-01-01T00:00:00Z, in
-- columns named X_us: the daemon writes the deprecated text twin X of a
-- reply itself (text_time_us() in daemon/text.c). Exact for every
-- timestamptz (numeric extract; the faster double date_part rounds wrong
-- past 2038). NULL stays NULL. STABLE like extract(), so it is inlined.
CREATE OR REPLACE FUNCTION triad_us(timestamptz) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$ SELECT (extract(epoch FROM $1) * 1000000)::bigint $$;

-- Times in text (messages, exports, documents) are RFC 3339 in UTC.
CREATE OR REPLACE FUNCTION triad_ts(timestamptz) RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- The same text of a time a view holds as microseconds (triad_us()).
CREATE OR REPLACE FUNCTION triad_us_ts(bigint) RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT triad_ts(timestamptz 'epoch' + $1 * interval '1 microsecond') $$;

-- Words for people.
CREATE OR REPLACE FUNCTION triad_words(text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT replace($1, '_', ' ') $$;

-- Raises a rule error: SQLSTATE p_state (TR400 invalid argument, TR401
-- unauthenticated, TR403 permission denied, TR404 not found, TR409 failed
-- precondition, TRDUP already exists), message p_message, and the request
-- field p_column in COLUMN when the error is about one field. The daemon
-- passes message and field to the client as they are. TRIDP (a repeated
-- idempotent request) is the daemon's alone: it answers with the stored
-- answer instead.
CREATE OR REPLACE FUNCTION triad_raise(p_state text, p_message text, p_column text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = p_state, MESSAGE = p_message, COLUMN = coalesce(p_column, '');
END
$$;

-- Writes one row of the institution's audit trail, in the caller's
-- transaction: p_action was done to resource p_id of kind p_kind by the
-- transaction's principal in its institution, for request p_request_id.
-- In a request flagged ROUTE_EVENT it writes the change's domain event too
-- (triad_stream_note(), stream.sql).
-- p_principal and p_institution name them instead when the transaction's
-- are not the ones (a person redeeming an invite has no principal yet; a
-- grant made across institutions is audited in its own).
--
-- PL/pgSQL rather than SQL: every write calls it, and a PL/pgSQL
-- function keeps the plan of its INSERT for the session, where a SQL
-- function plans it again on every call.
CREATE OR REPLACE FUNCTION triad_audit(p_action text, p_kind text, p_id uuid,
                                       p_request_id numeric, p_principal uuid DEFAULT NULL,
                                       p_institution uuid DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_institution uuid := coalesce(p_institution, triad_tenant());
BEGIN
    INSERT INTO audit_event (institution_id, principal_id, action, resource_kind, resource_id,
                             request_id)
    VALUES (v_institution, coalesce(p_principal, triad_principal()), p_action, p_kind,
            p_id::text, p_request_id);
    -- The domain event of the change, for requests that emit one (stream.sql).
    PERFORM triad_stream_note(p_action, p_kind, p_id, v_institution, p_request_id);
END
$$;

-- Writes one row of the service's audit trail (what belongs to no
-- institution: institutions, organisations, a principal's own tokens).
-- p_principal is for `triadd bootstrap`, which acts before any session.
CREATE OR REPLACE FUNCTION triad_service_audit(p_action text, p_kind text, p_id uuid,
                                               p_request_id numeric,
                                               p_principal uuid DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO service_audit_event (principal_id, action, resource_kind, resource_id,
                                     request_id)
    VALUES (coalesce(p_principal, triad_principal()), p_action, p_kind, p_id::text,
            p_request_id);
END
$$;

-- Parses a date given on the wire, naming the field when it is not one.
CREATE OR REPLACE FUNCTION triad_date(p_text text, p_column text, p_required boolean DEFAULT true)
    RETURNS date
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF coalesce(p_text, '') = '' THEN
        IF p_required THEN
            PERFORM triad_raise('TR400', format('%s is required (YYYY-MM-DD)',
                                                split_part(p_column, '.', -1)), p_column);
        END IF;
        RETURN NULL;
    END IF;
    IF p_text !~ '^\d{4}-\d{2}-\d{2}$' THEN
        PERFORM triad_raise('TR400', format('%s: "%s" is not a date (YYYY-MM-DD)',
                                            split_part(p_column, '.', -1), p_text), p_column);
    END IF;
    RETURN p_text::date;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    PERFORM triad_raise('TR400', format('%s: "%s" is not a date', split_part(p_column, '.', -1),
                                        p_text), p_column);
    RETURN NULL;
END
$$;

-- Refuses a start p_at in the past, naming p_column, unless p_history:
-- staff record a session or an event that was held by saying so
-- (record_history in the request, --history in the client), never by
-- accident. A start within the current minute is now: people type minutes.
CREATE OR REPLACE FUNCTION triad_check_not_past(p_at timestamptz, p_history boolean,
                                                p_column text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF p_at < date_trunc('minute', now()) AND NOT coalesce(p_history, false) THEN
        PERFORM triad_raise('TR400', format('%s %s has passed; to record one that was held, '
                                            'set record_history (in the client: --history)',
                                            split_part(p_column, '.', -1), triad_ts(p_at)),
                            p_column);
    END IF;
END
$$;
