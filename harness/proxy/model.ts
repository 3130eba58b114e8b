/**
 * The data of the Toxiproxy 2.x HTTP API as our fault proxy serves it: proxy and toxic JSON, the errors
 * with Toxiproxy's status codes and messages, and the parsing of request bodies. Pure: no sockets here.
 *
 * Deliberate differences from Toxiproxy, all on the side of refusing more: listen and upstream addresses
 * must be on loopback (zkcheck's traffic never leaves 127.0.0.0/8), attributes must be non-negative
 * integers and toxicity must lie in [0, 1].
 */

export type StreamDirection = 'upstream' | 'downstream';

/** Every toxic type we implement, with its attributes and their defaults (all integers). */
export const TOXIC_ATTRIBUTE_DEFAULTS = Object.freeze({
  latency: { latency: 0, jitter: 0 }, // ms
  bandwidth: { rate: 0 }, // KB/s, 1 KB = 1000 bytes; 0 = unlimited
  timeout: { timeout: 0 }, // ms; 0 = black hole until removed
  reset_peer: { timeout: 0 }, // ms after the first data or EOF
  slow_close: { delay: 0 }, // ms
  limit_data: { bytes: 0 },
  slicer: { average_size: 0, size_variation: 0, delay: 0 }, // bytes, bytes, µs
  noop: {},
} satisfies Record<string, Record<string, number>>);

export type ToxicType = keyof typeof TOXIC_ATTRIBUTE_DEFAULTS;
export type ToxicAttributes = Readonly<Record<string, number>>;

/** A toxic as the API shows it (`GET /proxies/{p}/toxics/{t}`). */
export interface Toxic {
  readonly name: string;
  readonly type: ToxicType;
  readonly stream: StreamDirection;
  readonly toxicity: number;
  readonly attributes: ToxicAttributes;
}

export interface Address {
  readonly host: string;
  readonly port: number;
}

/** An API failure: Toxiproxy answers `{"error": message, "status": code}` with that HTTP status. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

/** Toxiproxy's own error values (api.go), so clients that match on text or status keep working. */
export const Errors = Object.freeze({
  badBody: (detail: string) => new ApiError(`bad request body: ${detail}`, 400),
  missingField: (field: string) => new ApiError(`missing required field: ${field}`, 400),
  proxyNotFound: () => new ApiError('proxy not found', 404),
  proxyExists: () => new ApiError('proxy already exists', 409),
  invalidStream: () => new ApiError('stream was invalid, can be either upstream or downstream', 400),
  invalidToxicType: () => new ApiError('invalid toxic type', 400),
  toxicExists: () => new ApiError('toxic already exists', 409),
  toxicNotFound: () => new ApiError('toxic not found', 404),
});

/** What `POST /proxies` and `/populate` ask for, checked. */
export interface ProxyRequest {
  readonly name: string;
  readonly listen: Address;
  readonly upstream: string;
  readonly upstreamAddress: Address;
  readonly enabled: boolean;
  /**
   * zkcheck's extension (a real Toxiproxy ignores it): on a ZooKeeper election link, the address to
   * advertise in place of the dialler's own (see zk-election.ts). Loopback host:port.
   */
  readonly zkAdvertise?: string;
  /**
   * zkcheck's extension (a real Toxiproxy ignores it): how long, in ms, to keep dialling an
   * upstream that refuses before the client's connection is closed (see link.ts, `Connection`).
   */
  readonly redialRefusedMs?: number;
}

/** The longest `redial_refused_ms` accepted: ten minutes. */
export const MAX_REDIAL_REFUSED_MS = 600_000;

/** The fields of `POST|PATCH /proxies/{name}`, with the proxy's current values as defaults. */
export interface ProxyUpdate {
  readonly listen: Address;
  readonly upstream: string;
  readonly upstreamAddress: Address;
  readonly enabled: boolean;
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw Errors.badBody('EOF');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw Errors.badBody((error as Error).message);
  }
}

