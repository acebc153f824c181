# Layer cos-integration (rehearsal): the collector on <env>'s cluster,
# related to COS offers. It needs only k8s (the blueprint runs it beside
# core → iam → jimm), whose outputs it reads from k8s's state on the local
# backend, as the write-up's layers read theirs.

data "terraform_remote_state" "k8s" {
  backend = "local"
  config = {
    path = "../../../../../k8s/prodstack/6/${var.tier}/${var.environment}/terraform.tfstate"
  }
}

module "cos_integration" {
  source = "{{module_dir}}"

  environment   = var.environment
  apply_seconds = var.apply_seconds
  cluster_name  = data.terraform_remote_state.k8s.outputs.cluster_name
}

output "grafana_url" {
  value = module.cos_integration.grafana_url
}

output "collector_cluster" {
  value = module.cos_integration.collector_cluster
}
