// Parsed SIP message shapes (RFC 3261 §7).
import type { Headers } from './headers';

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: Headers;
  body: Buffer;
  /** The whole message decoded as UTF-8 (what traces show). */
  text: string;
}

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: Headers;
  body: Buffer;
  /** The whole message decoded as UTF-8 (what traces show). */
  text: string;
}

export type SipMessage = SipRequest | SipResponse;

export interface ParseLimits {
  /** Whole message, start line to end of body. */
  maxMessageBytes: number;
  /** Header lines after unfolding. */
  maxHeaders: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxMessageBytes: 64 * 1024, maxHeaders: 256 };
