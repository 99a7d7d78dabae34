// Shared by the draft socket tests (draft-*.test.ts): the gate on npm
// zeromq's draft build, and a raw ZMTP peer that sends a multipart message
// and a single frame, to see a single-frame socket drop the multipart whole.
import { connect as netConnect } from "node:net";
import { greetingBytes } from "@zmq/kernel/testing";
import { describe } from "vitest";
import * as zmq from "zeromq";

/** npm zeromq's libzmq was built with the draft API. */
export const draftAvailable = zmq.capability.draft === true;

/** describe() when npm zeromq has the draft API, else describe.skip, saying why once per file (`label`). */
export function describeDraftFor(label: string, what = "skipped"): typeof describe {
  if (draftAvailable) return describe;
  console.warn(`${label}: ${what}, npm zeromq was built without the draft API (capability.draft is false)`);
  return describe.skip as typeof describe;
}

/** A short ZMTP 3.1 frame. */
function zmtpFrame(flags: number, body: string | Uint8Array): Buffer {
  const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
  return Buffer.concat([Buffer.from([flags, bytes.length]), bytes]);
}

/** READY carrying only Socket-Type, as a command frame. */
function readyCommand(socketType: string): Buffer {
  const value = Buffer.from(socketType);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return zmtpFrame(0x04, Buffer.concat([Buffer.from("\x05READY\x0bSocket-Type", "latin1"), length, value]));
}

/**
 * A raw ZMTP peer of `socketType` on tcp `endpoint` that, as a ZMTP peer does, sends its greeting and
 * READY, then its data once the other side's READY is in (libzmq 4.3.5 drops a connection whose
 * greeting, READY and first data frame arrive in one read), here [first, second] and [alone].
 * `track` takes what closes it.
 */
export async function rawPeerSends(endpoint: string, socketType: string, track: (closable: { close(): void }) => unknown): Promise<void> {
  const raw = netConnect(Number(new URL(endpoint).port), "127.0.0.1");
  track({ close: () => raw.destroy() });
  raw.on("error", () => {});
  raw.write(Buffer.concat([greetingBytes(), readyCommand(socketType)]));
  await new Promise<void>((resolve) => {
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      if (seen.length >= 66 && seen.length >= 66 + seen[65]!) {
        raw.off("data", onData);
        resolve();
      }
    };
    raw.on("data", onData);
  });
  raw.write(Buffer.concat([zmtpFrame(0x01, "first"), zmtpFrame(0x00, "second"), zmtpFrame(0x00, "alone")]));
}
