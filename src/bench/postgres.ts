/**
 * A fresh Postgres database for the gateway-on-Postgres target, so every run starts from an
 * empty schema (dropped and created on the server named by the base URL).
 */
import pg from 'pg';

/** Drops and re-creates database `name` on the server of `baseUrl`; returns its URL. */
export async function resetPostgresDatabase(baseUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  const client = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
