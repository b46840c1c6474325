import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/api/routes.js';

const FUNCTIONS = new URL('../../../src/functions/', import.meta.url);

describe('function files', () => {
  it('register every API route, one file per function, named after it', () => {
    const files = new Set(readdirSync(FUNCTIONS));
    for (const route of ROUTES) {
      const file = `${route.name}.ts`;
      expect(files.has(file), file).toBe(true);
      const text = readFileSync(new URL(file, FUNCTIONS), 'utf8');
      expect(text).toContain(`app.http('${route.name}', httpFunctionOptions('${route.name}'))`);
    }
  });

  it('demand the function key from the Azure host only where no subscriber token applies', () => {
    for (const route of ROUTES) {
      expect(route.authLevel, route.name).toBe(route.auth === 'admin' ? 'function' : 'anonymous');
    }
  });
});
