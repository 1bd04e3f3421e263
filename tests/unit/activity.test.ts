import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RenderActivity } from '../../server/runtimes/activity.js';

// Mirrors server/runtimes/activity.ts.
const QUIET_MS = 250;
const AFTER_STARTUP_MS = 1000;
const POLL_MS = 50;

/** Settles `promise` into a flag so a test can see whether it resolved without awaiting it. */
function track(promise: Promise<boolean>): { done: boolean; value: boolean | undefined } {
  const state: { done: boolean; value: boolean | undefined } = { done: false, value: undefined };
  void promise.then((value) => {
    state.done = true;
    state.value = value;
  });
  return state;
}

describe('RenderActivity (background work gives way to users)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is quiet when nothing ran, and waitQuiet resolves at once', async () => {
    const activity = new RenderActivity();
    expect(activity.busy()).toBe(false);
    const waiting = track(activity.waitQuiet());
    await vi.advanceTimersByTimeAsync(0);
    expect(waiting).toEqual({ done: true, value: true });
  });

  it('is busy while a render runs and for QUIET_MS after it ends', async () => {
    const activity = new RenderActivity();
    const end = activity.begin();
    expect(activity.busy()).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(activity.busy()).toBe(true); // still running
    end();
    expect(activity.busy()).toBe(true);
    await vi.advanceTimersByTimeAsync(QUIET_MS - 1);
    expect(activity.busy()).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(activity.busy()).toBe(false);
  });

  it('counts ending a render twice once', async () => {
    const activity = new RenderActivity();
    const endFirst = activity.begin();
    const endSecond = activity.begin();
    endFirst();
    endFirst(); // must not also end the second render
    await vi.advanceTimersByTimeAsync(QUIET_MS * 4);
    expect(activity.busy()).toBe(true);
    endSecond();
    await vi.advanceTimersByTimeAsync(QUIET_MS);
    expect(activity.busy()).toBe(false);
  });

  it('holds background work during start-up and for AFTER_STARTUP_MS + QUIET_MS after it', async () => {
    const activity = new RenderActivity();
    const release = activity.holdForStartup();
    expect(activity.busy()).toBe(true);
    const waiting = track(activity.waitQuiet());
    await vi.advanceTimersByTimeAsync(10 * POLL_MS);
    expect(waiting.done).toBe(false);

    release();
    expect(activity.busy()).toBe(true); // the after-start-up grace
    await vi.advanceTimersByTimeAsync(AFTER_STARTUP_MS + QUIET_MS - 1);
    expect(activity.busy()).toBe(true);
    expect(waiting.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(activity.busy()).toBe(false);
    // waitQuiet notices on its next poll.
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(waiting).toEqual({ done: true, value: true });
  });

  it('keeps the start-up hold until every holder released, each counted once', async () => {
    const activity = new RenderActivity();
    const releaseFirst = activity.holdForStartup();
    const releaseSecond = activity.holdForStartup();
    releaseFirst();
    releaseFirst(); // must not also release the second hold
    await vi.advanceTimersByTimeAsync((AFTER_STARTUP_MS + QUIET_MS) * 2);
    expect(activity.busy()).toBe(true);
    releaseSecond();
    await vi.advanceTimersByTimeAsync(AFTER_STARTUP_MS + QUIET_MS);
    expect(activity.busy()).toBe(false);
  });

  it('stops waiting at the next poll once the work is no longer wanted', async () => {
    const activity = new RenderActivity();
    activity.begin(); // never ends
    let wanted = true;
    const waiting = track(activity.waitQuiet(() => wanted));
    await vi.advanceTimersByTimeAsync(10 * POLL_MS);
    expect(waiting.done).toBe(false);
    wanted = false;
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(waiting).toEqual({ done: true, value: false });
    expect(activity.busy()).toBe(true);
  });

  it('answers false without waiting when the work is not wanted and nothing is busy', async () => {
    const activity = new RenderActivity();
    const waiting = track(activity.waitQuiet(() => false));
    await vi.advanceTimersByTimeAsync(0);
    expect(waiting).toEqual({ done: true, value: false });
  });
});
