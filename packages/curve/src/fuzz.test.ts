// Fuzz test for CURVE: ZMQ_FUZZ_ITERATIONS inputs in total (default
// 1,000,000) — mutated HELLO, WELCOME, INITIATE, READY and MESSAGE bodies,
// foreign commands and random bytes — against the client and server state
// machines in every state of the handshake and after it. The mutations come
// from a seeded PRNG (ZMQ_FUZZ_SEED picks another seed); the keys of the
// template handshakes are fresh each run, so a failure prints its input.
//
// Each input goes to a fresh state machine: a deep copy of a template driven
// to that state by a real handshake (copying is cheap; key agreement is not).
// Invariants checked on every input:
//  - nothing throws but a WireError with a code a peer may cause;
//  - a mechanism that says status "error" has a WireError in `error`;
//  - an input is accepted only if it is one a peer could honestly send in that
//    state (the unmutated command, a later MESSAGE of the same connection;
//    for HELLO, which RFC 26 does not authenticate in its 72 padding bytes,
//    those bytes may differ): any other accepted input is a forgery;
//  - every such valid input is accepted (so the harness is not vacuous);
//  - a rejected MESSAGE leaves the receiver as it was (the expected MESSAGE is
//    still taken after it);
//  - no single input takes long (no hang, no quadratic blow-up).
// A small share also goes whole through a ZmtpConnection: feed() never throws
// and an error arrives once, through onError.
import { nobleCrypto } from "./crypto.js";
import { type Mechanism, type WireErrorCode, ProtocolError, WireError, ZmtpConnection, concatBytes, encodeCommand, encodeMetadata } from "@zmq/wire";
import { greetingBytes } from "@zmq/kernel/testing";
import { afterAll, describe, expect, it } from "vitest";
import { generateKeyPair } from "./box.js";
import { CurveClientMechanism } from "./client.js";
import { CurveServerMechanism } from "./server.js";

const TOTAL = Number(process.env.ZMQ_FUZZ_ITERATIONS ?? 1_000_000);
const SEED = Number(process.env.ZMQ_FUZZ_SEED ?? 0xc0ffee26) >>> 0;

/**
 * Share of the inputs each target gets. HELLO and INITIATE are small shares
 * because a mutation that keeps their size makes the server do an X25519
 * (about 0.8 ms here); everything else is cheap.
 */
const SHARE = {
  hello: 0.0015,
  initiate: 0.002,
  welcome: 0.12,
  ready: 0.1,
  serverMessage: 0.3,
  clientMessage: 0.3,
  foreign: 0.176,
  connection: 0.0005,
} as const;
const budget = (share: number): number => Math.max(1, Math.round(TOTAL * share));

/** What a peer's bytes may cause. */
const PEER_CODES: ReadonlySet<string> = new Set<WireErrorCode>([
  "ZMTP_MALFORMED_COMMAND",
  "ZMTP_UNEXPECTED_COMMAND",
  "ZMTP_PEER_ERROR",
  "ZMTP_AUTH_FAILED",
  "ZMTP_MALFORMED_PROPERTY",
  "ZMTP_BAD_PROPERTY_NAME",
]);
/** Through a ZmtpConnection, the greeting and framing may fail too. */
const CONNECTION_CODES: ReadonlySet<string> = new Set<WireErrorCode>([
  ...(PEER_CODES as Set<WireErrorCode>),
  "ZMTP_BAD_GREETING",
  "ZMTP_UNSUPPORTED_VERSION",
  "ZMTP_BAD_MECHANISM",
  "ZMTP_MECHANISM_MISMATCH",
  "ZMTP_BAD_FRAME",
  "ZMTP_FRAME_TOO_LARGE",
  "ZMTP_BAD_SOCKET_TYPE",
  "ZMTP_INCOMPATIBLE_SOCKET_TYPE",
]);

/** One input taking longer than this (ms) is a failure: key agreement takes about 1 ms, the rest is for a loaded machine's pauses. */
const SLOW_INPUT_MS = 1000;

