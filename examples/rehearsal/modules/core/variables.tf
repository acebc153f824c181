variable "environment" {
  type = string
}

variable "apply_seconds" {
  description = "How long creating the slow resource takes (a local-exec sleep)."
  type        = number
  default     = 0
}

variable "k8s_cluster_id" {
  description = "Read from the upstream layer's state."
  type        = string
}
