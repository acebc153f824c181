output "model_uuid" {
  description = "UUID of the <environment>-core model."
  value       = juju_model.core.uuid
}

output "postgresql_offer" {
  description = "Offer URL of PostgreSQL for other models."
  value       = juju_offer.postgresql.url
}

output "traefik_route_offer" {
  value = juju_offer.traefik_route.url
}
