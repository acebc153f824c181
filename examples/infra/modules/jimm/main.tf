terraform {
  required_providers {
    juju = {
      source  = "juju/juju"
      version = "~> 0.20"
    }
  }
}

locals {
  dns_name = "jimm.${var.environment}.${var.domain}"
}

resource "juju_model" "jimm" {
  name = "${var.environment}-jimm"

  cloud {
    name = var.juju_cloud
  }
}

# JIMM: the gateway every client (CLI, Terraform, dashboard) goes through.
resource "juju_application" "jimm" {
  name  = "jimm"
  model = juju_model.jimm.name
  trust = true
  units = 1

  charm {
    name    = "juju-jimm-k8s"
    channel = var.channel
  }

  config = {
    "public-dns-name"   = local.dns_name
    "controller-admins" = "admin@${var.domain}"
    "oidc-issuer-url"   = var.oidc_issuer
  }
}

resource "juju_application" "openfga" {
  name  = "openfga"
  model = juju_model.jimm.name
  trust = true
  units = 1

  charm {
    name    = "openfga-k8s"
    channel = "2.0/stable"
  }
}

resource "juju_integration" "jimm_postgresql" {
  model = juju_model.jimm.name

  application {
    name     = juju_application.jimm.name
    endpoint = "database"
  }

  application {
    offer_url = var.postgresql_offer
  }
}

resource "juju_integration" "jimm_openfga" {
  model = juju_model.jimm.name

  application {
    name     = juju_application.jimm.name
    endpoint = "openfga"
  }

  application {
    name     = juju_application.openfga.name
    endpoint = "openfga"
  }
}
