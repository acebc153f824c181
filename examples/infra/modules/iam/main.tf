terraform {
  required_providers {
    juju = {
      source  = "juju/juju"
      version = "~> 0.20"
    }
  }
}

locals {
  model   = juju_model.iam.name
  channel = { for name, pin in var.charms : name => coalesce(pin.channel, var.channel) }
  # Identity charms: Kratos (identities), Hydra (OAuth2/OIDC), the login UI
  # and the hook service.
  apps = {
    kratos                     = "kratos"
    hydra                      = "hydra"
    identity_platform_login_ui = "identity-platform-login-ui-operator"
    hook_service               = "hook-service"
  }
}

resource "juju_model" "iam" {
  name = "${var.environment}-iam"

  cloud {
    name = var.juju_cloud
  }
}

resource "juju_application" "kratos" {
  name  = "kratos"
  model = local.model
  trust = true
  units = 1

  charm {
    name     = local.apps.kratos
    channel  = lookup(local.channel, "kratos", "latest/edge")
    revision = try(var.charms.kratos.revision, null)
  }
}

resource "juju_application" "hydra" {
  name  = "hydra"
  model = local.model
  trust = true
  units = 1

  charm {
    name     = local.apps.hydra
    channel  = lookup(local.channel, "hydra", "latest/edge")
    revision = try(var.charms.hydra.revision, null)
  }
}

resource "juju_application" "identity_platform_login_ui" {
  name  = "identity-platform-login-ui"
  model = local.model
  trust = true
  units = 1

  charm {
    name    = local.apps.identity_platform_login_ui
    channel = lookup(local.channel, "identity-platform-login-ui", "latest/edge")
  }
}

resource "juju_application" "hook_service" {
  name  = "hook-service"
  model = local.model
  trust = true
  units = 1

  charm {
    name    = local.apps.hook_service
    channel = lookup(local.channel, "hook-service", "latest/edge")
  }
}

resource "juju_integration" "kratos_postgresql" {
  model = local.model

  application {
    name     = juju_application.kratos.name
    endpoint = "pg-database"
  }

  application {
    offer_url = var.postgresql_offer
  }
}

resource "juju_integration" "hydra_postgresql" {
  model = local.model

  application {
    name     = juju_application.hydra.name
    endpoint = "pg-database"
  }

  application {
    offer_url = var.postgresql_offer
  }
}

resource "juju_integration" "login_ui_hydra" {
  model = local.model

  application {
    name     = juju_application.identity_platform_login_ui.name
    endpoint = "hydra-endpoint-info"
  }

  application {
    name     = juju_application.hydra.name
    endpoint = "hydra-endpoint-info"
  }
}

resource "juju_integration" "login_ui_kratos" {
  model = local.model

  application {
    name     = juju_application.identity_platform_login_ui.name
    endpoint = "kratos-info"
  }

  application {
    name     = juju_application.kratos.name
    endpoint = "kratos-info"
  }
}
