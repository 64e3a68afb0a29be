// The application/vnd.convnet.style-progress+json payload, declared in src/protocol/styleProgress.ts and
// checked here on arrival: outputs also come from saved notebooks, which anyone can edit. Every error
// names the field that is wrong. Losses may carry non-finite numbers: JSON writes NaN and ±Infinity as
// null, so null (and the strings 'NaN', 'Infinity', '-Infinity') read back as NaN / ±Infinity.
import type {
  StyleLossPoint, StyleProgressFrame, StyleProgressImage, StyleProgressPayload,
} from '../../src/protocol/styleProgress';
export type { StyleLossPoint, StyleProgressFrame, StyleProgressImage, StyleProgressPayload };

export type StyleProgressStatus = StyleProgressPayload['status'];
export const STATUSES: readonly StyleProgressStatus[] = ['running', 'done', 'interrupted', 'error'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function fail(what: string): never {
  throw new Error(`Not a style-progress output: ${what}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** A short description of a bad value for an error message: the number itself, a shortened string, or its type. */
function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : v === undefined ? 'nothing' : typeof v;
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** A loss value: a number, or how JSON carries a non-finite one (null, 'NaN', 'Infinity', '-Infinity'). */
function lossValue(v: unknown, at: string): number {
  if (typeof v === 'number') return v;
  if (v === null) return NaN;
  if (typeof v === 'string' && v in NON_FINITE) return NON_FINITE[v];
  fail(`${at} must be a number, got ${describe(v)}`);
}

/** Checks `data` (parsed JSON) and returns it typed; throws an Error naming the bad field. */
export function parseStyleProgressPayload(data: unknown): StyleProgressPayload {
  if (!isObject(data)) fail(`expected an object, got ${describe(data)}`);
  if (data.version !== 1) fail(`version must be 1, got ${describe(data.version)}`);
  if (!STATUSES.includes(data.status as StyleProgressStatus)) {
    fail(`status must be one of ${STATUSES.join(', ')}, got ${describe(data.status)}`);
  }
  if (!isCount(data.iteration)) fail(`iteration must be a whole number >= 0, got ${describe(data.iteration)}`);
  if (!isCount(data.iterations)) fail(`iterations must be a whole number >= 0, got ${describe(data.iterations)}`);
  if (!Array.isArray(data.losses)) fail(`losses must be an array, got ${describe(data.losses)}`);
  if (!Array.isArray(data.frames)) fail(`frames must be an array, got ${describe(data.frames)}`);

  const payload: StyleProgressPayload = {
    version: 1, status: data.status as StyleProgressStatus, iteration: data.iteration, iterations: data.iterations,
    current: parseImage(data.current, 'current'),
    losses: data.losses.map((raw, i) => parseLossPoint(raw, i)),
    frames: data.frames.map((raw, i) => parseFrame(raw, i)),
  };
  checkAscending(payload.losses, 'losses');
  checkAscending(payload.frames, 'frames');
  if (data.message !== undefined) {
    if (typeof data.message !== 'string') fail(`message must be a string, got ${describe(data.message)}`);
    payload.message = data.message;
  }
  // A non-finite speed arrives as null: shown as unknown.
  if (data.speed !== undefined && data.speed !== null) {
    if (!isFiniteNumber(data.speed) || data.speed < 0) fail(`speed must be a finite number >= 0, got ${describe(data.speed)}`);
    payload.speed = data.speed;
  }
  if (data.settings !== undefined) {
    if (!isObject(data.settings)) fail(`settings must be an object of label: value, got ${describe(data.settings)}`);
    const settings: Record<string, string | number> = {};
    for (const [label, value] of Object.entries(data.settings)) {
      if (typeof value !== 'string' && typeof value !== 'number') {
        fail(`settings[${JSON.stringify(label)}] must be a string or a number, got ${describe(value)}`);
      }
      settings[label] = value;
    }
    payload.settings = settings;
  }
  if (data.content !== undefined) payload.content = parseImage(data.content, 'content');
  if (data.style !== undefined) payload.style = parseImage(data.style, 'style');
  return payload;
}

function parseImage(raw: unknown, at: string): StyleProgressImage {
  if (!isObject(raw)) fail(`${at} must be an image object { png, width, height }, got ${describe(raw)}`);
  // Checked so that the data: URL built from it can only ever be an image. '' means "no image yet".
  if (typeof raw.png !== 'string' || !BASE64.test(raw.png)) fail(`${at}.png must be base64 PNG data (no data: prefix)`);
  if (!isCount(raw.width)) fail(`${at}.width must be a whole number >= 0, got ${describe(raw.width)}`);
  if (!isCount(raw.height)) fail(`${at}.height must be a whole number >= 0, got ${describe(raw.height)}`);
  return { png: raw.png, width: raw.width, height: raw.height };
}

function parseLossPoint(raw: unknown, i: number): StyleLossPoint {
  const at = `losses[${i}]`;
  if (!isObject(raw)) fail(`${at} must be an object, got ${describe(raw)}`);
  if (!isCount(raw.iteration)) fail(`${at}.iteration must be a whole number >= 0, got ${describe(raw.iteration)}`);
  const point: StyleLossPoint = {
    iteration: raw.iteration, total: lossValue(raw.total, `${at}.total`), elapsed: lossValue(raw.elapsed, `${at}.elapsed`),
  };
  for (const key of ['content', 'style', 'tv'] as const) {
    if (raw[key] !== undefined) point[key] = lossValue(raw[key], `${at}.${key}`);
  }
  if (raw.styleLayers !== undefined) {
    if (!isObject(raw.styleLayers)) fail(`${at}.styleLayers must be an object of layer: value, got ${describe(raw.styleLayers)}`);
    const layers: Record<string, number> = {};
    for (const [layer, value] of Object.entries(raw.styleLayers)) layers[layer] = lossValue(value, `${at}.styleLayers[${JSON.stringify(layer)}]`);
    point.styleLayers = layers;
  }
  return point;
}

function parseFrame(raw: unknown, i: number): StyleProgressFrame {
  const at = `frames[${i}]`;
  if (!isObject(raw)) fail(`${at} must be an object { iteration, image }, got ${describe(raw)}`);
  if (!isCount(raw.iteration)) fail(`${at}.iteration must be a whole number >= 0, got ${describe(raw.iteration)}`);
  return { iteration: raw.iteration, image: parseImage(raw.image, `${at}.image`) };
}

/** Lookups by iteration use binary search, so both lists must be in iteration order. */
function checkAscending(items: ReadonlyArray<{ iteration: number }>, name: string): void {
  for (let i = 1; i < items.length; i++) {
    if (items[i].iteration < items[i - 1].iteration) {
      fail(`${name}[${i}].iteration (${items[i].iteration}) must not be smaller than ${name}[${i - 1}].iteration (${items[i - 1].iteration})`);
    }
  }
}
