output "jimm_url" {
  value = "https://jimm.${var.environment}.example.com"
}
