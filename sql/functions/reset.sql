-- reset.sql: the first step of re-creating the schema's code. Drops every
-- view and every triad_* function of the schema, so that the files after
-- this one create them again from their current definitions; `triadd
-- migrate` runs all of them in one transaction (see sql/README.md).
--
-- Dropping first, rather than only CREATE OR REPLACE, is what lets a
-- function change its arguments or a view its columns in a plain edit of
-- its file, and what removes a function that a file no longer defines.
--
-- What the tables themselves use is kept and only replaced in place: a
-- function that a policy, a column default, a constraint, an index or a
-- trigger depends on (today triad_tenant(), which every row-level-security
-- policy calls). Views go first, with CASCADE, which also takes the
-- functions that return their row type; then the functions, without
-- CASCADE. Should anything of the tables still depend on what is dropped,
-- the check at the end aborts the transaction instead of letting CASCADE
-- take a policy or a default with it.
DO $$
DECLARE
    r record;
    v_before bigint[];
    v_after bigint[];
BEGIN
    SELECT ARRAY[(SELECT count(*) FROM pg_policy),
                 (SELECT count(*) FROM pg_attrdef),
                 (SELECT count(*) FROM pg_constraint),
                 (SELECT count(*) FROM pg_trigger),
                 (SELECT count(*) FROM pg_index)]
      INTO v_before;

    FOR r IN SELECT c.relname
               FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
                AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                   AND d.deptype = 'e') LOOP
        EXECUTE format('DROP VIEW IF EXISTS public.%I CASCADE', r.relname);
    END LOOP;

    FOR r IN SELECT p.oid::regprocedure::text AS signature
               FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'triad\_%'
                AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                 WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                   AND d.deptype = 'e')
                -- Kept: something other than a function depends on it.
                AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                 WHERE d.refclassid = 'pg_proc'::regclass
                                   AND d.refobjid = p.oid
                                   AND d.classid <> 'pg_proc'::regclass) LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s', r.signature);
    END LOOP;

    SELECT ARRAY[(SELECT count(*) FROM pg_policy),
                 (SELECT count(*) FROM pg_attrdef),
                 (SELECT count(*) FROM pg_constraint),
                 (SELECT count(*) FROM pg_trigger),
                 (SELECT count(*) FROM pg_index)]
      INTO v_after;
    IF v_after <> v_before THEN
        RAISE EXCEPTION 'dropping the views and functions would drop part of the tables '
                        '(policies, defaults, constraints, triggers, indexes: % before, % after); '
                        'a migration must stop them depending on a view first',
                        v_before, v_after;
    END IF;
END
$$;
