-- 0023_feedback_month: feedback counted per enrollment and month as it is
-- given, so that the return report (sql/functions/report.sql) reads one
-- small row per participant and month instead of every piece of feedback:
-- for a programme of 10,000 participants and 1,000,000 feedback rows, some
-- 100,000 rows instead of a million index entries.
--
-- Kept by a statement trigger on feedback (a bulk load is one upsert per
-- group, a single piece of feedback one row). Feedback is never deleted and
-- its enrollment and time never change (privacy erasure blanks its texts);
-- the trigger counts deletions and such updates all the same, so that the
-- count cannot drift from the rows.
CREATE TABLE feedback_month (
    institution_id uuid NOT NULL REFERENCES institution (id),
    enrollment_id uuid NOT NULL,
    month date NOT NULL,
    n integer NOT NULL CHECK (n >= 0),
    PRIMARY KEY (institution_id, enrollment_id, month),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);
ALTER TABLE feedback_month ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON feedback_month
    USING (institution_id = triad_tenant()) WITH CHECK (institution_id = triad_tenant());
GRANT SELECT, INSERT, UPDATE ON feedback_month TO triad_app;

-- What is there already (the owner is not bound by the policy).
INSERT INTO feedback_month (institution_id, enrollment_id, month, n)
SELECT institution_id, enrollment_id, date_trunc('month', created_at AT TIME ZONE 'UTC')::date,
       count(*)
  FROM feedback
 GROUP BY 1, 2, 3;

-- The count follows the rows: inserted and deleted feedback by statement
-- (one upsert per enrollment and month of the statement's rows), and the
-- rare update that moves a row to another enrollment or month by row (the
-- WHEN clause keeps every other update free of it).
CREATE FUNCTION feedback_month_count() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO feedback_month AS m (institution_id, enrollment_id, month, n)
        SELECT r.institution_id, r.enrollment_id,
               date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date, count(*)
          FROM new_rows r
         GROUP BY 1, 2, 3
        ON CONFLICT (institution_id, enrollment_id, month) DO UPDATE SET n = m.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE feedback_month m SET n = m.n - o.n
          FROM (SELECT r.institution_id, r.enrollment_id,
                       date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date AS month,
                       count(*) AS n
                  FROM old_rows r
                 GROUP BY 1, 2, 3) o
         WHERE m.institution_id = o.institution_id AND m.enrollment_id = o.enrollment_id
           AND m.month = o.month;
    ELSE
        UPDATE feedback_month m SET n = m.n - 1
         WHERE m.institution_id = OLD.institution_id AND m.enrollment_id = OLD.enrollment_id
           AND m.month = date_trunc('month', OLD.created_at AT TIME ZONE 'UTC')::date;
        INSERT INTO feedback_month AS m (institution_id, enrollment_id, month, n)
        VALUES (NEW.institution_id, NEW.enrollment_id,
                date_trunc('month', NEW.created_at AT TIME ZONE 'UTC')::date, 1)
        ON CONFLICT (institution_id, enrollment_id, month) DO UPDATE SET n = m.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER feedback_month_insert AFTER INSERT ON feedback
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_month_count();
CREATE TRIGGER feedback_month_delete AFTER DELETE ON feedback
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_month_count();
CREATE TRIGGER feedback_month_move AFTER UPDATE OF enrollment_id, created_at ON feedback
    FOR EACH ROW
    WHEN (OLD.enrollment_id IS DISTINCT FROM NEW.enrollment_id
          OR date_trunc('month', OLD.created_at AT TIME ZONE 'UTC')
             IS DISTINCT FROM date_trunc('month', NEW.created_at AT TIME ZONE 'UTC'))
    EXECUTE FUNCTION feedback_month_count();
