/**
 * `npm run package:stage` (azure.yaml's prepackage hook) and `npm run package:measure`.
 *
 *   node dist/scripts/deploy/package.js [--out <folder>] [--zip <file>]
 *
 * Stages the Function App package into --out (default .deploy, the folder azure.yaml's
 * `dist:` names) and, with --zip, zips it the way azd will and prints the zip's size.
 * Run it after `npm run build`; the npm scripts do both.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../../src/package-info.js';
import { stagePackage } from './stage.js';
import { zipFolder } from './zip.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, zip: { type: 'string' } },
});
const out = resolve(values.out ?? join(packageRoot, '.deploy'));
const mb = (bytes: number): string => `${(bytes / 1_000_000).toFixed(1)} MB`;

try {
  const staged = stagePackage(packageRoot, out);
  console.log(
    `package: staged ${staged.files} files (${mb(staged.bytes)}, ${staged.packages} production packages) in ${out}`,
  );
  if (values.zip) {
    const zip = zipFolder(out, resolve(values.zip));
    console.log(`package: ${values.zip} is ${mb(zip.bytes)} zipped (${zip.files} files)`);
  }
} catch (err) {
  console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
