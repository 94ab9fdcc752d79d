/**
 * What a request gets when its tenant is still waking after `holdSeconds`: a browser navigation a
 * page that reloads itself every 5 s (Spanish first, English below), anything else a JSON error.
 * Both are sent with `503` and `Retry-After: 5`.
 */
export function waitingPage(): string {
  return `<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Estamos preparando tu espacio…</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:20vh auto;padding:0 1rem;color:#222;text-align:center}p{color:#555}</style>
</head>
<body>
<h1>Estamos preparando tu espacio…</h1>
<p>Tu espacio de trabajo estaba en reposo y se está iniciando. Esta página se recargará sola en unos segundos.</p>
<hr>
<p lang="en"><strong>We are getting your workspace ready…</strong><br>It was asleep and is starting now. This page reloads by itself in a few seconds.</p>
</body>
</html>
`;
}

export function waitingJson(tenant: string): string {
  return JSON.stringify({ error: { code: 'tenant_starting', message: `workspace ${tenant} is starting; retry in a few seconds`, retry_after_seconds: 5 } });
}
