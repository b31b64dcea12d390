-- scale_return.sql: the rest of a programme's return, on top of the data of
-- the feedback benchmark (scale_feedback.sql), for timing ReportReturn at scale:
--
--   psql -X -v ON_ERROR_STOP=1 -d "$OWNER_DB" -f tests/bench/scale_feedback.sql
--   psql -X -v ON_ERROR_STOP=1 -d "$OWNER_DB" -f tests/bench/scale_return.sql
--
-- as the schema owner. To the institution bench (programme BENCH, its cohort,
-- 10,000 participants, 1,000 coaches, 1,000,000 feedback rows) it adds what the
-- report reads besides feedback, in proportions a real programme could have:
--
--   * 50 employer organisations, each with a current agreement; every
--     participant employed by one of them with 2 to 7 hours a week, and 80 %
--     consenting (progress or full);
--   * 1,000 participants completed (at 10 to 14 months) and 300 withdrawn; the
--     rest stay active (the feedback benchmark does not look at statuses);
--   * 5 learning outcomes and 5 modules of 6 credits; a run of each for the
--     cohort; every participant completed 2 modules; 2,000 validated claims;
--   * 2 sessions of each of the first two runs, attendance of everyone (90 %
--     present);
--   * a feedback request per relation (10,000), due in the past, 70 % answered
--     in time, 20 % late, 10 % not;
--   * 1,000 internship placements with 20 verified days of 8 hours each;
--   * a community of the cohort with 50 practice questions of the employers,
--     30 products, 20 of them with the owner's feedback; 5 events of the
--     programme with 200 registrations each;
--   * 100 alumni coaching (alumni-coach relations);
--   * 2 assignments, every participant's work on both assessed and released
--     (20,000 assessments), 10 % passed only at the resit (a correction).
--
-- Plain INSERT ... SELECT in one transaction, then VACUUM ANALYZE. Run again, it
-- adds nothing (it looks for the first employer). Needs scale_feedback.sql first.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET synchronous_commit = off;

SELECT id AS inst FROM institution WHERE slug = 'bench' \gset
SELECT EXISTS (SELECT 1 FROM organisation WHERE name = 'Bench Employer 1') AS return_exists \gset

\if :return_exists
\echo 'scale_return: the return data exists; not generating again'
\else
\echo 'scale_return: generating'
BEGIN;
SELECT set_config('triad.institution_id', :'inst', true);

SELECT p.id AS prog, c.id AS cohort FROM programme p JOIN cohort c ON c.programme_id = p.id
 WHERE p.institution_id = :'inst' AND p.code = 'BENCH' \gset

CREATE TEMP TABLE bench_org ON COMMIT DROP AS
SELECT g AS n, gen_random_uuid() AS id FROM generate_series(1, 50) g;
INSERT INTO organisation (id, name, kind)
SELECT id, 'Bench Employer ' || n, 'care_provider' FROM bench_org;
INSERT INTO agreement (institution_id, organisation_id, kind, starts_on, hours_per_week)
SELECT :'inst', id, 'professional_workplace', current_date - 400, 10 + n % 31 FROM bench_org;

-- The participants, numbered in order of arrival.
CREATE TEMP TABLE bench_e ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY e.arrival) AS n, e.id, e.person_id
  FROM enrollment e WHERE e.institution_id = :'inst' AND e.cohort_id = :'cohort';
CREATE UNIQUE INDEX ON bench_e (n);
ANALYZE bench_e;

UPDATE enrollment e SET employer_id = o.id, hours_per_week = 2 + b.n % 6
  FROM bench_e b JOIN bench_org o ON o.n = b.n % 50 + 1
 WHERE e.institution_id = :'inst' AND e.id = b.id;
INSERT INTO consent (institution_id, enrollment_id, organisation_id, level)
SELECT :'inst', b.id, o.id, CASE WHEN b.n % 2 = 0 THEN 'progress' ELSE 'full' END
  FROM bench_e b JOIN bench_org o ON o.n = b.n % 50 + 1
 WHERE b.n % 5 <> 0;
