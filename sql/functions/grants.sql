-- grants.sql: the last step of re-creating the schema's code. The daemon's
-- role may read every view and call every triad_* function; nobody else
-- may call them (PostgreSQL would let PUBLIC execute a new function). A
-- function or view added to any file here is covered without a GRANT of
-- its own.
--
-- The views are security_invoker and the functions (but the few SECURITY
-- DEFINER ones, each of which says why) run as the caller, so row-level
-- security holds through them; the table privileges of triad_app are the
-- migrations' business.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.relname
               FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
                AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                   AND d.deptype = 'e') LOOP
        EXECUTE format('GRANT SELECT ON public.%I TO triad_app', r.relname);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure::text AS signature
               FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'triad\_%'
                AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                 WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                   AND d.deptype = 'e') LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', r.signature);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO triad_app', r.signature);
    END LOOP;
END
$$;
