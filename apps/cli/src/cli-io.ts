import { loadConfig, type LedgerConfig } from '../../api/src/config';
import { openReadModels, openStore } from '../../api/src/stores';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isTTY: boolean;
}

/** A command's failure: printed as one line, exit code 1 (2 for usage errors). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const usage = (message: string): CliError => new CliError(message, 2);

/** Parses `--name value`, `--name=value` and `--flag`; the rest are positional arguments. */
export function parseArgs(
  args: string[],
  spec: { values?: readonly string[]; flags?: readonly string[] },
): { positional: string[]; values: Record<string, string>; flags: Set<string> } {
  const positional: string[] = [];
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (spec.flags?.includes(name)) {
      flags.add(name);
    } else if (spec.values?.includes(name)) {
      const v = inline ?? args[++i];
      if (v === undefined) throw usage(`--${name} needs a value`);
      values[name] = v;
    } else {
      throw usage(`unknown option --${name}`);
    }
  }
  return { positional, values, flags };
}

export function configFrom(env: NodeJS.ProcessEnv): LedgerConfig {
  return loadConfig(env);
}

export { openReadModels, openStore };
