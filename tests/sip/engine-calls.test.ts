// Calls reach the PBX (registrar/proxy/): a sipp UAC plays the carrier and calls
// sip:<DDI>@<engine Contact>; a sipp UAS plays the PBX at SIP_FORWARD_TO on loopback. The
// engine relays INVITE/ACK/BYE/CANCEL and their responses, Record-Routing the dialog.
//   node --import tsx --test tests/sip/engine-calls.test.ts
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { createEngineHealthReader } from '../../lib/engine/health';
import { watchTrace } from '../../lib/registrations/live';
import { config, defer, record, testEngine, waitUntil } from './engine-helpers';
import { getFreePort, startSipp, type SippHandle, type SippMessage } from './harness';
import { databaseEnv } from '../db';
import { PortalDb, tempDatabase } from './portal-db';

const ROOT = join(import.meta.dirname, '..', '..');
const DDI = '493012345678';

const requests = (s: SippHandle, dir: 'in' | 'out') => s.messages().filter((m) => m.direction === dir && m.status === undefined);
const methods = (msgs: SippMessage[]) => msgs.map((m) => m.startLine.split(' ')[0]);

test('call over UDP: INVITE reaches the PBX with the DDI as Request-URI user; 200/ACK/BYE complete through the engine; traced under the DDI', { timeout: 30_000 }, async (t) => {
  const pbx = await startSipp('uas-pbx.xml', { maxCalls: 1, timeoutSec: 20 });
  defer(t, () => pbx.stop());
  const engine = testEngine(t, { forwardTo: `sip:127.0.0.1:${pbx.port}` });
  const rec = record(engine);
  await engine.start([config({ id: '7', ddi: DDI, enabled: false })]);
  const port = engine.listeningPorts().udp!;
  const carrier = await startSipp('uac-call.xml', { remote: `127.0.0.1:${port}`, service: DDI, maxCalls: 1, timeoutSec: 20 });
  defer(t, () => carrier.stop());

  assert.equal(await carrier.done, 0, `carrier call failed:\n${carrier.messages().map((m) => `${m.direction} ${m.startLine}`).join('\n')}`);
  assert.equal(await pbx.done, 0, 'the PBX saw INVITE, ACK and BYE');
  const atPbx = requests(pbx, 'in');
  assert.deepEqual(methods(atPbx), ['INVITE', 'ACK', 'BYE']);
  const invite = atPbx[0];
  assert.equal(invite.startLine, `INVITE sip:${DDI}@127.0.0.1:${pbx.port} SIP/2.0`);
  assert.equal(invite.header('Max-Forwards'), '69');
  assert.match(invite.header('Via')!, new RegExp(`^SIP/2\\.0/UDP 127\\.0\\.0\\.1:${port};branch=z9hG4bKdr`));
  assert.equal(invite.header('Record-Route'), `<sip:127.0.0.1:${port};lr>`);
  // ACK and BYE came from the carrier along the route set: through the engine, Route popped.
  for (const m of atPbx.slice(1)) {
    assert.equal(m.startLine.split(' ')[1], `sip:pbx@127.0.0.1:${pbx.port};transport=UDP`);
    assert.equal(m.header('Route'), undefined);
  }
  const c = engine.counters().proxy;
  assert.equal(c.callsRelayed, 1);
  assert.equal(c.callsRefused, 0);
  await waitUntil('INVITE in the DDI trace', () => rec.traces.filter((x) => x.registrationId === '7'), (x) => x.length >= 3);
  const traced = rec.traces.filter((x) => x.registrationId === '7').map((x) => [x.direction, x.text.split('\r\n')[0]]);
  assert.deepEqual(traced.slice(0, 3), [
    ['in', `INVITE sip:${DDI}@127.0.0.1:${port} SIP/2.0`],
    ['out', `INVITE sip:${DDI}@127.0.0.1:${pbx.port} SIP/2.0`],
    ['out', 'SIP/2.0 200 OK'],
  ]);
});

