-- report.sql: the return ('rendement') of a programme (seed 003), as the
-- figures of ReportReturn (proto/triad/v1/report.proto). What each figure
-- means is written next to its key in docs/return.md; this file is that
-- text in SQL.
--
-- Plain reads in one transaction: no row or table locks, so enrolling,
-- giving feedback and the rest go on while a report is computed (MVCC).
-- Functions and views run as the caller: row-level security keeps it in
-- the institution, and the caller's standing (staff, the organisation it
-- speaks for) decides which figures it gets.

-- The figures the report knows, in their order: section, key, label and
-- unit, and whether a figure counts persons (and so is suppressed for a
-- group smaller than the minimum). A new figure, or a new section (the
-- assessment figures: outcomes by assessment against validation,
-- first-time pass rates, certificates), is a row here and a branch of
-- triad_report_return_figures() below.
CREATE OR REPLACE FUNCTION triad_report_figure_defs()
    RETURNS TABLE (section text, section_ord integer, figure text, figure_ord integer,
                   label text, unit text, about_persons boolean)
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT v.section,
           array_position(ARRAY['participants', 'attendance', 'workplace', 'communities',
                                'assessment'], v.section),
           v.figure, v.ord::int, v.label, v.unit, v.persons
      FROM (VALUES
        ('participants', 'enrolled', 1, 'Enrolled', 'persons', true),
        ('participants', 'admitted', 2, 'Admitted', 'persons', true),
        ('participants', 'active', 3, 'Active', 'persons', true),
        ('participants', 'completed', 4, 'Completed', 'persons', true),
        ('participants', 'withdrawn', 5, 'Withdrawn', 'persons', true),
        ('participants', 'median_months_to_completion', 6,
         'Median time to completion (months) against nominal', 'months', true),
        ('participants', 'months_saved_by_prior_learning', 7,
         'Months saved by validated prior learning', 'months', true),
        ('participants', 'participants_with_validation', 8,
         'Participants with validated prior learning', 'persons', true),
        ('participants', 'credits_by_modules', 9, 'Credits earned by modules', 'credits', true),
        ('participants', 'credits_by_validation', 10, 'Credits from validation', 'credits',
         true),
        ('attendance', 'attendance_rate', 1, 'Attendance rate', 'rate', true),
        ('attendance', 'blocks_open', 2, 'Blocked by a missed cannot-be-missed session, open',
         'persons', true),
        ('attendance', 'blocks_resolved', 3,
         'Blocked by a missed cannot-be-missed session, resolved', 'persons', true),
        ('workplace', 'hours_committed', 1, 'Hours a week committed in agreements',
         'hours_per_week', false),
        ('workplace', 'hours_recorded', 2, 'Hours a week recorded with enrollments',
         'hours_per_week', true),
        ('workplace', 'internship_hours_verified', 3, 'Internship hours verified', 'hours',
         true),
        ('workplace', 'coaching_relations_per_participant', 4,
         'Coaching relations per participant', 'per_participant', true),
        ('workplace', 'feedback_per_participant_month', 5,
         'Feedback per participant per month', 'per_participant_month', true),
        ('workplace', 'feedback_by_month', 6, 'Feedback given', 'count', true),
        ('workplace', 'requests_on_time', 7, 'Feedback requests answered on time', 'rate',
         true),
        ('workplace', 'consent_level', 8, 'Consent level granted to the employer', 'persons',
         true),
        ('communities', 'practice_questions', 1, 'Practice questions', 'count', false),
        ('communities', 'practice_questions_delivered', 2,
         'Practice questions delivered (delivered or evaluated)', 'count', false),
        ('communities', 'products_delivered', 3, 'Products delivered', 'count', false),
        ('communities', 'products_evaluated', 4, 'Products with the organisation''s feedback',
         'count', false),
        ('communities', 'event_attendance', 5, 'Event attendance (present of registered)',
         'persons', true),
        ('communities', 'alumni', 6, 'Alumni', 'persons', true),
        ('communities', 'alumni_coaching', 7, 'Alumni who coach', 'persons', true),
        ('communities', 'alumni_presenting', 8, 'Alumni who present', 'persons', true),
        ('communities', 'alumni_ambassadors', 9, 'Alumni who are ambassadors', 'persons', true),
        ('assessment', 'outcomes_by_assessment', 1,
         'Learning outcomes achieved by assessment', 'count', true),
        ('assessment', 'outcomes_by_validation', 2,
         'Learning outcomes achieved by validated prior learning only', 'count', true),
        ('assessment', 'first_time_pass_rate', 3, 'Passed at the first released result', 'rate',
         true),
        ('assessment', 'certificates_issued', 4, 'Certificates issued (not revoked)', 'persons',
         true)
      ) AS v (section, figure, ord, label, unit, persons)
