/**
 * The nginx reference proxy: a pure pass-through (no response or request buffering, upstream
 * keep-alive), the floor for any proxy. This module writes its configuration and finds the
 * Debian binary; the fleet starts it in the foreground so its PID tree can be measured.
 */
import { existsSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** The nginx binary, or undefined when it is not installed (the nginx rows are then skipped). */
export function findNginx(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

/** The configuration text: one worker, listen on `port`, proxy everything to `upstreamPort`. */
function nginxConfig(prefix: string, port: number, upstreamPort: number, maxConnections: number): string {
  return `# worv-proxy bench: nginx as a pure pass-through
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile ${maxConnections + 64};
user root;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections ${maxConnections}; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  client_max_body_size 64m;
  upstream backend {
    server 127.0.0.1:${upstreamPort};
    keepalive 4096;
    keepalive_requests 1000000;
    # below the backend's own idle timeout, so nginx never reuses a connection being closed
    keepalive_timeout 4s;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 1200s;
    }
  }
}
`;
}

/** Writes the configuration under `prefix` and returns the path of nginx.conf. */
export async function writeNginxConfig(prefix: string, port: number, upstreamPort: number, maxConnections: number): Promise<string> {
  await mkdir(prefix, { recursive: true });
  const path = join(prefix, 'nginx.conf');
  await writeFile(path, nginxConfig(prefix, port, upstreamPort, maxConnections));
  return path;
}
