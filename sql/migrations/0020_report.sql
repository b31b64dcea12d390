-- 0020_report: what the return report (sql/functions/report.sql) reads
-- fast. Feedback per enrollment and month for a programme of 10,000
-- participants and 1,000,000 feedback rows comes from this index alone
-- (an index-only scan), not from the rows with their texts.
CREATE INDEX feedback_enrollment_time ON feedback (institution_id, enrollment_id, created_at);
