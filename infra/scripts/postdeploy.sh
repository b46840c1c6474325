#!/bin/sh
# Creates (or updates) the Event Grid subscriptions once `azd deploy` has published the functions.
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
    exit 0
  fi
  if [ "$attempt" -ge 6 ]; then
    echo "postdeploy: giving up after $attempt attempts; rerun with 'azd hooks run postdeploy'" >&2
    exit 1
  fi
  echo "postdeploy: functions not visible to Event Grid yet (attempt $attempt); retrying in 30s" >&2
  attempt=$((attempt + 1))
  sleep 30
done
