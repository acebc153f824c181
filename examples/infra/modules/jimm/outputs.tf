output "jimm_url" {
  description = "Public JIMM endpoint."
  value       = "https://${local.dns_name}"
  depends_on  = [juju_application.jimm]
}
