terraform {
  required_providers {
    juju = {
      source  = "juju/juju"
      version = "~> 0.20"
    }
  }
}

# One collector in the IAM model relays metrics, logs and dashboards to COS
# through cross-model relations.
resource "juju_application" "otel_collector" {
  name  = "opentelemetry-collector"
  model = var.iam_model
  trust = true
  units = 1

  charm {
    name    = "opentelemetry-collector-k8s"
    channel = "2/stable"
  }
}

resource "juju_integration" "grafana_dashboards" {
  model = var.iam_model

  application {
    name     = juju_application.otel_collector.name
    endpoint = "grafana-dashboards-provider"
  }

  application {
    offer_url = var.cos_offers.grafana_dashboards
  }
}

resource "juju_integration" "prometheus_scrape" {
  model = var.iam_model

  application {
    name     = juju_application.otel_collector.name
    endpoint = "send-remote-write"
  }

  application {
    offer_url = var.cos_offers.prometheus_scrape
  }
}

resource "juju_integration" "loki_logging" {
  model = var.iam_model

  application {
    name     = juju_application.otel_collector.name
    endpoint = "send-loki-logs"
  }

  application {
    offer_url = var.cos_offers.loki_logging
  }
}
