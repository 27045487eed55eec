/**
 * File names for exported frames: a pattern with {i} (the frame number, zero-padded to the
 * width of the last number) and {n} (the frame count).
 */
import { AtlasError } from '../errors';

export function frameNames(pattern: string, count: number): string[] {
  if (count > 1 && !pattern.includes('{i}'))
    throw new AtlasError('invalid_input', `The file name pattern "${pattern}" has no {i}, so ${count} frames would share one name; add {i} (e.g. "frame-{i}").`);
  const width = String(Math.max(count - 1, 0)).length;
  const names = Array.from({ length: count }, (_, i) => pattern.replaceAll('{i}', String(i).padStart(width, '0')).replaceAll('{n}', String(count)));
  if (names.some((n) => n.includes('{') || n.includes('}'))) throw new AtlasError('invalid_input', `The file name pattern "${pattern}" has an unknown {...} field; only {i} and {n} are replaced.`);
  return names;
}

/** Frame order for playback: forwards, then (ping-pong) backwards without repeating either end frame. */
export function playOrder(count: number, pingPong: boolean): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  if (pingPong) for (let i = count - 2; i >= 1; i--) order.push(i);
  return order;
}
