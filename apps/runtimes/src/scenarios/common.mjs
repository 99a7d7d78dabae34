// Shared by the scenario scripts: which runtime this is, endpoints per
// transport, and a bound on the whole run so a hang fails instead of waiting.

/** "node", "bun" or "deno". */
export const runtime = typeof globalThis.Deno === "object" ? "deno" : typeof globalThis.Bun === "object" ? "bun" : "node";

/** A fresh endpoint to bind on `transport`, named after `name` where the transport has names. */
export function bindEndpoint(transport, name) {
  switch (transport) {
    case "inproc":
      return `inproc://${name}`;
    case "tcp":
      return "tcp://127.0.0.1:*";
    case "ipc":
      return "ipc://*";
    case "ws":
      return `ws://127.0.0.1:*/${name}`;
    case "wss":
      return `wss://127.0.0.1:*/${name}`;
    default:
      throw new Error(`unknown transport ${transport}`);
  }
}

/** Ends the process with a message if it is still running after `ms`. */
export function deadline(ms, what) {
  const timer = setTimeout(() => {
    console.error(`timeout: ${what} did not finish in ${ms} ms under ${runtime}`);
    process.exit(2);
  }, ms);
  return () => clearTimeout(timer);
}

export const text = (frame) => new TextDecoder().decode(frame);
