-- 0017_webhooks: partners' webhooks, the deliveries owed to each, and every
-- attempt made at them.
--
-- A webhook follows its institution's event stream (domain_event, 0016)
-- from a cursor of its own, (cursor_xid, cursor_seq), read with the same
-- transaction-id horizon as ListDomainEvents. Each event its owner may see
-- becomes a webhook_delivery, sent by triadd in (xid, seq) order; each
-- HTTP request made for one is a webhook_attempt. The daemon that works a
-- webhook holds it by a lease (lease, leased_until), taken with FOR UPDATE
-- SKIP LOCKED, so that daemons sharing the database never send for the same
-- webhook at the same time (sql/functions/webhook.sql).

CREATE TABLE webhook (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    -- Who registered it: what it may be sent is what this principal may
    -- see, decided at every delivery.
    principal_id    uuid NOT NULL REFERENCES principal,
    url             text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    description     text NOT NULL DEFAULT '',
    types           text[] NOT NULL DEFAULT '{}',
    -- The signing secret (needed in clear to sign), and the one it replaced
    -- while that is still honoured after a rotation.
    secret          text NOT NULL,
    previous_secret text,
    previous_until  timestamptz,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    cursor_xid      xid8 NOT NULL,
    cursor_seq      bigint NOT NULL,
    lease           uuid,
    leased_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    secret_rotated_at timestamptz,
    disabled_at     timestamptz,
    PRIMARY KEY (institution_id, id)
);
CREATE INDEX webhook_active ON webhook (leased_until) WHERE status = 'active';
CREATE INDEX webhook_owner ON webhook (institution_id, principal_id);

CREATE TABLE webhook_delivery (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    webhook_id      uuid NOT NULL,
    event_id        uuid NOT NULL,
    event_xid       xid8 NOT NULL,
    event_seq       bigint NOT NULL,
    -- pending: owed; delivered: a 2xx came back; failed: given up on (or
    -- the event is no longer kept); skipped: the owner may no longer see it.
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    redelivery      boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, webhook_id) REFERENCES webhook
);
CREATE INDEX webhook_delivery_queue ON webhook_delivery (institution_id, webhook_id, event_xid,
                                                         event_seq) WHERE status = 'pending';
-- At most one pending delivery of an event per webhook: a redelivery asked
-- for while one is owed adds nothing.
CREATE UNIQUE INDEX webhook_delivery_once ON webhook_delivery (institution_id, webhook_id, event_id)
    WHERE status = 'pending';
CREATE INDEX webhook_delivery_failed ON webhook_delivery (institution_id, webhook_id, finished_at)
    WHERE status = 'failed';

CREATE TABLE webhook_attempt (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    webhook_id      uuid NOT NULL,
    delivery_id     uuid NOT NULL,
    event_id        uuid NOT NULL,
    attempt         integer NOT NULL,
    attempted_at    timestamptz NOT NULL,
    duration_ms     integer NOT NULL,
    http_status     integer NOT NULL DEFAULT 0,
    error           text NOT NULL DEFAULT '',
    -- delivered, retry (next_attempt_at says when) or failed (given up).
    outcome         text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
    next_attempt_at timestamptz,
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, webhook_id) REFERENCES webhook,
    FOREIGN KEY (institution_id, delivery_id) REFERENCES webhook_delivery ON DELETE CASCADE
);
CREATE INDEX webhook_attempt_list ON webhook_attempt (institution_id, webhook_id, attempted_at);
CREATE INDEX webhook_attempt_delivery ON webhook_attempt (institution_id, delivery_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['webhook', 'webhook_delivery', 'webhook_attempt'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON webhook TO triad_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_delivery, webhook_attempt TO triad_app;
