import { afterAll, beforeAll } from 'vitest';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import {
  serveOvalFeed,
  type OvalDefinitionInput,
  type OvalFeedServer,
} from '../../scripts/stand-ins/oval-feed.js';
import { APRIL_2026_FEED } from './oval-fixes.js';

/**
 * A fake GitHub and an OVAL feed server for one test file, started before its tests and
 * closed after them.
 */
export function fakeUpstreams(defs: readonly OvalDefinitionInput[] = APRIL_2026_FEED): {
  readonly github: FakeGitHub;
  readonly oval: OvalFeedServer;
} {
  let github: FakeGitHub | undefined;
  let oval: OvalFeedServer | undefined;
  beforeAll(async () => {
    github = await FakeGitHub.start();
    oval = await serveOvalFeed(defs);
  });
  afterAll(async () => {
    await github?.close();
    await oval?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('fakeUpstreams: used before beforeAll ran');
    return value;
  };
  return {
    get github() {
      return started(github);
    },
    get oval() {
      return started(oval);
    },
  };
}
