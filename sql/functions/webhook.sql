-- webhook.sql: partners' webhooks (migration 0017): registering them, and
-- the work of the daemons that deliver to them (daemon/webhook.c).
--
-- A webhook follows the event stream of its institution from a cursor of
-- its own, read by triad_stream_read() (stream.sql): the same
-- transaction-id horizon, so an event that commits late is waited for and
-- never skipped, and the same read-time rule of what may be seen
-- (triad_stream_visible()), applied as the webhook's owner stands NOW:
-- its grants in the institution, the organisation it speaks for, and that
-- organisation's consents. Each event it may see becomes a pending
-- webhook_delivery; deliveries are sent per webhook in (xid, seq) order,
-- the head of the queue first, and a failed one holds the ones after it
-- back until it is delivered or given up on.
--
-- Several daemons may share the database. A daemon works a webhook only
-- while it holds its lease (triad_webhook_claim(): FOR UPDATE SKIP LOCKED,
-- then a lease id and an end time), so no two send for the same webhook at
-- once; a daemon that dies leaves the lease to run out, and the deliveries
-- it did not record are sent again by the next (at least once).

-- ---- as the webhook's owner ----

-- Sets the transaction's caller to principal p_principal as its grants in
-- the institution make it now (as triad_begin() does for a session):
-- its person, whether it is staff, the organisation it speaks for. An
-- owner with no grant left there is no one: it sees nothing. Returns
-- whether it holds a grant.
CREATE OR REPLACE FUNCTION triad_webhook_as_owner(p_principal uuid) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_n integer;
    v_staff boolean;
    v_org uuid;
    v_person uuid;
BEGIN
    SELECT count(*), coalesce(bool_or(g.role IN ('institution_admin', 'programme_staff')), false),
           (array_agg(g.organisation_id ORDER BY g.created_at)
                FILTER (WHERE g.organisation_id IS NOT NULL
                          AND g.role IN ('employer_contact', 'partner_integration')))[1]
      INTO v_n, v_staff, v_org
      FROM role_grant g
     WHERE g.institution_id = triad_tenant() AND g.principal_id = p_principal;
    SELECT p.person_id INTO v_person FROM principal p WHERE p.id = p_principal;
    IF v_n = 0 THEN
        PERFORM set_config('triad.principal_id', '', true);
        PERFORM set_config('triad.person_id', '', true);
        PERFORM set_config('triad.staff', 'false', true);
        PERFORM set_config('triad.organisation_id', '', true);
        RETURN false;
    END IF;
    PERFORM set_config('triad.principal_id', p_principal::text, true);
    PERFORM set_config('triad.person_id', coalesce(v_person::text, ''), true);
    PERFORM set_config('triad.staff', v_staff::text, true);
    PERFORM set_config('triad.organisation_id', coalesce(v_org::text, ''), true);
    RETURN true;
END
$$;

-- ---- what partners and admins see and ask ----

-- The webhooks the caller may see: an institution admin all of the
-- institution's, a partner its own. Never the secret.
CREATE OR REPLACE VIEW webhook_v WITH (security_barrier, security_invoker = true) AS
SELECT w.id, w.url, w.description, w.types, w.status, w.principal_id AS owner_id,
       coalesce(p.name, '') AS owner_name, triad_us(w.created_at) AS created_at_us,
       triad_us(w.secret_rotated_at) AS secret_rotated_at_us,
       triad_us(w.disabled_at) AS disabled_at_us,
       (SELECT count(*)::int FROM webhook_delivery d
         WHERE d.institution_id = w.institution_id AND d.webhook_id = w.id
           AND d.status = 'pending') AS pending,
       (SELECT count(*)::int FROM webhook_delivery d
         WHERE d.institution_id = w.institution_id AND d.webhook_id = w.id
           AND d.status = 'failed') AS failed,
       (SELECT triad_us(a.attempted_at) FROM webhook_attempt a
         WHERE a.institution_id = w.institution_id AND a.webhook_id = w.id
         ORDER BY a.attempted_at DESC LIMIT 1) AS last_attempt_at_us,
       coalesce((SELECT CASE WHEN a.http_status > 0 THEN a.http_status::text ELSE a.error END
                   FROM webhook_attempt a
                  WHERE a.institution_id = w.institution_id AND a.webhook_id = w.id
                  ORDER BY a.attempted_at DESC LIMIT 1), '') AS last_result
  FROM webhook w
  LEFT JOIN principal p ON p.id = w.principal_id
 WHERE w.institution_id = triad_tenant()
   AND (triad_staff() OR w.principal_id = triad_principal());

