//! The shared HTTP client (readiness probes, anything that is not the load engine's hot path).

use std::sync::{LazyLock, Once};

static PROVIDER: Once = Once::new();

/// Installs rustls' ring crypto provider once per process. reqwest is built without a default
/// provider so we compile ring rather than aws-lc (faster builds, no cmake).
pub fn install_crypto_provider() {
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(concat!("backendctl/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client builds")
});

/// The shared client.
#[must_use]
pub fn client() -> &'static reqwest::Client {
    &CLIENT
}
