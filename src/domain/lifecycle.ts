/**
 * What a reader must know about a release line before trusting any answer about it.
 *
 * Dates are AKS's, from "Upgrade the OS version of AKS nodes" and "Upgrade AKS node images"
 * on learn.microsoft.com (both carry the same notice): AKS stopped providing Azure Linux 2.0
 * security updates on 2025-11-30, froze its node image at 202512.06.0, and removes those
 * node images from 2026-03-31, after which node pools can no longer scale.
 */

/** Where Microsoft explains the move from Azure Linux 2.0 to 3.0 on AKS. */
export const MIGRATION_GUIDE_URL = 'https://learn.microsoft.com/azure/aks/upgrade-os-version';

const OUT_OF_SUPPORT: Readonly<Record<string, string>> = {
  '2.0':
    'Azure Linux 2.0 is out of support: AKS security updates ended on 2025-11-30 and its node images are removed from 2026-03-31. ' +
    `Move to Azure Linux 3.0: ${MIGRATION_GUIDE_URL}`,
};

/** Notices for a release line, in the order to show them; empty for a supported line. */
export function lineNotices(line: string): string[] {
  const notice = OUT_OF_SUPPORT[line];
  return notice ? [notice] : [];
}
