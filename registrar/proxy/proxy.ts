// A stateless proxy (RFC 3261 §16.11) between the carriers and the operator's PBX: requests
// reaching our Contact for a DDI are relayed to the forward target (SIP_FORWARD_TO, or the DDI
// provider's forward_to) with the DDI kept as Request-URI user; the proxy Record-Routes them so
// the dialog's later requests from either side pass through it (loose routing, §16.4, §16.12);
// responses go back along the Via stack (§16.7 step 3 read with §16.11: pop our Via, send to
// the next). Whatever is not relayed goes to the stateless UAS (registrar/uas/).
//
// Stateless: "A stateless proxy does not have any notion of a transaction ... it forwards every
// request it receives downstream and every response it receives upstream" (§16.11). No timers,
// no per-call memory (calls are counted with a bounded set of recent INVITE branches).
import type { SipRequest, SipResponse } from '../message/types';
import { parseNameAddr } from '../message/name-addr';
import { formatHost, formatUri, parseUri, type SipUri } from '../message/uri';
import { parseVia } from '../message/via';
import { parseCSeq } from '../message/cseq';
import { splitHeaderList } from '../message/headers';
import { buildResponse, stampTopVia, type ResponseSpec } from '../uas/response';
import type { LocalAddress, RemoteAddress, Transport, TransportProtocol, TransportTarget } from '../transport/types';
import { isProxyBranch, proxyBranch, routingPart, routingPartOf, type BranchInputs } from './branch';
import { newProxyCounters, RecentBranches, type ProxyCounters } from './counters';
import { elements, insertTop, removeFirst, replaceFirst, serialize, setHeader, toEditable } from './edit';
import type { Myself } from './myself';
import { needsLookup, responseTarget } from './via-target';

/** Out-of-dialog requests relayed to the forward target (OPTIONS only when addressed to a DDI). */
const RELAYED_METHODS = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'UPDATE', 'INFO', 'PRACK', 'MESSAGE', 'NOTIFY', 'OPTIONS']);
/** §16.6 step 3: "If the copy does not contain a Max-Forwards header field, the proxy MUST add one with a field value, which SHOULD be 70." */
const DEFAULT_MAX_FORWARDS = 70;

export interface ProxyOptions {
  transports: Partial<Record<TransportProtocol, Transport>>;
  myself: Myself;
  /** Server header of the responses the proxy itself sends (482, 483, 503). */
  server: string;
  /** Our address towards `target`: the interface the kernel uses and our port for its transport. */
  localAddress(target: TransportTarget): Promise<LocalAddress>;
  /** SIP_PUBLIC_HOST of a peer's family / port: how carriers reach us (their side of a Record-Route). */
  publicHost(peerHost: string): string | null;
  publicPort: number | null;
  /** RFC 3263 next-hop addresses; `seed` keeps retransmissions on one target (§16.11). */
  resolve(uri: SipUri, seed: string): Promise<readonly TransportTarget[]>;
  /** The forward target (a sip:/sips: URI) for a Request-URI user, or null when none is configured. */
  forwardFor(user: string | null): string | null;
  /** Whether `user` is a registered DDI (OPTIONS are relayed only then). */
  isDdi(user: string | null): boolean;
  /** The stateless UAS: requests the proxy does not relay. */
  local(request: SipRequest, remote: RemoteAddress): void;
  /** A request relayed to `target` (traces hook in here). */
  onRelayed?(request: SipRequest, remote: RemoteAddress, forwarded: Buffer, target: TransportTarget): void;
  /** A response relayed back to `target`. */
  onResponseRelayed?(response: SipResponse, forwarded: Buffer, target: TransportTarget): void;
}

interface Decision {
  /** The next hop (§16.5/§16.6 step 6-7): the first remaining Route, else the Request-URI. */
  nextHop: SipUri;
  /** The new Request-URI, when it is rewritten (requests to a DDI at our Contact). */
  requestUri: string | null;
  /** Our Route values at the top (§16.4), removed before forwarding. */
  popped: SipUri[];
  /** An initial INVITE: Record-Route it, count it. */
  initialInvite: boolean;
}

