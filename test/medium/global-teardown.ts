/** Stops what global-setup.ts started. */
export default async function globalTeardown(): Promise<void> {
  const medium = (globalThis as Record<string, unknown>).__orderflowMedium as { stop(): Promise<unknown> } | undefined;
  await medium?.stop();
}
