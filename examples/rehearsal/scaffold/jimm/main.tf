# Layer jimm (rehearsal): JIMM and its OpenFGA in <env>-jimm.
# Upstream outputs are read from the upstream workspace's state on the
# local backend, as the write-up's layers read theirs.

data "terraform_remote_state" "iam" {
  backend = "local"
  config = {
    path = "../${var.environment}-iam/terraform.tfstate"
  }
}

module "jimm" {
  source = "{{module_dir}}"

  environment   = var.environment
  apply_seconds = var.apply_seconds
  oidc_issuer   = data.terraform_remote_state.iam.outputs.oidc_issuer
}

output "jimm_url" {
  value = module.jimm.jimm_url
}
