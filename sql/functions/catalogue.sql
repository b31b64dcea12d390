-- catalogue.sql: programmes, learning lines, learning outcomes, modules
-- and the prerequisites between modules (tables: migration 0003_catalogue).
--
-- The daemon changes the catalogue only through the
-- triad_<thing>_<verb>() functions below, which run as the caller
-- (SECURITY INVOKER, so row-level security holds), check every field with
-- a message meant for a programme manager, enforce the rules, write the
-- audit row and return the result in the shape of the protocol's message
-- (column names = field names; see daemon/sqlroute.h). The *_v views are
-- that shape for reads.
--
-- Errors (triad_raise): TR400 names the request field at fault in COLUMN,
-- as a dotted path from the request body ('create_module.module.line_codes');
-- TR404 for an id that names nothing in the institution; TRDUP for a code
-- already taken (ALREADY_EXISTS); TR409 for a rule of the catalogue
-- (something still in use, a cycle).

-- ---- The read shape: one row per protocol message ----
--
-- security_invoker, so that the caller's row-level security applies (a
-- plain view would read as its owner, who is not subject to it).

CREATE OR REPLACE VIEW programme_v WITH (security_invoker = true) AS
SELECT p.id, p.code, p.name, p.award, p.ects, p.duration_months, p.language, p.mode,
       p.start_moments, p.fee_cents, p.specialisations, p.standalone_share,
       triad_us(p.created_at) AS created_at_us
  FROM programme p;

CREATE OR REPLACE VIEW learning_line_v WITH (security_invoker = true) AS
SELECT l.id, l.programme_id, l.code, l.name
  FROM learning_line l;

CREATE OR REPLACE VIEW learning_outcome_v WITH (security_invoker = true) AS
SELECT o.id, o.programme_id, o.code, o.description, o.credits
  FROM learning_outcome o;

CREATE OR REPLACE VIEW module_v WITH (security_invoker = true) AS
SELECT m.id, m.programme_id, m.code, m.name, m.kind, m.sequence, m.credits,
       m.attendance_mandatory, m.cannot_be_missed,
       ARRAY(SELECT l.code
               FROM module_line ml
               JOIN learning_line l ON l.institution_id = ml.institution_id AND l.id = ml.line_id
              WHERE ml.institution_id = m.institution_id AND ml.module_id = m.id
              ORDER BY l.code) AS line_codes,
       ARRAY(SELECT o.code
               FROM module_outcome mo
               JOIN learning_outcome o ON o.institution_id = mo.institution_id
                                      AND o.id = mo.outcome_id
              WHERE mo.institution_id = m.institution_id AND mo.module_id = m.id
              ORDER BY o.code) AS outcome_codes,
       ARRAY(SELECT s.name
               FROM module_staff s
              WHERE s.institution_id = m.institution_id AND s.module_id = m.id
              ORDER BY s.name) AS staff,
       ARRAY(SELECT r.code
               FROM module_prerequisite mp
               JOIN module r ON r.institution_id = mp.institution_id
                            AND r.id = mp.required_module_id
              WHERE mp.institution_id = m.institution_id AND mp.module_id = m.id
              ORDER BY r.code) AS prerequisite_codes
  FROM module m;

