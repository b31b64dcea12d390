-- 0019_certificates: certificates as Open Badges 3.0 credentials (seed 004:
-- "a certificate for those who meet its rules"), and the keys that sign them.
--
-- A signing key belongs to one institution. Its private half is stored
-- sealed: AES-256-GCM under the master key of the daemons' key file
-- (credential_key_file), so the database, and the daemon's role reading it,
-- hold it only encrypted. Its public half (a JWK) is published by every
-- daemon. At most one key of an institution is current; a rotated key is
-- retired but kept, so credentials signed with it still verify.
--
-- A certificate is the signed credential (a VC-JWT) of one completed
-- enrollment, kept as issued, with the credential's JSON beside it. At most
-- one certificate of an enrollment is valid at a time; a revoked one keeps
-- its reason and stays listed as revoked in the institution's published
-- revocation list. Who issued or revoked it is in the audit trail.

CREATE TABLE credential_key (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL,
    alg            text NOT NULL CHECK (alg IN ('EdDSA', 'ES256')),
    kid            text NOT NULL CHECK (length(kid) BETWEEN 1 AND 1000),
    public_jwk     jsonb NOT NULL CHECK (jsonb_typeof(public_jwk) = 'object'
                                         AND NOT public_jwk ? 'd'),
    -- nonce (12 bytes) || ciphertext || tag (16 bytes); the kid is the
    -- additional authenticated data, so a sealed key cannot be moved.
    private_sealed bytea NOT NULL CHECK (length(private_sealed) BETWEEN 29 AND 4096),
    created_at     timestamptz NOT NULL DEFAULT now(),
    retired_at     timestamptz,
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, kid)
);
CREATE UNIQUE INDEX credential_key_current ON credential_key (institution_id)
    WHERE retired_at IS NULL;

CREATE TABLE certificate (
    institution_id    uuid NOT NULL REFERENCES institution,
    id                uuid NOT NULL,
    enrollment_id     uuid NOT NULL,
    key_id            uuid NOT NULL,
    credential        jsonb NOT NULL CHECK (jsonb_typeof(credential) = 'object'),
    jwt               text NOT NULL CHECK (length(jwt) BETWEEN 1 AND 65536),
    issued_at         timestamptz NOT NULL DEFAULT now(),
    revoked_at        timestamptz,
    revocation_reason text CHECK (length(revocation_reason) BETWEEN 1 AND 2000),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id),
    FOREIGN KEY (institution_id, key_id) REFERENCES credential_key (institution_id, id),
    CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
CREATE UNIQUE INDEX certificate_valid ON certificate (institution_id, enrollment_id)
    WHERE revoked_at IS NULL;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['credential_key', 'certificate'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON credential_key, certificate TO triad_app;
