// Optional Azure Communication Services Email with an Azure-managed sender domain
// (DoNotReply@<guid>.azurecomm.net). For a custom domain, add it to the email service and
// verify its DNS records in the portal, then set AZL_EMAIL_FROM.
param communicationServiceName string
param emailServiceName string
param dataLocation string = 'United States'
param tags object = {}

@description('Principal allowed to send mail with its Entra token (the app\'s managed identity).')
param senderPrincipalId string

// Contributor on this one ACS resource: the role the Azure SDK's own email tests grant for
// Entra-authenticated sending (azure-sdk-for-js, sdk/communication/communication-email/test-resources.bicep).
var contributorRoleId = 'b24988ac-6180-42a0-ab88-20f7382dd24c'

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

resource senderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, senderPrincipalId, contributorRoleId)
  scope: communicationService
  properties: {
    roleDefinitionId: resourceId('Microsoft.Authorization/roleDefinitions', contributorRoleId)
    principalId: senderPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output endpoint string = 'https://${communicationService.properties.hostName}'
output senderDomain string = managedDomain.properties.mailFromSenderDomain