export class StatelessProxy {
  readonly counters: ProxyCounters = newProxyCounters();
  private readonly recentCalls = new RecentBranches();

  constructor(private readonly options: ProxyOptions) {}

  /** An inbound request: relayed, answered by the proxy (482/483/503), or handed to the UAS. */
  handle(request: SipRequest, remote: RemoteAddress): void {
    const decision = this.decide(request);
    if (!decision) {
      if (request.method === 'INVITE' && !hasToTag(request) && this.isNewCall(request)) this.counters.callsRefused++;
      this.options.local(request, remote);
      return;
    }
    void this.relay(request, remote, decision).catch(() => this.counters.sendErrors++);
  }

  /**
   * A response matching no client transaction of ours. Ours (top Via added by this proxy):
   * §16.7 step 3 "The proxy removes the topmost Via header field value from the response",
   * then it goes where the next Via says. Returns false when the response is not ours.
   */
  relayResponse(response: SipResponse, _remote: RemoteAddress): boolean {
    const vias = response.headers.getAll('via').flatMap((l) => splitHeaderList(l));
    let top;
    try {
      top = parseVia(vias[0] ?? '');
    } catch {
      return false;
    }
    if (!isProxyBranch(top.params.get('branch')) || !this.options.myself.isMyAddress(top.host, top.port ?? 5060)) return false;
    // §16.7 step 3: "If no Via header field values remain in the response, the response was meant for this element and MUST NOT be forwarded."
    let next;
    try {
      next = vias[1] === undefined ? null : parseVia(vias[1]);
    } catch {
      next = null;
    }
    const target = next && responseTarget(next);
    if (!target) {
      this.counters.responsesDropped++;
      return true;
    }
    const m = toEditable(response.text, response.body);
    removeFirst(m, 'via');
    const data = serialize(m);
    void this.sendTo(target, data, `sip:${formatHost(target.host)}:${target.port}`).then((sent) => {
      if (!sent) return;
      this.counters.responsesRelayed++;
      this.options.onResponseRelayed?.(response, data, sent);
    });
    return true;
  }

  /** Where the request goes, or null: not relayed (the UAS answers it). */
  private decide(request: SipRequest): Decision | null {
    const h = request.headers;
    if (!h.has('via') || !h.has('from') || !h.has('to') || !h.has('call-id') || !h.has('cseq')) return null;
    let requestUri: SipUri;
    let routes: SipUri[];
    try {
      requestUri = parseUri(request.uri);
      routes = h.getAll('route').flatMap((l) => splitHeaderList(l)).map((r) => parseNameAddr(r).uri);
    } catch {
      return null;
    }
    // §16.4: "If the first value in the Route header field indicates this proxy, the proxy MUST
    // remove that value from the request." Two of ours in a row: the double Record-Route (r2).
    const popped: SipUri[] = [];
    while (popped.length < 2 && routes[popped.length] && this.options.myself.isMe(routes[popped.length])) popped.push(routes[popped.length]);
    if (popped.length > 0) {
      // Record-Routed dialogs only: a request Routed through us must be in a dialog (To tag),
      // so the proxy is no open relay for out-of-dialog requests that name us in a Route.
      if (!hasToTag(request)) return null;
      return { nextHop: routes[popped.length] ?? requestUri, requestUri: null, popped, initialInvite: false };
    }
    // At our Contact: the Request-URI user is the DDI (the Contact user we registered).
    if (!RELAYED_METHODS.has(request.method)) return null;
    const user = requestUri.user;
    if (request.method === 'OPTIONS' && !this.options.isDdi(user)) return null;
    const forward = this.options.forwardFor(user);
    if (!forward) return null;
    const target = parseUri(forward);
    // §16.5 / §16.6 step 2: the proxy replaces the Request-URI with the target; the DDI stays its user.
    const rewritten = formatUri({ ...target, user });
    return { nextHop: parseUri(rewritten), requestUri: rewritten, popped, initialInvite: request.method === 'INVITE' && !hasToTag(request) };
  }