// ---------------------------------------------------------------------------
// PRNG and byte helpers
// ---------------------------------------------------------------------------

/** xorshift32 with a fixed seed. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x2545f491;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.state = x >>> 0);
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() < p * 0x100000000;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const hex = (b: Uint8Array): string => Array.from(b.subarray(0, 400), (x) => x.toString(16).padStart(2, "0")).join("");

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function u64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n);
  return out;
}

/** A deep copy of a state machine (own fields, typed arrays, maps, nested objects; functions shared). */
function copy<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Uint8Array) return value.slice() as T;
  if (value instanceof Map) return new Map(value) as T;
  if (Array.isArray(value)) return value.map(copy) as T;
  const out = Object.create(Object.getPrototypeOf(value) as object) as Record<PropertyKey, unknown>;
  for (const key of Reflect.ownKeys(value)) out[key] = copy((value as Record<PropertyKey, unknown>)[key]);
  return out as T;
}

// ---------------------------------------------------------------------------
// Templates: real handshakes, stopped in every state
// ---------------------------------------------------------------------------

type Kind = "HELLO" | "WELCOME" | "INITIATE" | "READY" | "CMESSAGE" | "SMESSAGE";

/** Field boundaries of each command, for swaps and targeted edits (-1: to the end). */
const FIELDS: Record<Kind, readonly (readonly [number, number])[]> = {
  HELLO: [
    [0, 1],
    [1, 6],
    [6, 8],
    [8, 80],
    [80, 112],
    [112, 120],
    [120, 136],
    [136, 200],
  ],
  WELCOME: [
    [0, 8],
    [8, 24],
    [24, 40],
    [40, 168],
    [56, 152],
  ],
  INITIATE: [
    [0, 9],
    [9, 25],
    [25, 41],
    [41, 105],
    [9, 105],
    [105, 113],
    [113, 129],
    [129, -1],
    [161, 257],
  ],
  READY: [
    [0, 6],
    [6, 14],
    [14, 30],
    [30, -1],
  ],
  CMESSAGE: [
    [0, 8],
    [8, 16],
    [16, 32],
    [32, -1],
  ],
  SMESSAGE: [
    [0, 8],
    [8, 16],
    [16, 32],
    [32, -1],
  ],
};
/** Where each command's 8-byte short nonce is. */
const NONCE_AT: Partial<Record<Kind, number>> = { HELLO: 112, INITIATE: 105, READY: 6, CMESSAGE: 8, SMESSAGE: 8 };
const INTERESTING_NONCES = [0n, 1n, 2n, 3n, 4n, 0xffn, 0x100n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x04, 0x05, 0x07, 0x08, 0x7f, 0x80, 0xfe, 0xff];

interface State {
  /** "server:WaitHello", ... */
  readonly label: string;
  readonly machine: Mechanism;
  /** What this state takes, when it takes something: the command (or MESSAGE) of its own connection. */
  readonly expected?: { kind: Kind; body: Uint8Array };
  /** Further inputs a peer may honestly send here (later MESSAGEs of the same connection). */
  readonly alsoValid: readonly Uint8Array[];
  /** What the connection's ZAP handler says. */
  readonly verdict: "200" | "300" | "400";
}

interface Connection {
  states: Map<string, State>;
  commands: Record<Kind, Uint8Array[]>;
}

const CLIENT_PROPS = [
  ["Socket-Type", "DEALER"],
  ["Identity", ""],
  ["X-Fuzz", "client"],
] as const;
const SERVER_PROPS = [
  ["Socket-Type", "ROUTER"],
  ["X-Fuzz", "server"],
] as const;

