-- 0012_privacy: what erasure needs of the tables (the functions are in
-- sql/functions/privacy.sql).
--
-- An erased person keeps her row, so that what refers to it (enrollments
-- that existed, attendance counted, feedback given per coach) still adds
-- up; her name and e-mail address are replaced, and erased_at says so. An
-- institution that erases someone who stays known elsewhere moves its rows
-- to a new person of its own, erased from the start: one more row with
-- erased_at set.
ALTER TABLE person ADD COLUMN erased_at timestamptz;

-- The audit rows about one resource, which an export lists and an erasure
-- moves to the anonymous person.
CREATE INDEX audit_event_resource ON audit_event (institution_id, resource_id);
