// azl-notifier on Azure: `azd up` provisions everything below, then deploys the code.
// Layout and the AVM module versions follow the official azd Functions TypeScript template
// (Azure-Samples/functions-quickstart-typescript-azd): subscription scope, one resource group,
// a user-assigned identity, Flex Consumption (FC1) with identity-based AzureWebJobsStorage,
// Application Insights with local auth disabled, consolidated role assignments in app/rbac.bicep.
//
// The Event Grid *subscriptions* are not deployed from here: Event Grid validates an
// AzureFunction destination by looking the function up, and on the first `azd up` the code is
// not deployed yet ("Destination endpoint not found", Azure/bicep#11656). The postdeploy hook in
// azure.yaml deploys app/event-subscriptions.bicep once the functions exist, as the official
// functions-quickstart-*-azd-eventgrid-blob templates do in their post-up scripts.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment, used to derive a short unique token for every resource name.')
param environmentName string

@minLength(1)
@description('Primary location for all resources. It must offer the Flex Consumption plan (`az functionapp list-flexconsumption-locations`).')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'eastus2euap'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

// Optional name overrides, as in the official template. Empty means "derive from the token".
param apiServiceName string = ''
param apiUserAssignedIdentityName string = ''
param applicationInsightsName string = ''
param appServicePlanName string = ''
param logAnalyticsName string = ''
param resourceGroupName string = ''
param storageAccountName string = ''
param eventGridTopicName string = ''
param keyVaultName string = ''

@description('Object id of the person (or pipeline) running azd. It gets data-plane roles so it can read dead letters, rotate secrets and publish test events. Leave empty to grant nothing.')
param principalId string = deployer().objectId

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of principal behind principalId: a person, or a CI service principal.')
param principalType string = 'User'

// ---- Product settings (become app settings; names match src/settings.ts) ----

@description('NCRONTAB schedule of the release detector (DETECT_SCHEDULE), six fields with seconds.')
param detectSchedule string = '0 */15 * * * *'

@description('NCRONTAB schedule of the digest sender (DIGEST_SCHEDULE). Hourly, so each subscriber\'s chosen UTC hour is honoured.')
param digestSchedule string = '0 5 * * * *'

@description('Comma-separated Azure Linux release lines to watch (AZL_LINES), e.g. "3.0" or "3.0,2.0".')
param azlLines string = '3.0'

@description('Comma-separated host globs a Teams webhook URL may point at (TEAMS_WEBHOOK_ALLOWED_HOSTS).')
param teamsWebhookAllowedHosts string = '*.webhook.office.com,*.logic.azure.com,*.environment.api.powerplatform.com,*.powerautomate.com'

@description('Notify subscribers about releases already published when the detector first runs (NOTIFY_ON_FIRST_RUN). Off by default so a new install does not flood channels with history.')
param notifyOnFirstRun bool = false

@description('Create Azure Communication Services Email with an Azure-managed sender domain.')
param enableEmail bool = false

@description('Where ACS stores email data at rest (only used when enableEmail is true).')
param emailDataLocation string = 'United States'

@description('Sender address (EMAIL_FROM). Empty: DoNotReply@<Azure-managed domain> when email is enabled, otherwise unset.')
param emailSender string = ''

@description('Role definition id (a GUID) the app gets on the ACS resource to send mail. Empty: a custom role with the send permissions only, which the deployment creates (that needs Owner or User Access Administrator). Set it when your principal may assign roles but not create them, to a role your administrator made.')
param emailSenderRoleId string = ''

@secure()
@description('GitHub token for release polling (GITHUB_TOKEN). Optional: without it the detector uses the anonymous rate limit. Stored in Key Vault only.')
param githubToken string = ''

@secure()
@description('SMTP URL with credentials, e.g. smtps://user:pass@smtp.example.com:465 (SMTP_URL). Optional alternative to ACS. Stored in Key Vault only.')
param smtpUrl string = ''

// The minimum is the product's own (MIN_KEY_LENGTH, src/security/keys.ts): the app refuses a
// shorter key at start-up, so a deployment with one fails here instead.
// test/unit/infra/infra-consistency.test.ts keeps the two equal.
@secure()
@minLength(32)
@description('HMAC key of every signed link, page session and CSRF token (SIGNING_KEY). The preprovision hook keeps it in the azd environment as AZL_SIGNING_KEY: 32 random bytes, base64url, made once (scripts/deploy/preprovision.ts).')
param signingKey string

