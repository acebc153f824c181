output "oidc_issuer" {
  value = "https://iam.${var.environment}.example.com"
}

output "hydra_admin_url" {
  value = "http://hydra.${var.environment}-iam.svc:4445"
}
