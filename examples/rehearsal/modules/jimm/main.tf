# Rehearsal of layer jimm: JIMM and its OpenFGA in <env>-jimm,
# as built-in terraform_data resources (no provider to download).

resource "terraform_data" "jimm" {
  input = {
    name        = "${var.environment}-jimm"
    oidc_issuer = var.oidc_issuer
  }

  # Where a real step takes time; the runner's SIGINT test makes it long.
  provisioner "local-exec" {
    command = "sleep ${var.apply_seconds}"
  }
}