@secure()
@minLength(32)
@description('Admin key (ADMIN_KEY): the x-functions-key that grants admin access on the API, including the token-or-admin routes whose handlers check it themselves. Made by the preprovision hook as AZL_ADMIN_KEY and kept in Key Vault; the postdeploy hook also registers it as the host function key "admin", so the same key passes the host on function-level routes.')
param adminKey string

@description('Where the app may read AKS clusters subscribers watch: a comma-separated list of scopes, each /subscriptions/<id>, /subscriptions/<id>/resourceGroups/<group>, or an AKS cluster\'s resource id. The app\'s identity gets the built-in Reader role on each (the deploying principal needs Owner or User Access Administrator there). Empty: none; grant later with az role assignment create (docs/deploy.md).')
param aksReaderScopes string = ''

@minValue(40)
@maxValue(1000)
@description('Flex Consumption scale-out ceiling. 40 is the plan\'s minimum and plenty for a notifier; it also caps cost.')
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
@description('Flex Consumption instance size in MB.')
param instanceMemoryMB int = 2048

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = !empty(apiServiceName) ? apiServiceName : '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'

// Event Grid dead-letters undeliverable events here (app/event-subscriptions.bicep).
var deadLetterContainerName = 'deadletters'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// The one identity the app uses for everything: storage, Event Grid, Key Vault, App Insights, ACS.
module apiUserAssignedIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'apiUserAssignedIdentity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: !empty(apiUserAssignedIdentityName) ? apiUserAssignedIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
  }
}

module appServicePlan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'appserviceplan'
  scope: rg
  params: {
    name: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // identity only: no account keys, no SAS
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      // The deployment package, Event Grid's dead letters, and the app's state (src/store). The store
      // also creates a missing container itself, so these names only make the layout visible from day one.
      containers: [
        { name: deploymentStorageContainerName }
        { name: deadLetterContainerName }
        { name: 'releases' }
        { name: 'subscriptions' }
        { name: 'state' }
        { name: 'ledger' }
        { name: 'digests' }
      ]
    }
    minimumTlsVersion: 'TLS1_2'
    location: location
    tags: tags
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: '${uniqueString(deployment().name, location)}-loganalytics'
  scope: rg
  params: {
    name: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

module monitoring 'br/public:avm/res/insights/component:0.6.0' = {
  name: '${uniqueString(deployment().name, location)}-appinsights'
  scope: rg
  params: {
    name: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true // telemetry must be sent with an Entra token (Monitoring Metrics Publisher)
  }
}

module eventGrid 'app/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: !empty(eventGridTopicName) ? eventGridTopicName : '${abbrs.eventGridDomainsTopics}${resourceToken}'
    location: location
    tags: tags
    deadLetterStorageAccountName: storage.outputs.name
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: !empty(keyVaultName) ? keyVaultName : '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    githubToken: githubToken
    smtpUrl: smtpUrl
    signingKey: signingKey
    adminKey: adminKey
  }
}

module email 'app/email.bicep' = if (enableEmail) {
  name: 'email'
  scope: rg
  params: {
    communicationServiceName: '${abbrs.communicationCommunicationServices}${resourceToken}'
    emailServiceName: '${abbrs.communicationEmailServices}${resourceToken}'
    dataLocation: emailDataLocation
    tags: tags
    senderPrincipalId: apiUserAssignedIdentity.outputs.principalId
    senderRoleDefinitionId: emailSenderRoleId
  }
}

// Settings read by src/settings.ts. Secrets are Key Vault references resolved by the platform with
// the app's identity (keyVaultReferenceIdentity in app/api.bicep), so no secret value is ever an
// app setting. Optional settings are left out (src/settings.ts would read '' as unset too, but
// leaving them out keeps the portal's list to the settings that mean something).
var productSettings = {
  DETECT_SCHEDULE: detectSchedule
  DIGEST_SCHEDULE: digestSchedule
  AZL_LINES: azlLines
  NOTIFY_ON_FIRST_RUN: notifyOnFirstRun ? 'true' : 'false'
  TEAMS_WEBHOOK_ALLOWED_HOSTS: teamsWebhookAllowedHosts
  EVENTGRID_TOPIC_ENDPOINT: eventGrid.outputs.endpoint
  STORAGE_ACCOUNT_URL: storage.outputs.primaryBlobEndpoint
  SIGNING_KEY: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.signingKeySecretUri})'
  ADMIN_KEY: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.adminKeySecretUri})'
}

