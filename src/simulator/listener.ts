// Binds the HTTP server and implements refusing mode: closing the listening socket (new
// connections are refused, idle keep-alive sockets dropped, running responses untouched; the
// simulator cuts a new request on a socket kept alive from before) and binding the same port again.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class Listener {
  private address: { port: number; host: string } | undefined;
  refusing = false;

  constructor(private readonly server: Server) {}

  get port(): number | undefined {
    return this.address?.port;
  }

  /** `http://host:port` (wildcard hosts shown as 127.0.0.1, IPv6 in brackets). */
  get url(): string {
    if (this.address === undefined) throw new Error('simulator is not listening');
    const h = this.address.host;
    const host = h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h;
    return `http://${host}:${this.address.port}`;
  }

  bind(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once('error', onError);
      // A deep accept queue: benchmarks open thousands of connections at once (capped by somaxconn).
      this.server.listen({ port, host, backlog: 65535 }, () => {
        this.server.off('error', onError);
        this.address = { port: (this.server.address() as AddressInfo).port, host };
        resolve();
      });
    });
  }

  async setRefusing(refusing: boolean): Promise<void> {
    if (refusing === this.refusing) return;
    const addr = this.address;
    if (addr === undefined) throw new Error('simulator is not listening');
    this.refusing = refusing;
    if (refusing) {
      this.server.close();
      this.server.closeIdleConnections();
      return;
    }
    // The old socket's port may take a moment to be released.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.bind(addr.port, addr.host);
        return;
      } catch (e) {
        if (attempt >= 50 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
    this.server.closeAllConnections();
    await closed;
    this.address = undefined;
  }
}
