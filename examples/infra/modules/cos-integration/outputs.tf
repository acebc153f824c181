output "grafana_url" {
  description = "Grafana folder holding this environment's dashboards."
  value       = "${var.grafana_url}/dashboards/f/${var.environment}"
  depends_on  = [juju_integration.grafana_dashboards]
}
