-- stream.sql: the domain events partners read (migration 0016), written in
-- the transaction of the change and read in commit-safe order.
--
-- Writing. triad_audit() (common.sql) hands every audited change to
-- triad_stream_note(). In a transaction of a request whose registry row is
-- flagged ROUTE_EVENT, the daemon has set triad.event_route to the
-- request's name (daemon/db.c), and the note becomes a domain_event: the
-- type says what happened ('enrollment.queued', 'feedback.given'), the
-- aggregate is the audited resource with its next version, and data is the
-- resource's row as it is after the change, as JSON. So a new table is
-- covered the day its functions audit their changes and its requests are
-- flagged, with nothing to add here; test_idempotency fails for a flagged
-- request that writes no event. Once such a transaction has committed, the
-- daemon sends a NOTIFY on channel triad_events from a connection of its
-- own, which every daemon takes as a hint to read (daemon/stream.h says why
-- not from the writing transaction).
--
-- Reading. A cursor is "<xid>-<seq>": the writing transaction's id and the
-- event's place in it. triad_stream_read() returns events after a cursor
-- in (xid, seq) order, and only those whose transaction id is below the
-- oldest one still running (pg_snapshot_xmin(pg_current_snapshot())): a
-- transaction that took its id earlier but commits later holds readers
-- back until it ends, and is never skipped (WHERE seq > cursor would skip
-- it). What a reader sees is decided when it reads (triad_stream_visible()).

