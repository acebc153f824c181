output "model_uuid" {
  value = terraform_data.model.id
}

output "postgresql_offer" {
  value = "admin/${var.environment}-core.postgresql"
}