UPDATE enrollment e SET status = 'completed',
       updated_at = c.starts_on + (300 + b.n % 120)::int + time '12:00'
  FROM bench_e b, cohort c
 WHERE e.institution_id = :'inst' AND e.id = b.id AND c.id = :'cohort' AND b.n % 10 = 3;
UPDATE enrollment e SET status = 'withdrawn', updated_at = now() - interval '100 days'
  FROM bench_e b
 WHERE e.institution_id = :'inst' AND e.id = b.id AND b.n % 33 = 7 AND e.status = 'active';

-- Outcomes, modules, runs, completions, validated prior learning.
INSERT INTO learning_outcome (institution_id, programme_id, code, description, credits)
SELECT :'inst', :'prog', 'BO' || g, 'Bench outcome ' || g, 6 FROM generate_series(1, 5) g;
INSERT INTO module (institution_id, programme_id, code, name, kind, sequence, credits)
SELECT :'inst', :'prog', 'BM' || g, 'Bench module ' || g, 'core', g, 6
  FROM generate_series(1, 5) g;
INSERT INTO module_run (institution_id, module_id, cohort_id, capacity, starts_on, ends_on)
SELECT :'inst', m.id, :'cohort', 1000, current_date - 365 + 60 * m.sequence,
       current_date - 365 + 60 * m.sequence + 50
  FROM module m WHERE m.institution_id = :'inst' AND m.programme_id = :'prog';
INSERT INTO module_completion (institution_id, enrollment_id, module_id, completed_on)
SELECT :'inst', b.id, m.id, current_date - 365 + 60 * m.sequence + 50
  FROM bench_e b JOIN module m ON m.institution_id = :'inst' AND m.programme_id = :'prog'
                             AND m.sequence <= 2;
INSERT INTO prior_learning_claim (institution_id, person_id, outcome_id, evidence, status,
                                  decided_at)
SELECT :'inst', b.person_id, o.id, 'Bench evidence', 'validated', now() - interval '200 days'
  FROM bench_e b JOIN learning_outcome o ON o.institution_id = :'inst'
                                       AND o.programme_id = :'prog'
                                       AND o.code = 'BO' || (3 + b.n % 3)
 WHERE b.n % 5 = 1;

-- Two sessions of each of the first two runs, everyone's attendance.
INSERT INTO session (institution_id, run_id, starts_at, title)
SELECT :'inst', r.id, r.starts_on + s * 7 + time '13:00', 'Bench session ' || s
  FROM module_run r JOIN module m ON m.id = r.module_id AND m.sequence <= 2
 CROSS JOIN generate_series(0, 1) s
 WHERE r.institution_id = :'inst' AND r.cohort_id = :'cohort';
INSERT INTO attendance (institution_id, session_id, enrollment_id, status)
SELECT :'inst', s.id, b.id, CASE WHEN (b.n + hashtext(s.id::text)) % 10 = 0 THEN 'absent'
                                 ELSE 'present' END
  FROM bench_e b
 CROSS JOIN session s
 WHERE s.institution_id = :'inst'
   AND s.run_id IN (SELECT id FROM module_run WHERE cohort_id = :'cohort');

-- A feedback request per relation, due in the past.
INSERT INTO feedback_request (institution_id, relation_id, question, due_on, created_at,
                              answered_at)
SELECT :'inst', r.id, 'Bench question', current_date - 30 - (b.n % 200)::int,
       now() - interval '260 days',
       CASE WHEN b.n % 10 < 7 THEN (current_date - 32 - (b.n % 200)::int) + time '10:00'
            WHEN b.n % 10 < 9 THEN (current_date - 25 - (b.n % 200)::int) + time '10:00' END
  FROM coaching_relation r JOIN bench_e b ON b.id = r.enrollment_id
 WHERE r.institution_id = :'inst';

-- Internships: 1,000 placements, 20 verified days of 8 hours.
CREATE TEMP TABLE bench_pl ON COMMIT DROP AS
SELECT b.n, gen_random_uuid() AS id, b.id AS enrollment_id,
       (SELECT r.coach_person_id FROM coaching_relation r WHERE r.enrollment_id = b.id LIMIT 1)
           AS supervisor
  FROM bench_e b WHERE b.n % 10 = 5;