/** One real connection, with a copy of each machine taken at each state. */
async function connection(verdict: "200" | "300" | "400"): Promise<Connection> {
  const serverLong = generateKeyPair();
  const server = new CurveServerMechanism({ ...serverLong, authenticate: () => Promise.resolve({ status: verdict }) }, SERVER_PROPS, nobleCrypto);
  const client = new CurveClientMechanism({ serverKey: serverLong.publicKey, ...generateKeyPair() }, CLIENT_PROPS, nobleCrypto);
  const states = new Map<string, State>();
  const keep = (label: string, machine: Mechanism, expected?: State["expected"], alsoValid: Uint8Array[] = []) =>
    states.set(label, { label, machine: copy(machine), expected, alsoValid, verdict });

  keep("client:SendHello", client);
  const hello = client.nextCommand()!;
  keep("client:WaitWelcome", client);
  keep("server:WaitHello", server, { kind: "HELLO", body: hello });
  expect(server.processCommand(hello)).toBeUndefined();
  keep("server:SendWelcome", server);
  const welcome = server.nextCommand()!;
  keep("server:WaitInitiate", server);
  states.set("client:WaitWelcome", { ...states.get("client:WaitWelcome")!, expected: { kind: "WELCOME", body: welcome } });
  client.processCommand(welcome);
  keep("client:SendInitiate", client);
  const initiate = client.nextCommand()!;
  keep("client:WaitReady", client);
  states.set("server:WaitInitiate", { ...states.get("server:WaitInitiate")!, expected: { kind: "INITIATE", body: initiate } });
  const deciding = server.processCommand(initiate);
  keep("server:Authenticating", server);
  await deciding;
  const commands: Record<Kind, Uint8Array[]> = { HELLO: [hello], WELCOME: [welcome], INITIATE: [initiate], READY: [], CMESSAGE: [], SMESSAGE: [] };
  if (verdict !== "200") {
    keep(`server:Refused${verdict}`, server);
    server.nextCommand(); // ERROR, or nothing for 300
    keep(`server:Refused${verdict}:after`, server);
    return { states, commands };
  }
  keep("server:SendReady", server);
  const ready = server.nextCommand()!;
  commands.READY.push(ready);
  keep("server:Ready", server);
  states.set("client:WaitReady", { ...states.get("client:WaitReady")!, expected: { kind: "READY", body: ready } });
  client.processCommand(ready);
  keep("client:Ready", client);
  // MESSAGEs each way, of a few sizes, with MORE and COMMAND.
  const sizes = [0, 1, 7, 40, 300];
  const fromClient = sizes.map((n, i) => client.wrapFrame({ body: new Uint8Array(n).fill(i + 1), flags: i % 4 }));
  const fromServer = sizes.map((n, i) => server.wrapFrame({ body: new Uint8Array(n).fill(i + 9), flags: i % 4 }));
  commands.CMESSAGE.push(...fromClient);
  commands.SMESSAGE.push(...fromServer);
  const serverReady = states.get("server:Ready")!;
  states.set("server:Ready", { ...serverReady, expected: { kind: "CMESSAGE", body: fromClient[0]! }, alsoValid: fromClient.slice(1) });
  const clientReady = states.get("client:Ready")!;
  states.set("client:Ready", { ...clientReady, expected: { kind: "SMESSAGE", body: fromServer[0]! }, alsoValid: fromServer.slice(1) });
  return { states, commands };
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

interface Pools {
  /** Valid commands of each kind, from every template connection. */
  readonly byKind: Record<Kind, Uint8Array[]>;
  /** Everything: valid CURVE commands, ERRORs, traffic commands, random bodies. */
  readonly foreign: Uint8Array[];
}

function splice(b: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at));
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

/** 1..3 edits, tried again until the bytes differ from `input` (a swap from another command may still give a valid one). */
function mutate(rng: Rng, input: Uint8Array, kind: Kind | undefined, pools: Pools): Uint8Array {
  for (let tries = 0; tries < 8; tries++) {
    const b = edit(rng, input, kind, pools);
    if (!same(b, input)) return b;
  }
  const b = input.slice();
  if (b.length > 0) b[0]! ^= 0x80;
  return b;
}

