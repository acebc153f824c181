variable "environment" {
  type = string
}

variable "apply_seconds" {
  description = "How long creating the slow resource takes (a local-exec sleep)."
  type        = number
  default     = 0
}

variable "cluster_name" {
  description = "Read from the k8s layer's state."
  type        = string
}
