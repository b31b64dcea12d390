-- 0002_access: tenants, shared persons and organisations, principals,
-- credentials, grants, invites and the audit trail.
--
-- Tenant tables (owned by one institution) carry institution_id first in
-- their primary key and in every foreign key to another tenant table, and
-- have a row-level-security policy on it: the daemon's role sees only the
-- rows of the institution its transaction named with triad_begin(). Shared
-- tables (institution, organisation, person, principal, operator, api_token)
-- have no tenant. Work across tenants goes through the few SECURITY DEFINER
-- functions at the end of this file, and nowhere else.

-- The institution and principal of the current transaction, as set by
-- triad_begin(); NULL when unset, which matches no tenant row.
CREATE FUNCTION triad_tenant() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('triad.institution_id', true), '')::uuid $$;

CREATE FUNCTION triad_principal() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('triad.principal_id', true), '')::uuid $$;

-- Times on the wire are RFC 3339 in UTC.
CREATE FUNCTION triad_ts(timestamptz) RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

CREATE TABLE institution (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organisation (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('employer', 'school', 'hospital', 'municipality',
                                              'government', 'care_provider', 'other')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE person (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email       text NOT NULL CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
                                     AND length(email) <= 254),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX person_email_key ON person (lower(email));

CREATE TABLE principal (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind        text NOT NULL CHECK (kind IN ('person', 'machine')),
    person_id   uuid UNIQUE REFERENCES person,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'person') = (person_id IS NOT NULL))
);

-- Operators run the service. Only `triadd bootstrap` (as the schema owner)
-- adds rows; the daemon's role can read them and nothing more.
CREATE TABLE operator (
    principal_id uuid PRIMARY KEY REFERENCES principal,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- An API token is stored as the SHA-256 of its secret and found by a short
-- prefix of the secret; the daemon compares hashes in constant time.
CREATE TABLE api_token (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    principal_id uuid NOT NULL REFERENCES principal,
    prefix       text NOT NULL,
    hash         bytea NOT NULL CHECK (length(hash) = 32),
    label        text NOT NULL DEFAULT '' CHECK (length(label) <= 100),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_token_prefix ON api_token (prefix);
CREATE INDEX api_token_principal ON api_token (principal_id);

-- Tenant tables.

-- The persons an institution works with.
CREATE TABLE member (
    institution_id uuid NOT NULL REFERENCES institution,
    person_id      uuid NOT NULL REFERENCES person,
    added_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, person_id)
);

CREATE TABLE role_grant (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    principal_id    uuid NOT NULL REFERENCES principal,
    role            text NOT NULL CHECK (role IN ('institution_admin', 'programme_staff',
                        'participant', 'workplace_coach', 'employer_contact',
                        'partner_integration')),
    title           text CHECK (title IN ('dean', 'programme_manager', 'lecturer', 'trainer',
                                          'assessor')),
    organisation_id uuid REFERENCES organisation,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      uuid REFERENCES principal,
    PRIMARY KEY (institution_id, id),
    UNIQUE NULLS NOT DISTINCT (institution_id, principal_id, role, title, organisation_id),
    CHECK ((role = 'programme_staff') = (title IS NOT NULL)),
    CHECK (role <> 'employer_contact' OR organisation_id IS NOT NULL),
    CHECK (organisation_id IS NULL OR role IN ('employer_contact', 'partner_integration'))
);
CREATE INDEX role_grant_principal ON role_grant (principal_id);

CREATE TABLE invite (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id       uuid NOT NULL,
    role            text NOT NULL,
    title           text,
    organisation_id uuid REFERENCES organisation,
    prefix          text NOT NULL,
    hash            bytea NOT NULL CHECK (length(hash) = 32),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    revoked_at      timestamptz,
    created_by      uuid REFERENCES principal,
    token_id        uuid REFERENCES api_token,
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, person_id) REFERENCES member (institution_id, person_id),
    CHECK (role IN ('institution_admin', 'programme_staff', 'participant', 'workplace_coach',
                    'employer_contact', 'partner_integration')),
    CHECK ((role = 'programme_staff') = (title IS NOT NULL)),
    CHECK (role <> 'employer_contact' OR organisation_id IS NOT NULL)
);
CREATE INDEX invite_prefix ON invite (prefix);