function edit(rng: Rng, input: Uint8Array, kind: Kind | undefined, pools: Pools): Uint8Array {
  let b = input;
  const rounds = rng.chance(0.7) ? 1 : 2 + rng.int(2);
  for (let r = 0; r < rounds; r++) {
    const n = b.length;
    switch (rng.int(12)) {
      case 0: {
        // flip one bit
        if (n === 0) break;
        b = b.slice();
        b[rng.int(n)]! ^= 1 << rng.int(8);
        break;
      }
      case 1: {
        // set a byte to another value
        if (n === 0) break;
        const at = rng.int(n);
        let v = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.next() & 0xff;
        if (v === b[at]) v ^= 0xff;
        b = b.slice();
        b[at] = v;
        break;
      }
      case 2: {
        // truncate, often by a little
        if (n === 0) break;
        b = b.subarray(0, rng.chance(0.5) ? Math.max(0, n - 1 - rng.int(4)) : rng.int(n)).slice();
        break;
      }
      case 3: // extend with zeros or random bytes
        b = concatBytes([b, rng.chance(0.5) ? new Uint8Array(1 + rng.int(16)) : rng.bytes(1 + rng.int(300))]);
        break;
      case 4: // insert bytes in the middle
        b = splice(b, rng.int(n + 1), 0, rng.bytes(1 + rng.int(8)));
        break;
      case 5: {
        // delete a range
        if (n === 0) break;
        const at = rng.int(n);
        b = splice(b, at, Math.min(n - at, 1 + rng.int(16)), new Uint8Array(0));
        break;
      }
      case 6: {
        // overwrite a range with random bytes
        if (n === 0) break;
        const at = rng.int(n);
        const len = Math.min(n - at, 1 + rng.int(32));
        b = splice(b, at, len, rng.bytes(len));
        break;
      }
      case 7: {
        // a field swapped in from the same kind of command of another connection (or another MESSAGE)
        if (kind === undefined) break;
        let other = rng.pick(pools.byKind[kind]);
        for (let tries = 0; tries < 4 && same(other, b); tries++) other = rng.pick(pools.byKind[kind]);
        const [start, endField] = rng.pick(FIELDS[kind]);
        const end = Math.min(endField < 0 ? other.length : endField, other.length, n);
        if (start >= end) break;
        b = splice(b, start, end - start, other.subarray(start, end));
        break;
      }
      case 8: {
        // two fields of the same size swapped within the command
        const len = rng.pick([1, 8, 16, 32]);
        if (n < 2 * len) break;
        const x = rng.int(n - len + 1);
        const y = rng.int(n - len + 1);
        if (Math.abs(x - y) < len) break;
        const a = b.slice(x, x + len);
        b = b.slice();
        b.copyWithin(x, y, y + len);
        b.set(a, y);
        break;
      }
      case 9: {
        // a short nonce set to an interesting value
        const at = kind === undefined ? undefined : NONCE_AT[kind];
        if (at === undefined || n < at + 8) break;
        b = splice(b, at, 8, u64(rng.pick(INTERESTING_NONCES)));
        break;
      }
      case 10: {
        // the command name: its length byte, or one of its letters
        if (n === 0) break;
        b = b.slice();
        if (rng.chance(0.5)) b[0] = rng.pick([0, 1, 4, 5, 6, 7, 8, 9, 0xff, n, n - 1]) & 0xff;
        else b[1 + rng.int(Math.min(8, n - 1))] = rng.pick([0x41, 0x61, 0x00, 0x2d, rng.next() & 0xff]);
        break;
      }
      default: // something else entirely
        b = rng.chance(0.7) ? rng.pick(pools.foreign) : rng.bytes(rng.int(rng.chance(0.8) ? 64 : 400));
    }
  }
  return b;
}

// ---------------------------------------------------------------------------
// Checks and counts
// ---------------------------------------------------------------------------

/** An invariant the fuzzer found broken. */
class FuzzFailure extends Error {}

