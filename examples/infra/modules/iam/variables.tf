variable "environment" {
  description = "Environment name; the model is <environment>-iam."
  type        = string
}

variable "juju_cloud" {
  type = string
}

variable "channel" {
  type    = string
  default = "latest/stable"
}

variable "charms" {
  description = "Per-charm channel/revision pins from the environment manifest."
  type = map(object({
    channel  = optional(string)
    revision = optional(number)
  }))
  default = {}
}

variable "postgresql_offer" {
  description = "PostgreSQL offer URL from the core layer."
  type        = string
}

variable "traefik_route_offer" {
  description = "Traefik route offer URL from the core layer (public ingress)."
  type        = string
  default     = null
}

variable "domain" {
  type    = string
  default = "example.com"
}
