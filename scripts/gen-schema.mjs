// Regenerates results/result.schema.json from the zod schema (results/schema.ts) compiled in dist/.
// Run after `npm run build`: `npm run schema`. test/results/json-schema.test.ts fails when the shipped file is stale.
import { writeFileSync } from 'node:fs';

const { resultJsonSchemaText, RESULT_SCHEMA_PATH } = await import('../dist/results/json-schema.js');
writeFileSync(new URL(`../${RESULT_SCHEMA_PATH}`, import.meta.url), resultJsonSchemaText());
console.log(`wrote ${RESULT_SCHEMA_PATH}`);