-- The last part of a field path, as messages name it: 'code' for
-- 'create_programme.programme.code'.
CREATE OR REPLACE FUNCTION triad_cat_name(p_field text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT regexp_replace(p_field, '^.*\.', '') $$;

-- The id in request field p_field, which must be set. (The daemon has
-- already refused text that is not an id.) IMMUTABLE so that a one-line
-- SELECT with it in the WHERE clause checks the id even when it reads no
-- row: the planner evaluates it once, with the parameter's value.
CREATE OR REPLACE FUNCTION triad_cat_require_id(p_value text, p_field text) RETURNS uuid
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF coalesce(p_value, '') = '' THEN
        PERFORM triad_raise('TR400', format('%s is required', triad_cat_name(p_field)), p_field);
    END IF;
    IF p_value !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        PERFORM triad_raise('TR400', format('%s ''%s'' is not an id', triad_cat_name(p_field),
                                                  left(p_value, 40)), p_field);
    END IF;
    RETURN p_value::uuid;
END
$$;

-- A code: 1 to 32 letters, digits, '-', '_' or '.', starting with a letter
-- or digit. p_example shows one in the message.
CREATE OR REPLACE FUNCTION triad_cat_check_code(p_value text, p_field text, p_example text) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF coalesce(p_value, '') = '' THEN
        PERFORM triad_raise('TR400', format(
            'code is required: 1 to 32 letters, digits, ''-'', ''_'' or ''.'', such as %s',
            p_example), p_field);
    ELSIF p_value !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$' THEN
        PERFORM triad_raise('TR400', format(
            'code ''%s'' is not valid: use 1 to 32 letters, digits, ''-'', ''_'' or ''.'', '
            'starting with a letter or digit, such as %s', left(p_value, 40), p_example), p_field);
    END IF;
END
$$;

-- A required text of at most p_max characters.
CREATE OR REPLACE FUNCTION triad_cat_check_text(p_value text, p_field text, p_max int) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF coalesce(btrim(p_value), '') = '' THEN
        PERFORM triad_raise('TR400', format('%s is required', triad_cat_name(p_field)), p_field);
    ELSIF length(p_value) > p_max THEN
        PERFORM triad_raise('TR400', format('%s is longer than %s characters',
                                                  triad_cat_name(p_field), p_max), p_field);
    END IF;
END
$$;

-- ECTS credits: 0 to 300, at most one decimal. The protocol carries them
-- as doubles (7.5 may arrive as 7.50000000000000001), hence the tolerance.
CREATE OR REPLACE FUNCTION triad_cat_check_credits(p_value numeric, p_field text) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF p_value < 0 OR p_value > 300 THEN
        PERFORM triad_raise('TR400', format('%s must be between 0 and 300 (ECTS), not %s',
                                                  triad_cat_name(p_field), p_value), p_field);
    ELSIF abs(p_value - round(p_value, 1)) > 0.000001 THEN
        PERFORM triad_raise('TR400', format(
            '%s may have one decimal, such as 7.5, not %s', triad_cat_name(p_field), p_value), p_field);
    END IF;
END
$$;

-- A list of names (specialisations, staff): at most p_max_count, each
-- non-empty and at most p_max_len long. Returns it without repeats, in the
-- order given.
CREATE OR REPLACE FUNCTION triad_cat_names(p_values text[], p_field text, p_max_len int, p_max_count int)
    RETURNS text[]
    LANGUAGE plpgsql
    AS $$
DECLARE
    v text;
BEGIN
    IF cardinality(p_values) > p_max_count THEN
        PERFORM triad_raise('TR400', format('%s: at most %s, not %s',
            triad_cat_name(p_field), p_max_count, cardinality(p_values)), p_field);
    END IF;
    FOREACH v IN ARRAY coalesce(p_values, '{}') LOOP
        IF coalesce(btrim(v), '') = '' THEN
            PERFORM triad_raise('TR400', format('%s may not contain an empty name',
                                                      triad_cat_name(p_field)), p_field);
        ELSIF length(v) > p_max_len THEN
            PERFORM triad_raise('TR400', format('%s: ''%s...'' is longer than %s characters',
                triad_cat_name(p_field), left(v, 40), p_max_len), p_field);
        END IF;
    END LOOP;
    RETURN ARRAY(SELECT t.v FROM unnest(p_values) WITH ORDINALITY AS t(v, n)
                  GROUP BY t.v ORDER BY min(t.n));
END
$$;

-- Start moments are month names. Returns them in lower case, in calendar
-- order, without repeats.
CREATE OR REPLACE FUNCTION triad_cat_months(p_values text[], p_field text) RETURNS text[]
    LANGUAGE plpgsql
    AS $$
DECLARE
    months constant text[] := '{january,february,march,april,may,june,july,august,'
                              'september,october,november,december}';
    v text;
BEGIN
    FOREACH v IN ARRAY coalesce(p_values, '{}') LOOP
        IF NOT lower(btrim(v)) = ANY (months) THEN
            PERFORM triad_raise('TR400', format(
                'start_moments: ''%s'' is not a month; use month names such as september',
                left(v, 40)), p_field);
        END IF;
    END LOOP;
    RETURN ARRAY(SELECT m FROM unnest(months) WITH ORDINALITY AS t(m, n)
                  WHERE m IN (SELECT lower(btrim(x)) FROM unnest(p_values) AS x)
                  ORDER BY n);
END
$$;

-- 'M1', 'M1 and M2', 'M1, M2 and M3'.
CREATE OR REPLACE FUNCTION triad_cat_join(p_items text[]) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE WHEN cardinality(p_items) <= 1 THEN coalesce(p_items[1], '')
                ELSE array_to_string(p_items[1:cardinality(p_items) - 1], ', ')
                     || ' and ' || p_items[cardinality(p_items)] END
$$;

-- '1 module', '7 modules'.
CREATE OR REPLACE FUNCTION triad_cat_count(p_n bigint, p_one text, p_many text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT p_n || ' ' || CASE WHEN p_n = 1 THEN p_one ELSE p_many END $$;

-- The programme p_id of the current institution; TR404 if there is none.
-- The caller names the field the id came from.
CREATE OR REPLACE FUNCTION triad_cat_programme(p_id uuid) RETURNS programme
    LANGUAGE plpgsql
    AS $$
DECLARE
    v programme%ROWTYPE;
BEGIN
    SELECT * INTO v FROM programme WHERE institution_id = triad_tenant() AND id = p_id;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', format('programme %s not found', p_id));
    END IF;
    RETURN v;
END
$$;

-- ---- Programmes ----

-- Checks the fields a create and an update share; p_path is the message's
-- path ('create_programme.programme').
CREATE OR REPLACE FUNCTION triad_cat_programme_check(p_path text, p_name text, p_award text,
        p_ects numeric, p_duration_months int, p_language text, p_mode text,
        p_fee_cents bigint, p_standalone_share numeric)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM triad_cat_check_text(p_name, p_path || '.name', 200);
    IF coalesce(p_award, '') NOT IN ('degree', 'certificate') THEN
        PERFORM triad_raise('TR400', 'award is required: degree or certificate',
                            p_path || '.award');
    END IF;
    PERFORM triad_cat_check_credits(p_ects, p_path || '.ects');
    IF p_duration_months NOT BETWEEN 1 AND 120 THEN
        PERFORM triad_raise('TR400', format(
            'duration_months must be 1 to 120 months, not %s', p_duration_months),
            p_path || '.duration_months');
    END IF;
    IF coalesce(p_language, '') = '' THEN
        PERFORM triad_raise('TR400',
                                  'language is required, such as "nl" or "en"',
                                  p_path || '.language');
    ELSIF p_language !~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' OR length(p_language) > 35 THEN
        PERFORM triad_raise('TR400', format(
            'language ''%s'' is not a language code such as "nl" or "en"', left(p_language, 40)),
            p_path || '.language');
    END IF;
    IF coalesce(p_mode, '') NOT IN ('part_time', 'evening', 'full_time', 'blended') THEN
        PERFORM triad_raise('TR400',
            'mode is required: part_time, evening, full_time or blended', p_path || '.mode');
    END IF;
    IF p_fee_cents < 0 THEN
        PERFORM triad_raise('TR400',
            'fee_cents must be 0 or more, in euro cents (1795000 is EUR 17,950.00)',
            p_path || '.fee_cents');
    END IF;
    IF p_standalone_share NOT BETWEEN 0.05 AND 0.95 THEN
        PERFORM triad_raise('TR400', format(
            'standalone_share must be between 0.05 and 0.95, not %s '
            '(leave it out for the default, 0.5)',
            p_standalone_share), p_path || '.standalone_share');
    END IF;
END
$$;

-- Creates a programme. standalone_share NULL (left out) means the default,
-- 0.50; 0 is refused like any share outside 0.05 to 0.95. Start
-- moments are stored as month names in calendar order. TR409 when the code
-- is taken in the institution.
CREATE OR REPLACE FUNCTION triad_programme_create(p_code text, p_name text, p_award text,
        p_ects numeric, p_duration_months int, p_language text, p_mode text,
        p_start_moments text[], p_fee_cents bigint, p_specialisations text[],
        p_standalone_share numeric, p_request_id numeric)
    RETURNS SETOF programme_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_path constant text := 'create_programme.programme';
    v_share numeric := coalesce(p_standalone_share, 0.50);
    v_months text[];
    v_specs text[];
    v_id uuid;
BEGIN
    IF p_code IS NULL THEN
        PERFORM triad_raise('TR400', 'programme is required', v_path);
    END IF;
    PERFORM triad_cat_check_code(p_code, v_path || '.code', 'MPM');
    PERFORM triad_cat_programme_check(v_path, p_name, p_award, p_ects, p_duration_months,
                                      p_language, p_mode, p_fee_cents, v_share);
    v_months := triad_cat_months(p_start_moments, v_path || '.start_moments');
    v_specs := triad_cat_names(p_specialisations, v_path || '.specialisations', 200, 50);
    BEGIN
        INSERT INTO programme (institution_id, code, name, award, ects, duration_months,
                               language, mode, start_moments, fee_cents, specialisations,
                               standalone_share)
        VALUES (triad_tenant(), p_code, p_name, p_award, p_ects, p_duration_months, p_language,
                p_mode, v_months, p_fee_cents, v_specs, v_share)
        RETURNING id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        PERFORM triad_raise('TRDUP', format('a programme with code %s already exists', p_code));
    END;
    PERFORM triad_audit('programme.create', 'programme', v_id, p_request_id);
    RETURN QUERY SELECT * FROM programme_v WHERE id = v_id;
END
$$;

-- Replaces every field of programme p_id except its id, code and
-- created_at (a programme's code is what people and other records know it
-- by; UpdateProgramme ignores the code it carries). Same checks and
-- defaults as triad_programme_create().
CREATE OR REPLACE FUNCTION triad_programme_update(p_id text, p_name text, p_award text,
        p_ects numeric, p_duration_months int, p_language text, p_mode text,
        p_start_moments text[], p_fee_cents bigint, p_specialisations text[],
        p_standalone_share numeric, p_request_id numeric)
    RETURNS SETOF programme_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_path constant text := 'update_programme.programme';
    v_share numeric := coalesce(p_standalone_share, 0.50);
    v_id uuid;
    v_months text[];
    v_specs text[];
BEGIN
    IF p_id IS NULL THEN
        PERFORM triad_raise('TR400', 'programme is required', v_path);
    END IF;
    v_id := triad_cat_require_id(p_id, v_path || '.id');
    PERFORM triad_cat_programme_check(v_path, p_name, p_award, p_ects, p_duration_months,
                                      p_language, p_mode, p_fee_cents, v_share);
    v_months := triad_cat_months(p_start_moments, v_path || '.start_moments');
    v_specs := triad_cat_names(p_specialisations, v_path || '.specialisations', 200, 50);
    UPDATE programme
       SET name = p_name, award = p_award, ects = p_ects, duration_months = p_duration_months,
           language = p_language, mode = p_mode, start_moments = v_months,
           fee_cents = p_fee_cents, specialisations = v_specs, standalone_share = v_share
     WHERE institution_id = triad_tenant() AND id = v_id;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'programme not found');
    END IF;
    PERFORM triad_audit('programme.update', 'programme', v_id, p_request_id);
    RETURN QUERY SELECT * FROM programme_v WHERE id = v_id;
END
$$;

-- Deletes programme p_id and returns it as it was. Refused (TR409) while
-- it has modules, learning lines or outcomes, or while anything else (a
-- cohort) refers to it. The row lock makes the count hold until commit:
-- a module being added at the same time waits for it.
CREATE OR REPLACE FUNCTION triad_programme_delete(p_id text, p_request_id numeric)
    RETURNS SETOF programme_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid := triad_cat_require_id(p_id, 'delete_programme.id');
    v_prog programme%ROWTYPE;
    v_parts text[] := '{}';
    v_n bigint;
    v_table text;
BEGIN
    SELECT * INTO v_prog FROM programme
     WHERE institution_id = triad_tenant() AND id = v_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'programme not found');
    END IF;
    SELECT count(*) INTO v_n FROM module
     WHERE institution_id = v_prog.institution_id AND programme_id = v_id;
    IF v_n > 0 THEN
        v_parts := v_parts || triad_cat_count(v_n, 'module', 'modules');
    END IF;
    SELECT count(*) INTO v_n FROM learning_line
     WHERE institution_id = v_prog.institution_id AND programme_id = v_id;
    IF v_n > 0 THEN
        v_parts := v_parts || triad_cat_count(v_n, 'learning line', 'learning lines');
    END IF;
    SELECT count(*) INTO v_n FROM learning_outcome
     WHERE institution_id = v_prog.institution_id AND programme_id = v_id;
    IF v_n > 0 THEN
        v_parts := v_parts || triad_cat_count(v_n, 'learning outcome', 'learning outcomes');
    END IF;
    IF cardinality(v_parts) > 0 THEN
        PERFORM triad_raise('TR409', format('programme %s still has %s; delete them first',
            v_prog.code, triad_cat_join(v_parts)));
    END IF;

    RETURN QUERY SELECT * FROM programme_v WHERE id = v_id;
    BEGIN
        DELETE FROM programme WHERE institution_id = v_prog.institution_id AND id = v_id;
    EXCEPTION WHEN foreign_key_violation THEN
        GET STACKED DIAGNOSTICS v_table = TABLE_NAME;
        PERFORM triad_raise('TR409', format(
            'programme %s is still in use (%s records refer to it); delete those first',
            v_prog.code, replace(v_table, '_', ' ')));
    END;
    PERFORM triad_audit('programme.delete', 'programme', v_id, p_request_id);
