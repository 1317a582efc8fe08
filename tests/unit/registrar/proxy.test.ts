// The stateless proxy (registrar/proxy/) over the in-memory transport: what it does to the
// headers of relayed requests and responses (Via, Record-Route, Route, Max-Forwards, loops).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../registrar/clock';
import type { DnsResolver } from '../../../registrar/dns/resolve-targets';
import { parseMessage } from '../../../registrar/message/parser';
import type { SipMessage } from '../../../registrar/message/types';
import { Myself } from '../../../registrar/proxy/myself';
import { StatelessProxy } from '../../../registrar/proxy/proxy';
import { ProxyTargets } from '../../../registrar/proxy/targets';
import { Scheduler } from '../../../registrar/scheduler';
import { TransactionLayer } from '../../../registrar/transaction/layer';
import { MemoryTransport } from '../../../registrar/transport/memory';
import type { RemoteAddress } from '../../../registrar/transport/types';
import { UasResponder } from '../../../registrar/uas/responder';

const DDI = '493012345678';
const ME = '192.0.2.10';
const CARRIER: RemoteAddress = { transport: 'udp', host: '198.51.100.7', port: 5080 };
const PBX = '10.0.0.5';

const noDns: DnsResolver = {
  resolveNaptr: () => Promise.reject(new Error('no DNS in unit tests')),
  resolveSrv: () => Promise.reject(new Error('no DNS in unit tests')),
  resolve4: () => Promise.reject(new Error('no DNS in unit tests')),
  resolve6: () => Promise.reject(new Error('no DNS in unit tests')),
};

