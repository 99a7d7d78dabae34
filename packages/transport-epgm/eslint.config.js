import { config } from "@zmq/eslint-config";

export default config({ tsconfigRootDir: import.meta.dirname });