const STACK_TRACE_LIMIT = Error.stackTraceLimit;

function fail(message: string, input: Uint8Array): never {
  Error.stackTraceLimit = STACK_TRACE_LIMIT;
  throw new FuzzFailure(`${message}; input (${input.length} bytes) ${hex(input)}`);
}

const counts = { inputs: 0, rejected: 0, accepted: 0, valid: 0, noop: 0, rechecked: 0, slowest: 0 };
const perTarget = new Map<string, number>();
const seenCodes = new Map<string, number>();
const seenProtocolErrors = new Map<string, number>();
const perState = new Map<string, number>();
const protocolErrorName = new Map<number, string>(Object.entries(ProtocolError).map(([name, value]) => [value as number, name]));
const started = Date.now();

function checkError(error: unknown, allowed: ReadonlySet<string>, what: string, input: Uint8Array): void {
  if (error instanceof FuzzFailure) throw error;
  if (!WireError.is(error)) fail(`${what}: threw a non-WireError ${String(error)}`, input);
  if (!allowed.has(error.code)) fail(`${what}: unexpected code ${error.code} (${error.message})`, input);
  if (typeof error.message !== "string" || error.message.length === 0) fail(`${what}: ${error.code} without a message`, input);
  seenCodes.set(error.code, (seenCodes.get(error.code) ?? 0) + 1);
  const pe = error.protocolError === undefined ? "(none)" : (protocolErrorName.get(error.protocolError) ?? String(error.protocolError));
  seenProtocolErrors.set(pe, (seenProtocolErrors.get(pe) ?? 0) + 1);
}

const isMessage = (kind: Kind): boolean => kind === "CMESSAGE" || kind === "SMESSAGE";

/** Whether `input` is one a peer may honestly send to `state` (as a MESSAGE to unwrap, or as a command). */
function acceptable(state: State, input: Uint8Array, traffic: boolean): boolean {
  const expected = state.expected;
  if (!expected || isMessage(expected.kind) !== traffic) return false;
  if (same(input, expected.body)) return true;
  if (expected.kind === "HELLO" && input.length === 200) {
    // The 72 padding bytes are not authenticated.
    const normal = input.slice();
    normal.fill(0, 8, 80);
    return same(normal, expected.body);
  }
  return state.alsoValid.some((v) => same(v, input));
}

const pending: Promise<void>[] = [];

/** Feeds one input to a fresh copy of the state's machine, checks every invariant. */
function exercise(state: State, input: Uint8Array, traffic: boolean): void {
  const machine = copy(state.machine);
  counts.inputs++;
  perState.set(state.label, (perState.get(state.label) ?? 0) + 1);
  const valid = acceptable(state, input, traffic);
  const t0 = performance.now();
  let result: unknown;
  try {
    result = traffic ? machine.unwrapFrame!(input) : machine.processCommand(input);
  } catch (error) {
    checkError(error, PEER_CODES, state.label, input);
    if (valid) fail(`${state.label}: a valid input was rejected (${(error as Error).message})`, input);
    if (machine.status === "error" && !WireError.is(machine.error)) fail(`${state.label}: status error without a WireError`, input);
    counts.rejected++;
    // A rejected MESSAGE must leave the receiver as it was.
    if (traffic && state.expected && counts.rejected % 16 === 0) {
      counts.rechecked++;
      try {
        machine.unwrapFrame!(state.expected.body);
      } catch (again) {
        fail(`${state.label}: the expected MESSAGE was refused after a rejected one (${String(again)})`, input);
      }
    }
    return;
  } finally {
    const ms = performance.now() - t0;
    if (ms > counts.slowest) counts.slowest = ms;
    if (ms > SLOW_INPUT_MS) fail(`${state.label}: one input took ${ms.toFixed(0)} ms`, input);
  }
  if (!valid) fail(`${state.label}: accepted an input no honest peer sends (a forgery)`, input);
  counts.accepted++;
  if (result instanceof Promise) {
    // Only INITIATE is answered later: with READY, ERROR or nothing, as ZAP said.
    pending.push(
      result.then(() => {
        const next = machine.nextCommand();
        const outcome = `${next ? String.fromCharCode(...next.subarray(1, next[0]! + 1)) : "nothing"} ${machine.status}`;
        const wanted = { "200": "READY ready", "300": "nothing error", "400": "ERROR error" }[state.verdict];
        if (outcome !== wanted) fail(`${state.label}: a valid INITIATE led to ${outcome}, not ${wanted}`, input);
      }),
    );
  }
}

