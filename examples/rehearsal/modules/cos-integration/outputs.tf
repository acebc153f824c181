output "grafana_url" {
  value = "https://grafana.${var.environment}.example.com"
}
