-- 0001_foundation: the roles and privileges every later migration builds on.
--
-- triadd logs in as a role that is a member of triad_app and owns nothing:
-- it can do exactly what migrations grant to triad_app. Tables belong to the
-- role that runs `triadd migrate`.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'triad_app') THEN
        CREATE ROLE triad_app NOLOGIN;
    END IF;
END
$$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO triad_app;

-- The daemon checks the schema version at start-up and refuses to serve a
-- schema older or newer than it was built for.
GRANT SELECT ON triad_schema_migrations TO triad_app;
