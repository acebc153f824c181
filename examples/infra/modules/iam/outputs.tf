output "oidc_issuer" {
  description = "Public OIDC issuer served by Hydra."
  value       = "https://iam.${var.environment}.${var.domain}"
  depends_on  = [juju_application.hydra]
}

output "hydra_admin_url" {
  description = "Hydra admin API inside the cluster."
  value       = "http://hydra.${juju_model.iam.name}.svc.cluster.local:4445"
}
