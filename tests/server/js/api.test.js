// The OpenAI Node SDK against `ledge serve` with stories260K.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, metric, collectStream, MODEL_ID } from './server_harness.js';

let srv;
before(async () => { srv = await startServer(['--parallel', '16', '--ctx', '512']); });
after(async () => { await srv?.stop(); });

test('models: list and retrieve', async () => {
  const list = await srv.client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), [MODEL_ID]);
  const m = await srv.client.models.retrieve(MODEL_ID);
  assert.equal(m.id, MODEL_ID);
  assert.equal(m.object, 'model');
  await assert.rejects(srv.client.models.retrieve('nope'), (e) => e instanceof OpenAI.NotFoundError);
});

test('completions: greedy text, usage and length finish', async () => {
  const r = await srv.client.completions.create({ model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 8, temperature: 0 });
  // llama.cpp's greedy continuation of this prompt (golden/stories260K.json)
  assert.match(r.choices[0].text, /^, there was a little girl/);
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, 8);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + 8);
  assert.ok(r.usage.prompt_tokens > 1);
});

test('completions: token-array prompt; ids outside the vocabulary are a 400', async () => {
  const r = await srv.client.completions.create({ model: MODEL_ID, prompt: [1, 100, 200], max_tokens: 3, temperature: 0 });
  assert.equal(r.usage.prompt_tokens, 3);
  assert.equal(r.usage.completion_tokens, 3);
  const bad = await fetch(srv.url + '/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL_ID, prompt: [1, 99999], max_tokens: 2 }) });
  assert.equal(bad.status, 400);
  const body = await bad.json();
  assert.equal(body.error.param, 'prompt');
  assert.match(body.error.message, /99999/);
});

test('chat: non-stream and stream agree at temperature 0, usage chunk', async () => {
  const messages = [{ role: 'user', content: 'Tell me a story.' }];
  const full = await srv.client.chat.completions.create({ model: MODEL_ID, messages, max_tokens: 20, temperature: 0 });
  assert.equal(full.object, 'chat.completion');
  assert.equal(full.choices[0].message.role, 'assistant');
  assert.equal(typeof full.choices[0].message.content, 'string');
  const stream = await srv.client.chat.completions.create({ model: MODEL_ID, messages, max_tokens: 20, temperature: 0,
    stream: true, stream_options: { include_usage: true } });
  const got = await collectStream(stream);
  assert.equal(got.text, full.choices[0].message.content);
  assert.equal(got.finish, full.choices[0].finish_reason);
  assert.deepEqual(got.usage, full.usage);
});

test('stop sequences end with finish_reason stop and are not returned', async () => {
  const r = await srv.client.completions.create({ model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 30,
    temperature: 0, stop: ['little'] });
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.ok(!r.choices[0].text.includes('little'), r.choices[0].text);
  assert.match(r.choices[0].text, /^, there was a $/);
});

test('seed makes sampling reproducible', async () => {
  const req = { model: MODEL_ID, prompt: 'The cat', max_tokens: 24, temperature: 1, seed: 1234 };
  const a = await srv.client.completions.create(req);
  const b = await srv.client.completions.create(req);
  assert.equal(a.choices[0].text, b.choices[0].text);
});

test('errors have the OpenAI shape', async () => {
  await assert.rejects(srv.client.chat.completions.create({ model: 'missing', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404 && e.code === 'model_not_found');
  await assert.rejects(srv.client.chat.completions.create({ model: MODEL_ID, messages: [{ role: 'user', content: 'x' }], temperature: 5 }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'temperature');
  await assert.rejects(srv.client.chat.completions.create({ model: MODEL_ID, messages: [] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'messages');
  await assert.rejects(srv.client.completions.create({ model: MODEL_ID, prompt: 'x', n: 2 }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'n');
  await assert.rejects(srv.client.completions.create({ model: MODEL_ID, prompt: 'x', max_tokens: 100000 }),
    (e) => e instanceof OpenAI.BadRequestError && e.code === 'context_length_exceeded');
  const raw = await fetch(srv.url + '/v1/chat/completions', { method: 'POST', body: '{"model": ' });
  assert.equal(raw.status, 400);
  const body = await raw.json();
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  // still serving
  assert.equal((await fetch(srv.url + '/health')).status, 200);
});

test('16 parallel streams at temperature 0 equal the same requests one by one', async () => {
  const prompts = ['Once upon a time', 'The dog', 'Lily was', 'Tom and Sue', 'The sun', 'A little bird', 'One day', 'Mom said',
    'The cat', 'Ben had', 'It was a', 'Sara liked', 'The big tree', 'Max ran', 'At the park', 'Her friend'];
  const req = (p) => ({ model: MODEL_ID, prompt: p, max_tokens: 32, temperature: 0 });
  const sequential = [];
  for (const p of prompts) sequential.push((await srv.client.completions.create(req(p))).choices[0].text);
  const parallel = await Promise.all(prompts.map(async (p) =>
    (await collectStream(await srv.client.completions.create({ ...req(p), stream: true }))).text));
  assert.deepEqual(parallel, sequential);
  const text = await (await fetch(srv.url + '/metrics')).text();
  assert.match(text, /vllm:time_to_first_token_seconds_count\{model_name="stories260K"\} [1-9]/);
  assert.match(text, /ledge:http_requests_total\{route="\/v1\/completions",status="200"\}/);
});

test('chat logprobs: normalized, greedy token is the top alternative, stream equals non-stream', async () => {
  const req = { model: MODEL_ID, messages: [{ role: 'user', content: 'Tell me a story.' }], max_tokens: 12,
                temperature: 0, logprobs: true, top_logprobs: 3 };
  const r = await srv.client.chat.completions.create(req);
  const content = r.choices[0].logprobs.content;
  assert.ok(Array.isArray(content) && content.length > 0);
  if (r.choices[0].finish_reason === 'length') assert.equal(content.length, r.usage.completion_tokens);
  for (const t of content) {
    assert.ok(t.logprob <= 0 && Number.isFinite(t.logprob), JSON.stringify(t));
    assert.ok(Array.isArray(t.bytes));
    assert.equal(t.top_logprobs.length, 3);
    assert.equal(t.top_logprobs[0].token, t.token);
    assert.equal(t.top_logprobs[0].logprob, t.logprob);
    let mass = 0;
    for (let k = 0; k < t.top_logprobs.length; ++k) {
      if (k > 0) assert.ok(t.top_logprobs[k].logprob <= t.top_logprobs[k - 1].logprob);
      mass += Math.exp(t.top_logprobs[k].logprob);
    }
    assert.ok(mass <= 1 + 1e-5, String(mass));
  }
  if (r.choices[0].finish_reason === 'length')
    assert.equal(content.map((t) => Buffer.from(t.bytes).toString('utf8')).join(''), r.choices[0].message.content);
  const stream = await srv.client.chat.completions.create({ ...req, stream: true });
  const streamed = [];
  for await (const chunk of stream)
    for (const c of chunk.choices) if (c.logprobs?.content) streamed.push(...c.logprobs.content);
  assert.deepEqual(streamed, content);
  // Without the flag there are none.
  const plain = await srv.client.chat.completions.create({ ...req, logprobs: undefined, top_logprobs: undefined });
  assert.equal(plain.choices[0].logprobs, null);
});

test('logprobs limits: top_logprobs > 20 or without logprobs, completions logprobs > 5 are 400s', async () => {
  const messages = [{ role: 'user', content: 'x' }];
  await assert.rejects(srv.client.chat.completions.create({ model: MODEL_ID, messages, logprobs: true, top_logprobs: 21 }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'top_logprobs');
  await assert.rejects(srv.client.chat.completions.create({ model: MODEL_ID, messages, top_logprobs: 2 }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'top_logprobs');
  await assert.rejects(srv.client.completions.create({ model: MODEL_ID, prompt: 'x', logprobs: 6 }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'logprobs');
});

test('completions logprobs: legacy shape, stream equals non-stream', async () => {
  const req = { model: MODEL_ID, prompt: 'Once upon a time', max_tokens: 8, temperature: 0, logprobs: 2 };
  const r = await srv.client.completions.create(req);
  const lp = r.choices[0].logprobs;
  assert.equal(lp.tokens.length, 8);
  assert.equal(lp.token_logprobs.length, 8);
  assert.equal(lp.top_logprobs.length, 8);
  assert.deepEqual(lp.text_offset[0], 0);
  for (let i = 0; i < 8; ++i) {
    assert.ok(lp.token_logprobs[i] <= 0);
    const top = Object.entries(lp.top_logprobs[i]);
    assert.ok(top.length >= 1 && top.length <= 2);
    assert.equal(Math.max(...top.map(([, v]) => v)), lp.token_logprobs[i]);  // greedy: the best one
    if (i > 0) assert.equal(lp.text_offset[i], lp.text_offset[i - 1] + Buffer.byteLength(lp.tokens[i - 1]));
  }
  assert.equal(lp.tokens.join(''), r.choices[0].text);
  const stream = await srv.client.completions.create({ ...req, stream: true });
  const tokens = [], offsets = [];
  for await (const chunk of stream)
    for (const c of chunk.choices) if (c.logprobs) { tokens.push(...c.logprobs.tokens); offsets.push(...c.logprobs.text_offset); }
  assert.deepEqual(tokens, lp.tokens);
  assert.deepEqual(offsets, lp.text_offset);
});

test('tools: malformed tools are 400s; tools on a model without a chat template are refused clearly', async () => {
  const messages = [{ role: 'user', content: 'x' }];
  await assert.rejects(srv.client.chat.completions.create({ model: MODEL_ID, messages, tools: [{ type: 'function', function: { name: 'bad name' } }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'tools');
  await assert.rejects(srv.client.chat.completions.create({ model: MODEL_ID, messages, tool_choice: 'required',
    tools: [{ type: 'function', function: { name: 'f' } }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'tool_choice');
  // stories260K has no chat template (ChatML fallback), which cannot render tools.
  await assert.rejects(srv.client.chat.completions.create({ model: MODEL_ID, messages,
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'tools' && /chat template/.test(e.message));
  // tool_choice "none" leaves them out, so the same request works.
  const r = await srv.client.chat.completions.create({ model: MODEL_ID, messages, max_tokens: 2, tool_choice: 'none',
    tools: [{ type: 'function', function: { name: 'get_weather' } }] });
  assert.equal(r.choices.length, 1);
});