END
$$;

-- ---- Learning lines ----

-- Creates a learning line in programme p_programme_id. TR409 when the code
-- is taken in the programme.
CREATE OR REPLACE FUNCTION triad_learning_line_create(p_programme_id text, p_code text, p_name text,
        p_request_id numeric)
    RETURNS SETOF learning_line_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_path constant text := 'create_learning_line.line';
    v_prog programme%ROWTYPE;
    v_id uuid;
BEGIN
    IF p_code IS NULL THEN
        PERFORM triad_raise('TR400', 'line is required', v_path);
    END IF;
    v_prog := triad_cat_programme(triad_cat_require_id(p_programme_id,
                                                       v_path || '.programme_id'));
    PERFORM triad_cat_check_code(p_code, v_path || '.code', 'PD');
    PERFORM triad_cat_check_text(p_name, v_path || '.name', 200);
    BEGIN
        INSERT INTO learning_line (institution_id, programme_id, code, name)
        VALUES (v_prog.institution_id, v_prog.id, p_code, p_name)
        RETURNING id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        PERFORM triad_raise('TRDUP', format(
            'a learning line with code %s already exists in %s', p_code, v_prog.code));
    END;
    PERFORM triad_audit('learning_line.create', 'learning_line', v_id, p_request_id);
    RETURN QUERY SELECT * FROM learning_line_v WHERE id = v_id;
