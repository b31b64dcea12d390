-- 0002_access: tenants, shared persons and organisations, principals,
-- credentials, grants, invites and the audit trail.
--
-- Tenant tables (owned by one institution) carry institution_id first in
-- their primary key and in every foreign key to another tenant table, and
-- have a row-level-security policy on it: the daemon's role sees only the
-- rows of the institution its transaction named with triad_begin(). Shared
-- tables (institution, organisation, person, principal, operator, api_token)
-- have no tenant. Work across tenants goes through the few SECURITY DEFINER
-- functions of sql/functions/access.sql, and nowhere else.
--
-- The functions and views over these tables live in sql/functions/ (see
-- sql/README.md), except what the tables themselves need when they are
-- created: triad_tenant(), which the row-level-security policies call. Its
-- current definition is in sql/functions/common.sql.

-- The institution of the current transaction, as set by triad_begin();
-- NULL when unset, which matches no tenant row.
CREATE FUNCTION triad_tenant() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('triad.institution_id', true), '')::uuid $$;

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
