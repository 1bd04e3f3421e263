/**
 * Server-wide render activity, so background work (engine warm-ups) gives way to users.
 *
 * Warm-ups make later renders fast, but on two cores they also slow everything that runs
 * beside them: the other engines' start and the first real renders. So they wait until
 * start-up has settled (the preloaded engines are ready) and, between their own renders,
 * until no real render is running and none finished in the last moments (someone typing).
 */
const QUIET_MS = 250;
/** After start-up, the first users (a page loading, a script's first renders) go first. */
const AFTER_STARTUP_MS = 1000;
const POLL_MS = 50;

export class RenderActivity {
  private inFlight = 0;
  private lastEnd = 0;
  private startupHolds = 0;

  /** Call when a real (user) render starts; call the returned function when it ends. */
  begin(): () => void {
    this.inFlight++;
    return once(() => {
      this.inFlight--;
      this.lastEnd = Date.now();
    });
  }

  /** Hold background work while the preloaded engines start; call the result when they are up. */
  holdForStartup(): () => void {
    this.startupHolds++;
    return once(() => {
      this.startupHolds--;
      if (this.startupHolds === 0) this.lastEnd = Math.max(this.lastEnd, Date.now() + AFTER_STARTUP_MS);
    });
  }

  /** True while background work should wait. */
  busy(): boolean {
    return this.startupHolds > 0 || this.inFlight > 0 || Date.now() - this.lastEnd < QUIET_MS;
  }

  /** Resolves once background work may run; false if `stillWanted` turned false meanwhile. */
  async waitQuiet(stillWanted: () => boolean = () => true): Promise<boolean> {
    while (this.busy()) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS).unref());
      if (!stillWanted()) return false;
    }
    return stillWanted();
  }
}

/** `fn` runs on the first call only: ending or releasing twice counts once. */
function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
