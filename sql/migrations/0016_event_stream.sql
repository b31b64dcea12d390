-- 0016_event_stream: the domain events partners read (the outbox), their
-- resume points, and the counters that version each aggregate.
--
-- A request whose registry row is flagged ROUTE_EVENT writes, in its own
-- transaction, one domain_event per change it audits (triad_audit() calls
-- triad_stream_note(), sql/functions/stream.sql). Readers page by
-- (xid, seq): xid is the writing transaction's id, and a reader takes only
-- rows below the oldest transaction still running
-- (pg_snapshot_xmin(pg_current_snapshot())), so a transaction that commits
-- late holds the readers back instead of being skipped by them.

CREATE SEQUENCE domain_event_seq;

CREATE TABLE domain_event (
    institution_id    uuid NOT NULL REFERENCES institution,
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    xid               xid8 NOT NULL DEFAULT pg_current_xact_id(),
    seq               bigint NOT NULL DEFAULT nextval('domain_event_seq'),
    type              text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
    aggregate_type    text NOT NULL,
    aggregate_id      uuid NOT NULL,
    aggregate_version bigint NOT NULL CHECK (aggregate_version > 0),
    -- The enrollment the event is about, when it is about a participant:
    -- what the consent of an employer is checked against when it is read.
    enrollment_id     uuid,
    occurred_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    schema_version    integer NOT NULL DEFAULT 1,
    -- The resource after the change, as JSON; NULL when it is gone.
    data              jsonb,
    request_id        numeric,
    PRIMARY KEY (institution_id, id)
);
CREATE UNIQUE INDEX domain_event_order ON domain_event (institution_id, xid, seq);
CREATE INDEX domain_event_age ON domain_event (institution_id, occurred_at);
CREATE INDEX domain_event_request ON domain_event (request_id);

-- The newest version of each aggregate an event was written for.
CREATE TABLE domain_event_version (
    institution_id uuid NOT NULL REFERENCES institution,
    aggregate_type text NOT NULL,
    aggregate_id   uuid NOT NULL,
    version        bigint NOT NULL,
    PRIMARY KEY (institution_id, aggregate_type, aggregate_id)
);

-- Where retention has cut the stream: events at or below (xid, seq) are
-- gone, and a cursor below that point cannot resume.
CREATE TABLE domain_event_horizon (
    institution_id uuid NOT NULL REFERENCES institution,
    xid            xid8 NOT NULL,
    seq            bigint NOT NULL,
    PRIMARY KEY (institution_id)
);

-- A partner's resume point (Ack), per principal and institution.
CREATE TABLE event_cursor (
    institution_id uuid NOT NULL REFERENCES institution,
    principal_id   uuid NOT NULL REFERENCES principal,
    xid            xid8 NOT NULL,
    seq            bigint NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, principal_id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['domain_event', 'domain_event_version', 'domain_event_horizon',
                             'event_cursor'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, DELETE ON domain_event TO triad_app;
GRANT SELECT, INSERT, UPDATE ON domain_event_version, domain_event_horizon, event_cursor
    TO triad_app;
GRANT USAGE ON SEQUENCE domain_event_seq TO triad_app;
