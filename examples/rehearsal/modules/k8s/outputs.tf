output "cluster_name" {
  value = "${var.environment}-k8s"
}

output "juju_controller" {
  value = "${var.environment}-controller"
}

output "cluster_id" {
  value = terraform_data.cluster.id
}