-- Every attempt at delivering to a webhook the caller may see.
CREATE OR REPLACE VIEW webhook_attempt_v WITH (security_barrier, security_invoker = true) AS
SELECT a.id, a.webhook_id, a.delivery_id, a.event_id, coalesce(e.type, '') AS event_type,
       a.attempt, triad_us(a.attempted_at) AS attempted_at_us, a.duration_ms, a.http_status,
       a.error, a.outcome, triad_us(a.next_attempt_at) AS next_attempt_at_us,
       d.redelivery, a.attempted_at AS at
  FROM webhook_attempt a
  JOIN webhook w ON w.institution_id = a.institution_id AND w.id = a.webhook_id
  JOIN webhook_delivery d ON d.institution_id = a.institution_id AND d.id = a.delivery_id
  LEFT JOIN domain_event e ON e.institution_id = a.institution_id AND e.id = a.event_id
 WHERE a.institution_id = triad_tenant()
   AND (triad_staff() OR w.principal_id = triad_principal());

-- The webhook p_id as the caller may see it, locked, or TR404 naming p_field.
CREATE OR REPLACE FUNCTION triad_webhook_find(p_id uuid, p_field text) RETURNS webhook
    LANGUAGE plpgsql
    AS $$
DECLARE
    w webhook%ROWTYPE;
BEGIN
    SELECT h.* INTO w FROM webhook h
     WHERE h.institution_id = triad_tenant() AND h.id = p_id
       AND (triad_staff() OR h.principal_id = triad_principal())
       FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'webhook not found', p_field);
    END IF;
    RETURN w;
END
$$;

-- Registers a webhook of the caller at url p_url (the daemon checked its
-- form), for events of types p_types (empty: all), signed with p_secret
-- (made by the daemon, shown once). It receives the events that commit
-- from now on. At most 16 active webhooks per owner and institution.
CREATE OR REPLACE FUNCTION triad_webhook_create(p_url text, p_types text[], p_description text,
                                                p_secret text, p_request_id numeric)
    RETURNS SETOF webhook_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
    v_xid xid8;
    v_seq bigint;
    v_type text;
BEGIN
    IF triad_principal() IS NULL THEN
        PERFORM triad_raise('TR403', 'a webhook needs an owner: sign in as a partner system or '
                            'an institution admin');
    END IF;
    FOREACH v_type IN ARRAY coalesce(p_types, '{}') LOOP
        IF v_type !~ '^[a-z_]+\.[a-z_]+$' THEN
            PERFORM triad_raise('TR400', format('types: "%s" is not an event type (such as '
                                                'enrollment.queued)', left(v_type, 64)),
                                'create_webhook.types');
        END IF;
    END LOOP;
    IF cardinality(coalesce(p_types, '{}')) > 32 THEN
        PERFORM triad_raise('TR400', 'at most 32 types', 'create_webhook.types');
    END IF;
    IF length(coalesce(p_description, '')) > 200 THEN
        PERFORM triad_raise('TR400', 'description: at most 200 characters',
                            'create_webhook.description');
    END IF;
    IF (SELECT count(*) FROM webhook h
         WHERE h.institution_id = triad_tenant() AND h.principal_id = triad_principal()
           AND h.status = 'active') >= 16 THEN
        PERFORM triad_raise('TR409', 'you have 16 active webhooks in this institution, the most '
                            'allowed; delete one first', 'create_webhook.url');
    END IF;
    -- From the end of the stream as it stands: the newest event below the
    -- horizon. Events of transactions still running are above it, so they
    -- come, whenever they commit.
    SELECT d.xid, d.seq INTO v_xid, v_seq FROM domain_event d
     WHERE d.institution_id = triad_tenant() AND d.xid < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY d.xid DESC, d.seq DESC LIMIT 1;
    INSERT INTO webhook (institution_id, principal_id, url, description, types, secret,
                         cursor_xid, cursor_seq)
    VALUES (triad_tenant(), triad_principal(), p_url, coalesce(p_description, ''),
            coalesce(p_types, '{}'), p_secret, coalesce(v_xid, '0'::xid8), coalesce(v_seq, 0))
    RETURNING id INTO v_id;
    PERFORM triad_audit('webhook.create', 'webhook', v_id, p_request_id);
    RETURN QUERY SELECT * FROM webhook_v v WHERE v.id = v_id;