END
$$;

-- Replaces the code and name of learning line p_id. A line stays in its
-- programme: the programme_id of the request is ignored. Modules refer to
-- the line by id, so they follow a new code.
CREATE OR REPLACE FUNCTION triad_learning_line_update(p_id text, p_code text, p_name text,
        p_request_id numeric)
    RETURNS SETOF learning_line_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_path constant text := 'update_learning_line.line';
    v_id uuid;
    v_prog_code text;
BEGIN
    IF p_id IS NULL THEN
        PERFORM triad_raise('TR400', 'line is required', v_path);
    END IF;
    v_id := triad_cat_require_id(p_id, v_path || '.id');
    PERFORM triad_cat_check_code(p_code, v_path || '.code', 'PD');
    PERFORM triad_cat_check_text(p_name, v_path || '.name', 200);
    SELECT p.code INTO v_prog_code
      FROM learning_line l
      JOIN programme p ON p.institution_id = l.institution_id AND p.id = l.programme_id
     WHERE l.institution_id = triad_tenant() AND l.id = v_id
       FOR UPDATE OF l;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'learning line not found');
    END IF;
    BEGIN
        UPDATE learning_line SET code = p_code, name = p_name
         WHERE institution_id = triad_tenant() AND id = v_id;
    EXCEPTION WHEN unique_violation THEN
        PERFORM triad_raise('TRDUP', format(
            'a learning line with code %s already exists in %s', p_code, v_prog_code));
    END;
    PERFORM triad_audit('learning_line.update', 'learning_line', v_id, p_request_id);
    RETURN QUERY SELECT * FROM learning_line_v WHERE id = v_id;
END
$$;

-- Deletes learning line p_id and returns it as it was. Refused (TR409)
-- while modules belong to it.
CREATE OR REPLACE FUNCTION triad_learning_line_delete(p_id text, p_request_id numeric)
    RETURNS SETOF learning_line_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid := triad_cat_require_id(p_id, 'delete_learning_line.id');
    v_line learning_line%ROWTYPE;
    v_codes text[];
    v_table text;
