import { config } from "@zmq/eslint-config";

// The Node entry (index.ts, node*.ts) uses node:* and `ws`; the browser
// entry and what it imports stay runtime-agnostic: no node:*, no `ws`, no
// Buffer or process.
const agnostic = ["src/browser.ts", "src/browser-stream.ts", "src/endpoint.ts", "src/plugin.ts", "src/frame-codec.ts"];

export default [
  ...config({ tsconfigRootDir: import.meta.dirname }),
  {
    files: agnostic,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "Browser entry: no node:* imports." },
            { group: ["ws", "./node*"], message: "Browser entry: no `ws` and no Node-side module." },
          ],
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "Buffer", message: "Browser entry: use Uint8Array." },
        { name: "process", message: "Browser entry: no process global." },
        { name: "setImmediate", message: "Browser entry: no setImmediate." },
      ],
    },
  },
];
