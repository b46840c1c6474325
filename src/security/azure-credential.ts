import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import type { IdentitySettings } from '../settings.js';

/**
 * The credential every Azure client of the app signs in with (storage, Event Grid, ACS,
 * Application Insights): the user-assigned managed identity AZURE_CLIENT_ID names, or, without
 * it, DefaultAzureCredential (a developer's `az login`). One place, so all clients agree.
 */
export function azureCredential(identity: IdentitySettings): TokenCredential {
  return identity.AZURE_CLIENT_ID
    ? new ManagedIdentityCredential({ clientId: identity.AZURE_CLIENT_ID })
    : new DefaultAzureCredential();
}
