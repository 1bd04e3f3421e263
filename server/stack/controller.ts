/**
 * The local Kroki stack: a stack file (project.ts plans it) brought up through dockerode —
 * images pulled with per-layer progress, networks and containers created with compose's
 * labels, services started in dependency order and gated on their healthchecks, ports on
 * 127.0.0.1 — and, once the stack's Kroki is healthy, made the server's upstream
 * (UpstreamProvider.use) until it stops or turns unhealthy. A failed up removes what it
 * created. A Studio that starts while the stack runs finds it by its labels and uses it
 * again. No HTTP here: the routes (api/routes/stack.ts) and the CLI call these methods and
 * listen to the events.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type {
  PullProgress,
  StackDownRequest,
  StackLogLine,
  StackServiceState,
  StackServiceStatus,
  StackState,
  StackStatus,
  StackUpRequest,
} from '../../shared/stack.js';
import { StudioError } from '../errors.js';
import type { UpstreamProvider } from '../upstream/provider.js';
import { DockerUnavailableError, connectDocker, dockerEndpoint, dockerMessage, explainDockerError, isConnectionError, type DockerEndpoint } from './docker.js';
import { StackFileError } from './errors.js';
import type { ServiceSpec } from './file.js';
import { LABEL, containerOptions, extraNetworks, networkOptions, planStack, type StackPlan } from './project.js';
import { portInUse, portOwner } from './ports.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface StackControllerOptions {
  /** The live upstream the stack's Kroki is put on while it is healthy. */
  upstream: UpstreamProvider;
  /** The diagram types that render upstream right now (for StackStatus.types). */
  upstreamTypes?: () => string[];
  logger?: Logger;
  env?: Env;
  /** Used when a request names none (STUDIO_STACK_FILE, STUDIO_STACK_PROJECT, STUDIO_STACK_PROFILES). */
  defaults?: { file?: string; project?: string; profiles?: string[] };
  /** How often a running stack's health is checked (ms); 0: never (tests of up alone). */
  watchMs?: number;
}

export interface StackControllerEvents {
  progress: [PullProgress];
  status: [StackStatus];
  /** A failure worth telling a watching client (EventEmitter's own 'error' would throw without a listener). */
  failure: [{ message: string }];
}

/** The stack's Kroki and where it answers. */
interface Attached {
  project: string;
  file: string;
  profiles: string[];
  kroki: { service: string; port: number } | null;
  url: string | null;
  release: (() => void) | null;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** How long one Docker call of the health wait may take before Docker counts as gone (ms). */
const DOCKER_CALL_TIMEOUT_MS = 20_000;

/** Docker's defaults for a healthcheck the image or file leaves partly unset (ms). */
const HEALTH_DEFAULTS = { interval: 30_000, timeout: 30_000, retries: 3, startPeriod: 0 };

export class StackController extends EventEmitter<StackControllerEvents> {
  private readonly env: Env;
  private readonly endpoint: () => DockerEndpoint;
  private docker: Docker | null = null;
  private plan: StackPlan | null = null;
  private attached: Attached | null = null;
  private busy: { op: 'up' | 'down'; done: Promise<unknown>; abort: AbortController } | null = null;
  private phase = new Map<string, StackServiceState>();
  private lastError: string | null = null;
  private lastStatus = '';
  private watchTimer: NodeJS.Timeout | null = null;
  private watching = false;
  private closed = false;

  constructor(private readonly opts: StackControllerOptions) {
    super();
    this.env = opts.env ?? process.env;
    this.endpoint = () => dockerEndpoint(this.env);
  }

  get defaultProject(): string {
    return this.opts.defaults?.project ?? this.env.STUDIO_STACK_PROJECT ?? 'kroki-studio';
  }

  // ---- up --------------------------------------------------------------------------

  async up(req: StackUpRequest = {}): Promise<StackStatus> {
    if (this.closed) throw new StudioError(503, 'the server is shutting down');
    if (this.busy) throw new StudioError(409, `the stack is ${this.busy.op === 'up' ? 'starting' : 'stopping'}; wait for it to finish`);
    const abort = new AbortController();
    const done = this.runUp(req, abort.signal);
    this.busy = { op: 'up', done, abort };
    this.emitStatus();
    try {
      await done;
    } finally {
      this.busy = null;
      this.phase.clear();
      this.emitStatus();
    }
    return this.status();
  }