$$;

-- Months between two dates, as a fraction (a month is 365.25 / 12 days).
CREATE OR REPLACE FUNCTION triad_report_months(p_from date, p_to date) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT round(greatest(p_to - p_from, 0) / 30.4375, 2) $$;

-- The raw figures of programme p_programme (only cohort p_cohort when not
-- NULL), before suppression: one row per figure and group. org_id is the
-- organisation a row of an employer belongs to. group_size is how many
-- persons the figure is computed over.
CREATE OR REPLACE FUNCTION triad_report_return_figures(p_programme uuid, p_cohort uuid)
    RETURNS TABLE (figure text, group_kind text, grp text, grp_sort text, value numeric,
                   compare numeric, group_size integer, note text, org_id uuid)
    LANGUAGE sql STABLE
    -- One query over the whole programme: compiling it (JIT) costs more than
    -- running it, and its aggregates need memory rather than temporary files.
    SET jit = off
    SET work_mem = '64MB'
    AS $$
WITH
prog AS (
    SELECT p.id, p.code, p.ects, p.duration_months FROM programme p WHERE p.id = p_programme),
coh AS (
    SELECT c.id, c.name, c.starts_on, c.ends_on FROM cohort c
     WHERE c.programme_id = p_programme AND (p_cohort IS NULL OR c.id = p_cohort)),
-- The programme's enrollments (whole programme, not standalone), with the
-- employer's consent.
enr AS MATERIALIZED (
    SELECT e.id, e.person_id, e.status, e.cohort_id, coh.name AS cohort_name, coh.starts_on,
           coh.ends_on, e.employer_id, e.hours_per_week, e.blocked_reason, e.block_resolution,
           (e.updated_at AT TIME ZONE 'UTC')::date AS changed_on,
           coalesce(cs.level, 'none') AS consent_level
      FROM enrollment e
      JOIN coh ON coh.id = e.cohort_id AND e.institution_id = triad_tenant()
      LEFT JOIN consent cs ON cs.institution_id = e.institution_id AND cs.enrollment_id = e.id
                          AND cs.organisation_id = e.employer_id
     WHERE e.track = 'programme'),
-- Each enrollment in each group it counts in: the programme, its cohort
-- (when the report is not about one cohort), its employer when it
-- consented.
grp AS MATERIALIZED (
    SELECT e.id AS enrollment_id, 'programme' AS kind, (SELECT code FROM prog) AS name,
           NULL::uuid AS org_id
      FROM enr e
    UNION ALL
    SELECT e.id, 'cohort', e.cohort_name, NULL FROM enr e WHERE p_cohort IS NULL
    UNION ALL
    SELECT e.id, 'employer', o.name, o.id
      FROM enr e JOIN organisation o ON o.id = e.employer_id
     WHERE e.consent_level IN ('progress', 'full')),
-- The groups themselves, also when empty of consenting participants: an
-- employer with a current agreement is one.
groups AS (
    SELECT DISTINCT g.kind, g.name, g.org_id FROM grp g
    UNION
    SELECT 'programme', (SELECT code FROM prog), NULL::uuid
    UNION
    SELECT 'cohort', c.name, NULL FROM coh c WHERE p_cohort IS NULL
    UNION
    SELECT 'employer', o.name, o.id
      FROM agreement a JOIN organisation o ON o.id = a.organisation_id
     WHERE a.institution_id = triad_tenant() AND a.starts_on <= current_date
       AND (a.ends_on IS NULL OR a.ends_on >= current_date)),
-- Feedback per enrollment and month: the one part of the report that grows
-- with the feedback (a million pieces for a programme of 10,000). It is
-- counted as it is given (feedback_month, migration 0023), so this reads
-- some ten rows per participant, once per enrollment here and once per
-- month below.
fb AS (
    SELECT fm.enrollment_id, sum(fm.n) AS n
      FROM feedback_month fm JOIN enr e ON e.id = fm.enrollment_id
     WHERE fm.institution_id = triad_tenant()
     GROUP BY 1),
-- What each enrollment brought: credits by modules and by validation,
-- relations, verified internship hours; each read in one pass and joined
-- (a look-up per enrollment costs more at 10,000 of them).
mc AS (
    SELECT mc.enrollment_id, sum(m.credits) AS credits
      FROM module_completion mc
      JOIN module m ON m.institution_id = mc.institution_id AND m.id = mc.module_id
     WHERE mc.institution_id = triad_tenant() AND m.programme_id = p_programme
     GROUP BY 1),
