/** The console's pages, in navigation order. Features are mounted only here. */
import type { ComponentType } from 'react';
import { BackendsPage } from '../features/backends/backends-page';
import { GpuPage } from '../features/gpu/gpu-page';
import { KeysPage } from '../features/keys/keys-page';
import { PlaygroundPage } from '../features/playground/playground-page';
import { RequestsPage } from '../features/requests/requests-page';
import { StatusPage } from '../features/status/status-page';
import { UsagePage } from '../features/usage/usage-page';

export interface RouteDef {
  readonly path: string;
  readonly label: string;
  readonly page: ComponentType;
}

export const ROUTES: readonly RouteDef[] = [
  { path: '/keys', label: 'API keys', page: KeysPage },
  { path: '/usage', label: 'Usage', page: UsagePage },
  { path: '/requests', label: 'Requests', page: RequestsPage },
  { path: '/gpu', label: 'GPU telemetry', page: GpuPage },
  { path: '/backends', label: 'Backends', page: BackendsPage },
  { path: '/status', label: 'Status', page: StatusPage },
  { path: '/playground', label: 'Playground', page: PlaygroundPage },
];

/** Where `/` and the login page lead. */
export const HOME_PATH = '/keys';

/** The route for a pathname (trailing slash ignored). */
export function findRoute(pathname: string): RouteDef | undefined {
  const p = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  return ROUTES.find((r) => r.path === p);
}
