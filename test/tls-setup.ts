import { fileURLToPath } from 'node:url';

/**
 * The fake Azure Resource Manager is HTTPS with a test certificate (test/fixtures/tls), as the
 * Azure SDK pipeline sends bearer tokens over HTTPS only. Node reads NODE_EXTRA_CA_CERTS once,
 * when a process starts: set here, before the test workers are forked, every worker trusts the
 * test CA as the real product trusts a real one, with no option in the product to do so.
 * Processes the tests start with an environment of their own get it from test/support/fake-az.ts.
 */
export default function setup(): void {
  process.env.NODE_EXTRA_CA_CERTS = fileURLToPath(
    new URL('./fixtures/tls/ca.pem', import.meta.url),
  );
}