val AS (
    SELECT c.person_id, sum(o.credits) AS credits
      FROM prior_learning_claim c
      JOIN learning_outcome o ON o.institution_id = c.institution_id AND o.id = c.outcome_id
     WHERE c.institution_id = triad_tenant() AND c.status = 'validated'
       AND o.programme_id = p_programme
     GROUP BY 1),
rel AS (
    SELECT r.enrollment_id, count(*) AS n
      FROM coaching_relation r JOIN enr e ON e.id = r.enrollment_id
     WHERE r.institution_id = triad_tenant() AND r.status IN ('active', 'ended')
     GROUP BY 1),
hrs AS (
    SELECT pl.enrollment_id, sum(h.hours) FILTER (WHERE h.status = 'verified') AS hours
      FROM placement pl JOIN enr e ON e.id = pl.enrollment_id
      LEFT JOIN hours_entry h ON h.institution_id = pl.institution_id AND h.placement_id = pl.id
     WHERE pl.institution_id = triad_tenant()
     GROUP BY 1),
-- The released assessments of the programme's enrollments: one pass over
-- assessment and assignment_instance for the figures below.
asr AS MATERIALIZED (
    SELECT e.person_id, i.enrollment_id, i.assignment_id, x.id AS assessment_id,
           x.instance_id, x.passed, x.released_at
      FROM assessment x
      JOIN assignment_instance i ON i.institution_id = x.institution_id AND i.id = x.instance_id
      JOIN enr e ON e.id = i.enrollment_id
     WHERE x.institution_id = triad_tenant() AND x.status = 'released'),
-- The programme's learning outcomes each participant achieved, by a
-- released passing result of an assessment (as her transcript counts
-- them) or else by validated prior learning.
outc AS (
    SELECT y.person_id, count(*) FILTER (WHERE y.assessed) AS by_assessment,
           count(*) FILTER (WHERE NOT y.assessed) AS by_validation
      FROM (SELECT x.person_id, x.outcome_id, bool_or(x.assessed) AS assessed
              FROM (SELECT a.person_id, r.outcome_id, true AS assessed
                      FROM assessment_result r
                      JOIN asr a ON a.assessment_id = r.assessment_id
                      JOIN learning_outcome o ON o.institution_id = r.institution_id
                                             AND o.id = r.outcome_id
                     WHERE r.institution_id = triad_tenant() AND o.programme_id = p_programme
                       AND r.passed
                    UNION ALL
                    SELECT c.person_id, c.outcome_id, false
                      FROM prior_learning_claim c
                      JOIN learning_outcome o ON o.institution_id = c.institution_id
                                             AND o.id = c.outcome_id
                     WHERE c.institution_id = triad_tenant() AND c.status = 'validated'
                       AND o.programme_id = p_programme) x
             GROUP BY 1, 2) y
     GROUP BY 1),
-- Each result's first correction, with whether the result it replaced
-- passed; and each corrected assessment as it was released.
corr AS (
    SELECT DISTINCT ON (k.assessment_id, k.outcome_id) k.assessment_id, k.outcome_id,
           triad_result_passes(st.s, k.previous) AS passed
      FROM assessment_correction k
     CROSS JOIN (SELECT triad_assessment_setting(p_programme) AS s OFFSET 0) st
     WHERE k.institution_id = triad_tenant()
     ORDER BY k.assessment_id, k.outcome_id, k.corrected_at, k.id),
orig AS (
    SELECT r.assessment_id, bool_and(coalesce(c.passed, r.passed)) AS passed
      FROM assessment_result r
      JOIN (SELECT DISTINCT assessment_id FROM corr) ca ON ca.assessment_id = r.assessment_id
      LEFT JOIN corr c ON c.assessment_id = r.assessment_id AND c.outcome_id = r.outcome_id
     WHERE r.institution_id = triad_tenant()
     GROUP BY 1),
-- Each assignment of an enrollment with a released result, and whether
-- its first released result passed: every assessment released first (the
-- two of four eyes are released together) passed as it was released, that
-- is with each corrected result taken as it was before its first
-- correction.
first AS MATERIALIZED (
    SELECT y.enrollment_id, y.assignment_id, bool_and(y.passed) AS passed
      FROM (SELECT a.enrollment_id, a.assignment_id, a.released_at,
                   min(a.released_at) OVER (PARTITION BY a.instance_id) AS first_at,
                   coalesce(o.passed, a.passed) AS passed
              FROM asr a LEFT JOIN orig o ON o.assessment_id = a.assessment_id) y
     WHERE y.released_at = y.first_at
     GROUP BY 1, 2),
ftp AS (
    SELECT f.enrollment_id, count(*) AS assessed, count(*) FILTER (WHERE f.passed) AS passed
      FROM first f GROUP BY 1),
