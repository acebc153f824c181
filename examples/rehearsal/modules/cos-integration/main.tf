# Rehearsal of layer cos-integration: the collector on <env>'s cluster, related to COS offers,
# as built-in terraform_data resources (no provider to download).

resource "terraform_data" "collector" {
  input = {
    name        = "${var.environment}-collector"
    cluster     = var.cluster_name
  }

  # Where a real step takes time; the runner's SIGINT test makes it long.
  provisioner "local-exec" {
    command = "sleep ${var.apply_seconds}"
  }
}
