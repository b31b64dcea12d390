// verify.mjs: an independent verifier of a triad certificate, written only
// against the standards, for the test suite (tests/integration/
// test_certificate.c runs it). It shares no code with triad.
//
//   node verify.mjs JWT_FILE [--email ADDRESS]
//
// What it checks, as 1EdTech's Open Badges 3.0 "Verification and
// Validation" asks of a VC-JWT:
//   1. the JWS: its header's kid is a URL of a JWKS (fetched from the
//      issuer's server), and the signature verifies with that key (jose);
//   2. the claims: iss = issuer.id, jti = id, nbf = validFrom and passed;
//      the VCDM 2.0 and OB 3.0 contexts; the types;
//   3. the structure: the credential validates against 1EdTech's JSON
//      schema of an AchievementCredential (ajv, draft 2019-09), vendored as
//      ob_v3p0_achievementcredential_schema.json (see README.md);
//   4. the recipient, with --email: sha256(email + salt) = identityHash;
//   5. the status: the credentialStatus list (1EdTechRevocationList) is
//      fetched and the credential's id looked up in it.
// Prints one JSON object: {"verified": true, "status": "valid"|"revoked",
// ...} and exits 0, or {"verified": false, "error": "..."} and exits 1.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));

function fail(error, extra = {}) {
  console.log(JSON.stringify({ verified: false, error, ...extra }));
  process.exit(1);
}

async function fetchJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.json();
}

const args = process.argv.slice(2);
if (args.length < 1) fail('usage: node verify.mjs JWT_FILE [--email ADDRESS]');
const jwt = readFileSync(args[0], 'utf8').trim();
const emailAt = args.indexOf('--email');
const email = emailAt >= 0 ? args[emailAt + 1] : null;

let header;
try {
  header = decodeProtectedHeader(jwt);
} catch (e) {
  fail(`not a JWS: ${e.message}`);
}
if (!header.kid || !/^https?:\/\//.test(header.kid)) fail('the header has no kid URL');
if (!['EdDSA', 'ES256'].includes(header.alg)) fail(`unexpected alg ${header.alg}`);

// 1. The signature, against the issuer's published keys.
let jwks;
try {
  jwks = await fetchJson(header.kid.split('#')[0]);
} catch (e) {
  fail(`cannot fetch the JWKS: ${e.message}`);
}
let payload;
try {
  ({ payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
    algorithms: ['EdDSA', 'ES256'],
  }));
} catch (e) {
  fail(`signature: ${e.code || ''} ${e.message}`.trim());
}

// 2. The claims and the envelope.
const issuerId = typeof payload.issuer === 'string' ? payload.issuer : payload.issuer?.id;
if (payload.iss !== issuerId) fail('iss is not issuer.id');
if (payload.jti !== payload.id) fail('jti is not id');
const validFrom = Date.parse(payload.validFrom);
if (!Number.isFinite(validFrom) || payload.nbf !== Math.floor(validFrom / 1000))
  fail('nbf is not validFrom');
if (validFrom > Date.now() + 60_000) fail('not valid yet');
if (payload['@context']?.[0] !== 'https://www.w3.org/ns/credentials/v2') fail('no VCDM 2.0 context');
if (!/^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d\.\d)*\.json$/.test(
  payload['@context']?.[1] ?? ''))
  fail('no OB 3.0 context');
const types = payload.type ?? [];
if (!types.includes('VerifiableCredential') || !types.includes('OpenBadgeCredential'))
  fail('not an OpenBadgeCredential');
if (payload.sub !== undefined && payload.sub !== payload.credentialSubject?.id)
  fail('sub is not credentialSubject.id');

// 3. The structure, against 1EdTech's schema.
const schema = JSON.parse(readFileSync(join(here, 'ob_v3p0_achievementcredential_schema.json'), 'utf8'));
const ajv = new Ajv2019({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);
if (!validate(payload)) fail('schema', { errors: validate.errors });

// 4. The recipient.
let recipient = null;
if (email) {
  const ids = payload.credentialSubject?.identifier ?? [];
  recipient = ids.some((id) => id.type === 'IdentityObject' && id.hashed &&
    id.identityHash === 'sha256$' + createHash('sha256').update(email + (id.salt ?? '')).digest('hex'));
  if (!recipient) fail('the credential is not about this e-mail address');
}

// 5. The status.
let status = 'valid';
const cs = payload.credentialStatus;
if (cs) {
  if (cs.type !== '1EdTechRevocationList') fail(`unknown status method ${cs.type}`);
  let list;
  try {
    list = await fetchJson(cs.id);
  } catch (e) {
    fail(`cannot fetch the revocation list: ${e.message}`);
  }
  if ((list.revokedCredentials ?? []).some((r) => r.id === payload.id)) status = 'revoked';
}

console.log(JSON.stringify({
  verified: true, status, recipient, alg: header.alg, kid: header.kid, id: payload.id,
  issuer: issuerId, achievement: payload.credentialSubject?.achievement?.name,
}));
