#!/usr/bin/env node
// tests/standards/check.js: checks triadd's standards port from the outside, as a partner
// would, against independent implementations: every OOAPI v5 response is validated against
// the OOAPI v5 OpenAPI document (tests/standards/ooapi-v5.json, taken unchanged from
// open-education-api/specification, branch release/5.0, v5/ooapi.json) with
// openapi-response-validator; every xAPI statement with xapi-validation, and then posted
// to a Learning Locker statements service (xapi-statements, in memory, on loopback) that
// must accept them and give them back.
//
// Run by tests/integration/test_ooapi.c with one argument: a JSON file of the fixture it
// made (base URL, CA file, tokens, ids, expected counts). Prints one line per check and
// exits 1 when any failed.
'use strict';

const fs = require('fs');
const path = require('path');
const https = require('https');
const http = require('http');
const crypto = require('crypto');
const { spawn } = require('child_process');
const OpenAPIResponseValidator = require('openapi-response-validator').default;
const validateStatement = require('xapi-validation').default;

const fx = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const spec = JSON.parse(fs.readFileSync(path.join(__dirname, 'ooapi-v5.json'), 'utf8'));
const ca = fx.ca ? fs.readFileSync(fx.ca) : undefined;
let failed = 0;

function check(name, ok, info) {
  if (ok) {
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${info !== undefined ? ': ' + (typeof info === 'string' ? info : JSON.stringify(info)).slice(0, 2000) : ''}`);
  }
}

function request(url, opts = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request(u, { method: opts.method || 'GET', headers: opts.headers || {}, ca },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { data += c; });
        res.on('end', () => {
          let body;
          try { body = data.length ? JSON.parse(data) : undefined; } catch (e) { body = data; }
          resolve({ status: res.statusCode, headers: res.headers, body, text: data });
        });
      });
    req.on('error', reject);
    req.setTimeout(15000, () => req.destroy(new Error('timeout')));
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

function get(p, token) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  return request(fx.base + p, { headers });
}

// The OpenAPI path template a concrete path answers to.
function template(p) {
  const bare = p.split('?')[0];
  for (const t of Object.keys(spec.paths)) {
    const re = new RegExp('^' + t.replace(/\{[^}]+\}/g, '[^/]+') + '$');
    if (re.test(bare)) return t;
  }
  return null;
}

// OOAPI v5's oneOf alternatives overlap: a ProgramOffering also satisfies CourseOffering
// (they differ only in optional properties, and neither forbids the other's), and likewise
// the association kinds, so a valid program offering "matches more than one schema in
// oneOf". A body that fails the document as written is therefore checked again against the
// same document with every oneOf read as anyOf: it must then pass, which means every value
// matches at least one of its alternatives, and nothing else is wrong. Any error left is
// reported.
const specAnyOf = JSON.parse(JSON.stringify(spec).replace(/"oneOf":/g, '"anyOf":'));
function validateWith(doc, t, res) {
  const op = doc.paths[t].get;
  // The validator reads a response's content, not a reference to components.responses.
  const responses = {};
  for (const [code, r] of Object.entries(op.responses)) {
    responses[code] = r.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r;
  }
  const v = new OpenAPIResponseValidator({ responses, components: doc.components });
  const r = v.validateResponse(res.status, res.body);
  return r ? r.errors : [];
}
function validate(p, res) {
  const t = template(p);
  if (t === null) {
    // Not an OOAPI path: only the problem shape can be checked.
    const b = res.body || {};
    return typeof b.status === 'string' && typeof b.title === 'string' ? []
      : [`no path of OOAPI v5 matches ${p}, and the body is no problem`];
  }
  const strict = validateWith(spec, t, res);
  if (strict.length === 0) return [];
  const relaxed = validateWith(specAnyOf, t, res);
  if (relaxed.length === 0 && strict.every((e) => !/unknown status code/.test(e.message))) {
    return [];
  }
  return relaxed.length ? relaxed : strict;
}

async function ooapi(name, p, token, status, more) {
  const res = await get(p, token);
  check(`${name}: ${p} answers ${status}`, res.status === status, `${res.status} ${res.text}`);
  const ctype = res.headers['content-type'] || '';
  check(`${name}: content type`, status < 300 ? ctype.startsWith('application/json')
    : ctype.startsWith('application/problem+json'), ctype);
  const errors = validate(p, res);
  check(`${name}: body validates against OOAPI v5`, errors.length === 0,
    { errors, body: res.body });
  if (more) more(res.body, res);
  return res;
}

const ids = (page) => (page && page.items ? page.items.map((i) => i.programId || i.courseId ||
  i.offeringId || i.associationId || i.personId || i.organizationId) : []);
const xtriad = (o) => (o.consumers || []).find((c) => c.consumerKey === 'x-triad') || {};

async function checkOoapi() {
  const S = fx.staff;
  // Authentication.
  const none = await ooapi('no token', '/programs', null, 401);
  check('no token: WWW-Authenticate says Bearer',
    /^Bearer/.test(none.headers['www-authenticate'] || ''), none.headers);
  const bogus = 'trd_' + crypto.randomBytes(32).toString('base64url').slice(0, 43);
  await ooapi('unknown token', '/programs', bogus, 401);

  await ooapi('service', '/', S, 200, (b) => check('service: contact', b.contactEmail !== ''));

  await ooapi('programs', '/programs', S, 200, (b) => {
    check('programs: ours listed', ids(b).includes(fx.programme), ids(b));
    check('programs: another institution\'s not', !ids(b).includes(fx.other_programme));
  });
  await ooapi('program', `/programs/${fx.programme}`, S, 200, (b) => {
    check('program: code and ECTS', b.primaryCode.code === fx.programme_code &&
      b.studyLoad.value === 60, b);
  });
  await ooapi('another institution\'s program', `/programs/${fx.other_programme}`, S, 404);
  await ooapi('program courses', `/programs/${fx.programme}/courses`, S, 200,
    (b) => check('program courses: the module', ids(b).includes(fx.module), ids(b)));
  await ooapi('program offerings', `/programs/${fx.programme}/offerings`, S, 200, (b) => {
    const c = (b.items || []).find((i) => i.offeringId === fx.cohort);
    check('program offerings: the cohort, with its numbers', c &&
      c.offeringType === 'program' && c.maxNumberStudents === fx.capacity &&
      c.enrolledNumberStudents === 1 && c.pendingNumberStudents === 1 &&
      xtriad(c).queuedNumberStudents === 1, c);
  });
  await ooapi('courses', '/courses', S, 200,
    (b) => check('courses: the module', ids(b).includes(fx.module), ids(b)));
  await ooapi('course', `/courses/${fx.module}`, S, 200,
    (b) => check('course: its programme', b.programs && b.programs[0] === fx.programme, b));
  await ooapi('course offerings', `/courses/${fx.module}/offerings`, S, 200, (b) => {
    const r = (b.items || []).find((i) => i.offeringId === fx.run);
    check('course offerings: the run, with its seats', r && r.offeringType === 'course' &&
      r.maxNumberStudents === fx.capacity && r.enrolledNumberStudents === 1 &&
      r.pendingNumberStudents === 1 && r.programOffering === fx.cohort, r);
  });
  await ooapi('offering (cohort)', `/offerings/${fx.cohort}`, S, 200,
    (b) => check('offering: cohort dates', b.startDate === fx.cohort_starts, b));
  await ooapi('offering (run)', `/offerings/${fx.run}`, S, 200,
    (b) => check('offering: run of the module', b.course === fx.module, b));
  await ooapi('offering associations', `/offerings/${fx.cohort}/associations?pageSize=20`, S,
    200, (b) => {
      const st = {};
      for (const a of b.items || []) st[a.associationId] = a.state;
      check('associations: states follow ours', st[fx.enrollments.anna] === 'associated' &&
        st[fx.enrollments.bram] === 'pending' && st[fx.enrollments.carla] === 'queued' &&
        st[fx.enrollments.eve] === 'canceled', st);
      const anna = (b.items || []).find((a) => a.associationId === fx.enrollments.anna);
      check('associations: person and role', anna && anna.person.personId === fx.anna &&
        anna.role === 'student' && anna.associationType === 'programOfferingAssociation', anna);
    });
  await ooapi('association', `/associations/${fx.enrollments.anna}`, S, 200, (b) => {
    const x = xtriad(b);
    check('association: x-triad coaching relation', Array.isArray(x.coaching) &&
      x.coaching.some((r) => r.coachPersonId === fx.coach && r.status === 'active'), x);
    check('association: x-triad consent', Array.isArray(x.consent), x);
    check('association: x-triad status', x.status === 'admitted', x);
  });
  await ooapi('unknown association', `/associations/${crypto.randomUUID()}`, S, 404);
  await ooapi('not an id', '/associations/nope', S, 404);
  await ooapi('unknown path', '/triad-nothing-here', S, 404);
  await ooapi('page size outside the enum', '/programs?pageSize=7', S, 400);

  // Paging across pages.
  const p1 = await ooapi('persons page 1', '/persons?pageSize=10', S, 200, (b) => {
    check('persons page 1: full, more to come', b.items.length === 10 && b.hasNextPage &&
      !b.hasPreviousPage && b.pageNumber === 1 && b.pageSize === 10, b);
  });
  await ooapi('persons page 2', '/persons?pageSize=10&pageNumber=2', S, 200, (b) => {
    check('persons page 2: a previous page, other persons', b.hasPreviousPage &&
      b.pageNumber === 2 && b.items.length > 0 &&
      ids(b).every((i) => !ids(p1.body).includes(i)), b);
    check('persons: anna on one of them', ids(b).concat(ids(p1.body)).includes(fx.anna));
  });
  await ooapi('person', `/persons/${fx.anna}`, S, 200, (b) => {
    check('person: name, mail, student', b.displayName === fx.anna_name &&
      b.mail === fx.anna_email && b.affiliations.includes('student') && b.activeEnrollment, b);
  });
  await ooapi('person associations', `/persons/${fx.anna}/associations`, S, 200, (b) => {
    check('person associations: expanded offering', b.items.length === 1 &&
      b.items[0].offering.offeringId === fx.cohort, b);
  });
  await ooapi('persons/me', '/persons/me', fx.anna_token, 200,
    (b) => check('persons/me: herself', b.personId === fx.anna, b));
  await ooapi('participant sees her own associations',
    `/persons/${fx.anna}/associations`, fx.anna_token, 200,
    (b) => check('participant: one association', b.items.length === 1, b));
  await ooapi('participant does not see others', `/associations/${fx.enrollments.bram}`,
    fx.anna_token, 404);
  await ooapi('partner may not list persons', '/persons', fx.partner_token, 403);
  await ooapi('organizations', '/organizations?pageSize=250', S, 200,
    (b) => check('organizations: the host', ids(b).includes(fx.org) || b.hasNextPage, ids(b)));
  await ooapi('organization', `/organizations/${fx.org}`, S, 200,
    (b) => check('organization: kind in x-triad', xtriad(b).kind === 'municipality', b));
  await ooapi('another institution by name', `/programs?institution=${fx.other_institution}`,
    S, 400, (b) => check('another institution: not said to exist', /no such institution/.test(b.detail), b));
  // Many at once, each on a connection of its own, with one token: they queue in the
  // database pool and every one is answered.
  const many = await Promise.all(Array.from({ length: 40 }, (_, i) =>
    request(fx.base + (i % 2 ? '/programs' : `/offerings/${fx.cohort}/associations`), {
      headers: { Authorization: `Bearer ${S}`, Connection: 'close' },
    })));
  check('40 requests at once: all answered 200', many.every((r) => r.status === 200),
    many.map((r) => r.status));
  const post = await request(fx.base + '/programs', {
    method: 'POST', headers: { Authorization: `Bearer ${S}` }, body: '',
  });
  check('read-only: POST is 405', post.status === 405, post.status);
}

// ---- xAPI ----

function startLrs() {
  // The LRS writes access logs under its working directory: give it a private one.
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'triad-lrs-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'lrs.js')], {
      cwd: dir,
      env: Object.assign({}, process.env, {
        AUTH_REPO: 'test', EVENTS_REPO: 'test', MODELS_REPO: 'memory',
        STORAGE_REPO: 'memory', EXPRESS_PORT: '0', WINSTON_CONSOLE_LEVEL: 'error',
      }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error('LRS did not start')); },
      30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /LRS_PORT=(\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]) }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`LRS exited ${code}`)); });
  });
}

async function pullAll(token) {
  let url = '/xapi/statements?limit=2';
  const all = [];
  for (let i = 0; i < 100 && url; i++) {
    const res = await request(fx.base + url, { headers: { Authorization: `Bearer ${token}` } });
    check(`xapi: ${url} answers 200`, res.status === 200, res.text);
    if (res.status !== 200) break;
    if (i === 0) {
      check('xapi: X-Experience-API-Version', res.headers['x-experience-api-version'] === '1.0.3',
        res.headers);
      check('xapi: StatementResult shape', Array.isArray(res.body.statements) &&
        typeof res.body.more === 'string', res.body);
    }
    all.push(...res.body.statements);
    url = res.body.more;
  }
  return all;
}

async function checkXapi() {
  const T = fx.partner_token;
  const statements = await pullAll(T);
  const again = await pullAll(T);
  check('xapi: ids stable between pulls', JSON.stringify(statements.map((s) => s.id)) ===
    JSON.stringify(again.map((s) => s.id)));
  const verbs = statements.map((s) => s.verb.id);
  for (const v of ['http://adlnet.gov/expapi/verbs/attended',
    'http://adlnet.gov/expapi/verbs/commented', 'http://activitystrea.ms/schema/1.0/submit',
    'http://adlnet.gov/expapi/verbs/completed', 'http://adlnet.gov/expapi/verbs/passed']) {
    check(`xapi: a statement with verb ${v}`, verbs.includes(v), verbs);
  }
  const cert = statements.find((s) => s.verb.id.endsWith('/passed'));
  check('xapi: certificate.issued from the synthetic event', cert &&
    cert.context.extensions[Object.keys(cert.context.extensions).find((k) =>
      k.endsWith('/ext/event-type'))] === 'certificate.issued' &&
    cert.context.registration === fx.enrollments.anna, cert);
  const hours = statements.find((s) => s.verb.id.endsWith('/completed'));
  check('xapi: verified hours as a duration', hours && hours.result.duration === 'PT8H', hours);
  const att = statements.find((s) => s.verb.id.endsWith('/attended'));
  check('xapi: the participant is the actor (mbox, seen by an institution partner)',
    att && att.actor.mbox === `mailto:${fx.anna_email}`, att && att.actor);
  const fb = statements.find((s) => s.verb.id.endsWith('/commented'));
  check('xapi: the coach is the actor of feedback', fb &&
    (fb.actor.mbox === `mailto:${fx.coach_email}` || fb.actor.mbox_sha1sum ===
      crypto.createHash('sha1').update(`mailto:${fx.coach_email}`).digest('hex')), fb && fb.actor);
  for (const s of statements) {
    const warnings = validateStatement(s);
    check(`xapi: statement ${s.id} (${s.verb.display['en-US']}) is valid xAPI 1.0.3`,
      warnings.length === 0, warnings);
  }
  // An organisation's partner sees its employees' statements only with their consent
  // (anna gave hers, 'full', to her employer), with her address in clear (the employer
  // may see its employees) and the coach's as its SHA-1 (it may not see the coach).
  // 'full' is progress and feedback: attendance, feedback and the certificate, never
  // her logbook or her internship hours.
  const seen = await pullAll(fx.org_partner_token);
  const forEmployer = statements.filter((s) => !/\/(submit|completed)$/.test(s.verb.id));
  check('xapi: the employer sees the consenting employee\'s progress and feedback only',
    JSON.stringify(seen.map((s) => s.id).sort()) ===
      JSON.stringify(forEmployer.map((s) => s.id).sort()),
    { seen: seen.map((s) => s.verb.id), expected: forEmployer.map((s) => s.verb.id) });
  const seenFb = seen.find((s) => s.verb.id.endsWith('/commented'));
  check('xapi: the employer gets the coach as mbox_sha1sum, not the address',
    seenFb && seenFb.actor.mbox === undefined && seenFb.actor.mbox_sha1sum ===
      crypto.createHash('sha1').update(`mailto:${fx.coach_email}`).digest('hex'),
    seenFb && seenFb.actor);
  const seenAtt = seen.find((s) => s.verb.id.endsWith('/attended'));
  check('xapi: the employer gets its employee by address', seenAtt &&
    seenAtt.actor.mbox === `mailto:${fx.anna_email}`, seenAtt && seenAtt.actor);
  const other = await pullAll(fx.org2_partner_token);
  check('xapi: an organisation that employs none of them sees none', other.length === 0,
    other.map((s) => s.verb.id));

  const lrs = await startLrs();
  try {
    const base = `http://127.0.0.1:${lrs.port}/xAPI`;
    const headers = {
      Authorization: 'Basic ' + Buffer.from('triad:test').toString('base64'),
      'X-Experience-API-Version': '1.0.3', 'Content-Type': 'application/json',
    };
    const post = await request(`${base}/statements`, { method: 'POST', headers,
      body: JSON.stringify(statements) });
    check('lrs: accepts the statements', post.status === 200 &&
      Array.isArray(post.body) && post.body.length === statements.length, post.text);
    const repost = await request(`${base}/statements`, { method: 'POST', headers,
      body: JSON.stringify(again) });
    check('lrs: a re-post of the same statements is accepted (same ids)',
      repost.status === 200, repost.text);
    const back = await request(`${base}/statements?limit=100`, { headers });
    const got = (back.body && back.body.statements || []).map((s) => s.id).sort();
    check('lrs: GET gives every statement back, once', back.status === 200 &&
      JSON.stringify(got) === JSON.stringify(statements.map((s) => s.id).sort()),
      { got, want: statements.map((s) => s.id) });
    const bad = await request(`${base}/statements`, { method: 'POST', headers,
      body: JSON.stringify(Object.assign({}, statements[0], { id: crypto.randomUUID(), verb: {} })) });
    check('lrs: refuses a broken statement (the LRS does check)', bad.status === 400, bad.text);
  } finally {
    lrs.child.kill('SIGTERM');
  }
}

(async () => {
  try {
    await checkOoapi();
    await checkXapi();
  } catch (e) {
    check('no exception', false, e.stack);
  }
  console.log(failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
  process.exit(failed === 0 ? 0 : 1);
})();
