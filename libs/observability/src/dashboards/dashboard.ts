/** Units Grafana knows, the ones we use. @see https://grafana.com/docs/grafana/latest/panels-visualizations/configure-standard-options/#unit */
export type PanelUnit = 'short' | 'reqps' | 'percentunit' | 's' | 'bytes' | 'currencyUSD' | 'percent' | 'none';

/** One query of a panel. */
export interface PanelQuery {
  /** PromQL; may use the dashboard's variables (`$tenant`). */
  readonly expr: string;
  /** Series legend, e.g. `{{tenant}}`. @default - Grafana's default */
  readonly legend?: string;
}

/** A panel. */
export interface Panel {
  readonly title: string;
  /** `timeseries` for trends, `stat` for one number. */
  readonly type: 'timeseries' | 'stat';
  readonly unit: PanelUnit;
  readonly queries: readonly PanelQuery[];
  /** What the panel answers, shown as its description. */
  readonly description: string;
  /** Width in grid columns (of 24). @default 12 */
  readonly width?: number;
}

/** A dashboard variable filled from a label's values. */
export interface LabelVariable {
  readonly name: string;
  /** `label_values(...)` query. */
  readonly query: string;
}

/** A dashboard. */
export interface Dashboard {
  /** Stable id (Grafana `uid`), also the file name. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables?: readonly LabelVariable[];
  readonly panels: readonly Panel[];
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/**
 * Grafana dashboard JSON (schema 39) for import into Azure Managed Grafana, with a `datasource`
 * variable so the same file works against any managed Prometheus data source. Panels flow left to
 * right, 8 rows high.
 * @see https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/
 */
export function toGrafanaJson(d: Dashboard): Record<string, unknown> {
  let x = 0;
  let y = 0;
  const panels = d.panels.map((p, i) => {
    const w = p.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const gridPos = { h: 8, w, x, y };
    x += w;
    return {
      id: i + 1,
      type: p.type,
      title: p.title,
      description: p.description,
      datasource: DATASOURCE,
      gridPos,
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options: p.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value' } : { legend: { displayMode: 'list', placement: 'bottom' } },
      targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource: DATASOURCE, expr: q.expr, ...(q.legend ? { legendFormat: q.legend } : {}) })),
    };
  });
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['panal'],
    editable: false,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' },
        ...(d.variables ?? []).map((v) => ({ name: v.name, type: 'query', datasource: DATASOURCE, query: v.query, refresh: 2, sort: 1, includeAll: false })),
      ],
    },
    panels,
  };
}
