-- Demo data, part 7: Metropool's internship and intervision (seed 004),
-- through the functions of 0015_internship.
--
-- Bram Jansen (Gemeente Amsterdam) does his internship outside his comfort
-- zone at Gemeente Utrecht, supervised there by Pieter Stagebaas (invented).
-- So that the walk through the client works on any day, the four weeks lie
-- around the day the demo is loaded rather than in the module's run: two
-- weeks have passed. His motivation and research question are approved; he
-- logged the working days so far; his supervisor verified most of them,
-- rejected one (the office was closed) and has the last two still to do;
-- today's hours are a draft. The programme's minimum is 160 verified hours.
--
-- Intervision: the first five of the group meet as "Intervisie 1" in module
-- 1, led by Anne de Vries; Bram brought a case to the first session, which
-- only the group and Anne read.
--
-- The supervisor has no sign-in yet: staff create his invite with
-- `triad --institution nsob invite create pieter.stagebaas@utrecht.example
-- --role workplace-coach` (a placement made through the client answers with
-- one). Loaded by the quick start as the schema owner, in one transaction;
-- safe to load twice.

INSERT INTO person (name, email) VALUES ('Pieter Stagebaas', 'pieter.stagebaas@utrecht.example')
ON CONFLICT ((lower(email))) DO NOTHING;

DO $$
DECLARE
    v_inst uuid := (SELECT id FROM institution WHERE slug = 'nsob');
    v_prog uuid;
    v_bram uuid := (SELECT id FROM person WHERE email = 'bram.jansen@amsterdam.example');
    v_sup uuid := (SELECT id FROM person WHERE email = 'pieter.stagebaas@utrecht.example');
    v_anne uuid := (SELECT id FROM person WHERE email = 'anne.devries@nsob.example');
    v_enrollment uuid;
    v_cohort uuid;
    v_run uuid;
    v_group uuid;
    v_session uuid;
    v_day date;
    v_n integer := 0;
    r record;
