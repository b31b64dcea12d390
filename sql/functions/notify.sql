-- notify.sql: the notification outbox, its mails, the sender's work and
-- one-time sign-in codes. The tables are in migration 0011_notifications.
--
-- Writing: the functions that make a change someone should hear about
-- call one triad_notify_*() below in the same transaction, which composes
-- the mail and writes it to the outbox with triad_notify(). A rolled-back
-- change sends nothing; a committed one is sent at least once.
--
-- Sending: the daemon's sender (daemon/mailer.c) claims due rows with
-- triad_outbox_claim(), delivers them, and records each outcome with
-- triad_outbox_result(); a timer runs triad_outbox_tick() for reminders of
-- overdue feedback requests and for codes that expired unsent. These work
-- across institutions: they are SECURITY DEFINER, and only the daemon's
-- role may call them.
--
-- Reading: notification_v, for staff of the institution and for
-- operators. Codes are in the body only while a message is pending, and
-- only institution admins and operators see invite codes, only operators
-- sign-in codes (which belong to no institution): an institution's staff
-- could otherwise sign in as one of its coaches, who may also work for
-- another institution.

-- True when the transaction's principal is an operator.
CREATE OR REPLACE FUNCTION triad_operator() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT 1 FROM operator WHERE principal_id = triad_principal()) $$;

-- A time in a mail, for people: UTC, to the minute.
CREATE OR REPLACE FUNCTION triad_mail_time(timestamptz) RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') $$;

-- Writes one mail to the outbox, to person p_person at their address, in
-- the caller's transaction: for institution p_institution (default: the
-- transaction's; NULL outside any), about resource p_resource_kind
-- p_resource_id. p_secret is a code that p_body holds, to be taken out of
-- it once the mail has gone; p_expires_at is when the mail stops
-- mattering. The subject is one line. Returns the row's id (NULL when the
-- person does not exist).
CREATE OR REPLACE FUNCTION triad_notify(p_kind text, p_person uuid, p_subject text, p_body text,
                                        p_resource_kind text, p_resource_id uuid,
                                        p_secret text DEFAULT NULL,
                                        p_expires_at timestamptz DEFAULT NULL,
                                        p_institution uuid DEFAULT NULL)
    RETURNS uuid
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO notification (institution_id, kind, person_id, recipient, subject, body, secret,
                              resource_kind, resource_id, expires_at)
    SELECT coalesce(p_institution, triad_tenant()), p_kind, p.id, p.email,
           left(regexp_replace(p_subject, '\s+', ' ', 'g'), 200), left(p_body, 16000), p_secret,
           p_resource_kind, p_resource_id, p_expires_at
      FROM person p
     WHERE p.id = p_person
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- Takes the code out of a message that leaves the pending state: the body
-- keeps what it said, with p_note in the code's place.
CREATE OR REPLACE FUNCTION triad_outbox_scrub(p_body text, p_secret text, p_note text)
    RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE WHEN p_secret IS NULL OR p_secret = '' THEN p_body
                      ELSE replace(p_body, p_secret, p_note) END $$;

-- ---- the mails ----

-- The invite p_invite of the transaction's institution, with its code, to
-- the invited person.
CREATE OR REPLACE FUNCTION triad_notify_invite(p_invite uuid, p_code text)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    r record;
BEGIN
    SELECT i.id, i.person_id, i.expires_at, p.name, inst.name AS institution, inst.slug,
           coalesce(pc.name, 'The institution') AS inviter,
           triad_words(coalesce(i.title, i.role)) AS role
      INTO r
      FROM invite i
      JOIN person p ON p.id = i.person_id
      JOIN institution inst ON inst.id = i.institution_id
      LEFT JOIN principal pc ON pc.id = i.created_by
     WHERE i.institution_id = triad_tenant() AND i.id = p_invite;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM triad_notify('invite', r.person_id,
        format('Your invitation to %s', r.institution),
        format(E'Hello %s,\n\n'
               '%s invites you to %s (%s) as %s.\n\n'
               'To accept, sign in with the triad client:\n\n'
               '    triad login --invite %s\n\n'
               'The code works once, until %s.\n'
               'Later you can sign in again on any computer with this e-mail\n'
               'address: triad login --email ADDRESS.\n\n'
               'If you did not expect this invitation, ignore this message.\n',
               r.name, r.inviter, r.institution, r.slug, r.role, p_code,
               triad_mail_time(r.expires_at)),
        'invite', r.id, p_code, r.expires_at);
END
$$;

