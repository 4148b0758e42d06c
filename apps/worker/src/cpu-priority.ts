import { getPriority, setPriority } from 'node:os';

/**
 * Lowers this process's CPU priority to the niceness `nice` and returns the niceness it runs at.
 * It never raises the priority: that takes a privilege, and a worker an operator started lower
 * (`nice -n 10`) stays there. On Linux it applies to the calling thread, the one that runs
 * JavaScript and does nearly all of the worker's work; threads started later inherit it.
 */
export function lowerCpuPriority(nice: number): number {
  if (nice > getPriority()) setPriority(nice);
  return getPriority();
}
