# Layer k8s (rehearsal): OpenStack VMs running Canonical K8s, with a Juju controller.
# The first layer: the others read its outputs from its state.

module "k8s" {
  source = "{{module_dir}}"

  environment   = var.environment
  apply_seconds = var.apply_seconds
}

output "cluster_name" {
  value = module.k8s.cluster_name
}

output "juju_controller" {
  value = module.k8s.juju_controller
}

output "cluster_id" {
  value = module.k8s.cluster_id
}