BEGIN
    SELECT * INTO v_line FROM learning_line
     WHERE institution_id = triad_tenant() AND id = v_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'learning line not found');
    END IF;
    SELECT array_agg(m.code ORDER BY m.code) INTO v_codes
      FROM module_line ml
      JOIN module m ON m.institution_id = ml.institution_id AND m.id = ml.module_id
     WHERE ml.institution_id = v_line.institution_id AND ml.line_id = v_id;
    IF v_codes IS NOT NULL THEN
        PERFORM triad_raise('TR409', format(
            'learning line %s is still used by %s; take it off %s', v_line.code,
            CASE WHEN cardinality(v_codes) = 1 THEN 'module ' ELSE 'modules ' END
                || triad_cat_join(v_codes),
            CASE WHEN cardinality(v_codes) = 1 THEN 'that module' ELSE 'those modules' END
                || ' first'));
    END IF;

    RETURN QUERY SELECT * FROM learning_line_v WHERE id = v_id;
    BEGIN
        DELETE FROM learning_line WHERE institution_id = v_line.institution_id AND id = v_id;
    EXCEPTION WHEN foreign_key_violation THEN
        GET STACKED DIAGNOSTICS v_table = TABLE_NAME;
        PERFORM triad_raise('TR409', format(
            'learning line %s is still in use (%s records refer to it); delete those first',
            v_line.code, replace(v_table, '_', ' ')));
    END;
    PERFORM triad_audit('learning_line.delete', 'learning_line', v_id, p_request_id);
END
$$;

-- ---- Learning outcomes ----

-- Creates a learning outcome in programme p_programme_id. TR409 when the
-- code is taken in the programme.
CREATE OR REPLACE FUNCTION triad_learning_outcome_create(p_programme_id text, p_code text,
        p_description text, p_credits numeric, p_request_id numeric)
    RETURNS SETOF learning_outcome_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_path constant text := 'create_learning_outcome.outcome';
    v_prog programme%ROWTYPE;
    v_id uuid;
BEGIN
    IF p_code IS NULL THEN
        PERFORM triad_raise('TR400', 'outcome is required', v_path);
    END IF;
    v_prog := triad_cat_programme(triad_cat_require_id(p_programme_id,
                                                       v_path || '.programme_id'));
    PERFORM triad_cat_check_code(p_code, v_path || '.code', 'LO1');
    PERFORM triad_cat_check_text(p_description, v_path || '.description', 2000);
    PERFORM triad_cat_check_credits(p_credits, v_path || '.credits');
    BEGIN
        INSERT INTO learning_outcome (institution_id, programme_id, code, description, credits)
        VALUES (v_prog.institution_id, v_prog.id, p_code, p_description, p_credits)
        RETURNING id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        PERFORM triad_raise('TRDUP', format(
            'a learning outcome with code %s already exists in %s', p_code,
            v_prog.code));
    END;
    PERFORM triad_audit('learning_outcome.create', 'learning_outcome', v_id, p_request_id);
    RETURN QUERY SELECT * FROM learning_outcome_v WHERE id = v_id;
END
$$;

-- Replaces the code, description and credits of learning outcome p_id.
-- An outcome stays in its programme: the request's programme_id is ignored.
CREATE OR REPLACE FUNCTION triad_learning_outcome_update(p_id text, p_code text, p_description text,
        p_credits numeric, p_request_id numeric)
    RETURNS SETOF learning_outcome_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_path constant text := 'update_learning_outcome.outcome';
    v_id uuid;
    v_prog_code text;
BEGIN
    IF p_id IS NULL THEN
        PERFORM triad_raise('TR400', 'outcome is required', v_path);
    END IF;
    v_id := triad_cat_require_id(p_id, v_path || '.id');
    PERFORM triad_cat_check_code(p_code, v_path || '.code', 'LO1');
    PERFORM triad_cat_check_text(p_description, v_path || '.description', 2000);
    PERFORM triad_cat_check_credits(p_credits, v_path || '.credits');
    SELECT p.code INTO v_prog_code
      FROM learning_outcome o
      JOIN programme p ON p.institution_id = o.institution_id AND p.id = o.programme_id
     WHERE o.institution_id = triad_tenant() AND o.id = v_id
       FOR UPDATE OF o;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'learning outcome not found');
    END IF;
    BEGIN
        UPDATE learning_outcome SET code = p_code, description = p_description,
                                    credits = p_credits
         WHERE institution_id = triad_tenant() AND id = v_id;
    EXCEPTION WHEN unique_violation THEN
        PERFORM triad_raise('TRDUP', format(
            'a learning outcome with code %s already exists in %s', p_code,
            v_prog_code));
    END;
    PERFORM triad_audit('learning_outcome.update', 'learning_outcome', v_id, p_request_id);
    RETURN QUERY SELECT * FROM learning_outcome_v WHERE id = v_id;
END
$$;

-- Deletes learning outcome p_id and returns it as it was. Refused (TR409)
-- while modules cover it or anything else (a claim) refers to it.
CREATE OR REPLACE FUNCTION triad_learning_outcome_delete(p_id text, p_request_id numeric)
    RETURNS SETOF learning_outcome_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid := triad_cat_require_id(p_id, 'delete_learning_outcome.id');
    v_out learning_outcome%ROWTYPE;
    v_codes text[];
    v_table text;
