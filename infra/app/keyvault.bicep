// Key Vault (RBAC mode) for the app's secrets. The app reads them through Key Vault references
// (@Microsoft.KeyVault(SecretUri=...)) resolved by the platform with its user-assigned identity,
// which holds Key Vault Secrets User (rbac.bicep). References are versionless, so a new secret
// version is picked up on the next restart (or within 24 hours) — see docs/deploy.md, "Rotate secrets".
param name string
param location string = resourceGroup().location
param tags object = {}

@secure()
param githubToken string = ''

@secure()
param smtpUrl string = ''

@secure()
param signingKey string

@secure()
param adminKey string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource signingKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'signing-key'
  properties: {
    value: signingKey
  }
}

resource adminKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'admin-key'
  properties: {
    value: adminKey
  }
}

// Optional secrets exist only when a value was given: a reference to a missing secret would
// hand the app the literal "@Microsoft.KeyVault(...)" text instead of failing loudly.
resource githubTokenSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(githubToken)) {
  parent: vault
  name: 'github-token'
  properties: {
    value: githubToken
  }
}

resource smtpUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(smtpUrl)) {
  parent: vault
  name: 'smtp-url'
  properties: {
    value: smtpUrl
  }
}

output name string = vault.name
// Versionless URIs (vaultUri ends with '/'), so rotation needs no redeploy.
output signingKeySecretUri string = '${vault.properties.vaultUri}secrets/${signingKeySecret.name}'
output adminKeySecretUri string = '${vault.properties.vaultUri}secrets/${adminKeySecret.name}'
output githubTokenSecretUri string = '${vault.properties.vaultUri}secrets/github-token'
output smtpUrlSecretUri string = '${vault.properties.vaultUri}secrets/smtp-url'