// The Functions host refuses a request body over this many bytes before any function runs
// (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT; 104857600 when unset). The largest body the app reads is a
// create with one full-size inventory (12 MB, MAX_CREATE_BODY_BYTES): 16 MiB leaves room, not 100 MB.
var hostSettings = {
  FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '16777216'
}

var githubSettings = empty(githubToken) ? {} : {
  GITHUB_TOKEN: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.githubTokenSecretUri})'
}

var smtpSettings = empty(smtpUrl) ? {} : {
  SMTP_URL: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.smtpUrlSecretUri})'
}

var acsSettings = enableEmail ? {
  ACS_EMAIL_ENDPOINT: email.outputs.endpoint
} : {}

var emailFrom = !empty(emailSender) ? emailSender : (enableEmail ? 'DoNotReply@${email.outputs.senderDomain}' : '')

var emailFromSettings = empty(emailFrom) ? {} : {
  EMAIL_FROM: emailFrom
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.name
    appServicePlanId: appServicePlan.outputs.resourceId
    runtimeName: 'node'
    runtimeVersion: '22'
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    identityId: apiUserAssignedIdentity.outputs.resourceId
    identityClientId: apiUserAssignedIdentity.outputs.clientId
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: union(hostSettings, productSettings, githubSettings, smtpSettings, acsSettings, emailFromSettings)
  }
  dependsOn: [
    // Key Vault references resolve at start-up; grant the read role first so the first start succeeds.
    rbac
  ]
}

module rbac 'app/rbac.bicep' = {
  name: 'rbacAssignments'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.name
    eventGridTopicName: eventGrid.outputs.name
    keyVaultName: keyVault.outputs.name
    managedIdentityPrincipalId: apiUserAssignedIdentity.outputs.principalId
    userIdentityPrincipalId: principalId
    userIdentityPrincipalType: principalType
  }
}

// Reader on each scope in aksReaderScopes, for watched AKS clusters (src/sources/arm.ts). A
// comma-separated string rather than an array parameter: azd substitutes environment values
// into main.parameters.json as strings.
var aksReaderScopeList = filter(map(split(aksReaderScopes, ','), scope => trim(scope)), scope => !empty(scope))
// /subscriptions/<id> splits into 3 parts; a resource group into 5; a cluster id into 9.
var aksReaderSubscriptionScopes = filter(aksReaderScopeList, scope => length(split(scope, '/')) == 3)
var aksReaderGroupScopes = filter(aksReaderScopeList, scope => length(split(scope, '/')) == 5)
var aksReaderClusterScopes = filter(aksReaderScopeList, scope => length(split(scope, '/')) == 9)

module aksReaderSubscriptions 'app/aks-reader-subscription.bicep' = [for scope in aksReaderSubscriptionScopes: {
  name: 'aksReader-${uniqueString(scope)}'
  scope: subscription(split(scope, '/')[2])
  params: {
    principalId: apiUserAssignedIdentity.outputs.principalId
  }
}]

module aksReaderGroups 'app/aks-reader-group.bicep' = [for scope in aksReaderGroupScopes: {
  name: 'aksReader-${uniqueString(scope)}'
  scope: resourceGroup(split(scope, '/')[2], split(scope, '/')[4])
  params: {
    principalId: apiUserAssignedIdentity.outputs.principalId
  }
}]

module aksReaderClusters 'app/aks-reader-cluster.bicep' = [for scope in aksReaderClusterScopes: {
  name: 'aksReader-${uniqueString(scope)}'
  scope: resourceGroup(split(scope, '/')[2], split(scope, '/')[4])
  params: {
    principalId: apiUserAssignedIdentity.outputs.principalId
    clusterName: split(scope, '/')[8]
  }
}]

// Outputs land in the azd environment (.azure/<env>/.env); the postdeploy hook and docs/deploy.md use them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.SERVICE_API_NAME
output SERVICE_API_NAME string = api.outputs.SERVICE_API_NAME
output SERVICE_API_URI string = api.outputs.SERVICE_API_URI
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output EVENTGRID_TOPIC_NAME string = eventGrid.outputs.name
output EVENTGRID_TOPIC_ENDPOINT string = eventGrid.outputs.endpoint
output DEAD_LETTER_CONTAINER_NAME string = deadLetterContainerName
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output EMAIL_SENDER_CUSTOM_ROLE_ID string = enableEmail ? email.outputs.customRoleId : ''
// What `az role assignment create --assignee` takes to let the app read more clusters later.
output AZL_APP_PRINCIPAL_ID string = apiUserAssignedIdentity.outputs.principalId
