variable "environment" {
  description = "Environment name; the model is <environment>-core."
  type        = string
}

variable "juju_cloud" {
  description = "Juju cloud (the K8s cluster from the k8s layer)."
  type        = string
}

variable "channel" {
  description = "Default charm channel track, overridden per charm in var.charms."
  type        = string
  default     = "latest/stable"
}

variable "charms" {
  description = "Per-charm channel/revision pins from the environment manifest."
  type = map(object({
    channel  = optional(string)
    revision = optional(number)
  }))
  default = {}
}

variable "postgresql_storage" {
  type    = string
  default = "10G"
}
