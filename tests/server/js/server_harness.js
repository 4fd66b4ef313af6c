// Starts the real `ledge serve` on 127.0.0.1 with a free port (--port 0; the
// port is read from its log) and stops it. Paths come from CTest:
// LEDGE_BIN (the ledge binary) and LEDGE_MODEL (stories260K.gguf).
import { spawn } from 'node:child_process';
import OpenAI from 'openai';

export const MODEL_ID = 'stories260K';

export async function startServer(extraArgs = []) {
  const bin = process.env.LEDGE_BIN;
  const model = process.env.LEDGE_MODEL;
  if (!bin || !model) throw new Error('set LEDGE_BIN and LEDGE_MODEL (CTest does)');
  const proc = spawn(bin, ['serve', '--model', model, '--host', '127.0.0.1', '--port', '0', ...extraArgs],
                     { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not become ready in 20 s:\n' + log)), 20000);
    proc.stderr.on('data', (d) => {
      log += d.toString();
      const m = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m && log.includes('ready')) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${log}`)); });
  });
  const client = new OpenAI({ baseURL: url + '/v1', apiKey: 'unused', maxRetries: 0, timeout: 30000 });
  return {
    url, proc, client, exited,
    log: () => log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

// Value of an unlabelled-by-route gauge such as vllm:num_requests_running.
export async function metric(url, name) {
  const text = await (await fetch(url + '/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

export async function collectStream(stream) {
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta?.content ?? c.text ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { text, finish, usage };
}
