/**
 * Start-up timeline for people measuring the backend's first answer: with INFERENCE_LOGS_VERBOSE set, each step is
 * one hclog debug line on stderr with its epoch time in ms (comparable across the process's threads).
 */
const enabled = Boolean(process.env.INFERENCE_LOGS_VERBOSE);

export function mark(step: string, at = performance.timeOrigin + performance.now()): void {
  if (enabled) {
    const line = { '@level': 'debug', '@message': 'timeline', '@timestamp': new Date(at).toISOString(), step, at };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  }
}