BEGIN
    SELECT * INTO v_out FROM learning_outcome
     WHERE institution_id = triad_tenant() AND id = v_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'learning outcome not found');
    END IF;
    SELECT array_agg(m.code ORDER BY m.code) INTO v_codes
      FROM module_outcome mo
      JOIN module m ON m.institution_id = mo.institution_id AND m.id = mo.module_id
     WHERE mo.institution_id = v_out.institution_id AND mo.outcome_id = v_id;
    IF v_codes IS NOT NULL THEN
        PERFORM triad_raise('TR409', format(
            'learning outcome %s is still covered by %s; take it off %s', v_out.code,
            CASE WHEN cardinality(v_codes) = 1 THEN 'module ' ELSE 'modules ' END
                || triad_cat_join(v_codes),
            CASE WHEN cardinality(v_codes) = 1 THEN 'that module' ELSE 'those modules' END
                || ' first'));
    END IF;

    RETURN QUERY SELECT * FROM learning_outcome_v WHERE id = v_id;
    BEGIN
        DELETE FROM learning_outcome WHERE institution_id = v_out.institution_id AND id = v_id;
    EXCEPTION WHEN foreign_key_violation THEN
        GET STACKED DIAGNOSTICS v_table = TABLE_NAME;
        PERFORM triad_raise('TR409', format(
            'learning outcome %s is still in use (%s records refer to it); delete those first',
            v_out.code, replace(v_table, '_', ' ')));
    END;
    PERFORM triad_audit('learning_outcome.delete', 'learning_outcome', v_id, p_request_id);
END
$$;

-- ---- Modules ----

CREATE OR REPLACE FUNCTION triad_cat_module_check(p_path text, p_name text, p_kind text, p_sequence int,
        p_credits numeric)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM triad_cat_check_text(p_name, p_path || '.name', 200);
    IF coalesce(p_kind, '') NOT IN ('core', 'elective', 'masterclass', 'internship', 'final') THEN
        PERFORM triad_raise('TR400',
            'kind is required: core, elective, masterclass, internship or final',
            p_path || '.kind');
    END IF;
    IF p_sequence NOT BETWEEN 1 AND 999 THEN
        PERFORM triad_raise('TR400', format(
            'sequence is the module''s place in the programme, 1 to 999, not %s', p_sequence),
            p_path || '.sequence');
    END IF;
    PERFORM triad_cat_check_credits(p_credits, p_path || '.credits');
END
$$;

-- Replaces the learning lines, outcomes (by code, in the module's
-- programme) and staff (by name) of module p_module. An unknown code is
-- TR400 on the field that carried it.
CREATE OR REPLACE FUNCTION triad_cat_module_links(p_module module, p_programme_code text, p_path text,
        p_line_codes text[], p_outcome_codes text[], p_staff text[])
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_missing text;
    v_staff text[] := triad_cat_names(p_staff, p_path || '.staff', 200, 50);
BEGIN
    SELECT c INTO v_missing FROM unnest(p_line_codes) AS c
     WHERE NOT EXISTS (SELECT 1 FROM learning_line l
                        WHERE l.institution_id = p_module.institution_id
                          AND l.programme_id = p_module.programme_id AND l.code = c)
     LIMIT 1;
    IF FOUND THEN
        PERFORM triad_raise('TR400', format(
            'there is no learning line ''%s'' in %s', left(v_missing, 40), p_programme_code),
            p_path || '.line_codes');
    END IF;
    SELECT c INTO v_missing FROM unnest(p_outcome_codes) AS c
     WHERE NOT EXISTS (SELECT 1 FROM learning_outcome o
                        WHERE o.institution_id = p_module.institution_id
                          AND o.programme_id = p_module.programme_id AND o.code = c)
     LIMIT 1;
    IF FOUND THEN
        PERFORM triad_raise('TR400', format(
            'there is no learning outcome ''%s'' in %s', left(v_missing, 40), p_programme_code),
            p_path || '.outcome_codes');
    END IF;

    DELETE FROM module_line
     WHERE institution_id = p_module.institution_id AND module_id = p_module.id;
    INSERT INTO module_line (institution_id, module_id, line_id)
    SELECT l.institution_id, p_module.id, l.id FROM learning_line l
     WHERE l.institution_id = p_module.institution_id
       AND l.programme_id = p_module.programme_id AND l.code = ANY (p_line_codes);

    DELETE FROM module_outcome
     WHERE institution_id = p_module.institution_id AND module_id = p_module.id;
    INSERT INTO module_outcome (institution_id, module_id, outcome_id)
    SELECT o.institution_id, p_module.id, o.id FROM learning_outcome o
     WHERE o.institution_id = p_module.institution_id
       AND o.programme_id = p_module.programme_id AND o.code = ANY (p_outcome_codes);

    DELETE FROM module_staff
     WHERE institution_id = p_module.institution_id AND module_id = p_module.id;
    INSERT INTO module_staff (institution_id, module_id, name)
    SELECT p_module.institution_id, p_module.id, s FROM unnest(v_staff) AS s;
END
$$;

-- Creates a module in programme p_programme_id with its lines, outcomes
-- and staff. A module that cannot be missed has mandatory attendance, so
-- cannot_be_missed sets attendance_mandatory too. Prerequisites are added
-- with triad_prerequisite_add(). TR409 when the code is taken in the
-- programme.
CREATE OR REPLACE FUNCTION triad_module_create(p_programme_id text, p_code text, p_name text,
        p_kind text, p_sequence int, p_credits numeric, p_attendance_mandatory bool,
        p_cannot_be_missed bool, p_line_codes text[], p_outcome_codes text[], p_staff text[],
        p_request_id numeric)
    RETURNS SETOF module_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_path constant text := 'create_module.module';
    v_prog programme%ROWTYPE;
    v_mod module%ROWTYPE;