  private async runUp(req: StackUpRequest, signal: AbortSignal): Promise<void> {
    let plan: StackPlan;
    try {
      // The reader (and yaml) load on the first up, not with the server.
      const { readStackFile } = await import('./file.js');
      const file = readStackFile(req.file ?? this.opts.defaults?.file ?? (this.env.STUDIO_STACK_FILE?.trim() || undefined), { env: this.env });
      const profiles = req.profiles ?? this.opts.defaults?.profiles ?? splitList(this.env.STUDIO_STACK_PROFILES);
      plan = planStack(file, { project: req.project ?? this.opts.defaults?.project ?? this.env.STUDIO_STACK_PROJECT, profiles, env: this.env });
    } catch (err) {
      throw this.failed(err instanceof StackFileError ? new StudioError(400, err.message, err.line ? { line: err.line } : {}) : err);
    }
    if (this.attached && this.attached.project !== plan.project)
      throw this.failed(new StudioError(409, `stack "${this.attached.project}" is running; stop it (stack down) before starting "${plan.project}"`));
    this.plan = plan;
    this.emitStatus();

    const created: { containers: Docker.Container[]; networks: Docker.Network[] } = { containers: [], networks: [] };
    let docker: Docker;
    try {
      docker = await this.connect();
      await this.pullMissing(docker, plan, signal);
      await this.checkPorts(docker, plan);
      await this.createNetworks(docker, plan, created);
      await this.removeOrphans(docker, plan);
      const containers = new Map<string, Docker.Container>();
      for (const service of plan.services) {
        signal.throwIfAborted();
        for (const dep of service.dependsOn) {
          this.phase.set(service.name, 'created');
          await this.waitFor(
            containers.get(dep.service)!,
            plan.services.find((s) => s.name === dep.service)!,
            dep.condition,
            signal,
          );
        }
        containers.set(service.name, await this.startService(docker, plan, service, created, signal));
        this.emitStatus();
      }
      for (const service of plan.services) await this.waitFor(containers.get(service.name)!, service, 'ready', signal);
    } catch (err) {
      const reason = this.explain(err, signal);
      if (!req.keepOnError) await this.removeCreated(created, reason);
      if (this.plan === plan && !this.attached) this.plan = null;
      throw this.failed(reason);
    }
    await this.attach(plan.project, { file: plan.file.file, profiles: plan.profiles, kroki: plan.kroki });
    if (plan.kroki && !this.attached?.release) {
      const message = this.attached?.url
        ? `the stack is up, but its Kroki at ${this.attached.url} does not answer from here`
        : `the stack is up, but its ${plan.kroki.service} service publishes no port for ${plan.kroki.port}: the upstream is not switched`;
      this.lastError = message;
      this.emit('failure', { message });
    } else this.lastError = null;
  }

  private async connect(): Promise<Docker> {
    if (this.docker) return this.docker;
    this.docker = await connectDocker(this.endpoint());
    return this.docker;
  }

  private async pullMissing(docker: Docker, plan: StackPlan, signal: AbortSignal): Promise<void> {
    const byImage = new Map<string, ServiceSpec>();
    for (const s of plan.services) if (!byImage.has(s.image)) byImage.set(s.image, s);
    const missing: ServiceSpec[] = [];
    for (const [image, service] of byImage) {
      const present = await docker
        .getImage(image)
        .inspect()
        .then(() => true)
        .catch((err: { statusCode?: number }) => {
          if (err?.statusCode === 404) return false;
          throw err;
        });
      if (!present) missing.push(service);
    }
    await Promise.all(missing.map((service) => this.pull(docker, service, signal)));
  }

