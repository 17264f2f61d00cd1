/**
 * Runnable simulator with demo data: `runSimulator({ port })` (wired into `modelarts-export simulator --port N`),
 * or `node dist/simulator/main.js [--port N]`. Prints one JSON line with the endpoint and demo credentials and
 * stops cleanly on SIGINT/SIGTERM.
 */
import { pathToFileURL } from 'node:url';
import { startSimulator } from './server.js';
import type { SeedDataset, Simulator, SimulatorOptions } from './types.js';

/** Demo credentials: local-only values, printed on purpose so the CLI and curl can use them. */
export const DEMO_CREDENTIALS = {
  accessKey: 'SIMDEMOACCESSKEY0001',
  secretKey: 'sim-demo-secret-key-0001',
  token: 'sim-demo-token',
  user: { name: 'demo', password: 'demo-password', domainName: 'demo-domain', projectName: 'eu-de' },
} as const;

const color = (hex: string) => ({ '@modelarts:color': hex });

/** Fixed ids so examples and docs can name them. Each satisfies the auto-labeling preconditions. */
export const DEMO_DATASETS: SeedDataset[] = [
  {
    dataset_id: 'demoImgCls000000001',
    dataset_name: 'demo-images',
    dataset_type: 0,
    description: 'Image classification demo',
    work_path: '/demo-bucket/images/output/',
    data_path: '/demo-bucket/images/input/',
    labels: [
      { name: 'Rabbits', type: 0, property: color('#3399ff') },
      { name: 'Bees', type: 0, property: color('#ff9933') },
    ],
    total_sample_count: 120,
    annotated_sample_count: 80,
  },
  {
    dataset_id: 'demoObjDet000000002',
    dataset_name: 'demo-detection',
    dataset_type: 1,
    description: 'Object detection demo',
    work_path: '/demo-bucket/detection/output/',
    data_path: '/demo-bucket/detection/input/',
    labels: [
      { name: 'car', type: 1, property: color('#33cc66') },
      { name: 'person', type: 1, property: color('#cc3366') },
      { name: 'bike', type: 1, property: color('#6633cc') },
    ],
    total_sample_count: 200,
    annotated_sample_count: 150,
  },
  {
    dataset_id: 'demoTxtCls000000003',
    dataset_name: 'demo-text',
    dataset_type: 100,
    description: 'Text classification demo',
    work_path: '/demo-bucket/text/output/',
    data_path: '/demo-bucket/text/input/',
    labels: [
      { name: 'positive', type: 100, property: color('#339966') },
      { name: 'negative', type: 100, property: color('#993333') },
    ],
    total_sample_count: 100,
    annotated_sample_count: 60,
  },
];

export interface RunSimulatorOptions extends SimulatorOptions {
  /** Where the JSON line goes; default stdout. */
  print?: (line: string) => void;
  /** Close on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
}

/** Starts the simulator with the demo datasets and credentials (merged with any given), prints how to reach it. */
export async function runSimulator(options: RunSimulatorOptions = {}): Promise<Simulator> {
  const { print = (line: string) => process.stdout.write(`${line}\n`), handleSignals = true, ...rest } = options;
  const sim = await startSimulator({
    ...rest,
    credentials: [
      { accessKey: DEMO_CREDENTIALS.accessKey, secretKey: DEMO_CREDENTIALS.secretKey },
      ...(rest.credentials ?? []),
    ],
    staticTokens: [DEMO_CREDENTIALS.token, ...(rest.staticTokens ?? [])],
    users: [DEMO_CREDENTIALS.user, ...(rest.users ?? [])],
    datasets: rest.datasets ?? DEMO_DATASETS,
  });
  print(
    JSON.stringify({
      url: sim.url,
      iamUrl: sim.iamUrl,
      projectId: sim.projectId,
      token: DEMO_CREDENTIALS.token,
      accessKey: DEMO_CREDENTIALS.accessKey,
      secretKey: DEMO_CREDENTIALS.secretKey,
      user: DEMO_CREDENTIALS.user,
      datasets: (rest.datasets ?? DEMO_DATASETS).map((d) => ({
        dataset_id: d.dataset_id,
        dataset_name: d.dataset_name,
      })),
      admin: `${sim.url}/_sim/health`,
      ...(rest.stateFile !== undefined ? { stateFile: rest.stateFile } : {}),
    }),
  );
  if (handleSignals) {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void sim.close();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const close = sim.close;
    sim.close = async () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await close();
    };
  }
  return sim;
}

// `node main.js [--port N]`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('usage: main.js [--port N]\n');
    process.exit(2);
  }
  await runSimulator({ port });
}
