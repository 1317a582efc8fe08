// Child process for the concurrent key-file creation test: waits for the common start time
// (epoch ms) so that all children race, loads the keyring of the data directory and prints
// "<current key id> <generated|read>".
import { loadKeyring } from '../../../lib/secrets/keyring';

const [dataDir, startAt] = process.argv.slice(2);
if (!dataDir || !startAt) throw new Error('usage: load-keyring-child.ts <dataDir> <startAtEpochMs>');
while (Date.now() < Number(startAt)); // busy-wait: a timer would add its own jitter
let generated = false;
const ring = loadKeyring({ dataDir, log: (m) => (generated ||= m.includes('generated')) });
process.stdout.write(`${ring.current.id} ${generated ? 'generated' : 'read'}`);
