# Windows twin of postdeploy.sh: creates the Event Grid subscriptions after `azd deploy`.
# See postdeploy.sh for why this cannot run during provisioning.
$ErrorActionPreference = 'Stop'

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
  Write-Error "postdeploy: the Azure CLI (az) is required to create the Event Grid subscriptions; see docs/deploy.md"
}
az account show --only-show-errors *> $null
if ($LASTEXITCODE -ne 0) {
  Write-Error "postdeploy: run 'az login' (azd and az keep separate sign-ins), then 'azd hooks run postdeploy'"
}

for ($attempt = 1; $attempt -le 6; $attempt++) {
  az deployment group create `
    --only-show-errors `
    --subscription $env:AZURE_SUBSCRIPTION_ID `
    --resource-group $env:AZURE_RESOURCE_GROUP `
    --name event-subscriptions `
    --template-file infra/app/event-subscriptions.bicep `
    --parameters `
      topicName=$env:EVENTGRID_TOPIC_NAME `
      functionAppName=$env:AZURE_FUNCTION_NAME `
      deadLetterStorageAccountName=$env:AZURE_STORAGE_ACCOUNT_NAME `
      deadLetterContainerName=$env:DEAD_LETTER_CONTAINER_NAME `
    --output none
  if ($LASTEXITCODE -eq 0) {
    Write-Host "postdeploy: Event Grid subscriptions are in place."
    exit 0
  }
  Write-Warning "postdeploy: functions not visible to Event Grid yet (attempt $attempt); retrying in 30s"
  Start-Sleep -Seconds 30
}
Write-Error "postdeploy: giving up; rerun with 'azd hooks run postdeploy'"
