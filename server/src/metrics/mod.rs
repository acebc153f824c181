//! Everything `/metrics` serves, in one prometheus-client registry under
//! the `palette_` prefix: HTTP requests ([`http`]), OIDC check results
//! ([`oidc`]) and the job queue ([`queue`]).
//!
//! What lives in the database (check results, queue depth) is read at each
//! scrape by [`Metrics::refresh`]; this process's workers' counters are
//! encoded from their snapshot by a collector. No axum here: the handler
//! and the middleware are in `http::metrics`.

pub mod http;
pub mod oidc;
pub mod queue;

use std::sync::Arc;

use engine::Engine;
use prometheus_client::registry::Registry;

/// The process's metrics registry and the families in it.
pub struct Metrics {
    registry: Registry,
    pub http: http::HttpMetrics,
    oidc: oidc::OidcMetrics,
    queue: queue::QueueDepth,
}

impl Metrics {
    /// The registry, with this process's worker pool's counters when it
    /// runs workers.
    pub fn new(workers: Option<Arc<engine::queue::Metrics>>) -> Self {
        let mut registry = Registry::with_prefix("palette");
        let http = http::HttpMetrics::register(&mut registry);
        let oidc = oidc::OidcMetrics::register(&mut registry);
        let queue = queue::QueueDepth::register(&mut registry);
        if let Some(workers) = workers {
            registry.register_collector(Box::new(queue::WorkerCollector::new(workers)));
        }
        Self {
            registry,
            http,
            oidc,
            queue,
        }
    }

    /// Reads what other processes may have changed (OIDC check results,
    /// queue depth) into the families.
    pub async fn refresh(&self, engine: &Engine) {
        self.oidc.refresh(engine).await;
        self.queue.refresh(engine).await;
    }

    /// The OpenMetrics text exposition, `# EOF` included.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
