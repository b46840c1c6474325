// Reader for the app's identity on a resource group: it can read the node pools of every AKS
// cluster in it (GETs of managedClusters, agentPools and their upgradeProfiles;
// src/sources/arm.ts). Deployed by main.bicep for each /subscriptions/<id>/resourceGroups/<group>
// scope in aksReaderScopes.
param principalId string

// Built-in Reader: */read on the control plane, nothing else.
var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, readerRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readerRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
