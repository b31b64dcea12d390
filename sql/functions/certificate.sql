-- certificate.sql: certificates as Open Badges 3.0 credentials (tables:
-- migration 0019_certificates), and the signing keys' public side.
--
-- Issuing takes two transactions, because only the daemon signs (it alone
-- holds the master key that unseals a private key):
--   1. triad_certificate_draft() finds the completed enrollment, builds the
--      credential's JSON (the JWT claims included) and hands the daemon the
--      institution's current key, sealed, or an id and kid for a new one
--      when the institution has none yet;
--   2. the daemon signs, and triad_certificate_store() (after
--      triad_credential_key_add() for a new key) checks the enrollment
--      again and keeps the signed credential, audited.
-- Everything about the credential's content is decided here; the daemon
-- adds the JOSE header and the signature.
--
-- Published (triad_credential_published, SECURITY DEFINER: the HTTP port
-- serves every institution's to anyone, before any session): each
-- institution's public keys as a JWKS, and its revocation list.
--
-- URLs are made from the service's public base URL, which the daemon
-- passes in (its public_url setting): the issuer is <base>/institutions/
-- <slug>, a key's kid <base>/institutions/<slug>/jwks.json#<key id>, the
-- status list <base>/institutions/<slug>/revocations.json.

-- The base URL without trailing slashes.
CREATE OR REPLACE FUNCTION triad_credential_base(p_base text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT rtrim(coalesce(p_base, ''), '/') $$;

CREATE OR REPLACE FUNCTION triad_credential_issuer(p_base text, p_slug text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT triad_credential_base(p_base) || '/institutions/' || p_slug $$;

-- ---- keys ----

-- An id and a kid for a new key of the current institution.
CREATE OR REPLACE FUNCTION triad_credential_key_next(p_base text)
    RETURNS TABLE (id uuid, kid text)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid := gen_random_uuid();
    v_slug text;
BEGIN
    SELECT i.slug INTO v_slug FROM institution i WHERE i.id = triad_tenant();
    IF v_slug IS NULL THEN
        PERFORM triad_raise('TR400', 'say which institution the key is for');
    END IF;
    RETURN QUERY SELECT v_id, triad_credential_issuer(p_base, v_slug) || '/jwks.json#' || v_id::text;
END
$$;

-- The current institution's current key, sealed (hex), or no row.
CREATE OR REPLACE FUNCTION triad_credential_key_current()
    RETURNS TABLE (id uuid, kid text, alg text, sealed text)
    LANGUAGE sql STABLE
    AS $$
    SELECT k.id, k.kid, k.alg, encode(k.private_sealed, 'hex')
      FROM credential_key k
     WHERE k.institution_id = triad_tenant() AND k.retired_at IS NULL
$$;

CREATE OR REPLACE VIEW credential_key_v WITH (security_invoker = true) AS
SELECT k.id, k.kid, k.alg, triad_us(k.created_at) AS created_at_us,
       triad_us(k.retired_at) AS retired_at_us,
       k.retired_at IS NULL AS current
  FROM credential_key k;

-- Adds the key the daemon made (p_sealed: its private half sealed, hex;
-- p_jwk: its public half). With p_rotate the current key is retired first
-- (it stays published); without, the key is the institution's first, made
-- on the way to a certificate, and another daemon having made one at the
-- same moment is FAILED_PRECONDITION (try again). Audited.
CREATE OR REPLACE FUNCTION triad_credential_key_add(p_id uuid, p_kid text, p_alg text, p_jwk text,
                                                    p_sealed text, p_rotate boolean,
                                                    p_request_id numeric)
    RETURNS SETOF credential_key_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_jwk jsonb := p_jwk::jsonb;
    v_route text;
BEGIN
    IF triad_tenant() IS NULL THEN
        PERFORM triad_raise('TR400', 'say which institution the key is for');
    END IF;
    IF v_jwk ? 'd' OR v_jwk->>'kid' IS DISTINCT FROM p_kid THEN
        PERFORM triad_raise('TR400', 'a published key holds its kid and never a private part');
    END IF;
    -- Rotations of one institution queue here rather than fail.
    PERFORM pg_advisory_xact_lock(hashtextextended('triad.credential_key.' || triad_tenant()::text, 0));
    IF p_rotate THEN
        UPDATE credential_key SET retired_at = now()
         WHERE institution_id = triad_tenant() AND retired_at IS NULL;
    END IF;
    INSERT INTO credential_key (institution_id, id, alg, kid, public_jwk, private_sealed)
    VALUES (triad_tenant(), p_id, p_alg, p_kid, v_jwk, decode(p_sealed, 'hex'));
    -- A key is no domain event for partners, even when it is made on the
    -- way to a certificate (whose request emits one).
    v_route := current_setting('triad.event_route', true);
    PERFORM set_config('triad.event_route', '', true);
    PERFORM triad_audit(CASE WHEN p_rotate THEN 'credential_key.rotate'
                             ELSE 'credential_key.create' END,
                        'credential_key', p_id, p_request_id);
    PERFORM set_config('triad.event_route', coalesce(v_route, ''), true);
    -- Every daemon serves the keys: tell them to read again.
    PERFORM pg_notify('triad_credentials', '');
    RETURN QUERY SELECT * FROM credential_key_v WHERE id = p_id;
EXCEPTION WHEN unique_violation THEN
    PERFORM triad_raise('TR409', 'the institution''s signing key was being made at the same '
                                 'moment by another request; try again');
END
$$;

-- ---- certificates ----

CREATE OR REPLACE VIEW certificate_v WITH (security_barrier, security_invoker = true) AS
SELECT c.id, 'urn:uuid:' || c.id::text AS credential_id, c.enrollment_id,
       pe.name AS participant_name, pe.email AS participant_email,
       p.code AS programme_code, p.name AS programme_name,
       CASE WHEN c.revoked_at IS NULL THEN 'valid' ELSE 'revoked' END AS status,
       triad_us(c.issued_at) AS issued_at_us,
       triad_us(c.revoked_at) AS revoked_at_us,
       coalesce(c.revocation_reason, '') AS revocation_reason,
       k.kid, k.alg,
       (c.credential->'credentialSubject'->>'creditsEarned')::float8 AS credits_earned,
       (c.credential->'credentialSubject'->'achievement'->>'creditsAvailable')::float8
           AS credits_available,
       c.credential::text AS credential, c.jwt
  FROM certificate c
  JOIN enrollment e ON e.institution_id = c.institution_id AND e.id = c.enrollment_id
  JOIN person pe ON pe.id = e.person_id
  JOIN credential_key k ON k.institution_id = c.institution_id AND k.id = c.key_id
  LEFT JOIN programme p ON p.institution_id = e.institution_id
                       AND p.id = triad_internship_programme(e)
 WHERE triad_staff() OR e.person_id = triad_person() OR c.id = triad_written();

-- The enrollment a certificate is issued for: the participant named by
-- p_who (e-mail address, or an enrollment id), in programme p_programme
-- (its code) when given or when she has several. Only among enrollments
-- the caller may name; completed ones first. NOT_FOUND when none fits,
-- INVALID_ARGUMENT with the choices when several do.
CREATE OR REPLACE FUNCTION triad_certificate_enrollment(p_who text, p_programme text, p_field text)
    RETURNS uuid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v text := btrim(coalesce(p_who, ''));
    v_prog text := btrim(coalesce(p_programme, ''));
    v_uuid boolean := v ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
    parts text[] := triad_key_parts(coalesce(p_who, ''));
    ids uuid[];
    labels text[];
    preferred boolean[];
BEGIN
    IF v = '' THEN
        PERFORM triad_raise('TR400', 'say whose certificate: the participant''s e-mail address',
                            p_field);
    END IF;
    SELECT array_agg(k.id ORDER BY k.programme_code, k.id),
           array_agg(concat_ws('/', k.email, k.programme_code, coalesce(k.cohort_name, k.module_code))
                     ORDER BY k.programme_code, k.id),
           array_agg(k.status = 'completed' ORDER BY k.programme_code, k.id)
      INTO ids, labels, preferred
      FROM triad_key_enrollments() k
     WHERE k.status <> 'withdrawn'
       AND (v_prog = '' OR lower(k.programme_code) = lower(v_prog))
       AND CASE WHEN v_uuid THEN k.id = v::uuid
                ELSE triad_key_fits(parts, k.email, k.programme_code, k.cohort_name,
                                    k.module_code) END;
    RETURN triad_key_pick(v, p_field, 'enrollment',
                          format('no enrollment of "%s"%s that you may see', v,
                                 CASE WHEN v_prog = '' THEN ''
                                      ELSE format(' in programme %s', v_prog) END),
                          ids, labels, preferred);
END
$$;

-- Why enrollment p_enrollment cannot have a certificate now, or NULL.
CREATE OR REPLACE FUNCTION triad_certificate_problem(p_enrollment uuid) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE WHEN e.status <> 'completed' THEN
                    format('the enrollment is %s, not completed: a certificate is issued '
                           'once the enrollment is completed', triad_words(e.status))
           END
      FROM enrollment e WHERE e.id = p_enrollment
$$;

-- The credential of a certificate p_id for enrollment p_enrollment, as the
-- JSON the VC-JWT carries (sql/functions/certificate.sql, top).
CREATE OR REPLACE FUNCTION triad_certificate_credential(p_enrollment uuid, p_id uuid, p_base text)
    RETURNS jsonb
    LANGUAGE sql
    AS $$
    WITH ctx AS (
        SELECT e.*, i.slug, i.name AS institution_name, p.code, p.name AS programme_name,
               p.award, p.ects, p.duration_months, p.mode, p.language, p.id AS programme,
               coalesce(c.starts_on, r.starts_on) AS starts_on,
               lower(btrim(pe.email)) AS email,
               left(replace(gen_random_uuid()::text, '-', ''), 16) AS salt,
               triad_credential_issuer(p_base, i.slug) AS issuer,
               now() AS at
          FROM enrollment e
          JOIN institution i ON i.id = e.institution_id
          JOIN person pe ON pe.id = e.person_id
          LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
          LEFT JOIN module_run r ON r.institution_id = e.institution_id AND r.id = e.run_id
          JOIN programme p ON p.institution_id = e.institution_id
                          AND p.id = triad_internship_programme(e)
         WHERE e.id = p_enrollment),
    outcomes AS (
        SELECT string_agg(format('- %s: %s (%s ECTS)', o.code, o.description, o.credits),
                          E'\n' ORDER BY o.code) AS list
          FROM learning_outcome o, ctx WHERE o.programme_id = ctx.programme)
    SELECT jsonb_build_object(
        '@context', jsonb_build_array('https://www.w3.org/ns/credentials/v2',
                                      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'),
        'id', 'urn:uuid:' || p_id::text,
        'type', jsonb_build_array('VerifiableCredential', 'OpenBadgeCredential'),
        'issuer', jsonb_build_object('id', ctx.issuer, 'type', jsonb_build_array('Profile'),
                                     'name', ctx.institution_name),
        'validFrom', triad_ts(ctx.at),
        'awardedDate', triad_ts(ctx.at),
        'name', ctx.programme_name,
        'credentialSubject', jsonb_strip_nulls(jsonb_build_object(
            'type', jsonb_build_array('AchievementSubject'),
            'identifier', jsonb_build_array(jsonb_build_object(
                'type', 'IdentityObject', 'identityType', 'emailAddress', 'hashed', true,
                'salt', ctx.salt,
                'identityHash', 'sha256$' || encode(sha256(convert_to(ctx.email || ctx.salt,
                                                                      'UTF8')), 'hex'))),
            'creditsEarned', (SELECT pr.credits_earned::float8 FROM triad_progress(ctx.id) pr),
            'activityStartDate', triad_ts(ctx.starts_on::timestamptz),
            'activityEndDate', triad_ts(ctx.updated_at),
            'achievement', jsonb_build_object(
                'id', ctx.issuer || '/programmes/' || ctx.code,
                'type', jsonb_build_array('Achievement'),
                'achievementType', CASE ctx.award WHEN 'degree' THEN 'Degree'
                                                  ELSE 'Certificate' END,
                'humanCode', ctx.code,
                'name', ctx.programme_name,
                'description', format('%s (%s) of %s: a %s programme of %s ECTS credits over '
                                      '%s months, %s.', ctx.programme_name, ctx.code,
                                      ctx.institution_name, ctx.award, ctx.ects,
                                      ctx.duration_months, triad_words(ctx.mode)),
                'criteria', jsonb_build_object('narrative',
                    format('Awarded by %s to a participant who completed the programme %s: '
                           'every rule of the programme met and the enrollment completed, as '
                           'recorded by programme staff.%s' || E'\n\n' || 'Credits '
                           '(creditsAvailable, creditsEarned) are ECTS credits.',
                           ctx.institution_name, ctx.code,
                           CASE WHEN outcomes.list IS NULL THEN ''
                                ELSE E'\n\nLearning outcomes:\n' || outcomes.list END)),
                'creditsAvailable', ctx.ects::float8))),
        'credentialStatus', jsonb_build_object('id', ctx.issuer || '/revocations.json',
                                               'type', '1EdTechRevocationList'),
        -- The claims of a VC-JWT (ob_v3p0 integrity): iss = issuer.id,
        -- jti = id, nbf = validFrom.
        'iss', ctx.issuer,
        'jti', 'urn:uuid:' || p_id::text,
        'nbf', floor(extract(epoch FROM date_trunc('second', ctx.at)))::bigint)
      FROM ctx, outcomes
$$;

-- Step 1 of issuing (see the top of this file) for the enrollment the
-- participant key p_who (and p_programme) names. Refuses an enrollment that
-- is not completed.
CREATE OR REPLACE FUNCTION triad_certificate_draft(p_who text, p_programme text, p_base text)
    RETURNS TABLE (enrollment_id uuid, credential_id uuid, payload text, key_id uuid, kid text,
                   alg text, sealed text, new_key_id uuid, new_kid text)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_enrollment uuid := triad_certificate_enrollment(p_who, p_programme,
                                                      'issue_certificate.participant');
    v_id uuid := gen_random_uuid();
    k record;
    n record;
BEGIN
    IF triad_certificate_problem(v_enrollment) IS NOT NULL THEN
        PERFORM triad_raise('TR409', triad_certificate_problem(v_enrollment),
                            'issue_certificate.participant');
    END IF;
    -- A valid certificate already there is the store's to refuse: a repeat
    -- of the same request (idempotency key) gets its first answer there.
    SELECT * INTO k FROM triad_credential_key_current();
    IF k.id IS NULL THEN
        SELECT * INTO n FROM triad_credential_key_next(p_base);
        RETURN QUERY SELECT v_enrollment, v_id,
                            triad_certificate_credential(v_enrollment, v_id, p_base)::text,
                            NULL::uuid, NULL::text, NULL::text, NULL::text, n.id, n.kid;
    ELSE
        RETURN QUERY SELECT v_enrollment, v_id,
                            triad_certificate_credential(v_enrollment, v_id, p_base)::text,
                            k.id, k.kid, k.alg, k.sealed, NULL::uuid, NULL::text;
    END IF;
END
$$;

-- Step 1 of issuing on completion (TransitionEnrollment to completed,
-- svc_certificate.c): the draft of the certificate of enrollment p_enrollment
-- as it will be once completed now, when it may be completed (active, not
-- blocked, every completion rule met or exempted); no row otherwise, and the
-- transition itself then says why (or, for a repeat of a request done
-- already, its first answer is given). Columns as triad_certificate_draft's,
-- and problem: why no certificate comes with this completion (payload NULL).
CREATE OR REPLACE FUNCTION triad_completion_draft(p_enrollment uuid, p_base text)
    RETURNS TABLE (enrollment_id uuid, credential_id uuid, payload text, key_id uuid, kid text,
                   alg text, sealed text, new_key_id uuid, new_kid text, problem text)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid := gen_random_uuid();
    v_credential jsonb;
    k record;
    n record;
BEGIN
    IF p_enrollment IS NULL OR NOT EXISTS (
            SELECT 1 FROM enrollment e
             WHERE e.id = p_enrollment AND e.status = 'active' AND e.blocked_reason IS NULL)
       OR triad_completion_problem(p_enrollment) IS NOT NULL THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM enrollment e JOIN programme p
                     ON p.institution_id = e.institution_id
                    AND p.id = triad_internship_programme(e)
                    WHERE e.id = p_enrollment) THEN
        RETURN QUERY SELECT p_enrollment, NULL::uuid, NULL::text, NULL::uuid, NULL::text,
                            NULL::text, NULL::text, NULL::uuid, NULL::text,
                            'a certificate is for a programme, and this enrollment is in none'::text;
        RETURN;
    END IF;
    -- Completed now: the activity ends with this request.
    v_credential := jsonb_set(triad_certificate_credential(p_enrollment, v_id, p_base),
                              '{credentialSubject,activityEndDate}', to_jsonb(triad_ts(now())));
    SELECT * INTO k FROM triad_credential_key_current();
    IF k.id IS NULL THEN
        SELECT * INTO n FROM triad_credential_key_next(p_base);
        RETURN QUERY SELECT p_enrollment, v_id, v_credential::text,
                            NULL::uuid, NULL::text, NULL::text, NULL::text, n.id, n.kid,
                            NULL::text;
    ELSE
        RETURN QUERY SELECT p_enrollment, v_id, v_credential::text,
                            k.id, k.kid, k.alg, k.sealed, NULL::uuid, NULL::text, NULL::text;
    END IF;
END
$$;

-- Step 2 of issuing: keeps certificate p_id of enrollment p_enrollment,
-- signed with key p_key: p_payload the credential as signed, p_jwt the
-- VC-JWT. The enrollment is checked again (it may have changed since the
-- draft); one valid certificate per enrollment. Audited as
-- certificate.issue (the partner stream's certificate.issued).
CREATE OR REPLACE FUNCTION triad_certificate_store(p_enrollment uuid, p_id uuid, p_key uuid,
                                                   p_payload text, p_jwt text,
                                                   p_request_id numeric)
    RETURNS SETOF certificate_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_credential jsonb := p_payload::jsonb;
BEGIN
    PERFORM 1 FROM enrollment WHERE id = p_enrollment FOR UPDATE;
    IF triad_certificate_problem(p_enrollment) IS NOT NULL THEN
        PERFORM triad_raise('TR409', triad_certificate_problem(p_enrollment),
                            'issue_certificate.participant');
    END IF;
    IF v_credential->>'jti' IS DISTINCT FROM 'urn:uuid:' || p_id::text THEN
        PERFORM triad_raise('TR400', 'the credential does not carry its certificate''s id');
    END IF;
    IF EXISTS (SELECT 1 FROM certificate c
                WHERE c.enrollment_id = p_enrollment AND c.revoked_at IS NULL) THEN
        PERFORM triad_raise('TRDUP', 'this enrollment has a valid certificate already; revoke '
                                     'it first to issue another', 'issue_certificate.participant');
    END IF;
    INSERT INTO certificate (institution_id, id, enrollment_id, key_id, credential, jwt)
    VALUES (triad_tenant(), p_id, p_enrollment, p_key, v_credential, p_jwt);
    PERFORM triad_audit('certificate.issue', 'certificate', p_id, p_request_id);
    PERFORM pg_notify('triad_credentials', '');
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM certificate_v WHERE id = p_id;
EXCEPTION WHEN unique_violation THEN
    PERFORM triad_raise('TRDUP', 'this enrollment has a valid certificate already; revoke it '
                                 'first to issue another', 'issue_certificate.participant');
END
$$;

-- The certificate p_who names: a certificate's id (or its credential id,
-- urn:uuid:...), or a participant's e-mail address (with p_programme, the
-- programme's code, when she has several): her valid certificate, or else
-- her latest revoked one. Among the certificates the caller may see.
CREATE OR REPLACE FUNCTION triad_certificate_find(p_who text, p_programme text, p_field text)
    RETURNS uuid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v text := regexp_replace(btrim(coalesce(p_who, '')), '^urn:uuid:', '', 'i');
    v_prog text := btrim(coalesce(p_programme, ''));
    v_uuid boolean := v ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
    parts text[] := triad_key_parts(v);
    ids uuid[];
    labels text[];
    preferred boolean[];
BEGIN
    IF v = '' THEN
        -- A participant's own, when she has one.
        IF triad_person() IS NULL THEN
            PERFORM triad_raise('TR400', 'say whose certificate: the participant''s e-mail '
                                         'address, or the certificate''s id', p_field);
        END IF;
    END IF;
    WITH x AS (
        SELECT c.*, row_number() OVER (PARTITION BY c.enrollment_id
                                       ORDER BY c.status = 'valid' DESC, c.issued_at_us DESC) AS n
          FROM certificate_v c
         WHERE (v_prog = '' OR lower(c.programme_code) = lower(v_prog))
           AND CASE WHEN v = '' THEN c.participant_email = (SELECT email FROM person
                                                             WHERE id = triad_person())
                    WHEN v_uuid THEN c.id = v::uuid OR c.enrollment_id = v::uuid
                    ELSE triad_key_fits(parts, c.participant_email, c.programme_code) END)
    SELECT array_agg(x.id ORDER BY x.programme_code, x.id),
           array_agg(concat_ws('/', x.participant_email, x.programme_code)
                     ORDER BY x.programme_code, x.id),
           array_agg(false)
      INTO ids, labels, preferred
      FROM x WHERE x.n = 1;
    RETURN triad_key_pick(v, p_field, 'certificate',
                          CASE WHEN v = '' THEN 'you have no certificate'
                               ELSE format('no certificate of "%s"%s that you may see', v,
                                           CASE WHEN v_prog = '' THEN ''
                                                ELSE format(' in programme %s', v_prog) END)
                          END, ids, labels, preferred);
END
$$;

-- Revokes certificate p_id with a reason (required, kept and shown to
-- staff and the participant; the published list names the credential
-- only). Audited as certificate.revoke (the partner stream's
-- certificate.revoked).
CREATE OR REPLACE FUNCTION triad_certificate_revoke(p_id uuid, p_reason text, p_request_id numeric)
    RETURNS SETOF certificate_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    c certificate%ROWTYPE;
BEGIN
    IF length(btrim(coalesce(p_reason, ''))) = 0 THEN
        PERFORM triad_raise('TR400', 'a revocation needs a reason (--reason)',
                            'revoke_certificate.reason');
    END IF;
    IF length(p_reason) > 2000 THEN
        PERFORM triad_raise('TR400', 'the reason is longer than 2000 characters',
                            'revoke_certificate.reason');
    END IF;
    SELECT * INTO c FROM certificate WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'certificate not found', 'revoke_certificate.certificate');
    END IF;
    IF c.revoked_at IS NOT NULL THEN
        PERFORM triad_raise('TR409', format('this certificate was revoked already, at %s',
                                            triad_ts(c.revoked_at)),
                            'revoke_certificate.certificate');
    END IF;
    UPDATE certificate SET revoked_at = now(), revocation_reason = btrim(p_reason)
     WHERE id = p_id;
    PERFORM triad_audit('certificate.revoke', 'certificate', p_id, p_request_id);
    PERFORM pg_notify('triad_credentials', '');
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM certificate_v WHERE id = p_id;
END
$$;

-- ---- published (SECURITY DEFINER: across institutions, before any session) ----

-- For every institution with a signing key: its slug, its public keys as
-- a JWKS (current and retired, oldest first, so that every credential it
-- ever signed still verifies), and its revocation list in the shape of
-- 1EdTech's Revocation List status method: the list's URL, the issuer and
-- the ids of the revoked credentials (not the reasons: the list is public).
-- Nothing here is secret: no private part, no person.
CREATE OR REPLACE FUNCTION triad_credential_published(p_base text)
    RETURNS TABLE (slug text, jwks text, revocations text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    SELECT i.slug,
           jsonb_build_object('keys', (SELECT jsonb_agg(k.public_jwk ORDER BY k.created_at, k.id)
                                         FROM credential_key k
                                        WHERE k.institution_id = i.id))::text,
           jsonb_build_object(
               'id', triad_credential_issuer(p_base, i.slug) || '/revocations.json',
               'issuer', triad_credential_issuer(p_base, i.slug),
               'revokedCredentials', coalesce((
                   SELECT jsonb_agg(jsonb_build_object('id', 'urn:uuid:' || c.id::text)
                                    ORDER BY c.revoked_at, c.id)
                     FROM certificate c
                    WHERE c.institution_id = i.id AND c.revoked_at IS NOT NULL),
                   '[]'::jsonb))::text
      FROM institution i
     WHERE EXISTS (SELECT 1 FROM credential_key k WHERE k.institution_id = i.id)
     ORDER BY i.slug
$$;
