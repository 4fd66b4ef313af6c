// --request-timeout: a request that cannot finish in time gets a 504 with
// code "timeout" (not a 500), streamed or not, and the server keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, MODEL_ID } from './server_harness.js';

let srv;
before(async () => { srv = await startServer(['--parallel', '1', '--ctx', '4096', '--request-timeout', '0.01']); });
after(async () => { await srv?.stop(); });

// EOS (id 2) banned: only max_tokens could end it, far beyond 10 ms.
const long = { model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 4000, temperature: 0, logit_bias: { '2': -100 } };

test('a timed-out request is a 504 timeout error', async () => {
  await assert.rejects(srv.client.completions.create(long),
    (e) => e instanceof OpenAI.APIError && e.status === 504 && e.code === 'timeout' && /timed out/.test(e.message));
  const r = await fetch(srv.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL_ID, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4000,
                           logit_bias: { '2': -100 }, stream: true }) });
  assert.equal(r.status, 200);  // a stream has started before the deadline passes ...
  const text = await r.text();
  assert.match(text, /"code":"timeout"/);  // ... so the error arrives as an event
  assert.ok(!text.includes('[DONE]'));
  assert.equal((await fetch(srv.url + '/health')).status, 200);
});
