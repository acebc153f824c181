# Layer jimm: the JIMM gateway in <env>-jimm, logging in through the iam layer.

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

module "jimm" {
  source = "{{module_dir}}"

  environment      = var.environment
  juju_cloud       = try(var.upstream.k8s.cluster_name, "${var.environment}-k8s")
  postgresql_offer = try(var.upstream.core.postgresql_offer, "admin/${var.environment}-core.postgresql")
  oidc_issuer      = var.upstream.iam.oidc_issuer
}

output "jimm_url" {
  value = module.jimm.jimm_url
}
