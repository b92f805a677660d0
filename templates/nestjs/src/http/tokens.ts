// Injection tokens. Providers are registered with explicit tokens and injected with @Inject, so
// dependency injection does not depend on emitted decorator metadata.
export const CONTAINER = "Container";
export const PRODUCT_SERVICE = "ProductService";
export const AUTH_SERVICE = "AuthService";
