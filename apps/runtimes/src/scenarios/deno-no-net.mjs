// Run under Deno with no --allow-net (and no --allow-write): every bind must
// reject with a ZmqError EACCES naming the missing flag, and the process must
// live on. Prints `rejected <endpoint> <code> <message>` per bind, then `alive`.
import { Pull } from "@zmq/zeromq";

for (const endpoint of ["tcp://127.0.0.1:*", "ws://127.0.0.1:*/x", `ipc:///tmp/zmq-ts-deno-no-net-${Date.now()}.sock`]) {
  const pull = new Pull({ linger: 0 });
  try {
    await pull.bind(endpoint);
    console.log(`bound ${endpoint}`);
  } catch (error) {
    console.log(`rejected ${endpoint} ${error.name}:${error.code} ${error.message}`);
  } finally {
    pull.close();
  }
}
console.log("alive");