END
$$;

-- Disables webhook p_id: nothing more is sent to it; what it was owed
-- stays listed. Disabling one that is disabled changes nothing.
CREATE OR REPLACE FUNCTION triad_webhook_delete(p_id uuid, p_request_id numeric)
    RETURNS SETOF webhook_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    w webhook%ROWTYPE := triad_webhook_find(p_id, 'delete_webhook.id');
BEGIN
    IF w.status = 'active' THEN
        UPDATE webhook h SET status = 'disabled', disabled_at = now(), secret = '',
                             previous_secret = NULL, previous_until = NULL
         WHERE h.institution_id = w.institution_id AND h.id = w.id;
        PERFORM triad_audit('webhook.delete', 'webhook', w.id, p_request_id);
    END IF;
    RETURN QUERY SELECT * FROM webhook_v v WHERE v.id = w.id;
END
$$;

-- Gives webhook p_id the new secret p_secret. The old one still signs
-- (a second v1 in the header) for p_overlap_s seconds, 0 for none, so a
-- receiver can switch without missing a delivery.
CREATE OR REPLACE FUNCTION triad_webhook_rotate(p_id uuid, p_secret text, p_overlap_s integer,
                                                p_request_id numeric)
    RETURNS SETOF webhook_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    w webhook%ROWTYPE := triad_webhook_find(p_id, 'rotate_webhook_secret.id');
BEGIN
    IF w.status <> 'active' THEN
        PERFORM triad_raise('TR409', 'the webhook is deleted; register a new one',
                            'rotate_webhook_secret.id');
    END IF;
    UPDATE webhook h
       SET previous_secret = CASE WHEN p_overlap_s > 0 THEN h.secret END,
           previous_until = CASE WHEN p_overlap_s > 0
                                 THEN now() + make_interval(secs => p_overlap_s) END,
           secret = p_secret, secret_rotated_at = now()
     WHERE h.institution_id = w.institution_id AND h.id = w.id;
    PERFORM triad_audit('webhook.rotate_secret', 'webhook', w.id, p_request_id);
    RETURN QUERY SELECT * FROM webhook_v v WHERE v.id = w.id;
END
$$;

-- Queues deliveries again for webhook p_id: event p_event (a kept event
-- the caller may see), or every event whose delivery failed (was given up
-- on) since p_since (RFC 3339). Exactly one of the two. An event already
-- owed is not queued twice. Returns how many were queued.
CREATE OR REPLACE FUNCTION triad_webhook_redeliver(p_id uuid, p_event text, p_since text,
                                                   p_request_id numeric)
    RETURNS TABLE (queued integer)
    LANGUAGE plpgsql
    AS $$
DECLARE
    w webhook%ROWTYPE := triad_webhook_find(p_id, 'redeliver_webhook.webhook_id');
    e domain_event%ROWTYPE;
    v_since timestamptz;
    v_n integer := 0;
