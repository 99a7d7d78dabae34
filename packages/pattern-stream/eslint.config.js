import { config } from "@zmq/eslint-config";

export default config({ agnostic: true, tsconfigRootDir: import.meta.dirname });
