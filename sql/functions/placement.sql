-- placement.sql: where each table would live if the service were sharded by
-- institution (Citus: create_distributed_table / create_reference_table).
--
--   distributed  a tenant table: it has institution_id, NOT NULL, and every
--                primary key, unique constraint and foreign key to another
--                distributed table includes it, so one institution's rows
--                and their keys live on one node;
--   reference    a table shared by every institution (a person, an
--                organisation, a credential), copied to every node; no
--                foreign key goes from it to a distributed table;
--   local        service bookkeeping kept on the coordinator only.
--
-- A table with an institution_id column is distributed unless listed below;
-- every other table must be listed. tests/integration/test_sharding.c checks
-- the catalog against these rules, and deploy/OPERATIONS.md turns the list
-- into the Citus calls.

CREATE OR REPLACE FUNCTION triad_table_placement()
    RETURNS TABLE (table_name text, placement text, reason text)
    LANGUAGE sql STABLE
    AS $$
    WITH listed (table_name, placement, reason) AS (VALUES
        ('institution', 'reference', 'the tenants themselves; every tenant table refers to it'),
        ('person', 'reference', 'one person across institutions: a coach with coachees at several'),
        ('organisation', 'reference', 'employers and partners shared by institutions'),
        ('principal', 'reference', 'one credential across institutions'),
        ('api_token', 'reference', 'a principal''s tokens, found by hash at sign-in'),
        ('signin_code', 'reference', 'a person''s one-time sign-in codes, before any institution is chosen'),
        ('operator', 'reference', 'the service''s operators, above every institution'),
        ('idempotency_key', 'reference', 'kept per principal, which spans institutions'),
        ('notification', 'local', 'the mail outbox drained by the daemons; sign-in codes in it belong to no institution'),
        ('service_audit_event', 'local', 'the audit of acts outside any institution'),
        ('triad_schema_migrations', 'local', 'the schema''s version'),
        ('triad_schema_code', 'local', 'the hash of the functions and views applied'))
    SELECT c.relname::text,
           coalesce(l.placement, CASE WHEN a.attname IS NOT NULL THEN 'distributed' END),
           coalesce(l.reason, CASE WHEN a.attname IS NOT NULL THEN 'a tenant table' END)
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN listed l ON l.table_name = c.relname
      LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'institution_id'
                              AND NOT a.attisdropped
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
     ORDER BY 2, 1
$$;
