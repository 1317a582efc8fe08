/**
 * A request through node:http, for what fetch() will not send: a forged `Host` header, duplicate
 * cookies in one header, a chosen local address. The body is read whole (streams: the first chunk).
 */
import { request } from 'node:http';

export type RawAnswer = { status: number; headers: Record<string, string | string[] | undefined>; text: string };

export function rawRequest(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string; firstChunkOnly?: boolean } = {}): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
      res.on('data', (d: string) => {
        text += d;
        if (init.firstChunkOnly) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}
