// Optional Azure Communication Services Email with an Azure-managed sender domain
// (DoNotReply@<guid>.azurecomm.net). For a custom domain, add it to the email service and
// verify its DNS records in the portal, then set AZL_EMAIL_FROM.
param communicationServiceName string
param emailServiceName string
param dataLocation string = 'United States'
param tags object = {}

@description('Principal allowed to send mail with its Entra token (the app\'s managed identity).')
param senderPrincipalId string

@description('Role definition id (a GUID) to give the sender on the ACS resource instead of the custom role below, for a deploying principal that may assign roles but not create them (Role Based Access Control Administrator). Empty: the custom role.')
param senderRoleDefinitionId string = ''

// What ACS documents for a Microsoft Entra principal that sends mail: "Microsoft.Communication/
// CommunicationServices/Read, Microsoft.Communication/CommunicationServices/Write, and the
// Microsoft.Communication/EmailServices/write permissions on the Azure Communication Service
// Resource" (learn.microsoft.com/azure/communication-services/quickstarts/email/send-email-smtp/
// smtp-authentication, "Use a custom role to limit permissions"). Microsoft.Communication has
// no data action for email (the resource provider operations list), so these control-plane
// actions are the whole of it. Contributor, or the built-in Communication and Email Service
// Owner, would also allow deleting the resource and reading its access keys, with which
// anyone could send as this app.
var sendActions = [
  'Microsoft.Communication/CommunicationServices/Read'
  'Microsoft.Communication/CommunicationServices/Write'
  'Microsoft.Communication/EmailServices/write'
]

// Role names are unique in a tenant, so the resource group and a token of its id are in it.
// Creating a role definition needs Microsoft.Authorization/roleDefinitions/write: Owner or User
// Access Administrator (docs/deploy.md, "Prerequisites"). The definition outlives `azd down`,
// which deletes the resource group only.
var customRoleId = guid(resourceGroup().id, 'azl-notifier-email-sender')

resource senderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (empty(senderRoleDefinitionId)) {
  name: customRoleId
  properties: {
    roleName: 'azl-notifier email sender (${resourceGroup().name}, ${uniqueString(resourceGroup().id)})'
    description: 'Sends mail through the Azure Communication Services resource it is assigned on, and nothing else.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: sendActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

var senderRoleId = empty(senderRoleDefinitionId) ? customRoleId : senderRoleDefinitionId

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource managedDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      managedDomain.id
    ]
  }
}

resource sender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, senderPrincipalId, senderRoleId)
  scope: communicationService
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', senderRoleId)
    principalId: senderPrincipalId
    principalType: 'ServicePrincipal'
  }
  dependsOn: [
    senderRole
  ]
}

output endpoint string = 'https://${communicationService.properties.hostName}'
output senderDomain string = managedDomain.properties.mailFromSenderDomain
// The custom role this deployment made, if any: `azd down` leaves it behind (docs/deploy.md,
// "Removing everything").
output customRoleId string = empty(senderRoleDefinitionId) ? customRoleId : ''
