#!/usr/bin/env node
// Thin launcher: the CLI is compiled and bundled into dist/cli/ by `npm ci` (the `prepare`
// script runs `npm run build`; scripts/bundle-cli.ts says why it is one bundle).
import '../dist/cli/azl-notifier.js';