-- Enrollments with a certificate that is not revoked.
cert AS (
    SELECT DISTINCT ct.enrollment_id FROM certificate ct JOIN enr e ON e.id = ct.enrollment_id
     WHERE ct.institution_id = triad_tenant() AND ct.revoked_at IS NULL),
pe AS MATERIALIZED (
    SELECT e.id, e.status,
           e.status IN ('admitted', 'active', 'completed') AS started,
           CASE WHEN e.status = 'completed' THEN triad_report_months(e.starts_on, e.changed_on)
                END AS months_to_completion,
           coalesce(mc.credits, 0) AS credits_modules,
           coalesce(val.credits, 0) AS credits_validated,
           coalesce(rel.n, 0) AS relations,
           coalesce(fb.n, 0) AS feedback,
           CASE WHEN e.status IN ('admitted', 'active', 'completed', 'withdrawn')
                THEN triad_report_months(e.starts_on,
                                         least(current_date, e.ends_on,
                                               CASE WHEN e.status IN ('completed', 'withdrawn')
                                                    THEN e.changed_on END))
                ELSE 0 END AS participant_months,
           hrs.hours AS hours_verified,
           hrs.enrollment_id IS NOT NULL AS placed,
           e.hours_per_week, e.blocked_reason IS NOT NULL AS blocked,
           e.blocked_reason IS NULL AND e.block_resolution IS NOT NULL AS block_resolved,
           e.employer_id IS NOT NULL AS employed, e.consent_level,
           coalesce(outc.by_assessment, 0) AS outcomes_assessed,
           coalesce(outc.by_validation, 0) AS outcomes_validated,
           coalesce(ftp.assessed, 0) AS first_assessed, coalesce(ftp.passed, 0) AS first_passed,
           cert.enrollment_id IS NOT NULL AS certified
      FROM enr e
      LEFT JOIN fb ON fb.enrollment_id = e.id
      LEFT JOIN mc ON mc.enrollment_id = e.id
      LEFT JOIN val ON val.person_id = e.person_id
      LEFT JOIN rel ON rel.enrollment_id = e.id
      LEFT JOIN hrs ON hrs.enrollment_id = e.id
      LEFT JOIN outc ON outc.person_id = e.person_id
      LEFT JOIN ftp ON ftp.enrollment_id = e.id
      LEFT JOIN cert ON cert.enrollment_id = e.id),
-- Requests with a due date that are answered or overdue, per enrollment.
req AS (
    SELECT r.enrollment_id, count(*) AS due,
           count(*) FILTER (WHERE q.answered_at IS NOT NULL
                              AND (q.answered_at AT TIME ZONE 'UTC')::date <= q.due_on)
               AS on_time
      FROM feedback_request q
      JOIN coaching_relation r ON r.institution_id = q.institution_id AND r.id = q.relation_id
      JOIN enr e ON e.id = r.enrollment_id
     WHERE q.institution_id = triad_tenant() AND q.due_on IS NOT NULL
       AND (q.answered_at IS NOT NULL OR q.due_on < current_date)
     GROUP BY r.enrollment_id),
-- The median time to completion per group, over the completed only: apart
-- from agg, whose other figures then need no sort of every row.
med AS (
    SELECT g.kind, g.name, g.org_id,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY pe.months_to_completion)
               AS median_months
      FROM grp g JOIN pe ON pe.id = g.enrollment_id
     WHERE pe.months_to_completion IS NOT NULL
     GROUP BY g.kind, g.name, g.org_id),
-- The figures of each group over its enrollments.
agg AS (
    SELECT gs.kind, gs.name, gs.org_id,
           count(pe.id) AS enrolled,
           count(pe.id) FILTER (WHERE pe.started) AS admitted,
           count(pe.id) FILTER (WHERE pe.status = 'active') AS active,
           count(pe.id) FILTER (WHERE pe.status = 'completed') AS completed,
           count(pe.id) FILTER (WHERE pe.status = 'withdrawn') AS withdrawn,
           (SELECT m.median_months FROM med m
             WHERE m.kind = gs.kind AND m.name = gs.name
               AND m.org_id IS NOT DISTINCT FROM gs.org_id) AS median_months,
           sum(pe.credits_validated) AS credits_validated,
           count(pe.id) FILTER (WHERE pe.credits_validated > 0) AS validated_persons,
           sum(pe.credits_modules) AS credits_modules,
           sum(pe.relations) FILTER (WHERE pe.started) AS relations,
           sum(pe.feedback) AS feedback,
           sum(pe.participant_months) AS participant_months,
           sum(pe.hours_verified) AS hours_verified,
           count(pe.id) FILTER (WHERE pe.placed) AS placed,
           sum(pe.hours_per_week) FILTER (WHERE pe.status IN ('admitted', 'active'))
               AS hours_recorded,
           count(pe.id) FILTER (WHERE pe.status IN ('admitted', 'active')) AS current,
           count(pe.id) FILTER (WHERE pe.blocked) AS blocked,
           count(pe.id) FILTER (WHERE pe.block_resolved) AS block_resolved,
           sum(req.due) AS req_due, sum(req.on_time) AS req_on_time,
           count(req.enrollment_id) AS req_persons,
           sum(pe.outcomes_assessed) AS outcomes_assessed,
           sum(pe.outcomes_validated) AS outcomes_validated,
           sum(pe.first_assessed) AS first_assessed, sum(pe.first_passed) AS first_passed,
           count(pe.id) FILTER (WHERE pe.first_assessed > 0) AS first_persons,
           count(pe.id) FILTER (WHERE pe.certified) AS certified
      FROM groups gs
      LEFT JOIN grp g ON g.kind = gs.kind AND g.name = gs.name
                     AND g.org_id IS NOT DISTINCT FROM gs.org_id
      LEFT JOIN pe ON pe.id = g.enrollment_id
      LEFT JOIN req ON req.enrollment_id = pe.id
     GROUP BY gs.kind, gs.name, gs.org_id),
