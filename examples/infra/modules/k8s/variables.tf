variable "environment" {
  description = "Environment name; prefixes every resource (blue, green, cd, ...)."
  type        = string
}

variable "tier" {
  description = "staging or production."
  type        = string
  default     = "staging"
}

variable "image_name" {
  description = "Glance image for the nodes."
  type        = string
  default     = "ubuntu-24.04"
}

variable "control_plane_flavor" {
  type    = string
  default = "m1.large"
}

variable "worker_flavor" {
  type    = string
  default = "m1.xlarge"
}

variable "worker_count" {
  description = "Canonical K8s worker units."
  type        = number
  default     = 2
}

variable "network_name" {
  description = "Existing OpenStack network (the /24 subnet provided by IS)."
  type        = string
  default     = "net_identity"
}

variable "k8s_channel" {
  description = "Snap channel for Canonical Kubernetes."
  type        = string
  default     = "1.32-classic/stable"
}

variable "jimm_jwks_url" {
  description = "JIMM JWKS endpoint the bootstrapped controller trusts (login-token-refresh-url)."
  type        = string
  default     = "https://jimm.iam.example.com/.well-known/jwks.json"
}