afterAll(() => {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `curve fuzz: ${counts.inputs} inputs in ${seconds}s (seed ${SEED}) — ${[...perTarget].map(([t, n]) => `${t} ${n}`).join(", ")}; ` +
      `${counts.rejected} rejected with WireError, ${counts.accepted} accepted (${counts.valid} unmutated, ${counts.noop} mutations that gave a valid input: HELLO padding, a later MESSAGE...), ` +
      `${counts.rechecked} receivers rechecked after a rejection; slowest input ${counts.slowest.toFixed(1)} ms; ` +
      `${perState.size} states; codes: ${[...seenCodes].map(([c, n]) => `${c} ${n}`).join(", ")}; ` +
      `protocol errors: ${[...seenProtocolErrors].map(([c, n]) => `${c} ${n}`).join(", ")}`,
  );
});

// ---------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------

const TEMPLATE_CONNECTIONS = 6;
const templates: Connection[] = [];
let refused: Connection[] = [];
let pools: Pools;

async function setup(): Promise<void> {
  if (templates.length > 0) return;
  for (let i = 0; i < TEMPLATE_CONNECTIONS; i++) templates.push(await connection("200"));
  refused = [await connection("300"), await connection("400")];
  const byKind = { HELLO: [], WELCOME: [], INITIATE: [], READY: [], CMESSAGE: [], SMESSAGE: [] } as Record<Kind, Uint8Array[]>;
  for (const t of [...templates, ...refused]) for (const kind of Object.keys(byKind) as Kind[]) byKind[kind].push(...t.commands[kind]);
  const rng = new Rng(SEED ^ 0x5a5a5a5a);
  const foreign = [
    ...Object.values(byKind).flat(),
    encodeCommand({ name: "ERROR", reason: "400" }),
    encodeCommand({ name: "ERROR", reason: "300" }),
    encodeCommand({ name: "ERROR", reason: "" }),
    encodeCommand({ name: "ERROR", reason: "x".repeat(255) }),
    ascii("\x05ERROR"),
    ascii("\x05ERROR\x09short"),
    encodeCommand({ name: "READY", properties: new Map([["Socket-Type", ascii("DEALER")]]) }),
    encodeCommand({ name: "PING", ttl: 100, context: ascii("ctx") }),
    encodeCommand({ name: "PONG", context: ascii("ctx") }),
    encodeCommand({ name: "SUBSCRIBE", topic: ascii("topic") }),
    concatBytes([ascii("\x05HELLO"), new Uint8Array(194)]),
    concatBytes([ascii("\x07WELCOME"), new Uint8Array(160)]),
    concatBytes([ascii("\x08INITIATE"), new Uint8Array(248), encodeMetadata([["Socket-Type", "DEALER"]])]),
    concatBytes([ascii("\x05READY"), new Uint8Array(24)]),
    concatBytes([ascii("\x07MESSAGE"), new Uint8Array(25)]),
    new Uint8Array(0),
    Uint8Array.of(0),
    Uint8Array.of(0xff),
    ...Array.from({ length: 16 }, () => rng.bytes(rng.int(300))),
  ];
  pools = { byKind, foreign };
}

/** The states of every template connection whose label matches. */
function statesOf(pattern: RegExp, connections: Connection[] = templates): State[] {
  return connections.flatMap((c) => [...c.states.values()].filter((s) => pattern.test(s.label)));
}

