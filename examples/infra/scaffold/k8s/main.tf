# Layer k8s: OpenStack VMs running Canonical K8s, with a Juju controller.
# Credentials come from OS_* variables in the server's environment.

terraform {
  required_providers {
    openstack = {
      source  = "terraform-provider-openstack/openstack"
      version = "~> 3.0"
    }
  }
}

provider "openstack" {}

module "k8s" {
  source = "{{module_dir}}"

  environment  = var.environment
  tier         = var.tier
  worker_count = try(var.manifest.k8s.worker_count, 2)
}

output "cluster_name" {
  value = module.k8s.cluster_name
}

output "juju_controller" {
  value = module.k8s.juju_controller
}
