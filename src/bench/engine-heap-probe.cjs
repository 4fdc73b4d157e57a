// Loaded into every thread of a measured process by `npm run bench -- engine` (NODE_OPTIONS
// --require, which Node also runs in worker threads): every 250 ms, one line of
// process.memoryUsage() for this thread's isolate, appended to <FB_ENGINE_HEAP_DIR>/<pid>-<thread>.jsonl.
// The harness sums heapUsed, external and arrayBuffers over the threads; RSS is the process's.
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');
const { threadId } = require('node:worker_threads');

const dir = process.env.FB_ENGINE_HEAP_DIR;
if (dir) {
  const file = join(dir, `${process.pid}-${threadId}.jsonl`);
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const line = {
      at: Date.now(),
      rss: m.rss,
      heapUsed: m.heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
    };
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {
      // The harness removed the folder: nothing left to report to.
    }
  }, 250);
  timer.unref();
}