BEGIN
    IF w.status <> 'active' THEN
        PERFORM triad_raise('TR409', 'the webhook is deleted; nothing is sent to it',
                            'redeliver_webhook.webhook_id');
    END IF;
    IF (coalesce(p_event, '') = '') = (coalesce(p_since, '') = '') THEN
        PERFORM triad_raise('TR400', 'give either event_id (one event) or failed_since (every '
                            'failed delivery since then)', 'redeliver_webhook.event_id');
    END IF;
    IF coalesce(p_event, '') <> '' THEN
        IF p_event !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            PERFORM triad_raise('TR400', 'event_id: not an event id (a UUID)',
                                'redeliver_webhook.event_id');
        END IF;
        SELECT d.* INTO e FROM domain_event d
         WHERE d.institution_id = triad_tenant() AND d.id = p_event::uuid;
        IF NOT FOUND OR NOT triad_stream_visible(e.aggregate_type, e.enrollment_id) THEN
            PERFORM triad_raise('TR404', 'event not found (or no longer kept)',
                                'redeliver_webhook.event_id');
        END IF;
        INSERT INTO webhook_delivery (institution_id, webhook_id, event_id, event_xid, event_seq,
                                      redelivery)
        VALUES (triad_tenant(), w.id, e.id, e.xid, e.seq, true)
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS v_n = ROW_COUNT;
    ELSE
        BEGIN
            IF p_since !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$' THEN
                RAISE invalid_datetime_format;
            END IF;
            v_since := p_since::timestamptz;
        EXCEPTION WHEN others THEN
            PERFORM triad_raise('TR400', format('failed_since: "%s" is not a time (such as '
                                                '2026-12-01T09:00:00Z)', left(p_since, 40)),
                                'redeliver_webhook.failed_since');
        END;
        INSERT INTO webhook_delivery (institution_id, webhook_id, event_id, event_xid, event_seq,
                                      redelivery)
        SELECT DISTINCT ON (f.event_id) triad_tenant(), w.id, f.event_id, f.event_xid,
               f.event_seq, true
          FROM webhook_delivery f
         WHERE f.institution_id = triad_tenant() AND f.webhook_id = w.id
           AND f.status = 'failed' AND f.finished_at >= v_since
         ORDER BY f.event_id
         LIMIT 10000
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS v_n = ROW_COUNT;
    END IF;
    PERFORM triad_audit('webhook.redeliver', 'webhook', w.id, p_request_id);
    queued := v_n;
    RETURN NEXT;
END
$$;

-- ---- the daemons' work ----

-- Claims up to p_limit active webhooks that have work (the head of their
-- queue is due, or events wait after their cursor) for p_lease_ms, across
-- institutions (SECURITY DEFINER: the daemon's job is nobody's session).
-- Each comes with a lease id that the work and its results must name.
CREATE OR REPLACE FUNCTION triad_webhook_claim(p_limit integer, p_lease_ms integer)
    RETURNS TABLE (institution_id uuid, id uuid, lease uuid)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    UPDATE webhook w
       SET lease = gen_random_uuid(),
           leased_until = now() + make_interval(secs => p_lease_ms / 1000.0)
     WHERE (w.institution_id, w.id) IN (
               SELECT h.institution_id, h.id FROM webhook h
                WHERE h.status = 'active'
                  AND (h.leased_until IS NULL OR h.leased_until <= now())
                  AND ((SELECT q.next_attempt_at FROM webhook_delivery q
                         WHERE q.institution_id = h.institution_id AND q.webhook_id = h.id
                           AND q.status = 'pending'
                         ORDER BY q.event_xid, q.event_seq, q.created_at LIMIT 1) <= now()
                       OR EXISTS (SELECT 1 FROM domain_event e
                                   WHERE e.institution_id = h.institution_id
                                     AND (e.xid, e.seq) > (h.cursor_xid, h.cursor_seq)
                                     AND e.xid < pg_snapshot_xmin(pg_current_snapshot())))
                ORDER BY h.leased_until NULLS FIRST
                LIMIT p_limit
                  FOR UPDATE SKIP LOCKED)
    RETURNING w.institution_id, w.id, w.lease
$$;

