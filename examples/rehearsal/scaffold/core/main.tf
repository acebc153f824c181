# Layer core (rehearsal): PostgreSQL, Vault, OpenFGA and Traefik in <env>-core.
# Upstream outputs are read from the upstream workspace's state on the
# local backend, as the write-up's layers read theirs.

data "terraform_remote_state" "k8s" {
  backend = "local"
  config = {
    path = "../../../../../k8s/prodstack/6/${var.tier}/${var.environment}/terraform.tfstate"
  }
}

module "core" {
  source = "{{module_dir}}"

  environment    = var.environment
  apply_seconds  = var.apply_seconds
  k8s_cluster_id = data.terraform_remote_state.k8s.outputs.cluster_id
}

output "model_uuid" {
  value = module.core.model_uuid
}

output "postgresql_offer" {
  value = module.core.postgresql_offer
}

# What this layer read from upstream, for the runner's tests.
output "upstream_k8s_cluster_id" {
  value = data.terraform_remote_state.k8s.outputs.cluster_id
}