-- Hours a week committed in current agreements, per organisation.
committed AS (
    SELECT a.organisation_id, sum(a.hours_per_week) AS hours
      FROM agreement a
     WHERE a.institution_id = triad_tenant() AND a.starts_on <= current_date
       AND (a.ends_on IS NULL OR a.ends_on >= current_date)
     GROUP BY a.organisation_id),
-- The communities of the programme: of its cohorts, or where its
-- participants are members or work on a practice question.
pcomm AS (
    SELECT cm.id FROM community cm JOIN coh ON coh.id = cm.cohort_id
     WHERE cm.institution_id = triad_tenant()
    UNION
    SELECT m.community_id FROM community_member m
     WHERE m.institution_id = triad_tenant() AND m.person_id IN (SELECT person_id FROM enr)
    UNION
    SELECT q.community_id FROM question_person qp
      JOIN practice_question q ON q.institution_id = qp.institution_id AND q.id = qp.question_id
     WHERE qp.institution_id = triad_tenant() AND qp.enrollment_id IN (SELECT id FROM enr)),
pq AS (
    SELECT q.id, q.status, q.organisation_id,
           (SELECT count(*) FROM product d
             WHERE d.institution_id = q.institution_id AND d.question_id = q.id) AS products,
           (SELECT count(*) FROM product d
             WHERE d.institution_id = q.institution_id AND d.question_id = q.id
               AND d.feedback_at IS NOT NULL) AS evaluated
      FROM practice_question q
     WHERE q.institution_id = triad_tenant() AND q.community_id IN (SELECT id FROM pcomm)),
-- Registrations for the events of the programme and its communities.
ev AS (
    SELECT v.kind, r.person_id, r.attendance
      FROM event v
      JOIN event_registration r ON r.institution_id = v.institution_id AND r.event_id = v.id
     WHERE v.institution_id = triad_tenant()
       AND (v.programme_id = p_programme OR v.community_id IN (SELECT id FROM pcomm))
       AND r.status = 'registered' AND r.placement = 'placed'),
alumni AS (
    SELECT DISTINCT e.person_id FROM enr e WHERE e.status = 'completed'),
alum AS (
    SELECT a.person_id,
           EXISTS (SELECT 1 FROM coaching_relation r
                    WHERE r.institution_id = triad_tenant() AND r.coach_person_id = a.person_id
                      AND r.kind = 'alumni_coach' AND r.status IN ('active', 'ended'))
               AS coaching,
           EXISTS (SELECT 1 FROM event v
                    WHERE v.institution_id = triad_tenant()
                      AND v.presenter_person_id = a.person_id
                      AND v.kind = 'alumni_presentation') AS presenting,
           EXISTS (SELECT 1 FROM ambassador x
                    WHERE x.institution_id = triad_tenant() AND x.person_id = a.person_id
                      AND x.programme_id = p_programme AND x.basis = 'alumnus'
                      AND x.starts_on <= current_date
                      AND (x.ends_on IS NULL OR x.ends_on >= current_date)) AS ambassador
      FROM alumni a)
