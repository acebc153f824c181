terraform {
  required_providers {
    juju = {
      source  = "juju/juju"
      version = "~> 0.20"
    }
  }
}

locals {
  channel = { for name, pin in var.charms : name => coalesce(pin.channel, var.channel) }
}

resource "juju_model" "core" {
  name = "${var.environment}-core"

  cloud {
    name = var.juju_cloud
  }
}

resource "juju_application" "postgresql" {
  name  = "postgresql"
  model = juju_model.core.name
  trust = true
  units = 1

  charm {
    name     = "postgresql-k8s"
    channel  = lookup(local.channel, "postgresql", "14/stable")
    revision = try(var.charms.postgresql.revision, null)
  }

  storage_directives = {
    pgdata = var.postgresql_storage
  }
}

resource "juju_application" "vault" {
  name  = "vault"
  model = juju_model.core.name
  trust = true
  units = 1

  charm {
    name    = "vault-k8s"
    channel = lookup(local.channel, "vault", "1.16/stable")
  }
}

resource "juju_application" "openfga" {
  name  = "openfga"
  model = juju_model.core.name
  trust = true
  units = 1

  charm {
    name    = "openfga-k8s"
    channel = lookup(local.channel, "openfga", "2.0/stable")
  }
}

resource "juju_application" "traefik" {
  name  = "traefik-public"
  model = juju_model.core.name
  trust = true
  units = 1

  charm {
    name    = "traefik-k8s"
    channel = lookup(local.channel, "traefik", "latest/stable")
  }
}

resource "juju_integration" "openfga_postgresql" {
  model = juju_model.core.name

  application {
    name     = juju_application.openfga.name
    endpoint = "database"
  }

  application {
    name     = juju_application.postgresql.name
    endpoint = "database"
  }
}

# Offers consumed by the iam and jimm models (cross-model relations).
resource "juju_offer" "postgresql" {
  model            = juju_model.core.name
  application_name = juju_application.postgresql.name
  endpoints        = ["database"]
}

resource "juju_offer" "traefik_route" {
  model            = juju_model.core.name
  application_name = juju_application.traefik.name
  endpoints        = ["traefik-route"]
}