-- The table an audited kind of resource lives in, when it differs from
-- the kind's name.
CREATE OR REPLACE FUNCTION triad_stream_table(p_kind text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE p_kind
               WHEN 'run' THEN 'module_run'
               WHEN 'relation' THEN 'coaching_relation'
               WHEN 'claim' THEN 'prior_learning_claim'
               WHEN 'question' THEN 'practice_question'
               WHEN 'topic' THEN 'topic_suggestion'
               WHEN 'judgement' THEN 'advisory_judgement'
               WHEN 'grant' THEN 'role_grant'
               WHEN 'hours' THEN 'hours_entry'
               ELSE p_kind
           END
$$;

-- The event type of an audited action: what happened, in the past tense.
-- A few actions say it in words of their own; the rest put the action's
-- verb in the past tense ('module.create' becomes 'module.created'). Always
-- of the form domain_event.type allows, whatever an action is called.
CREATE OR REPLACE FUNCTION triad_stream_type(p_action text, p_data jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    v text := regexp_replace(lower(triad_stream_type_words(p_action, p_data)), '[^a-z_.]', '_',
                             'g');
BEGIN
    IF v ~ '^[a-z_]+\.[a-z_]+$' THEN
        RETURN v;
    END IF;
    RETURN regexp_replace(lower(split_part(p_action, '.', 1)), '[^a-z_]', '_', 'g') || '.changed';
END
$$;

CREATE OR REPLACE FUNCTION triad_stream_type_words(p_action text, p_data jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    v_what text := split_part(p_action, '.', 1);
    v_verb text := split_part(p_action, '.', 2);
BEGIN
    IF v_what = 'event_registration' THEN
        v_what := 'registration';
    END IF;
    CASE
        WHEN p_action = 'feedback.create' THEN RETURN 'feedback.given';
        WHEN p_action IN ('enrollment.create', 'event_registration.create') THEN
            RETURN v_what || '.' || CASE WHEN p_data->>'placement' = 'waitlisted' THEN 'queued'
                                         WHEN v_what = 'enrollment' THEN p_data->>'status'
                                         ELSE 'placed' END;
        WHEN v_what = 'enrollment' AND v_verb IN ('applied', 'intake_planned', 'admitted',
                                                  'active', 'completed', 'withdrawn') THEN
            RETURN p_action;
        WHEN v_what = 'question' AND v_verb <> 'create' THEN RETURN 'question.moved';
        WHEN v_what = 'consent' THEN RETURN 'consent.changed';
        WHEN v_verb = 'resolve_block' THEN RETURN v_what || '.block_resolved';
        WHEN v_verb = 'add_member' THEN RETURN v_what || '.member_added';
        WHEN v_verb = 'feedback' THEN RETURN v_what || '.feedback_given';
        WHEN v_verb = 'capacity' THEN RETURN v_what || '.capacity_changed';
        WHEN v_verb = 'activity' THEN RETURN v_what || '.activity_recorded';
        WHEN v_verb = 'attendance' THEN RETURN v_what || '.attendance_recorded';
        WHEN v_verb = 'cancel' THEN RETURN v_what || '.cancelled';
        WHEN v_verb = 'verify' THEN RETURN v_what || '.verified';
        WHEN v_verb IN ('submit', 'admit', 'plan', 'log') THEN
            RETURN v_what || '.' || v_verb || right(v_verb, 1) || 'ed';
        WHEN v_verb ~ '_(add|remove)$' THEN
            RETURN v_what || '.' || v_verb || CASE WHEN v_verb LIKE '%e' THEN 'd' ELSE 'ed' END;
        WHEN v_verb LIKE '%e' THEN RETURN v_what || '.' || v_verb || 'd';
        ELSE RETURN v_what || '.' || v_verb || 'ed';
    END CASE;
END
$$;

-- Called by triad_audit() for every audited change: in a transaction of a
-- request flagged ROUTE_EVENT, writes the domain event of the change to
-- resource p_id of kind p_kind in institution p_institution (see the top of
-- this file); elsewhere does nothing.
CREATE OR REPLACE FUNCTION triad_stream_note(p_action text, p_kind text, p_id uuid,
                                             p_institution uuid, p_request_id numeric)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_table text := triad_stream_table(p_kind);
    v_data jsonb;
    v_version bigint;
    v_enrollment uuid;
BEGIN
    -- Grants and invites are access, not the domain: a request that makes
    -- one on the way (a coach invited with her relation) tells of its
    -- domain change alone.
    IF coalesce(current_setting('triad.event_route', true), '') = ''
       OR p_id IS NULL OR p_institution IS DISTINCT FROM triad_tenant()
       OR p_kind IN ('invite', 'grant', 'principal', 'token') THEN
        RETURN;
    END IF;
    -- The row as JSON. The tables of the busiest writes (feedback, event
    -- registrations) are read by static statements, whose plans the session
    -- keeps; any other table by a dynamic one, planned on each call. Both
    -- give the same JSON.
    IF v_table = 'feedback' THEN
        SELECT to_jsonb(t) INTO v_data FROM public.feedback t
         WHERE t.institution_id = p_institution AND t.id = p_id;
    ELSIF v_table = 'event_registration' THEN
        SELECT to_jsonb(t) INTO v_data FROM public.event_registration t
         WHERE t.institution_id = p_institution AND t.id = p_id;
    ELSIF EXISTS (SELECT 1 FROM pg_attribute a
                   WHERE a.attrelid = to_regclass('public.' || quote_ident(v_table))
                     AND a.attname IN ('id', 'institution_id') AND NOT a.attisdropped
                  HAVING count(*) = 2) THEN
        EXECUTE format('SELECT to_jsonb(t) FROM public.%I t '
                       'WHERE t.institution_id = $1 AND t.id = $2', v_table)
           INTO v_data USING p_institution, p_id;
    END IF;
    -- Never a secret's hash or lookup prefix.
    v_data := v_data - ARRAY['hash', 'prefix', 'secret', 'token_id'];
    v_enrollment := CASE WHEN p_kind = 'enrollment' THEN p_id
                         ELSE (v_data->>'enrollment_id')::uuid END;
    -- A feedback request is about the enrollment of its coaching relation,
    -- internship hours about that of their placement.
    IF v_enrollment IS NULL AND v_data ? 'relation_id' THEN
        SELECT r.enrollment_id INTO v_enrollment FROM coaching_relation r
         WHERE r.institution_id = p_institution AND r.id = (v_data->>'relation_id')::uuid;
    END IF;
    IF v_enrollment IS NULL AND v_data ? 'placement_id' THEN
        SELECT pl.enrollment_id INTO v_enrollment FROM placement pl
         WHERE pl.institution_id = p_institution AND pl.id = (v_data->>'placement_id')::uuid;
    END IF;
    INSERT INTO domain_event_version AS v (institution_id, aggregate_type, aggregate_id, version)
    VALUES (p_institution, p_kind, p_id, 1)
    ON CONFLICT (institution_id, aggregate_type, aggregate_id)
    DO UPDATE SET version = v.version + 1
    RETURNING v.version INTO v_version;
    INSERT INTO domain_event (institution_id, type, aggregate_type, aggregate_id,
                              aggregate_version, enrollment_id, data, request_id)
    VALUES (p_institution, triad_stream_type(p_action, v_data), p_kind, p_id, v_version,
            v_enrollment, v_data, p_request_id);
END
$$;

-- A cursor as (xid, seq); '' is the start. p_field names the request field.
CREATE OR REPLACE FUNCTION triad_stream_cursor(p_cursor text, p_field text,
                                               OUT xid xid8, OUT seq bigint)
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF coalesce(p_cursor, '') = '' THEN
        xid := '0'::xid8;
        seq := 0;
        RETURN;
    END IF;
    IF p_cursor !~ '^[0-9]{1,19}-[0-9]{1,18}$' THEN
        PERFORM triad_raise('TR400', format('%s: "%s" is not a cursor of the event stream '
                                            '(take one from an event or a page)',
                                            split_part(p_field, '.', -1), left(p_cursor, 40)),
                            p_field);
    END IF;
    xid := split_part(p_cursor, '-', 1)::xid8;
    seq := split_part(p_cursor, '-', 2)::bigint;
END
$$;

CREATE OR REPLACE FUNCTION triad_stream_cursor_text(p_xid xid8, p_seq bigint) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT p_xid::text || '-' || p_seq::text $$;

-- Whether the caller may see an event now, whatever was true when it was
-- written: staff see all of their institution's, as does a partner system
-- of the institution (a machine that speaks for no organisation); an
-- organisation (its contact or partner system) sees the events about its
-- employees' enrollments while they consent, at the level consented to
-- (ConsentLevel in triangle.proto, as the employer view shows it):
-- 'progress' for the enrollment itself, attendance, prior learning,
-- exemptions, certificates and its own judgements; 'full' adds feedback and
-- coaching. Never the participant's own journey (logbook, conversations,
-- documents, internship hours, intervision): no consent level covers it. A
-- consent revoked hides the events from the next read on.
CREATE OR REPLACE FUNCTION triad_stream_visible(p_aggregate_type text, p_enrollment uuid)
    RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    RETURN triad_staff()
        OR (triad_person() IS NULL AND triad_organisation() IS NULL
            AND triad_principal() IS NOT NULL)
        OR (p_enrollment IS NOT NULL AND triad_organisation() IS NOT NULL
            AND EXISTS (SELECT 1 FROM enrollment e
                          JOIN consent c ON c.institution_id = e.institution_id
                                        AND c.enrollment_id = e.id
                                        AND c.organisation_id = e.employer_id
                         WHERE e.id = p_enrollment
                           AND e.employer_id = triad_organisation()
                           AND ((c.level IN ('progress', 'full')
                                 AND p_aggregate_type IN ('enrollment', 'attendance', 'claim',
                                                          'exemption', 'certificate',
                                                          'judgement'))
                                OR (c.level = 'full'
                                    AND p_aggregate_type IN ('feedback', 'feedback_request',
                                                             'relation')))));
END
$$;

-- Drops the institution's events older than p_retention_s seconds (a
-- bounded number per call) and moves its horizon past them.
CREATE OR REPLACE FUNCTION triad_stream_prune(p_retention_s integer) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_last record;
BEGIN
    WITH gone AS (
        DELETE FROM domain_event d
         WHERE (d.institution_id, d.id) IN (
                   SELECT o.institution_id, o.id FROM domain_event o
                    WHERE o.institution_id = triad_tenant()
                      AND o.occurred_at < now() - make_interval(secs => p_retention_s)
                      AND o.xid < pg_snapshot_xmin(pg_current_snapshot())
                    ORDER BY o.xid, o.seq LIMIT 1000)
        RETURNING d.xid, d.seq)
    SELECT g.xid, g.seq INTO v_last FROM gone g ORDER BY g.xid DESC, g.seq DESC LIMIT 1;
    IF v_last.xid IS NOT NULL THEN
        INSERT INTO domain_event_horizon AS h (institution_id, xid, seq)
        VALUES (triad_tenant(), v_last.xid, v_last.seq)
        ON CONFLICT (institution_id) DO UPDATE
            SET xid = EXCLUDED.xid, seq = EXCLUDED.seq
            WHERE (h.xid, h.seq) < (EXCLUDED.xid, EXCLUDED.seq);
    END IF;
END
$$;

-- Up to p_limit events of the caller's institution after cursor p_after
-- (of types p_types; empty: all) that the caller may see, in (xid, seq)
-- order, each with its own cursor; then one more row with id NULL whose
-- cursor is where the next read starts (past what this one looked at, seen
-- or not) and whose type is 'more' when events are already waiting past
-- it: committed ones below the horizon that did not fit, or ones above it
-- that wait for an older transaction to end. A cursor before what
-- retention (p_retention_s) keeps is refused with TR410, telling the
-- partner to resynchronise.
CREATE OR REPLACE FUNCTION triad_stream_read(p_after text, p_types text[], p_limit integer,
                                             p_retention_s integer, p_field text)
    RETURNS TABLE (cursor text, id uuid, type text, institution_id uuid, aggregate_type text,
                   aggregate_id uuid,
                   aggregate_version bigint, occurred_at_us bigint, schema_version integer,
                   data text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    v_after record := triad_stream_cursor(p_after, p_field);
    v_horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
    v_cut timestamptz := now() - make_interval(secs => p_retention_s);
    v_types text[] := coalesce(p_types, '{}');
    v_last_xid xid8 := v_after.xid;
    v_last_seq bigint := v_after.seq;
    v_scanned integer := 0;
    v_more boolean;
    r record;
BEGIN
    PERFORM triad_stream_prune(p_retention_s);
    IF coalesce(p_after, '') <> ''
       AND (EXISTS (SELECT 1 FROM domain_event_horizon h
                     WHERE h.institution_id = triad_tenant()
                       AND (h.xid, h.seq) > (v_after.xid, v_after.seq))
            OR EXISTS (SELECT 1 FROM domain_event d
                        WHERE d.institution_id = triad_tenant()
                          AND (d.xid, d.seq) > (v_after.xid, v_after.seq)
                          AND d.xid < v_horizon AND d.occurred_at < v_cut)) THEN
        PERFORM triad_raise('TR410', format('the cursor is older than the %s days of events '
                                            'kept: resynchronise from the list requests, then '
                                            'follow the stream from its start (an empty cursor)',
                                            round(p_retention_s / 86400.0, 1)),
                            p_field);
    END IF;
    -- Looks at a bounded number of rows, so that a reader who may see few
    -- of them still moves on.
    FOR r IN SELECT d.* FROM domain_event d
              WHERE d.institution_id = triad_tenant()
                AND (d.xid, d.seq) > (v_after.xid, v_after.seq)
                AND d.xid < v_horizon
              ORDER BY d.xid, d.seq
              LIMIT greatest(p_limit, 1) * 20 LOOP
        EXIT WHEN v_scanned >= p_limit;
        v_last_xid := r.xid;
        v_last_seq := r.seq;
        IF r.occurred_at >= v_cut
           AND (cardinality(v_types) = 0 OR r.type = ANY (v_types))
           AND triad_stream_visible(r.aggregate_type, r.enrollment_id) THEN
            v_scanned := v_scanned + 1;
            cursor := triad_stream_cursor_text(r.xid, r.seq);
            id := r.id;
            type := r.type;
            institution_id := r.institution_id;
            aggregate_type := r.aggregate_type;
            aggregate_id := r.aggregate_id;
            aggregate_version := r.aggregate_version;
            occurred_at_us := triad_us(r.occurred_at);
            schema_version := r.schema_version;
            data := coalesce(r.data::text, '');
            RETURN NEXT;
        END IF;
    END LOOP;
    v_more := EXISTS (SELECT 1 FROM domain_event d
                       WHERE d.institution_id = triad_tenant()
                         AND (d.xid, d.seq) > (v_last_xid, v_last_seq));
    cursor := triad_stream_cursor_text(v_last_xid, v_last_seq);
    id := NULL;
    type := CASE WHEN v_more THEN 'more' ELSE '' END;
    institution_id := NULL;
    aggregate_type := NULL;
    aggregate_id := NULL;
    aggregate_version := NULL;
    occurred_at_us := NULL;
    schema_version := NULL;
    data := NULL;
    RETURN NEXT;
END
$$;

-- Stores the caller's resume point in its institution (Ack) and returns it.
CREATE OR REPLACE FUNCTION triad_stream_ack(p_cursor text, p_request_id numeric, p_field text)
    RETURNS text
    LANGUAGE plpgsql
    AS $$
DECLARE
    v record := triad_stream_cursor(p_cursor, p_field);
BEGIN
    IF coalesce(p_cursor, '') = '' THEN
        PERFORM triad_raise('TR400', 'cursor is required: the cursor of the last event handled',
                            p_field);
    END IF;
    INSERT INTO event_cursor AS c (institution_id, principal_id, xid, seq)
    VALUES (triad_tenant(), triad_principal(), v.xid, v.seq)
    ON CONFLICT (institution_id, principal_id)
    DO UPDATE SET xid = EXCLUDED.xid, seq = EXCLUDED.seq, updated_at = now();
    PERFORM triad_audit('event_cursor.ack', 'principal', triad_principal(), p_request_id);
    RETURN p_cursor;
END
$$;

-- The caller's stored resume point in its institution, or ''.
CREATE OR REPLACE FUNCTION triad_stream_acked() RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    RETURN coalesce((SELECT triad_stream_cursor_text(c.xid, c.seq) FROM event_cursor c
                      WHERE c.institution_id = triad_tenant()
                        AND c.principal_id = triad_principal()), '');
END
$$;