export function formatAddress(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** `listen` must be a loopback IPv4 address (or `localhost`, bound as 127.0.0.1); port 0 picks a free one. */
export function parseListen(text: string): Address {
  const address = splitHostPort(text, 'listen', 0);
  const host = address.host === 'localhost' || address.host === '' ? '127.0.0.1' : address.host;
  if (!isLoopbackIPv4(host)) {
    throw Errors.badBody(
      `listen ${JSON.stringify(text)} is not a loopback address: this proxy only binds 127.0.0.0/8 (use "127.0.0.1:0" for a free port)`,
    );
  }
  return { host, port: address.port };
}

/** `upstream` must be on loopback too; `localhost` is dialled as 127.0.0.1 so IPv6 resolution cannot surprise. */
export function parseUpstream(text: string): Address {
  const address = splitHostPort(text, 'upstream', 1);
  if (address.host === 'localhost') return { host: '127.0.0.1', port: address.port };
  if (isLoopbackIPv4(address.host) || address.host === '::1') return address;
  throw Errors.badBody(
    `upstream ${JSON.stringify(text)} is not a loopback address: zkcheck only proxies to 127.0.0.0/8, ::1 or localhost`,
  );
}

export function parseProxyRequest(body: unknown, where = ''): ProxyRequest {
  const fields = asObject(body, 'a proxy must be a JSON object');
  const name = optionalString(fields, 'name') ?? '';
  const upstream = optionalString(fields, 'upstream') ?? '';
  const listen = optionalString(fields, 'listen') ?? '';
  const enabled = optionalBoolean(fields, 'enabled') ?? true;
  if (name === '') throw Errors.missingField(`name${where}`);
  if (upstream === '') throw Errors.missingField(`upstream${where}`);
  const zkAdvertise = optionalString(fields, 'zk_advertise');
  if (zkAdvertise !== undefined) parseListen(zkAdvertise); // loopback host:port, or 400
  const redialRefusedMs = optionalDuration(fields, 'redial_refused_ms', MAX_REDIAL_REFUSED_MS);
  return {
    name,
    listen: parseListen(listen === '' ? '127.0.0.1:0' : listen),
    upstream,
    upstreamAddress: parseUpstream(upstream),
    enabled,
    ...(zkAdvertise === undefined ? {} : { zkAdvertise }),
    ...(redialRefusedMs === undefined ? {} : { redialRefusedMs }),
  };
}

export function parseProxyUpdate(
  body: unknown,
  current: { listen: Address; upstream: string; enabled: boolean },
): ProxyUpdate {
  const fields = asObject(body, 'a proxy update must be a JSON object');
  const listen = optionalString(fields, 'listen');
  const upstream = optionalString(fields, 'upstream') ?? current.upstream;
  return {
    listen: listen === undefined ? current.listen : parseListen(listen),
    upstream,
    upstreamAddress: parseUpstream(upstream),
    enabled: optionalBoolean(fields, 'enabled') ?? current.enabled,
  };
}

/**
 * `POST /proxies/{p}/toxics`, checked in Toxiproxy's order: body, stream, default name, type, duplicate
 * name (409), attributes.
 */
export function parseNewToxic(body: unknown, nameTaken: (name: string) => boolean): Toxic {
  const fields = asObject(body, 'a toxic must be a JSON object');
  const streamText = (optionalString(fields, 'stream') ?? 'downstream').toLowerCase();
  if (streamText !== 'upstream' && streamText !== 'downstream') throw Errors.invalidStream();
  const typeText = optionalString(fields, 'type') ?? '';
  const name = optionalString(fields, 'name') || `${typeText}_${streamText}`;
  if (!isToxicType(typeText)) throw Errors.invalidToxicType();
  if (nameTaken(name)) throw Errors.toxicExists();
  return {
    name,
    type: typeText,
    stream: streamText,
    toxicity: parseToxicity(fields.toxicity, 1),
    attributes: parseAttributes(typeText, fields.attributes, TOXIC_ATTRIBUTE_DEFAULTS[typeText]),
  };
}

/** `POST|PATCH /proxies/{p}/toxics/{t}`: only attributes (merged) and toxicity change, as in Toxiproxy. */
export function parseToxicUpdate(body: unknown, current: Toxic): Toxic {
  const fields = asObject(body, 'a toxic update must be a JSON object');
  return {
    ...current,
    toxicity: parseToxicity(fields.toxicity, current.toxicity),
    attributes: parseAttributes(current.type, fields.attributes, current.attributes),
  };
}

function isToxicType(text: string): text is ToxicType {
  return Object.hasOwn(TOXIC_ATTRIBUTE_DEFAULTS, text);
}

function parseToxicity(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw Errors.badBody(`toxicity must be a number from 0 to 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Known attributes must be non-negative integers; unknown ones are ignored, as Go's JSON decoder does. */
function parseAttributes(type: ToxicType, value: unknown, base: ToxicAttributes): ToxicAttributes {
  if (value === undefined || value === null) return { ...base };
  const given = asObject(value, `attributes of a ${type} toxic must be a JSON object`);
  const result: Record<string, number> = { ...base };
  for (const key of Object.keys(TOXIC_ATTRIBUTE_DEFAULTS[type])) {
    if (!Object.hasOwn(given, key) || given[key] === null) continue;
    const number = given[key];
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
      throw Errors.badBody(
        `attribute ${key} of a ${type} toxic must be a non-negative integer, got ${JSON.stringify(number)}`,
      );
    }
    result[key] = number;
  }
  return result;
}

function splitHostPort(text: string, field: string, minPort: number): Address {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < minPort || port > 65535) {
    throw Errors.badBody(
      `${field} ${JSON.stringify(text)} is not host:port with a port from ${minPort} to 65535`,
    );
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

function isLoopbackIPv4(host: string): boolean {
  const parts = host.split('.');
  return (
    parts.length === 4 &&
    parts[0] === '127' &&
    parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)
  );
}

function asObject(value: unknown, message: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw Errors.badBody(message);
  return value as Record<string, unknown>;
}

function optionalString(fields: Record<string, unknown>, key: string): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw Errors.badBody(`${key} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** A whole number of milliseconds from 0 to `max`, or absent. */
function optionalDuration(fields: Record<string, unknown>, key: string, max: number): number | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max)
    throw Errors.badBody(
      `${key} must be a whole number of ms from 0 to ${max}, got ${JSON.stringify(value)}`,
    );
  return value;
}

function optionalBoolean(fields: Record<string, unknown>, key: string): boolean | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean')
    throw Errors.badBody(`${key} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}
