# Windows twin of postdeploy.sh: creates the Event Grid subscriptions after `azd deploy`, then
# registers the admin key (Key Vault secret admin-key) as the host function key "admin".
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
    break
  }
  if ($attempt -eq 6) {
    Write-Error "postdeploy: giving up; rerun with 'azd hooks run postdeploy'"
  }
  Write-Warning "postdeploy: functions not visible to Event Grid yet (attempt $attempt); retrying in 30s"
  Start-Sleep -Seconds 30
}

# The key goes from Key Vault straight into the host's key store; --output none keeps az from
# printing it (its answer echoes the key value).
$adminKey = az keyvault secret show --only-show-errors --vault-name $env:AZURE_KEY_VAULT_NAME `
  --name admin-key --query value --output tsv
if ($LASTEXITCODE -ne 0) {
  Write-Error "postdeploy: cannot read admin-key from Key Vault $env:AZURE_KEY_VAULT_NAME (needs Key Vault Secrets Officer); see docs/deploy.md"
}
az functionapp keys set --only-show-errors `
  --subscription $env:AZURE_SUBSCRIPTION_ID `
  --resource-group $env:AZURE_RESOURCE_GROUP `
  --name $env:AZURE_FUNCTION_NAME `
  --key-type functionKeys --key-name admin --key-value $adminKey `
  --output none
if ($LASTEXITCODE -ne 0) {
  Write-Error "postdeploy: could not register the admin key; rerun with 'azd hooks run postdeploy'"
}
Write-Host "postdeploy: the admin key is registered as the host function key 'admin'."