  private async pull(docker: Docker, service: ServiceSpec, signal: AbortSignal): Promise<void> {
    this.phase.set(service.name, 'pulling');
    this.emitStatus();
    const image = service.image;
    const hint = imageHint(service);
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.pull(image, { abortSignal: signal });
    } catch (err) {
      if (isConnectionError(err) || signal.aborted) throw err;
      throw new StudioError(502, `image ${image} (service ${service.name}) cannot be pulled: ${dockerMessage(err)}. ${hint}`, { expose: true });
    }
    await new Promise<void>((resolve, reject) => {
      let failure: string | null = null;
      docker.modem.followProgress(
        stream,
        (err) => {
          if (failure ?? err)
            reject(
              new StudioError(502, `image ${image} (service ${service.name}) cannot be pulled: ${failure ?? dockerMessage(err)}. ${hint}`, { expose: true }),
            );
          else resolve();
        },
        (event: {
          status?: string;
          id?: string;
          progressDetail?: { current?: number; total?: number };
          error?: string;
          errorDetail?: { message?: string };
        }) => {
          if (event.error || event.errorDetail) {
            failure ??= event.errorDetail?.message ?? event.error ?? 'unknown error';
            return;
          }
          // "Pulling from <repo>" carries the tag as its id: a message about the image, not a layer.
          const layer = event.id && !event.status?.startsWith('Pulling from') ? event.id : image;
          const progress: PullProgress = { service: service.name, image, layer, status: event.status ?? '' };
          if (event.progressDetail?.current !== undefined) progress.current = event.progressDetail.current;
          if (event.progressDetail?.total !== undefined && event.progressDetail.total > 0) progress.total = event.progressDetail.total;
          this.emit('progress', progress);
        },
      );
    });
  }

  private async checkPorts(docker: Docker, plan: StackPlan): Promise<void> {
    const endpoint = this.endpoint();
    const mine = await docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${plan.project}`] } });
    const held = new Set(mine.flatMap((c) => c.Ports.filter((p) => p.PublicPort).map((p) => p.PublicPort)));
    for (const service of plan.services) {
      for (const port of service.ports) {
        const n = Number(port.hostPort);
        if (!port.hostPort || held.has(n)) continue;
        const where = `${port.hostIp}:${n}`;
        let owner: string | null = null;
        const running = await docker.listContainers({ filters: { publish: [String(n)] } }).catch(() => []);
        if (running[0]) owner = `container ${running[0].Names[0]?.replace(/^\//, '') ?? running[0].Id.slice(0, 12)}`;
        else if (endpoint.local && port.protocol === 'tcp' && (await portInUse(port.hostIp, n))) owner = portOwner(n) ?? 'another process';
        if (owner)
          throw new StudioError(
            409,
            `port ${where} (service ${service.name}) is already in use by ${owner}: stop it, or publish the service on another port${portHint(plan, service)}`,
          );
      }
    }
  }

  private async createNetworks(docker: Docker, plan: StackPlan, created: { networks: Docker.Network[] }): Promise<void> {
    for (const net of plan.networks) {
      const found = await docker.listNetworks({ filters: { name: [net.name] } });
      const exact = found.find((n) => n.Name === net.name);
      if (net.spec.external) {
        if (!exact)
          throw new StudioError(400, `network ${net.name} is declared external but does not exist: create it first (docker network create ${net.name})`);
        continue;
      }
      if (exact) {
        if (exact.Labels?.[LABEL.project] !== plan.project)
          throw new StudioError(
            409,
            `network ${net.name} already exists and does not belong to project ${plan.project}: remove it, or choose another project name (-p)`,
          );
        continue;
      }
      created.networks.push(await docker.createNetwork(networkOptions(plan, net)));
    }
  }

