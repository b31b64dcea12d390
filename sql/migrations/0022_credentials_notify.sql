-- 0022_credentials_notify: a change of a token, a grant or an institution is
-- announced as it is committed, so that the daemons stop trusting what they read of it.
--
-- A daemon checks a session's token and grants in the database once, and
-- then scopes its requests with a plain statement (daemon/dispatch.c, the
-- cheap begin) for as long as no token or grant has changed: it LISTENs on
-- triad_credentials (daemon/stream.c) and, at a payload 'token:<id>' or
-- 'grant:<principal id>', makes every session's next request check in full
-- again, so that a revoked token or a removed grant stops an open session
-- at once. The triggers catch every way a row changes: the functions of
-- the schema, an erasure, an operator's SQL. An empty payload on the same
-- channel stays what it was: certificates or keys changed (badges.h).
--
-- The function is kept across `triadd migrate` (sql/functions/reset.sql
-- keeps what a trigger depends on).
CREATE FUNCTION triad_credentials_notify() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_TABLE_NAME = 'api_token' THEN
        PERFORM pg_notify('triad_credentials',
                          'token:' || (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END));
    ELSE
        PERFORM pg_notify('triad_credentials',
                          'grant:' || (CASE WHEN TG_OP = 'DELETE' THEN OLD.principal_id
                                            ELSE NEW.principal_id END));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER api_token_notify
    AFTER UPDATE OF revoked_at, expires_at, principal_id OR DELETE ON api_token
    FOR EACH ROW EXECUTE FUNCTION triad_credentials_notify();

CREATE TRIGGER role_grant_notify
    AFTER INSERT OR UPDATE OF institution_id, principal_id, role, title, organisation_id
          OR DELETE ON role_grant
    FOR EACH ROW EXECUTE FUNCTION triad_credentials_notify();

-- An institution made, renamed or removed: operators name institutions by
-- slug, and the daemon maps slugs to ids (daemon/tenants.h).
CREATE FUNCTION triad_institution_notify() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_notify('triad_credentials',
                      'institution:' || (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END));
    RETURN NULL;
END
$$;

CREATE TRIGGER institution_notify
    AFTER INSERT OR UPDATE OF slug, id OR DELETE ON institution
    FOR EACH ROW EXECUTE FUNCTION triad_institution_notify();
