/**
 * @zmq/plain: the PLAIN security mechanism (RFC 24) as a plug-in. Give it
 * to a Context (`new Context({ transports, mechanisms: [plain] })`; the
 * default Context of @zmq/zeromq has it) and every socket of that Context
 * has the options `plainServer`, `plainUsername` and `plainPassword`. A
 * server asks the ZAP handler bound at inproc://zeromq.zap.01 about each
 * client's username and password; without a handler every client is
 * refused, as in libzmq. Runtime-agnostic.
 */
import { type OptionValues, type SecurityMechanism, flag, text } from "@zmq/kernel";
import { PlainClientMechanism, PlainServerMechanism } from "@zmq/wire";

/** The options PLAIN adds to every socket of a Context that has it. */
export const plainOptions = {
  /** ZMQ_PLAIN_SERVER: act as a PLAIN server (clients' credentials go to the ZAP handler). */
  plainServer: flag(false),
  /** ZMQ_PLAIN_USERNAME: setting it makes this socket a PLAIN client. */
  plainUsername: text(null),
  /** ZMQ_PLAIN_PASSWORD: the client's password. */
  plainPassword: text(null),
} as const;

export type PlainOptions = OptionValues<typeof plainOptions>;

/** The PLAIN mechanism: register it with `new Context({ mechanisms: [plain] })`. */
export const plain: SecurityMechanism<typeof plainOptions> = {
  name: "PLAIN",
  label: "plain",
  options: plainOptions,
  selects: (values) => values.plainServer || values.plainUsername !== null,
  create(values, setup) {
    if (values.plainServer) {
      return new PlainServerMechanism(
        {
          // ZAP receives the username and password frames, as libzmq sends them;
          // with no handler bound, libzmq's PLAIN server closes without a word (300).
          authenticate: async (credentials) =>
            (await setup.authenticate([credentials.usernameBytes, credentials.passwordBytes])) ?? { status: "300" },
          address: setup.peerAddress,
        },
        setup.properties,
      );
    }
    return new PlainClientMechanism({ username: values.plainUsername ?? "", password: values.plainPassword ?? "" }, setup.properties);
  },
};

declare module "@zmq/kernel" {
  // Sockets of a Context that has PLAIN carry its options as properties.
  interface SocketBase extends PlainOptions {}
  interface SocketOptions extends Partial<PlainOptions> {}
}
