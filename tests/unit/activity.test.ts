import { describe, expect, it } from 'vitest';
import { RenderActivity } from '../../server/runtimes/activity.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RenderActivity (background work gives way to users)', () => {
  it('is quiet when nothing ran', () => {
    expect(new RenderActivity().busy()).toBe(false);
  });

  it('is busy while a render runs and for a moment after it ends', async () => {
    const activity = new RenderActivity();
    const end = activity.begin();
    expect(activity.busy()).toBe(true);
    end();
    end(); // ending twice counts once
    expect(activity.busy()).toBe(true);
    await sleep(300);
    expect(activity.busy()).toBe(false);
  });

  it('holds background work during start-up and a second after it', async () => {
    const activity = new RenderActivity();
    const release = activity.holdForStartup();
    expect(activity.busy()).toBe(true);
    let resumed = false;
    const waiting = activity.waitQuiet().then((ok) => (resumed = ok));
    await sleep(100);
    expect(resumed).toBe(false);
    const releasedAt = performance.now();
    release();
    expect(activity.busy()).toBe(true); // the after-start-up grace
    expect(await waiting).toBe(true);
    expect(resumed).toBe(true);
    expect(performance.now() - releasedAt).toBeGreaterThanOrEqual(950);
  });

  it('stops waiting as soon as the work is no longer wanted', async () => {
    const activity = new RenderActivity();
    activity.begin(); // never ends
    let wanted = true;
    const result = activity.waitQuiet(() => wanted);
    await sleep(80);
    wanted = false;
    expect(await result).toBe(false);
  });
});
