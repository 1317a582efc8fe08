/**
 * E-mail deliveries over SMTP with nodemailer (RFC 5321 submission, STARTTLS RFC 3207, AUTH
 * PLAIN/LOGIN RFC 4954). `starttls`: `required` refuses to send over a connection that did not
 * switch to TLS; `opportunistic` switches when the server offers it; `none` never does (a
 * trusted local relay). Certificates are verified (system CAs, plus NODE_EXTRA_CA_CERTS).
 */
import nodemailer from 'nodemailer';
import type { EmailConfig } from './channel-schema';
import type { SendResult } from './send-result';

export const SMTP_TIMEOUT_MS = 15_000;

export type EmailMessage = { subject: string; text: string };
export type EmailRequest = { config: EmailConfig; password: string | null; message: EmailMessage; timeoutMs?: number; ca?: string | Buffer };

const TRANSIENT_CODES = new Set(['ETIMEDOUT', 'ECONNECTION', 'ESOCKET', 'ECONNREFUSED', 'ECONNRESET', 'EDNS']);

function describe(err: unknown): { code: number | null; error: string; retry: boolean } {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  // The SMTP reply, never the whole message (it may quote the command, not secrets; still short).
  const what = e.response ? e.response.split('\n')[0]!.slice(0, 200) : (e.message ?? String(err)).split('\n')[0]!.slice(0, 200);
  const retry = code !== null ? code >= 400 && code < 500 : TRANSIENT_CODES.has(e.code ?? '') || e.code === undefined;
  return { code, error: e.code ? `${e.code}: ${what}` : what, retry };
}

export async function sendEmail(req: EmailRequest): Promise<SendResult> {
  const { config } = req;
  const timeout = req.timeoutMs ?? SMTP_TIMEOUT_MS;
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: false,
    requireTLS: config.starttls === 'required',
    ignoreTLS: config.starttls === 'none',
    auth: config.user ? { user: config.user, pass: req.password ?? '' } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    tls: { rejectUnauthorized: true, ...(req.ca ? { ca: req.ca } : {}) },
    logger: false,
    debug: false,
  });
  try {
    const info = await transport.sendMail({ from: config.from, to: config.to, subject: req.message.subject, text: req.message.text });
    const code = Number(/^(\d{3})/.exec(String(info.response ?? ''))?.[1]) || 250;
    return { ok: true, code };
  } catch (err) {
    return { ok: false, ...describe(err) };
  } finally {
    transport.close();
  }
}
