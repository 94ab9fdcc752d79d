/**
 * Runs a FakeModelServer in its own process (for the benchmark), on 127.0.0.1 and a free port;
 * prints `url <base url>` and serves until killed.
 */
import { FakeModelServer } from '../src/testing/fake-model-server';

const server = await new FakeModelServer({ completionTokens: Number(process.argv[2] ?? 5) }).start(0);
console.log(`url ${server.url}`);