INSERT INTO placement (institution_id, id, enrollment_id, organisation_id, supervisor_person_id,
                       starts_on, ends_on, plan_status)
SELECT :'inst', p.id, p.enrollment_id, o.id, p.supervisor, current_date - 120, current_date - 90,
       'approved'
  FROM bench_pl p JOIN bench_org o ON o.n = p.n % 50 + 1;
INSERT INTO hours_entry (institution_id, placement_id, day, hours, description, status,
                         submitted_at, decided_at, decided_by_person_id)
SELECT :'inst', p.id, current_date - 120 + d, 8, 'Bench day', 'verified', now(), now(),
       p.supervisor
  FROM bench_pl p CROSS JOIN generate_series(0, 19) d;

-- A community of the cohort, practice questions of the employers, products.
INSERT INTO community (institution_id, name, kind, cohort_id, starts_on)
VALUES (:'inst', 'Bench community', 'cohort', :'cohort', current_date - 365)
RETURNING id AS community \gset
INSERT INTO community_organisation (institution_id, community_id, organisation_id)
SELECT :'inst', :'community', id FROM bench_org;
INSERT INTO practice_question (institution_id, community_id, organisation_id, title, status)
SELECT :'inst', :'community', o.id, 'Bench question ' || o.n,
       (ARRAY['proposed', 'accepted', 'in_progress', 'delivered', 'evaluated'])[o.n % 5 + 1]
  FROM bench_org o;
INSERT INTO product (institution_id, question_id, kind, title, delivered_on, feedback, feedback_at)
SELECT :'inst', q.id, 'report', 'Bench product', current_date - 30,
       CASE WHEN q.status = 'evaluated' OR hashtext(q.id::text) % 2 = 0 THEN 'Useful.' END,
       CASE WHEN q.status = 'evaluated' OR hashtext(q.id::text) % 2 = 0 THEN now() END
  FROM practice_question q
 WHERE q.institution_id = :'inst' AND q.status IN ('delivered', 'evaluated', 'in_progress');

-- Events of the programme, with registrations and attendance.
CREATE TEMP TABLE bench_ev ON COMMIT DROP AS
SELECT g AS n, gen_random_uuid() AS id FROM generate_series(1, 5) g;
INSERT INTO event (institution_id, id, kind, title, programme_id, starts_at, capacity)
SELECT :'inst', id, CASE WHEN n = 1 THEN 'practice_coach_meeting' ELSE 'symposium' END,
       'Bench event ' || n, :'prog', now() - n * interval '30 days', 500
  FROM bench_ev;
INSERT INTO event_registration (institution_id, event_id, person_id, status, placement,
                                attendance, registered_at)
SELECT :'inst', v.id, b.person_id, 'registered', 'placed',
       CASE WHEN b.n % 3 = 0 THEN 'absent' ELSE 'present' END, now() - interval '200 days'
  FROM bench_ev v JOIN bench_e b ON b.n BETWEEN v.n * 200 AND v.n * 200 + 199;

-- Alumni who coach: 100 of the completed coach an active participant.
INSERT INTO coaching_relation (institution_id, enrollment_id, coach_person_id, kind, status,
                               starts_on)
SELECT :'inst', a.id, c.person_id, 'alumni_coach', 'active', current_date - 30
  FROM (SELECT b.person_id, row_number() OVER (ORDER BY b.n) AS k
          FROM bench_e b JOIN enrollment e ON e.id = b.id AND e.status = 'completed') c
  JOIN (SELECT b.id, row_number() OVER (ORDER BY b.n) AS k
          FROM bench_e b JOIN enrollment e ON e.id = b.id AND e.status = 'active') a
    ON a.k = c.k
 WHERE c.k <= 100;

COMMIT;

VACUUM ANALYZE enrollment;
VACUUM ANALYZE consent;
VACUUM ANALYZE agreement;
VACUUM ANALYZE module_completion;
VACUUM ANALYZE prior_learning_claim;
VACUUM ANALYZE attendance;
VACUUM ANALYZE feedback_request;
VACUUM ANALYZE coaching_relation;
VACUUM ANALYZE placement;
VACUUM ANALYZE hours_entry;
VACUUM ANALYZE practice_question;
VACUUM ANALYZE product;
VACUUM ANALYZE event_registration;
VACUUM ANALYZE feedback;
\endif

