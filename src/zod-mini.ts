/**
 * zod's functional API ("zod/mini"), with English messages, for what the CLI validates on
 * every run (settings, the ignore file). Not the chained `zod`: that brings all of zod and
 * its 40 locales (about 450 KB, some 20 ms to load) where this bundles to what the schemas
 * use. The API's request schemas stay on `zod`, which zod-to-openapi needs.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// The chained API sets English messages when it loads; the functional one leaves it to us
// (one locale: `z.locales` would bundle every one).
config(en());

// Re-exported name by name (not as one namespace object), so the bundler keeps only what
// the schemas use: import it as `import * as z from './zod-mini.js'`.
export * from 'zod/mini';
