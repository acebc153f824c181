# Layer cos-integration: cross-model relations from <env>-iam to COS.

terraform {
  required_providers {
    juju = {
      source  = "juju/juju"
      version = "~> 0.20"
    }
  }
}

# JUJU_CONTROLLER_ADDRESSES, JUJU_CLIENT_ID and JUJU_CLIENT_SECRET (JIMM
# service account) come from the server's environment.
provider "juju" {}

module "cos-integration" {
  source = "{{module_dir}}"

  environment = var.environment
  iam_model   = "${var.environment}-iam"
  cos_offers = {
    grafana_dashboards = "admin/cos.grafana-dashboards"
    prometheus_scrape  = "admin/cos.prometheus-receive-remote-write"
    loki_logging       = "admin/cos.loki-logging"
  }
}

output "grafana_url" {
  value = module.cos-integration.grafana_url
}
