import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/api/routes.js';
import { FUNCTIONS } from '../../../src/functions/index.js';

const FUNCTIONS_DIR = new URL('../../../src/functions/', import.meta.url);

describe('API functions', () => {
  it('are registered for every route, one file per function, as the route table says', () => {
    for (const route of ROUTES) {
      expect(existsSync(new URL(`${route.name}.ts`, FUNCTIONS_DIR)), route.name).toBe(true);
      const fn = FUNCTIONS.find((f) => f.name === route.name);
      expect(fn?.trigger, route.name).toBe('http');
      expect(fn?.options).toMatchObject({
        route: route.route,
        methods: [route.method],
        authLevel: route.authLevel,
      });
    }
  });

  it('demand the function key from the host only where no subscriber token applies', () => {
    for (const route of ROUTES) {
      expect(route.authLevel, route.name).toBe(route.auth === 'admin' ? 'function' : 'anonymous');
    }
  });
});
