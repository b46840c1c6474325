/** What a fake upstream records of each request, and the counts tests compare with a budget. */
export class RequestRecorder<R extends string, Q extends { route: R }> {
  readonly requests: Q[] = [];

  constructor(private readonly routes: readonly R[]) {}

  /** Requests received per route, including failures. */
  counts(): Record<R, number> {
    const counts = Object.fromEntries(this.routes.map((r) => [r, 0])) as Record<R, number>;
    for (const r of this.requests) counts[r.route]++;
    return counts;
  }

  get totalRequests(): number {
    return this.requests.length;
  }

  resetCounts(): void {
    this.requests.length = 0;
  }
}
