/**
 * From a read stack file to what Docker is asked for, without talking to Docker: the
 * project name, the services a set of profiles enables, their start order, the networks
 * they use, the labels `docker compose` itself writes (so `docker compose ps/logs/down`
 * and docker-compose v1 see the same project), and each container's create options with
 * the config hash that tells a running container from one the file has changed since.
 */
import { createHash } from 'node:crypto';
import type { ContainerCreateOptions, NetworkCreateOptions } from 'dockerode';
import { StackFileError } from './errors.js';
import type { NetworkSpec, ServiceSpec, StackFile } from './file.js';

export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  hash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  network: 'com.docker.compose.network',
  /** Ours: the stack was started by Studio, with these profiles (for re-attach). */
  studio: 'io.kroki-studio.stack',
  profiles: 'io.kroki-studio.profiles',
  /** In a stack file: marks the service that is the Kroki gateway, and its port (default: the service named kroki, port 8000). */
  role: 'io.kroki-studio.role',
  port: 'io.kroki-studio.port',
} as const;

export interface PlannedNetwork {
  key: string;
  /** The Docker network name. */
  name: string;
  spec: NetworkSpec;
}

export interface StackPlan {
  project: string;
  file: StackFile;
  profiles: string[];
  /** The enabled services, dependencies first. */
  services: ServiceSpec[];
  networks: PlannedNetwork[];
  /** The Kroki gateway service and its container port, when the stack has one. */
  kroki: { service: string; port: number } | null;
}

/** Compose's rule for project names: lower case letters, digits, `-` and `_`, starting with a letter or digit. */
export function normaliseProject(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9_-]/g, '');
}

export function projectName(explicit: string | undefined, file: StackFile, env: Readonly<Record<string, string | undefined>>): string {
  const given = explicit ?? env.COMPOSE_PROJECT_NAME ?? file.name;
  if (given !== undefined) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(given))
      throw new StackFileError(`invalid project name "${given}": use lower case letters, digits, "-" and "_", starting with a letter or digit`);
    return given;
  }
  if (file.file === 'built-in') return 'kroki-studio';
  const fromDir = normaliseProject(file.dir.split(/[\\/]/).filter(Boolean).pop() ?? '');
  return /^[a-z0-9]/.test(fromDir) ? fromDir : 'kroki-studio';
}

export function planStack(
  file: StackFile,
  opts: { project?: string; profiles?: readonly string[]; env?: Readonly<Record<string, string | undefined>> } = {},
): StackPlan {
  const env = opts.env ?? process.env;
  const project = projectName(opts.project, file, env);
  const profiles = [
    ...new Set(
      opts.profiles?.length
        ? opts.profiles
        : (env.COMPOSE_PROFILES ?? '')
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean),
    ),
  ];
  const known = new Set(Object.values(file.services).flatMap((s) => s.profiles));
  for (const p of profiles)
    if (p !== '*' && !known.has(p))
      throw new StackFileError(
        `no service in ${file.file} has profile "${p}"${known.size ? ` (its profiles: ${[...known].sort().join(', ')})` : ' (it defines no profiles)'}`,
      );
  const enabled = (s: ServiceSpec) => s.profiles.length === 0 || profiles.includes('*') || s.profiles.some((p) => profiles.includes(p));

  const chosen = Object.values(file.services).filter(enabled);
  if (chosen.length === 0) throw new StackFileError(`${file.file}: no service is enabled${profiles.length ? ` with profiles ${profiles.join(', ')}` : ''}`);
  const services = chosen.map((s) => {
    const dependsOn = s.dependsOn.filter((d) => {
      if (enabled(file.services[d.service]!)) return true;
      if (!d.required) return false;
      const need = file.services[d.service]!.profiles;
      throw new StackFileError(`service "${s.name}" depends on "${d.service}", which is only in profile ${need.join(' or ')}: add --profile ${need[0]}`);
    });
    return { ...s, dependsOn };
  });

  const networks = new Map<string, PlannedNetwork>();
  for (const s of services) {
    for (const net of s.networks.length ? s.networks : [{ name: 'default', aliases: [] }]) {
      if (networks.has(net.name)) continue;
      const spec = file.networks[net.name] ?? { key: net.name, driver: 'bridge', internal: false, external: false, labels: {} };
      networks.set(net.name, { key: net.name, name: spec.name ?? `${project}_${net.name}`, spec });
    }
  }
  return { project, file, profiles, services: startOrder(services), networks: [...networks.values()], kroki: krokiService(services) };
}

