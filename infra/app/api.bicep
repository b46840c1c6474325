// The Function App on Flex Consumption. Shape taken from the official template's app/api.bicep
// and the Flex Consumption IaC sample (Azure-Samples/azure-functions-flex-consumption-samples,
// IaC/bicep/core/host/function.bicep): runtime, scale and the deployment container live in
// properties.functionAppConfig, not in app settings. FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION are deliberately absent: Flex Consumption rejects them
// (learn.microsoft.com/azure/azure-functions/functions-app-settings, "Flex Consumption plan deprecations").
param name string
param location string = resourceGroup().location
param tags object = {}
param serviceName string = 'api'
param applicationInsightsName string
param appServicePlanId string
param runtimeName string
param runtimeVersion string
param storageAccountName string
param deploymentStorageContainerName string
param identityId string
param identityClientId string
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 100

@description('Product settings (names from src/settings.ts), merged with the host settings below.')
param appSettings object = {}

resource stg 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: appServicePlanId
    httpsOnly: true
    // Key Vault references resolve with the user-assigned identity, not a system identity the app does not have.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${stg.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
  }
}

// App settings as a child resource (as the AVM web/site module does), so they can use the
// site's own host name for PUBLIC_BASE_URL.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(appSettings, {
    // Identity-based host storage: no connection string, no key. The Blob endpoint only, as the
    // official template sets it (functions-quickstart-typescript-azd, infra/app/api.bicep): the
    // host uses Blob for its keys, timer leases and the package, and this app needs nothing
    // else. With __accountName the host would build a Table client too, for its diagnostic
    // events (StorageServiceUriOptions.GetTableServiceUri, azure-functions-host), and log a
    // failed write each time for want of a Table role. With no Table endpoint it finds no
    // client, logs one warning and stops recording them (DiagnosticEventTableStorageRepository).
    AzureWebJobsStorage__blobServiceUri: stg.properties.primaryEndpoints.blob
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // Entra-authenticated telemetry; the component has local auth disabled.
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // DefaultAzureCredential / ManagedIdentityCredential in src/ pick the user-assigned identity from this.
    AZURE_CLIENT_ID: identityClientId
    PUBLIC_BASE_URL: 'https://${functionApp.properties.defaultHostName}'
  })
}

output SERVICE_API_NAME string = functionApp.name
output SERVICE_API_URI string = 'https://${functionApp.properties.defaultHostName}'
