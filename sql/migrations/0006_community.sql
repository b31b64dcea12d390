-- 0006_community: professional learning communities and their members.
--
-- A community belongs to one institution; its members are persons of the
-- institution (participants, alumni, staff, coaches, people from partner
-- organisations). Community content is visible to the community's current
-- members and to the institution's staff: triad_community_visible() says
-- so in one place, for this migration and the ones after it.

CREATE TABLE community (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    theme          text NOT NULL DEFAULT '' CHECK (length(theme) <= 2000),
    kind           text NOT NULL CHECK (kind IN ('cohort', 'professional')),
    cohort_id      uuid,
    agreement_id   uuid,
    starts_on      date NOT NULL,
    ends_on        date CHECK (ends_on >= starts_on),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, name),
    FOREIGN KEY (institution_id, cohort_id) REFERENCES cohort (institution_id, id),
    FOREIGN KEY (institution_id, agreement_id) REFERENCES agreement (institution_id, id),
    CHECK ((kind = 'cohort') = (cohort_id IS NOT NULL))
);

CREATE TABLE community_member (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    community_id    uuid NOT NULL,
    person_id       uuid NOT NULL,
    role            text NOT NULL CHECK (role IN ('facilitator', 'member', 'guest')),
    affiliation     text NOT NULL CHECK (affiliation IN ('participant', 'alumnus', 'staff',
                                                         'workplace_coach', 'partner')),
    organisation_id uuid REFERENCES organisation,
    joined_on       date NOT NULL DEFAULT current_date,
    left_on         date CHECK (left_on >= joined_on),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, community_id) REFERENCES community (institution_id, id),
    FOREIGN KEY (institution_id, person_id) REFERENCES member (institution_id, person_id),
    CHECK ((affiliation = 'partner') = (organisation_id IS NOT NULL))
);
-- One current membership per person per community.
CREATE UNIQUE INDEX community_member_current ON community_member (institution_id, community_id,
                                                                  person_id)
    WHERE left_on IS NULL;
CREATE INDEX community_member_person ON community_member (institution_id, person_id);

-- True when the caller may see the community's content: staff (p_staff),
-- or a current member (p_person is the caller's person id, '' for machines).
CREATE FUNCTION triad_community_visible(p_community uuid, p_person text, p_staff boolean)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT p_staff OR EXISTS (
        SELECT 1 FROM community_member m
         WHERE m.community_id = p_community AND m.person_id::text = p_person
           AND m.left_on IS NULL)
$$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['community', 'community_member'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT ON community TO triad_app;
GRANT SELECT, INSERT, UPDATE ON community_member TO triad_app;
