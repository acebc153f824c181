# Layer core: PostgreSQL, Vault, OpenFGA and Traefik in <env>-core.

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

module "core" {
  source = "{{module_dir}}"

  environment = var.environment
  juju_cloud  = try(var.upstream.k8s.cluster_name, "${var.environment}-k8s")
  channel     = var.channel
  charms      = try(var.manifest.charms, {})
}

output "model_uuid" {
  value = module.core.model_uuid
}

output "postgresql_offer" {
  value = module.core.postgresql_offer
}
