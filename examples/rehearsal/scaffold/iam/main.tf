# Layer iam (rehearsal): Kratos, Hydra, the login UI and the hook service in <env>-iam.
# Upstream outputs are read from the upstream workspace's state on the
# local backend, as the write-up's layers read theirs.

data "terraform_remote_state" "core" {
  backend = "local"
  config = {
    path = "../${var.environment}-core/terraform.tfstate"
  }
}

module "iam" {
  source = "{{module_dir}}"

  environment      = var.environment
  apply_seconds    = var.apply_seconds
  core_model_uuid  = data.terraform_remote_state.core.outputs.model_uuid
  postgresql_offer = data.terraform_remote_state.core.outputs.postgresql_offer
}

output "oidc_issuer" {
  value = module.iam.oidc_issuer
}

output "hydra_admin_url" {
  value = module.iam.hydra_admin_url
}

# What this layer read from upstream, for the runner's tests.
output "upstream_core_model_uuid" {
  value = data.terraform_remote_state.core.outputs.model_uuid
}