function invite(opts: { method?: string; branch?: string; uri?: string; to?: string; extra?: string[]; omit?: string[]; cseq?: string; via?: string[] } = {}): string {
  const method = opts.method ?? 'INVITE';
  const body = method === 'INVITE' ? 'v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\n' : '';
  const lines = [
    `${method} ${opts.uri ?? `sip:${DDI}@${ME}:5060`} SIP/2.0`,
    ...(opts.via ?? [`Via: SIP/2.0/UDP 198.51.100.7:5080;rport;branch=${opts.branch ?? 'z9hG4bK-carrier-1'}`]),
    'Max-Forwards: 70',
    'From: "Caller" <sip:+4930999@198.51.100.7>;tag=from1',
    `To: ${opts.to ?? `<sip:${DDI}@carrier.example>`}`,
    'Call-ID: call-1@198.51.100.7',
    `CSeq: ${opts.cseq ?? `1 ${method}`}`,
    'Contact: <sip:+4930999@198.51.100.7:5080>',
    ...(opts.extra ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${body.length}`,
  ].filter((l) => !(opts.omit ?? []).some((o) => l.startsWith(`${o}:`)));
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function setup(opts: { forwardTo?: string | null; ddis?: string[] } = {}) {
  const udp = new MemoryTransport('udp', { host: ME, port: 5060 });
  const tcp = new MemoryTransport('tcp', { host: ME, port: 40000 });
  const transports = { udp, tcp };
  const layer = new TransactionLayer({ scheduler: new Scheduler(new FakeClock()), transports });
  const responder = new UasResponder({ transports, server: 'ddi-registrar/test' });
  const targets = new ProxyTargets(noDns, new FakeClock());
  const ddis = new Set(opts.ddis ?? [DDI]);
  const forwardTo = opts.forwardTo === undefined ? `sip:${PBX}:5070` : opts.forwardTo;
  const proxy = new StatelessProxy({
    transports,
    server: 'ddi-registrar/test',
    myself: new Myself({ publicHosts: [], publicPort: null, bindAddresses: [], ports: () => [5060], interfaceAddresses: () => [ME, '127.0.0.1'] }),
    localAddress: async () => ({ host: ME, port: 5060 }),
    publicHost: () => null,
    publicPort: null,
    resolve: (uri, seed) => targets.resolve(uri, seed),
    forwardFor: () => forwardTo,
    isDdi: (user) => user !== null && ddis.has(user),
    local: (req, remote) => responder.handle(req, remote),
  });
  layer.setRequestHandler((req, remote) => proxy.handle(req, remote));
  layer.setResponseHandler((res, remote) => proxy.relayResponse(res, remote));
  /** Delivers `text` from `remote` and returns what was sent next (waits for the async relay). */
  const deliver = async (text: string, remote: RemoteAddress = CARRIER) => {
    const before = { udp: udp.sent.length, tcp: tcp.sent.length };
    (remote.transport === 'udp' ? udp : tcp).deliver(text, remote);
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    return [...udp.sent.slice(before.udp), ...tcp.sent.slice(before.tcp)];
  };
  return { udp, tcp, layer, proxy, responder, deliver };
}

const parse = (data: Buffer): SipMessage => parseMessage(data);
const vias = (m: SipMessage) => m.headers.getAll('via');

test('initial INVITE: Request-URI host/port → the PBX, DDI kept; our Via on top, received/rport on the caller\'s; Max-Forwards 69; Record-Route; body intact', async () => {
  const { deliver, proxy } = setup();
  const [out] = await deliver(invite());
  assert.ok(out, 'relayed');
  assert.deepEqual(out.target, { transport: 'udp', host: PBX, port: 5070, serverName: undefined });
  const m = parse(out.data);
  assert.equal(m.kind, 'request');
  if (m.kind !== 'request') return;
  assert.equal(m.uri, `sip:${DDI}@${PBX}:5070`);
  const [ours, theirs] = vias(m);
  assert.match(ours, /^SIP\/2\.0\/UDP 192\.0\.2\.10:5060;branch=z9hG4bKdr[0-9A-Za-z]{16}\.[0-9A-Za-z]{8};rport$/);
  assert.equal(theirs, 'SIP/2.0/UDP 198.51.100.7:5080;rport=5080;branch=z9hG4bK-carrier-1;received=198.51.100.7');
  assert.equal(m.headers.get('max-forwards'), '69');
  assert.deepEqual(m.headers.getAll('record-route'), ['<sip:192.0.2.10:5060;lr>']);
  assert.equal(m.body.toString(), 'v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\n');
  assert.equal(m.headers.get('content-length'), String(m.body.length));
  assert.equal(m.headers.get('contact'), '<sip:+4930999@198.51.100.7:5080>', 'Contact untouched');
  assert.equal(proxy.counters.callsRelayed, 1);
  assert.deepEqual(proxy.counters.requestsRelayed, { INVITE: 1 });
});

test('a retransmitted INVITE, its CANCEL and the ACK of its non-2xx get the same branch (§16.11); the call counts once', async () => {
  const { deliver, proxy } = setup();
  const branchOf = (data: Buffer) => /branch=([^;,\s]+)/.exec(vias(parse(data))[0])![1];
  const first = branchOf((await deliver(invite()))[0].data);
  assert.equal(branchOf((await deliver(invite()))[0].data), first);
  const cancel = (await deliver(invite({ method: 'CANCEL', cseq: '1 CANCEL' })))[0];
  assert.equal(branchOf(cancel.data), first);
  assert.equal(parse(cancel.data).kind === 'request' && (parse(cancel.data) as { uri: string }).uri, `sip:${DDI}@${PBX}:5070`);
  assert.equal(branchOf((await deliver(invite({ method: 'ACK', cseq: '1 ACK', to: `<sip:${DDI}@carrier.example>;tag=pbx1` })))[0].data), first);
  // a new transaction: another branch
  assert.notEqual(branchOf((await deliver(invite({ branch: 'z9hG4bK-carrier-2', cseq: '2 INVITE' })))[0].data), first);
  assert.equal(proxy.counters.callsRelayed, 2);
  assert.deepEqual(proxy.counters.requestsRelayed, { INVITE: 3, CANCEL: 1, ACK: 1 });
});

test('responses: our Via popped, sent to the next Via\'s received:rport; a response that is not ours is counted unmatched', async () => {
  const { deliver, layer, proxy } = setup();
  const fwd = parse((await deliver(invite()))[0].data);
  const ringing = ['SIP/2.0 180 Ringing', ...vias(fwd).map((v) => `Via: ${v}`), `From: ${fwd.headers.get('from')}`, `To: ${fwd.headers.get('to')};tag=pbx1`, 'Call-ID: call-1@198.51.100.7', 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n');
  const [back] = await deliver(ringing, { transport: 'udp', host: PBX, port: 5070 });
  assert.deepEqual(back.target, { transport: 'udp', host: '198.51.100.7', port: 5080, existingConnection: false });
  const r = parse(back.data);
  assert.equal(r.kind, 'response');
  assert.deepEqual(vias(r), ['SIP/2.0/UDP 198.51.100.7:5080;rport=5080;branch=z9hG4bK-carrier-1;received=198.51.100.7']);
  assert.equal(proxy.counters.responsesRelayed, 1);
  // one Via in a list line: "Via: ours, theirs"
  const listed = ringing.replace(/Via: (.*)\r\nVia: (.*)\r\n/, 'Via: $1, $2\r\n');
  const [back2] = await deliver(listed, { transport: 'udp', host: PBX, port: 5070 });
  assert.deepEqual(vias(parse(back2.data)), ['SIP/2.0/UDP 198.51.100.7:5080;rport=5080;branch=z9hG4bK-carrier-1;received=198.51.100.7']);
  const stray = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-unknown\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
  assert.deepEqual(await deliver(stray, { transport: 'udp', host: PBX, port: 5070 }), []);
  assert.equal(layer.counters.droppedUnmatched, 1);
});

test('Max-Forwards: 0 → 483 (OPTIONS answered 200 by us instead), absent → 70 added', async () => {
  const { deliver, proxy } = setup();
  const [tooMany] = await deliver(invite({ extra: [] }).replace('Max-Forwards: 70', 'Max-Forwards: 0'));
  assert.equal(tooMany.target.host, CARRIER.host);
  assert.equal((parse(tooMany.data) as { status: number }).status, 483);
  assert.equal(proxy.counters.tooManyHops, 1);
  const [options] = await deliver(invite({ method: 'OPTIONS', cseq: '1 OPTIONS' }).replace('Max-Forwards: 70', 'Max-Forwards: 0'));
  assert.equal((parse(options.data) as { status: number }).status, 200);
  const [added] = await deliver(invite({ omit: ['Max-Forwards'] }));
  assert.equal(parse(added.data).headers.get('max-forwards'), '70');
});

test('a request that comes back unchanged is a loop (482); one whose Request-URI changed is a spiral and relayed', async () => {
  const { deliver, proxy } = setup();
  const fwd = parse((await deliver(invite()))[0].data);
  const ourVia = vias(fwd)[0];
  // The PBX sends it back to our Contact as it came: same Request-URI, our Via below its own.
  const looped = invite({ via: [`Via: SIP/2.0/UDP ${PBX}:5070;branch=z9hG4bK-pbx-1`, `Via: ${ourVia}`, 'Via: SIP/2.0/UDP 198.51.100.7:5080;rport=5080;branch=z9hG4bK-carrier-1;received=198.51.100.7'] });
  const [answer] = await deliver(looped, { transport: 'udp', host: PBX, port: 5070 });
  assert.equal((parse(answer.data) as { status: number }).status, 482);
  assert.equal(proxy.counters.loops, 1);
  const spiral = looped.replace(`INVITE sip:${DDI}@${ME}:5060`, `INVITE sip:${DDI}@${ME}:5060;user=phone`);
  const [relayed] = await deliver(spiral, { transport: 'udp', host: PBX, port: 5070 });
  assert.equal(relayed.target.host, PBX);
});

test('in-dialog BYE from the PBX: our Route popped (loose routing), sent to the Request-URI (the carrier), no Record-Route added', async () => {
  const { deliver } = setup();
  const bye = [
    'BYE sip:+4930999@198.51.100.7:5080 SIP/2.0',
    `Via: SIP/2.0/UDP ${PBX}:5070;branch=z9hG4bK-pbx-bye`,
    'Route: <sip:192.0.2.10:5060;lr>',
    'Max-Forwards: 70',
    `From: <sip:${DDI}@carrier.example>;tag=pbx1`,
    'To: "Caller" <sip:+4930999@198.51.100.7>;tag=from1',
    'Call-ID: call-1@198.51.100.7',
    'CSeq: 1 BYE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const [out] = await deliver(bye, { transport: 'udp', host: PBX, port: 5070 });
  assert.deepEqual(out.target, { transport: 'udp', host: '198.51.100.7', port: 5080, serverName: undefined });
  const m = parse(out.data);
  assert.equal((m as { uri: string }).uri, 'sip:+4930999@198.51.100.7:5080');
  assert.equal(m.headers.has('route'), false);
  assert.equal(m.headers.has('record-route'), false);
  assert.equal(vias(m).length, 2);
});

test('double Record-Route: UDP carrier → TCP PBX gets r2=on values (PBX side on top); both are popped from the PBX\'s BYE, which goes to the next Route', async () => {
  const { deliver } = setup({ forwardTo: `sip:${PBX}:5070;transport=tcp` });
  const [out] = await deliver(invite());
  assert.deepEqual(out.target, { transport: 'tcp', host: PBX, port: 5070, serverName: undefined });
  const m = parse(out.data);
  assert.equal((m as { uri: string }).uri, `sip:${DDI}@${PBX}:5070;transport=tcp`);
  assert.deepEqual(m.headers.getAll('record-route'), ['<sip:192.0.2.10:5060;transport=tcp;lr;r2=on>', '<sip:192.0.2.10:5060;lr;r2=on>']);
  assert.match(vias(m)[0], /^SIP\/2\.0\/TCP 192\.0\.2\.10:5060;branch=/);
  const bye = [
    'BYE sip:+4930999@198.51.100.7:5080 SIP/2.0',
    `Via: SIP/2.0/TCP ${PBX}:5070;branch=z9hG4bK-pbx-bye`,
    'Route: <sip:192.0.2.10:5060;transport=tcp;lr;r2=on>, <sip:192.0.2.10:5060;lr;r2=on>',
    'Route: <sip:203.0.113.9;lr>',
    'Max-Forwards: 70',
    `From: <sip:${DDI}@carrier.example>;tag=pbx1`,
    'To: <sip:+4930999@198.51.100.7>;tag=from1',
    'Call-ID: call-1@198.51.100.7',
    'CSeq: 2 BYE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const [fwdBye] = await deliver(bye, { transport: 'tcp', host: PBX, port: 41000 });
  assert.deepEqual(fwdBye.target, { transport: 'udp', host: '203.0.113.9', port: 5060, serverName: undefined });
  const b = parse(fwdBye.data);
  assert.deepEqual(b.headers.getAll('route'), ['<sip:203.0.113.9;lr>']);
  assert.match(vias(b)[0], /^SIP\/2\.0\/UDP 192\.0\.2\.10:5060;branch=z9hG4bKdr/);
  // stream: rport added to the PBX's Via so the response finds the connection
  assert.equal(vias(b)[1], `SIP/2.0/TCP ${PBX}:5070;branch=z9hG4bK-pbx-bye;rport=41000;received=${PBX}`);
});

test('without a forward target: INVITE → 480 whose Warning names SIP_FORWARD_TO, counted refused once per call; OPTIONS keep the local 200', async () => {
  const { deliver, proxy } = setup({ forwardTo: null });
  const [r] = await deliver(invite());
  const res = parse(r.data);
  assert.equal((res as { status: number }).status, 480);
  assert.match(res.headers.get('warning')!, /^399 ddi-registrar ".*SIP_FORWARD_TO.*"$/);
  await deliver(invite());
  assert.equal(proxy.counters.callsRefused, 1);
  assert.equal(proxy.counters.callsRelayed, 0);
  const [ok] = await deliver(invite({ method: 'OPTIONS', cseq: '1 OPTIONS' }));
  assert.equal((parse(ok.data) as { status: number }).status, 200);
});

test('OPTIONS: relayed when addressed to a DDI and forwarding is on; to another user or none, answered 200 here (carrier qualify)', async () => {
  const { deliver } = setup();
  const [relayed] = await deliver(invite({ method: 'OPTIONS', cseq: '1 OPTIONS' }));
  assert.equal(relayed.target.host, PBX);
  const [local] = await deliver(invite({ method: 'OPTIONS', cseq: '1 OPTIONS', uri: `sip:${ME}:5060` }));
  assert.equal((parse(local.data) as { status: number }).status, 200);
  assert.equal(local.target.host, CARRIER.host);
});

test('a Route naming us on an out-of-dialog request (no To tag) is not relayed onwards: no open relay', async () => {
  const { deliver } = setup({ forwardTo: null });
  const [r] = await deliver(invite({ uri: 'sip:victim@203.0.113.50', extra: ['Route: <sip:192.0.2.10:5060;lr>'] }));
  assert.equal(r.target.host, CARRIER.host);
  assert.equal((parse(r.data) as { status: number }).status, 480);
});