-- ---- participants ----
SELECT f.figure, a.kind, a.name, a.name, f.v, f.c, f.n::int, f.note, a.org_id
  FROM agg a
 CROSS JOIN LATERAL (VALUES
     ('enrolled', a.enrolled::numeric, 0::numeric, a.enrolled, ''),
     ('admitted', a.admitted, a.enrolled, a.enrolled, ''),
     ('active', a.active, a.enrolled, a.enrolled, ''),
     ('completed', a.completed, a.enrolled, a.enrolled, ''),
     ('withdrawn', a.withdrawn, a.enrolled, a.enrolled, ''),
     ('median_months_to_completion', round(coalesce(a.median_months, 0)::numeric, 1),
      (SELECT duration_months FROM prog), a.completed,
      CASE WHEN a.completed = 0 THEN 'no one has completed yet' ELSE '' END),
     ('months_saved_by_prior_learning',
      round(coalesce(a.credits_validated, 0) / nullif((SELECT ects FROM prog), 0)
            * (SELECT duration_months FROM prog), 1),
      a.validated_persons, a.enrolled, ''),
     ('participants_with_validation', a.validated_persons, a.enrolled, a.enrolled, ''),
     ('credits_by_modules', coalesce(a.credits_modules, 0), coalesce(a.credits_validated, 0),
      a.enrolled, ''),
     ('credits_by_validation', coalesce(a.credits_validated, 0), coalesce(a.credits_modules, 0),
      a.enrolled, ''),
     ('blocks_open', a.blocked, a.admitted, a.enrolled, ''),
     ('blocks_resolved', a.block_resolved, a.admitted, a.enrolled, ''),
     ('hours_recorded', coalesce(a.hours_recorded, 0),
      coalesce((SELECT hours FROM committed c WHERE c.organisation_id = a.org_id), 0),
      a.current, ''),
     ('internship_hours_verified', coalesce(a.hours_verified, 0), a.placed, a.placed,
      CASE WHEN a.placed = 0 THEN 'no internship placements' ELSE '' END),
     ('coaching_relations_per_participant',
      round(coalesce(a.relations, 0)::numeric / nullif(a.admitted, 0), 2), a.relations,
      a.admitted, ''),
     ('feedback_per_participant_month',
      coalesce(round(a.feedback / nullif(a.participant_months, 0), 2), 0), a.feedback,
      a.admitted,
      CASE WHEN coalesce(a.participant_months, 0) = 0 THEN 'no participant months yet'
           ELSE '' END),
     ('requests_on_time', coalesce(round(a.req_on_time / nullif(a.req_due, 0), 3), 0),
      coalesce(a.req_due, 0), a.req_persons,
      CASE WHEN coalesce(a.req_due, 0) = 0 THEN 'no requests due yet' ELSE '' END),
     ('outcomes_by_assessment', coalesce(a.outcomes_assessed, 0),
      coalesce(a.outcomes_validated, 0), a.enrolled, ''),
     ('outcomes_by_validation', coalesce(a.outcomes_validated, 0),
      coalesce(a.outcomes_assessed, 0), a.enrolled, ''),
     ('first_time_pass_rate',
      coalesce(round(a.first_passed::numeric / nullif(a.first_assessed, 0), 3), 0),
      coalesce(a.first_assessed, 0), a.first_persons,
      CASE WHEN coalesce(a.first_assessed, 0) = 0 THEN 'no results released yet' ELSE '' END),
     ('certificates_issued', a.certified, a.completed, a.enrolled, '')
     ) AS f (figure, v, c, n, note)
 WHERE a.kind <> 'employer'
    OR f.figure IN ('enrolled', 'active', 'completed', 'withdrawn',
                    'months_saved_by_prior_learning', 'hours_recorded',
                    'internship_hours_verified', 'feedback_per_participant_month',
                    'certificates_issued')
UNION ALL
-- ---- first-time pass rate per assignment ----
-- In the programme's order: by semester, else by its module's place.
SELECT 'first_time_pass_rate', 'assignment', asg.code,
       lpad(coalesce(asg.semester, 0)::text, 2, '0')
           || lpad(coalesce(mo.sequence, 999)::text, 3, '0') || asg.code,
       round(count(*) FILTER (WHERE f.passed)::numeric / count(*), 3), count(*),
       count(*)::int, '', NULL   -- first has one row per participant and assignment
  FROM first f
  JOIN assignment asg ON asg.institution_id = triad_tenant() AND asg.id = f.assignment_id
  LEFT JOIN module mo ON mo.institution_id = asg.institution_id AND mo.id = asg.module_id
 GROUP BY asg.id, asg.code, asg.semester, mo.sequence
UNION ALL
-- Hours committed: an organisation's, not a person's.
SELECT 'hours_committed', a.kind, a.name, a.name,
       coalesce((SELECT hours FROM committed c WHERE c.organisation_id = a.org_id), 0),
       coalesce(a.hours_recorded, 0), 0, '', a.org_id
  FROM agg a WHERE a.kind = 'employer'
UNION ALL
SELECT 'hours_committed', 'programme', (SELECT code FROM prog), '',
       coalesce(sum(c.hours), 0), coalesce((SELECT hours_recorded FROM agg
                                             WHERE kind = 'programme'), 0), 0,
       'agreements of the employers listed below', NULL
  FROM committed c WHERE c.organisation_id IN (SELECT org_id FROM groups WHERE kind = 'employer')
