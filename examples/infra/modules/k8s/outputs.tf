output "cluster_name" {
  description = "Name of the Canonical K8s cluster (and its Juju cloud)."
  value       = local.prefix
}

output "juju_controller" {
  description = "Juju controller bootstrapped on the cluster."
  value       = "${var.environment}-controller"
  depends_on  = [terraform_data.juju_bootstrap]
}

output "control_plane_address" {
  value = openstack_compute_instance_v2.control_plane.access_ip_v4
}