-- Assessment: 2 assignments (of modules BM1 and BM2, assessing BO1 and BO2);
-- every participant's work on both assessed by an assessor and released
-- (20,000 assessments and results); 10 % did not pass at first and passed at
-- the resit, recorded as a correction. A block of its own, so a database made
-- before it gets it too.
SELECT EXISTS (SELECT 1 FROM assignment WHERE institution_id = :'inst' AND code = 'BA1')
    AS assessment_exists \gset
\if :assessment_exists
\echo 'scale_return: the assessment data exists; not generating again'
\else
\echo 'scale_return: generating assessments'
BEGIN;
SELECT set_config('triad.institution_id', :'inst', true);
SELECT p.id AS prog FROM programme p WHERE p.institution_id = :'inst' AND p.code = 'BENCH' \gset
SELECT coach_person_id AS assessor FROM coaching_relation WHERE institution_id = :'inst'
 ORDER BY coach_person_id LIMIT 1 \gset
INSERT INTO assignment (institution_id, programme_id, code, title, module_id, kind)
SELECT :'inst', :'prog', 'BA' || g, 'Bench assignment ' || g, m.id, 'assignment'
  FROM generate_series(1, 2) g
  JOIN module m ON m.institution_id = :'inst' AND m.programme_id = :'prog' AND m.code = 'BM' || g;
INSERT INTO assignment_outcome (institution_id, assignment_id, outcome_id)
SELECT :'inst', a.id, o.id
  FROM assignment a JOIN learning_outcome o ON o.institution_id = a.institution_id
                                          AND o.programme_id = a.programme_id
                                          AND o.code = 'BO' || substr(a.code, 3)
 WHERE a.institution_id = :'inst' AND a.programme_id = :'prog';
CREATE TEMP TABLE bench_i ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, gen_random_uuid() AS assessment_id, a.id AS assignment_id,
       e.id AS enrollment_id, ao.outcome_id,
       row_number() OVER (ORDER BY e.arrival, a.code) % 10 = 4 AS resit
  FROM enrollment e
  JOIN assignment a ON a.institution_id = e.institution_id AND a.programme_id = :'prog'
  JOIN assignment_outcome ao ON ao.institution_id = a.institution_id AND ao.assignment_id = a.id
 WHERE e.institution_id = :'inst';
INSERT INTO assignment_instance (institution_id, id, assignment_id, enrollment_id, status)
SELECT :'inst', id, assignment_id, enrollment_id, 'approved' FROM bench_i;
INSERT INTO assessment (institution_id, id, instance_id, assessor_person_id, feedback, passed,
                        status, recorded_at, released_at)
SELECT :'inst', assessment_id, id, :'assessor', 'Bench feedback', true, 'released',
       now() - interval '60 days', now() - interval '59 days'
  FROM bench_i;
INSERT INTO assessment_result (institution_id, assessment_id, outcome_id, result, passed)
SELECT :'inst', assessment_id, outcome_id, 'sufficient', true FROM bench_i;
INSERT INTO assessment_correction (institution_id, assessment_id, outcome_id, previous, result,
                                   reason, corrected_at)
SELECT :'inst', assessment_id, outcome_id, 'insufficient', 'sufficient', 'Bench resit',
       now() - interval '30 days'
  FROM bench_i WHERE resit;
COMMIT;
VACUUM ANALYZE assignment_instance;
VACUUM ANALYZE assessment;
VACUUM ANALYZE assessment_result;
VACUUM ANALYZE assessment_correction;
\endif

SELECT (SELECT count(*) FROM enrollment WHERE institution_id = :'inst') AS participants,
       (SELECT count(*) FROM feedback WHERE institution_id = :'inst') AS feedback,
       (SELECT count(*) FROM consent WHERE institution_id = :'inst') AS consents,
       (SELECT count(*) FROM attendance WHERE institution_id = :'inst') AS attendance,
       (SELECT count(*) FROM hours_entry WHERE institution_id = :'inst') AS hours_entries;