  private async relay(request: SipRequest, remote: RemoteAddress, d: Decision): Promise<void> {
    const h = request.headers;
    // §16.3 step 3: Max-Forwards 0 → 483, except OPTIONS, which "the proxy MAY act as a UAS and respond to".
    const mfText = h.get('max-forwards');
    const mf = mfText !== undefined && /^\d+$/.test(mfText.trim()) ? Number(mfText.trim()) : null;
    if (mf !== null && mf <= 0) {
      if (request.method === 'OPTIONS') return this.options.local(request, remote);
      this.counters.tooManyHops++;
      return this.answer(request, remote, { status: 483, reason: 'Too Many Hops' });
    }
    const inputs = branchInputs(request);
    const branch = proxyBranch(inputs);
    // §16.3 step 4: a Via of ours with the same routing hash is a loop; a different one a spiral.
    const routing = routingPart(inputs);
    for (const v of h.getAll('via').flatMap((l) => splitHeaderList(l))) {
      try {
        const via = parseVia(v);
        const b = via.params.get('branch');
        if (isProxyBranch(b) && routingPartOf(b) === routing && this.options.myself.isMyAddress(via.host, via.port ?? 5060)) {
          this.counters.loops++;
          return this.answer(request, remote, { status: 482, reason: 'Loop Detected' });
        }
      } catch {
        // an unparsable lower Via is not ours
      }
    }
    let targets: readonly TransportTarget[];
    try {
      targets = await this.options.resolve(d.nextHop, branch);
    } catch {
      targets = [];
    }
    const target = targets[0];
    if (!target || !this.options.transports[target.transport]) {
      this.counters.noRoute++;
      // §16.11 does not retry other targets; without any there is nobody to send to.
      if (request.method !== 'ACK') this.answer(request, remote, { status: 503, reason: 'Service Unavailable', headers: [['Warning', '399 ddi-registrar "Forward target unreachable: no address for it"']] });
      return;
    }
    const local = await this.options.localAddress(target);
    // Towards the peer of a Route we popped, we are the host that Route named (r2: the second one).
    const outHost = d.popped.length > 0 ? d.popped[d.popped.length - 1].host : local.host;
    const m = toEditable(request.text, request.body);
    if (d.requestUri) m.startLine = `${request.method} ${d.requestUri} SIP/2.0`;
    for (let i = 0; i < d.popped.length; i++) removeFirst(m, 'route');
    // §16.6 step 3.
    setHeader(m, 'max-forwards', 'Max-Forwards', String(mf === null ? DEFAULT_MAX_FORWARDS : mf - 1));
    // §18.2.1 / RFC 3581 §4 on the previous hop's Via; over a stream also rport, so the response finds the connection.
    const topVia = elements(m, 'via')[0] ?? '';
    replaceFirst(m, 'via', stampTopVia(remote.transport !== 'udp' && !/;\s*rport\b/i.test(topVia) ? `${topVia};rport` : topVia, remote));
    if (d.initialInvite) insertTop(m, 'record-route', 'Record-Route', await this.recordRoute(remote, target, outHost, local.port), 'via');
    // §16.6 step 8: our Via on top.
    insertTop(m, 'via', 'Via', [`SIP/2.0/${target.transport.toUpperCase()} ${formatHost(outHost)}:${local.port};branch=${branch};rport`]);
    const data = serialize(m);
    this.options.transports[target.transport]!.send(target, data, () => this.counters.sendErrors++);
    this.counters.requestsRelayed[request.method] = (this.counters.requestsRelayed[request.method] ?? 0) + 1;
    if (d.initialInvite && this.isNewCall(request)) this.counters.callsRelayed++;
    this.options.onRelayed?.(request, remote, data, target);
  }

