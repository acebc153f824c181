variable "environment" {
  type = string
}

variable "iam_model" {
  description = "Model whose applications report to COS (<environment>-iam)."
  type        = string
}

variable "cos_offers" {
  description = "Offer URLs exposed by the COS model."
  type = object({
    grafana_dashboards = string
    prometheus_scrape  = string
    loki_logging       = string
  })
}

variable "grafana_url" {
  description = "Grafana of the COS deployment; {env} is the environment name."
  type        = string
  default     = "https://grafana.example.com"
}
