# Layer cos-integration (rehearsal): the collector in <env>-iam related to COS offers.
# Upstream outputs are read from the upstream workspace's state on the
# local backend, as the write-up's layers read theirs.

data "terraform_remote_state" "iam" {
  backend = "local"
  config = {
    path = "../${var.environment}-iam/terraform.tfstate"
  }
}

module "cos_integration" {
  source = "{{module_dir}}"

  environment   = var.environment
  apply_seconds = var.apply_seconds
  oidc_issuer   = data.terraform_remote_state.iam.outputs.oidc_issuer
}

output "grafana_url" {
  value = module.cos_integration.grafana_url
}