/** Mutations (and now and then the unmutated input) of what `states` expect. */
function fuzzExpected(name: string, pattern: RegExp, count: number, seed: number, traffic = false): void {
  const rng = new Rng(SEED ^ seed);
  const states = statesOf(pattern);
  expect(states.length).toBe(TEMPLATE_CONNECTIONS);
  perTarget.set(name, (perTarget.get(name) ?? 0) + count);
  const unmutatedEvery = traffic ? 200 : 1000;
  for (let i = 0; i < count; i++) {
    const state = rng.pick(states);
    const expected = state.expected!;
    let input: Uint8Array;
    if (i % unmutatedEvery === 0) {
      input = rng.chance(0.5) || state.alsoValid.length === 0 ? expected.body : rng.pick(state.alsoValid);
      counts.valid++;
    } else {
      const base = traffic && rng.chance(0.2) ? rng.pick(state.alsoValid) : expected.body;
      input = mutate(rng, base, expected.kind, pools);
      if (acceptable(state, input, traffic)) counts.noop++;
    }
    exercise(state, input, traffic);
  }
}

function withoutStacks(fn: () => void): void {
  Error.stackTraceLimit = 0;
  try {
    fn();
  } finally {
    Error.stackTraceLimit = STACK_TRACE_LIMIT;
  }
}

const timeout = 60_000 + TOTAL * 0.1;

