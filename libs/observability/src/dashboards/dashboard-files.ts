import { toGrafanaJson, type Dashboard } from './dashboard';
import { dashboardPreviewHtml, PREVIEW_CSS } from './preview-html';

/** Folder the dashboards are written to, relative to the repository root. */
export const DASHBOARDS_OUT_DIR = 'dist/dashboards';

/** Every file of the dashboards folder: `<uid>.json` for Grafana, `<uid>.html` for reviewers and their `preview.css`. */
export function dashboardFiles(dashboards: readonly Dashboard[]): Map<string, string> {
  const files = new Map<string, string>([['preview.css', PREVIEW_CSS]]);
  for (const d of dashboards) {
    if (!/^[a-z0-9-]+$/.test(d.uid)) throw new Error(`dashboard uid must be lower-case kebab, but '${d.uid}' was provided`);
    if (files.has(`${d.uid}.json`)) throw new Error(`dashboard uids must be unique, but '${d.uid}' appears twice`);
    files.set(`${d.uid}.json`, `${JSON.stringify(toGrafanaJson(d), null, 2)}\n`);
    files.set(`${d.uid}.html`, dashboardPreviewHtml(d));
  }
  return files;
}
