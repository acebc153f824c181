output "grafana_url" {
  value = "https://grafana.${var.environment}.example.com"
}

output "collector_cluster" {
  value = var.cluster_name
}