describe(`CURVE fuzz (${TOTAL} inputs, seed ${SEED})`, () => {
  it("server waiting for HELLO: mutated HELLOs", { timeout }, async () => {
    await setup();
    withoutStacks(() => fuzzExpected("hello", /^server:WaitHello$/, budget(SHARE.hello), 1));
  });

  it("client waiting for WELCOME: mutated WELCOMEs", { timeout }, async () => {
    await setup();
    withoutStacks(() => fuzzExpected("welcome", /^client:WaitWelcome$/, budget(SHARE.welcome), 2));
  });

  it("server waiting for INITIATE: mutated INITIATEs (cookie, vouch, nonce, box, metadata)", { timeout }, async () => {
    await setup();
    withoutStacks(() => fuzzExpected("initiate", /^server:WaitInitiate$/, budget(SHARE.initiate), 3));
    await Promise.all(pending.splice(0));
  });

  it("client waiting for READY: mutated READYs", { timeout }, async () => {
    await setup();
    withoutStacks(() => fuzzExpected("ready", /^client:WaitReady$/, budget(SHARE.ready), 4));
  });

  it("server after the handshake: mutated MESSAGEs from the client", { timeout }, async () => {
    await setup();
    withoutStacks(() => fuzzExpected("server MESSAGE", /^server:Ready$/, budget(SHARE.serverMessage), 5, true));
  });

  it("client after the handshake: mutated MESSAGEs from the server", { timeout }, async () => {
    await setup();
    withoutStacks(() => fuzzExpected("client MESSAGE", /^client:Ready$/, budget(SHARE.clientMessage), 6, true));
  });

  it("every state, client and server, refused or not: foreign commands, mutated or not, and random bytes", { timeout }, async () => {
    await setup();
    const rng = new Rng(SEED ^ 7);
    const states = [...statesOf(/./), ...statesOf(/./, refused)];
    const count = budget(SHARE.foreign);
    perTarget.set("foreign", count);
    withoutStacks(() => {
      for (let i = 0; i < count; i++) {
        const state = rng.pick(states);
        // Not what the state takes (that is the targets above): anything else, often mutated.
        let input = rng.pick(pools.foreign);
        if (rng.chance(0.6)) input = mutate(rng, input, undefined, pools);
        // States that take a command cost a key agreement for the right size: keep those to a few.
        if (state.expected && (state.expected.kind === "HELLO" || state.expected.kind === "INITIATE") && rng.chance(0.97)) {
          input = rng.pick(pools.foreign.filter((f) => f[0] !== 5 && f[0] !== 8));
        }
        exercise(state, input, false);
      }
    });
    await Promise.all(pending.splice(0));
    // Every state was visited.
    // 5 client states, 6 server states, and a server that refused with 300 or 400, before and after it said so.
    expect(new Set(states.map((s) => s.label)).size).toBe(15);
  });

  it("through a ZmtpConnection: feed() never throws, an error arrives once, nothing after it", { timeout }, async () => {
    await setup();
    const rng = new Rng(SEED ^ 8);
    const count = budget(SHARE.connection);
    perTarget.set("connection", count);
    const serverLong = generateKeyPair();
    const hello = statesOf(/^server:WaitHello$/)[0]!.expected!.body;
    const client = new CurveClientMechanism({ serverKey: serverLong.publicKey, ...generateKeyPair() }, CLIENT_PROPS, nobleCrypto);
    const validHello = client.nextCommand()!;
    let ready = 0;
    for (let i = 0; i < count; i++) {
      const frames: Uint8Array[] = [];
      const command = (body: Uint8Array): Uint8Array =>
        concatBytes(body.length > 255 ? [Uint8Array.of(0x06), u64(BigInt(body.length)), body] : [Uint8Array.of(0x04, body.length), body]);
      const first = rng.chance(0.3) ? validHello : rng.chance(0.5) ? mutate(rng, validHello, "HELLO", pools) : hello;
      frames.push(greetingBytes({ mechanism: "CURVE" }), command(first));
      for (let j = rng.int(4); j > 0; j--) {
        const body = mutate(rng, rng.pick(pools.foreign), undefined, pools);
        frames.push(rng.chance(0.8) ? command(body) : concatBytes([Uint8Array.of(0x00, Math.min(body.length, 255)), body.subarray(0, 255)]));
      }
      let stream = concatBytes(frames);
      if (rng.chance(0.3)) stream = mutate(rng, stream, undefined, pools);
      let errors = 0;
      let after = 0;
      let firstError: unknown;
      const conn = new ZmtpConnection(
        {
          socketType: "ROUTER",
          mechanism: {
            type: "custom",
            name: "CURVE",
            create: (properties) =>
              new CurveServerMechanism({ ...serverLong, authenticate: () => Promise.resolve(undefined) }, properties, nobleCrypto),
          },
        },
        {
          send: () => {
            if (errors > 0) after++;
          },
          onReady: () => ready++,
          onMessage: () => (errors > 0 ? after++ : undefined),
          onCommand: () => (errors > 0 ? after++ : undefined),
          onError: (error) => {
            errors++;
            firstError ??= error;
          },
        },
      );
      counts.inputs++;
      try {
        conn.start();
        for (let at = 0; at < stream.length;) {
          const n = 1 + rng.int(rng.chance(0.5) ? 8 : 400);
          conn.feed(stream.subarray(at, at + n));
          at += n;
        }
      } catch (error) {
        fail(`connection: feed() threw ${String(error)}`, stream);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (errors > 1 || after > 0) fail(`connection: ${errors} errors, ${after} callbacks after the error`, stream);
      if (errors === 1) checkError(firstError, CONNECTION_CODES, "connection", stream);
      conn.close();
    }
    // No client can finish the handshake without the WELCOME's cookie, which these streams never answer.
    expect(ready).toBe(0);
  });

  it(`ran at least ${TOTAL} inputs and saw the deep checks`, () => {
    expect(counts.inputs).toBeGreaterThanOrEqual(TOTAL);
    expect(counts.accepted).toBeGreaterThan(0);
    if (TOTAL >= 100_000) {
      for (const name of ["ZMTP_CRYPTOGRAPHIC", "ZMTP_INVALID_SEQUENCE", "ZMTP_MALFORMED_COMMAND_MESSAGE", "ZMTP_UNEXPECTED_COMMAND"]) {
        expect(seenProtocolErrors.get(name) ?? 0, name).toBeGreaterThan(0);
      }
    }
  });
});
