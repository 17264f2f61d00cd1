/** `npm run temporal:resolve`: finds or installs the Temporal CLI and prints where it is. */
import { resolveTemporalCli } from '../devserver/resolve-cli.js';

const cli = await resolveTemporalCli((message) => console.error(`temporal-cli: ${message}`));
console.log(`temporal-cli: ${cli.path} (${cli.source})`);