-- The feedback request p_request, to the coach it asks: as a request when
-- p_reminder is false, or as the reminder of one that is overdue (for
-- triad_outbox_tick(), which names the institution).
CREATE OR REPLACE FUNCTION triad_notify_feedback_request(p_request uuid,
                                                         p_reminder boolean DEFAULT false,
                                                         p_institution uuid DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_institution uuid := coalesce(p_institution, triad_tenant());
    r record;
    v_about text := '';
BEGIN
    SELECT q.id, q.question, q.due_on, q.assignment, q.created_at, rel.coach_person_id,
           cp.name AS coach, pp.name AS participant, pp.email AS participant_email,
           triad_words(rel.kind) AS relation, inst.name AS institution, inst.slug,
           o.code AS outcome_code, o.description AS outcome, m.code AS module_code,
           m.name AS module
      INTO r
      FROM feedback_request q
      JOIN coaching_relation rel
        ON rel.institution_id = q.institution_id AND rel.id = q.relation_id
      JOIN enrollment e ON e.institution_id = rel.institution_id AND e.id = rel.enrollment_id
      JOIN person pp ON pp.id = e.person_id
      JOIN person cp ON cp.id = rel.coach_person_id
      JOIN institution inst ON inst.id = q.institution_id
      LEFT JOIN learning_outcome o ON o.institution_id = q.institution_id AND o.id = q.outcome_id
      LEFT JOIN module m ON m.institution_id = q.institution_id AND m.id = q.module_id
     WHERE q.institution_id = v_institution AND q.id = p_request;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF r.outcome_code IS NOT NULL THEN
        v_about := v_about || format(E'Learning outcome: %s %s\n', r.outcome_code, r.outcome);
    END IF;
    IF r.module_code IS NOT NULL THEN
        v_about := v_about || format(E'Module: %s %s\n', r.module_code, r.module);
    END IF;
    IF r.assignment <> '' THEN
        v_about := v_about || format(E'Assignment: %s\n', r.assignment);
    END IF;
    IF r.due_on IS NOT NULL THEN
        v_about := v_about || format(E'Due: %s\n', r.due_on);
    END IF;
    PERFORM triad_notify(CASE WHEN p_reminder THEN 'feedback_reminder' ELSE 'feedback_request' END,
        r.coach_person_id,
        CASE WHEN p_reminder THEN format('Reminder: %s is waiting for your feedback', r.participant)
             ELSE format('%s asks for your feedback', r.participant) END,
        format(E'Hello %s,\n\n'
               '%s\n\n'
               '%s\n\n'
               '%s\n'
               'To answer, run:\n\n'
               '    triad --institution %s feedback give %s --request %s\n\n'
               '''triad feedback requests'' lists everything you have been asked.\n',
               r.coach,
               CASE WHEN p_reminder
                    THEN format('%s asked for your feedback on %s, as their %s at %s, and is still waiting:',
                                r.participant, r.created_at::date, r.relation, r.institution)
                    ELSE format('%s asks for your feedback, as their %s at %s:',
                                r.participant, r.relation, r.institution) END,
               r.question, v_about, r.slug, r.participant_email, r.id),
        'feedback_request', r.id, NULL, NULL, v_institution);
END
$$;

-- Enrollment p_enrollment of the transaction's institution got a place
-- from the waitlist: to its participant.
CREATE OR REPLACE FUNCTION triad_notify_enrollment_promoted(p_enrollment uuid)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    r record;
BEGIN
    SELECT e.id, e.person_id, p.name, inst.name AS institution,
           CASE WHEN e.track = 'programme'
                THEN format('%s (%s, cohort %s)', pg.name, pg.code, c.name)
                ELSE format('the masterclass %s %s (cohort %s of %s)', m.code, m.name, rc.name,
                            rp.code) END AS place
      INTO r
      FROM enrollment e
      JOIN person p ON p.id = e.person_id
      JOIN institution inst ON inst.id = e.institution_id
      LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
      LEFT JOIN programme pg ON pg.institution_id = c.institution_id AND pg.id = c.programme_id
      LEFT JOIN module_run mr ON mr.institution_id = e.institution_id AND mr.id = e.run_id
      LEFT JOIN module m ON m.institution_id = mr.institution_id AND m.id = mr.module_id
      LEFT JOIN cohort rc ON rc.institution_id = mr.institution_id AND rc.id = mr.cohort_id
      LEFT JOIN programme rp ON rp.institution_id = rc.institution_id AND rp.id = rc.programme_id
     WHERE e.institution_id = triad_tenant() AND e.id = p_enrollment;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM triad_notify('enrollment_promoted', r.person_id,
        format('A place for you in %s', r.place),
        format(E'Hello %s,\n\n'
               'You were on the waitlist for %s at %s.\n'
               'A place has come free, and it is yours now.\n',
               r.name, r.place, r.institution),
        'enrollment', r.id);
END
$$;

-- Event registration p_registration of the transaction's institution got a
-- place from the waitlist: to the person registered.
CREATE OR REPLACE FUNCTION triad_notify_event_promoted(p_registration uuid)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    r record;
BEGIN
    SELECT g.id, g.person_id, p.name, ev.title, ev.starts_at, ev.place, inst.name AS institution,
           inst.slug
      INTO r
      FROM event_registration g
      JOIN event ev ON ev.institution_id = g.institution_id AND ev.id = g.event_id
      JOIN person p ON p.id = g.person_id
      JOIN institution inst ON inst.id = g.institution_id
     WHERE g.institution_id = triad_tenant() AND g.id = p_registration;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM triad_notify('event_promoted', r.person_id,
        format('A place for you at %s', r.title),
        format(E'Hello %s,\n\n'
               'You were on the waitlist for "%s" of %s, on %s%s.\n'
               'A place has come free, and it is yours now.\n\n'
               'If you cannot come after all, give the place to the next one:\n\n'
               '    triad --institution %s event cancel %s\n',
               r.name, r.title, r.institution, triad_mail_time(r.starts_at),
               CASE WHEN r.place <> '' THEN ' at ' || r.place ELSE '' END, r.slug, r.id),
        'event_registration', r.id);
END
$$;

-- ---- reading the outbox ----

-- Whether the caller may read the code of a pending message of kind
-- p_kind of institution p_institution: operators always; an admin of that
-- institution an invite's; nobody else (see the top of this file).
CREATE OR REPLACE FUNCTION triad_outbox_may_read_code(p_institution uuid, p_kind text)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT triad_operator()
        OR (p_kind <> 'signin_code'
            AND EXISTS (SELECT 1 FROM role_grant g
                         WHERE g.institution_id = p_institution
                           AND g.principal_id = triad_principal()
                           AND g.role = 'institution_admin'))
$$;

-- The outbox as the caller may read it: staff their institution's (row-
-- level security keeps it to the tenant), an operator naming no
-- institution everything.
CREATE OR REPLACE VIEW notification_v WITH (security_barrier, security_invoker = true) AS
SELECT n.id, coalesce(n.institution_id::text, '') AS institution_id,
       coalesce(i.slug, '') AS institution_slug, n.kind, n.recipient, n.subject,
       CASE WHEN n.secret IS NULL OR triad_outbox_may_read_code(n.institution_id, n.kind)
            THEN n.body
            ELSE triad_outbox_scrub(n.body, n.secret,
                                    '[code withheld: only '
                                    || CASE WHEN n.kind = 'signin_code' THEN 'operators'
                                            ELSE 'institution admins' END
                                    || ' see it]') END AS body,
       n.status, n.attempts, coalesce(n.last_error, '') AS last_error,
       triad_us(n.created_at) AS created_at_us,
       CASE WHEN n.status = 'pending' THEN triad_us(n.next_attempt_at) END
           AS next_attempt_at_us,
       triad_us(n.sent_at) AS sent_at_us, triad_us(n.expires_at) AS expires_at_us,
       n.resource_kind, n.resource_id::text AS resource_id
  FROM notification n
  LEFT JOIN institution i ON i.id = n.institution_id
 WHERE triad_staff()
   AND (triad_tenant() IS NULL OR n.institution_id = triad_tenant());

-- ---- the sender's work (SECURITY DEFINER: across institutions) ----

-- Claims up to p_limit due messages for one sender for p_lease_ms: each
-- counts an attempt, and no other sender takes it before the lease ends
-- (so a sender that dies mid-way leaves its messages to be sent again).
-- SKIP LOCKED lets several daemons share the outbox without waiting on
-- each other.
CREATE OR REPLACE FUNCTION triad_outbox_claim(p_limit integer, p_lease_ms integer)
    RETURNS TABLE (id uuid, kind text, recipient text, subject text, body text,
                   attempts integer)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    UPDATE notification n
       SET attempts = n.attempts + 1,
           claimed_until = now() + make_interval(secs => p_lease_ms / 1000.0)
     WHERE n.id IN (SELECT d.id FROM notification d
                     WHERE d.status = 'pending' AND d.next_attempt_at <= now()
                       AND (d.claimed_until IS NULL OR d.claimed_until <= now())
                       AND (d.expires_at IS NULL OR d.expires_at > now())
                     ORDER BY d.next_attempt_at, d.id
                     LIMIT p_limit
                       FOR UPDATE SKIP LOCKED)
    RETURNING n.id, n.kind, n.recipient, n.subject, n.body, n.attempts
$$;

-- Records the outcome of one attempt at message p_id: sent when p_error is
-- NULL; otherwise failed for good when p_permanent or after p_attempts_max
-- attempts, else pending again in p_retry_ms. A message that leaves the
-- pending state loses its code. Returns the new status and the attempts,
-- or nothing when the message was no longer pending.
CREATE OR REPLACE FUNCTION triad_outbox_result(p_id uuid, p_error text, p_permanent boolean,
                                               p_retry_ms integer, p_attempts_max integer)
    RETURNS TABLE (status text, attempts integer)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    UPDATE notification n
       SET status = s.status,
           sent_at = CASE WHEN s.status = 'sent' THEN now() END,
           last_error = coalesce(left(p_error, 500), n.last_error),
           next_attempt_at = CASE WHEN s.status = 'pending'
                                  THEN now() + make_interval(secs => p_retry_ms / 1000.0)
                                  ELSE n.next_attempt_at END,
           claimed_until = NULL,
           updated_at = now(),
           body = CASE WHEN s.status = 'pending' THEN n.body
                       ELSE triad_outbox_scrub(n.body, n.secret,
                                               CASE WHEN s.status = 'sent'
                                                    THEN '[code removed once sent]'
                                                    ELSE '[code removed: the mail failed]' END)
                  END,
           secret = CASE WHEN s.status = 'pending' THEN n.secret END
      FROM (SELECT d.id,
                   CASE WHEN p_error IS NULL THEN 'sent'
                        WHEN p_permanent OR d.attempts >= p_attempts_max THEN 'failed'
                        ELSE 'pending' END AS status
              FROM notification d WHERE d.id = p_id AND d.status = 'pending') s
     WHERE n.id = s.id
    RETURNING n.status, n.attempts
$$;

-- The periodic work, one statement for the daemon's timer: writes the
-- reminder of every feedback request that is past its due date and still
-- open (once per request, to the coach of the still active relation);
-- expires pending messages that stopped mattering (an invite or code that
-- expired unsent), taking their codes out; and counts what is pending and
-- what failed in the last day, for the metrics. Several daemons may run
-- it: one at a time does the writing.
CREATE OR REPLACE FUNCTION triad_outbox_tick(OUT pending bigint, OUT failed_last_day bigint,
                                             OUT reminded integer, OUT expired integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    q record;
BEGIN
    reminded := 0;
    expired := 0;
    IF pg_try_advisory_xact_lock(7411011) THEN
        FOR q IN SELECT f.institution_id, f.id
                   FROM feedback_request f
                   JOIN coaching_relation r
                     ON r.institution_id = f.institution_id AND r.id = f.relation_id
                  WHERE f.answered_at IS NULL AND f.due_on < current_date
                    AND triad_relation_active(r)
                    AND NOT EXISTS (SELECT 1 FROM notification n
                                     WHERE n.kind = 'feedback_reminder' AND n.resource_id = f.id)
                  ORDER BY f.due_on
                  LIMIT 1000 LOOP
            PERFORM triad_notify_feedback_request(q.id, true, q.institution_id);
            PERFORM triad_audit('feedback_request.remind', 'feedback_request', q.id, NULL, NULL,
                                q.institution_id);
            reminded := reminded + 1;
        END LOOP;
        UPDATE notification n
           SET status = 'expired', claimed_until = NULL, updated_at = now(),
               body = triad_outbox_scrub(n.body, n.secret, '[code expired unsent]'), secret = NULL
         WHERE n.status = 'pending' AND n.expires_at <= now()
           AND (n.claimed_until IS NULL OR n.claimed_until <= now());
        GET DIAGNOSTICS expired = ROW_COUNT;
    END IF;
    SELECT count(*) INTO pending FROM notification WHERE status = 'pending';
    SELECT count(*) INTO failed_last_day FROM notification
     WHERE status = 'failed' AND updated_at > now() - interval '1 day';
END
$$;

-- ---- one-time sign-in codes (SECURITY DEFINER: before any session) ----

-- Sends person with address p_email (any case) a sign-in code: p_code, in
-- the mail, and p_hash, what is stored (the daemon's SHA-256 of the code
-- bound to the address). Does nothing, and says nothing, when no such
-- person can sign in (has no principal) or when 3 codes went to them in
-- the last 15 minutes. A new code ends the older ones, and their unsent
-- mails. Audited in the service's trail.
CREATE OR REPLACE FUNCTION triad_signin_code_start(p_email text, p_hash bytea, p_code text,
                                                   p_request_id numeric)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    v_person person%ROWTYPE;
    v_principal uuid;
    v_id uuid;
    v_expires timestamptz := now() + interval '15 minutes';
BEGIN
    SELECT * INTO v_person FROM person WHERE lower(email) = lower(p_email);
    -- One request per person at a time, so that the count below holds.
    SELECT id INTO v_principal FROM principal WHERE person_id = v_person.id FOR UPDATE;
    IF v_principal IS NULL
       OR (SELECT count(*) FROM signin_code
            WHERE person_id = v_person.id AND created_at > now() - interval '15 minutes') >= 3 THEN
        RETURN;
    END IF;
    UPDATE signin_code SET expires_at = now()
     WHERE person_id = v_person.id AND used_at IS NULL AND expires_at > now();
    UPDATE notification n
       SET status = 'expired', claimed_until = NULL, updated_at = now(),
           body = triad_outbox_scrub(n.body, n.secret, '[code replaced by a newer one]'),
           secret = NULL
     WHERE n.kind = 'signin_code' AND n.person_id = v_person.id AND n.status = 'pending';
    INSERT INTO signin_code (person_id, hash, expires_at)
    VALUES (v_person.id, p_hash, v_expires)
    RETURNING id INTO v_id;
    PERFORM triad_notify('signin_code', v_person.id, 'Your triad sign-in code',
        format(E'Hello %s,\n\n'
               'Your sign-in code is:\n\n'
               '    %s\n\n'
               'Sign in with:\n\n'
               '    triad login --email %s --code %s\n\n'
               'The code works once, until %s. If you did not ask for it,\n'
               'ignore this message: nobody can sign in with your address\n'
               'without the code.\n',
               v_person.name, p_code, v_person.email, p_code, triad_mail_time(v_expires)),
        'signin_code', v_id, p_code, v_expires, NULL);
    PERFORM triad_service_audit('signin_code.create', 'signin_code', v_id, p_request_id,
                                v_principal);
END
$$;

-- One attempt at signing in with a code for address p_email: counts it
-- against the person's live code (at most 5 attempts each) and returns
-- that code's id and hash for the daemon to compare, or nothing when there
-- is no live code (unknown address, none asked for, used, replaced,
-- expired, or out of attempts).
CREATE OR REPLACE FUNCTION triad_signin_code_attempt(p_email text)
    RETURNS TABLE (id uuid, hash bytea)
    LANGUAGE sql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    UPDATE signin_code c
       SET attempts = c.attempts + 1
      FROM person p
     WHERE p.id = c.person_id AND lower(p.email) = lower(p_email)
       AND c.used_at IS NULL AND c.expires_at > now() AND c.attempts < 5
    RETURNING c.id, c.hash
$$;

-- Uses code p_code (its hash matched): marks it used, exactly once, and
-- stores a new token of its person's principal. Raises TR401 when the code
-- was used or ended meanwhile.
CREATE OR REPLACE FUNCTION triad_signin_code_redeem(p_code uuid, p_token_prefix text,
                                                    p_token_hash bytea, p_label text,
                                                    p_request_id numeric)
    RETURNS TABLE (principal_id uuid, principal_name text, person_id uuid, token_id uuid,
                   token_created_at timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
    v_code signin_code%ROWTYPE;
    v_principal principal%ROWTYPE;
    v_token api_token%ROWTYPE;
BEGIN
    UPDATE signin_code SET used_at = now()
     WHERE id = p_code AND used_at IS NULL AND expires_at > now()
    RETURNING * INTO v_code;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR401', 'this code has been used or has expired; ask for a new one');
    END IF;
    SELECT * INTO v_principal FROM principal WHERE principal.person_id = v_code.person_id;
    INSERT INTO api_token (principal_id, prefix, hash, label)
    VALUES (v_principal.id, p_token_prefix, p_token_hash, p_label)
    RETURNING * INTO v_token;
    UPDATE signin_code SET token_id = v_token.id WHERE id = v_code.id;
    PERFORM triad_service_audit('signin_code.redeem', 'signin_code', v_code.id, p_request_id,
                                v_principal.id);
    PERFORM triad_service_audit('token.create', 'token', v_token.id, p_request_id,
                                v_principal.id);
    RETURN QUERY SELECT v_principal.id, v_principal.name, v_principal.person_id, v_token.id,
                        v_token.created_at;
END
$$;
