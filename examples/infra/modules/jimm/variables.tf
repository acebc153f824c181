variable "environment" {
  description = "Environment name; the model is <environment>-jimm."
  type        = string
}

variable "juju_cloud" {
  type = string
}

variable "channel" {
  type    = string
  default = "3/stable"
}

variable "postgresql_offer" {
  description = "PostgreSQL offer URL from the core layer."
  type        = string
}

variable "oidc_issuer" {
  description = "OIDC issuer from the iam layer; JIMM logs users in through it."
  type        = string
}

variable "domain" {
  type    = string
  default = "example.com"
}
