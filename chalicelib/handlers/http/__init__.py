"""The HTTP layer: the endpoint decorator (token, input, problem+json), the OpenAPI document, the gateway authorizer."""
