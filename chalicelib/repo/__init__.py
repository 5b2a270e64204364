"""The only code that knows DynamoDB: keys, key attributes, index names, item shapes, paging, conditions."""