  /**
   * §16.6 step 4: our URI with `lr`, so in-dialog requests come back through us (§16.12).
   * When the two sides differ (transport, address family or host, e.g. SIP_PUBLIC_HOST towards
   * the carrier), two values (r2=on, RFC 5658): the top one for the PBX side (the callee's route
   * set is the list in order), the lower one for the carrier side (the caller's is reversed).
   */
  private async recordRoute(remote: RemoteAddress, out: TransportTarget, outHost: string, outPort: number): Promise<string[]> {
    const inbound = await this.options.localAddress({ transport: remote.transport, host: remote.host, port: remote.port, existingConnection: true });
    const inHost = this.options.publicHost(remote.host) ?? inbound.host;
    const inPort = this.options.publicPort ?? inbound.port;
    const rr = (host: string, port: number, transport: TransportProtocol, r2: boolean) =>
      `<sip:${formatHost(host)}:${port}${transport === 'udp' ? '' : `;transport=${transport}`};lr${r2 ? ';r2=on' : ''}>`;
    if (remote.transport === out.transport && inHost === outHost && inPort === outPort) return [rr(outHost, outPort, out.transport, false)];
    return [rr(outHost, outPort, out.transport, true), rr(inHost, inPort, remote.transport, true)];
  }

  /** Sends a response the proxy generates itself, statelessly (§16.11 reads as §8.2.7). */
  private answer(request: SipRequest, remote: RemoteAddress, spec: ResponseSpec): void {
    const transport = this.options.transports[remote.transport];
    const data = buildResponse(request, remote, spec, this.options.server);
    transport?.send({ transport: remote.transport, host: remote.host, port: remote.port, existingConnection: true }, data, () => this.counters.sendErrors++);
  }

  /** Sends a relayed response; a sent-by name is resolved first (RFC 3263 §5). */
  private async sendTo(target: TransportTarget, data: Buffer, uriText: string): Promise<TransportTarget | null> {
    let to = target;
    if (needsLookup(target)) {
      try {
        const found = (await this.options.resolve(parseUri(uriText), uriText))[0];
        if (!found) throw new Error('no address');
        to = { ...found, transport: target.transport, existingConnection: target.existingConnection };
      } catch {
        this.counters.responsesDropped++;
        return null;
      }
    }
    const transport = this.options.transports[to.transport];
    if (!transport) {
      this.counters.responsesDropped++;
      return null;
    }
    transport.send(to, data, () => this.counters.sendErrors++);
    return to;
  }

  private isNewCall(request: SipRequest): boolean {
    return this.recentCalls.first(`${request.headers.get('call-id')}\n${branchInputs(request).topBranch ?? ''}`);
  }
}

function hasToTag(request: SipRequest): boolean {
  return tagOf(request.headers.get('to')) !== null;
}

function tagOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  try {
    return parseNameAddr(value).params.get('tag') ?? null;
  } catch {
    return null;
  }
}

function branchInputs(request: SipRequest): BranchInputs {
  const h = request.headers;
  const topVia = splitHeaderList(h.get('via') ?? '')[0] ?? '';
  let topBranch: string | null = null;
  try {
    topBranch = parseVia(topVia).params.get('branch') ?? null;
  } catch {
    topBranch = null;
  }
  let cseqNumber = 0;
  try {
    cseqNumber = parseCSeq(h.get('cseq')).seq;
  } catch {
    cseqNumber = 0;
  }
  return {
    topBranch,
    topVia,
    toTag: tagOf(h.get('to')),
    fromTag: tagOf(h.get('from')),
    callId: h.get('call-id') ?? '',
    cseqNumber,
    requestUri: request.uri,
    routes: h.getAll('route'),
    proxyRequire: h.getAll('proxy-require'),
    proxyAuthorization: h.getAll('proxy-authorization'),
  };
}

