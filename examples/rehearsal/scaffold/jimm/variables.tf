# Written by Palette into palette.auto.tfvars.json for every run.

variable "environment" {
  description = "Environment name (blue, green, cd, ...)."
  type        = string
}

variable "tier" {
  description = "Environment tier (staging, production, ...)."
  type        = string
  default     = "staging"
}

variable "channel" {
  description = "Default charm channel of the environment."
  type        = string
  default     = "latest/stable"
}

variable "manifest" {
  description = "The environment manifest (charm pins, sizes); opaque to most layers."
  type        = any
  default     = {}
}

variable "upstream" {
  description = "Outputs of the layers this one depends on: { layer = { output = value } }."
  type        = any
  default     = {}
}

variable "apply_seconds" {
  description = "How long the layer's slow resource takes to create (rehearsal only)."
  type        = number
  default     = 0
}
