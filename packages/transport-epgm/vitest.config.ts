import { vitestConfig } from "@zmq/vitest-config";

export default vitestConfig(import.meta.dirname);
