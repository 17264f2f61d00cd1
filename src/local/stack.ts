/**
 * The local stack every local run needs: a Temporal dev server (or one already running), the ModelArts simulator,
 * and the environment a worker needs to use both. `dev`, the integration tests, the bench and the chaos runner all
 * start it here.
 */
import { startDevServer, type DevServer, type DevServerOptions } from '../devserver/dev-server.js';
import {
  DEMO_CREDENTIALS,
  runSimulator,
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../simulator/index.js';
import { Scope } from './scope.js';
import { workerEnv, type Credentials } from './worker-env.js';

export interface LocalStackOptions {
  /** A server already running (the test suite's shared one); otherwise a dev server is started with `devServer`. */
  server?: { address: string; namespace: string };
  devServer?: DevServerOptions;
  simulator?: SimulatorOptions;
  /** The simulator with the demo datasets and credentials, as `dev` and the `simulator` command have it. */
  demo?: boolean;
  /** The AK/SK pair the simulator accepts and the workers sign with; the demo pair by default. */
  credentials?: Credentials;
  /** Left out when every worker gets its own. */
  taskQueue?: string;
}

export interface LocalStack {
  server: { address: string; namespace: string };
  /** The dev server this stack started, if it started one (to restart it, or read its UI address). */
  devServer?: DevServer;
  sim: Simulator;
  taskQueue?: string;
  credentials: Credentials;
  /** A worker's environment for this stack, plus `extra`. */
  workerEnv(extra?: Record<string, string | number | undefined>): Record<string, string>;
  /** Stops the simulator, then the dev server; throws what went wrong once both were tried. */
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const scope = new Scope();
  const credentials = options.credentials ?? {
    accessKey: DEMO_CREDENTIALS.accessKey,
    secretKey: DEMO_CREDENTIALS.secretKey,
  };
  try {
    // First, as it takes no time: a bad simulator state file stops everything before the dev server starts.
    const sim = await startSim(options, credentials);
    scope.defer('simulator', () => sim.close());
    const devServer = options.server ? undefined : await startDevServer(options.devServer);
    if (devServer) scope.defer('dev server', () => devServer.stop());
    const server = devServer ?? options.server!;
    const target = { server, sim, taskQueue: options.taskQueue, credentials };
    return {
      server,
      ...(devServer && { devServer }),
      sim,
      ...(options.taskQueue !== undefined && { taskQueue: options.taskQueue }),
      credentials,
      workerEnv: (extra) => workerEnv(target, extra),
      close: async () => {
        await scope.close();
        if (scope.problems.length > 0) throw new Error(scope.problems.join('; '));
      },
    };
  } catch (err) {
    await scope.close();
    throw err;
  }
}

/** The stack's pair comes first, so a fuller entry for the same key in `options.simulator` (a security token) wins. */
function startSim(options: LocalStackOptions, credentials: Credentials): Promise<Simulator> {
  const simOptions = { ...options.simulator, credentials: [credentials, ...(options.simulator?.credentials ?? [])] };
  // runSimulator adds the demo datasets and every demo credential (token, IAM user) itself.
  if (options.demo) return runSimulator({ ...simOptions, handleSignals: false, print: () => undefined });
  return startSimulator(simOptions);
}
