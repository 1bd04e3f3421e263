/**
 * The stack's progress on a terminal: one bar per image layer (cli-progress) while images
 * download, or plain lines when the output is not a terminal (a log, CI), where each
 * layer's step is written once and downloads at every quarter. Service state changes are
 * lines in both cases.
 */
import cliProgress from 'cli-progress';
import type { PullProgress, StackStatus } from '../../shared/stack.js';

export interface ProgressView {
  progress(p: PullProgress): void;
  status(s: StackStatus): void;
  /** Ends the bars (before the final summary or an error is written). */
  stop(): void;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export function progressView(out: NodeJS.WriteStream): ProgressView {
  const services = new Map<string, string>();
  const serviceLine = (s: StackStatus, write: (line: string) => void) => {
    for (const svc of s.services) {
      const was = services.get(svc.name);
      // A service not created yet is not news.
      if (was === svc.state || (was === undefined && svc.state === 'removed')) continue;
      services.set(svc.name, svc.state);
      write(`${svc.name}: ${svc.state}`);
    }
  };
  if (!out.isTTY) {
    const seen = new Map<string, string>();
    const line = (text: string) => out.write(`${text}\n`);
    return {
      progress(p) {
        const key = `${p.service}/${p.layer}`;
        let step = p.status;
        if (p.status === 'Downloading' && p.total) step = `Downloading ${Math.floor((4 * (p.current ?? 0)) / p.total) * 25}%`;
        if (seen.get(key) === step) return;
        seen.set(key, step);
        const bytes = p.total && p.status === 'Downloading' ? ` (${mb(p.current ?? 0)} of ${mb(p.total)})` : '';
        line(`${p.service}: ${p.layer === p.image ? p.image : `layer ${p.layer}`} ${step}${bytes}`);
      },
      status: (s) => serviceLine(s, line),
      stop() {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      stream: out,
      format: '{service} {layer} [{bar}] {percentage}% {size} {step}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const layers = new Map<string, cliProgress.SingleBar>();
  return {
    progress(p) {
      if (p.layer === p.image) return; // image-wide messages ("Pulling from ...", "Digest: ...")
      const key = `${p.service}/${p.layer}`;
      let bar = layers.get(key);
      const total = p.total ?? bar?.getTotal() ?? 1;
      const done = p.status === 'Pull complete' || p.status === 'Already exists' || p.status === 'Download complete';
      const value = done ? total : (p.current ?? 0);
      const payload = { service: p.service, layer: p.layer, step: p.status, size: total > 1 ? mb(total) : '' };
      if (!bar) {
        bar = bars.create(total, value, payload);
        layers.set(key, bar);
      } else {
        bar.setTotal(total);
        bar.update(value, payload);
      }
    },
    status: (s) => serviceLine(s, (text) => bars.log(`${text}\n`)),
    stop: () => bars.stop(),
  };
}

/** The status as a small table: service, state, ports. */
export function statusTable(s: StackStatus): string {
  const rows = s.services.map((svc) => [svc.name, svc.state, svc.ports.join(', ')]);
  const widths = [7, 5].map((min, i) => Math.max(min, ...rows.map((r) => r[i]!.length)));
  const head = `project ${s.project} (${s.file}${s.profiles.length ? `, profiles ${s.profiles.join(',')}` : ''}): ${s.state}`;
  const lines = rows.map((r) => `  ${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`.trimEnd());
  const tail = [
    s.krokiUrl ? `Kroki at ${s.krokiUrl}` : null,
    s.types.length ? `types through the stack: ${s.types.join(', ')}` : null,
    s.docker.available ? null : `Docker: ${s.docker.message}`,
    s.error ? `last error: ${s.error}` : null,
  ].filter(Boolean);
  return [head, ...lines, ...tail].join('\n');
}
