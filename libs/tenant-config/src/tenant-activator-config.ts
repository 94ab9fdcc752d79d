import { z } from 'zod';
import type { Tenant } from './tenant';

const positiveInt = z.number().int().positive();
const port = z.number().int().min(1).max(65535);
const dnsLabel = z.string().regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);

/**
 * Schema of the tenant activator's configuration file (`activator.json`): rendered by cluster-addons
 * from the tenant folders, read by the activator at start. The activator sits between the edge
 * Gateway and every tenant's OpenWebUI: it proxies each request to its tenant by `Host`, wakes a
 * dormant tenant (workloads at zero replicas) on its first request and holds that request while the
 * tenant starts, and puts a tenant to sleep after `dormantAfterIdleMinutes` without traffic
 * (docs/adr/0022-inquilinos-dormidos-y-activador.md).
 */
export const tenantActivatorConfigSchema = z.strictObject({
  /** Format version; the activator refuses files it does not understand. */
  version: z.literal(1),
  /** Port the edge Gateway sends tenant traffic to (HTTP and websocket upgrades). */
  listenPort: port,
  /** Port of `/metrics`, `/healthz` and `/readyz` (Prometheus and kubelet only). */
  metricsPort: port,
  /**
   * Longest a request is held while its tenant wakes. Past it a browser navigation gets a page that
   * reloads itself and any other request a 503 with `Retry-After`; the wake goes on. Below the edge's
   * request timeout so the edge never answers first.
   */
  holdSeconds: positiveInt,
  /** A wake that has no ready OpenWebUI replica after this long is counted as failed (metric and alert). */
  wakeTimeoutSeconds: positiveInt,
  /** Seconds between passes that put idle tenants to sleep. */
  sleepCheckSeconds: positiveInt,
  /**
   * Each replica records a tenant's last activity on its OpenWebUI Deployment (annotation
   * {@link LAST_ACTIVITY_ANNOTATION}) at most this often, and as often while a websocket is open, so
   * every replica's traffic counts when any replica decides a tenant is idle.
   */
  activityWriteSeconds: positiveInt,
  /**
   * Path prefixes of an open browser tab's background traffic: OpenWebUI's socket.io (polling and
   * websocket, mounted at `/ws/socket.io`). Requests under them are proxied to an awake tenant but are
   * never activity and never wake a sleeping one (it gets a 503 with `Retry-After` at once), or a tab
   * left open overnight would keep its tenant awake (docs/adr/0022). Websockets are never activity,
   * whatever their path, and a tenant that goes to sleep closes them.
   */
  backgroundPathPrefixes: z.array(z.string().startsWith('/')),
  /** One entry per active tenant, sorted by id. */
  tenants: z.array(
    z.strictObject({
      /** Tenant id. */
      id: dnsLabel,
      /** Namespace of its workloads. */
      namespace: z.string().min(1),
      /** Hostnames the edge routes here; the activator picks the tenant by `Host`. */
      hostnames: z.array(z.string().min(1)).min(1),
      /** Base URL of the tenant's OpenWebUI Service. */
      upstream: z.string().url(),
      /** Minutes without a request or an open websocket before the tenant is put to sleep; 0 = never. */
      dormantAfterIdleMinutes: z.number().int().min(0),
      /**
       * Deployments scaled to zero when the tenant sleeps and back to `wakeReplicas` when it wakes.
       * The first is the one whose ready replicas mean "awake" and that carries the activity annotation.
       */
      workloads: z
        .array(z.strictObject({ deployment: dnsLabel, wakeReplicas: positiveInt }))
        .min(1),
    }),
  ),
});

/** A parsed `activator.json`. */
export type TenantActivatorConfig = z.output<typeof tenantActivatorConfigSchema>;

/** Annotation on a tenant's OpenWebUI Deployment with the last time any activator replica saw traffic (RFC 3339). */
export const LAST_ACTIVITY_ANNOTATION = 'panal.io/last-activity';

/**
 * Where OpenWebUI serves socket.io: `app.mount("/ws", …)` with `socketio_path="/ws/socket.io"`
 * (open_webui/main.py and open_webui/socket/main.py of OpenWebUI 0.12).
 */
export const OPEN_WEBUI_BACKGROUND_PATH_PREFIXES: readonly string[] = ['/ws/'];

/** Port of the activator's metrics and health endpoints. */
export const TENANT_ACTIVATOR_METRICS_PORT = 9090;

/** Port the activator proxies tenant traffic on. */
export const TENANT_ACTIVATOR_LISTEN_PORT = 8080;

/** Options of {@link deriveTenantActivatorConfig}. */
export interface DeriveTenantActivatorConfigOptions {
  /** Every loaded tenant; only `active` ones are routed. */
  readonly tenants: readonly Tenant[];
  /** Base URL of a tenant's OpenWebUI Service. */
  readonly upstreamOf: (tenant: Tenant) => string;
  /** Deployments of a tenant, awake-signal first, with the replicas each wakes to. */
  readonly workloadsOf: (tenant: Tenant) => TenantActivatorConfig['tenants'][number]['workloads'];
  /** @default 25 s: below the 30 s an edge proxy commonly allows a backend to start answering */
  readonly holdSeconds?: number;
  /** @default 300 s */
  readonly wakeTimeoutSeconds?: number;
  /** @default 60 s */
  readonly sleepCheckSeconds?: number;
}

/** The activator configuration, derived only from the tenant folders: nothing in it is written by hand. */
export function deriveTenantActivatorConfig(options: DeriveTenantActivatorConfigOptions): TenantActivatorConfig {
  const tenants = options.tenants
    .filter((t) => t.state === 'active')
    .map((t) => ({
      id: t.id,
      namespace: t.namespace,
      hostnames: [...t.hostnames],
      upstream: options.upstreamOf(t),
      dormantAfterIdleMinutes: t.dormantAfterIdleMinutes,
      workloads: options.workloadsOf(t),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return tenantActivatorConfigSchema.parse({
    version: 1,
    listenPort: TENANT_ACTIVATOR_LISTEN_PORT,
    metricsPort: TENANT_ACTIVATOR_METRICS_PORT,
    holdSeconds: options.holdSeconds ?? 25,
    wakeTimeoutSeconds: options.wakeTimeoutSeconds ?? 300,
    sleepCheckSeconds: options.sleepCheckSeconds ?? 60,
    activityWriteSeconds: 60,
    backgroundPathPrefixes: [...OPEN_WEBUI_BACKGROUND_PATH_PREFIXES],
    tenants,
  });
}
