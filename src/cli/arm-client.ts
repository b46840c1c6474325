import { DefaultAzureCredential } from '@azure/identity';
import { InputError } from '../errors.js';
import { ArmClient, type AksSource } from '../sources/arm.js';

/**
 * The ARM client signed in with DefaultAzureCredential: environment variables (a service
 * principal), workload identity, managed identity, then the developer's own sign-ins
 * (`az login`, `azd auth login`, …), as every Azure tool does; AZURE_TOKEN_CREDENTIALS=dev or
 * =prod narrows the chain. Imported only by runs that read clusters (src/cli/arm.ts), so the
 * static imports here load then and never for a plain check.
 */
export function openArm(endpoint: string, onRetry: (line: string) => void): AksSource {
  let credential: DefaultAzureCredential;
  try {
    credential = new DefaultAzureCredential();
  } catch (error) {
    // An AZURE_TOKEN_CREDENTIALS it does not know: a setting, named in the message.
    throw new InputError(error instanceof Error ? error.message : String(error));
  }
  return new ArmClient({ endpoint, credential, onRetry });
}
