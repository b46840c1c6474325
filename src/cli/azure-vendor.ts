/**
 * What the CLI uses of @azure/identity and @azure/core-rest-pipeline, in one place, so the CLI
 * build can bundle them into a file of their own (dist/cli/azure.cjs, scripts/bundle-cli.ts):
 * loaded only by the runs that read AKS clusters, and as one file rather than the 260 modules
 * the packages are, which took about twice as long to load.
 */
export { DefaultAzureCredential } from '@azure/identity';
export {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  isRestError,
} from '@azure/core-rest-pipeline';
