/** Parses a lifetime such as `90s`, `15m`, `8h` or `30d` into seconds; throws a one-line reason. */
export function parseTtl(value: string, max = 366 * 24 * 3600): number {
  const m = /^(\d{1,7})(s|m|h|d)$/.exec(value.trim());
  if (!m)
    throw new Error(`invalid lifetime ${JSON.stringify(value)}: expected a number and s, m, h or d, e.g. 8h`);
  const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  if (seconds < 1 || seconds > max) {
    throw new Error(`invalid lifetime ${JSON.stringify(value)}: from 1s to ${Math.floor(max / 86400)}d`);
  }
  return seconds;
}