BEGIN
    PERFORM set_config('triad.institution_id', v_inst::text, true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = v_inst AND code = 'METROPOOL';
    SELECT id INTO v_cohort FROM cohort WHERE programme_id = v_prog AND name = 'Metropool 24';
    SELECT e.id INTO v_enrollment FROM enrollment e
     WHERE e.cohort_id = v_cohort AND e.person_id = v_bram AND e.status <> 'withdrawn';
    IF v_enrollment IS NULL OR EXISTS (SELECT 1 FROM placement WHERE enrollment_id = v_enrollment) THEN
        RETURN;
    END IF;

    -- Staff (Anne, who runs the programme): the minimum and the placement.
    PERFORM set_config('triad.principal_id',
                       (SELECT id::text FROM principal WHERE person_id = v_anne), true);
    PERFORM set_config('triad.staff', 'true', true);
    PERFORM triad_internship_minimum_set(v_prog, 160, 0);
    PERFORM triad_placement_create(v_enrollment,
                                   (SELECT id FROM organisation WHERE name = 'Gemeente Utrecht'),
                                   v_sup, (current_date - 14)::text, (current_date + 13)::text, 0);

    -- Bram: his plan, and the hours of the working days so far.
    PERFORM set_config('triad.principal_id', '', true);
    PERFORM set_config('triad.staff', 'false', true);
    PERFORM set_config('triad.person_id', v_bram::text, true);
    PERFORM triad_placement_plan_write(
        'Ik werk al tien jaar in het ruimtelijk domein van Amsterdam. In Utrecht wil ik leren '
        'hoe een middelgrote stad het sociaal domein organiseert, en hoe ik me staande houd '
        'in een organisatie waar ik niemand ken.',
        'Hoe betrekt Gemeente Utrecht bewoners bij de wijkaanpak, en wat kan Amsterdam daarvan '
        'leren?', v_bram::text, 0);
    FOR v_day IN SELECT d::date FROM generate_series(current_date - 14, current_date - 1,
                                                      interval '1 day') d
                  WHERE extract(isodow FROM d) < 6 LOOP
        v_n := v_n + 1;
        PERFORM triad_hours_log(v_day::text, CASE WHEN v_n % 4 = 0 THEN 6 ELSE 8 END,
                                (ARRAY['Kennismaking met het wijkteam en de opdracht',
                                       'Interviews met bewoners in Overvecht',
                                       'Overleg met de afdeling Maatschappelijke Ontwikkeling',
                                       'Analyse van de wijkaanpak-evaluaties',
                                       'Meelopen met een wijkregisseur'])[1 + v_n % 5],
                                v_bram::text, 0);
    END LOOP;
    PERFORM triad_hours_submit('{}', v_bram::text, 0);
    IF extract(isodow FROM current_date) < 6 THEN
        PERFORM triad_hours_log(current_date::text, 4, 'Verslag van de eerste twee weken',
                                v_bram::text, 0);
    END IF;

    -- Anne approves the plan.
    PERFORM set_config('triad.principal_id',
                       (SELECT id::text FROM principal WHERE person_id = v_anne), true);
    PERFORM set_config('triad.person_id', v_anne::text, true);
    PERFORM set_config('triad.staff', 'true', true);
    PERFORM triad_placement_plan_decide((SELECT id FROM placement WHERE enrollment_id = v_enrollment),
                                        true, 'Een scherpe vraag; succes in Utrecht.', 0);

    -- Pieter: all but the last two verified; one day rejected.
    PERFORM set_config('triad.principal_id', '', true);
    PERFORM set_config('triad.staff', 'false', true);
    PERFORM set_config('triad.person_id', v_sup::text, true);
    v_n := 0;
    FOR r IN SELECT h.day, row_number() OVER (ORDER BY h.day DESC) AS from_end
               FROM hours_entry h
              WHERE h.placement_id = (SELECT id FROM placement WHERE enrollment_id = v_enrollment)
                AND h.status = 'submitted'
              ORDER BY h.day LOOP
        v_n := v_n + 1;
        CONTINUE WHEN r.from_end <= 2;
        IF v_n = 3 THEN
            PERFORM triad_hours_decide('bram.jansen@amsterdam.example', r.day::text, false,
                                       'Op deze dag was het stadskantoor gesloten (studiedag); '
                                       'graag corrigeren', v_sup::text, 0);
        ELSE
            PERFORM triad_hours_decide('bram.jansen@amsterdam.example', r.day::text, true, '',
                                       v_sup::text, 0);
        END IF;
    END LOOP;

    -- Intervision in module 1: the first five of the group, led by Anne.
    PERFORM set_config('triad.principal_id',
                       (SELECT id::text FROM principal WHERE person_id = v_anne), true);
    PERFORM set_config('triad.person_id', v_anne::text, true);
    PERFORM set_config('triad.staff', 'true', true);
    SELECT r2.id INTO v_run FROM module_run r2 JOIN module m ON m.id = r2.module_id
     WHERE r2.cohort_id = v_cohort AND m.code = 'M1';
    SELECT id INTO v_group FROM triad_subgroup_create(v_run, 'Intervisie 1', 'intervision', 0);
    FOR r IN SELECT e.id FROM enrollment e
              WHERE e.cohort_id = v_cohort AND e.placement = 'placed' AND e.status <> 'withdrawn'
              ORDER BY e.arrival LIMIT 5 LOOP
        PERFORM triad_subgroup_member_add(v_group, r.id, 0);
    END LOOP;
    SELECT id INTO v_session
      FROM triad_intervision_session_create(v_group::text, '2026-11-16T13:00:00+01:00', v_anne,
                                            true, 0);
    PERFORM triad_intervision_session_create(v_group::text, '2027-02-15T13:00:00+01:00', v_anne,
                                             true, 0);
    FOR r IN SELECT pe.email, CASE WHEN row_number() OVER (ORDER BY e.arrival) = 4
                                   THEN 'excused' ELSE 'present' END AS status
               FROM subgroup_member sm
               JOIN enrollment e ON e.id = sm.enrollment_id
               JOIN person pe ON pe.id = e.person_id
              WHERE sm.subgroup_id = v_group LOOP
        PERFORM triad_intervision_attendance_record(v_session::text, r.email, r.status, 0);
    END LOOP;
    PERFORM set_config('triad.principal_id', '', true);
    PERFORM set_config('triad.staff', 'false', true);
    PERFORM set_config('triad.person_id', v_bram::text, true);
    PERFORM triad_intervision_case_bring(v_session::text, 'Een wethouder die afhaakt',
        'Mijn wethouder wil de wijkaanpak stoppen nu de eerste resultaten tegenvallen. Het team '
        'heeft er twee jaar in gestoken. Hoe houd ik het team bij elkaar en de wethouder aan '
        'boord?', v_bram::text, 0);
    PERFORM set_config('triad.person_id', '', true);
    PERFORM set_config('triad.principal_id', '', true);
END
$$;