/** Dependencies before dependents (file order otherwise); a cycle is an error naming it. */
export function startOrder(services: readonly ServiceSpec[]): ServiceSpec[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const done = new Set<string>();
  const visiting: string[] = [];
  const out: ServiceSpec[] = [];
  const visit = (s: ServiceSpec) => {
    if (done.has(s.name)) return;
    const at = visiting.indexOf(s.name);
    if (at >= 0) throw new StackFileError(`dependency cycle: ${[...visiting.slice(at), s.name].join(' -> ')}`);
    visiting.push(s.name);
    for (const d of s.dependsOn) {
      const dep = byName.get(d.service);
      if (dep) visit(dep);
    }
    visiting.pop();
    done.add(s.name);
    out.push(s);
  };
  services.forEach(visit);
  return out;
}

function krokiService(services: readonly ServiceSpec[]): StackPlan['kroki'] {
  const marked = services.find((s) => s.labels[LABEL.role] === 'kroki') ?? services.find((s) => s.name === 'kroki');
  if (!marked) return null;
  const port = Number(marked.labels[LABEL.port] ?? 8000);
  return { service: marked.name, port: Number.isInteger(port) && port > 0 ? port : 8000 };
}

export const containerName = (project: string, service: string): string => `${project}-${service}-1`;

const NS_PER_MS = 1_000_000;

/** The create options for one service's container, its config hash among the labels. */
export function containerOptions(plan: StackPlan, service: ServiceSpec): ContainerCreateOptions {
  const nets = (service.networks.length ? service.networks : [{ name: 'default', aliases: [] }]).map((n) => ({
    name: plan.networks.find((p) => p.key === n.name)!.name,
    aliases: [service.name, ...n.aliases],
  }));
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of service.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort });
  }
  for (const e of service.expose) exposed[e] = {};
  const h = service.healthcheck;
  const options: ContainerCreateOptions = {
    name: containerName(plan.project, service.name),
    Image: service.image,
    Env: Object.entries(service.environment).map(([k, v]) => `${k}=${v}`),
    ExposedPorts: exposed,
    ...(h
      ? {
          Healthcheck: {
            Test: h.test,
            ...(h.intervalMs !== undefined && { Interval: h.intervalMs * NS_PER_MS }),
            ...(h.timeoutMs !== undefined && { Timeout: h.timeoutMs * NS_PER_MS }),
            ...(h.retries !== undefined && { Retries: h.retries }),
            ...(h.startPeriodMs !== undefined && { StartPeriod: h.startPeriodMs * NS_PER_MS }),
            ...(h.startIntervalMs !== undefined && { StartInterval: h.startIntervalMs * NS_PER_MS }),
          },
        }
      : {}),
    ...(service.stopGraceSeconds !== undefined && { StopTimeout: service.stopGraceSeconds }),
    HostConfig: {
      PortBindings: bindings,
      RestartPolicy: {
        Name: service.restart === 'no' ? '' : service.restart,
        ...(service.restartMaxRetries !== undefined && { MaximumRetryCount: service.restartMaxRetries }),
      },
      ...(service.shmSizeBytes !== undefined && { ShmSize: service.shmSizeBytes }),
      ...(Object.keys(service.tmpfs).length > 0 && { Tmpfs: service.tmpfs }),
      NetworkMode: nets[0]!.name,
    },
    // Older engines take one network at create time; the others are connected before start.
    NetworkingConfig: { EndpointsConfig: { [nets[0]!.name]: { Aliases: nets[0]!.aliases } } },
  };
  const hash = configHash({ ...options, extraNetworks: nets.slice(1), labels: service.labels });
  options.Labels = {
    ...service.labels,
    [LABEL.project]: plan.project,
    [LABEL.service]: service.name,
    [LABEL.number]: '1',
    [LABEL.oneoff]: 'False',
    [LABEL.hash]: hash,
    [LABEL.workingDir]: plan.file.dir,
    [LABEL.configFiles]: plan.file.file === 'built-in' ? 'built-in' : plan.file.file,
    [LABEL.studio]: '1',
    [LABEL.profiles]: plan.profiles.join(','),
  };
  return options;
}

/** The networks a service joins after the first (connected between create and start). */
export function extraNetworks(plan: StackPlan, service: ServiceSpec): Array<{ name: string; aliases: string[] }> {
  return service.networks.slice(1).map((n) => ({ name: plan.networks.find((p) => p.key === n.name)!.name, aliases: [service.name, ...n.aliases] }));
}

export function networkOptions(plan: StackPlan, net: PlannedNetwork): NetworkCreateOptions {
  return {
    Name: net.name,
    Driver: net.spec.driver,
    Internal: net.spec.internal,
    Labels: { ...net.spec.labels, [LABEL.project]: plan.project, [LABEL.network]: net.key, [LABEL.studio]: '1' },
  };
}

/** sha256 of the JSON with sorted keys: the same settings give the same hash whatever their order. */
export function configHash(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
