import { spawn } from 'node:child_process';

/** What a child killed mid-run had acknowledged: `commandId → last position`, one per stdout line. */
export interface KilledRun {
  acknowledged: Map<string, number>;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs `node -e script ...args`, which prints one `commandId position` line per acknowledged append,
 * and SIGKILLs it once it has printed `killAfter` lines. Only complete lines count as acknowledged
 * (a cut-off last line is not).
 */
export function runAndKill(script: string, args: readonly string[], killAfter: number): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.split('\n').length > killAfter) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      const lines = stdout.split('\n').slice(0, -1);
      const acknowledged = new Map(
        lines.map((line) => {
          const [commandId = '', position = ''] = line.split(' ');
          return [commandId, Number(position)] as const;
        }),
      );
      resolve({ acknowledged, signal, stderr });
    });
  });
}
