-- 0021_lean_writes: the busiest writes (feedback given, event registrations)
-- check each reference once, and the feedback lists of an employer find
-- their consents by index.
--
-- A foreign key check runs a query and locks the row it finds (FOR KEY
-- SHARE), which writes WAL and, when many transactions of one institution
-- lock its one institution row at the same time, a multixact. The keys
-- dropped here only repeated what the writing function has just read, or
-- what another key of the same row already guarantees; each says why the
-- reference still holds. Nothing here deletes institutions, persons,
-- principals, relations or enrollments: triad_app has no DELETE on them,
-- and no function deletes one (erasure anonymises persons in place).

-- feedback is written by triad_feedback_give() alone, from the coaching
-- relation it reads FOR KEY SHARE (the lock the relation's key check took):
-- until the transaction ends the relation cannot go, and its own keys hold
-- its enrollment, its coach and its institution, which the feedback row
-- copies (relation_id, enrollment_id, coach_person_id, institution_id).
-- Afterwards the row's keys never change: triad_app may update only the
-- texts, edited_at and, on erasure, the coach (to the anonymous person the
-- erasure has just created). The keys to outcome, module and request stay:
-- those rows can be deleted, and they are NULL in most feedback.
ALTER TABLE feedback DROP CONSTRAINT feedback_institution_id_fkey;
ALTER TABLE feedback DROP CONSTRAINT feedback_coach_person_id_fkey;
ALTER TABLE feedback DROP CONSTRAINT feedback_institution_id_relation_id_fkey;
ALTER TABLE feedback DROP CONSTRAINT feedback_institution_id_enrollment_id_fkey;
REVOKE UPDATE ON feedback FROM triad_app;
GRANT UPDATE (situation, behaviour, effect, suggestion, edited_at, coach_person_id)
    ON feedback TO triad_app;

-- The audit trail and the domain events are written by triad_audit() and
-- triad_stream_note() for the transaction's institution, which
-- triad_begin() has just found (row-level security's WITH CHECK holds
-- institution_id to it), or for the institution of a row just read
-- (triad_coach_grants). Every write of an institution checked this one
-- institution row, so concurrent writes of one institution all locked the
-- same row.
ALTER TABLE audit_event DROP CONSTRAINT audit_event_institution_id_fkey;
ALTER TABLE domain_event DROP CONSTRAINT domain_event_institution_id_fkey;
ALTER TABLE domain_event_version DROP CONSTRAINT domain_event_version_institution_id_fkey;

-- A registration's institution is that of its event, whose key
-- (institution_id, event_id) is still checked (and triad_event_register
-- holds the event's row FOR UPDATE).
ALTER TABLE event_registration DROP CONSTRAINT event_registration_institution_id_fkey;

-- An idempotency key belongs to the transaction's principal, which
-- triad_begin() has just found by its valid token (row-level security holds
-- principal_id to it); principals are never deleted.
ALTER TABLE idempotency_key DROP CONSTRAINT idempotency_key_principal_id_fkey;

-- An employer's feedback and events: its fully consented enrollments, in
-- one index range instead of a pass over the institution's consents.
CREATE INDEX consent_organisation ON consent (institution_id, organisation_id, enrollment_id)
    WHERE level = 'full';
