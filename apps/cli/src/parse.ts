/**
 * Command-line parsing with commander: every command (and subcommand) declares its arguments,
 * options and examples once, in a CommandSpec, and gets `--help` (usage, description, options,
 * examples), `--name value` / `--name=value`, and one-line usage errors that name the closest valid
 * option or command (exit code 2). The values the commands check themselves (numbers, dates, counts of
 * arguments) keep their own messages.
 */
import { Command, CommanderError, Option } from 'commander';
import { usage, type CliIo } from './cli-io';

export interface OptionSpec {
  /** commander flags: `--format <csv|jsonl>` (takes a value) or `--apply` (a flag). */
  flags: string;
  description: string;
  /** Shown in the help as the default. */
  defaultDescription?: string;
}

export interface CommandSpec {
  /** The command as typed after `patent-ledger`: `import`, `users add`. */
  name: string;
  /** One line, for the list of commands. */
  summary: string;
  /** The usage after the name, e.g. `FILE [options]` (default: `[options]`). */
  usage?: string;
  /** What it does, in a few lines (default: the summary). */
  description?: string;
  /** Positional arguments, for the help. */
  arguments?: { name: string; description: string }[];
  options: OptionSpec[];
  /** At least one, shown under "Examples". */
  examples: string[];
}

export interface Parsed {
  /** Positional arguments, in order. */
  positional: string[];
  /** Options that take a value, by long name without dashes (`batch-size`). */
  values: Record<string, string>;
  /** Flags that were given, by long name (`apply`; `--no-rejects` as `no-rejects`). */
  flags: Set<string>;
}

/** A commander message as one line: `unknown option --verbos (did you mean --verbose?)`. */
function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/option '(--?[\w-]+)(?: <[^>]*>| \[[^\]]*\])?' argument missing/, '$1 needs a value')
    .replace(/'([^'\s]+)'/g, '$1')
    .replace(/\s*\n\(Did you mean (.+)\?\)/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

function build(spec: CommandSpec, io: CliIo): Command {
  const cmd = new Command(`patent-ledger ${spec.name}`)
    .usage(spec.usage ?? '[options]')
    .description(spec.description ?? spec.summary)
    .exitOverride()
    .showSuggestionAfterError(true)
    .allowExcessArguments(true) // the command counts its arguments, with its own message
    .helpOption('-h, --help', 'this text')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: () => undefined, // errors become one CliError line
      outputError: () => undefined,
    });
  for (const a of spec.arguments ?? []) cmd.argument(`[${a.name}]`, a.description);
  for (const o of spec.options) {
    const option = new Option(o.flags, o.description);
    if (o.defaultDescription) option.default(undefined, o.defaultDescription);
    cmd.addOption(option);
  }
  const examples = spec.examples.map((e) => `  ${e}`).join('\n');
  cmd.addHelpText('after', `\nExample${spec.examples.length > 1 ? 's' : ''}:\n${examples}`);
  return cmd;
}

/**
 * Parses a command's arguments. Returns undefined when `--help` was asked for (the help is printed
 * on stdout: exit 0); throws a usage error (exit 2) for an unknown option or a missing value.
 */
export function parseCommand(spec: CommandSpec, args: readonly string[], io: CliIo): Parsed | undefined {
  const cmd = build(spec, io);
  try {
    cmd.parse([...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return undefined;
      throw usage(oneLine(err.message));
    }
    throw err;
  }
  const parsed: Parsed = { positional: [...cmd.args], values: {}, flags: new Set() };
  const opts = cmd.opts<Record<string, unknown>>();
  for (const option of cmd.options as Option[]) {
    const long = option.long!.replace(/^--/, '');
    const value = opts[option.attributeName()];
    if (option.negate) {
      if (value === false) parsed.flags.add(long);
    } else if (option.required || option.optional) {
      if (typeof value === 'string') parsed.values[long] = value;
    } else if (value === true) {
      parsed.flags.add(long);
    }
  }
  return parsed;
}

/** The help of a command, as `--help` prints it. */
export function helpOf(spec: CommandSpec, io: CliIo): string {
  return build(spec, io).helpInformation();
}

/**
 * A usage error for an unknown command (or subcommand) that names the closest one, as commander
 * suggests it: `unknown command improt (did you mean import?)`.
 */
export function unknownCommand(prefix: string, name: string, known: readonly string[]): Error {
  const program = new Command(prefix)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  for (const k of known) program.command(k);
  try {
    program.parse([name], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return usage(`${oneLine(err.message)}; run "${prefix} --help"`);
    throw err;
  }
  return usage(`unknown command ${name}; run "${prefix} --help"`);
}

/**
 * The help of a group of commands: what `patent-ledger --help` (or `patent-ledger users --help`)
 * prints — each command with its summary, then how to get a command's own help.
 */
export function groupHelp(
  prefix: string,
  description: string,
  commands: readonly CommandSpec[],
  footer: string,
): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: ${prefix} <command> [options]\n\n${description}\n\nCommands:\n${lines.join('\n')}\n  ${'help'.padEnd(width)}  this text\n\n${footer}\n`;
}