UNION ALL
-- ---- attendance per module ----
-- Counted per module and participant first: each participant is then one
-- row, and the persons are a count rather than a count of distinct values.
SELECT 'attendance_rate', 'module', m.code, lpad(m.sequence::text, 3, '0'),
       round(sum(x.present)::numeric / sum(x.n), 3), sum(x.n), count(*)::int, '', NULL
  FROM (SELECT r.module_id, at.enrollment_id, count(*) AS n,
               count(*) FILTER (WHERE at.status = 'present') AS present
          FROM attendance at
          JOIN enr e ON e.id = at.enrollment_id
          JOIN session s ON s.institution_id = at.institution_id AND s.id = at.session_id
          JOIN module_run r ON r.institution_id = s.institution_id AND r.id = s.run_id
         WHERE at.institution_id = triad_tenant()
         GROUP BY 1, 2) x
  JOIN module m ON m.institution_id = triad_tenant() AND m.id = x.module_id
 GROUP BY m.code, m.sequence
UNION ALL
-- ---- feedback per month ----
SELECT 'feedback_by_month', 'month', to_char(x.month, 'YYYY-MM'), to_char(x.month, 'YYYY-MM'),
       x.n, 0, x.persons, '', NULL
  FROM (SELECT fm.month::timestamp AS month, sum(fm.n) AS n, count(*)::int AS persons
          FROM feedback_month fm JOIN enr e ON e.id = fm.enrollment_id
         WHERE fm.institution_id = triad_tenant() AND fm.n > 0
         GROUP BY 1) x
UNION ALL
-- ---- consent levels, of participants with an employer ----
SELECT 'consent_level', 'level', l.level, l.ord::text,
       (SELECT count(*) FROM pe WHERE pe.employed AND pe.consent_level = l.level),
       0, (SELECT count(*) FROM pe WHERE pe.employed)::int, '', NULL
  FROM (VALUES ('none', 1), ('progress', 2), ('full', 3)) AS l (level, ord)
UNION ALL
-- ---- communities ----
SELECT 'practice_questions', 'status', s.status, s.ord::text,
       (SELECT count(*) FROM pq WHERE pq.status = s.status), 0, 0, '', NULL
  FROM (VALUES ('proposed', 1), ('accepted', 2), ('in_progress', 3), ('delivered', 4),
               ('evaluated', 5)) AS s (status, ord)
UNION ALL
SELECT x.figure, 'programme', (SELECT code FROM prog), '', x.v, x.c, 0, '', NULL
  FROM (VALUES ('practice_questions_delivered',
                (SELECT count(*) FROM pq WHERE pq.status IN ('delivered', 'evaluated'))::numeric,
                (SELECT count(*) FROM pq)::numeric),
               ('products_delivered', (SELECT coalesce(sum(products), 0) FROM pq),
                (SELECT count(*) FROM pq)::numeric),
               ('products_evaluated', (SELECT coalesce(sum(evaluated), 0) FROM pq),
                (SELECT coalesce(sum(products), 0) FROM pq))) AS x (figure, v, c)
UNION ALL
SELECT x.figure, 'employer', g.name, g.name, x.v, x.c, 0, '', g.org_id
  FROM groups g
 CROSS JOIN LATERAL (VALUES
     ('practice_questions', (SELECT count(*) FROM pq WHERE pq.organisation_id = g.org_id)::numeric,
      0::numeric),
     ('products_delivered', (SELECT coalesce(sum(products), 0) FROM pq
                              WHERE pq.organisation_id = g.org_id), 0),
     ('products_evaluated', (SELECT coalesce(sum(evaluated), 0) FROM pq
                              WHERE pq.organisation_id = g.org_id),
      (SELECT coalesce(sum(products), 0) FROM pq WHERE pq.organisation_id = g.org_id))
     ) AS x (figure, v, c)
 WHERE g.kind = 'employer'
UNION ALL
SELECT 'event_attendance', 'event_kind', k.kind, k.kind,
       count(*) FILTER (WHERE ev.attendance = 'present'), count(ev.person_id),
       count(DISTINCT ev.person_id)::int, '', NULL
  FROM (SELECT DISTINCT kind FROM ev) k JOIN ev ON ev.kind = k.kind
 GROUP BY k.kind
