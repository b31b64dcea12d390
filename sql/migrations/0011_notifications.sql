-- 0011_notifications: the notification outbox and one-time sign-in codes.
--
-- A change that someone should hear about (an invite, a feedback request, a
-- place that came free, a sign-in code) writes a row of notification in
-- the same transaction as the change, through the functions of
-- sql/functions/notify.sql. The daemon's sender (daemon/mailer.c) claims
-- due rows, delivers them to the configured SMTP relay and records the
-- outcome in the row; without a relay the rows stay pending, and staff read
-- them with ListNotifications.
--
-- The outbox is the service's, like api_token: a sign-in code belongs to a
-- person, not to an institution, so institution_id is NULL for those and
-- the row cannot key on it. It still names the institution for every other
-- row, and row-level security confines a tenant's transaction to its own
-- rows; operators see all. For a sharded PostgreSQL it would stay on the
-- coordinator, as a queue of its own.
--
-- Codes: the body of an invite or sign-in code mail holds the code, and
-- secret holds it again so that it can be taken out of the body once the
-- message has gone, failed or expired (see triad_outbox_scrub()). Nothing
-- else keeps a code in clear: invites and sign-in codes store hashes.

CREATE TABLE notification (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    institution_id  uuid REFERENCES institution,
    kind            text NOT NULL CHECK (kind IN ('invite', 'feedback_request',
                                                  'feedback_reminder', 'enrollment_promoted',
                                                  'event_promoted', 'signin_code')),
    person_id       uuid NOT NULL REFERENCES person,
    recipient       text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
    subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 16000),
    secret          text,
    resource_kind   text NOT NULL,
    resource_id     uuid NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'expired')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text CHECK (length(last_error) <= 500),
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A sender working on the row: no other takes it before this time.
    claimed_until   timestamptz,
    expires_at      timestamptz,
    sent_at         timestamptz,
    -- The last change of status or attempt.
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CHECK (status = 'pending' OR secret IS NULL),
    CHECK ((kind = 'signin_code') = (institution_id IS NULL))
);
-- What the sender claims: due pending rows.
CREATE INDEX notification_due ON notification (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_institution ON notification (institution_id, id);
-- One reminder per feedback request.
CREATE UNIQUE INDEX notification_reminder_once ON notification (resource_id)
    WHERE kind = 'feedback_reminder';

-- A one-time sign-in code, stored as the SHA-256 of the code bound to the
-- person's address (the daemon makes and checks it). Only the newest code
-- of a person works; each allows a few attempts.
CREATE TABLE signin_code (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id  uuid NOT NULL REFERENCES person,
    hash       bytea NOT NULL CHECK (length(hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    used_at    timestamptz,
    token_id   uuid REFERENCES api_token
);
CREATE INDEX signin_code_person ON signin_code (person_id, created_at);

-- Row-level security: a tenant's transaction reads its institution's rows;
-- an operator's reads all (the principal as triad_begin() set it:
-- triad_principal() is code, in sql/functions/, and does not exist yet when
-- migrations run). A row is written for the transaction's own institution,
-- or, outside any, for none.
ALTER TABLE notification ENABLE ROW LEVEL SECURITY;
CREATE POLICY outbox_read ON notification FOR SELECT
    USING (institution_id = triad_tenant()
           OR EXISTS (SELECT 1 FROM operator o
                       WHERE o.principal_id =
                             nullif(current_setting('triad.principal_id', true), '')::uuid));
CREATE POLICY outbox_write ON notification FOR INSERT
    WITH CHECK (institution_id IS NOT DISTINCT FROM triad_tenant());

-- The daemon's role writes rows through the domain's functions and reads
-- them through notification_v. The sender's work (claiming, recording,
-- sweeping) and sign-in codes go through the SECURITY DEFINER functions of
-- notify.sql only: no UPDATE here, and nothing at all on signin_code.
GRANT SELECT, INSERT ON notification TO triad_app;
