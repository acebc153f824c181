# Layer iam: Kratos, Hydra, the login UI and the hook service in <env>-iam.

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

module "iam" {
  source = "{{module_dir}}"

  environment      = var.environment
  juju_cloud       = try(var.upstream.k8s.cluster_name, "${var.environment}-k8s")
  channel          = var.channel
  charms           = try(var.manifest.charms, {})
  postgresql_offer = var.upstream.core.postgresql_offer
}

output "oidc_issuer" {
  value = module.iam.oidc_issuer
}

output "hydra_admin_url" {
  value = module.iam.hydra_admin_url
}