BEGIN
    IF p_code IS NULL THEN
        PERFORM triad_raise('TR400', 'module is required', v_path);
    END IF;
    v_prog := triad_cat_programme(triad_cat_require_id(p_programme_id,
                                                       v_path || '.programme_id'));
    PERFORM triad_cat_check_code(p_code, v_path || '.code', 'M1');
    PERFORM triad_cat_module_check(v_path, p_name, p_kind, p_sequence, p_credits);
    BEGIN
        INSERT INTO module (institution_id, programme_id, code, name, kind, sequence, credits,
                            attendance_mandatory, cannot_be_missed)
        VALUES (v_prog.institution_id, v_prog.id, p_code, p_name, p_kind, p_sequence, p_credits,
                p_attendance_mandatory OR p_cannot_be_missed, p_cannot_be_missed)
        RETURNING * INTO v_mod;
    EXCEPTION WHEN unique_violation THEN
        PERFORM triad_raise('TRDUP', format(
            'a module with code %s already exists in %s', p_code, v_prog.code));
    END;
    PERFORM triad_cat_module_links(v_mod, v_prog.code, v_path, p_line_codes, p_outcome_codes,
                                   p_staff);
    PERFORM triad_audit('module.create', 'module', v_mod.id, p_request_id);
    RETURN QUERY SELECT * FROM module_v WHERE id = v_mod.id;
END
$$;

-- Replaces the code, name, kind, sequence, credits, attendance flags,
-- lines, outcomes and staff of module p_id. A module stays in its
-- programme (the request's programme_id is ignored) and keeps its
-- prerequisites (prerequisite_codes is ignored; use Add/RemovePrerequisite).
CREATE OR REPLACE FUNCTION triad_module_update(p_id text, p_code text, p_name text, p_kind text,
        p_sequence int, p_credits numeric, p_attendance_mandatory bool,
        p_cannot_be_missed bool, p_line_codes text[], p_outcome_codes text[], p_staff text[],
        p_request_id numeric)
    RETURNS SETOF module_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_path constant text := 'update_module.module';
    v_id uuid;
    v_mod module%ROWTYPE;
    v_prog_code text;
BEGIN
    IF p_id IS NULL THEN
        PERFORM triad_raise('TR400', 'module is required', v_path);
    END IF;
    v_id := triad_cat_require_id(p_id, v_path || '.id');
    PERFORM triad_cat_check_code(p_code, v_path || '.code', 'M1');
    PERFORM triad_cat_module_check(v_path, p_name, p_kind, p_sequence, p_credits);
    SELECT p.code INTO v_prog_code
      FROM module m
      JOIN programme p ON p.institution_id = m.institution_id AND p.id = m.programme_id
     WHERE m.institution_id = triad_tenant() AND m.id = v_id
       FOR UPDATE OF m;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'module not found');
    END IF;
    BEGIN
        UPDATE module
           SET code = p_code, name = p_name, kind = p_kind, sequence = p_sequence,
               credits = p_credits,
               attendance_mandatory = p_attendance_mandatory OR p_cannot_be_missed,
               cannot_be_missed = p_cannot_be_missed
         WHERE institution_id = triad_tenant() AND id = v_id
        RETURNING * INTO v_mod;
    EXCEPTION WHEN unique_violation THEN
        PERFORM triad_raise('TRDUP', format(
            'a module with code %s already exists in %s', p_code, v_prog_code));
    END;
    PERFORM triad_cat_module_links(v_mod, v_prog_code, v_path, p_line_codes, p_outcome_codes,
                                   p_staff);
    PERFORM triad_audit('module.update', 'module', v_id, p_request_id);
    RETURN QUERY SELECT * FROM module_v WHERE id = v_id;
END
$$;

-- Deletes module p_id with its lines, outcomes, staff and its own
-- prerequisites, and returns it as it was. Refused (TR409) while another
-- module requires it, or anything else (a run, an enrollment) refers to it.
CREATE OR REPLACE FUNCTION triad_module_delete(p_id text, p_request_id numeric)
    RETURNS SETOF module_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid := triad_cat_require_id(p_id, 'delete_module.id');
    v_mod module%ROWTYPE;
    v_codes text[];
    v_table text;
BEGIN
    SELECT * INTO v_mod FROM module WHERE institution_id = triad_tenant() AND id = v_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'module not found');
    END IF;
    SELECT array_agg(m.code ORDER BY m.code) INTO v_codes
      FROM module_prerequisite mp
      JOIN module m ON m.institution_id = mp.institution_id AND m.id = mp.module_id
     WHERE mp.institution_id = v_mod.institution_id AND mp.required_module_id = v_id;
    IF v_codes IS NOT NULL THEN
        PERFORM triad_raise('TR409', format(
            'module %s is a prerequisite of %s; remove %s', v_mod.code,
            triad_cat_join(v_codes),
            CASE WHEN cardinality(v_codes) = 1 THEN 'that prerequisite'
                 ELSE 'those prerequisites' END || ' first'));
    END IF;

    RETURN QUERY SELECT * FROM module_v WHERE id = v_id;
    BEGIN
        DELETE FROM module_prerequisite
         WHERE institution_id = v_mod.institution_id AND module_id = v_id;
        DELETE FROM module_line WHERE institution_id = v_mod.institution_id AND module_id = v_id;
        DELETE FROM module_outcome
         WHERE institution_id = v_mod.institution_id AND module_id = v_id;
        DELETE FROM module_staff WHERE institution_id = v_mod.institution_id AND module_id = v_id;
        DELETE FROM module WHERE institution_id = v_mod.institution_id AND id = v_id;
    EXCEPTION WHEN foreign_key_violation THEN
        GET STACKED DIAGNOSTICS v_table = TABLE_NAME;
        PERFORM triad_raise('TR409', format(
            'module %s is still in use (%s records refer to it); delete those first',
            v_mod.code, replace(v_table, '_', ' ')));
    END;
    PERFORM triad_audit('module.delete', 'module', v_id, p_request_id);