-- Who did what, when. Written in the same transaction as the change.
CREATE TABLE audit_event (
    institution_id uuid NOT NULL REFERENCES institution,
    id             bigint GENERATED ALWAYS AS IDENTITY,
    at             timestamptz NOT NULL DEFAULT now(),
    principal_id   uuid,
    action         text NOT NULL,
    resource_kind  text NOT NULL,
    resource_id    text NOT NULL,
    request_id     numeric(20, 0),
    outcome        text NOT NULL DEFAULT 'ok',
    PRIMARY KEY (institution_id, id)
);
CREATE INDEX audit_event_at ON audit_event (institution_id, at DESC);

-- Service-wide events with no institution (operator tokens, bootstrap).
CREATE TABLE service_audit_event (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    principal_id   uuid,
    action         text NOT NULL,
    resource_kind  text NOT NULL,
    resource_id    text NOT NULL,
    request_id     numeric(20, 0),
    outcome        text NOT NULL DEFAULT 'ok'
);

-- Row-level security: the second wall behind the handlers' checks.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['member', 'role_grant', 'invite', 'audit_event'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

-- Privileges of the daemon's role: what the handlers need, no more. In
-- particular no UPDATE or DELETE on the audit tables and no write to
-- operator.
GRANT SELECT, INSERT ON institution TO triad_app;
GRANT SELECT, INSERT ON organisation, person, principal TO triad_app;
GRANT SELECT ON operator TO triad_app;
GRANT SELECT, INSERT ON api_token TO triad_app;
GRANT UPDATE (revoked_at, last_used_at) ON api_token TO triad_app;
GRANT SELECT, INSERT ON member TO triad_app;
GRANT SELECT, INSERT, DELETE ON role_grant TO triad_app;
GRANT SELECT, INSERT ON invite TO triad_app;
GRANT UPDATE (used_at, revoked_at, token_id) ON invite TO triad_app;
GRANT SELECT, INSERT ON audit_event, service_audit_event TO triad_app;

-- Opens a request's transaction: checks that the session's token is still
-- valid (so a revoked token stops working at once, not at the next
-- connection), resolves the institution by id or slug, and sets both for
-- row-level security and the audit trail. When p_grants is given -- the
-- number of grants the session holds in that institution, as read when it
-- opened -- a different number means the caller's roles there changed
-- (a grant revoked or given), and the session must sign in again. Raises
-- TR401 for a dead token or changed roles and TR404 for an unknown
-- institution.
CREATE FUNCTION triad_begin(p_institution text, p_token uuid, p_principal uuid,
                            p_grants integer DEFAULT NULL)
    RETURNS uuid
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_institution uuid;
BEGIN
    IF p_token IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM api_token
             WHERE id = p_token AND revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > now())) THEN
        RAISE EXCEPTION 'the session''s token has been revoked or has expired'
            USING ERRCODE = 'TR401';
    END IF;
    IF p_institution IS NOT NULL THEN
        SELECT id INTO v_institution FROM institution
         WHERE slug = p_institution OR id::text = p_institution;
        IF v_institution IS NULL THEN
            RAISE EXCEPTION 'institution % not found', p_institution USING ERRCODE = 'TR404';
        END IF;
        PERFORM set_config('triad.institution_id', v_institution::text, true);
        IF p_grants IS NOT NULL AND p_grants <> (SELECT count(*) FROM role_grant g
                                                  WHERE g.institution_id = v_institution
                                                    AND g.principal_id = p_principal) THEN
            RAISE EXCEPTION 'your roles at this institution have changed; sign in again'
                USING ERRCODE = 'TR401';
        END IF;
    END IF;
    PERFORM set_config('triad.principal_id', coalesce(p_principal::text, ''), true);
    RETURN v_institution;
END
$$;

