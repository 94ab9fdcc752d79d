import { readFileSync } from 'node:fs';

/** Variables the AKS workload identity webhook injects into a pod whose ServiceAccount is annotated with a client id. */
export interface WorkloadIdentityEnv {
  readonly AZURE_CLIENT_ID?: string;
  readonly AZURE_TENANT_ID?: string;
  readonly AZURE_FEDERATED_TOKEN_FILE?: string;
  readonly AZURE_AUTHORITY_HOST?: string;
}

/**
 * Entra ID access tokens for the pod's workload identity: the projected ServiceAccount token (re-read
 * each time, kubelet rotates it) is exchanged for an access token with the client-credentials grant
 * and a JWT client assertion, cached until 5 minutes before it expires.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#third-case-access-token-request-with-a-federated-credential
 * @see https://azure.github.io/azure-workload-identity/docs/topics/service-account-labels-and-annotations.html
 */
export class WorkloadIdentityCredential {
  private cached?: { token: string; expiresAt: number };
  private readonly clientId: string;
  private readonly tokenUrl: string;
  private readonly tokenFile: string;

  constructor(env: WorkloadIdentityEnv, private readonly now: () => number = Date.now) {
    const { AZURE_CLIENT_ID: clientId, AZURE_TENANT_ID: tenantId, AZURE_FEDERATED_TOKEN_FILE: tokenFile } = env;
    if (!clientId || !tenantId || !tokenFile) {
      throw new Error('workload identity: AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE must be set (the ServiceAccount needs azure.workload.identity/client-id and the pod azure.workload.identity/use=true)');
    }
    const authority = (env.AZURE_AUTHORITY_HOST ?? 'https://login.microsoftonline.com/').replace(/\/?$/, '/');
    this.clientId = clientId;
    this.tokenFile = tokenFile;
    this.tokenUrl = `${authority}${tenantId}/oauth2/v2.0/token`;
  }

  /** An access token for `scope` (one scope per credential instance is all the gateway uses). */
  async token(scope: string): Promise<string> {
    if (this.cached && this.cached.expiresAt - 5 * 60_000 > this.now()) return this.cached.token;
    const body = new URLSearchParams({
      client_id: this.clientId,
      scope,
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: readFileSync(this.tokenFile, 'utf8').trim(),
    });
    const res = await fetch(this.tokenUrl, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
    const json = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !json.access_token) throw new Error(`workload identity: token request to ${this.tokenUrl} failed with HTTP ${res.status}: ${json.error ?? ''} ${json.error_description ?? ''}`.trim());
    this.cached = { token: json.access_token, expiresAt: this.now() + (json.expires_in ?? 3600) * 1000 };
    return json.access_token;
  }
}