UNION ALL
SELECT x.figure, 'programme', (SELECT code FROM prog), '', x.v, x.c,
       (SELECT count(*) FROM alum)::int,
       CASE WHEN (SELECT count(*) FROM alum) = 0 THEN 'no alumni yet' ELSE '' END, NULL
  FROM (VALUES ('alumni', (SELECT count(*) FROM alum)::numeric, 0::numeric),
               ('alumni_coaching', (SELECT count(*) FROM alum WHERE coaching),
                (SELECT count(*) FROM alum)),
               ('alumni_presenting', (SELECT count(*) FROM alum WHERE presenting),
                (SELECT count(*) FROM alum)),
               ('alumni_ambassadors', (SELECT count(*) FROM alum WHERE ambassador),
                (SELECT count(*) FROM alum))) AS x (figure, v, c)
$$;

-- The report's head: the programme, the cohort, the minimum group size
-- applied (the server's p_min, or the larger p_asked), and whose view it
-- is. Raises NOT_FOUND for a cohort of another programme.
CREATE OR REPLACE FUNCTION triad_report_return_head(p_programme uuid, p_cohort uuid,
                                                    p_min integer, p_asked integer)
    RETURNS TABLE (programme_id text, programme_code text, programme_name text,
                   institution_name text, cohort_name text, nominal_months integer,
                   ects float8, min_group_size integer, view text, organisation_name text,
                   generated_at_us bigint)
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF p_programme IS NULL THEN
        PERFORM triad_raise('TR400', 'programme_id is required: a programme''s code or id',
                            'report_return.programme_id');
    END IF;
    IF p_asked < 0 OR p_asked > 1000 THEN
        PERFORM triad_raise('TR400', 'min_group_size must be between 0 and 1000',
                            'report_return.min_group_size');
    END IF;
    IF p_cohort IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM cohort c WHERE c.id = p_cohort AND c.programme_id = p_programme) THEN
        PERFORM triad_raise('TR404', 'no such cohort of this programme',
                            'report_return.cohort_id');
    END IF;
    RETURN QUERY
    SELECT p.id::text, p.code, p.name, i.name,
           coalesce((SELECT c.name FROM cohort c WHERE c.id = p_cohort), ''),
           p.duration_months, p.ects::float8, greatest(p_min, coalesce(p_asked, 0)),
           CASE WHEN triad_report_employer() IS NULL THEN 'programme' ELSE 'employer' END,
           coalesce((SELECT o.name FROM organisation o WHERE o.id = triad_report_employer()), ''),
           triad_us(now())
      FROM programme p JOIN institution i ON i.id = p.institution_id
     WHERE p.id = p_programme;
END
$$;

-- The organisation whose figures alone the caller gets: the one it speaks
-- for, unless it is staff; NULL for the whole report.
CREATE OR REPLACE FUNCTION triad_report_employer() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT CASE WHEN triad_staff() THEN NULL ELSE triad_organisation() END $$;

-- The figures of the report, in order, suppressed where a group of
-- persons is smaller than the minimum (greatest(p_min, p_asked)), and for
-- an employer's view only its own organisation's.
CREATE OR REPLACE FUNCTION triad_report_return(p_programme uuid, p_cohort uuid, p_min integer,
                                               p_asked integer)
    RETURNS TABLE (section text, figure text, label text, group_kind text, "group" text,
                   value float8, compare float8, unit text, suppressed boolean,
                   group_size integer, note text, "position" integer)
    LANGUAGE sql STABLE
    AS $$
    WITH k AS (SELECT greatest(p_min, coalesce(p_asked, 0)) AS k),
    raw AS (
        SELECT f.*, d.section, d.section_ord, d.figure_ord, d.label, d.unit, d.about_persons,
               CASE f.group_kind WHEN 'programme' THEN 1 WHEN 'cohort' THEN 2
                                 WHEN 'employer' THEN 3 ELSE 4 END AS kind_ord,
               d.about_persons AND f.group_size > 0 AND f.group_size < (SELECT k FROM k)
                   AS hide
          FROM triad_report_return_figures(p_programme, p_cohort) f
          JOIN triad_report_figure_defs() d ON d.figure = f.figure
         WHERE triad_report_employer() IS NULL
            OR (f.group_kind = 'employer' AND f.org_id = triad_report_employer()))
    SELECT r.section, r.figure, r.label, r.group_kind, r.grp,
           CASE WHEN r.hide THEN 0 ELSE r.value::float8 END,
           CASE WHEN r.hide THEN 0 ELSE r.compare::float8 END,
           r.unit, r.hide, CASE WHEN r.hide THEN 0 ELSE r.group_size END,
           CASE WHEN r.hide
                THEN format('suppressed: fewer than %s persons', (SELECT k FROM k))
                ELSE r.note END,
           (row_number() OVER (ORDER BY r.section_ord, r.figure_ord, r.kind_ord, r.grp_sort,
                                        r.grp))::int
      FROM raw r
     ORDER BY 12
$$;