  /** Containers of the project whose service the file (with these profiles) no longer has. */
  private async removeOrphans(docker: Docker, plan: StackPlan): Promise<void> {
    const wanted = new Set(plan.services.map((s) => s.name));
    const mine = await docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${plan.project}`] } });
    for (const c of mine) if (!wanted.has(c.Labels[LABEL.service] ?? '')) await docker.getContainer(c.Id).remove({ force: true });
  }

  private async startService(
    docker: Docker,
    plan: StackPlan,
    service: ServiceSpec,
    created: { containers: Docker.Container[] },
    signal: AbortSignal,
  ): Promise<Docker.Container> {
    signal.throwIfAborted();
    const options = containerOptions(plan, service);
    const existing = (
      await docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${plan.project}`, `${LABEL.service}=${service.name}`] } })
    )[0];
    if (existing && existing.Labels[LABEL.hash] === options.Labels![LABEL.hash]) {
      // Unchanged since it was created: keep it (and start it if it was stopped), as compose does.
      const container = docker.getContainer(existing.Id);
      if (existing.State !== 'running') await this.start(container, service);
      this.phase.set(service.name, 'starting');
      return container;
    }
    if (existing) await docker.getContainer(existing.Id).remove({ force: true });
    this.phase.set(service.name, 'created');
    const container = await docker.createContainer(options);
    created.containers.push(container);
    for (const net of extraNetworks(plan, service))
      await docker.getNetwork(net.name).connect({ Container: container.id, EndpointConfig: { Aliases: net.aliases } });
    await this.start(container, service);
    this.phase.set(service.name, 'starting');
    return container;
  }

  private async start(container: Docker.Container, service: ServiceSpec): Promise<void> {
    try {
      await container.start();
    } catch (err) {
      if (isConnectionError(err)) throw err;
      const message = dockerMessage(err);
      const port = /(?:0\.0\.0\.0|127\.0\.0\.1|\[?::\]?)?:?(\d+)[^\d]*(?:address already in use|port is already allocated)/i.exec(message)?.[1];
      if (port || /already in use|already allocated/i.test(message))
        throw new StudioError(409, `service ${service.name} cannot publish ${port ? `port ${port}` : 'its port'}: ${message}`);
      throw new StudioError(500, `service ${service.name} cannot start: ${message}`, { expose: true });
    }
  }

  /** Waits until `service`'s container meets `condition` (`ready`: healthy when it has a healthcheck, else running). */
  private async waitFor(
    container: Docker.Container,
    service: ServiceSpec,
    condition: ServiceSpec['dependsOn'][number]['condition'] | 'ready',
    signal: AbortSignal,
  ): Promise<void> {
    // A connection Docker drops can leave a request unanswered: past this, Docker counts as gone.
    const inspect = () => container.inspect({ abortSignal: AbortSignal.any([signal, AbortSignal.timeout(DOCKER_CALL_TIMEOUT_MS)]) });
    let info = await inspect();
    const check = info.Config.Healthcheck;
    const hasHealth = check !== undefined && check.Test !== undefined && check.Test[0] !== 'NONE';
    if (condition === 'service_healthy' && !hasHealth)
      throw new StudioError(400, `service ${service.name} has no healthcheck, so nothing can wait for it with condition service_healthy`);
    const ms = (ns: number | undefined, fallback: number) => (ns ? ns / 1_000_000 : fallback);
    const interval = ms(check?.Interval, HEALTH_DEFAULTS.interval);
    const timeout = ms(check?.Timeout, HEALTH_DEFAULTS.timeout);
    const retries = check?.Retries || HEALTH_DEFAULTS.retries;
    const startPeriod = ms(check?.StartPeriod, HEALTH_DEFAULTS.startPeriod);
    // Docker gives up after `retries` failures past the start period; a little slack over that.
    const limitMs = hasHealth ? startPeriod + (interval + timeout) * (retries + 1) + 10_000 : 60_000;
    const deadline = Date.now() + limitMs;
    const poll = Math.max(200, Math.min(1000, interval / 2));
    for (;;) {
      const state = info.State;
      if (condition === 'service_completed_successfully') {
        if (state.Status === 'exited') {
          if (state.ExitCode === 0) return;
          throw new StudioError(500, `service ${service.name} exited with code ${state.ExitCode}${await this.lastLines(container)}`, { expose: true });
        }
      } else {
        if (state.Status === 'exited' || state.Status === 'dead' || state.Restarting || (info.RestartCount ?? 0) > 0)
          throw new StudioError(500, `service ${service.name} exited with code ${state.ExitCode} while starting${await this.lastLines(container)}`, {
            expose: true,
          });
        const health = state.Health?.Status;
        const wantsHealth = condition === 'service_healthy' || (condition === 'ready' && hasHealth);
        if (state.Running && (!wantsHealth || health === 'healthy')) return;
        if (wantsHealth && health === 'unhealthy')
          throw new StudioError(500, `service ${service.name} is unhealthy: its healthcheck failed ${retries} times${lastCheck(info)}`, { expose: true });
      }
      if (Date.now() > deadline)
        throw new StudioError(
          504,
          `service ${service.name} did not become ${condition === 'service_started' ? 'running' : 'healthy'} within ${Math.round(limitMs / 1000)} s${lastCheck(info)}`,
          {
            expose: true,
          },
        );
      await sleep(poll, signal);
      info = await inspect();
    }
  }

  private async lastLines(container: Docker.Container, n = 15): Promise<string> {
    try {
      const text = demux((await container.logs({ stdout: true, stderr: true, tail: n, follow: false })) as unknown as Buffer)
        .map((l) => l.line)
        .join('\n')
        .trim();
      return text ? `; its last log lines:\n${text}` : '; it wrote no log';
    } catch {
      return '';
    }
  }

  /** Removes what a failed up created (everything, unless asked to keep it). */
  private async removeCreated(created: { containers: Docker.Container[]; networks: Docker.Network[] }, reason: Error): Promise<void> {
    const gone = reason instanceof DockerUnavailableError;
    for (const c of created.containers.reverse())
      await c.remove({ force: true, v: true }).catch((err) => gone || this.opts.logger?.warn({ err }, 'stack cleanup: container not removed'));
    for (const n of created.networks) await n.remove().catch((err) => gone || this.opts.logger?.warn({ err }, 'stack cleanup: network not removed'));
  }

  private explain(err: unknown, signal: AbortSignal): Error {
    if (signal.aborted) return new StudioError(409, 'stack up was cancelled (stack down, or the server is shutting down)');
    if (err instanceof StudioError || err instanceof DockerUnavailableError) return err;
    if (isConnectionError(err)) {
      const why = explainDockerError(err, this.endpoint());
      this.docker = null;
      return new DockerUnavailableError(
        `Docker went away during stack up: ${why.message}; anything already created may be left (run stack down once Docker is back)`,
        { cause: err },
      );
    }
    return new StudioError(500, `stack up failed: ${dockerMessage(err)}`, { expose: true, cause: err });
  }

  private failed(err: unknown): Error {
    const e = err instanceof DockerUnavailableError ? new StudioError(503, err.message, { expose: true, cause: err }) : (err as Error);
    this.lastError = e.message;
    this.emit('failure', { message: e.message });
    return e;
  }

  // ---- attach, watch ----------------------------------------------------------------

  /**
   * Finds a running stack by its labels (the default project, or `project`) and, once its
   * Kroki is healthy, makes it the upstream. Called after up, at server start (re-attach)
   * and by status() while nothing is attached. Resolves false when there is none.
   */
  async attach(project = this.defaultProject, known?: Omit<Attached, 'project' | 'url' | 'release'>): Promise<boolean> {
    let docker: Docker;
    try {
      docker = await this.connect();
    } catch {
      return false;
    }
    const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${project}`] } }).catch(() => []);
    // The server may have closed meanwhile (a re-attach runs in the background after start).
    if (this.closed || !containers.some((c) => c.State === 'running')) return false;
    if (!this.attached || this.attached.project !== project) {
      this.detach();
      const gateway = containers.find((c) => c.Labels[LABEL.role] === 'kroki') ?? containers.find((c) => c.Labels[LABEL.service] === 'kroki');
      const kroki = known?.kroki ?? (gateway ? { service: gateway.Labels[LABEL.service]!, port: Number(gateway.Labels[LABEL.port] ?? 8000) } : null);
      const first = containers[0]!.Labels;
      this.attached = {
        project,
        file: known?.file ?? first[LABEL.configFiles] ?? 'built-in',
        profiles: known?.profiles ?? splitList(first[LABEL.profiles]),
        kroki,
        url: null,
        release: null,
      };
      this.opts.logger?.info({ project, kroki: kroki?.service }, known ? 'stack up' : 'stack found running: re-attached');
    }
    await this.check();
    this.startWatch();
    return true;
  }

  /** One health pass: switch the upstream to the stack's Kroki when healthy, back when not. */
  private async check(): Promise<void> {
    const attached = this.attached;
    if (!attached) return;
    let status: StackStatus;
    try {
      status = await this.status();
    } catch {
      return;
    }
    if (this.attached !== attached) return;
    const gateway = attached.kroki ? status.services.find((s) => s.name === attached.kroki!.service) : undefined;
    const ok = gateway !== undefined && (gateway.state === 'healthy' || (gateway.state === 'running' && gateway.health === undefined));
    if (ok && !attached.release) {
      const url = await this.krokiUrl(attached);
      attached.url = url;
      if (url && (await answers(url))) {
        attached.release = this.opts.upstream.use(url, 'stack');
        this.opts.logger?.info({ url }, "the stack's Kroki is healthy: it is the upstream now");
        this.emitStatus();
      }
    } else if (!ok && attached.release) {
      attached.release();
      attached.release = null;
      const message = `the stack's ${attached.kroki?.service ?? 'kroki'} service is ${gateway?.state ?? 'gone'}: the previous upstream is back`;
      this.lastError = message;
      this.opts.logger?.warn(message);
      this.emit('failure', { message });
      this.emitStatus();
    }
  }

  private async krokiUrl(attached: Attached): Promise<string | null> {
    if (!attached.kroki || !this.docker) return null;
    const c = (
      await this.docker
        .listContainers({ filters: { label: [`${LABEL.project}=${attached.project}`, `${LABEL.service}=${attached.kroki.service}`] } })
        .catch(() => [])
    )[0];
    const binding = c?.Ports.find((p) => p.PrivatePort === attached.kroki!.port && p.PublicPort && p.Type === 'tcp' && !p.IP?.includes(':'));
    if (!binding) return null;
    const ip = !binding.IP || binding.IP === '0.0.0.0' ? this.endpoint().publishHost : binding.IP;
    return `http://${ip}:${binding.PublicPort}`;
  }

  private startWatch(): void {
    const every = this.opts.watchMs ?? Number(this.env.STUDIO_STACK_WATCH_MS ?? 2000);
    if (this.watchTimer || !every || this.closed) return;
    this.watchTimer = setInterval(() => {
      if (this.watching || this.busy) return;
      this.watching = true;
      this.check()
        .catch(() => undefined)
        .finally(() => (this.watching = false));
    }, every);
    this.watchTimer.unref();
  }

  /** Stops using the stack (the upstream falls back); the containers are left as they are. */
  private detach(): void {
    this.attached?.release?.();
    this.attached = null;
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = null;
  }

  // ---- status, logs, down -------------------------------------------------------------

  async status(): Promise<StackStatus> {
    const project = this.attached?.project ?? this.plan?.project ?? this.defaultProject;
    const base: StackStatus = {
      state: 'down',
      project,
      file: this.attached?.file ?? this.plan?.file.file ?? this.opts.defaults?.file ?? this.env.STUDIO_STACK_FILE ?? 'built-in',
      profiles: this.attached?.profiles ?? this.plan?.profiles ?? [],
      services: [],
      krokiUrl: this.attached?.release ? this.attached.url : null,
      types: [],
      docker: { available: true },
      error: this.lastError,
    };
    let containers: Docker.ContainerInfo[] = [];
    try {
      const docker = await this.connect();
      containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${project}`] } });
    } catch (err) {
      this.docker = null;
      base.docker = { available: false, message: explainDockerError(err, this.endpoint()).message };
    }
    const byService = new Map(containers.map((c) => [c.Labels[LABEL.service] ?? c.Names[0] ?? c.Id, c]));
    const names = [...new Set([...(this.plan?.project === project ? this.plan.services.map((s) => s.name) : []), ...byService.keys()])];
    base.services = names.map((name) =>
      serviceStatus(name, byService.get(name), this.plan?.services.find((s) => s.name === name)?.image, this.phase.get(name)),
    );
    base.state = overallState(base.services, this.busy?.op);
    if (base.krokiUrl) base.types = this.opts.upstreamTypes?.() ?? [];
    return base;
  }

  async logs(opts: { service?: string; tail?: number } = {}): Promise<StackLogLine[]> {
    const docker = await this.dockerOr503();
    const lines: StackLogLine[] = [];
    for (const c of await this.containersFor(docker, opts.service)) {
      const buf = (await docker.getContainer(c.Id).logs({ stdout: true, stderr: true, tail: opts.tail ?? 100, follow: false })) as unknown as Buffer;
      for (const l of demux(buf)) lines.push({ service: c.Labels[LABEL.service]!, ...l });
    }
    return lines;
  }

  /** Follows the logs until `signal` aborts or every container's log ends. */
  async followLogs(opts: { service?: string; tail?: number }, onLine: (line: StackLogLine) => void, signal: AbortSignal): Promise<void> {
    const docker = await this.dockerOr503();
    const containers = await this.containersFor(docker, opts.service);
    await Promise.all(
      containers.map(async (c) => {
        const service = c.Labels[LABEL.service]!;
        const stream = (await docker
          .getContainer(c.Id)
          .logs({ stdout: true, stderr: true, tail: opts.tail ?? 10, follow: true, abortSignal: signal })) as NodeJS.ReadableStream;
        const out = new PassThrough();
        const err = new PassThrough();
        docker.modem.demuxStream(stream, out, err);
        const ended = new Promise<void>((resolve) => {
          stream.on('end', resolve);
          stream.on('error', () => resolve());
          stream.on('close', () => resolve());
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        createInterface({ input: out }).on('line', (line) => onLine({ service, stream: 'stdout', line }));
        createInterface({ input: err }).on('line', (line) => onLine({ service, stream: 'stderr', line }));
        await ended;
        out.end();
        err.end();
        (stream as unknown as { destroy?: () => void }).destroy?.();
      }),
    );
  }

  private async containersFor(docker: Docker, service: string | undefined): Promise<Docker.ContainerInfo[]> {
    const project = this.attached?.project ?? this.plan?.project ?? this.defaultProject;
    const labels = [`${LABEL.project}=${project}`, ...(service ? [`${LABEL.service}=${service}`] : [])];
    const found = await docker.listContainers({ all: true, filters: { label: labels } });
    if (service && found.length === 0) throw new StudioError(404, `stack ${project} has no service ${service}`);
    return found.sort((a, b) => (a.Labels[LABEL.service] ?? '').localeCompare(b.Labels[LABEL.service] ?? ''));
  }

  private async dockerOr503(): Promise<Docker> {
    try {
      return await this.connect();
    } catch (err) {
      throw new StudioError(503, (err as Error).message, { expose: true });
    }
  }

  /** Stops and removes the project's containers and networks (volumes too when asked). Idempotent. */
  async down(req: StackDownRequest & { project?: string } = {}): Promise<StackStatus> {
    if (this.busy?.op === 'down') throw new StudioError(409, 'the stack is already stopping');
    if (this.busy?.op === 'up') {
      // Cancel the start; it removes what it created.
      this.busy.abort.abort();
      await this.busy.done.catch(() => undefined);
      while (this.busy) await sleep(20);
    }
    const project = req.project ?? this.attached?.project ?? this.plan?.project ?? this.defaultProject;
    const abort = new AbortController();
    const done = this.runDown(project, req.removeVolumes === true);
    this.busy = { op: 'down', done, abort };
    this.emitStatus();
    try {
      return await done;
    } catch (err) {
      throw this.failed(err);
    } finally {
      this.busy = null;
      this.emitStatus();
    }
  }

  private async runDown(project: string, removeVolumes: boolean): Promise<StackStatus> {
    if (this.attached?.project === project) this.detach();
    const docker = await this.connect().catch((err) => {
      throw new StudioError(503, (err as Error).message, { expose: true });
    });
    try {
      const filter = { label: [`${LABEL.project}=${project}`] };
      const containers = await docker.listContainers({ all: true, filters: filter });
      await Promise.all(
        containers.map(async (c) => {
          const container = docker.getContainer(c.Id);
          if (c.State === 'running')
            await container.stop().catch((err: { statusCode?: number }) => (err?.statusCode === 304 ? undefined : Promise.reject(err)));
          await container
            .remove({ force: true, v: removeVolumes })
            .catch((err: { statusCode?: number }) => (err?.statusCode === 404 ? undefined : Promise.reject(err)));
        }),
      );
      for (const n of await docker.listNetworks({ filters: filter }))
        await docker
          .getNetwork(n.Id)
          .remove()
          .catch((err: { statusCode?: number }) => (err?.statusCode === 404 ? undefined : Promise.reject(err)));
      if (removeVolumes) {
        const { Volumes } = await docker.listVolumes({ filters: filter });
        for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove();
      }
    } catch (err) {
      if (err instanceof StudioError) throw err;
      if (isConnectionError(err)) {
        this.docker = null;
        throw new StudioError(503, `Docker went away during stack down: ${explainDockerError(err, this.endpoint()).message}`, { expose: true });
      }
      throw new StudioError(500, `stack down failed: ${dockerMessage(err)}`, { expose: true });
    }
    this.lastError = null;
    if (this.plan?.project === project) this.phase.clear();
    const status = await this.status();
    // Read while the stop is still in progress (state `stopping`): what the caller gets is the result.
    return { ...status, state: 'down', services: status.services.map((s) => ({ ...s, state: 'removed', ports: [] })) };
  }

  // ---- lifecycle ------------------------------------------------------------------------

  /** Stops watching and gives the upstream back; a running stack is left running (the next Studio re-attaches). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.busy?.op === 'up') {
      this.busy.abort.abort();
      await this.busy.done.catch(() => undefined);
    }
    this.detach();
    this.removeAllListeners();
  }

  private emitStatus(): void {
    if (this.listenerCount('status') === 0) return;
    this.status().then(
      (status) => {
        const key = JSON.stringify(status);
        if (key === this.lastStatus) return;
        this.lastStatus = key;
        this.emit('status', status);
      },
      () => undefined,
    );
  }
}

function splitList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function serviceStatus(name: string, c: Docker.ContainerInfo | undefined, image: string | undefined, phase: StackServiceState | undefined): StackServiceStatus {
  if (!c) return { name, image: image ?? '', state: phase ?? 'removed', ports: [] };
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace('health: ', '');
  let state: StackServiceState;
  if (c.State === 'running') state = health === 'healthy' ? 'healthy' : health === 'unhealthy' ? 'unhealthy' : health === 'starting' ? 'starting' : 'running';
  else if (c.State === 'created') state = phase ?? 'created';
  else if (c.State === 'restarting') state = 'starting';
  else state = 'exited';
  const ports = c.Ports.filter((p) => p.PublicPort && !p.IP?.includes(':')).map((p) => `${p.IP || '0.0.0.0'}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`);
  return { name, image: c.Image, state, ...(health && { health }), ports: [...new Set(ports)], container: c.Id.slice(0, 12) };
}

function overallState(services: StackServiceStatus[], op: 'up' | 'down' | undefined): StackState {
  if (op === 'up') return 'starting';
  if (op === 'down') return 'stopping';
  const present = services.filter((s) => s.state !== 'removed');
  if (present.length === 0) return 'down';
  return present.every((s) => s.state === 'healthy' || (s.state === 'running' && s.health === undefined)) && present.length === services.length
    ? 'up'
    : 'degraded';
}

/** A container's log without a TTY: frames of [stream, 0, 0, 0, size (4 bytes)] + payload. */
export function demux(buf: Buffer): Array<{ stream: 'stdout' | 'stderr'; line: string }> {
  const out: Array<{ stream: 'stdout' | 'stderr'; line: string }> = [];
  const text: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  let i = 0;
  const framed = buf.length >= 8 && [0, 1, 2].includes(buf[0]!) && buf[1] === 0 && buf[2] === 0 && buf[3] === 0;
  if (!framed) text.stdout = buf.toString('utf8');
  else
    while (i + 8 <= buf.length) {
      const stream = buf[i] === 2 ? 'stderr' : 'stdout';
      const size = buf.readUInt32BE(i + 4);
      text[stream] += buf.subarray(i + 8, i + 8 + size).toString('utf8');
      i += 8 + size;
    }
  for (const stream of ['stdout', 'stderr'] as const)
    for (const line of text[stream].split('\n')) if (line !== '') out.push({ stream, line: line.replace(/\r$/, '') });
  return out;
}

function lastCheck(info: Docker.ContainerInspectInfo): string {
  const log = info.State.Health?.Log ?? [];
  const last = log[log.length - 1];
  if (!last) return '';
  const output = last.Output.trim();
  return `; last check (exit ${last.ExitCode}): ${output ? output.slice(0, 500) : 'no output'}`;
}

function imageHint(service: ServiceSpec): string {
  if (service.build) return 'The file has a build section, but Studio does not build images: build it first (docker compose build), then start the stack.';
  if (service.image.startsWith('yuzutech/'))
    return 'The yuzutech/* images come from Docker Hub: on a machine without it, point KROKI_IMAGE (and KROKI_MERMAID_IMAGE, ...) at a mirror, or load the images with docker load.';
  return 'Check the name and that its registry is reachable, or load the image with docker load.';
}

function portHint(plan: StackPlan, service: ServiceSpec): string {
  return plan.file.file === 'built-in' && service.name === 'kroki' ? ' (set STUDIO_STACK_KROKI_PORT)' : '';
}

/** Whether the stack's Kroki answers from here (published ports can be slower to open than the container's own check). */
async function answers(url: string, withinMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(Math.max(100, Math.min(3000, deadline - Date.now()))) });
      await res.arrayBuffer();
      if (res.status < 500 || res.status === 503) return true;
    } catch {
      // not yet
    }
    await sleep(250);
  }
  return false;
}
