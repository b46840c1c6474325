import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../../src/settings.js';
import { ROOT } from '../../support/built.js';

/** The modules the CLI runs that read settings: src/cli/ and its services. */
const CLI_FILES = [
  ...readdirSync(join(ROOT, 'src', 'cli'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join('src', 'cli', f)),
  ...[
    'cli-cache',
    'release-session',
    'load-release',
    'github',
    'release-counts',
    'node-images',
  ].map((f) => join('src', 'services', `${f}.ts`)),
];

/** Every setting those modules read (`github.GITHUB_TOKEN`, `cli.AZL_DEBUG`, ...). */
function settingsRead(): string[] {
  const known = new Set<string>(SETTING_NAMES);
  const names = new Set<string>();
  for (const file of CLI_FILES) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const m of source.matchAll(/\.([A-Za-z][A-Za-z0-9_]*)\b/g)) {
      if (known.has(m[1]!)) names.add(m[1]!);
    }
  }
  return [...names].sort();
}

describe("the README's CLI section", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## The CLI'),
    readme.indexOf('## Collecting an inventory'),
  );

  it('finds the settings the CLI reads', () => {
    // Guards the scan itself: these are read for sure.
    expect(settingsRead()).toEqual(
      expect.arrayContaining(['GITHUB_TOKEN', 'AZL_CACHE_DIR', 'AZL_DEBUG']),
    );
  });

  it('documents every setting the CLI reads', () => {
    expect(settingsRead().filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
  });

  it('documents every command', () => {
    for (const command of ['check', 'release', 'releases', 'render', 'bundle', 'vercmp']) {
      expect(section).toContain(`\`${command}`);
    }
  });
});
