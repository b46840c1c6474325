/**
 * When App Service cannot resolve a Key Vault reference in an app setting (the app's
 * identity has no read access yet, the secret is gone, the syntax is wrong), it does not fail:
 * "the reference string is used instead, for example, `@Microsoft.KeyVault(...)`"
 * (learn.microsoft.com/azure/app-service/app-service-key-vault-references, "Troubleshoot Key
 * Vault references"); App Configuration references behave the same way
 * (app-service-configuration-references, "Troubleshoot app configuration references").
 *
 * Right after a first deployment that is the expected state until the role assignment has
 * propagated. Read as a value, the text would become a public, guessable key: such a value is
 * never a setting, only the sign that the platform could not fetch one.
 */
const REFERENCE = /^\s*@Microsoft\.(?:KeyVault|AppConfiguration)\(/i;

export function isUnresolvedReference(value: string | undefined): boolean {
  return value !== undefined && REFERENCE.test(value);
}
