# Rehearsal of layer cos-integration: the collector in <env>-iam related to COS offers,
# as built-in terraform_data resources (no provider to download).

resource "terraform_data" "collector" {
  input = {
    name        = "${var.environment}-collector"
    oidc_issuer = var.oidc_issuer
  }

  # Where a real step takes time; the runner's SIGINT test makes it long.
  provisioner "local-exec" {
    command = "sleep ${var.apply_seconds}"
  }
}