END
$$;

-- ---- Prerequisites ----

-- Makes module p_module_id require p_required_module_id first, and returns
-- the module. Both must be in one programme. Adding one that exists
-- changes nothing. Refused (TR409) when the required module already
-- requires the module, directly or not; the message names the cycle by
-- module codes, each requiring the next ("M3 -> M1 -> M2 -> M3").
--
-- The programme's row lock serialises prerequisite changes within a
-- programme: two additions at the same time could each be acyclic alone
-- and close a cycle together.
CREATE OR REPLACE FUNCTION triad_prerequisite_add(p_module_id text, p_required_module_id text,
        p_request_id numeric)
    RETURNS SETOF module_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_mod_id uuid := triad_cat_require_id(p_module_id, 'add_prerequisite.module_id');
    v_req_id uuid := triad_cat_require_id(p_required_module_id,
                                          'add_prerequisite.required_module_id');
    v_mod module%ROWTYPE;
    v_req module%ROWTYPE;
    v_path uuid[];
    v_codes text[];
BEGIN
    IF v_mod_id = v_req_id THEN
        PERFORM triad_raise('TR400',
                                  'a module cannot require itself',
                                  'add_prerequisite.required_module_id');
    END IF;
    SELECT * INTO v_mod FROM module WHERE institution_id = triad_tenant() AND id = v_mod_id;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'module not found');
    END IF;
    SELECT * INTO v_req FROM module WHERE institution_id = triad_tenant() AND id = v_req_id;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'required module not found');
    END IF;
    IF v_req.programme_id <> v_mod.programme_id THEN
        PERFORM triad_raise('TR400', format(
            'module %s is in another programme than %s; a prerequisite must be in the same '
            'programme', v_req.code, v_mod.code), 'add_prerequisite.required_module_id');
    END IF;

    PERFORM 1 FROM programme
     WHERE institution_id = v_mod.institution_id AND id = v_mod.programme_id
       FOR NO KEY UPDATE;
    IF NOT EXISTS (SELECT 1 FROM module_prerequisite
                    WHERE institution_id = v_mod.institution_id AND module_id = v_mod_id
                      AND required_module_id = v_req_id) THEN
        -- Breadth first from the required module along "requires"; one
        -- path per module per step keeps it polynomial in a dense graph.
        WITH RECURSIVE walk (id, path) AS (
            SELECT v_req_id, ARRAY[v_req_id]
          UNION ALL
            SELECT DISTINCT ON (mp.required_module_id)
                   mp.required_module_id, w.path || mp.required_module_id
              FROM walk w
              JOIN module_prerequisite mp
                ON mp.institution_id = v_mod.institution_id AND mp.module_id = w.id
             WHERE w.id <> v_mod_id AND NOT mp.required_module_id = ANY (w.path)
        )
        SELECT w.path INTO v_path FROM walk w
         WHERE w.id = v_mod_id ORDER BY cardinality(w.path) LIMIT 1;
        IF v_path IS NOT NULL THEN
            SELECT array_agg(m.code ORDER BY t.n) INTO v_codes
              FROM unnest(v_path) WITH ORDINALITY AS t(id, n)
              JOIN module m ON m.institution_id = v_mod.institution_id AND m.id = t.id;
            PERFORM triad_raise('TR409', format(
                'this would make a cycle: %s -> %s (each module requires the next)',
                v_mod.code, array_to_string(v_codes, ' -> ')));
        END IF;
        INSERT INTO module_prerequisite (institution_id, module_id, required_module_id)
        VALUES (v_mod.institution_id, v_mod_id, v_req_id);
        PERFORM triad_audit('module.prerequisite_add', 'module', v_mod_id, p_request_id);
    END IF;
    RETURN QUERY SELECT * FROM module_v WHERE id = v_mod_id;
END
$$;

-- Makes module p_module_id no longer require p_required_module_id, and
-- returns the module. TR404 when it did not.
CREATE OR REPLACE FUNCTION triad_prerequisite_remove(p_module_id text, p_required_module_id text,
        p_request_id numeric)
    RETURNS SETOF module_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_mod_id uuid := triad_cat_require_id(p_module_id, 'remove_prerequisite.module_id');
    v_req_id uuid := triad_cat_require_id(p_required_module_id,
                                          'remove_prerequisite.required_module_id');
    v_mod_code text;
    v_req_code text;
BEGIN
    SELECT code INTO v_mod_code FROM module
     WHERE institution_id = triad_tenant() AND id = v_mod_id;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'module not found');
    END IF;
    SELECT code INTO v_req_code FROM module
     WHERE institution_id = triad_tenant() AND id = v_req_id;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'required module not found');
    END IF;
    DELETE FROM module_prerequisite
     WHERE institution_id = triad_tenant() AND module_id = v_mod_id
       AND required_module_id = v_req_id;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', format(
            'module %s does not require %s', v_mod_code, v_req_code));
    END IF;
    PERFORM triad_audit('module.prerequisite_remove', 'module', v_mod_id, p_request_id);
    RETURN QUERY SELECT * FROM module_v WHERE id = v_mod_id;
END
$$;
