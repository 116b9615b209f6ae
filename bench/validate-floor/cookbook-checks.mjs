// The validation floor of scripts/bench.sh: the checks of OpenAI's cookbook notebook "Data preparation and analysis
// for chat model fine-tuning", ported line for line from its Python, counting tokens with gpt-tokenizer, a port of
// tiktoken with the same encodings (same counts; on short texts 25 times faster here than the npm tiktoken package's
// WebAssembly build, so the floor is the fastest one we could find). Format errors, missing system/user messages,
// messages and tokens per example, assistant tokens, examples over the token limit, the epoch heuristic, billed tokens.
// Usage: node cookbook-checks.mjs FILE [ENCODING]. Prints one JSON line; the clock starts once the encoding is loaded.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

const [file, encodingName = "o200k_base"] = process.argv.slice(2);
const encoding = await import(`gpt-tokenizer/encoding/${encodingName}`);
const started = performance.now();
const cpuAtStart = process.cpuUsage();

const formatErrors = {};
const fail = (kind) => { formatErrors[kind] = (formatErrors[kind] ?? 0) + 1; };
const tokens = (value) =>
  typeof value === "string" ? encoding.encode(value).length
    : value !== null && typeof value === "object" ? encoding.encode(JSON.stringify(value)).length // tool_calls, tools
      : 0; // weight: a number the notebook would not encode either

// num_tokens_from_messages: 3 per message, every value, 1 more for a name, 3 for the primed reply.
const numTokensFromMessages = (messages) => {
  let n = 0;
  for (const message of messages) {
    n += 3;
    for (const [key, value] of Object.entries(message)) {
      n += tokens(value);
      if (key === "name") n += 1;
    }
  }
  return n + 3;
};
const numAssistantTokens = (messages) =>
  messages.reduce((n, m) => (m.role === "assistant" ? n + tokens(m.content) : n), 0);

const convoLens = [];
const assistantLens = [];
const messageCounts = [];
let missingSystem = 0;
let missingUser = 0;
let lines = 0;

const input = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
for await (const line of input) {
  lines++;
  const ex = JSON.parse(line);
  if (ex === null || typeof ex !== "object" || Array.isArray(ex)) { fail("data_type"); continue; }
  const messages = ex.messages;
  if (!messages || !messages.length) { fail("missing_messages_list"); continue; }
  for (const message of messages) {
    if (!("role" in message) || !("content" in message)) fail("message_missing_key");
    if (Object.keys(message).some((k) => !["role", "content", "name", "function_call", "weight"].includes(k))) fail("message_unrecognized_key");
    if (!["system", "user", "assistant", "function"].includes(message.role)) fail("unrecognized_role");
    const content = message.content;
    if ((!content && !message.function_call) || typeof content !== "string") fail("missing_content");
  }
  if (!messages.some((m) => m.role === "assistant")) fail("example_missing_assistant_message");

  if (!messages.some((m) => m.role === "system")) missingSystem++;
  if (!messages.some((m) => m.role === "user")) missingUser++;
  messageCounts.push(messages.length);
  convoLens.push(numTokensFromMessages(messages));
  assistantLens.push(numAssistantTokens(messages));
}

// print_distribution: min, max, mean, median, p5, p95 of each list.
const distribution = (values) => {
  const sorted = Float64Array.from(values).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { min: sorted[0], max: sorted[sorted.length - 1], mean: values.reduce((a, b) => a + b, 0) / values.length, median: at(0.5), p5: at(0.05), p95: at(0.95) };
};
const MAX_TOKENS_PER_EXAMPLE = 16385;
const nTooLong = convoLens.filter((l) => l > MAX_TOKENS_PER_EXAMPLE).length;
const [TARGET_EPOCHS, MIN_TARGET_EXAMPLES, MAX_TARGET_EXAMPLES, MIN_DEFAULT_EPOCHS, MAX_DEFAULT_EPOCHS] = [3, 100, 25000, 1, 25];
const n = convoLens.length;
let epochs = TARGET_EPOCHS;
if (n * TARGET_EPOCHS < MIN_TARGET_EXAMPLES) epochs = Math.min(MAX_DEFAULT_EPOCHS, Math.floor(MIN_TARGET_EXAMPLES / n));
else if (n * TARGET_EPOCHS > MAX_TARGET_EXAMPLES) epochs = Math.max(MIN_DEFAULT_EPOCHS, Math.floor(MAX_TARGET_EXAMPLES / n));
const billingTokens = convoLens.reduce((a, l) => a + Math.min(MAX_TOKENS_PER_EXAMPLE, l), 0);

const cpu = process.cpuUsage(cpuAtStart);
console.log(JSON.stringify({
  lines,
  formatErrors,
  missingSystem,
  missingUser,
  messages: distribution(messageCounts),
  tokens: distribution(convoLens),
  assistantTokens: distribution(assistantLens),
  tooLong: nTooLong,
  epochs,
  billingTokens,
  tokensTotal: convoLens.reduce((a, b) => a + b, 0),
  seconds: (performance.now() - started) / 1000,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  peakMb: process.resourceUsage().maxRSS / 1024,
}));
