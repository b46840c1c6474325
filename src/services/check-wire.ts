/**
 * A check question as `check --server` sends it (POST /api/check), and the route it goes to.
 * The inventories travel as text: the deployment parses them with the same parser and limits
 * as every upload, so a line number in its refusal is the file's own. Node pools travel as
 * the runner read them from Azure Resource Manager with its own sign-in (src/api/schemas.ts
 * validates them); the deployment never reads a cluster for a check key's holder.
 */
import type { AksPool } from '../domain/aks-pool.js';

/** Under the API's mount: `https://azl.example.com/api/check`. */
export const CHECK_ROUTE = 'check';
/** The newest bundle of a line: `GET /api/bundles/3.0`. */
export const BUNDLE_ROUTE = 'bundles';

export interface CheckRequestBody {
  /** A release tag, or `latest`. */
  release: string;
  line?: string | undefined;
  from?: string | undefined;
  oval: boolean;
  /** Package lists as read, each with how messages name it (a file's base name). */
  inventories: { label: string; text: string }[];
  /** AKS node image versions: AgentBaker's release notes are the inventory. */
  aksNodeImages: string[];
  pools: AksPool[];
}

/** `release --server` (`check/releases/{tag}`) and `releases --server` (`check/releases`). */
export const RELEASES_ROUTE = 'check/releases';

/** What the deployment answers besides a check: the answer, and what a local run would warn. */
export interface ServerAnswer<T> {
  answer: T;
  warnings: string[];
}