-- The work of one claimed webhook, in its institution (the daemon scoped
-- the transaction to it): follows the stream past the webhook's cursor
-- (up to p_feed events seen, as its owner may see them now) into pending
-- deliveries, then returns the head of the queue that is due, at most
-- p_inflight deliveries in (xid, seq) order, each with the JSON body to
-- sign and send and its attempt number. A delivery whose event is no
-- longer kept fails; one whose event the owner may no longer see is
-- skipped. Nothing when the lease is not p_lease any more. Deliveries
-- finished more than p_retention_s ago are dropped with their attempts.
CREATE OR REPLACE FUNCTION triad_webhook_work(p_webhook uuid, p_lease uuid, p_feed integer,
                                              p_inflight integer, p_retention_s integer)
    RETURNS TABLE (delivery_id uuid, event_id uuid, attempt integer, url text, secret text,
                   previous_secret text, body text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    w webhook%ROWTYPE;
    v_cursor text;
    v_pos record;
    r record;
    d record;
    e domain_event%ROWTYPE;
    v_n integer := 0;
BEGIN
    SELECT h.* INTO w FROM webhook h
     WHERE h.institution_id = triad_tenant() AND h.id = p_webhook AND h.lease = p_lease
       AND h.status = 'active'
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM triad_webhook_as_owner(w.principal_id);

    v_cursor := triad_stream_cursor_text(w.cursor_xid, w.cursor_seq);
    BEGIN
        FOR r IN SELECT * FROM triad_stream_read(v_cursor, w.types, p_feed, p_retention_s,
                                                 'webhook.cursor') LOOP
            IF r.id IS NULL THEN
                v_cursor := r.cursor;
            ELSE
                SELECT * INTO v_pos FROM triad_stream_cursor(r.cursor, 'webhook.cursor');
                INSERT INTO webhook_delivery (institution_id, webhook_id, event_id, event_xid,
                                              event_seq)
                VALUES (triad_tenant(), w.id, r.id, v_pos.xid, v_pos.seq)
                ON CONFLICT DO NOTHING;
            END IF;
        END LOOP;
    EXCEPTION WHEN SQLSTATE 'TR410' THEN
        -- Behind what is kept: what is gone is gone; go on from the start
        -- of what is kept.
        v_cursor := '';
    END;
    SELECT * INTO v_pos FROM triad_stream_cursor(v_cursor, 'webhook.cursor');
    UPDATE webhook h SET cursor_xid = v_pos.xid, cursor_seq = v_pos.seq
     WHERE h.institution_id = w.institution_id AND h.id = w.id;

    FOR d IN SELECT q.* FROM webhook_delivery q
              WHERE q.institution_id = triad_tenant() AND q.webhook_id = w.id
                AND q.status = 'pending'
              ORDER BY q.event_xid, q.event_seq, q.created_at
              LIMIT p_inflight + 50 LOOP
        EXIT WHEN v_n >= p_inflight OR d.next_attempt_at > now();
        SELECT x.* INTO e FROM domain_event x
         WHERE x.institution_id = triad_tenant() AND x.id = d.event_id;
        IF NOT FOUND THEN
            UPDATE webhook_delivery q SET status = 'failed', finished_at = now()
             WHERE q.institution_id = d.institution_id AND q.id = d.id;
            INSERT INTO webhook_attempt (institution_id, webhook_id, delivery_id, event_id,
                                         attempt, attempted_at, duration_ms, error, outcome)
            VALUES (d.institution_id, w.id, d.id, d.event_id, d.attempts, now(), 0,
                    'the event is no longer kept', 'failed');
            CONTINUE;
        END IF;
        IF NOT triad_stream_visible(e.aggregate_type, e.enrollment_id) THEN
            UPDATE webhook_delivery q SET status = 'skipped', finished_at = now()
             WHERE q.institution_id = d.institution_id AND q.id = d.id;
            CONTINUE;
        END IF;
        UPDATE webhook_delivery q SET attempts = q.attempts + 1
         WHERE q.institution_id = d.institution_id AND q.id = d.id
        RETURNING q.attempts INTO attempt;
        delivery_id := d.id;
        event_id := e.id;
        url := w.url;
        secret := w.secret;
        previous_secret := CASE WHEN w.previous_until > now() THEN w.previous_secret END;
        body := json_build_object('id', e.id, 'type', e.type, 'institution_id', e.institution_id,
                                  'aggregate_type', e.aggregate_type,
                                  'aggregate_id', e.aggregate_id,
                                  'aggregate_version', e.aggregate_version,
                                  'occurred_at', triad_ts(e.occurred_at),
                                  'schema_version', e.schema_version,
                                  'data', e.data)::text;
        v_n := v_n + 1;
        RETURN NEXT;
    END LOOP;

    DELETE FROM webhook_delivery q
     WHERE (q.institution_id, q.id) IN (
               SELECT o.institution_id, o.id FROM webhook_delivery o
                WHERE o.institution_id = triad_tenant() AND o.webhook_id = w.id
                  AND o.status <> 'pending'
                  AND o.finished_at < now() - make_interval(secs => p_retention_s)
                LIMIT 1000);
END
$$;

-- Records one attempt at delivery p_delivery of webhook p_webhook, begun
-- at p_started_ms (Unix milliseconds) and taking p_duration_ms: delivered
-- on a 2xx (p_error NULL); otherwise tried again in p_retry_ms, unless
-- that would be more than p_give_up_s after the delivery was queued, when
-- it fails. Returns the outcome, the attempt's number and when the next
-- is due.
CREATE OR REPLACE FUNCTION triad_webhook_result(p_webhook uuid, p_delivery uuid,
                                                p_started_ms bigint, p_duration_ms integer,
                                                p_http_status integer, p_error text,
                                                p_retry_ms integer, p_give_up_s integer)
    RETURNS TABLE (outcome text, attempt integer, next_attempt_at text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    d webhook_delivery%ROWTYPE;
    v_next timestamptz;
    v_outcome text;
BEGIN
    SELECT q.* INTO d FROM webhook_delivery q
     WHERE q.institution_id = triad_tenant() AND q.id = p_delivery AND q.webhook_id = p_webhook
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_error IS NULL AND p_http_status BETWEEN 200 AND 299 THEN
        v_outcome := 'delivered';
    ELSIF now() + make_interval(secs => p_retry_ms / 1000.0)
          > d.created_at + make_interval(secs => p_give_up_s) THEN
        v_outcome := 'failed';
    ELSE
        v_outcome := 'retry';
        v_next := now() + make_interval(secs => p_retry_ms / 1000.0);
    END IF;
    IF d.status = 'pending' THEN
        UPDATE webhook_delivery q
           SET status = CASE WHEN v_outcome = 'retry' THEN 'pending' ELSE v_outcome END,
               next_attempt_at = coalesce(v_next, q.next_attempt_at),
               finished_at = CASE WHEN v_outcome <> 'retry' THEN now() END
         WHERE q.institution_id = d.institution_id AND q.id = d.id;
    END IF;
    INSERT INTO webhook_attempt (institution_id, webhook_id, delivery_id, event_id, attempt,
                                 attempted_at, duration_ms, http_status, error, outcome,
                                 next_attempt_at)
    VALUES (d.institution_id, p_webhook, d.id, d.event_id, d.attempts,
            to_timestamp(p_started_ms / 1000.0), greatest(p_duration_ms, 0),
            coalesce(p_http_status, 0),
            coalesce(left(p_error, 300),
                     CASE WHEN p_http_status BETWEEN 200 AND 299 THEN ''
                          ELSE format('HTTP %s', p_http_status) END),
            v_outcome, v_next);
    outcome := v_outcome;
    attempt := d.attempts;
    next_attempt_at := coalesce(triad_ts(v_next), '');
    RETURN NEXT;
END
$$;

-- Gives up the lease p_lease on webhook p_webhook; true when it has more
-- work due now (the daemon looks again at once).
CREATE OR REPLACE FUNCTION triad_webhook_release(p_webhook uuid, p_lease uuid)
    RETURNS boolean
    LANGUAGE plpgsql
    AS $$
DECLARE
    w webhook%ROWTYPE;
BEGIN
    UPDATE webhook h SET lease = NULL, leased_until = NULL
     WHERE h.institution_id = triad_tenant() AND h.id = p_webhook AND h.lease = p_lease
    RETURNING h.* INTO w;
    IF NOT FOUND OR w.status <> 'active' THEN
        RETURN false;
    END IF;
    RETURN coalesce((SELECT q.next_attempt_at <= now() FROM webhook_delivery q
                      WHERE q.institution_id = w.institution_id AND q.webhook_id = w.id
                        AND q.status = 'pending'
                      ORDER BY q.event_xid, q.event_seq, q.created_at LIMIT 1), false)
        OR EXISTS (SELECT 1 FROM domain_event e
                    WHERE e.institution_id = w.institution_id
                      AND (e.xid, e.seq) > (w.cursor_xid, w.cursor_seq)
                      AND e.xid < pg_snapshot_xmin(pg_current_snapshot()));
END
$$;
