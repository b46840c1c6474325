// Reader for the app's identity on a whole Azure subscription: every AKS cluster in it can be
// watched, as clusters come and go. Deployed by main.bicep for each /subscriptions/<id> scope
// in aksReaderScopes.
targetScope = 'subscription'

param principalId string

// Built-in Reader: */read on the control plane, nothing else.
var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, readerRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readerRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