-- Cross-tenant path 1: the grants of one principal in every institution,
-- read when a session opens and by WhoAmI.
CREATE FUNCTION triad_principal_grants(p_principal uuid)
    RETURNS TABLE (institution_id uuid, slug text, institution_name text, id uuid,
                   role text, title text, organisation_id uuid, created_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    SELECT g.institution_id, i.slug, i.name, g.id, g.role, g.title, g.organisation_id,
           g.created_at
      FROM role_grant g JOIN institution i ON i.id = g.institution_id
     WHERE g.principal_id = p_principal
     ORDER BY i.slug, g.role
$$;

-- Cross-tenant path 2: the invites whose code starts with a prefix, so
-- that a person who has no session yet can redeem one. Returns the hash for
-- the daemon to compare; never the person or role.
CREATE FUNCTION triad_invite_candidates(p_prefix text)
    RETURNS TABLE (institution_id uuid, id uuid, hash bytea, expired boolean,
                   used boolean, revoked boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    SELECT institution_id, id, hash, expires_at <= now(), used_at IS NOT NULL,
           revoked_at IS NOT NULL
      FROM invite
     WHERE prefix = p_prefix
$$;

REVOKE ALL ON FUNCTION triad_principal_grants(uuid), triad_invite_candidates(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION triad_principal_grants(uuid), triad_invite_candidates(text),
    triad_begin(text, uuid, uuid, integer), triad_tenant(), triad_principal(), triad_ts(timestamptz)
    TO triad_app;

-- Redeems an invite inside its institution (triad_begin already set it):
-- marks it used (exactly once, even when two redeem at the same time),
-- makes sure the person has a principal, gives the grant and stores the new
-- token. Raises TR409 when the invite cannot be used any more.
CREATE FUNCTION triad_redeem_invite(p_invite uuid, p_token_prefix text, p_token_hash bytea,
                                    p_label text, p_request_id numeric)
    RETURNS TABLE (principal_id uuid, principal_name text, person_id uuid, token_id uuid,
                   token_created_at timestamptz, grant_id uuid, role text, title text,
                   organisation_id uuid, grant_created_at timestamptz)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    v_inv invite%ROWTYPE;
    v_principal principal%ROWTYPE;
    v_token api_token%ROWTYPE;
    v_grant role_grant%ROWTYPE;
BEGIN
    UPDATE invite SET used_at = now()
     WHERE institution_id = triad_tenant() AND id = p_invite
       AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
    RETURNING * INTO v_inv;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this invite has already been used, was revoked or has expired; ask for a new one'
            USING ERRCODE = 'TR409';
    END IF;

    INSERT INTO principal (kind, person_id, name)
    SELECT 'person', p.id, p.name FROM person p WHERE p.id = v_inv.person_id
    ON CONFLICT (person_id) DO NOTHING;
    SELECT * INTO v_principal FROM principal WHERE principal.person_id = v_inv.person_id;

    INSERT INTO role_grant (institution_id, principal_id, role, title, organisation_id, created_by)
    VALUES (v_inv.institution_id, v_principal.id, v_inv.role, v_inv.title, v_inv.organisation_id,
            v_inv.created_by)
    ON CONFLICT DO NOTHING;
    SELECT * INTO v_grant FROM role_grant g
     WHERE g.institution_id = v_inv.institution_id AND g.principal_id = v_principal.id
       AND g.role = v_inv.role AND g.title IS NOT DISTINCT FROM v_inv.title
       AND g.organisation_id IS NOT DISTINCT FROM v_inv.organisation_id;

    INSERT INTO api_token (principal_id, prefix, hash, label)
    VALUES (v_principal.id, p_token_prefix, p_token_hash, p_label)
    RETURNING * INTO v_token;
    UPDATE invite SET token_id = v_token.id
     WHERE institution_id = v_inv.institution_id AND id = v_inv.id;

    INSERT INTO audit_event (institution_id, principal_id, action, resource_kind, resource_id,
                             request_id)
    VALUES (v_inv.institution_id, v_principal.id, 'invite.redeem', 'invite', v_inv.id::text,
            p_request_id),
           (v_inv.institution_id, v_principal.id, 'grant.create', 'grant', v_grant.id::text,
            p_request_id);

    RETURN QUERY SELECT v_principal.id, v_principal.name, v_principal.person_id, v_token.id,
                        v_token.created_at, v_grant.id, v_grant.role, v_grant.title,
                        v_grant.organisation_id, v_grant.created_at;
END
$$;
GRANT EXECUTE ON FUNCTION triad_redeem_invite(uuid, text, bytea, text, numeric) TO triad_app;
