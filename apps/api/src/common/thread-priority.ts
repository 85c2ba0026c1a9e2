import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Gives the calling worker thread the nice value `niceness` (0: as the api's thread; 19: lowest). On
 * Linux a thread is a task of its own, so only this thread yields the CPU to the others when it is
 * contended. Returns whether it was set (false: not Linux, the main thread, or not allowed).
 */
export function niceThisThread(niceness: number): boolean {
  if (niceness === 0) return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!(tid > 0) || tid === process.pid) return false;
    setPriority(tid, niceness);
    return true;
  } catch {
    return false;
  }
}
