// One Event Grid subscription per Event Grid function in src/functions, filtered by event type.
// Deployed by scripts/deploy/postdeploy.ts (azure.yaml's postdeploy hook) after `azd deploy`,
// because Event Grid looks the destination function up when the subscription is created (see
// the note in ../main.bicep).
// test/unit/infra/infra-consistency.test.ts checks that `routes` (event-routes.json) names exactly
// the functions that src/functions registers with app.eventGrid(...).
param topicName string
param functionAppName string
param deadLetterStorageAccountName string
param deadLetterContainerName string = 'deadletters'

@minValue(1)
@maxValue(30)
@description('Delivery attempts before an event is dead-lettered. Handlers are idempotent (delivery ledger), so retries are safe.')
param maxDeliveryAttempts int = 10

@minValue(1)
@maxValue(1440)
@description('How long Event Grid keeps retrying an event before dead-lettering it.')
param eventTimeToLiveInMinutes int = 1440

// One row per Event Grid function: its name and the one event type it consumes. The table is
// shared: docs/deploy.md's manual fallback loops over it, and
// test/unit/infra/infra-consistency.test.ts checks it against src/events/routes.ts and the docs.
// loadJsonContent reads it when the Bicep compiles, relative to this file (Bicep docs, "File
// functions": loadJsonContent), so `az deployment group create` needs nothing else.
var routes = loadJsonContent('event-routes.json')

resource topic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: topicName
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource deadLetterStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: deadLetterStorageAccountName
}

resource subscriptions 'Microsoft.EventGrid/topics/eventSubscriptions@2025-02-15' = [for route in routes: {
  parent: topic
  name: route.functionName
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionApp.id}/functions/${route.functionName}'
        // The Node.js trigger takes one event per invocation (cardinality one).
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    // Deliver exactly what was published: CloudEvents 1.0, so the event id the publisher chose
    // (deterministic, e.g. {tag}/{shard}) reaches the handler and joins the traces.
    eventDeliverySchema: 'CloudEventSchemaV1_0'
    filter: {
      includedEventTypes: [
        route.eventType
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    // Dead-letter with the topic's system identity: the storage account has shared keys disabled.
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}]

output subscriptionNames array = [for (route, i) in routes: subscriptions[i].name]
