// Reader for the app's identity on one AKS cluster: enough to read its node pools (GETs of the
// managed cluster, its agentPools and their upgradeProfiles; src/sources/arm.ts). Deployed by
// main.bicep, in the cluster's resource group, for each cluster id in aksReaderScopes.
param principalId string
param clusterName string

// Built-in Reader: */read on the control plane, nothing else.
var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource cluster 'Microsoft.ContainerService/managedClusters@2025-10-01' existing = {
  name: clusterName
}

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(cluster.id, principalId, readerRoleId)
  scope: cluster
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readerRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
