// One sequence slot and no queue: overload gets 429, a client that hangs up
// frees its slot, and SIGTERM lets the in-flight stream finish.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, metric, collectStream, MODEL_ID } from './server_harness.js';

let srv;
before(async () => { srv = await startServer(['--parallel', '1', '--max-queue', '0', '--ctx', '4096']); });
after(async () => { await srv?.stop(); });

// Long generation: EOS (id 2) is banned so only max_tokens ends it.
const longRequest = { model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 4000, temperature: 0,
                      logit_bias: { '2': -100 }, stream: true };

async function waitFor(cond, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await cond()) return true; await new Promise((r) => setTimeout(r, 20)); }
  return false;
}

test('overload gets 429 with Retry-After; disconnect frees the slot', async () => {
  const ac = new AbortController();
  const stream = await srv.client.completions.create(longRequest, { signal: ac.signal });
  const it = stream[Symbol.asyncIterator]();
  await it.next();  // generating now
  assert.equal(await metric(srv.url, 'vllm:num_requests_running'), 1);
  const r = await fetch(srv.url + '/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL_ID, prompt: 'x', max_tokens: 2 }) });
  assert.equal(r.status, 429);
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
  assert.equal((await r.json()).error.code, 'queue_full');
  await assert.rejects(srv.client.completions.create({ model: MODEL_ID, prompt: 'x', max_tokens: 2 }),
    (e) => e instanceof OpenAI.RateLimitError);

  ac.abort();  // client hangs up mid-stream
  await it.next().catch(() => {});
  assert.ok(await waitFor(async () => (await metric(srv.url, 'vllm:num_requests_running')) === 0), 'slot not freed');
  const ok = await srv.client.completions.create({ model: MODEL_ID, prompt: 'The cat', max_tokens: 4, temperature: 0 });
  assert.equal(ok.usage.completion_tokens, 4);
});

test('SIGTERM drains the in-flight stream, then exits 0', async () => {
  const stream = await srv.client.completions.create({ ...longRequest, max_tokens: 300 });
  const it = stream[Symbol.asyncIterator]();
  let text = (await it.next()).value.choices[0].text;
  srv.proc.kill('SIGTERM');
  let finish = null;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    text += r.value.choices[0]?.text ?? '';
    finish = r.value.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(finish, 'length');
  assert.ok(text.length > 100);
  const { code } = await srv.exited;
  assert.equal(code, 0);
  await assert.rejects(fetch(srv.url + '/health'));
});
