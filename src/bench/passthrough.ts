/**
 * The bare Node pass-through, the floor for any Node gateway: node:http in, node:http out
 * through a keep-alive agent, bodies piped, nothing else. Run as
 * `node dist/bench/passthrough.js PORT UPSTREAM_URL`; prints `listening PORT` when ready.
 */
import { Agent, createServer, request } from 'node:http';

const [portArg = '0', upstreamArg = 'http://127.0.0.1:8000'] = process.argv.slice(2);
const upstream = new URL(upstreamArg);
// maxFreeSockets: keep every idle upstream connection, as the gateway's pool does.
const agent = new Agent({ keepAlive: true, maxFreeSockets: 65_536 });

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const up = request(
    { agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    },
  );
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
  // A client that goes away aborts the upstream request, so the backend stops generating.
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  req.pipe(up);
});

// A normal exit on SIGTERM, so `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));

server.listen({ port: Number(portArg), host: '127.0.0.1', backlog: 4096 }, () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr !== null ? addr.port : portArg}\n`);
});
