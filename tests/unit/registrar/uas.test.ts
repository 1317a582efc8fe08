// The stateless UAS at the Contact (registrar/uas/): each method's answer, the
// copied headers, the To-tag, Via received/rport, counters and routing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../registrar/clock';
import { parseMessage } from '../../../registrar/message/parser';
import type { SipRequest, SipResponse } from '../../../registrar/message/types';
import { Scheduler } from '../../../registrar/scheduler';
import { TransactionLayer } from '../../../registrar/transaction/layer';
import { MemoryTransport } from '../../../registrar/transport/memory';
import type { RemoteAddress, TransportProtocol } from '../../../registrar/transport/types';
import { DdiTrace } from '../../../registrar/uas/ddi-trace';
import { UasResponder } from '../../../registrar/uas/responder';

const REMOTE: RemoteAddress = { transport: 'udp', host: '198.51.100.7', port: 5080 };

function request(method: string, opts: { branch?: string; via?: string; omit?: string[]; cseqMethod?: string; to?: string; extra?: string[] } = {}): string {
  const lines = [
    `${method} sip:493012345678@192.0.2.10:5060 SIP/2.0`,
    `Via: ${opts.via ?? `SIP/2.0/UDP 198.51.100.7:5080;rport;branch=${opts.branch ?? 'z9hG4bK-1'}`}`,
    'Via: SIP/2.0/UDP 203.0.113.5;branch=z9hG4bK-proxy',
    'Max-Forwards: 70',
    'From: <sip:qualify@198.51.100.7>;tag=abc',
    `To: ${opts.to ?? '<sip:493012345678@192.0.2.10>'}`,
    'Call-ID: call-1@198.51.100.7',
    `CSeq: 7 ${opts.cseqMethod ?? method}`,
    ...(opts.extra ?? []),
    'Content-Length: 0',
  ].filter((l) => !(opts.omit ?? []).some((o) => l.startsWith(`${o}:`)));
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function setup(protocol: TransportProtocol = 'udp') {
  const transport = new MemoryTransport(protocol);
  const layer = new TransactionLayer({ scheduler: new Scheduler(new FakeClock()), transports: { [protocol]: transport } });
  const exchanges: Array<{ method: string; response: string | null }> = [];
  const responder = new UasResponder({
    transports: { [protocol]: transport },
    server: 'ddi-registrar/test',
    onExchange: (req, _remote, res) => exchanges.push({ method: req.method, response: res?.toString() ?? null }),
  });
  layer.setRequestHandler((req, remote) => responder.handle(req, remote));
  const remote = { ...REMOTE, transport: protocol };
  const send = (text: string): SipResponse | null => {
    const before = transport.sent.length;
    transport.deliver(text, remote);
    if (transport.sent.length === before) return null;
    const m = parseMessage(transport.sent[transport.sent.length - 1].data);
    assert.equal(m.kind, 'response');
    return m as SipResponse;
  };
  return { transport, layer, responder, send, exchanges };
}

test('OPTIONS → 200 with Allow, Accept, Accept-Encoding, Accept-Language, Supported; headers copied; back to the source', () => {
  const { send, transport } = setup();
  const res = send(request('OPTIONS'))!;
  assert.equal(res.status, 200);
  assert.equal(res.reason, 'OK');
  const h = res.headers;
  assert.equal(h.get('allow'), 'INVITE, ACK, CANCEL, BYE, OPTIONS');
  assert.equal(h.get('accept'), 'application/sdp');
  assert.equal(h.get('accept-encoding'), 'identity');
  assert.equal(h.get('accept-language'), 'en');
  assert.ok(h.has('supported'));
  assert.deepEqual(h.getAll('via'), [
    'SIP/2.0/UDP 198.51.100.7:5080;rport=5080;branch=z9hG4bK-1;received=198.51.100.7',
    'SIP/2.0/UDP 203.0.113.5;branch=z9hG4bK-proxy',
  ]);
  assert.equal(h.get('from'), '<sip:qualify@198.51.100.7>;tag=abc');
  assert.match(h.get('to')!, /^<sip:493012345678@192\.0\.2\.10>;tag=[0-9a-f]{16}$/);
  assert.equal(h.get('call-id'), 'call-1@198.51.100.7');
  assert.equal(h.get('cseq'), '7 OPTIONS');
  assert.equal(h.get('server'), 'ddi-registrar/test');
  assert.equal(h.get('content-length'), '0');
  assert.deepEqual(transport.sent[0].target, { transport: 'udp', host: '198.51.100.7', port: 5080, existingConnection: true });
});

test('the To-tag is stable for a retransmission, differs per transaction, and an existing tag is kept', () => {
  const { send } = setup();
  const a = send(request('OPTIONS'))!.headers.get('to');
  const again = send(request('OPTIONS'))!.headers.get('to');
  const other = send(request('OPTIONS', { branch: 'z9hG4bK-2' }))!.headers.get('to');
  assert.equal(a, again);
  assert.notEqual(a, other);
  assert.equal(send(request('BYE', { to: '<sip:493012345678@192.0.2.10>;tag=dialog' }))!.headers.get('to'), '<sip:493012345678@192.0.2.10>;tag=dialog');
});

test('Via: received only when the sent-by host differs (no rport), rport value from the source port', () => {
  const { send } = setup();
  assert.equal(send(request('OPTIONS', { via: 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-x' }))!.headers.getAll('via')[0], 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-x;received=198.51.100.7');
  assert.equal(send(request('OPTIONS', { via: 'SIP/2.0/UDP 198.51.100.7:5080;branch=z9hG4bK-y' }))!.headers.getAll('via')[0], 'SIP/2.0/UDP 198.51.100.7:5080;branch=z9hG4bK-y');
  assert.equal(send(request('OPTIONS', { via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-z;rport' }))!.headers.getAll('via')[0], 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-z;rport=5080;received=198.51.100.7');
});

test('INVITE → 480 with a Warning, CANCEL and BYE → 481, unknown methods → 405 with Allow, ACK → nothing', () => {
  const { send } = setup();
  const invite = send(request('INVITE'))!;
  assert.equal(invite.status, 480);
  assert.match(invite.headers.get('warning')!, /^399 ddi-registrar "/);
  assert.equal(send(request('CANCEL'))!.status, 481);
  assert.equal(send(request('BYE'))!.status, 481);
  for (const method of ['MESSAGE', 'REGISTER', 'FOO']) {
    const res = send(request(method))!;
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'INVITE, ACK, CANCEL, BYE, OPTIONS');
  }
  assert.equal(send(request('ACK')), null);
});

test('requests missing mandatory headers or with a wrong CSeq → 400; unsupported Require → 420', () => {
  const { send } = setup();
  for (const omit of ['From', 'To', 'Call-ID', 'CSeq']) {
    const res = send(request('OPTIONS', { omit: [omit] }))!;
    assert.equal(res.status, 400, omit);
    assert.equal(res.reason, `Missing ${omit} Header`);
  }
  assert.equal(send(request('OPTIONS', { cseqMethod: 'INVITE' }))!.reason, 'CSeq Method Does Not Match');
  const ext = send(request('OPTIONS', { extra: ['Require: 100rel, foo'] }))!;
  assert.equal(ext.status, 420);
  assert.equal(ext.headers.get('unsupported'), '100rel, foo');
});

test('garbage is dropped and counted; requests and responses are counted by method, transport and status', () => {
  const { send, layer, responder, exchanges } = setup('tcp');
  assert.equal(send('\x00\x01 not SIP at all\r\n\r\n'), null);
  assert.equal(layer.counters.droppedMalformed, 1);
  send(request('OPTIONS', { via: 'SIP/2.0/TCP 198.51.100.7:5080;branch=z9hG4bK-t' }));
  send(request('OPTIONS', { via: 'SIP/2.0/TCP 198.51.100.7:5080;branch=z9hG4bK-t' }));
  send(request('FOO', { via: 'SIP/2.0/TCP 198.51.100.7:5080;branch=z9hG4bK-u' }));
  send(request('ACK', { via: 'SIP/2.0/TCP 198.51.100.7:5080;branch=z9hG4bK-u' }));
  assert.deepEqual(responder.counters.requests, { OPTIONS: { tcp: 2 }, OTHER: { tcp: 1 }, ACK: { tcp: 1 } });
  assert.deepEqual(responder.counters.responses, { 200: 2, 405: 1 });
  assert.deepEqual(exchanges.map((e) => [e.method, e.response?.split('\r\n')[0] ?? null]), [
    ['OPTIONS', 'SIP/2.0 200 OK'],
    ['OPTIONS', 'SIP/2.0 200 OK'],
    ['FOO', 'SIP/2.0 405 Method Not Allowed'],
    ['ACK', null],
  ]);
});

test('without a request handler, requests are dropped as unmatched', () => {
  const transport = new MemoryTransport('udp');
  const layer = new TransactionLayer({ scheduler: new Scheduler(new FakeClock()), transports: { udp: transport } });
  transport.deliver(request('OPTIONS'), REMOTE);
  assert.equal(layer.counters.droppedUnmatched, 1);
  assert.equal(transport.sent.length, 0);
});

test('DdiTrace: a request names a registration by Request-URI user, else To user; DDI changes and removals are followed; exchanges recorded', () => {
  const recorded: string[] = [];
  let now = 0;
  const index = new DdiTrace((id, direction, remote, text) => recorded.push(`${id} ${direction} ${remote} ${text.split('\r\n')[0]}`), () => now);
  const req = (uri: string, to: string) => parseMessage(Buffer.from(`OPTIONS ${uri} SIP/2.0\r\nTo: ${to}\r\nContent-Length: 0\r\n\r\n`)) as SipRequest;
  index.set('1', '4930111');
  index.set('2', '4930222');
  assert.equal(index.lookup(req('sip:4930111@192.0.2.10:5060', '<sip:other@x>')), '1');
  assert.equal(index.lookup(req('sip:192.0.2.10:5060', '<sip:4930222@192.0.2.10>;tag=a')), '2');
  assert.equal(index.lookup(req('tel:+4930111', 'garbage')), undefined);
  index.set('1', '4930333', '4930111');
  assert.equal(index.lookup(req('sip:4930111@h', '<sip:h>')), undefined);
  assert.equal(index.lookup(req('sip:4930333@h', '<sip:h>')), '1');
  index.delete('1', '4930333');
  index.delete('1', '4930222'); // not its DDI: kept
  assert.equal(index.lookup(req('sip:4930333@h', '<sip:h>')), undefined);
  assert.equal(index.lookup(req('sip:4930222@h', '<sip:h>')), '2');
  index.exchange(req('sip:4930222@h', '<sip:h>'), REMOTE, Buffer.from('SIP/2.0 200 OK\r\n\r\n'));
  index.exchange(req('sip:4930999@h', '<sip:h>'), REMOTE, null);
  assert.deepEqual(recorded, ['2 in 198.51.100.7:5080/udp OPTIONS sip:4930222@h SIP/2.0', '2 out 198.51.100.7:5080/udp SIP/2.0 200 OK']);

  // A qualify every 30 s is recorded once per 10 minutes; other requests always.
  recorded.length = 0;
  for (let i = 0; i < 20; i++) {
    now += 30_000;
    index.exchange(req('sip:4930222@h', '<sip:h>'), REMOTE, Buffer.from('SIP/2.0 200 OK\r\n\r\n'));
  }
  assert.equal(recorded.filter((r) => r.includes(' in ')).length, 1, `OPTIONS at 10 min only: ${recorded.join(' | ')}`);
  const invite = parseMessage(Buffer.from('INVITE sip:4930222@h SIP/2.0\r\nTo: <sip:h>\r\nContent-Length: 0\r\n\r\n')) as SipRequest;
  index.exchange(invite, REMOTE, Buffer.from('SIP/2.0 480 Temporarily Unavailable\r\n\r\n'));
  assert.equal(recorded.filter((r) => r.includes(' in ') && r.includes('INVITE sip:')).length, 1);
});
