#!/bin/sh
# Creates (or updates) the Event Grid subscriptions once `azd deploy` has published the functions,
# then registers the admin key (Key Vault secret admin-key, the app's ADMIN_KEY) as the host
# function key "admin", so one key passes both the host's check on function-level routes and the
# handlers' own check on the token-or-admin routes.
# Event Grid looks an AzureFunction destination up when a subscription is created, so this cannot
# run during `azd provision` on a first install (Azure/bicep#11656). azd passes its environment
# (outputs of infra/main.bicep) to hooks as environment variables.
set -eu

if ! command -v az >/dev/null 2>&1; then
  echo "postdeploy: the Azure CLI (az) is required to create the Event Grid subscriptions; see docs/deploy.md" >&2
  exit 1
fi
if ! az account show --only-show-errors >/dev/null 2>&1; then
  echo "postdeploy: run 'az login' (azd and az keep separate sign-ins), then 'azd hooks run postdeploy'" >&2
  exit 1
fi

# A freshly deployed app indexes its functions within a minute or so; until then Event Grid
# answers "Destination endpoint not found". Retry instead of failing the whole `azd up`.
attempt=1
while :; do
  if az deployment group create \
    --only-show-errors \
    --subscription "$AZURE_SUBSCRIPTION_ID" \
    --resource-group "$AZURE_RESOURCE_GROUP" \
    --name "event-subscriptions" \
    --template-file "infra/app/event-subscriptions.bicep" \
    --parameters \
      topicName="$EVENTGRID_TOPIC_NAME" \
      functionAppName="$AZURE_FUNCTION_NAME" \
      deadLetterStorageAccountName="$AZURE_STORAGE_ACCOUNT_NAME" \
      deadLetterContainerName="$DEAD_LETTER_CONTAINER_NAME" \
    --output none; then
    echo "postdeploy: Event Grid subscriptions are in place."
    break
  fi
  if [ "$attempt" -ge 6 ]; then
    echo "postdeploy: giving up after $attempt attempts; rerun with 'azd hooks run postdeploy'" >&2
    exit 1
  fi
  echo "postdeploy: functions not visible to Event Grid yet (attempt $attempt); retrying in 30s" >&2
  attempt=$((attempt + 1))
  sleep 30
done

# The key goes from Key Vault straight into the host's key store; --output none keeps az from
# printing it (its answer echoes the key value).
admin_key=$(az keyvault secret show --only-show-errors --vault-name "$AZURE_KEY_VAULT_NAME" \
  --name admin-key --query value --output tsv) || {
  echo "postdeploy: cannot read admin-key from Key Vault $AZURE_KEY_VAULT_NAME (needs Key Vault Secrets Officer); see docs/deploy.md" >&2
  exit 1
}
az functionapp keys set --only-show-errors \
  --subscription "$AZURE_SUBSCRIPTION_ID" \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --name "$AZURE_FUNCTION_NAME" \
  --key-type functionKeys --key-name admin --key-value "$admin_key" \
  --output none
echo "postdeploy: the admin key is registered as the host function key 'admin'."
