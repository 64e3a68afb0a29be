// Header text of the progress output, without the DOM.
import { formatCompact } from '../shared/format';
import type { StyleProgressPayload } from './payload';

/** "12.3 it/s · 41 s elapsed · about 20 s left" (the estimate only while running). */
export function speedText(payload: StyleProgressPayload): string {
  const parts: string[] = [];
  if (payload.speed !== undefined) parts.push(`${formatCompact(Number(payload.speed.toPrecision(3)))} it/s`);
  const last = payload.losses[payload.losses.length - 1];
  if (last && Number.isFinite(last.elapsed)) parts.push(`${formatSeconds(last.elapsed)} elapsed`);
  if (payload.status === 'running' && payload.speed && payload.iterations > payload.iteration) {
    parts.push(`about ${formatSeconds((payload.iterations - payload.iteration) / payload.speed)} left`);
  }
  return parts.join(' · ');
}

/** 4.2 s, 42 s, 3 min 5 s. */
export function formatSeconds(seconds: number): string {
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}
