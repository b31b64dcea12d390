-- 0013_client_certificates: a partner's machine bound to the certificate
-- it presents in the TLS handshake. With the SHA-256 fingerprint of that
-- certificate (its DER bytes) set, a Hello with the machine's token is
-- refused on a connection that did not present that certificate: a token
-- copied elsewhere is not enough.
ALTER TABLE principal
    ADD COLUMN client_cert_sha256 bytea
        CHECK (length(client_cert_sha256) = 32),
    ADD CONSTRAINT principal_client_cert_machine
        CHECK (client_cert_sha256 IS NULL OR kind = 'machine');
