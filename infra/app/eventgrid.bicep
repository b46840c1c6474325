// The custom topic the pipeline publishes its CloudEvents to (src/events). Only the app's
// identity may publish (EventGrid Data Sender in rbac.bicep): access keys are disabled, so
// EVENTGRID_TOPIC_KEY is never needed in Azure.
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Storage account that receives dead-lettered events; the topic\'s own identity writes them.')
param deadLetterStorageAccountName string

// Storage Blob Data Contributor: enough to write dead-letter blobs, nothing else.
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: deadLetterStorageAccountName
}

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  // The system identity is what dead-letters with: the storage account accepts no shared keys,
  // so the event subscriptions use deadLetterWithResourceIdentity (event-subscriptions.bicep).
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, topic.id, storageBlobDataContributorRoleId)
  scope: storage
  properties: {
    roleDefinitionId: resourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRoleId)
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = topic.name
output id string = topic.id
output endpoint string = topic.properties.endpoint
