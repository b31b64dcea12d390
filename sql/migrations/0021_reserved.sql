-- 0021_reserved: a number kept for a migration of another branch of work;
-- it changes nothing. Replaced by that migration when the branches meet.
SELECT 1;
