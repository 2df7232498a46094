import { it } from 'vitest';
import { writeSampleResults } from './sample-results.js';
import { buildDashboard } from '../../report/dashboard.js';
import { readResults } from '../../results/reader.js';
it('scratch', async () => {
  const paths = writeSampleResults('/tmp/wsdash-in');
  const r = await buildDashboard(readResults(paths), { outDir: '/tmp/wsdash', svg: true });
  console.log(JSON.stringify(r.views), r.warnings);
  for (const f of r.findings) console.log('-', f.text);
}, 60000);
