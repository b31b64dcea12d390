-- access.sql: opening a request's transaction (triad_begin) and the
-- cross-tenant paths of access: a principal's grants everywhere, the
-- invites a code may name, and redeeming one. The tables are in migration
-- 0002_access. Work across tenants goes through the SECURITY DEFINER
-- functions here, in triangle.sql (triad_coachees, triad_coach_requests,
-- triad_coach_grants) and in me.sql (a person's own view), and nowhere
-- else.

-- Opens a request's transaction: checks that the session's token is still
-- valid (so a revoked token stops working at once, not at the next
-- connection), resolves the institution by id or slug (slugs are lower
-- case, and are found in any case), and sets both for
-- row-level security and the audit trail. When p_grants is given -- the
-- number of grants the session holds in that institution, as read when it
-- opened -- a different number means the caller's roles there changed
-- (a grant revoked or given), and the session must sign in again. Raises
-- TR401 for a dead token or changed roles and TR404 for an unknown
-- institution.
--
-- It also says who the caller is inside the institution, for the views
-- that decide which rows a caller sees (triad_person(), triad_staff(),
-- triad_organisation() in common.sql): p_person, the caller's person (NULL
-- for machines); p_staff, true for staff of the institution (an operator,
-- an institution admin or programme staff there); p_organisation, the
-- organisation it speaks for there (employer contact, partner system).
-- The daemon derives all three from the session's grants (auth.c); like
-- the institution they last until the transaction ends.
CREATE OR REPLACE FUNCTION triad_begin(p_institution text, p_token uuid, p_principal uuid,
                                       p_grants integer DEFAULT NULL, p_person uuid DEFAULT NULL,
                                       p_staff boolean DEFAULT false,
                                       p_organisation uuid DEFAULT NULL)
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
        PERFORM triad_raise('TR401', 'the session''s token has been revoked or has expired');
    END IF;
    IF p_institution IS NOT NULL THEN
        SELECT id INTO v_institution FROM institution
         WHERE slug = lower(p_institution) OR id::text = lower(p_institution);
        IF v_institution IS NULL THEN
            PERFORM triad_raise('TR404', format('institution %s not found', p_institution));
        END IF;
        PERFORM set_config('triad.institution_id', v_institution::text, true);
        IF p_grants IS NOT NULL AND p_grants <> (SELECT count(*) FROM role_grant g
                                                  WHERE g.institution_id = v_institution
                                                    AND g.principal_id = p_principal) THEN
            PERFORM triad_raise('TR401',
                            'your roles at this institution have changed; sign in again');
        END IF;
    END IF;
    PERFORM set_config('triad.principal_id', coalesce(p_principal::text, ''), true);
    PERFORM set_config('triad.person_id', coalesce(p_person::text, ''), true);
    PERFORM set_config('triad.staff', coalesce(p_staff, false)::text, true);
    PERFORM set_config('triad.organisation_id', coalesce(p_organisation::text, ''), true);
    RETURN v_institution;
END
$$;

-- Cross-tenant path 1: the grants of one principal in every institution,
-- read when a session opens and by WhoAmI.
CREATE OR REPLACE FUNCTION triad_principal_grants(p_principal uuid)
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
CREATE OR REPLACE FUNCTION triad_invite_candidates(p_prefix text)
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

-- Invites person p_person of the transaction's institution to sign in with
-- a role: stores the invite with the code's prefix and hash (the daemon
-- makes the code), audits it and writes the invitation, with the code
-- p_code, to the notification outbox. Returns the invite, or nothing when
-- the person is not the institution's.
CREATE OR REPLACE FUNCTION triad_invite_create(p_person uuid, p_role text, p_title text,
                                               p_organisation uuid, p_prefix text, p_hash bytea,
                                               p_days integer, p_code text, p_request_id numeric)
    RETURNS SETOF invite
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_inv invite%ROWTYPE;
BEGIN
    INSERT INTO invite (institution_id, person_id, role, title, organisation_id, prefix, hash,
                        expires_at, created_by)
    SELECT triad_tenant(), m.person_id, p_role, p_title, p_organisation, p_prefix, p_hash,
           now() + make_interval(days => p_days), triad_principal()
      FROM member m
     WHERE m.person_id = p_person
    RETURNING * INTO v_inv;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM triad_audit('invite.create', 'invite', v_inv.id, p_request_id);
    PERFORM triad_notify_invite(v_inv.id, p_code);
    RETURN NEXT v_inv;
END
$$;

-- The invite a new coach gets with a relation: as workplace coach, for 14
-- days, unless the person can sign in already (has a principal). Returns
-- its id, or nothing.
CREATE OR REPLACE FUNCTION triad_coach_invite(p_person uuid, p_prefix text, p_hash bytea,
                                              p_code text, p_request_id numeric)
    RETURNS SETOF uuid
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM principal WHERE person_id = p_person) THEN
        RETURN QUERY SELECT i.id FROM triad_invite_create(p_person, 'workplace_coach', NULL, NULL,
                                                          p_prefix, p_hash, 14, p_code,
                                                          p_request_id) i;
    END IF;
END
$$;

-- Redeems an invite inside its institution (triad_begin already set it):
-- marks it used (exactly once, even when two redeem at the same time),
-- makes sure the person has a principal, gives the grant and stores the new
-- token. Raises TR409 when the invite cannot be used any more.
CREATE OR REPLACE FUNCTION triad_redeem_invite(p_invite uuid, p_token_prefix text, p_token_hash bytea,
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
        PERFORM triad_raise('TR409', 'this invite has already been used, was revoked or has '
                            'expired; ask for a new one');
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

    -- The transaction has no principal yet: the redeemer is the one.
    PERFORM triad_audit('invite.redeem', 'invite', v_inv.id, p_request_id, v_principal.id);
    PERFORM triad_audit('grant.create', 'grant', v_grant.id, p_request_id, v_principal.id);

    RETURN QUERY SELECT v_principal.id, v_principal.name, v_principal.person_id, v_token.id,
                        v_token.created_at, v_grant.id, v_grant.role, v_grant.title,
                        v_grant.organisation_id, v_grant.created_at;
END
$$;
