import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, sleep, type SimCluster } from './cluster.ts';
import { snapshot, type Snapshot } from './observe.ts';

/** Where scenarios leave their timelines; `make sim-report` turns them into the HTML report. */
export const TIMELINE_DIR = join(REPO_ROOT, '.out', 'sim-aks', 'timelines');

/** A named moment of a scenario (e.g. "premium demand starts"), seconds since the recording began. */
export interface Mark {
  readonly t: number;
  readonly label: string;
}

/** What one scenario recorded. */
export interface Timeline {
  readonly scenario: string;
  /** Title in Spanish for the report. */
  readonly title: string;
  readonly profile: string;
  /** Simulated seconds per production second. */
  readonly timeScale: number;
  readonly samples: Snapshot[];
  readonly marks: Mark[];
  /** Figures the scenario measured (seconds are simulated; the report converts). */
  readonly figures: Record<string, number | string>;
}

/** Samples the cluster every `intervalMs` while a scenario runs. */
export class Recorder {
  private readonly t0 = Date.now();
  private running = false;
  private loop?: Promise<void>;
  readonly samples: Snapshot[] = [];
  readonly marks: Mark[] = [];
  readonly figures: Record<string, number | string> = {};

  constructor(
    private readonly cluster: SimCluster,
    readonly scenario: string,
    readonly title: string,
    private readonly intervalMs = 1000,
  ) {}

  /** Seconds since the recording began. */
  now(): number {
    return (Date.now() - this.t0) / 1000;
  }

  start(): this {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          this.samples.push(await snapshot(this.cluster, this.t0));
        } catch {
          // the API server may be briefly busy (300-tenant applies); the next sample fills the gap
        }
        await sleep(this.intervalMs);
      }
    })();
    return this;
  }

  mark(label: string): number {
    const t = this.now();
    this.marks.push({ t, label });
    return t;
  }

  /** Stops sampling and writes `<TIMELINE_DIR>/<scenario>.json`. */
  async finish(): Promise<Timeline> {
    this.running = false;
    await this.loop;
    const timeline: Timeline = {
      scenario: this.scenario,
      title: this.title,
      profile: this.cluster.profile.name,
      timeScale: this.cluster.profile.timeScale,
      samples: this.samples,
      marks: this.marks,
      figures: this.figures,
    };
    mkdirSync(TIMELINE_DIR, { recursive: true });
    writeFileSync(join(TIMELINE_DIR, `${this.scenario}.json`), JSON.stringify(timeline, null, 2));
    return timeline;
  }
}
