import type { CliIo } from './cli-io';

/**
 * Characters a terminal would act on rather than show, or that make text read otherwise than it is
 * stored: C0 controls but TAB and LF (ESC starts terminal sequences, CR overwrites a line), DEL, C1
 * controls, bidirectional overrides and isolates, and lone surrogates.
 */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `s` with each such character written as its JSON escape (`\u001b`), which --json output keeps valid. */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The same io, its stdout escaping what printable() escapes (for the commands that print stored text). */
export function printableIo(io: CliIo): CliIo {
  const stdout = new Proxy(io.stdout, {
    get(target, prop, receiver) {
      if (prop === 'write') {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...a: unknown[]) => boolean)(
            typeof chunk === 'string' ? printable(chunk) : chunk,
            ...rest,
          );
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ...io, stdout };
}