test('the PBX hangs up: its BYE follows the Record-Route back through the engine to the carrier\'s Contact', { timeout: 30_000 }, async (t) => {
  const pbx = await startSipp('uas-pbx-bye.xml', { maxCalls: 1, timeoutSec: 20 });
  defer(t, () => pbx.stop());
  const engine = testEngine(t, { forwardTo: `sip:127.0.0.1:${pbx.port}` });
  await engine.start([config({ id: '7', ddi: DDI, enabled: false })]);
  const port = engine.listeningPorts().udp!;
  const carrier = await startSipp('uac-call-pbx-bye.xml', { remote: `127.0.0.1:${port}`, service: DDI, maxCalls: 1, timeoutSec: 20 });
  defer(t, () => carrier.stop());

  assert.equal(await pbx.done, 0, `PBX:\n${pbx.messages().map((m) => `${m.direction} ${m.startLine}`).join('\n')}`);
  assert.equal(await carrier.done, 0);
  const bye = requests(carrier, 'in').find((m) => m.startLine.startsWith('BYE'))!;
  assert.equal(bye.startLine, `BYE sip:+4930999@127.0.0.1:${carrier.port};transport=UDP SIP/2.0`);
  assert.equal(bye.header('Route'), undefined, 'our Route was popped');
  assert.match(bye.header('Via')!, new RegExp(`^SIP/2\\.0/UDP 127\\.0\\.0\\.1:${port};branch=z9hG4bKdr`));
  assert.deepEqual(engine.counters().proxy.requestsRelayed, { INVITE: 1, ACK: 1, BYE: 1 });
});

test('CANCEL before answer: matched to the INVITE at the PBX (same branch), 200 and 487 back, ACK through', { timeout: 30_000 }, async (t) => {
  const pbx = await startSipp('uas-pbx-cancel.xml', { maxCalls: 1, timeoutSec: 20 });
  defer(t, () => pbx.stop());
  const engine = testEngine(t, { forwardTo: `sip:127.0.0.1:${pbx.port}` });
  await engine.start([config({ id: '7', ddi: DDI, enabled: false })]);
  const port = engine.listeningPorts().udp!;
  const carrier = await startSipp('uac-cancel.xml', { remote: `127.0.0.1:${port}`, service: DDI, maxCalls: 1, timeoutSec: 20 });
  defer(t, () => carrier.stop());

  assert.equal(await carrier.done, 0, `carrier:\n${carrier.messages().map((m) => `${m.direction} ${m.startLine}`).join('\n')}`);
  assert.equal(await pbx.done, 0);
  const atPbx = requests(pbx, 'in');
  assert.deepEqual(methods(atPbx), ['INVITE', 'CANCEL', 'ACK']);
  const branch = (m: SippMessage) => /branch=([^;,\s]+)/.exec(m.header('Via')!)![1];
  assert.equal(branch(atPbx[1]), branch(atPbx[0]), 'CANCEL carries its INVITE\'s branch (§9.1, §16.11)');
  assert.equal(branch(atPbx[2]), branch(atPbx[0]), 'so does the ACK of the 487 (§17.1.1.3)');
  assert.equal(atPbx[1].startLine, `CANCEL sip:${DDI}@127.0.0.1:${pbx.port} SIP/2.0`);
  assert.ok(carrier.messages().some((m) => m.direction === 'in' && m.status === 487));
});

test('UDP carrier → TCP PBX (SIP_FORWARD_TO ;transport=tcp): double Record-Route (r2=on), the call completes', { timeout: 30_000 }, async (t) => {
  const pbx = await startSipp('uas-pbx.xml', { transport: 'tcp', maxCalls: 1, timeoutSec: 20 });
  defer(t, () => pbx.stop());
  const engine = testEngine(t, { forwardTo: `sip:127.0.0.1:${pbx.port};transport=tcp` });
  await engine.start([config({ id: '7', ddi: DDI, enabled: false })]);
  const port = engine.listeningPorts().udp!;
  const carrier = await startSipp('uac-call.xml', { remote: `127.0.0.1:${port}`, service: DDI, maxCalls: 1, timeoutSec: 20 });
  defer(t, () => carrier.stop());

  assert.equal(await carrier.done, 0, `carrier:\n${carrier.messages().map((m) => `${m.direction} ${m.startLine}`).join('\n')}`);
  assert.equal(await pbx.done, 0);
  const atPbx = requests(pbx, 'in');
  assert.deepEqual(methods(atPbx), ['INVITE', 'ACK', 'BYE']);
  assert.equal(atPbx[0].startLine, `INVITE sip:${DDI}@127.0.0.1:${pbx.port};transport=tcp SIP/2.0`);
  assert.equal(atPbx[0].transport, 'TCP');
  assert.match(atPbx[0].header('Via')!, new RegExp(`^SIP/2\\.0/TCP 127\\.0\\.0\\.1:${port};branch=`));
  const rr = atPbx[0].text.split(/\r?\n/).filter((l) => /^Record-Route:/i.test(l)).map((l) => l.replace(/^Record-Route:\s*/i, ''));
  assert.deepEqual(rr, [`<sip:127.0.0.1:${port};transport=tcp;lr;r2=on>`, `<sip:127.0.0.1:${port};lr;r2=on>`]);
  const ok = carrier.messages().find((m) => m.direction === 'in' && m.status === 200 && /INVITE/.test(m.header('CSeq') ?? ''))!;
  assert.equal(ok.transport, 'UDP');
});

