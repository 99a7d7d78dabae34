// Weather update server: a PUB socket publishes "zip temperature humidity"
// for random zip codes as fast as it can.
//
// PUB never waits for anyone: messages for which no subscriber has asked
// are dropped at the publisher, including everything sent before a
// subscriber's subscription arrives (the "slow joiner"). So the server just
// keeps publishing; a subscriber that joins late simply starts later.
//
//   node dist/guide/wuserver.js [--endpoint=tcp://127.0.0.1:5556,ipc:///tmp/weather.ipc] [--updates=N]
import { setImmediate as nextTurn } from "node:timers/promises";
import { Publisher } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, randomInt, runCli } from "./support.js";

export interface WuServerOptions extends CommonOptions {
  /** Where to bind; a publisher may listen on several endpoints. Default tcp://127.0.0.1:5556. */
  endpoints?: string[];
  /** Publish this many updates, then stop. Default: until aborted. */
  updates?: number;
  /** Zip codes are drawn from [min, max]. Default [0, 99999]. */
  zipCodes?: readonly [number, number];
  /** Called with the bound endpoints (wildcard ports resolved). */
  onReady?: (endpoints: string[]) => void;
}

/** Formats one update: a five-digit zip code, a temperature (°F), relative humidity (%). */
export function weatherUpdate(zip: number, temperature: number, humidity: number): string {
  return `${String(zip).padStart(5, "0")} ${temperature} ${humidity}`;
}

/** Publishes until `updates` or an abort; resolves with how many were published. */
export async function main(options: WuServerOptions = {}): Promise<number> {
  const { endpoints = ["tcp://127.0.0.1:5556"], updates = Infinity, zipCodes = [0, 99999], log = consoleLog, signal } = options;
  // Dropping what is still queued when we stop is fine for weather.
  const publisher = new Publisher({ linger: 0 });
  const detach = closeOnAbort(signal, publisher);
  let sent = 0;
  try {
    const bound: string[] = [];
    for (const endpoint of endpoints) {
      await publisher.bind(endpoint);
      bound.push(publisher.lastEndpoint!);
    }
    log(`wuserver: publishing on ${bound.join(", ")}`);
    options.onReady?.(bound);
    while (sent < updates && !signal?.aborted) {
      const zip = randomInt(zipCodes[0], zipCodes[1]);
      await publisher.send(weatherUpdate(zip, randomInt(-80, 135), randomInt(10, 60)));
      // A PUB send completes at once, so this loop would never give the
      // event loop a chance to do I/O (accept subscribers, read their
      // subscriptions, write to them). Yield a turn now and then.
      if (++sent % 256 === 0) await nextTurn();
    }
    log(`wuserver: published ${sent} updates`);
    return sent;
  } catch (error) {
    if (signal?.aborted) return sent;
    throw error;
  } finally {
    detach();
    publisher.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) => main({ endpoints: flags.list("endpoint"), updates: flags.number("updates"), signal }));
}
