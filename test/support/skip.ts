/**
 * Registers a suite that cannot run because an external server (a database, a broker) does not
 * answer: skipped, with the reason as its test's title and on stderr as a `skip:` line.
 */
export function skipForMissingServer(name: string, reason: string): void {
  process.stderr.write(`skip: ${name}: ${reason}\n`);
  describe.skip(name, () => it(reason, () => undefined));
}