test('without SIP_FORWARD_TO: the INVITE gets 480 with a Warning naming it; counted refused, nothing relayed', { timeout: 30_000 }, async (t) => {
  const engine = testEngine(t);
  await engine.start([config({ id: '7', ddi: DDI, enabled: false })]);
  const port = engine.listeningPorts().udp!;
  const carrier = await startSipp('uac-invite-480.xml', { remote: `127.0.0.1:${port}`, service: DDI, maxCalls: 1, timeoutSec: 20 });
  defer(t, () => carrier.stop());
  assert.equal(await carrier.done, 0, `carrier:\n${carrier.messages().map((m) => `${m.direction} ${m.startLine}`).join('\n')}`);
  const refused = carrier.messages().find((m) => m.status === 480)!;
  assert.equal(refused.header('Warning'), '399 ddi-registrar "Call forwarding is not configured: set SIP_FORWARD_TO, or Forward to on the DDI provider"');
  const c = engine.counters().proxy;
  assert.equal(c.callsRefused, 1);
  assert.equal(c.callsRelayed, 0);
  assert.deepEqual(c.requestsRelayed, {});
});

test('product path: `npm run registrar` reads the DDI provider\'s Forward to from the database; calls relayed and refused reach engine_nodes', { timeout: 40_000 }, async (t) => {
  const { path, db, raw } = await tempDatabase(t);
  const pbx = await startSipp('uas-pbx.xml', { maxCalls: 1, timeoutSec: 30 });
  defer(t, () => pbx.stop());
  const portal = await PortalDb.create(raw, 'sip:127.0.0.1:9');
  await raw.prepare('UPDATE ddi_providers SET forward_to = ? WHERE id = ?').run(`sip:127.0.0.1:${pbx.port}`, portal.providerId);
  await portal.create({ username: 'alice', ddi: DDI, enabled: false });
  const sipPort = await getFreePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...databaseEnv(path),
    SIP_BIND: `127.0.0.1:${sipPort}`,
    SIP_PUBLIC_HOST: '127.0.0.1',
    REGISTRAR_STARTUP_SPREAD_MS: '0',
    REGISTRAR_HEARTBEAT_MS: '200',
  };
  delete env.SIP_FORWARD_TO;
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'registrar.mjs')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  defer(t, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM'); // only this child, by its own handle
      await exited;
    }
  });
  await waitUntil('registrar loaded', () => output, (o) => /registrations loaded/.test(o), 10_000);

  const carrier = await startSipp('uac-call.xml', { remote: `127.0.0.1:${sipPort}`, service: DDI, maxCalls: 1, timeoutSec: 20 });
  defer(t, () => carrier.stop());
  assert.equal(await carrier.done, 0, `carrier:\n${carrier.messages().map((m) => `${m.direction} ${m.startLine}`).join('\n')}\n--- registrar ---\n${output}`);
  assert.equal(requests(pbx, 'in')[0].startLine, `INVITE sip:${DDI}@127.0.0.1:${pbx.port} SIP/2.0`);
  // A DDI no registration has: no provider, no SIP_FORWARD_TO → refused.
  const stranger = await startSipp('uac-invite-480.xml', { remote: `127.0.0.1:${sipPort}`, service: '493099999999', maxCalls: 1, timeoutSec: 20 });
  defer(t, () => stranger.stop());
  assert.equal(await stranger.done, 0);

  const calls = () => raw.prepare('SELECT calls_relayed AS relayed, calls_refused AS refused FROM engine_nodes').get<{ relayed: number; refused: number }>();
  await waitUntil('call counters in engine_nodes', calls, (c) => c?.relayed === 1 && c.refused === 1, 5000);
  const health = await createEngineHealthReader(db)();
  assert.equal(health.state, 'running');
  assert.deepEqual(health.calls, { relayed: 1, refused: 1 });
  // The INVITE is in the registration's SIP messages: an operator opening them (a `watch`, as the
  // trace API writes) gets what the engine holds stored (routine messages are not stored unwatched).
  const id = ((await raw.prepare('SELECT id FROM registrations WHERE ddi = ?').get(DDI)) as { id: number }).id;
  await watchTrace(db, id);
  await waitUntil('relayed INVITE in registration_traces', async () => await portal.traces(id), (rows) => rows.some((r) => r.direction === 'out' && r.text.startsWith(`INVITE sip:${DDI}@127.0.0.1:${pbx.port}`)), 5000);
});
