import type { OvalDefinitionInput } from '../../scripts/stand-ins/oval-feed.js';

/**
 * Fixes for the 3.0.20260429-3.0 case, written for tests (not Microsoft's data): two kernel
 * CVEs fixed by 6.6.134.1 (the kernel changelog names none), a severity for containerd2's
 * CVE-2026-35469, medium severities for the binutils fixes a node misses from
 * 3.0.20260414-3.0, and one definition that does not apply.
 */
export const APRIL_2026_FEED: OvalDefinitionInput[] = [
  {
    id: 60001,
    cve: 'CVE-2026-31001',
    sourcePackage: 'kernel',
    fixed: '0:6.6.134.1-1.azl3',
    severity: 'High',
  },
  {
    id: 60002,
    cve: 'CVE-2026-31002',
    sourcePackage: 'kernel',
    fixed: '0:6.6.134.1-2.azl3',
    severity: 'Medium',
  },
  {
    id: 60003,
    cve: 'CVE-2026-31003',
    sourcePackage: 'kernel',
    fixed: '0:6.6.140.1-1.azl3',
    severity: 'Critical',
  },
  {
    id: 60004,
    cve: 'CVE-2026-35469',
    sourcePackage: 'containerd2',
    fixed: '0:2.1.6-1.azl3',
    severity: 'Medium',
  },
  {
    id: 60005,
    cve: 'CVE-2025-1147',
    sourcePackage: 'binutils',
    fixed: '0:2.41-11.azl3',
    severity: 'Medium',
  },
  {
    id: 60006,
    cve: 'CVE-2026-99999',
    sourcePackage: 'sudo',
    fixed: '0:1.9.17-2.azl3',
    severity: 'Low',
    patchable: 'Not Applicable',
  },
];
